"""SEO and readability checks of an article, with Yoast's thresholds.

The checks and their thresholds follow Yoast SEO's scoring documentation for English,
non-cornerstone content (specs/briefing.md §4.1; re-read in the scoring docs shipped in
``yoastseo@3.6.0``). Each check gives a Yoast-style score and a traffic light: score ≤ 4
red, 5–7 orange, 8–9 green; informational results have no score.

SEO checks (keyphrase = the article's primary keyword; its *content words* are its words
without function words; a *match* is a sentence holding every content word):

============================= =========================================================
check                          green / orange / red
============================= =========================================================
keyphrase length               1–4 content words (9) / 5–8 (6) / > 8 (3)
keyphrase in introduction      one sentence of the first paragraph has all content words
                               (9) / all in the paragraph, not one sentence (6) / no (3)
keyphrase density              matches ÷ words: 0.5–3 % (9) / — / < 0.5 % (4),
                               3–4 % (−10), > 4 % (−50); texts < 100 words by count
keyphrase in meta description  1–2 matching sentences (9) / — / 0 or > 2 (3)
meta description length        121–156 characters (9) / ≤ 120 or ≥ 157 (6) / none (1)
keyphrase in subheadings       30–75 % of H2/H3 hold more than half of the content words,
                               or the only one does (9) / — / otherwise (3), none in a
                               text over 300 words (2)
keyphrase in SEO title         the exact keyphrase starts the title (9) / exact elsewhere
                               or all words (6) / words missing (2)
keyphrase in slug              all content words (≤ 2) or more than half (longer) (9) /
                               otherwise (6) / no slug (3)
text length                    ≥ 300 words (9) / 250–299 (6) / 200–249 (3), 100–199
                               (−10), < 100 (−20)
SEO title width                1–600 px (9) / — / > 600 px (3), none (1)
single H1                      fewer than two H1 (8) / — / two or more (1)
============================= =========================================================

Readability checks:

============================= =========================================================
subheading distribution        no section (text after a subheading, or before the first)
                               over 300 words (9) / 300–350 (6) / > 350, or > 300 words
                               and no subheading (3; 2)
paragraph length               every paragraph ≤ 150 words (9) / 150–200 (6) / > 200 (3)
sentence length                ≤ 25 % of sentences over 20 words (9) / 25–30 % (6) /
                               > 30 % (3)
passive voice                  ≤ 10 % of sentences (9) / 10–15 % (6) / > 15 % (3)
transition words               ≥ 30 % of sentences (9) / 20–30 % (6) / < 20 % (3);
                               texts under 200 words pass
consecutive sentences          fewer than 3 in a row start with the same word (9) / — /
                               3 or more (3); list items and table cells do not count
text presence                  at least 50 characters (9) / — / fewer (3)
Flesch reading ease            information: 206.835 − 1.015 · words/sentences − 84.6 ·
                               syllables/words (Flesch 1948)
============================= =========================================================

One deviation from the spec table: Yoast 3.6.0 scores a slug that holds none of the
keyphrase's words orange (6), not red; we follow the shipped code. The SEO title width
is measured in pixels in Yoast's snippet preview; we estimate it from Arial 20 px
character widths (:func:`title_width`). Checks that need the rest of the site (internal
links, previously used keyphrase) are not run.

>>> paper = Paper(text="<p>Cats are great pets.</p>", keyphrase="cats", title="Cats")
>>> [r.status for r in check(paper) if r.id == "keyphrase_in_introduction"]
['green']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from summitry.briefing._text import (
    FUNCTION_WORDS,
    TRANSITION_WORDS,
    TWO_PART_TRANSITIONS,
    Block,
    count_syllables,
    is_passive,
    match_tokens,
    parse_html,
    sentence_beginning,
    split_sentences,
    words,
)

__all__ = [
    "CheckResult",
    "Paper",
    "check",
    "content_words",
    "overall_scores",
    "status_of",
    "title_width",
]

Status = Literal["green", "orange", "red", "info"]


@dataclass(frozen=True)
class Paper:
    """What the checks read.

    Attributes:
        text: the article body as HTML (headings, paragraphs, lists, tables).
        keyphrase: the focus keyphrase (the primary keyword).
        title: the SEO title (``<title>``).
        description: the meta description.
        slug: the URL slug (last path segment of the canonical URL).
    """

    text: str
    keyphrase: str = ""
    title: str = ""
    description: str = ""
    slug: str = ""


@dataclass(frozen=True)
class CheckResult:
    """One check.

    ``id``, display ``name``, ``kind`` (``seo``/``readability``/``info``), Yoast-style ``score``
    (``None`` for information), traffic-light ``status``, the measured ``value`` and a
    ``message`` saying what to do.
    """

    id: str
    name: str
    kind: Literal["seo", "readability", "info"]
    score: int | None
    status: Status
    value: str
    message: str
    details: dict[str, float] = field(default_factory=dict)


def status_of(score: int | None) -> Status:
    """Traffic light of a Yoast score: ≤ 4 red, 5–7 orange, ≥ 8 green; ``None`` info."""
    if score is None:
        return "info"
    if score <= 4:
        return "red"
    if score <= 7:
        return "orange"
    return "green"


def _result(cid: str, name: str, kind: Literal["seo", "readability"], score: int,
            value: str, message: str, **details: float) -> CheckResult:
    return CheckResult(cid, name, kind, score, status_of(score), value, message,
                       dict(details))


def content_words(keyphrase: str) -> list[str]:
    """The keyphrase's words without function words (all words if only function words).

    >>> content_words("US Russia relations 2025")
    ['russia', 'relations', '2025']
    """
    toks = match_tokens(keyphrase.strip().strip('"'))
    content = [t for t in toks if t not in FUNCTION_WORDS]
    return content or toks


def _matches(sentence: str, kw: Sequence[str]) -> int:
    """How often the keyphrase occurs in a sentence.

    Every content word must be present; the count is the smallest number of occurrences among
    them.
    """
    if not kw:
        return 0
    toks = match_tokens(sentence)
    return min(toks.count(w) for w in kw)


def _share(sentence: str, kw: Sequence[str]) -> float:
    toks = set(match_tokens(sentence))
    return sum(1 for w in set(kw) if w in toks) / max(len(set(kw)), 1)


# Approximate advance widths of Arial at 20 px (Google's desktop title font), in pixels.
_NARROW = {"i": 4.4, "j": 4.4, "l": 4.4, "f": 5.6, "t": 5.6, "r": 6.7, "I": 5.6,
           " ": 5.6, ".": 5.6, ",": 5.6, ":": 5.6, ";": 5.6, "'": 3.8, "!": 5.6, "|": 5.2,
           "(": 6.7, ")": 6.7, "-": 6.7}
_WIDE = {"m": 16.7, "w": 14.4, "M": 16.7, "W": 18.9, "—": 20.0, "–": 11.1, "@": 20.3}


def title_width(title: str) -> float:
    """Estimated width of ``title`` in Google's snippet (Arial 20 px), in pixels."""
    total = 0.0
    for ch in title:
        if ch in _NARROW:
            total += _NARROW[ch]
        elif ch in _WIDE:
            total += _WIDE[ch]
        elif ch.isupper():
            total += 13.3
        elif ch.isdigit():
            total += 11.1
        else:
            total += 11.1 if ch.isalpha() else 8.0
    return round(total, 1)


