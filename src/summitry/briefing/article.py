"""The briefing article: a news-style piece built from a scenario and its forecast.

:func:`build_article` turns a :class:`~summitry.scenario.Scenario`, its
:class:`~summitry.forecast.Forecast`, the signal log and the summit record into an
:class:`Article` — a plain content model (sections of paragraphs, lists and tables) that
:mod:`summitry.briefing.render` writes as HTML (with JSON-LD) or Markdown. The structure
follows the briefing our users publish (specs/briefing.md §0 and the Alaska sample):

title and meta description; introduction; how the summit came to be; the signals so far;
where and when; the agenda as pillars with their issues; who wants what (stakeholder |
primary goal | likely stance); the possible outcomes with their probabilities, what drives
each and how they moved; lessons from past summits with base rates; the hidden stakes;
what to watch; how the forecast was made; and dated updates (a live blog during the event).

Every statement comes from the data: probabilities in words follow ICD 203
(:mod:`summitry.briefing.words`) with the number beside them; an actor's likely stance is
derived from its position against the forecast on its most salient issue (within 10 % of
the scale: "can live with" the expected outcome; further away: pushes for its own position,
harder the higher its salience); its goal is the scenario's ``Actor.goal``. Text the
analyst wrote (background, hidden stakes, goals, signal texts, notes) is used as written.

Missing metadata gets a generated default and a :class:`Flag` that the check table shows
(``summitry brief --check``) saying what to add.

Keyphrase placement is tuned, not left to chance: the article has *slots* where either the
keyphrase or a short reference ("the meeting") can stand, and subheadings with and without
the keyphrase. :func:`build_article` fills slots until the keyphrase density reaches about
0.8 % and puts the keyphrase into about half of the subheadings (Yoast's green bands are
0.5–3 % and 30–75 %).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

from summitry.briefing.words import chance_phrase, icd203, join_names, slugify
from summitry.errors import SummitryError
from summitry.report.data import (
    combined_issue_forecast,
    history_updates,
    optional_module,
    outcome_summary,
)
from summitry.report.escape import num, pct

if TYPE_CHECKING:
    from summitry.forecast import Forecast
    from summitry.scenario import Issue, Scenario

__all__ = [
    "Article",
    "BulletList",
    "Flag",
    "Heading",
    "Inline",
    "Link",
    "Paragraph",
    "Section",
    "Stage",
    "Strong",
    "Table",
    "Update",
    "build_article",
]

Stage = Literal["before", "during", "after"]
STAGES: tuple[Stage, ...] = ("before", "during", "after")

#: Marks a keyphrase slot in draft text (a private-use character never in user text).
SLOT = "\ue000"
#: What a slot reads when it does not hold the keyphrase.
REFERENCE = "meeting"
#: Keyphrase density (%) the slots are filled up to (Yoast's green band is 0.5–3 %).
TARGET_DENSITY = 0.8


# --- the content model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """An outbound link."""

    text: str
    href: str


@dataclass(frozen=True)
class Strong:
    """Emphasised text."""

    text: str


Inline = str | Link | Strong


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Inline, ...], ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Heading:
    """A subheading inside a section (H3); ``text_kp`` is a variant with the keyphrase."""

    text: str
    id: str
    text_kp: str = ""


Block = Paragraph | BulletList | Table | Heading


@dataclass(frozen=True)
class Section:
    """An H2 section. ``heading_plain`` is the variant without the keyphrase."""

    id: str
    heading: str
    blocks: tuple[Block, ...]
    heading_plain: str = ""


@dataclass(frozen=True)
class Update:
    """A dated update (a ``liveBlogUpdate`` during the event)."""

    id: str
    date: dt.date
    headline: str
    body: str
    signal: str
    status: str


@dataclass(frozen=True)
class Flag:
    """A metadata gap filled with a generated default.

    Which ``field`` to add, why, and the value used meanwhile.
    """

    field: str
    message: str
    generated: str = ""


@dataclass(frozen=True)
class Article:
    """A briefing article, ready to render.

    Attributes:
        stage: ``before``, ``during`` or ``after`` the event.
        title: the headline (H1).
        seo_title: the ``<title>``; starts with the keyphrase.
        description: the meta description.
        keyphrase: the primary keyword; ``keywords`` are all keywords (primary first).
        url: the canonical URL; ``slug`` its last path segment.
        intro: the paragraphs before the first section (the first holds the keyphrase).
        sections: the H2 sections in order.
        updates: the dated updates, oldest first.
        published, modified: publication and last-update times (UTC).
        event_name, event_start, event_end, venue, location: the event.
        coverage_start, coverage_end: the live blog's coverage window (``during``).
        author, publisher, language: bylines and language.
        probabilities: the current named-outcome probabilities.
        flags: generated defaults the check table reports.
    """

    stage: Stage
    title: str
    seo_title: str
    description: str
    keyphrase: str
    keywords: tuple[str, ...]
    url: str
    slug: str
    intro: tuple[Paragraph, ...]
    sections: tuple[Section, ...]
    updates: tuple[Update, ...]
    published: dt.datetime
    modified: dt.datetime
    event_name: str
    event_start: dt.date | None
    event_end: dt.date | None
    venue: str
    location: str
    coverage_start: dt.datetime | None
    coverage_end: dt.datetime | None
    author: str
    publisher: str
    language: str
    probabilities: dict[str, float] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()

    @property
    def secondary_keywords(self) -> tuple[str, ...]:
        return self.keywords[1:]


# --- helpers -----------------------------------------------------------------------------------


def _date(d: dt.date | None) -> str:
    return "" if d is None else f"{d.day} {d:%B %Y}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _sentence(text: str) -> str:
    """``text`` ending with a full stop (user text may or may not have one)."""
    t = text.strip()
    if not t:
        return ""
    return t if t[-1] in ".!?…" else t + "."


#: Paragraphs of analyst text are cut at sentence ends to at most this many words (the
#: paragraph-length check turns orange above 150).
MAX_PARAGRAPH = 100
#: A section's text is split by a subheading before it passes this many words (the
#: subheading-distribution check turns orange above 300).
MAX_SECTION = 250


def _n_words(text: str) -> int:
    from summitry.briefing._text import words

    return len(words(text))


def _chunks(text: str, limit: int = MAX_PARAGRAPH) -> list[str]:
    """``text`` cut at sentence ends into pieces of at most ``limit`` words.

    A sentence longer than ``limit`` stays whole.
    """
    from summitry.briefing._text import split_sentences

    out: list[str] = []
    cur: list[str] = []
    n = 0
    for sent in split_sentences(" ".join(text.split()), keep_initials=True):
        k = _n_words(sent)
        if cur and n + k > limit:
            out.append(" ".join(cur))
            cur, n = [], 0
        cur.append(sent)
        n += k
    if cur:
        out.append(" ".join(cur))
    return out


def _paragraphs(text: str) -> list[str]:
    """Analyst text as paragraphs: blank lines separate, long ones are cut."""
    out: list[str] = []
    for p in re.split(r"\n\s*\n", text.strip()):
        if p.strip():
            out.extend(_chunks(p))
    return out


def _block_words(b: Block) -> int:
    if isinstance(b, Paragraph):
        return _n_words("".join(x if isinstance(x, str) else x.text for x in b.parts))
    if isinstance(b, BulletList):
        return sum(_n_words("".join(x if isinstance(x, str) else x.text for x in item))
                   for item in b.items)
    if isinstance(b, Table):
        return sum(_n_words(x) for r in (b.header, *b.rows) for x in r)
    return 0


def _split_list(items: list[tuple[Inline, ...]], titles: list[str], slug: str) -> list[Block]:
    """A long list as several lists, each under its own H3.

    Chunk ``k`` is headed ``titles[k]``; the last title repeats.
    """
    chunks: list[list[tuple[Inline, ...]]] = [[]]
    n = 0
    for item in items:
        k = _block_words(BulletList((item,)))
        if chunks[-1] and n + k > MAX_SECTION - 30:
            chunks.append([])
            n = 0
        chunks[-1].append(item)
        n += k
    if len(chunks) == 1:
        return [BulletList(tuple(chunks[0]))]
    out: list[Block] = []
    for k, chunk in enumerate(chunks):
        out.append(Heading(titles[min(k, len(titles) - 1)], f"{slug}-{k + 1}"))
        out.append(BulletList(tuple(chunk)))
    return out


def _q(text: str) -> str:
    return f"“{text}”"


def _issue_value(iss: Issue, value: float) -> str:
    unit = f" {iss.units}" if iss.units and iss.units != "%" else (iss.units or "")
    return f"{num(value)}{unit}"


def _anchor(iss: Issue, value: float) -> str:
    """``“ceasefire along current lines”`` for a value, or the number on the scale."""
    label = iss.anchor_label(value)
    return _q(label) if label else f"{_issue_value(iss, value)} on its scale"


def _principals(scenario: Scenario) -> list[str]:
    ranked = sorted(scenario.actors, key=lambda a: -a.capability)
    return [a.label for a in ranked[:2]]


# --- metadata with defaults ----------------------------------------------------------------------


def _keyphrase(scenario: Scenario, flags: list[Flag]) -> tuple[str, tuple[str, ...]]:
    kws = tuple(k.strip() for k in scenario.meta.keywords if k.strip())
    if kws:
        return kws[0], kws
    base = scenario.meta.title or scenario.id.replace("-", " ").replace("_", " ")
    words_ = re.findall(r"[A-Za-z0-9]+", base)[:4]
    kp = " ".join(words_) or "negotiation forecast"
    flags.append(Flag("meta.keywords", "No keywords: add meta.keywords with the primary "
                      "keyword (the search phrase) first.", kp))
    return kp, (kp,)


def _stage_suffix(stage: Stage) -> str:
    return {"before": "what to expect", "during": "live updates",
            "after": "the final forecast"}[stage]


def _titles(scenario: Scenario, kp: str, stage: Stage, flags: list[Flag]) -> tuple[str, str]:
    from summitry.briefing.seo import title_width

    title = scenario.meta.title.strip()
    generated = f"{_cap(kp)}: {_stage_suffix(stage)}"
    if not title:
        flags.append(Flag("meta.title", "No title: add meta.title (the headline).", generated))
        title = generated
    if stage != "before":
        # meta.title is the preview's headline; live and closing pieces get their own
        title = generated
    if title.lower().startswith(kp.lower()) and title_width(title) <= 600:
        seo = title
    else:
        seo = generated
        if title_width(seo) > 600:
            seo = _cap(kp)
        flags.append(Flag("seo title", "The headline does not start with the keyphrase (or is "
                          "too wide for search results), so the SEO title was generated.", seo))
    return title, seo


def _url(scenario: Scenario, kp: str, url: str | None, flags: list[Flag]) -> tuple[str, str]:
    given = (url or scenario.meta.url).strip()
    if given:
        parsed = urlparse(given)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SummitryError(f"the article URL {given!r} is not an absolute http(s) URL; "
                                "give meta.url or --url like https://example.org/news/slug")
        segments = [p for p in parsed.path.split("/") if p]
        return given, (segments[-1] if segments else "")
    slug = slugify(kp)
    generated = f"https://example.com/{slug}"
    flags.append(Flag("meta.url", "No canonical URL: add meta.url (or --url) with the "
                      "article's address; a placeholder is used.", generated))
    return generated, slug


def _description(scenario: Scenario, kp: str, top: tuple[str, float] | None,
                 flags: list[Flag]) -> str:
    from summitry.briefing.seo import Paper, check

    summary = " ".join(scenario.meta.summary.split())
    if summary:
        res = {r.id: r for r in check(Paper(text="<p>x</p>", keyphrase=kp,
                                            description=summary))}
        if (res["meta_description_length"].status == "green"
                and res["keyphrase_in_meta_description"].status == "green"):
            return summary
    lead = [f"Our forecast for the {kp}: {chance_phrase(*top)}."] if top else []
    lead.append(f"Our forecast for the {kp}.")
    tails = [
        " See the agenda, where each party stands, who wants what and the likely result "
        "on every issue.",
        " See who wants what, the signals so far and the odds of each outcome.",
        " See who wants what, the signals and the odds of each outcome.",
        " See the agenda, who wants what and the odds of each outcome.",
        " Who wants what, the signals and the odds.",
        " Who wants what, and the odds.",
        "",
    ]
    best = ""
    for head in lead:
        for tail in tails:
            text = head + tail
            if 120 < len(text) <= 156:
                best = text
                break
            if not best or abs(len(text) - 138) < abs(len(best) - 138):
                best = text
        if 120 < len(best) <= 156:
            break
    why = ("No meta.summary" if not summary else
           "meta.summary is not 121–156 characters long or lacks the keyphrase")
    flags.append(Flag("meta.summary", f"{why}, so the meta description was generated.", best))
    return best


# --- sections ------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    scenario: Scenario
    forecast: Forecast
    stage: Stage
    kp: str
    flags: list[Flag]
    summary: Any  # OutcomeSummary | None
    combined: list[Any]
    texts: dict[str, str]


def _tense(stage: Stage, before: str, during: str, after: str) -> str:
    return {"before": before, "during": during, "after": after}[stage]


def _intro(c: _Ctx) -> list[Paragraph]:
    sc, meta = c.scenario, c.scenario.meta
    when = _date(meta.event_date)
    where = meta.location or meta.venue
    top = _top_outcome(c)
    first = {
        "before": f"Ahead of the {c.kp}{' on ' + when if when else ''}, here is what our "
                  f"models expect and why.",
        "during": f"The {c.kp} is under way{' in ' + where if where else ''}, and we update "
                  f"this forecast as the news arrives.",
        "after": f"The {c.kp} is over, so here is where our forecast stood at the close.",
    }[c.stage]
    paras = [first]
    if meta.summary:
        paras.extend(_chunks(_sentence(meta.summary)))
    if top is not None:
        name, p = top
        lead_in = "Overall" if c.stage == "after" else "So far"
        second = f"{lead_in}, {chance_phrase(name, p)}. "
        others = [(n, q) for n, q in c.summary.current.items() if n != name]
        if others:
            second += "Meanwhile, " + "; ".join(chance_phrase(n, q) for n, q in others) + "."
        paras.append(second)
    principals = _principals(sc)
    if len(principals) == 2:
        paras.append(
            f"In short, {principals[0]} and {principals[1]} carry the most weight at the table. "
            f"Still, {len(sc.actors)} parties and {len(sc.issues)} issues shape the result, "
            f"so this briefing covers each of them."
        )
    return [Paragraph((t,)) for t in paras]


def _top_outcome(c: _Ctx) -> tuple[str, float] | None:
    if c.summary is None:
        return None
    name = max(c.summary.current, key=lambda n: c.summary.current[n])
    return name, float(c.summary.current[name])


def _background(c: _Ctx) -> Section:
    sc = c.scenario
    paras = _paragraphs(sc.meta.background)
    if not paras:
        c.flags.append(Flag("meta.background", "No background: add meta.background (how the "
                            "meeting came to be).", "a summary of the parties and issues"))
        paras = [
            f"The {SLOT} brings together {join_names([a.label for a in sc.actors])}. "
            f"Together, they negotiate over {len(sc.issues)} issues."
        ]
    else:
        paras.append(f"As a result, {len(sc.actors)} parties now have a stake in the "
                     f"{SLOT}.")
    blocks: list[Block] = []
    n = 0
    for p in paras:
        k = _n_words(p)
        if blocks and n + k > MAX_SECTION:
            blocks.append(Heading(f"The run-up to the {REFERENCE}", "background-2"))
            n = 0
        blocks.append(Paragraph((p,)))
        n += k
    return Section("background", f"How the {c.kp} came to be", tuple(blocks),
                   "How the talks came to be")


def _signals(c: _Ctx) -> Section | None:
    sc = c.scenario
    if not sc.signals:
        return None
    seen = [s for s in sc.signals if s.status != "unknown"]
    moves: dict[str, str] = {}
    prior = c.summary.prior if c.summary is not None else None
    for up in history_updates(sc, prior):
        if sc.outcomes:
            name = max(up.posterior, key=lambda n: abs(up.posterior[n] - up.prior.get(n, 0)))
            moves[up.signal] = (f"“{name}” moved from {pct(up.prior.get(name, 0.0))} to "
                                f"{pct(up.posterior[name])}")
    items: list[tuple[Inline, ...]] = []
    for s in sorted(seen, key=lambda s: (s.date is None, s.date or dt.date.max)):
        text = _sentence(s.text)
        if s.status == "absent":
            text = f"Not seen so far: {text[0].lower()}{text[1:]}"
        extra = f" After this signal, {moves[s.id]}." if s.id in moves else ""
        when = f"{_date(s.date)}: " if s.date else ""
        items.append((when + text + extra,))
    heading = {"before": "Recent signals before the talks", "during": "Signals so far",
               "after": "The signals along the way"}[c.stage]
    dated = sorted((s for s in seen if s.date), key=lambda s: s.date or dt.date.max)
    if not items:
        lead = ("No signal has been observed yet. These are the indicators we track, "
                "because each one would shift the odds:")
        items = [(_sentence(s.text),) for s in sc.signals[:6]]
        titles = ["More indicators to watch"]
    else:
        lead = ("Several signals arrived before and around the talks. Each one changed the "
                "odds, as the list shows:")
        titles = ["The first signals", "Later signals", "The latest signals"]
        if dated:
            titles = [f"Signals from {_date(dated[0].date)}", "Later signals",
                      "The latest signals"]
    return Section("signals", heading, (Paragraph((lead,)),
                                        *_split_list(items, titles, "signals")))


def _venue(c: _Ctx) -> Section:
    meta = c.scenario.meta
    when = _date(meta.event_date)
    end = _date(meta.end_date) if meta.end_date and meta.end_date != meta.event_date else ""
    where = ", ".join(p for p in (meta.venue, meta.location) if p)
    if not meta.event_date:
        c.flags.append(Flag("meta.event_date", "No event date: add meta.event_date "
                            "(and meta.end_date for several days).", "not stated"))
    if not where:
        c.flags.append(Flag("meta.venue", "No venue: add meta.venue and meta.location.",
                            "not stated"))
    verb = _tense(c.stage, "takes place", "is taking place", "took place")
    sentences = []
    if where and when:
        span = f"from {when} to {end}" if end else f"on {when}"
        sentences.append(f"The {SLOT} {verb} at {where} {span}.")
    elif where:
        sentences.append(f"The {SLOT} {verb} at {where}.")
    elif when:
        sentences.append(f"The {SLOT} {verb} on {when}.")
    else:
        sentences.append(f"The date and place of the {SLOT} are not public yet.")
    principals = _principals(c.scenario)
    if len(principals) == 2:
        sentences.append(f"At the table, {principals[0]} and {principals[1]} lead. "
                         f"However, the other parties follow every step, because the "
                         f"result touches their interests too.")
    heading = f"Where and when the {c.kp} {verb}"
    return Section("venue", heading, (Paragraph((" ".join(sentences),)),),
                   f"Where and when the talks {verb}")


def _pillars(c: _Ctx) -> Section:
    sc = c.scenario
    groups: dict[str, list[int]] = {}
    for k, iss in enumerate(sc.issues):
        groups.setdefault(iss.group or iss.label, []).append(k)
    blocks: list[Block] = [Paragraph((
        f"The agenda has {len(groups)} pillars. For each issue, the forecast below pools "
        f"every model; the range shows how far the models and their simulations spread.",
    ))]
    connectors = ["To begin with", "Then", "After that", "Also", "Furthermore", "Besides"]
    more = ["In addition, the parties discuss {}.", "Besides, the agenda covers {}.",
            "Moreover, the parties take up {}.", "Also on the table: {}."]
    for g, (group, ks) in enumerate(groups.items()):
        if g == len(groups) - 1 and g > 0:
            conn = "Finally"
        else:
            conn = connectors[min(g, len(connectors) - 1)]
        blocks.append(Heading(f"Pillar {g + 1}: {group}", f"pillar-{g + 1}",
                              f"Pillar {g + 1} of the {c.kp}: {group}"))
        since_heading = 0
        for j, k in enumerate(ks):
            iss = sc.issues[k]
            comb = c.combined[k]
            parts = []
            if j == 0:
                parts.append(f"{conn}, the {SLOT} turns to {iss.label}.")
            else:
                parts.append(more[(j - 1) % len(more)].format(iss.label))
            if iss.description:
                parts.extend(_chunks(_sentence(iss.description), 60)[:1])
            parts.append(f"So our forecast of {_issue_value(iss, comb.point)} sits closest to "
                         f"{_anchor(iss, comb.point)}.")
            lo_label = iss.anchors.get(iss.lower)
            hi_label = iss.anchors.get(iss.upper)
            if lo_label and hi_label:
                parts.append(f"On this scale, {_q(lo_label)} is {num(iss.lower)}, while "
                             f"{_q(hi_label)} is {num(iss.upper)}.")
            kind = ("the models and their simulations" if c.forecast.draws > 1
                    else "the models")
            if comb.high - comb.low > 1e-9:
                parts.append(f"Still, {kind} range from {num(comb.low)} to {num(comb.high)}.")
            else:
                parts.append("All models agree on this point.")
            para = " ".join(parts)
            k_words = _n_words(para)
            if since_heading and since_heading + k_words > MAX_SECTION:
                blocks.append(Heading(f"{group}: {iss.label}", f"pillar-{g + 1}-{j + 1}"))
                since_heading = 0
            blocks.append(Paragraph((para,)))
            since_heading += k_words
    return Section("agenda", f"The agenda of the {c.kp}: {len(groups)} pillars",
                   tuple(blocks), f"The negotiation agenda: {len(groups)} pillars")


_STANCE_PHRASES = {
    "hard": ("Will push hard for", "Fights for", "Insists on"),
    "press": ("Presses for", "Will argue for", "Wants"),
    "lean": ("Leans toward", "Would prefer", "Mildly favours"),
    "ok": ("Can live with", "Accepts", "Sits close to"),
}


def stance_of(scenario: Scenario, forecast: Forecast, actor_id: str,
              variant: int = 0) -> str:
    """The "likely stance" of an actor (a stakeholder table cell).

    Derived from its position against the forecast on its most salient issue (see the
    module docstring). ``variant`` picks one of three wordings.
    """
    combined = combined_issue_forecast(forecast)
    stances = [s for s in scenario.stances if s.actor == actor_id]
    if not stances:
        return "Takes no position on the agenda."
    div = scenario.salience_divisor
    ids = scenario.issue_ids

    def gap(st: Any) -> float:
        iss = scenario.issue(st.issue)
        fc = combined[ids.index(st.issue)].point
        return float(100.0 * (st.position - fc) / (iss.upper - iss.lower))

    key = max(stances, key=lambda s: (s.salience, abs(gap(s))))
    iss = scenario.issue(key.issue)
    sal = key.salience / div
    g = gap(key)
    fc = combined[ids.index(key.issue)].point
    if abs(g) <= 10:
        phrase = _STANCE_PHRASES["ok"][variant % 3]
        return f"{phrase} the expected {_anchor(iss, fc)} on {iss.label}."
    level = "hard" if sal >= 0.7 else ("press" if sal >= 0.4 else "lean")
    phrase = _STANCE_PHRASES[level][variant % 3]
    return f"{phrase} {_anchor(iss, key.position)} on {iss.label}."


def _goal(scenario: Scenario, actor_id: str) -> str:
    actor = scenario.actor(actor_id)
    if actor.goal:
        return _sentence(_cap(actor.goal))
    stances = [s for s in scenario.stances if s.actor == actor_id]
    if not stances:
        return "Not stated."
    key = max(stances, key=lambda s: s.salience)
    iss = scenario.issue(key.issue)
    return _sentence(f"{_cap(iss.label)} near {_anchor(iss, key.position)}")


def _stakeholders(c: _Ctx) -> Section:
    sc = c.scenario
    actors = sorted(sc.actors, key=lambda a: -a.capability)
    missing = [a.label for a in actors if not a.goal]
    if missing:
        c.flags.append(Flag("actors[].goal", "No goal for " + join_names(missing) + ": add "
                            "'goal:' to each actor (the stakeholder table's primary goal).",
                            "derived from the actor's most salient issue"))
    rows = []
    prev_first = ""
    for k, a in enumerate(actors):
        goal = _goal(sc, a.id)
        stance = ""
        for v in range(3):
            stance = stance_of(sc, c.forecast, a.id, k + v)
            first = stance.split()[0].lower()
            if first not in (goal.split()[0].lower() if goal else "", prev_first):
                break
        prev_first = stance.split()[0].lower()
        rows.append((a.label, goal, stance))
    top = actors[0].label if actors else ""
    lead = (f"Each party wants something different from the {SLOT}, so the likely stance "
            f"compares its position with our forecast on the issue it cares about most.")
    after = (f"Because capability matters as much as position, {top} weighs most in the "
             f"forecast. Even so, a party that cares a lot can move an issue it follows "
             f"closely.") if top else ""
    header = ("Stakeholder", "Primary goal", "Likely stance")
    blocks: list[Block] = [Paragraph((lead,))]
    table = Table(header, tuple(rows))
    if _block_words(table) + _n_words(lead) + _n_words(after) > MAX_SECTION and len(rows) > 3:
        half = (len(rows) + 1) // 2
        blocks += [Heading("The most influential parties", "stakeholders-1",
                           f"The most influential parties at the {c.kp}"),
                   Table(header, tuple(rows[:half])),
                   Heading("The other parties", "stakeholders-2"),
                   Table(header, tuple(rows[half:]))]
    else:
        blocks.append(table)
    if after:
        blocks.append(Paragraph((after,)))
    return Section("stakeholders", f"Who wants what at the {c.kp}", tuple(blocks),
                   "Global reactions: who wants what")


_OPS = {">=": "at {v} or more", ">": "above {v}", "<=": "at {v} or less", "<": "below {v}",
        "==": "at exactly {v}", "!=": "anywhere but {v}"}


def _describe_rule(sc: Scenario, node: tuple[Any, ...]) -> str:
    kind = node[0]
    if kind == "true":
        return "none of the rules above holds"
    if kind == "cmp":
        _, iid, op, value = node
        iss = sc.issue(str(iid))
        return f"{iss.label} {_OPS[str(op)].format(v=_issue_value(iss, float(value)))}"
    if kind == "not":
        return f"not ({_describe_rule(sc, node[1])})"
    joiner = " and " if kind == "and" else " or "
    return _describe_rule(sc, node[1]) + joiner + _describe_rule(sc, node[2])


def _drivers(c: _Ctx, node: tuple[Any, ...]) -> list[str]:
    """Who pulls each condition of a rule toward holding, and who against."""
    out: list[str] = []
    sc = c.scenario
    div = sc.salience_divisor
    if node[0] in ("and", "or"):
        return _drivers(c, node[1]) + _drivers(c, node[2])
    if node[0] != "cmp":
        return out
    _, iid, op, value = node
    iss = sc.issue(str(iid))
    k = sc.issue_ids.index(iss.id)
    up = str(op) in (">=", ">")
    weight = []
    for st in sc.stances:
        if st.issue != iss.id:
            continue
        a = sc.actor(st.actor)
        w = a.capability_on(iss.id) * st.salience / div
        toward = st.position >= float(value) if up else st.position <= float(value)
        weight.append((w, a.label, toward))
    weight.sort(key=lambda t: -t[0])
    pro = [n for _, n, t in weight if t][:2]
    con = [n for _, n, t in weight if not t][:2]
    fc = c.combined[k].point
    holds = fc >= float(value) if up else fc <= float(value)
    sentence = ""
    def pull(names: list[str]) -> str:
        return join_names(names) + (" pulls" if len(names) == 1 else " pull")

    if pro and con:
        sentence = (f"On {iss.label}, {pull(pro)} that way, while {pull(con)} against it.")
    elif pro:
        sentence = f"On {iss.label}, {pull(pro)} that way."
    elif con:
        sentence = f"On {iss.label}, {pull(con)} against it."
    verdict = ("so the central forecast meets this condition" if holds else
               "so the central forecast falls short of it")
    out.append(f"{sentence} Our forecast is {_issue_value(iss, fc)}, {verdict}.".strip())
    return out


def _outcomes(c: _Ctx) -> Section | None:
    sc = c.scenario
    if c.summary is None:
        return None
    s = c.summary
    blocks: list[Block] = []
    lead = (f"We name {len(sc.outcomes)} outcomes for the {SLOT}. The first rule that holds "
            f"names the result, so the odds add up to 100%.")
    if s.base_rates is not None:
        lead += (" These odds pool the bargaining models with the record of past summits, "
                 "and then each signal updates them.")
    blocks.append(Paragraph((lead,)))
    hist = sc.updates
    for k_rule, rule in enumerate(sc.outcomes):
        name = rule.name
        p = float(s.current[name])
        if len(sc.outcomes) > 1:
            blocks.append(Heading(f"{name}: {icd203(p)}", f"outcome-{k_rule + 1}",
                                  f"{name} at the {c.kp}"))
        parts: list[Inline] = [Strong(name), ": "]
        head = []
        if rule.description:
            head.extend(_chunks(_sentence(rule.description), 70)[:1])
        lead_in = "Overall" if c.stage == "after" else "So far"
        head.append(f"{lead_in}, {chance_phrase(name, p)} at the {SLOT}.")
        parts.append(" ".join(head))
        blocks.append(Paragraph(tuple(parts)))
        text: list[str] = []
        if not rule.compiled.is_catch_all:
            cond = _describe_rule(sc, rule.compiled.tree)
            if k_rule == 0:
                text.append(f"It needs {cond}.")
            else:
                text.append(f"It needs {cond}, provided that no outcome listed above "
                            f"holds.")
            text.extend(_drivers(c, rule.compiled.tree)[:2])
        else:
            text.append("It covers every result the other rules leave out.")
        models = s.models[name]
        if s.base_rates is not None:
            text.append(f"By comparison, the models alone give {pct(models)}, while past "
                        f"summits give {pct(s.base_rates[name])}.")
        if hist:
            first = hist[0].prior.get(name)
            last = hist[-1].posterior.get(name)
            if first is not None and last is not None:
                verb = "rose" if last > first + 0.005 else (
                    "fell" if last < first - 0.005 else "held steady")
                amount = (f"from {pct(first)} to {pct(last)}" if verb != "held steady"
                          else f"at {pct(last)}")
                text.append(f"Since {_date(hist[0].date)}, it {verb} {amount} as signals "
                            f"arrived.")
        blocks.append(Paragraph((" ".join(text),)))
    return Section("outcomes", f"Possible outcomes of the {c.kp}", tuple(blocks),
                   "Possible outcomes: from breakthrough to breakdown")


_CODE_LABELS = {
    "binding_agreement_signed": "a binding agreement",
    "joint_statement_only": "a joint statement only",
    "no_agreement": "no agreement",
}


def _precedents(c: _Ctx, k: int = 3) -> Section | None:
    ref = optional_module("reference")
    if ref is None:
        return None
    sc = c.scenario
    filters = sc.reference.filters if sc.reference is not None else None
    try:
        rates = ref.base_rates(filters or None)
        closest = ref.closest_precedents(sc, k=k)
    except SummitryError:
        return None
    record = ref.summit_record()
    sources = dict(zip(record["summit_id"], record["source_1"], strict=True))
    ordered = sorted(rates.items(), key=lambda kv: -kv[1])
    shares = [f"{pct(v)} ended with {_CODE_LABELS.get(code, code)}" for code, v in ordered]
    lead = (f"Still, history offers a useful outside view. Across {rates.n} comparable US–Soviet "
            f"and US–Russian summits since 1955, {join_names(shares)}.")
    mapping = sc.reference.mapping if sc.reference is not None else {}
    if mapping and c.summary is not None and c.summary.base_rates is not None:
        best = max(c.summary.base_rates, key=lambda n: c.summary.base_rates[n])
        lead += (f" Mapped onto this briefing's outcomes, the record favours "
                 f"{_q(best)} ({pct(c.summary.base_rates[best])}).")
    items: list[tuple[Inline, ...]] = []
    n_explicit = int(closest["explicit"].sum()) if "explicit" in closest else 0
    for r in closest.itertuples():
        outcome = _CODE_LABELS.get(str(r.outcome), str(r.outcome))
        text = (f"{int(r.year)}, {r.place}: {r.us_leader} and {r.soviet_russian_leader} "
                f"reached {outcome}.")
        detail = str(r.outcome_detail or "").strip()
        if detail and detail.lower() != "nan":
            text += " " + _sentence(detail)
        parts: list[Inline] = [text]
        src = str(sources.get(r.summit_id, "") or "")
        if src.startswith(("http://", "https://")):
            parts += [" (", Link("source", src), ")"]
        items.append(tuple(parts))
    closing = (f"So past summits rarely settle everything at once. Instead, they often set "
               f"the tone for the talks that follow the {SLOT}.")
    if n_explicit and n_explicit < len(items) and _block_words(BulletList(tuple(items))) > 200:
        lists: list[Block] = [
            *_split_list(items[:n_explicit], ["The summits this briefing compares",
                                              "More summits this briefing compares"], "named"),
            *_split_list(items[n_explicit:], ["Other summits with a similar agenda"],
                         "similar"),
        ]
        if not isinstance(lists[0], Heading):
            lists.insert(0, Heading("The summits this briefing compares", "named-1"))
        if not any(isinstance(b, Heading) and b.id.startswith("similar") for b in lists):
            lists.insert(len(lists) - 1, Heading("Other summits with a similar agenda",
                                                 "similar-1"))
    else:
        lists = _split_list(items, ["Past summits", "More past summits"], "precedents")
    return Section("precedents", f"Lessons from history for the {c.kp}",
                   (Paragraph((lead,)), *lists, Paragraph((closing,))),
                   "Lessons from history: why summits matter")


def _hidden(c: _Ctx) -> Section | None:
    paras = _paragraphs(c.scenario.meta.hidden_stakes)
    if not paras:
        c.flags.append(Flag("meta.hidden_stakes", "No hidden stakes: add "
                            "meta.hidden_stakes (what is at stake beyond the agenda).",
                            "section left out"))
        return None
    return Section("hidden-stakes", f"The hidden stakes of the {c.kp}",
                   tuple(Paragraph((p,)) for p in paras), "The hidden stakes")


def _watch(c: _Ctx) -> Section | None:
    sc = c.scenario
    if not sc.outcomes or c.stage == "after":
        return None
    names = sc.outcome_names
    cand = []
    for s in sc.signals:
        if s.status != "unknown" or not s.likelihoods:
            continue
        lik = {n: s.likelihoods[n] for n in names if n in s.likelihoods}
        if len(lik) < 2:
            continue
        best = max(lik, key=lambda n: lik[n])
        worst = min(lik, key=lambda n: lik[n])
        ratio = lik[best] / lik[worst]
        if ratio > 1.05:
            cand.append((ratio, s, best, worst))
    if not cand:
        return None
    cand.sort(key=lambda t: -t[0])
    items: list[tuple[Inline, ...]] = []
    for ratio, s, best, worst in cand[:3]:
        items.append((f"{_sentence(s.text)} If this happens, {_q(best)} gains, because the "
                      f"signal is {ratio:.1f} times as likely under {_q(best)} as under "
                      f"{_q(worst)}.",))
    lead = "Some signals would move the odds more than others. Watch for these:"
    return Section("watch", "What to watch next", (Paragraph((lead,)), BulletList(tuple(items))))


def _conclusion(c: _Ctx) -> Section:
    sc = c.scenario
    top = _top_outcome(c)
    sents = []
    if top is not None:
        sents.append(f"To sum up, {chance_phrase(*top)} at the {SLOT}.")
    widths = [(comb.high - comb.low) / (iss.upper - iss.lower)
              for comb, iss in zip(c.combined, sc.issues, strict=True)]
    if widths:
        k = max(range(len(widths)), key=lambda i: widths[i])
        sents.append(f"The widest range of views concerns {sc.issues[k].label}, so "
                     f"that issue deserves the closest watch.")
    sents.append({
        "before": "Until then, we update this briefing whenever a new signal arrives.",
        "during": "Meanwhile, every new signal goes into the live updates above.",
        "after": "Finally, we will compare this forecast with what the parties sign.",
    }[c.stage])
    return Section("conclusion", f"Final word on the {c.kp}", (Paragraph((" ".join(sents),)),),
                   "Final word")


def _method(c: _Ctx) -> Section:
    fc = c.forecast
    sc = c.scenario
    names = join_names(list(fc.models))
    sents = [f"We ran {len(fc.models)} bargaining models ({names}) on the positions, "
             f"salience and capability of {len(sc.actors)} parties."]
    if fc.draws > 1:
        sents.append(f"Also, each model ran {fc.draws:,} simulations that vary the "
                     f"uncertain inputs.")
    else:
        sents.append("Each model gave one point forecast, so the odds come from how many "
                     "models name each outcome.")
    if c.summary is not None and c.summary.base_rates is not None and sc.reference:
        sents.append(f"Then we pooled the models with the record of past summits, which "
                     f"carries a weight of {sc.reference.weight:.0%}.")
    if c.summary is not None and c.summary.basis == "update log":
        sents.append("Since then, each recorded signal has updated the odds by Bayes' rule; "
                     "the figures here are the latest entry of that log.")
    elif c.summary is not None and c.summary.basis == "signals":
        sents.append("Then each observed signal updated the odds by Bayes' rule.")
    sents.append("Finally, the words for each probability follow the ICD 203 scale: "
                 "unlikely means 20 to 45%, likely 55 to 80%.")
    return Section("method", "How we built this forecast", (Paragraph((" ".join(sents),)),))


def _updates(c: _Ctx) -> list[Update]:
    sc = c.scenario
    texts = {s.id: s.text for s in sc.signals}
    out = []
    for k, up in enumerate(sc.updates, start=1):
        if up.posterior:
            name = max(up.posterior, key=lambda n: abs(up.posterior[n] - up.prior.get(n, 0)))
            before, after = up.prior.get(name, 0.0), up.posterior[name]
            verb = "rise" if after > before else ("fall" if after < before else "hold")
            headline = f"Odds of “{name}” {verb} to {pct(after)}"
        else:
            headline = "New signal"
        signal_text = texts.get(up.signal, up.signal)
        lead = ("Signal observed: " if up.status == "observed" else
                "Expected signal not seen: ")
        body = [lead + _sentence(signal_text)]
        if up.note:
            body.append(_sentence(up.note))
        if up.posterior:
            body.append("Following this update, " + "; ".join(
                chance_phrase(n, p) for n, p in up.posterior.items()) + ".")
        out.append(Update(f"update-{k}", up.date, headline, " ".join(body), up.signal,
                          up.status))
    return out


def _updates_section(c: _Ctx, updates: list[Update]) -> Section | None:
    if not updates:
        return None
    text = {
        "before": "These dated updates record each signal and how it moved the odds.",
        "during": "The newest update comes first. Each one records a signal and how it "
                  "moved the odds.",
        "after": "These dated updates record each signal and how it moved the odds.",
    }[c.stage]
    heading = "Live updates" if c.stage == "during" else "Latest updates"
    return Section("updates", f"{heading} on the {c.kp}", (Paragraph((text,)),),
                   heading)


# --- keyphrase tuning ----------------------------------------------------------------------------


def _resolve_slots(sections: list[Section], intro: list[Paragraph], kp: str,
                   n_kp: int) -> tuple[list[Section], list[Paragraph]]:
    """Replace slot markers.

    The first ``n_kp`` (evenly spread) read the keyphrase, the rest the short reference.
    """
    total = sum(_count_slots_block(b) for s in sections for b in s.blocks) + sum(
        _count_slots_block(p) for p in intro)
    chosen: set[int] = set()
    if total and n_kp > 0:
        step = total / min(n_kp, total)
        chosen = {min(total - 1, int(i * step)) for i in range(min(n_kp, total))}
    counter = [0]

    def fill(text: str) -> str:
        out = []
        for piece in text.split(SLOT)[:-1]:
            out.append(piece)
            out.append(kp if counter[0] in chosen else REFERENCE)
            counter[0] += 1
        out.append(text.split(SLOT)[-1])
        return "".join(out)

    def fill_inline(parts: tuple[Inline, ...]) -> tuple[Inline, ...]:
        return tuple(fill(p) if isinstance(p, str) else p for p in parts)

    def fill_block(b: Block) -> Block:
        if isinstance(b, Paragraph):
            return Paragraph(fill_inline(b.parts))
        if isinstance(b, BulletList):
            return BulletList(tuple(fill_inline(i) for i in b.items), b.ordered)
        if isinstance(b, Table):
            return Table(tuple(fill(h) for h in b.header),
                         tuple(tuple(fill(x) for x in r) for r in b.rows), b.caption)
        return Heading(fill(b.text), b.id, b.text_kp)

    new_intro = [Paragraph(fill_inline(p.parts)) for p in intro]
    new_sections = [replace(s, blocks=tuple(fill_block(b) for b in s.blocks))
                    for s in sections]
    return new_sections, new_intro


def _count_slots_block(b: Block | Paragraph) -> int:
    if isinstance(b, Paragraph):
        return sum(p.count(SLOT) for p in b.parts if isinstance(p, str))
    if isinstance(b, BulletList):
        return sum(p.count(SLOT) for item in b.items for p in item if isinstance(p, str))
    if isinstance(b, Table):
        return sum(x.count(SLOT) for r in b.rows for x in r)
    return b.text.count(SLOT)


def _choose_headings(sections: list[Section]) -> list[Section]:
    """Put the keyphrase in about half of the H2/H3 subheadings.

    Yoast's green band is 30–75 %. The keyphrase goes first into every other H2 that has a
    keyphrase variant, then into the others, then into H3s.
    """
    optional = [k for k, s in enumerate(sections) if s.heading_plain]
    h3s = [(k, j) for k, s in enumerate(sections) for j, b in enumerate(s.blocks)
           if isinstance(b, Heading)]
    n_total = len(sections) + len(h3s)
    target = max(1, math.ceil(0.5 * n_total))
    spread = optional[::2] + optional[1::2]
    keep = set(spread[:target])
    extra = max(0, target - len(spread))
    h3_kp = {kj for kj in h3s if sections[kj[0]].blocks[kj[1]].text_kp}  # type: ignore[union-attr]
    chosen_h3 = set(sorted(h3_kp)[::2][:extra])
    if len(chosen_h3) < extra:
        chosen_h3 |= set(sorted(h3_kp - chosen_h3)[:extra - len(chosen_h3)])
    out = []
    for k, s in enumerate(sections):
        if s.heading_plain and k not in keep:
            s = replace(s, heading=s.heading_plain)
        blocks = []
        for j, b in enumerate(s.blocks):
            if isinstance(b, Heading) and (k, j) in chosen_h3:
                b = Heading(b.text_kp, b.id)
            elif isinstance(b, Heading):
                b = Heading(b.text, b.id)
            blocks.append(b)
        out.append(replace(s, blocks=tuple(blocks)))
    return out


# --- the builder ---------------------------------------------------------------------------------


def build_article(
    scenario: Scenario,
    forecast: Forecast,
    *,
    stage: Stage = "before",
    url: str | None = None,
    published: dt.datetime | None = None,
    precedents: int = 3,
) -> Article:
    """Build the briefing article (see the module docstring).

    Args:
        scenario: the scenario (metadata, signals and update log come from here).
        forecast: its forecast (the numbers).
        stage: ``before``, ``during`` or ``after`` the event.
        url: the canonical URL (default ``meta.url``).
        published: the publication time (default: now, UTC).
        precedents: how many closest precedents to list.

    Raises:
        SummitryError: an unknown stage or a URL that is not absolute.
    """
    if stage not in STAGES:
        raise SummitryError(f"unknown stage {stage!r}; expected one of: before, during, after")
    flags: list[Flag] = []
    kp, keywords = _keyphrase(scenario, flags)
    summary = outcome_summary(scenario, forecast)
    if summary is None:
        flags.append(Flag("outcomes", "No named outcomes: add 'outcomes:' rules to publish "
                          "probabilities.", "outcomes section left out"))
    c = _Ctx(scenario, forecast, stage, kp, flags, summary, combined_issue_forecast(forecast),
             {s.id: s.text for s in scenario.signals})
    title, seo_title = _titles(scenario, kp, stage, flags)
    canonical, slug = _url(scenario, kp, url, flags)
    top = _top_outcome(c)
    description = _description(scenario, kp, top, flags)
    meta = scenario.meta
    if not meta.author:
        flags.append(Flag("meta.author", "No author: add meta.author (the byline).",
                          meta.publisher or "not stated"))
    if not meta.publisher:
        flags.append(Flag("meta.publisher", "No publisher: add meta.publisher (the "
                          "publication's name, as on Google News).", "not stated"))

    updates = _updates(c)
    intro = _intro(c)
    parts: list[Section | None] = []
    upd = _updates_section(c, updates)
    if stage == "during":
        parts.append(upd)
    parts += [_background(c), _signals(c), _venue(c), _pillars(c), _stakeholders(c),
              _outcomes(c)]
    if stage == "after":
        parts.append(upd)
    parts += [_precedents(c, precedents) if precedents else None, _hidden(c), _watch(c)]
    if stage == "before":
        parts.append(upd)
    parts += [_conclusion(c), _method(c)]
    sections = _choose_headings([s for s in parts if s is not None])

    # fill keyphrase slots until the density is about 1 %
    from summitry.briefing.render import body_html
    from summitry.briefing.seo import Paper, check

    def density(n_kp: int) -> tuple[float, list[Section], list[Paragraph]]:
        secs, intr = _resolve_slots(sections, intro, kp, n_kp)
        art = _assemble(n_kp, secs, intr)
        res = {r.id: r for r in check(Paper(text=body_html(art), keyphrase=kp))}
        return res["keyphrase_density"].details.get("density", 0.0), secs, intr

    def _assemble(_: int, secs: list[Section], intr: list[Paragraph]) -> Article:
        return Article(
            stage=stage, title=title, seo_title=seo_title, description=description,
            keyphrase=kp, keywords=keywords, url=canonical, slug=slug, intro=tuple(intr),
            sections=tuple(secs), updates=tuple(updates), published=pub, modified=mod,
            event_name=_cap(kp), event_start=meta.event_date,
            event_end=meta.end_date or meta.event_date, venue=meta.venue,
            location=meta.location, coverage_start=cov_start, coverage_end=cov_end,
            author=meta.author, publisher=meta.publisher, language=meta.language or "en",
            probabilities=dict(summary.current) if summary else {}, flags=tuple(flags),
        )

    pub = (published or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    pub = pub.replace(microsecond=0)
    last_update = max((dt.datetime.combine(u.date, dt.time(0), dt.UTC)
                       for u in updates), default=pub)
    mod = max(pub, last_update)
    cov_start = cov_end = None
    if stage == "during":
        start_day = meta.event_date or pub.date()
        end_day = meta.end_date or start_day
        first_update = min((u.date for u in updates), default=start_day)
        cov_start = min(pub, dt.datetime.combine(min(start_day, first_update), dt.time(0),
                                                 dt.UTC))
        cov_end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(0),
                                      dt.UTC)
        if meta.event_date is None:
            flags.append(Flag("meta.event_date", "The live blog's coverage window needs "
                              "meta.event_date (and meta.end_date).",
                              f"{start_day.isoformat()} (publication date)"))

    n_slots = sum(_count_slots_block(b) for s in sections for b in s.blocks) + sum(
        _count_slots_block(p) for p in intro)
    # density grows with the number of filled slots: find the fewest that reach the target
    lo, hi = 0, n_slots
    d, secs, intr = density(hi)
    if d >= TARGET_DENSITY:
        while lo < hi:
            mid = (lo + hi) // 2
            if density(mid)[0] >= TARGET_DENSITY:
                hi = mid
            else:
                lo = mid + 1
        d, secs, intr = density(hi)
    return _assemble(hi, secs, intr)
