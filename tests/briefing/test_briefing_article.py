"""The briefing article: structure of the sample briefing, green SEO checks, honest numbers."""

from __future__ import annotations

import re
from typing import get_args

import pytest
import yaml
from markdown_it import MarkdownIt

import summitry
from summitry.briefing import brief, check_article
from summitry.briefing.article import (
    Article,
    BulletList,
    Heading,
    Paragraph,
    Stage,
    Table,
    build_article,
    stance_of,
)
from summitry.briefing.render import body_html, render_html, render_markdown
from summitry.briefing.words import chance_phrase, icd203
from summitry.errors import SummitryError
from summitry.forecast import Forecast
from summitry.report.data import combined_issue_forecast, history_updates, outcome_summary
from summitry.report.escape import pct
from summitry.scenario import Scenario

from ._briefing_fixtures import PUBLISHED

STAGES: tuple[Stage, ...] = get_args(Stage)


def text_of(article: Article) -> str:
    parts = [p for para in article.intro for p in para.parts if isinstance(p, str)]
    for s in article.sections:
        parts.append(s.heading)
        for b in s.blocks:
            if isinstance(b, Paragraph):
                parts += [x if isinstance(x, str) else x.text for x in b.parts]
            elif isinstance(b, BulletList):
                parts += [x if isinstance(x, str) else x.text for i in b.items for x in i]
            elif isinstance(b, Table):
                parts += [c for r in (b.header, *b.rows) for c in r]
            elif isinstance(b, Heading):
                parts.append(b.text)
    parts += [f"{u.headline} {u.body}" for u in article.updates]
    return " ".join(parts)


@pytest.mark.parametrize("stage", STAGES)
def test_alaska_article_is_green_on_every_check(alaska: Scenario, alaska_forecast: Forecast,
                                                stage: Stage) -> None:
    article = build_article(alaska, alaska_forecast, stage=stage, published=PUBLISHED)
    results = check_article(article)
    checks = [r for r in results if r.kind in ("seo", "readability")]
    assert len(checks) == 18
    not_green = {r.id: (r.status, r.value) for r in checks if r.status != "green"}
    assert not_green == {}
    # the metadata the example lacks is flagged, with what to add
    flagged = {r.id for r in results if r.id.startswith("flag:")}
    assert {"flag:meta.url", "flag:meta.author", "flag:meta.publisher"} <= flagged


def test_structure_follows_the_sample_briefing(alaska: Scenario,
                                               alaska_forecast: Forecast) -> None:
    a = build_article(alaska, alaska_forecast, stage="before", published=PUBLISHED)
    assert a.keyphrase == "Trump Putin Alaska summit"
    assert a.secondary_keywords[:2] == ("US Russia relations 2025", "Ukraine peace negotiations")
    assert a.seo_title.startswith(a.keyphrase)
    assert 120 < len(a.description) <= 156
    ids = [s.id for s in a.sections]
    for needed in ("background", "signals", "venue", "agenda", "stakeholders", "outcomes",
                   "precedents", "hidden-stakes", "conclusion", "method"):
        assert needed in ids
    assert ids.index("background") < ids.index("signals") < ids.index("agenda") \
        < ids.index("stakeholders") < ids.index("outcomes") < ids.index("precedents") \
        < ids.index("hidden-stakes") < ids.index("conclusion")
    agenda = a.sections[ids.index("agenda")]
    pillars = [b.text for b in agenda.blocks if isinstance(b, Heading) and
               b.id.count("-") == 1]
    assert [p.split(": ", 1)[1] for p in pillars] == list(dict.fromkeys(
        i.group for i in alaska.issues))
    text = text_of(a)
    for iss in alaska.issues:  # every sub-issue is covered with its forecast
        assert iss.label in text
    table = next(b for s in a.sections for b in s.blocks if isinstance(b, Table))
    assert table.header == ("Stakeholder", "Primary goal", "Likely stance")
    rows = [r for s in a.sections for b in s.blocks if isinstance(b, Table) for r in b.rows]
    assert {r[0] for r in rows} == {x.label for x in alaska.actors}
    us = next(r for r in rows if r[0] == "United States")
    assert us[1].startswith(alaska.actor("US").goal[:30])  # goal from Actor.goal
    assert "1985, Geneva" in text and "46% ended with a joint statement only" in text
    assert "Arctic" in a.sections[ids.index("hidden-stakes")].heading or \
        "Arctic" in text_of(a)