def _has_transition(sentence: str) -> bool:
    toks = re.findall(r"[a-z]+", sentence.lower())
    if any(t in TRANSITION_WORDS for t in toks):
        return True
    joined = " " + " ".join(toks) + " "
    if any(" " in tw and f" {tw} " in joined for tw in TRANSITION_WORDS):
        return True
    for first, second in TWO_PART_TRANSITIONS:
        i = joined.find(f" {first} ")
        if i >= 0 and f" {second} " in joined[i + len(first) + 1:]:
            return True
    return False


def check(paper: Paper) -> list[CheckResult]:
    """Run every SEO and readability check on ``paper`` (see the module docstring)."""
    doc = parse_html(paper.text)
    blocks = doc.blocks
    all_words = [w for b in blocks for w in words(b.text)]
    n_words = len(all_words)
    sentences = [s for b in blocks for s in split_sentences(b.text)]
    kw = content_words(paper.keyphrase) if paper.keyphrase.strip() else []
    out: list[CheckResult] = []

    # --- keyphrase length
    if not kw:
        out.append(_result("keyphrase_length", "Keyphrase length", "seo", -999, "none",
                           "No focus keyphrase: add the primary keyword to meta.keywords."))
    else:
        n = len(kw)
        score = 9 if n <= 4 else (6 if n <= 8 else 3)
        out.append(_result("keyphrase_length", "Keyphrase length", "seo", score,
                           f"{n} content words",
                           "Good length." if score == 9 else
                           "Shorten the keyphrase to at most 4 content words."))

    # --- keyphrase in introduction
    first_p = next((b.text for b in blocks if b.kind == "p"), "")
    if not kw or not first_p:
        score = 3
        msg = "Add a keyphrase and an introduction that contains it."
    elif any(_matches(s, kw) for s in split_sentences(first_p)):
        score, msg = 9, "The first paragraph has the keyphrase in one sentence."
    elif _share(first_p, kw) == 1.0:
        score, msg = 6, "The keyphrase's words are in the first paragraph but not in one sentence."
    else:
        score, msg = 3, "Put the keyphrase in the first paragraph."
    out.append(_result("keyphrase_in_introduction", "Keyphrase in introduction", "seo", score,
                       "yes" if score == 9 else "no", msg))

    # --- keyphrase density
    count = sum(_matches(s, kw) for s in sentences) if kw else 0
    density = 100.0 * count / n_words if n_words else 0.0
    if not kw or n_words == 0:
        score, msg = -50, "Add a keyphrase and some text that contains it."
    elif count == 0:
        score, msg = 4, "The keyphrase does not occur in the text."
    elif n_words >= 100:
        if density > 4:
            score, msg = -50, "Far too many keyphrase matches: don't over-optimise."
        elif density > 3:
            score, msg = -10, "Too many keyphrase matches: don't over-optimise."
        elif density < 0.5:
            score, msg = 4, "Use the keyphrase more often (density at least 0.5%)."
        else:
            score, msg = 9, "Good keyphrase density."
    else:
        limit_ok = 2 if n_words > 50 else 1
        if count <= limit_ok:
            score, msg = 9, "Good keyphrase density."
        elif count == limit_ok + 1:
            score, msg = -10, "Too many keyphrase matches for a short text."
        else:
            score, msg = -50, "Far too many keyphrase matches for a short text."
    out.append(_result("keyphrase_density", "Keyphrase density", "seo", score,
                       f"{density:.2f}% ({count} matches in {n_words} words)", msg,
                       density=density, count=count))

    # --- keyphrase in meta description
    desc = paper.description.strip()
    if not kw or not desc:
        score, n_desc = 3, 0
        msg = "Add a meta description that contains the keyphrase."
    else:
        n_desc = sum(1 for s in split_sentences(desc) if _matches(s, kw))
        score = 9 if 1 <= n_desc <= 2 else 3
        msg = ("The meta description has the keyphrase." if score == 9 else
               "Put the keyphrase in the meta description (at most twice).")
    out.append(_result("keyphrase_in_meta_description", "Keyphrase in meta description", "seo",
                       score, f"{n_desc} sentences", msg))

    # --- meta description length
    length = len(desc)
    if not desc:
        score, msg = 1, "Write a meta description of 121–156 characters."
    elif 120 < length <= 156:
        score, msg = 9, "Good length."
    elif length <= 120:
        score, msg = 6, "Too short: use up to 156 characters."
    else:
        score, msg = 6, "Too long: keep it to 156 characters."
    out.append(_result("meta_description_length", "Meta description length", "seo", score,
                       f"{length} characters", msg, length=length))

    # --- keyphrase in subheadings
    subs = [b.text for b in blocks if b.kind in ("h2", "h3")]
    if not kw or n_words == 0:
        score, value, msg = 1, "—", "Add a keyphrase and some text."
    elif not subs:
        score = 2 if n_words > 300 else 9
        value = "no subheadings"
        msg = ("Add subheadings (H2/H3), some with the keyphrase." if score == 2 else
               "Short text: no subheadings needed.")
    else:
        hits = sum(1 for s in subs if _share(s, kw) > 0.5)
        share = 100.0 * hits / len(subs)
        if len(subs) == 1 and hits == 1:
            score = 9
        else:
            score = 9 if 30 <= share <= 75 else 3
        value = f"{hits} of {len(subs)} ({share:.0f}%)"
        msg = ("Good share of subheadings reflect the topic." if score == 9 else
               "Use the keyphrase in more subheadings (30–75%)." if share < 30 else
               "Too many subheadings repeat the keyphrase (over 75%).")
    out.append(_result("keyphrase_in_subheadings", "Keyphrase in subheadings", "seo", score,
                       value, msg))

    # --- keyphrase in SEO title
    title = paper.title.strip()
    if not kw or not title:
        score, msg = 2, "Add an SEO title that starts with the keyphrase."
    else:
        t_toks = match_tokens(title)
        k_toks = match_tokens(paper.keyphrase.strip().strip('"'))
        pos = _find_seq(t_toks, k_toks)
        lead = 0
        while lead < len(t_toks) and t_toks[lead] in FUNCTION_WORDS and lead < (pos or 0):
            lead += 1
        if pos is not None and pos == lead:
            score, msg = 9, "The title starts with the exact keyphrase."
        elif pos is not None or all(w in t_toks for w in kw):
            score, msg = 6, "Move the exact keyphrase to the start of the title."
        else:
            score, msg = 2, "Put every word of the keyphrase in the SEO title."
    out.append(_result("keyphrase_in_title", "Keyphrase in SEO title", "seo", score,
                       title or "none", msg))

    # --- keyphrase in slug
    slug_toks = match_tokens(paper.slug.replace("-", " ").replace("_", " "))
    if not kw or not paper.slug.strip():
        score, msg, share = 3, "Add a slug (URL path) with the keyphrase.", 0.0
    else:
        share = 100.0 * sum(1 for w in set(kw) if w in slug_toks) / len(set(kw))
        ok = share == 100.0 if len(kw) < 3 else share > 50
        score = 9 if ok else 6
        msg = "The slug has the keyphrase." if ok else "Put the keyphrase's words in the slug."
    out.append(_result("keyphrase_in_slug", "Keyphrase in slug", "seo", score,
                       paper.slug or "none", msg))

    # --- text length
    if n_words >= 300:
        score, msg = 9, "Long enough."
    elif n_words >= 250:
        score, msg = 6, "Slightly short: aim for 300 words or more."
    elif n_words >= 200:
        score, msg = 3, "Short: aim for 300 words or more."
    elif n_words >= 100:
        score, msg = -10, "Far too short: aim for 300 words or more."
    else:
        score, msg = -20, "Far too short: aim for 300 words or more."
    out.append(_result("text_length", "Text length", "seo", score, f"{n_words} words", msg))

    # --- SEO title width
    width = title_width(title)
    if not title:
        score, msg = 1, "Add an SEO title."
    elif width <= 600:
        score, msg = 9, "Fits in search results."
    else:
        score, msg = 3, "Too wide for search results: shorten the SEO title."
    out.append(_result("title_width", "SEO title width", "seo", score, f"{width:.0f} px", msg))

    # --- single H1
    n_h1 = sum(1 for b in blocks if b.kind == "h1")
    score = 8 if n_h1 < 2 else 1
    out.append(_result("single_h1", "Single H1", "seo", score, f"{n_h1} H1",
                       "One main title." if score == 8 else
                       "Use H1 only for the main title; make the others H2."))

    out.extend(_readability(blocks, sentences, n_words))
    out.append(_flesch(sentences, all_words))
    return out


