"""The SEO and readability checks on hand-written good and bad texts."""

from __future__ import annotations

import pytest

from summitry.briefing._text import count_syllables, is_passive, split_sentences, words
from summitry.briefing.seo import CheckResult, Paper, check, content_words, overall_scores

KP = "cat food"
# 12-word sentences with and without a transition word and the keyphrase
PLAIN = "Our kitten likes to sleep on the warm windowsill most sunny afternoons."
TRANS = "However, our kitten also likes to play with a small red ball."
WITH_KP = "Good cat food keeps an old kitten healthy, happy and quite active."
DESC = ("Which cat food is best for a kitten? We compare brands, prices and ingredients "
        "so that you can choose the healthiest option for your pet.")


def body(*paras: str, h1: str = "Cat food for kittens") -> str:
    return f"<h1>{h1}</h1>" + "".join(paras)


def p(*sentences: str) -> str:
    return "<p>" + " ".join(sentences) + "</p>"


def good_text() -> str:
    """About 330 words: keyphrase in the intro, 1–2 % density, 2 of 4 subheadings."""
    blocks = [p(WITH_KP, TRANS, PLAIN)]
    heads = ["Why cat food matters", "How kittens eat", "Choosing cat food", "Our advice"]
    for k, h in enumerate(heads):
        blocks.append(f"<h2>{h}</h2>")
        blocks.append(p(TRANS, PLAIN, WITH_KP if k % 2 else TRANS, PLAIN))
        blocks.append(p(TRANS, PLAIN, TRANS))
    return body(*blocks)


def run(text: str, **kw: str) -> dict[str, CheckResult]:
    args = {"keyphrase": KP, "title": "Cat food for kittens: a guide", "description": DESC,
            "slug": "cat-food-kittens"}
    args.update(kw)
    return {r.id: r for r in check(Paper(text=text, **args))}


def test_good_text_is_green_everywhere() -> None:
    res = run(good_text())
    bad = {k: (r.status, r.value) for k, r in res.items() if r.status not in ("green", "info")}
    assert bad == {}
    seo, readability = overall_scores(list(res.values()))
    assert seo >= 95 and readability == 90
    assert res["flesch_reading_ease"].score is None  # information only


def test_keyphrase_length() -> None:
    assert run(good_text())["keyphrase_length"].score == 9
    assert run(good_text(), keyphrase="the best dry cat food for kittens")["keyphrase_length"
                                                                           ].score == 6
    long_kp = "best dry organic grain free salmon cat food for small senior kittens"
    assert run(good_text(), keyphrase=long_kp)["keyphrase_length"].status == "red"
    assert run(good_text(), keyphrase="")["keyphrase_length"].score == -999
    assert content_words("the cat of the year") == ["cat", "year"]


def test_keyphrase_in_introduction() -> None:
    assert run(body(p(WITH_KP, PLAIN)))["keyphrase_in_introduction"].score == 9
    split = p("Our cat is old.", "She needs soft food now.")
    assert run(body(split))["keyphrase_in_introduction"].score == 6
    assert run(body(p(PLAIN), p(WITH_KP)))["keyphrase_in_introduction"].score == 3


def test_keyphrase_density() -> None:
    filler = p(*([PLAIN] * 30))  # 360 words without the keyphrase
    assert run(body(filler))["keyphrase_density"].score == 4  # not found
    one = p(*([PLAIN] * 30), WITH_KP)
    assert run(body(one, h1="Kittens"))["keyphrase_density"].status == "red"  # 1 in 370 words
    ok = p(*([PLAIN] * 12), WITH_KP, WITH_KP)
    assert run(body(ok))["keyphrase_density"].score == 9
    stuffed = p(*([WITH_KP] * 12))  # 1 match per 12 words ≈ 8 %
    assert run(body(stuffed))["keyphrase_density"].score == -50
    # matches need every content word in one sentence, in any order
    assert run(body(p("Food for the cat."), h1="Kittens"), keyphrase="cat food")[
        "keyphrase_density"].details["count"] == 1


def test_meta_description() -> None:
    res = run(good_text())
    assert res["meta_description_length"].score == 9
    assert res["keyphrase_in_meta_description"].score == 9
    short = run(good_text(), description="Cat food compared.")
    assert short["meta_description_length"].score == 6
    assert run(good_text(), description=DESC + " More words here to be long.")[
        "meta_description_length"].score == 6
    assert run(good_text(), description="")["meta_description_length"].score == 1
    thrice = "Cat food. Cat food again. Cat food thrice, and more words to fill the space."
    assert run(good_text(), description=thrice)["keyphrase_in_meta_description"].score == 3
    assert run(good_text(), description="No match here, only dogs.")[
        "keyphrase_in_meta_description"].score == 3


def test_keyphrase_in_subheadings() -> None:
    assert run(good_text())["keyphrase_in_subheadings"].score == 9  # 2 of 4
    none = good_text().replace("Why cat food matters", "Why it matters").replace(
        "Choosing cat food", "Choosing")
    assert run(none)["keyphrase_in_subheadings"].score == 3
    every = good_text().replace("How kittens eat", "How kittens eat cat food").replace(
        "Our advice", "Our cat food advice")
    assert run(every)["keyphrase_in_subheadings"].score == 3  # over 75 %
    flat = body(p(*([PLAIN] * 30)))  # long text without subheadings
    assert run(flat)["keyphrase_in_subheadings"].score == 2