def test_probabilities_in_words_follow_icd203(alaska: Scenario,
                                              alaska_forecast: Forecast) -> None:
    a = build_article(alaska, alaska_forecast, stage="before", published=PUBLISHED)
    summary = outcome_summary(alaska, alaska_forecast)
    assert summary is not None
    text = text_of(a)
    for name, p in summary.current.items():
        assert chance_phrase(name, p) in text
        assert f"({pct(p)})" in text
    # every ICD 203 phrase in the text sits beside the number it describes
    for words, number in re.findall(
            r"(almost no chance|very unlikely|unlikely|roughly even chance|very likely|"
            r"likely|almost certain) \((<?\d+)%\)", text):
        p = float(number.lstrip("<")) / 100
        assert icd203(max(p, 0.001)) == words or (number.startswith("<") and
                                                  words == "almost no chance")


def test_no_number_the_model_does_not_give(alaska: Scenario,
                                           alaska_forecast: Forecast) -> None:
    """Every percentage in the article is a probability of the forecast, the base rates,
    the update log, or a stated constant (ICD 203 bands, base-rate weight)."""
    a = build_article(alaska, alaska_forecast, stage="during", published=PUBLISHED)
    summary = outcome_summary(alaska, alaska_forecast)
    assert summary is not None
    known = set()
    for d in (summary.current, summary.models, summary.prior, summary.base_rates or {}):
        known |= {pct(v) for v in d.values()}
    for up in history_updates(alaska, summary.prior):  # the log, or the replayed signals
        known |= {pct(v) for v in (*up.prior.values(), *up.posterior.values())}
    for m in alaska_forecast.models:
        known |= {pct(v) for v in alaska_forecast.outcome_probabilities(m).values()}
    from summitry import reference

    known |= {pct(v) for v in reference.base_rates().rates.values()}
    known |= {"20%", "45%", "55%", "80%", "100%", "30%"}
    found = set(re.findall(r"<?\d+%", text_of(a).replace(" %", "%")))
    analyst = " ".join([alaska.meta.background, alaska.meta.summary, alaska.meta.hidden_stakes,
                        *(s.text for s in alaska.signals), *(i.description for i in
                                                            alaska.issues)])
    analyst_numbers = set(re.findall(r"<?\d+%", analyst.replace(" %", "%")))
    assert found - known - analyst_numbers == set()


def test_stance_from_position_forecast_and_salience(small: Scenario,
                                                    small_forecast: Forecast) -> None:
    # Russia sits far from the forecast on sanctions (95 vs ~40) and cares a lot (0.9)
    assert stance_of(small, small_forecast, "RU").startswith(
        ("Will push hard for", "Fights for", "Insists on"))
    assert "“full relief”" in stance_of(small, small_forecast, "RU")
    # the rule, actor by actor: the most salient issue decides; within 10 % of the scale
    # an actor can live with the forecast, further away salience sets the intensity
    combined = {c.issue: c.point for c in combined_issue_forecast(small_forecast)}
    for actor in small.actors:
        stances = [st for st in small.stances if st.actor == actor.id]
        key = max(stances, key=lambda st: (st.salience, abs(st.position -
                                                             combined[st.issue])))
        iss = small.issue(key.issue)
        gap = 100 * (key.position - combined[key.issue]) / (iss.upper - iss.lower)
        text = stance_of(small, small_forecast, actor.id)
        if abs(gap) <= 10:
            expected = ("Can live with", "Accepts", "Sits close to")
        elif key.salience >= 0.7:
            expected = ("Will push hard for", "Fights for", "Insists on")
        elif key.salience >= 0.4:
            expected = ("Presses for", "Will argue for", "Wants")
        else:
            expected = ("Leans toward", "Would prefer", "Mildly favours")
        assert text.startswith(expected), (actor.id, gap, text)
        assert iss.label in text


