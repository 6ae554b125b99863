"""decide-exchange-model input files: rows tagged ``#A``, ``#P``, ``#M``, ``#D``.

The input format of ``decide-exchange-model`` (the Stokman & van Oosten exchange model,
Stokman & Van Oosten 1994, "The exchange of voting positions", in Bueno de Mesquita &
Stokman (eds.), *European Community Decision Making*; PyPI ``decide-exchange-model``).
One record per row, the first cell a tag; cells are separated by a tab, ``;`` or ``,``
(sniffed: the one that yields tagged rows) and may be single-quoted::

    #A  actor-id  [name]  [description]            an actor
    #P  issue-id  [name]  [description]            an issue
    #M  issue-id  value   [description]            a labelled point on an issue's scale
    #D  actor-id  issue-id  position  salience  power

Other ``#`` rows (``#/``, ``#0`` …) are comments; the first ``#O`` row is the title.

How it maps to a :class:`~summitry.scenario.Scenario`:

- ``#A`` → :class:`~summitry.scenario.Actor`, ``#P`` → :class:`~summitry.scenario.Issue`.
  Ids are made safe (``EU (incl Norway)`` → ``EU_incl_Norway``, see
  :func:`~summitry.io._common.make_id`); the original text is kept as ``name``.
- ``#M``: the smallest and largest value of an issue are its ``lower``/``upper`` bounds
  and every ``#M`` is an anchor labelled with its description (or its value). An issue
  without ``#M`` rows runs from 0 to 100.
- ``#D`` → :class:`~summitry.scenario.Stance` with position (issue units) and salience
  (0–1, so ``salience_scale`` is ``"0-1"``). An actor without a ``#D`` row on an issue
  has no stance there.
- power is given per actor *and issue*: the actor's most common power becomes
  ``Actor.capability`` and every issue where it differs goes into
  ``capability_by_issue``, so nothing is lost. decide expects power in 0–1; summitry
  accepts any value ≥ 0 (only relative capability matters to the models).

Every defect in the rows is collected first and reported in one
:class:`~summitry.errors.ValidationError` whose ``problems`` each name their row
(``row N`` = line N of the file), what was expected and what was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summitry.errors import InputError, ParseError, ValidationError
from summitry.io._common import (
    CellError,
    Row,
    decode_text,
    from_dict,
    make_id,
    parse_number,
    raise_problems,
    read_rows,
    split_capability,
    suggest,
)
from summitry.scenario import Scenario

__all__ = ["DELIMITERS", "TAGS", "read", "sniff_delimiter"]

TAGS = ("#A", "#P", "#M", "#D")
"""The tags of data rows; any other cell starting with ``#`` opens a comment row."""

DELIMITERS = ("\t", ";", ",")
"""The delimiters tried, in order of preference when several fit."""

_DELIM_NAMES = {"\t": "tab", ";": "';'", ",": "','"}


@dataclass
class _Item:
    """An ``#A`` or ``#P`` row as read."""

    row: int
    id: str
    name: str
    description: str
    marks: dict[float, str] = field(default_factory=dict)
    mark_row: int = 0