def test_keyphrase_in_title_and_slug() -> None:
    assert run(good_text())["keyphrase_in_title"].score == 9
    assert run(good_text(), title="A guide to cat food")["keyphrase_in_title"].score == 6
    assert run(good_text(), title="A guide to kittens")["keyphrase_in_title"].score == 2
    assert run(good_text(), slug="kitten-cat-food")["keyphrase_in_slug"].score == 9
    assert run(good_text(), slug="kitten-food")["keyphrase_in_slug"].score == 6
    assert run(good_text(), slug="")["keyphrase_in_slug"].score == 3


def test_text_length_title_width_and_h1() -> None:
    def n_words(n: int) -> str:
        return body(p(" ".join(["word"] * (n - 4))))  # the H1 has 4 words

    assert run(n_words(300))["text_length"].score == 9
    assert run(n_words(260))["text_length"].score == 6
    assert run(n_words(220))["text_length"].score == 3
    assert run(n_words(150))["text_length"].score == -10
    assert run(n_words(50))["text_length"].score == -20
    wide = "Cat food for kittens: " + "a very long and winding title " * 4
    assert run(good_text(), title=wide)["title_width"].status == "red"
    assert run(good_text())["single_h1"].score == 8
    assert run(good_text() + "<h1>Another title</h1>")["single_h1"].score == 1


def test_subheading_distribution_and_paragraph_length() -> None:
    section_350 = "".join(p(*([PLAIN] * 10)) for _ in range(3))  # 360 words
    assert run(body("<h2>One</h2>" + section_350))["subheading_distribution"].score == 3
    section_320 = p(*([PLAIN] * 12)) + p(*([PLAIN] * 12)) + p(PLAIN * 3 + " Extra words.")
    assert run(body("<h2>One</h2>" + section_320))["subheading_distribution"].score == 6
    assert run(body(p(PLAIN)))["subheading_distribution"].score == 9  # short, none needed
    assert run(body(p(*([PLAIN] * 13))))["paragraph_length"].score == 6  # 156 words
    assert run(body(p(*([PLAIN] * 18))))["paragraph_length"].score == 3  # 216 words
    assert run(good_text())["paragraph_length"].score == 9


def test_sentence_length() -> None:
    long_s = ("Our old kitten likes to sleep on the warm windowsill of the kitchen most of the "
              "sunny afternoons in the long summer.")
    assert run(body(p(long_s, PLAIN, PLAIN, PLAIN)))["sentence_length"].status == "green"
    assert run(body(p(long_s, long_s, PLAIN, PLAIN)))["sentence_length"].status == "red"


def test_passive_voice() -> None:
    passive = "The bowl was filled by the owner."
    res = run(body(p(passive, *([PLAIN] * 9))))
    assert res["passive_voice"].status == "green"  # 1 in 11 sentences
    res = run(body(p(passive, passive, *([PLAIN] * 11))))  # 2 in 14 ≈ 14 % (with the H1)
    assert res["passive_voice"].status == "orange"
    assert run(body(p(passive, passive, PLAIN)))["passive_voice"].status == "red"
    assert is_passive("The treaty is widely expected to lapse.")
    assert is_passive("Sanctions were not lifted.")
    assert not is_passive("Leaders will meet in Alaska.")
    assert not is_passive("The deal is a big step.")


def test_transition_words() -> None:
    none = body(p(*([PLAIN] * 20)))
    assert run(none)["transition_words"].status == "red"
    some = body(p(*([TRANS] * 5), *([PLAIN] * 15)))  # 5 of 21 ≈ 24 %
    assert run(some)["transition_words"].status == "orange"
    assert run(good_text())["transition_words"].status == "green"
    short = body(p(PLAIN))  # under 200 words: no transitions needed
    assert run(short)["transition_words"].status == "green"
    two_part = body(p("Either the cat eats or the dog does.", *([PLAIN] * 2)))
    assert run(two_part)["transition_words"].details["percent"] > 0


def test_consecutive_sentences() -> None:
    same = p("Cats sleep a lot.", "Cats eat fish.", "Cats play.")
    assert run(body(same))["consecutive_sentences"].status == "red"
    articles = p("The cat sleeps.", "The dog eats.", "The bird sings.")
    assert run(body(articles))["consecutive_sentences"].status == "green"
    listed = "<ul><li>Cats sleep.</li><li>Cats eat.</li><li>Cats play.</li></ul>"
    assert run(body(listed))["consecutive_sentences"].status == "green"  # lists don't count


def test_text_presence_and_flesch() -> None:
    assert run("<p>Hi.</p>")["text_presence"].status == "red"
    easy = run(body(p(*(["The cat sat on the mat."] * 10))))["flesch_reading_ease"]
    hard = run(body(p(*(["Considerable organisational complexity necessitates "
                         "comprehensive interdisciplinary deliberation."] * 5))))[
        "flesch_reading_ease"]
    assert easy.details["score"] > 90 > 30 > hard.details["score"]


def test_text_helpers() -> None:
    assert split_sentences("Mr. Smith met Dr. Jones. Then they left!") == [
        "Mr. Smith met Dr. Jones.", "Then they left!"]
    assert split_sentences("Vice President J.D. Vance met them.", keep_initials=True) == [
        "Vice President J.D. Vance met them."]
    assert words("Trump–Putin talks at Elmendorf-Richardson, 2025.") == [
        "Trump", "Putin", "talks", "at", "Elmendorf-Richardson", "2025"]
    assert [count_syllables(w) for w in ("cat", "table", "negotiation", "made")] == [1, 2, 4, 1]


@pytest.mark.parametrize("html", ["<p>x</p><script>alert(1)</script>",
                                  "<style>p{}</style><p>x</p>"])
def test_scripts_and_styles_are_not_text(html: str) -> None:
    res = run(html)
    assert res["text_presence"].value == "1 characters"
