"""Optional tier: our SEO checks against ``yoastseo@3.6.0`` run under Node as an oracle.

yoastseo is GPL-3.0, so it is never bundled: the test installs it with npm into
``tests/briefing/.cache/yoastseo-3.6.0/`` (kept between runs; the folder carries a
``.gitignore`` of ``*`` so it is never committed) and calls it through
``yoast_oracle.js``, an external process. Skipped, saying why, when Node or npm is missing
or the npm registry cannot be reached.

The corpus: articles generated from the shipped examples (Alaska 2025 in all three stages,
COP21, the 1994 car-emissions case), from the report tests' small scenario, and
hand-written texts that break one rule each. For every check both tools run, the traffic
light (red ≤ 4 < orange ≤ 7 < green) must agree in at least 90 % of the (paper, check)
pairs. The SEO title width is a pixel measure Yoast takes from the browser; both sides get
our estimate (:func:`summitry.briefing.seo.title_width`).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import summitry
from summitry.briefing.article import build_article
from summitry.briefing.render import body_html
from summitry.briefing.seo import Paper, check, status_of, title_width

from ._briefing_fixtures import FIXTURE, PUBLISHED

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
CACHE = HERE / ".cache" / "yoastseo-3.6.0"
VERSION = "3.6.0"

#: Our check ids → Yoast's assessment identifiers.
PAIRS = {
    "keyphrase_length": "keyphraseLength", "keyphrase_in_introduction": "introductionKeyword",
    "keyphrase_density": "keyphraseDensity",
    "keyphrase_in_meta_description": "metaDescriptionKeyword",
    "meta_description_length": "metaDescriptionLength",
    "keyphrase_in_subheadings": "subheadingsKeyword", "keyphrase_in_title": "keyphraseInSEOTitle",
    "keyphrase_in_slug": "slugKeyword", "text_length": "textLength", "title_width": "titleWidth",
    "single_h1": "singleH1", "subheading_distribution": "subheadingsTooLong",
    "paragraph_length": "textParagraphTooLong", "sentence_length": "textSentenceLength",
    "passive_voice": "passiveVoice", "transition_words": "textTransitionWords",
    "consecutive_sentences": "sentenceBeginnings", "text_presence": "textPresence",
}


def yoast_modules() -> Path:
    """The node_modules folder with yoastseo@3.6.0, installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed to run the yoastseo oracle (not installed)")
    pkg = CACHE / "node_modules" / "yoastseo" / "package.json"
    if pkg.is_file() and json.loads(pkg.read_text())["version"] == VERSION:
        return CACHE / "node_modules"
    CACHE.mkdir(parents=True, exist_ok=True)
    # the cache ignores itself, as .pytest_cache does: never committed
    (CACHE.parent / ".gitignore").write_text("# created by the yoastseo oracle test\n*\n")
    proc = subprocess.run(
        [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--no-save",
         "--loglevel=error", f"yoastseo@{VERSION}"],
        capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0 or not pkg.is_file():
        pytest.skip(f"npm could not install yoastseo@{VERSION} (no registry access?): "
                    + proc.stderr.strip()[-300:])
    return CACHE / "node_modules"


def run_oracle(papers: list[Paper]) -> list[dict[str, dict[str, dict[str, object]]]]:
    modules = yoast_modules()
    payload = [{"text": p.text, "keyword": p.keyphrase, "title": p.title,
                "titleWidth": title_width(p.title), "description": p.description,
                "slug": p.slug} for p in papers]
    proc = subprocess.run(["node", str(HERE / "yoast_oracle.js"), str(modules)],
                          input=json.dumps(payload), capture_output=True, text=True,
                          timeout=600, check=True)
    out: list[dict[str, dict[str, dict[str, object]]]] = json.loads(proc.stdout)
    return out


# --- the corpus -------------------------------------------------------------------------------

PLAIN = ["Our town council meets on Monday evening in the old library hall.",
         "Residents can speak for three minutes each before the vote starts.",
         "The budget covers roads, parks and the new swimming pool.",
         "Local shops want more parking near the market square."]
TRANS = ["However, the mayor wants to cut spending on the pool this year.",
         "Meanwhile, the opposition asks for a full audit of the accounts.",
         "As a result, the vote could slip to the next meeting.",
         "Still, most members expect a deal before the summer break."]
PASSIVE = ["The plan was approved by the committee last week.",
           "The pool was closed for repairs in the spring.",
           "New lights were installed along the river path."]
LONG = ("The council budget debate, which has dragged on for several months because members "
        "disagree about almost every line of the spending plan, may finally end this week.")


def html(title: str, *sections: tuple[str, list[str]]) -> str:
    out = [f"<h1>{title}</h1>"]
    for head, paras in sections:
        if head:
            out.append(f"<h2>{head}</h2>")
        out += [f"<p>{p}</p>" for p in paras]
    return "".join(out)


def hand_written() -> list[Paper]:
    kp = "council budget vote"
    desc = ("The council budget vote is on Monday. Here is what is in the plan, who wants "
            "what, and what could delay the decision before the summer.")
    good = html("Council budget vote: what to expect",
                ("", [f"The council budget vote takes place on Monday. {TRANS[0]} {PLAIN[0]}"]),
                ("What the council budget vote decides", [" ".join(PLAIN + TRANS)] * 2),
                ("Who wants what", [" ".join(TRANS + PLAIN)] * 2),
                ("Why the council budget vote may slip", [" ".join(TRANS[::-1] + PLAIN)]),
                ("What comes next", [" ".join(PLAIN[::-1] + TRANS)]))
    base = {"keyphrase": kp, "title": "Council budget vote: what to expect",
            "description": desc, "slug": "council-budget-vote"}
    papers = [Paper(text=good, **base)]
    # passive voice everywhere, few transitions
    papers.append(Paper(text=html("Council budget", ("", [" ".join(PASSIVE * 4)]),
                                  ("Budget", [" ".join((PASSIVE + PLAIN) * 2)])), **base))
    # no subheadings, one long paragraph, long sentences, no keyphrase in the intro
    papers.append(Paper(text=html("Budget night", ("", [" ".join([LONG] * 6 + PLAIN * 6)])),
                        keyphrase=kp, title="Budget night in town", description="Short.",
                        slug="budget-night"))
    # keyphrase stuffed, three sentences in a row with the same start, two H1s
    stuffed = " ".join(["The council budget vote matters."] * 6 + TRANS)
    papers.append(Paper(text=html("Council budget vote", ("", [stuffed]),
                                  ("Council budget vote again", [stuffed])) + "<h1>Again</h1>",
                        keyphrase=kp, title="A long title about the council budget vote and "
                        "everything else that happens in town this very long week",
                        description=desc + " " + desc, slug=""))
    # a very short text and a six-word keyphrase
    papers.append(Paper(text=html("Note", ("", [PLAIN[0]])),
                        keyphrase="town council budget vote date time", title="Note",
                        description="", slug="note"))
    # a medium text: some transitions, one long section
    medium = html("Parks plan", ("", [f"The parks plan and the {kp} are linked. " + PLAIN[1]]),
                  ("Details", [" ".join(PLAIN * 3 + TRANS[:2] + [LONG] * 2)] * 2))
    papers.append(Paper(text=medium, keyphrase=kp, title="Parks plan and the council budget "
                        "vote", description=desc, slug="parks-plan-council-budget-vote"))
    return papers


def generated() -> list[Paper]:
    alaska = summitry.load(summitry.examples.path("alaska-2025"))
    small = summitry.load(FIXTURE)
    cases = [
        (alaska, "before"), (alaska, "during"), (alaska, "after"),
        (small, "before"), (small, "during"),
        (summitry.load(summitry.examples.path("cop21")), "before"),
        (summitry.load(summitry.examples.path("bdm1994-car-emissions")), "after"),
    ]
    out = []
    forecasts: dict[str, object] = {}
    for sc, stage in cases:
        if sc.id not in forecasts:
            forecasts[sc.id] = summitry.forecast(sc, ["compromise", "median", "nash"],
                                                 draws=100, seed=1)
        a = build_article(sc, forecasts[sc.id], stage=stage,  # type: ignore[arg-type]
                          published=PUBLISHED + dt.timedelta(hours=1))
        out.append(Paper(text=body_html(a), keyphrase=a.keyphrase, title=a.seo_title,
                         description=a.description, slug=a.slug))
    return out


def test_yoast_oracle_agreement() -> None:
    papers = generated() + hand_written()
    assert len(papers) >= 10
    oracle = run_oracle(papers)
    per_check: Counter[str] = Counter()
    agree: Counter[str] = Counter()
    mismatches = []
    not_green = 0
    for k, (paper, theirs) in enumerate(zip(papers, oracle, strict=True)):
        ours = {r.id: r for r in check(paper)}
        results = {**theirs["seo"], **theirs["readability"]}
        for mine, yid in PAIRS.items():
            if yid not in results:
                continue  # Yoast did not run this check on this paper
            score = results[yid]["score"]
            assert isinstance(score, (int, float))
            light = status_of(int(score))
            per_check[mine] += 1
            not_green += light != "green"
            if light == ours[mine].status:
                agree[mine] += 1
            else:
                mismatches.append(f"paper {k} {mine}: ours {ours[mine].status} "
                                  f"({ours[mine].value}), yoast {light} ({score})")
    total = sum(per_check.values())
    share = sum(agree.values()) / total
    table = "\n".join(f"{c:32} {agree[c]}/{n}" for c, n in sorted(per_check.items()))
    assert total >= 10 * 15
    assert not_green >= 20  # the corpus exercises orange and red results too
    assert share >= 0.9, f"agreement {share:.1%}\n{table}\n" + "\n".join(mismatches)
    # the generated articles: Yoast finds them green as well
    for theirs in oracle[:7]:
        scores = {k: int(str(v["score"])) for k, v in
                  {**theirs["seo"], **theirs["readability"]}.items() if k in PAIRS.values()}
        assert {k: s for k, s in scores.items() if status_of(s) == "red"} == {}
