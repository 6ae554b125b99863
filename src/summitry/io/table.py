"""A tidy long table: one row per actor and issue, as CSV, TSV or an Excel workbook.

The simplest way to write a scenario in a spreadsheet::

    actor,issue,position,salience,capability
    USA,ceasefire,20,0.9,1.0
    USA,sanctions,80,0.6,1.0
    Russia,ceasefire,70,0.8,0.8

Columns (header names are case-insensitive; spaces and ``-`` count as ``_``):

============== ======== ===============================================================
column         needed   meaning
============== ======== ===============================================================
actor          yes      the actor (its id is made safe, the text kept as its name)
issue          no       the issue; without this column the file is one issue named
                        after the file
position       yes      the actor's position on the issue, in the issue's units
salience       yes      0–1, or 0–100 (any salience above 1 means 0–100)
capability     no       the actor's capability (aliases ``power``, ``influence``); may
                        differ per issue
actor_name     no       a display name of the actor
issue_name     no       a display name of the issue
lower, upper   no       the issue's scale (default 0 and 100)
status_quo     no       the issue's status quo
source         no       where the stance comes from
group          no       the actor's group (bloc, coalition)
issue_group    no       the issue's group (agenda pillar)
============== ======== ===============================================================

Columns named ``note``, ``notes``, ``comment`` or ``comments``, or with an empty header,
are ignored; any other unknown column is an error (a typo would lose data silently).
Issue and actor attributes may be repeated on every row or given once; two rows that
give different values are an error naming both rows. A capability that differs between
an actor's rows becomes ``Actor.capability`` (the most common value) plus
``capability_by_issue``; rows without one get the actor's overall value.

The CSV delimiter is sniffed among ``,``, ``;`` and tab (the one whose header row holds
the most known columns); with ``;`` or tab a decimal comma (``0,5``) is accepted. An
``.xlsx`` workbook needs the optional extra ``summitry[xlsx]`` (openpyxl); its first
sheet is read unless ``sheet=`` names another. Reader options: ``salience_scale`` (force
``"0-1"`` or ``"0-100"``) and ``sheet``.
"""

from __future__ import annotations

import difflib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summitry.errors import InputError, MissingExtraError, ParseError, ValidationError
from summitry.io._common import (
    CellError,
    Row,
    decode_text,
    from_dict,
    make_id,
    parse_number,
    raise_problems,
    read_rows,
    sniff_header_delimiter,
    split_capability,
    suggest,
)
from summitry.scenario import Scenario

__all__ = ["COLUMNS", "REQUIRED", "read", "read_csv", "read_xlsx"]

REQUIRED = ("actor", "position", "salience")
"""The columns a table must have (``issue`` is optional: one issue then)."""

COLUMNS = (
    "actor", "issue", "position", "salience", "capability", "actor_name", "issue_name",
    "lower", "upper", "status_quo", "source", "group", "issue_group",
)
"""Every column the reader knows."""

_ALIASES = {"power": "capability", "influence": "capability"}
_IGNORED = {"", "note", "notes", "comment", "comments"}
_DELIMITERS = (",", ";", "\t")
_ISSUE_ATTRS = ("issue_name", "lower", "upper", "status_quo", "issue_group")
_ACTOR_ATTRS = ("actor_name", "group")
_NUMERIC = {"lower", "upper", "status_quo"}


def _column(header: str) -> str:
    name = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return _ALIASES.get(name, name)