def _cell(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return text


def _tag(cells: list[str]) -> str:
    return _cell(cells[0]).upper() if cells else ""


def sniff_delimiter(text: str, source: str) -> str:
    """The delimiter (tab, ``;`` or ``,``) that splits the most rows into tagged records.

    Raises:
        ParseError: no delimiter yields a single tagged row.
    """
    head = "\n".join(text.splitlines()[:300])
    best, best_score = "", 0
    for delim in DELIMITERS:
        try:
            rows = read_rows(head, source, delimiter=delim, quotechar="'")
        except ParseError:
            continue
        score = sum(1 for _, cells in rows if _tag(cells) in TAGS and len(cells) >= 2)
        if score > best_score:
            best, best_score = delim, score
    if not best:
        row, first = next(((k, ln.strip()) for k, ln in enumerate(text.splitlines(), 1)
                           if ln.strip()), (1, ""))
        raise ParseError(
            "cannot find the delimiter of this decide file",
            source=source, location=f"row {row}",
            expected="rows tagged #A, #P, #M or #D with cells separated by a tab, ';' or ','",
            found=first[:60],
        )
    return best


def read(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse a decide-exchange-model input file into a validated scenario.

    Args:
        path: the file (for messages and the scenario id).
        raw: its bytes.
        **options: none are accepted.

    Raises:
        ParseError: the file is not a decide file (no delimiter yields tagged rows).
        ValidationError: rows break the format or the scenario's rules; every bad row is
            listed in ``problems``.
    """
    src = str(path)
    if options:
        raise ParseError(f"decide files take no reader options, found {sorted(options)}",
                         source=src)
    text = decode_text(raw, src)
    delim = sniff_delimiter(text, src)
    rows = read_rows(text, src, delimiter=delim, quotechar="'")
    return _Reader(src, delim).build(rows, path.stem)


class _Reader:
    def __init__(self, source: str, delimiter: str) -> None:
        self.src = source
        self.delim = delimiter
        self.problems: list[InputError] = []
        self.actors: dict[str, _Item] = {}
        self.issues: dict[str, _Item] = {}
        self.title = ""

    # -- problems -----------------------------------------------------------------------
    def bad(self, row: int, message: str, *, expected: str | None = None,
            found: object = None) -> None:
        self.problems.append(ValidationError(message, source=self.src, location=f"row {row}",
                                             expected=expected, found=found))

    def number(self, row: int, text: str, what: str) -> float | None:
        try:
            return parse_number(_cell(text), what, decimal_comma=self.delim != ",")
        except CellError as exc:
            self.problems.append(exc.at(self.src, f"row {row}"))
            return None

    # -- rows ---------------------------------------------------------------------------
    def declare(self, row: int, cells: list[str], kind: str, table: dict[str, _Item],
                taken: set[str]) -> None:
        tag = "#A" if kind == "actor" else "#P"
        raw_id = _cell(cells[1]) if len(cells) > 1 else ""
        if not raw_id:
            self.bad(row, f"the {tag} row has no {kind} id",
                     expected=f"{tag}, {kind} id, [name], [description]", found="an empty cell")
            return
        if raw_id in table:
            self.bad(row, f"duplicate {kind} {raw_id!r} (first declared in row "
                     f"{table[raw_id].row})", expected=f"each {kind} declared once")
            return
        name = _cell(cells[2]) if len(cells) > 2 else ""
        desc = " ".join(_cell(c) for c in cells[3:] if _cell(c))
        if desc in (raw_id, name):
            desc = ""  # decide files often repeat the id as the description
        new_id = make_id(raw_id, taken, prefix="a" if kind == "actor" else "i")
        if not name and new_id != raw_id:
            name = raw_id
        table[raw_id] = _Item(row=row, id=new_id, name="" if name == new_id else name,
                              description=desc)

    def lookup(self, row: int, raw: str, kind: str, table: dict[str, _Item]) -> _Item | None:
        tag = "#A" if kind == "actor" else "#P"
        if not raw:
            self.bad(row, f"the {kind} is missing", expected=f"an {kind} id declared in a "
                     f"{tag} row", found="an empty cell")
            return None
        item = table.get(raw)
        if item is None:
            self.bad(row, f"unknown {kind} {raw!r}{suggest(raw, list(table))}",
                     expected=f"an {kind} declared in a {tag} row", found=raw)
        return item

    def mark(self, row: int, cells: list[str]) -> None:
        if len(cells) < 3:
            self.bad(row, "the #M row is too short",
                     expected="#M, issue id, value, [description]",
                     found=f"{len(cells) - 1} value(s) after #M")
            return
        issue = self.lookup(row, _cell(cells[1]), "issue", self.issues)
        value = self.number(row, cells[2], "#M value")
        if issue is None or value is None:
            return
        label = " ".join(_cell(c) for c in cells[3:] if _cell(c)) or f"{value:g}"
        old = issue.marks.get(value)
        if old is not None and old != label:
            label = f"{old}; {label}"
        issue.marks[value] = label
        issue.mark_row = issue.mark_row or row

    def bounds(self) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for raw_id, item in self.issues.items():
            if not item.marks:
                out[raw_id] = (0.0, 100.0)
                continue
            lo, hi = min(item.marks), max(item.marks)
            if lo >= hi:
                self.bad(item.mark_row,
                         f"issue {raw_id!r} has a single #M value, so its scale has no width",
                         expected="#M rows with at least two different values (the smallest "
                         "and largest are the scale's bounds)", found=f"only {lo:g}")
            out[raw_id] = (lo, hi)
        return out

    # -- the whole file -------------------------------------------------------------------
    def build(self, rows: list[Row], stem: str) -> Scenario:
        a_taken: set[str] = set()
        i_taken: set[str] = set()
        later: list[Row] = []
        for row, cells in rows:
            tag = _tag(cells)
            if tag == "#A":
                self.declare(row, cells, "actor", self.actors, a_taken)
            elif tag == "#P":
                self.declare(row, cells, "issue", self.issues, i_taken)
            elif tag in ("#M", "#D"):
                later.append((row, cells))
            elif tag == "#O":
                if not self.title:
                    self.title = " ".join(_cell(c) for c in cells[1:] if _cell(c))
            elif not tag.startswith("#"):
                self.bad(row, "the row has no tag", expected="a first cell #A, #P, #M, #D "
                         "or a # comment", found=_cell(cells[0])[:40])
        for row, cells in later:
            if _tag(cells) == "#M":
                self.mark(row, cells)
        bounds = self.bounds()
        stances: list[dict[str, Any]] = []
        stance_rows: list[int] = []
        powers: dict[str, list[tuple[str, float]]] = {}
        seen: dict[tuple[str, str], int] = {}
        for row, cells in later:
            if _tag(cells) != "#D":
                continue
            if len(cells) < 6:
                self.bad(row, "the #D row is too short",
                         expected="5 values after #D: actor, issue, position, salience, power",
                         found=f"{len(cells) - 1} value(s)")
                continue
            if self.delim == "," and any(_cell(c) for c in cells[6:]):
                self.bad(row, "the #D row has more than 5 values (does a decimal comma "
                         "split a number?)", expected="actor, issue, position, salience, "
                         "power", found=f"{len(cells) - 1} values")
                continue
            actor = self.lookup(row, _cell(cells[1]), "actor", self.actors)
            issue = self.lookup(row, _cell(cells[2]), "issue", self.issues)
            pos = self.number(row, cells[3], "position")
            sal = self.number(row, cells[4], "salience")
            power = self.number(row, cells[5], "power")
            if issue is not None and pos is not None:
                lo, hi = bounds[_cell(cells[2])]
                if not lo <= pos <= hi:
                    where = "its #M rows" if issue.marks else "the default, no #M rows"
                    self.bad(row, f"the position is outside the scale of issue "
                             f"{_cell(cells[2])!r}",
                             expected=f"a position between {lo:g} and {hi:g} ({where})",
                             found=f"{pos:g}")
            if sal is not None and not 0.0 <= sal <= 1.0:
                self.bad(row, "the salience is outside 0–1",
                         expected="a salience between 0 and 1", found=f"{sal:g}")
            if power is not None and power < 0:
                self.bad(row, "the power is negative", expected="a power of 0 or more "
                         "(decide uses 0–1)", found=f"{power:g}")
            if actor is None or issue is None:
                continue
            key = (actor.id, issue.id)
            if key in seen:
                self.bad(row, f"duplicate #D row for actor {_cell(cells[1])!r} on issue "
                         f"{_cell(cells[2])!r} (first in row {seen[key]})",
                         expected="one #D row per actor and issue")
                continue
            seen[key] = row
            if pos is None or sal is None or power is None:
                continue
            stances.append({"actor": actor.id, "issue": issue.id, "position": pos,
                            "salience": sal})
            stance_rows.append(row)
            powers.setdefault(actor.id, []).append((issue.id, power))
        if not self.actors and not self.problems:
            raise ParseError("the file declares no actors", source=self.src,
                             expected="at least one #A row")
        if not self.issues and not self.problems:
            raise ParseError("the file declares no issues", source=self.src,
                             expected="at least one #P row")
        raise_problems(self.problems, self.src)
        return self.scenario(stem, bounds, stances, stance_rows, powers)

    def scenario(self, stem: str, bounds: dict[str, tuple[float, float]],
                 stances: list[dict[str, Any]], stance_rows: list[int],
                 powers: dict[str, list[tuple[str, float]]]) -> Scenario:
        rows: dict[str, str] = {}
        actors = []
        for k, item in enumerate(self.actors.values()):
            cap, by_issue = split_capability(powers.get(item.id, []))
            actor: dict[str, Any] = {"id": item.id, "capability": cap}
            if by_issue:
                actor["capability_by_issue"] = by_issue
            if item.name:
                actor["name"] = item.name
            if item.description:
                actor["description"] = item.description
            actors.append(actor)
            rows[f"actors[{k}]"] = f"row {item.row}"
        issues = []
        for k, (raw_id, item) in enumerate(self.issues.items()):
            lo, hi = bounds[raw_id]
            issue: dict[str, Any] = {"id": item.id, "lower": lo, "upper": hi}
            if item.name:
                issue["name"] = item.name
            if item.description:
                issue["description"] = item.description
            if item.marks:
                issue["anchors"] = dict(sorted(item.marks.items()))
            issues.append(issue)
            rows[f"issues[{k}]"] = f"row {item.row}"
        for k, row in enumerate(stance_rows):
            rows[f"stances[{k}]"] = f"row {row}"
        data: dict[str, Any] = {
            "id": stem,
            "salience_scale": "0-1",
            "issues": issues,
            "actors": actors,
            "stances": stances,
        }
        if self.title:
            data["meta"] = {"title": self.title}
        return from_dict(data, source=self.src, rows=rows)