def test_updates_are_dated_entries(small: Scenario, small_forecast: Forecast) -> None:
    before = build_article(small, small_forecast, stage="before", published=PUBLISHED)
    assert [u.id for u in before.updates] == ["update-1", "update-2"]
    assert [u.date.isoformat() for u in before.updates] == ["2025-08-10", "2025-08-12"]
    assert before.updates[1].headline == "Odds of “Breakthrough” rise to 34%"
    html = body_html(before)
    assert html.index('id="update-1"') < html.index('id="update-2"')
    during = build_article(small, small_forecast, stage="during", published=PUBLISHED)
    html = body_html(during)
    assert html.index('id="update-2"') < html.index('id="update-1"')  # newest first
    assert during.sections[0].id == "updates"  # the live blog leads
    assert "Live updates" in during.sections[0].heading
    assert during.modified >= during.published


def test_missing_metadata_gets_flagged_defaults(small: Scenario,
                                                small_forecast: Forecast) -> None:
    bare = small.evolve(meta={"language": "en"})
    a = build_article(bare, small_forecast, published=PUBLISHED)
    fields = {f.field for f in a.flags}
    assert {"meta.keywords", "meta.title", "meta.url", "meta.summary", "meta.author",
            "meta.publisher", "meta.event_date", "meta.venue", "meta.background",
            "meta.hidden_stakes"} <= fields
    assert a.keyphrase  # generated from the scenario id
    assert a.title and a.url.startswith("https://example.com/")
    rows = {r.id: r for r in check_article(a)}
    assert rows["flag:meta.keywords"].status == "orange"
    assert "add meta.keywords" in rows["flag:meta.keywords"].message
    render_html(a)  # still renders


def test_bad_stage_and_url(small: Scenario, small_forecast: Forecast) -> None:
    with pytest.raises(SummitryError, match="unknown stage"):
        build_article(small, small_forecast, stage="later")  # type: ignore[arg-type]
    with pytest.raises(SummitryError, match="absolute http"):
        build_article(small, small_forecast, url="javascript:alert(1)")


def test_markdown_article_renders(alaska: Scenario, alaska_forecast: Forecast) -> None:
    a = build_article(alaska, alaska_forecast, stage="during", published=PUBLISHED)
    text = render_markdown(a)
    front, body = text.split("\n---\n", 1)
    meta = yaml.safe_load(front.removeprefix("---\n"))
    assert meta["title"] == a.seo_title and meta["keywords"][0] == a.keyphrase
    assert meta["date"] == "2025-08-14T09:00:00+00:00"
    md = MarkdownIt("commonmark").enable("table")
    html = md.render(body)
    assert html.count("<h1>") == 1 and html.count("<table>") >= 1
    assert "Who wants what" in html
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        widths = {len(re.findall(r"<t[hd][ >]", r)) for r in rows}
        assert widths == {3}


def test_brief_one_call(small: Scenario, small_forecast: Forecast) -> None:
    html = brief(small, small_forecast, "html", published=PUBLISHED)
    md = brief(small, small_forecast, "md", stage="after", published=PUBLISHED)
    assert html.startswith("<!DOCTYPE html>") and md.startswith("---\n")
    assert "the final forecast" in md


def test_article_with_the_shipped_default(alaska: Scenario) -> None:
    """The example works with every registered model and a point forecast too."""
    fc = summitry.forecast(alaska)
    a = build_article(alaska, fc, published=PUBLISHED)
    assert all(r.status in ("green", "info", "orange") for r in check_article(a))