def read(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse a tidy table: an XLSX workbook (by content or extension) or CSV/TSV."""
    if raw[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, raw, **options)
    return read_csv(path, raw, **options)


def _options(options: dict[str, Any], source: str, *, xlsx: bool) -> str | None:
    known = {"salience_scale", "sheet"} if xlsx else {"salience_scale"}
    extra = sorted(set(options) - known)
    if extra:
        raise ParseError(f"unknown reader option(s) {extra} for a table", source=source,
                         expected="one of " + ", ".join(sorted(known)))
    scale = options.get("salience_scale")
    if scale not in (None, "0-1", "0-100"):
        raise ParseError("unknown salience scale", source=source,
                         expected="'0-1' or '0-100'", found=scale)
    return None if scale is None else str(scale)


def read_csv(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse a tidy CSV/TSV table into a validated scenario.

    Args:
        path: the file.
        raw: its bytes.
        **options: ``salience_scale`` to force ``"0-1"`` or ``"0-100"``.

    Raises:
        ParseError: no header with the needed columns (for any delimiter).
        ValidationError: values break the rules; every bad row is listed in ``problems``.
    """
    src = str(path)
    scale = _options(options, src, xlsx=False)
    text = decode_text(raw, src)
    best = sniff_header_delimiter(text, src, _DELIMITERS, lambda c: _column(c) in COLUMNS)
    rows = read_rows(text, src, delimiter=best)
    return _Table(src, scale, decimal_comma=best != ",", delimiter=best).build(rows, path.stem)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


def read_xlsx(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse the first (or the ``sheet=``) worksheet of an Excel workbook.

    Raises:
        MissingExtraError: openpyxl (the extra ``summitry[xlsx]``) is not installed.
        ParseError: not a readable workbook, an unknown sheet, or no usable header.
        ValidationError: values break the rules; every bad row is listed in ``problems``.
    """
    src = str(path)
    scale = _options(options, src, xlsx=True)
    try:
        import openpyxl
    except ImportError:
        raise MissingExtraError("reading .xlsx", "xlsx") from None
    rows: list[Row] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise ParseError(f"not a readable .xlsx workbook ({type(exc).__name__})",
                             source=src, expected="an Excel .xlsx file") from None
        try:
            names = list(wb.sheetnames)
            sheet = options.get("sheet")
            if sheet is not None and sheet not in names:
                raise ParseError(f"no sheet named {sheet!r}{suggest(str(sheet), names)}",
                                 source=src, expected="one of " + ", ".join(names),
                                 found=sheet)
            if not names:
                raise ParseError("the workbook has no sheets", source=src)
            ws = wb[sheet if sheet is not None else names[0]]
            for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    rows.append((r, cells))
        except InputError:
            raise
        except Exception as exc:  # a damaged sheet surfaces only while iterating
            raise ParseError(f"cannot read the workbook's cells ({type(exc).__name__})",
                             source=src, expected="an Excel .xlsx file") from None
        finally:
            wb.close()
    return _Table(src, scale, decimal_comma=True, delimiter=None).build(rows, path.stem)


@dataclass
class _Seen:
    """The first value given for an attribute of an actor or issue, and its row."""

    values: dict[str, tuple[Any, int]] = field(default_factory=dict)


class _Table:
    def __init__(self, source: str, scale: str | None, *, decimal_comma: bool,
                 delimiter: str | None) -> None:
        self.src = source
        self.scale = scale
        self.decimal_comma = decimal_comma
        self.delimiter = delimiter
        self.problems: list[InputError] = []

    def bad(self, row: int, message: str, expected: str | None = None,
            found: object = None) -> None:
        self.problems.append(ValidationError(message, source=self.src, location=f"row {row}",
                                             expected=expected, found=found))

    def number(self, row: int, text: str, what: str) -> float | None:
        try:
            return parse_number(text, what, decimal_comma=self.decimal_comma)
        except CellError as exc:
            self.problems.append(exc.at(self.src, f"row {row}"))
            return None

    def header(self, rows: list[Row]) -> tuple[int, dict[str, int]]:
        if not rows:
            raise ParseError("the table is empty", source=self.src,
                             expected="a header row with columns " + ", ".join(REQUIRED))
        row, cells = rows[0]
        columns: dict[str, int] = {}
        unknown = []
        for k, cell in enumerate(cells):
            name = _column(cell)
            if name in _IGNORED or name.startswith("#"):
                continue
            if name not in COLUMNS:
                unknown.append(f"{cell!r}{suggest(name, COLUMNS)}")
                continue
            if name in columns:
                raise ParseError(f"the column {name!r} appears twice", source=self.src,
                                 location=f"row {row}", expected="each column once",
                                 found=f"columns {columns[name] + 1} and {k + 1}")
            columns[name] = k
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            hint = ""
            for c in missing:
                close = difflib.get_close_matches(c, [_column(x) for x in cells], n=1,
                                                  cutoff=0.75)
                if close:
                    hint += f" (is {close[0]!r} a misspelling of {c!r}?)"
            if len(cells) == 1 and self.delimiter is not None:
                hint += " (is the delimiter one of ',', ';' or tab?)"
            raise ParseError(f"the table lacks the column(s) {', '.join(missing)}{hint}",
                             source=self.src, location=f"row {row}",
                             expected="a header row with columns " + ", ".join(REQUIRED)
                             + " (and optionally issue, capability, …)",
                             found="header " + ", ".join(cells))
        if unknown:
            raise ParseError("unknown column(s) " + ", ".join(unknown), source=self.src,
                             location=f"row {row}",
                             expected="columns among " + ", ".join(COLUMNS)
                             + " (or note/comment, which are ignored)")
        return row, columns

    def build(self, rows: list[Row], stem: str) -> Scenario:
        _, columns = self.header(rows)
        n_header = len(rows[0][1])
        one_issue = "issue" not in columns
        width = max(columns.values()) + 1
        actor_ids: dict[str, str] = {}
        issue_ids: dict[str, str] = {}
        a_taken: set[str] = set()
        i_taken: set[str] = set()
        actor_attrs: dict[str, _Seen] = {}
        issue_attrs: dict[str, _Seen] = {}
        caps: dict[str, list[tuple[str, float]]] = {}
        stances: list[dict[str, Any]] = []
        stance_rows: list[int] = []
        seen: dict[tuple[str, str], int] = {}
        for row, cells in rows[1:]:
            if any(cells[n_header:]):
                hint = " (does a decimal comma split a number?)" if self.delimiter == "," else ""
                self.bad(row, f"the row has more cells than the header{hint}",
                         f"at most {n_header} cells", f"{len(cells)}")
                continue
            cells = cells + [""] * (width - len(cells))

            def get(name: str, cells: list[str] = cells) -> str:
                return cells[columns[name]] if name in columns else ""

            actor = get("actor")
            issue = stem if one_issue else get("issue")
            if not actor:
                self.bad(row, "the actor is missing", "an actor name", "an empty cell")
            if not issue:
                self.bad(row, "the issue is missing", "an issue name", "an empty cell")
            pos = self.number(row, get("position"), "position")
            sal = self.number(row, get("salience"), "salience")
            cap = None
            if get("capability"):
                cap = self.number(row, get("capability"), "capability")
                if cap is not None and cap < 0:
                    self.bad(row, "the capability is negative", "0 or more", f"{cap:g}")
            if sal is not None and sal < 0:
                self.bad(row, "the salience is negative", "a salience of 0 or more",
                         f"{sal:g}")
            if not actor or not issue:
                continue
            if actor not in actor_ids:
                actor_ids[actor] = make_id(actor, a_taken, prefix="a")
                actor_attrs[actor] = _Seen()
            if issue not in issue_ids:
                issue_ids[issue] = make_id(issue, i_taken, prefix="i")
                issue_attrs[issue] = _Seen()
            for names, seen_attrs, owner, kind in (
                (_ACTOR_ATTRS, actor_attrs[actor], actor, "actor"),
                (_ISSUE_ATTRS, issue_attrs[issue], issue, "issue"),
            ):
                for name in names:
                    text = get(name)
                    if not text:
                        continue
                    value: Any = text
                    if name in _NUMERIC:
                        value = self.number(row, text, name.replace("_", " "))
                        if value is None:
                            continue
                    if name in seen_attrs.values:
                        old, old_row = seen_attrs.values[name]
                        if old != value:
                            self.bad(row, f"the {kind} {owner!r} has two different values "
                                     f"of {name} (row {old_row} gives {old!r})",
                                     f"the same {name} on every row of {kind} {owner!r}",
                                     value)
                    else:
                        seen_attrs.values[name] = (value, row)
            key = (actor, issue)
            if key in seen:
                what = f"actor {actor!r}" if one_issue else f"{actor!r} on {issue!r}"
                self.bad(row, f"duplicate stance of {what} (first in row {seen[key]})",
                         "one row per actor and issue")
                continue
            seen[key] = row
            if pos is None or sal is None:
                continue
            stance: dict[str, Any] = {"actor": actor_ids[actor], "issue": issue_ids[issue],
                                      "position": pos, "salience": sal}
            if get("source"):
                stance["source"] = get("source")
            stances.append(stance)
            stance_rows.append(row)
            if cap is not None:
                caps.setdefault(actor, []).append((issue_ids[issue], cap))
        if len(rows) < 2 and not self.problems:
            raise ParseError("the table has a header but no rows", source=self.src,
                             expected="one row per actor and issue")
        issues = self.issues(issue_ids, issue_attrs, stances, stance_rows)
        scale = self.salience_scale(stances, stance_rows)
        raise_problems(self.problems, self.src)
        return self.scenario(stem, scale, actor_ids, actor_attrs, issues, issue_attrs, caps,
                             stances, stance_rows)

    def issues(self, issue_ids: dict[str, str], attrs: dict[str, _Seen],
               stances: list[dict[str, Any]], stance_rows: list[int]) -> list[dict[str, Any]]:
        out = []
        bounds: dict[str, tuple[float, float]] = {}
        for raw, iid in issue_ids.items():
            v = attrs[raw].values
            lo = float(v["lower"][0]) if "lower" in v else 0.0
            hi = float(v["upper"][0]) if "upper" in v else 100.0
            issue: dict[str, Any] = {"id": iid, "lower": lo, "upper": hi}
            name = v["issue_name"][0] if "issue_name" in v else (raw if raw != iid else "")
            if name and name != iid:
                issue["name"] = name
            if "issue_group" in v:
                issue["group"] = v["issue_group"][0]
            if lo >= hi:
                row = max(v[k][1] for k in ("lower", "upper") if k in v)
                self.bad(row, f"the scale of issue {raw!r} is empty: its lower bound is not "
                         "below its upper bound", "lower < upper", f"lower {lo:g}, upper {hi:g}")
            elif "status_quo" in v:
                sq, row = v["status_quo"]
                if not lo <= sq <= hi:
                    self.bad(row, f"the status quo of issue {raw!r} is outside its scale",
                             f"a value between {lo:g} and {hi:g}", f"{sq:g}")
                issue["status_quo"] = sq
            bounds[iid] = (lo, hi)
            out.append(issue)
        for st, row in zip(stances, stance_rows, strict=True):
            lo, hi = bounds[st["issue"]]
            if lo < hi and not lo <= st["position"] <= hi:
                self.bad(row, f"the position is outside the scale of issue {st['issue']!r}",
                         f"a position between {lo:g} and {hi:g}", f"{st['position']:g}")
        return out

    def salience_scale(self, stances: list[dict[str, Any]], stance_rows: list[int]) -> str:
        top = max((st["salience"] for st in stances), default=0.0)
        scale = self.scale or ("0-100" if top > 1.0 else "0-1")
        limit = 1.0 if scale == "0-1" else 100.0
        for st, row in zip(stances, stance_rows, strict=True):
            if st["salience"] > limit:
                note = "as the option salience_scale says" if self.scale else (
                    "any salience above 1 means a 0–100 scale")
                self.bad(row, f"the salience is above {limit:g}",
                         f"a salience between 0 and {limit:g} ({note})", f"{st['salience']:g}")
        return scale

    def scenario(self, stem: str, scale: str, actor_ids: dict[str, str],
                 actor_attrs: dict[str, _Seen], issues: list[dict[str, Any]],
                 issue_attrs: dict[str, _Seen], caps: dict[str, list[tuple[str, float]]],
                 stances: list[dict[str, Any]], stance_rows: list[int]) -> Scenario:
        rows: dict[str, str] = {}
        first_actor: dict[str, int] = {}
        first_issue: dict[str, int] = {}
        for st, row in zip(stances, stance_rows, strict=True):
            first_actor.setdefault(st["actor"], row)
            first_issue.setdefault(st["issue"], row)
        actors = []
        for k, (raw, aid) in enumerate(actor_ids.items()):
            v = actor_attrs[raw].values
            cap, by_issue = split_capability(caps.get(raw, []))
            actor: dict[str, Any] = {"id": aid, "capability": cap}
            if by_issue:
                actor["capability_by_issue"] = by_issue
            name = v["actor_name"][0] if "actor_name" in v else (raw if raw != aid else "")
            if name and name != aid:
                actor["name"] = name
            if "group" in v:
                actor["group"] = v["group"][0]
            actors.append(actor)
            if aid in first_actor:
                rows[f"actors[{k}]"] = f"row {first_actor[aid]}"
        for k, issue in enumerate(issues):
            if issue["id"] in first_issue:
                rows[f"issues[{k}]"] = f"row {first_issue[issue['id']]}"
        for k, row in enumerate(stance_rows):
            rows[f"stances[{k}]"] = f"row {row}"
        data = {"id": stem, "salience_scale": scale, "issues": issues, "actors": actors,
                "stances": stances}
        return from_dict(data, source=self.src, rows=rows)