def _find_seq(hay: list[str], needle: list[str]) -> int | None:
    if not needle:
        return None
    for i in range(len(hay) - len(needle) + 1):
        if hay[i:i + len(needle)] == needle:
            return i
    return None


def _readability(bl: Sequence[Block], sentences: list[str],
                 n_words: int) -> list[CheckResult]:
    out = []

    # --- subheading distribution
    sections: list[int] = []
    before = 0
    seen_sub = False
    for b in bl:
        if b.kind in ("h2", "h3", "h4", "h5", "h6"):
            seen_sub = True
            sections.append(0)
            continue
        n = len(words(b.text))
        if b.kind == "h1":
            continue
        if seen_sub:
            sections[-1] += n
        else:
            before += n
    if not seen_sub:
        score = 9 if n_words <= 300 else 2
        value = "no subheadings"
        msg = ("Short text: no subheadings needed." if score == 9 else
               "Add subheadings to break up the text.")
    else:
        longest = max([*sections, before])
        score = 9 if longest <= 300 else (6 if longest <= 350 else 3)
        value = f"longest section {longest} words"
        msg = ("Sections are short." if score == 9 else
               "Add a subheading inside sections over 300 words.")
    out.append(_result("subheading_distribution", "Subheading distribution", "readability",
                       score, value, msg))

    # --- paragraph length
    paras = [len(words(b.text)) for b in bl if b.kind == "p"]
    longest_p = max(paras, default=0)
    score = 9 if longest_p <= 150 else (6 if longest_p <= 200 else 3)
    out.append(_result("paragraph_length", "Paragraph length", "readability", score,
                       f"longest {longest_p} words",
                       "Paragraphs are short." if score == 9 else
                       "Shorten paragraphs to 150 words or fewer."))

    n_s = len(sentences)
    # --- sentence length
    long_s = sum(1 for s in sentences if len(words(s)) > 20)
    pct_long = 100.0 * long_s / n_s if n_s else 0.0
    score = 9 if pct_long <= 25 else (6 if pct_long <= 30 else 3)
    out.append(_result("sentence_length", "Sentence length", "readability", score,
                       f"{pct_long:.1f}% over 20 words",
                       "Sentences are short." if score == 9 else
                       "Shorten sentences: at most 25% over 20 words.", percent=pct_long))

    # --- passive voice
    passive = sum(1 for s in sentences if is_passive(s))
    pct_passive = 100.0 * passive / n_s if n_s else 0.0
    score = 9 if pct_passive <= 10 else (6 if pct_passive <= 15 else 3)
    out.append(_result("passive_voice", "Passive voice", "readability", score,
                       f"{pct_passive:.1f}% of sentences",
                       "Active voice." if score == 9 else
                       "Use the active voice in more sentences.", percent=pct_passive))

    # --- transition words
    trans = sum(1 for s in sentences if _has_transition(s))
    pct_trans = 100.0 * trans / n_s if n_s else 0.0
    if n_words < 200:
        score = 9
    else:
        score = 9 if pct_trans >= 30 else (6 if pct_trans >= 20 else 3)
    out.append(_result("transition_words", "Transition words", "readability", score,
                       f"{pct_trans:.1f}% of sentences",
                       "Enough transitions." if score == 9 else
                       "Link sentences with transition words (at least 30%).",
                       percent=pct_trans))

    # --- consecutive sentences
    # as in Yoast, list items and table cells do not count here
    prose = [s for b in bl if b.kind not in ("li", "td", "th")
             for s in split_sentences(b.text)]
    run, worst, prev = 0, 0, None
    for s in prose:
        first = sentence_beginning(s) or None
        run = run + 1 if first is not None and first == prev else 1
        prev = first
        worst = max(worst, run)
    score = 9 if worst < 3 else 3
    out.append(_result("consecutive_sentences", "Consecutive sentences", "readability", score,
                       f"at most {worst} in a row",
                       "Varied sentence beginnings." if score == 9 else
                       "Vary the first word of consecutive sentences."))

    # --- text presence
    chars = sum(len(b.text) for b in bl)
    score = 9 if chars >= 50 else 3
    out.append(_result("text_presence", "Text presence", "readability", score,
                       f"{chars} characters", "Enough text." if score == 9 else
                       "Add content (at least 50 characters)."))
    return out


