"""DEU III files: EU legislative issues with positions, saliences and known outcomes.

The *Decision-making in the European Union* data set, DEU III (Arregui & Perarnaud 2022,
"A new dataset on legislative decision-making in the European Union: the DEU III dataset",
JEPP 29(1):12–22; data doi:10.34810/data53, CC BY 4.0), merges DEU I–III (1999–2019): one
row per controversial issue of a legislative proposal, 75 columns (specs/models.md §3)::

    prnrnmc;isnrnmc;prnr;prname;isnr;type;council;proc;counvte;proccde;issues;intro;finact;
    pcom;pep;pat;…;puk;   30 positions: Commission, Parliament, 28 member states
    scom;sep;sat;…;suk;   30 saliences, same order
    rp;out                the reference point and the coded outcome

Positions, saliences, ``rp`` and ``out`` are on 0–100. The original file is
semicolon-delimited; the same columns tab- or comma-delimited, quoted or not, are read
too (the delimiter is the one whose first row holds the most DEU columns; column order
does not matter, extra columns are ignored, header names are case-insensitive).

**Missing values.** As the data set documents, a value outside [0, 100] (e.g. 999) or an
empty cell is missing; ``NA``, ``NaN`` and ``.`` count as empty too. An actor takes part
in an issue when its position is present. A missing salience of an actor with a
position is set to ``missing_salience`` (default 50, the midpoint — the rule of the data
README's reference figures; the data set's salience of 0 is kept as 0).

**How an issue becomes a scenario.** One :class:`~summitry.scenario.Scenario` per issue
(or per proposal, ``proposal=``): the actors with a position (ids ``com``, ``ep`` and the
DEU country codes, e.g. ``de``, ``uk``; names in full), their stances (salience on 0–100),
the issue with ``status_quo`` = ``rp`` (when present) and the metadata: ``meta.title`` (the
proposal's short name and the issue), ``meta.event_date`` (the proposal's date, ``intro``),
``meta.end_date`` (the final act, ``finact``) and ``meta.keywords`` (procedure, Council
configuration, voting rule, act type). The scenario schema has no field for a known
outcome, so the known outcome and the row's identifiers are kept in
``model_params["deu"]``::

    {"outcomes": {issue id: out or None}, "proposal": prnr, "proposal_no": prnrnmc,
     "issue_no": {issue id: isnrnmc}, "procedure": "COD"|"CNS", "council": …,
     "vote": "QMV"|"Unan"|…, "type": …, "intro": ISO date, "final_act": ISO date,
     "period": Council voting period, "capability": convention, "rows": [file rows],
     "imputed_salience": {issue id: [actor ids]}}

(no model is named ``deu``, so the forecast code never reads it as model settings).

**Capability** (option ``capability``): ``equal`` (default; the data set has none),
``votes`` or ``ssi`` — the conventions of :mod:`summitry.capability`, for the Council
voting period in force at the final act (``period=`` forces one). Procedures where the
Parliament has a veto (``COD``, assent/consent) use the co-decision game, all others
(``CNS``, ``SYN``, blank) the consultation game; a voting rule other than ``Unan`` is QMV.
When both dates are missing, or when a member state that had not yet joined by that date
has a position, the period is the earliest one in which every state with a position was a
member.

**Dates.** ``intro`` and ``finact`` are ``DD-MM-YY`` (or ``DD-MM-YYYY``). The DEU III release
also holds cells like ``2023-07-01``: a spreadsheet turned ``23-07-01`` around, reading the
day as the year; by default (``dates="deu"``) such a cell is read back as 23 July 2001
(``dates="iso"`` takes it literally). On the dev file this reading puts every final act
after its proposal. ``999`` or an empty cell is no date; the raw text is kept.

**Bad input.** A header without the DEU columns is a :class:`~summitry.errors.ParseError`
naming the missing ones. A row that cannot be used is skipped with a reason
(:class:`Skipped`; counted in :meth:`DeuData.reasons`): a wrong number of cells, a cell
that is not a number, a duplicate issue id, no actor with a position, or no salience
for any actor with a position. :func:`read_all` warns (:class:`DeuSkipWarning`) with the
counts; when no row is usable it raises :class:`~summitry.errors.ValidationError`.
A backtest further needs a valid outcome and at least three actors
(:meth:`DeuData.scoreable`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from summitry import capability as cap
from summitry.errors import ParseError, ValidationError
from summitry.io._common import (
    decode_text,
    from_dict,
    make_id,
    read_rows,
    sniff_header_delimiter,
    suggest,
)
from summitry.scenario import Scenario

__all__ = [
    "ACTOR_CODES",
    "COLUMNS",
    "DeuData",
    "DeuIssue",
    "DeuSkipWarning",
    "Skipped",
    "parse",
    "parse_date",
    "read",
    "read_all",
    "to_scenario",
]

FloatArray = NDArray[np.float64]

#: The 30 actors in the data set's column order: Commission, Parliament, member states.
ACTOR_CODES: tuple[str, ...] = tuple(cap.ACTORS)

ID_COLUMNS = ("prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "type", "council", "proc",
              "counvte", "proccde", "issues", "intro", "finact")
POSITION_COLUMNS = tuple(f"p{c}" for c in ACTOR_CODES)
SALIENCE_COLUMNS = tuple(f"s{c}" for c in ACTOR_CODES)
COLUMNS = (*ID_COLUMNS, *POSITION_COLUMNS, *SALIENCE_COLUMNS, "rp", "out")
"""The 75 columns of a DEU III file, in the original order."""

DEFAULT_MISSING_SALIENCE = 50.0
_DELIMITERS = (";", "\t", ",")
_EMPTY = {"", "na", "nan", "n/a", ".", "none", "null"}
_OPTIONS = {"issue", "proposal", "capability", "period", "missing_salience", "dates"}


class DeuSkipWarning(UserWarning):
    """Some rows of a DEU file were skipped; the message counts them by reason."""


@dataclass(frozen=True)
class Skipped:
    """A row left out, and why."""

    row: int
    issue: str
    reason: str


@dataclass(frozen=True, eq=False)
class DeuIssue:
    """One row of a DEU file, parsed (missing values are NaN / ``None``).

    ``positions`` and ``salience`` hold the 30 actors of :data:`ACTOR_CODES` on 0–100.
    """

    row: int
    issue: str
    issue_no: str
    proposal: str
    proposal_no: str
    name: str
    type: str
    council: str
    procedure: str
    vote: str
    procedure_code: str
    n_issues: str
    intro: dt.date | None
    final_act: dt.date | None
    intro_text: str
    final_act_text: str
    positions: FloatArray
    salience: FloatArray
    reference: float | None
    outcome: float | None

    @property
    def present(self) -> NDArray[np.bool_]:
        """Which of the 30 actors has a position, ``(30,)``."""
        return np.asarray(~np.isnan(self.positions), dtype=bool)

    @property
    def n_actors(self) -> int:
        return int(self.present.sum())

    @property
    def actors(self) -> tuple[str, ...]:
        """The codes of the actors with a position."""
        return tuple(c for c, p in zip(ACTOR_CODES, self.present, strict=True) if p)

    def period(self) -> str:
        """The Council voting period: by the final act's date (else the proposal's),
        and at least the earliest period in which every state with a position was a
        member (see the module docstring)."""
        order = cap.PERIODS
        date = self.final_act or self.intro
        by_date = cap.period_of(date) if date is not None else order[0]
        need = order[0]
        for code in self.actors:
            if code in cap.MEMBER_STATES:
                first = next(p for p in order if code in cap.members(p))
                if order.index(first) > order.index(need):
                    need = first
        return by_date if order.index(by_date) >= order.index(need) else need

    def salience_filled(self, missing: float = DEFAULT_MISSING_SALIENCE) -> FloatArray:
        """Saliences with a missing one of an actor with a position set to ``missing``."""
        return np.where(self.present & np.isnan(self.salience), missing,
                        np.nan_to_num(self.salience, nan=0.0))

    def capabilities(self, convention: str, period: str | None = None) -> FloatArray:
        """Every one of the 30 actors' capability under ``convention``, ``(30,)``.

        The legislative game needs ``COD`` or ``CNS``: procedures in which the Parliament
        can veto (``COD``, ``AVC``/``CON`` assent or consent, ``OLP``) play the ``COD``
        game, every other one (``CNS``, ``SYN``, blank) the ``CNS`` game; a voting rule
        other than unanimity is QMV.
        """
        proc = "COD" if self.procedure.upper() in ("COD", "AVC", "CON", "OLP") else "CNS"
        vote = "Unan" if self.vote.strip().upper().startswith("UNAN") else "QMV"
        caps = cap.capabilities(convention, period=period or self.period(),
                                procedure=proc, vote=vote, actors=ACTOR_CODES)
        return np.array([caps[c] for c in ACTOR_CODES])


@dataclass(frozen=True, eq=False)
class DeuData:
    """A parsed DEU file: the usable rows and the skipped ones with their reasons."""

    source: str
    delimiter: str
    issues: tuple[DeuIssue, ...]
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)

    def reasons(self, skipped: Sequence[Skipped] | None = None) -> dict[str, int]:
        """``{reason kind: count}`` of the skipped rows (kind = text before ``:``)."""
        rows = self.skipped if skipped is None else skipped
        return dict(Counter(s.reason.split(":")[0] for s in rows))

    def scoreable(self, min_actors: int = 3) -> tuple[list[DeuIssue], list[Skipped]]:
        """The issues a backtest can score (a valid outcome, ``min_actors`` actors), and
        every other row with its reason (including those skipped while parsing)."""
        keep: list[DeuIssue] = []
        out = list(self.skipped)
        for it in self.issues:
            if it.outcome is None:
                out.append(Skipped(it.row, it.issue, "no valid outcome: 'out' is missing "
                                   "or outside 0–100"))
            elif it.n_actors < min_actors:
                out.append(Skipped(it.row, it.issue, f"too few actors: {it.n_actors} with "
                                   f"a position, {min_actors} needed"))
            else:
                keep.append(it)
        out.sort(key=lambda s: s.row)
        return keep, out


# --- cells ------------------------------------------------------------------------------------

_NUM = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class _BadCell(ValueError):
    pass


def _value(text: str, decimal_comma: bool) -> float:
    """A cell on 0–100, NaN when missing (empty, NA, outside [0, 100])."""
    t = text.strip().strip("'\"").strip()
    if t.lower() in _EMPTY:
        return math.nan
    if decimal_comma and re.fullmatch(r"[+-]?\d*,\d+", t):
        t = t.replace(",", ".")
    if not _NUM.fullmatch(t):
        raise _BadCell(t)
    v = float(t)
    if not math.isfinite(v) or not 0.0 <= v <= 100.0:
        return math.nan
    return v


def parse_date(text: str, *, dates: str = "deu") -> dt.date | None:
    """A DEU date cell: ``DD-MM-YY``, ``DD-MM-YYYY`` (also ``/`` or ``.``), or the
    turned-around ``20DD-MM-YY`` form (see the module docstring); ``None`` when there is
    no date (``999``, empty, unreadable).

    >>> parse_date("23-03-00"), parse_date("2023-07-01"), parse_date("2023-07-01", dates="iso")
    (datetime.date(2000, 3, 23), datetime.date(2001, 7, 23), datetime.date(2023, 7, 1))
    """
    t = text.strip().strip("'\"")
    try:
        m = re.fullmatch(r"(\d{1,2})[-./](\d{1,2})[-./](\d{2}|\d{4})", t)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            if y < 100:
                y += 2000 if y < 70 else 1900
            return dt.date(y, mo, d)
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if dates == "iso":
                return dt.date(y, mo, d)
            return dt.date(2000 + d if d < 70 else 1900 + d, mo, y % 100)
    except ValueError:
        return None
    return None


# --- parsing ----------------------------------------------------------------------------------


def _column(name: str) -> str:
    return name.strip().strip("'\"").strip().lower()


def _sniff(text: str, source: str) -> str:
    return sniff_header_delimiter(text, source, _DELIMITERS, lambda c: _column(c) in COLUMNS)


def parse(path: str | Path, raw: bytes | None = None, *, dates: str = "deu") -> DeuData:
    """Read a DEU file into :class:`DeuData` (every usable row, every skipped one).

    Args:
        path: the file (read unless ``raw`` is given; also names it in messages).
        raw: the file's bytes.
        dates: ``"deu"`` or ``"iso"``: how to read ``YYYY-MM-DD``-looking cells.

    Raises:
        ParseError: not text, no header, or a header that lacks DEU columns.
    """
    from summitry.io._common import read_bytes

    p = Path(path)
    src = str(p)
    if dates not in ("deu", "iso"):
        raise ParseError("unknown dates option", source=src, expected="'deu' or 'iso'",
                         found=dates)
    data = read_bytes(p) if raw is None else raw
    text = decode_text(data, src)
    delim = _sniff(text, src)
    rows = read_rows(text, src, delimiter=delim)
    if not rows:
        raise ParseError("the file is empty", source=src, expected="a DEU III header row")
    head_row, head = rows[0]
    names = [_column(c) for c in head]
    index: dict[str, int] = {}
    for k, name in enumerate(names):
        if name in COLUMNS and name not in index:
            index[name] = k
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        extra = [n for n in names if n and n not in COLUMNS]
        hint = "".join(suggest(m, extra) for m in missing[:3])
        shown = ", ".join(missing[:12]) + (" …" if len(missing) > 12 else "")
        raise ParseError(
            f"the header lacks {len(missing)} DEU III column(s): {shown}{hint}",
            source=src, location=f"row {head_row}",
            expected="the 75 DEU III columns prnrnmc;isnrnmc;…;rp;out (specs/models.md §3), "
            "separated by ';', tab or ','",
            found=f"{len(head)} cells: " + ", ".join(head[:6]) + (" …" if len(head) > 6 else ""),
        )
    width = len(head)
    comma = delim != ","
    issues: list[DeuIssue] = []
    skipped: list[Skipped] = []
    seen: dict[str, int] = {}
    for row, cells in rows[1:]:
        def get(col: str, cells: list[str] = cells) -> str:
            k = index[col]
            return cells[k].strip().strip("'\"").strip() if k < len(cells) else ""

        label = get("isnr") or get("isnrnmc") or f"row {row}"
        if len(cells) != width:
            skipped.append(Skipped(row, label, f"wrong number of cells: {len(cells)}, the "
                                   f"header has {width}"))
            continue
        try:
            pos = np.array([_value(get(c), comma) for c in POSITION_COLUMNS])
            sal = np.array([_value(get(c), comma) for c in SALIENCE_COLUMNS])
            rp = _value(get("rp"), comma)
            out = _value(get("out"), comma)
        except _BadCell as exc:
            bad = next(c for c in (*POSITION_COLUMNS, *SALIENCE_COLUMNS, "rp", "out")
                       if _is_bad(get(c), comma))
            skipped.append(Skipped(row, label, f"not a number: column {bad} holds "
                                   f"{str(exc)[:30]!r}"))
            continue
        if label in seen:
            skipped.append(Skipped(row, label, f"duplicate issue: {label!r} first in row "
                                   f"{seen[label]}"))
            continue
        present = ~np.isnan(pos)
        if not present.any():
            skipped.append(Skipped(row, label, "no actor: no valid position"))
            continue
        if np.all(np.isnan(sal[present])):
            skipped.append(Skipped(row, label, "no salience: every actor with a position "
                                   "lacks a salience"))
            continue
        seen[label] = row
        intro_t, final_t = get("intro"), get("finact")
        issues.append(DeuIssue(
            row=row, issue=label, issue_no=get("isnrnmc"), proposal=get("prnr") or label,
            proposal_no=get("prnrnmc"), name=get("prname"), type=get("type"),
            council=get("council"), procedure=get("proc").upper(), vote=get("counvte"),
            procedure_code=get("proccde"), n_issues=get("issues"),
            intro=parse_date(intro_t, dates=dates), final_act=parse_date(final_t, dates=dates),
            intro_text=intro_t, final_act_text=final_t, positions=pos, salience=sal,
            reference=None if math.isnan(rp) else rp, outcome=None if math.isnan(out) else out,
        ))
    return DeuData(source=src, delimiter=delim, issues=tuple(issues), skipped=tuple(skipped))


def _is_bad(text: str, comma: bool) -> bool:
    try:
        _value(text, comma)
    except _BadCell:
        return True
    return False


# --- scenarios ---------------------------------------------------------------------------------


def _check_options(options: dict[str, Any], source: str) -> None:
    extra = sorted(set(options) - _OPTIONS)
    if extra:
        raise ParseError(f"unknown reader option(s) {extra} for a DEU file", source=source,
                         expected="one of " + ", ".join(sorted(_OPTIONS)))
    conv = options.get("capability", "equal")
    if conv not in cap.CONVENTIONS:
        raise ParseError("unknown capability convention", source=source,
                         expected="one of " + ", ".join(cap.CONVENTIONS), found=conv)
    period = options.get("period")
    if period is not None and period not in cap.PERIODS:
        raise ParseError("unknown Council voting period", source=source,
                         expected="one of " + ", ".join(cap.PERIODS), found=period)
    ms = options.get("missing_salience", DEFAULT_MISSING_SALIENCE)
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not 0 <= ms <= 100:
        raise ParseError("missing_salience must be a number in [0, 100]", source=source,
                         found=ms)


def to_scenario(
    issues: Sequence[DeuIssue],
    *,
    capability: str = "equal",
    period: str | None = None,
    missing_salience: float = DEFAULT_MISSING_SALIENCE,
    source: str = "<deu>",
) -> Scenario:
    """One scenario of one issue, or of several issues of the same proposal.

    Args:
        issues: the parsed rows.
        capability: ``"equal"``, ``"votes"`` or ``"ssi"`` (:mod:`summitry.capability`).
        period: force the Council voting period (default: each issue's own).
        missing_salience: the salience (0–100) of an actor with a position but none.
        source: the file, for messages.
    """
    if not issues:
        raise ValidationError("no issue to build a scenario from", source=source)
    first = issues[0]
    taken: set[str] = set()
    issue_ids = [make_id(it.issue, taken, prefix="i") for it in issues]
    present = np.any([it.present for it in issues], axis=0)
    codes = [c for c, p in zip(ACTOR_CODES, present, strict=True) if p]
    caps = np.array([it.capabilities(capability, period) for it in issues])  # (I, 30)
    col = {c: k for k, c in enumerate(ACTOR_CODES)}
    actors: list[dict[str, Any]] = []
    for c in codes:
        values = caps[:, col[c]]
        base = float(values[0])
        actor: dict[str, Any] = {"id": c, "name": cap.ACTORS[c], "capability": base}
        if capability != "equal":
            actor["group"] = ("institution" if c in (cap.COMMISSION, cap.PARLIAMENT)
                              else "member state")
        differ = {iid: float(v) for iid, v in zip(issue_ids, values, strict=True)
                  if float(v) != base}
        if differ:
            actor["capability_by_issue"] = differ
        actors.append(actor)
    stances: list[dict[str, Any]] = []
    imputed: dict[str, list[str]] = {}
    issue_dicts: list[dict[str, Any]] = []
    for iid, it in zip(issue_ids, issues, strict=True):
        sal = it.salience_filled(missing_salience)
        for k, c in enumerate(ACTOR_CODES):
            if not it.present[k]:
                continue
            stances.append({"actor": c, "issue": iid, "position": float(it.positions[k]),
                            "salience": float(sal[k])})
            if math.isnan(it.salience[k]):
                imputed.setdefault(iid, []).append(c)
        issue: dict[str, Any] = {"id": iid, "name": f"{it.name} ({it.issue})" if it.name
                                 else it.issue, "lower": 0.0, "upper": 100.0,
                                 "description": f"DEU issue {it.issue} (row {it.row})"}
        if it.reference is not None:
            issue["status_quo"] = it.reference
        issue_dicts.append(issue)
    title = first.name or first.proposal
    if len(issues) == 1:
        title = f"{title}: issue {first.issue}"
    keywords = tuple(k for k in (first.procedure, first.council, first.vote, first.type) if k)
    meta: dict[str, Any] = {
        "title": title,
        "summary": (f"DEU III proposal {first.proposal} ({first.type or 'act'}, "
                    f"{first.procedure or 'procedure unknown'}, {first.council or '?'} Council, "
                    f"{first.vote or 'vote unknown'}); {len(issues)} issue(s)."),
        "keywords": keywords,
        "venue": "EU legislative procedure",
    }
    if first.intro is not None:
        meta["event_date"] = first.intro.isoformat()
    if first.final_act is not None and (first.intro is None or first.final_act >= first.intro):
        meta["end_date"] = first.final_act.isoformat()
    deu: dict[str, Any] = {
        "outcomes": {iid: it.outcome for iid, it in zip(issue_ids, issues, strict=True)},
        "proposal": first.proposal,
        "proposal_no": first.proposal_no,
        "issue_no": {iid: it.issue_no for iid, it in zip(issue_ids, issues, strict=True)},
        "procedure": first.procedure,
        "council": first.council,
        "vote": first.vote,
        "type": first.type,
        "intro": first.intro.isoformat() if first.intro else None,
        "final_act": first.final_act.isoformat() if first.final_act else None,
        "period": period or first.period(),
        "capability": capability,
        "rows": [it.row for it in issues],
        "imputed_salience": imputed,
        "missing_salience": float(missing_salience),
    }
    data = {"id": make_id(first.proposal if len(issues) > 1 else first.issue, set(),
                          prefix="deu"),
            "meta": meta, "salience_scale": "0-100", "issues": issue_dicts,
            "actors": actors, "stances": stances, "model_params": {"deu": deu}}
    return from_dict(data, source=source)


def _select(data: DeuData, options: dict[str, Any]) -> list[DeuIssue]:
    issue = options.get("issue")
    proposal = options.get("proposal")
    src = data.source
    if issue is not None and proposal is not None:
        raise ParseError("give issue= or proposal=, not both", source=src)
    if issue is not None:
        key = str(issue).strip()
        for it in data.issues:
            if key in (it.issue, it.issue_no, str(it.row)):
                return [it]
        for s in data.skipped:
            if key in (s.issue, str(s.row)):
                raise ValidationError(f"issue {key!r} was skipped: {s.reason}", source=src,
                                      location=f"row {s.row}")
        known = [it.issue for it in data.issues]
        raise ValidationError(f"no issue {key!r}{suggest(key, known)}", source=src,
                              expected="an isnr, an isnrnmc or a row number",
                              found=key)
    if proposal is not None:
        key = str(proposal).strip()
        chosen = [it for it in data.issues if key in (it.proposal, it.proposal_no)]
        if not chosen:
            known = sorted({it.proposal for it in data.issues})
            raise ValidationError(f"no proposal {key!r}{suggest(key, known)}", source=src,
                                  expected="a prnr or a prnrnmc", found=key)
        return chosen
    if not data.issues:
        _nothing(data)
    proposals = {it.proposal for it in data.issues}
    if len(proposals) > 1:
        raise ValidationError(
            f"the file holds {len(data.issues)} issues of {len(proposals)} proposals",
            source=src, expected="a reader option issue= (isnr, isnrnmc or row) or "
            "proposal= (prnr), or summitry.io.load_many for one scenario per issue, or "
            "`summitry backtest deu FILE`")
    return list(data.issues)


def _nothing(data: DeuData) -> None:
    counts = ", ".join(f"{n} {r}" for r, n in data.reasons().items()) or "no data rows"
    raise ValidationError(f"no usable issue in the file ({counts})", source=data.source,
                          problems=[ValidationError(s.reason, source=data.source,
                                                    location=f"row {s.row}")
                                    for s in data.skipped[:20]])


def read(path: Path, raw: bytes, **options: Any) -> Scenario:
    """One scenario from a DEU file: an issue (``issue=``), a proposal (``proposal=``),
    or the file's only proposal.

    Options: ``issue``, ``proposal``, ``capability`` (``equal``/``votes``/``ssi``),
    ``period``, ``missing_salience`` (default 50), ``dates`` (``deu``/``iso``).

    Raises:
        ParseError: not a DEU file, or an unknown option.
        ValidationError: the issue or proposal is unknown or was skipped, or the file
            holds several proposals and none was chosen.
    """
    src = str(path)
    _check_options(options, src)
    data = parse(path, raw, dates=options.get("dates", "deu"))
    chosen = _select(data, options)
    return to_scenario(chosen, capability=options.get("capability", "equal"),
                       period=options.get("period"),
                       missing_salience=float(options.get("missing_salience",
                                                          DEFAULT_MISSING_SALIENCE)),
                       source=src)


def read_all(path: Path, raw: bytes, **options: Any) -> list[Scenario]:
    """One scenario per issue (or per proposal with ``by="proposal"``) of a DEU file.

    Options as :func:`read` (without ``issue``/``proposal``) plus ``by``. Skipped rows are
    counted in a :class:`DeuSkipWarning`.

    Raises:
        ValidationError: no row is usable.
    """
    src = str(path)
    by = options.pop("by", "issue")
    if by not in ("issue", "proposal"):
        raise ParseError("unknown by option", source=src, expected="'issue' or 'proposal'",
                         found=by)
    if "issue" in options or "proposal" in options:
        raise ParseError("load_many reads every issue; use load(..., issue=…) for one",
                         source=src)
    _check_options(options, src)
    data = parse(path, raw, dates=options.get("dates", "deu"))
    if not data.issues:
        _nothing(data)
    if data.skipped:
        counts = ", ".join(f"{n} × {r}" for r, n in data.reasons().items())
        warnings.warn(f"{src}: {len(data.skipped)} row(s) skipped ({counts})",
                      DeuSkipWarning, stacklevel=3)
    groups: list[list[DeuIssue]]
    if by == "issue":
        groups = [[it] for it in data.issues]
    else:
        by_prop: dict[str, list[DeuIssue]] = {}
        for it in data.issues:
            by_prop.setdefault(it.proposal, []).append(it)
        groups = list(by_prop.values())
    kw = {"capability": options.get("capability", "equal"), "period": options.get("period"),
          "missing_salience": float(options.get("missing_salience", DEFAULT_MISSING_SALIENCE))}
    return [to_scenario(g, source=src, **kw) for g in groups]