def _flesch(sentences: list[str], all_words: list[str]) -> CheckResult:
    # numbers are left out, as in Yoast's reading-ease research
    text_words = [w for w in all_words if not re.fullmatch(r"[\d.,:%/–-]+", w)]
    n_s = max(len(sentences), 1)
    n_w = max(len(text_words), 1)
    syl = sum(count_syllables(w) for w in text_words)
    score = 206.835 - 1.015 * (n_w / n_s) - 84.6 * (syl / n_w)
    band = ("very easy" if score >= 90 else "easy" if score >= 80 else "fairly easy"
            if score >= 70 else "plain English" if score >= 60 else "fairly difficult"
            if score >= 50 else "difficult" if score >= 30 else "very difficult")
    return CheckResult("flesch_reading_ease", "Flesch reading ease", "info", None, "info",
                       f"{score:.1f} ({band})",
                       "Information only: 60 or more reads easily for most adults.",
                       {"score": score})


def overall_scores(results: Sequence[CheckResult]) -> tuple[int, int]:
    """Yoast's overall SEO score and readability score.

    SEO: Σ scores ÷ (9·n) · 100. Readability: penalty points (red 3, orange 2) with a total
    < 4 → 90, 4–5 → 60, ≥ 6 → 30.
    """
    seo = [r.score for r in results if r.kind == "seo" and r.score is not None]
    seo_score = round(100 * sum(seo) / (9 * len(seo))) if seo else 0
    penalty = sum(3 if r.status == "red" else 2 if r.status == "orange" else 0
                  for r in results if r.kind == "readability")
    readability = 90 if penalty < 4 else (60 if penalty < 6 else 30)
    return max(seo_score, 0), readability

