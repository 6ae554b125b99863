"""The scenario editor: a scenario as form rows, form rows back as a validated scenario.

The editor shows five tables — issues, actors, stances, outcome rules, signals — plus the
title, summary and salience scale. Each row of a table is a set of form fields named
``{section}-{row}-{column}`` (``stances-3-position``); ``{section}-count`` says how many
rows were sent, ``{section}-{row}-orig`` which item of the saved version a row edits, and
``{section}-{row}-delete`` removes it.

Fields the editor does not show (an issue's anchors and description, an actor's
uncertainty block, a stance's uncertainty …) are kept: an edited row starts from the saved
item it came from (``orig``) and the form overwrites only its own columns. Blank rows are
ignored, so the editor can always offer a few empty rows for new items.

:func:`parse_form` turns the submitted fields into the scenario's data and
:func:`validate` runs the scenario's own validation on it, mapping every problem back to
the field (or row) it belongs to, so the page can show the message beside the field.
Both are pure functions.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from summitry.errors import InputError
from summitry.scenario import Scenario
from summitry.web.problems import field_name

__all__ = [
    "COLUMNS",
    "Editor",
    "Section",
    "editor_from_data",
    "parse_form",
    "validate",
]

#: The columns of each table: (key, label, kind) with kind text, number, long or choice.
COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "issues": (("id", "Id", "text"), ("name", "Name", "text"), ("lower", "Lower", "number"),
               ("upper", "Upper", "number"), ("units", "Units", "text"),
               ("status_quo", "Status quo", "number")),
    "actors": (("id", "Id", "text"), ("name", "Name", "text"),
               ("capability", "Capability", "number"), ("goal", "Goal", "text")),
    "stances": (("actor", "Actor id", "text"), ("issue", "Issue id", "text"),
                ("position", "Position", "number"), ("salience", "Salience", "number"),
                ("source", "Source", "text")),
    "outcomes": (("name", "Name", "text"), ("rule", "Rule", "text"),
                 ("description", "Description", "text")),
    "signals": (("id", "Id", "text"), ("text", "Text", "text"),
                ("status", "Status", "choice"), ("group", "Group", "text")),
}
TITLES = {"issues": "Issues", "actors": "Actors", "stances": "Stances",
          "outcomes": "Outcome rules", "signals": "Signals"}
#: Number columns that may be left empty (the scenario's default or "none").
_OPTIONAL_NUMBERS = {("issues", "lower"), ("issues", "upper"), ("issues", "status_quo"),
                     ("actors", "capability")}
#: Text columns whose empty value means "not set" (``None``) rather than "".
_NULLABLE_TEXT = {("signals", "group")}
STATUSES = ("unknown", "observed", "absent")
MAX_ROWS = 500


@dataclass
class Cell:
    name: str
    value: str
    kind: str
    label: str
    error: str = ""


@dataclass
class Row:
    index: int
    orig: int | None
    cells: list[Cell]
    delete: bool = False
    error: str = ""


@dataclass
class Section:
    key: str
    title: str
    columns: list[tuple[str, str, str]]
    rows: list[Row]
    error: str = ""


@dataclass
class Editor:
    """Everything the editor template shows, including validation messages."""

    title: str = ""
    summary: str = ""
    salience_scale: str = "0-1"
    slug: str = ""
    message: str = ""
    base_version: int | None = None
    sections: list[Section] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def outcome_names(self) -> list[tuple[int, str]]:
        """``(form row, name)`` of the outcome rows (the signals' likelihood columns)."""
        sec = next((s for s in self.sections if s.key == "outcomes"), None)
        if sec is None:
            return []
        out = []
        for row in sec.rows:
            name = next((c.value for c in row.cells if c.name.endswith("-name")), "")
            if name.strip() and not row.delete:
                out.append((row.index, name.strip()))
        return out

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _cells(section: str, index: int, item: Mapping[str, Any],
           outcomes: list[tuple[int, str]]) -> list[Cell]:
    cells = [Cell(f"{section}-{index}-{key}", _fmt(item.get(key)), kind, label)
             for key, label, kind in COLUMNS[section]]
    if section == "signals":
        lik = item.get("likelihoods") or {}
        for q, name in outcomes:
            cells.append(Cell(f"signals-{index}-lik-{q}", _fmt(lik.get(name)), "number",
                              f"P(signal | {name})"))
    return cells


def editor_from_data(data: Mapping[str, Any] | None, *, blanks: int = 2,
                     base_version: int | None = None) -> Editor:
    """The editor showing ``data`` (a scenario's ``to_dict()``; ``None``: empty), with
    ``blanks`` empty rows per table for new items."""
    data = data or {}
    meta = data.get("meta") or {}
    ed = Editor(title=str(meta.get("title", "")), summary=str(meta.get("summary", "")),
                salience_scale=str(data.get("salience_scale", "0-1")),
                base_version=base_version)
    outcomes = [(q, str(o.get("name", ""))) for q, o in enumerate(data.get("outcomes") or [])]
    for section in COLUMNS:
        items = list(data.get(section) or [])
        rows = [Row(k, k, _cells(section, k, item, outcomes)) for k, item in enumerate(items)]
        extra = max(blanks, 3 if section == "stances" and not items else 0)
        for k in range(len(items), len(items) + extra):
            rows.append(Row(k, None, _cells(section, k, {}, outcomes)))
        ed.sections.append(Section(section, TITLES[section], list(COLUMNS[section]), rows))
    return ed


def _get(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key, "")
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value).strip()


def _count(form: Mapping[str, Any], section: str) -> int:
    try:
        n = int(_get(form, f"{section}-count") or 0)
    except ValueError:
        n = 0
    return max(0, min(n, MAX_ROWS))


def _parse_number(text: str) -> float:
    value = float(text.replace(",", ".").replace("\u2212", "-"))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_form(form: Mapping[str, Any], base: Mapping[str, Any] | None, *,
               more_rows: int = 0) -> tuple[Editor, dict[str, Any] | None,
                                            dict[str, list[int]]]:
    """Read the editor's fields.

    Args:
        form: the submitted fields.
        base: the saved version's data (``to_dict()``) the edit started from, or ``None``.
        more_rows: blank rows to add to every table (the "more rows" button).

    Returns:
        The editor to show again (with messages for fields that are not numbers), the
        scenario data (``None`` when a field could not be read), and for each table the
        form row of every item in the data (to map validation problems back to rows).
    """
    base = base or {}
    bv = _get(form, "base_version")
    ed = Editor(title=_get(form, "title"), summary=_get(form, "summary"),
                salience_scale=_get(form, "salience_scale") or "0-1",
                slug=_get(form, "slug"), message=_get(form, "message"),
                base_version=int(bv) if bv.isdigit() else None)
    if ed.salience_scale not in ("0-1", "0-100"):
        ed.errors["salience_scale"] = "expected 0-1 or 0-100"
    data: dict[str, Any] = copy.deepcopy({k: v for k, v in base.items()})
    meta = dict(data.get("meta") or {})
    meta["title"] = ed.title
    meta["summary"] = ed.summary
    data["meta"] = meta
    data["salience_scale"] = ed.salience_scale
    rowmap: dict[str, list[int]] = {}

    n_out = _count(form, "outcomes")
    outcome_cols = []
    for q in range(n_out):
        name = _get(form, f"outcomes-{q}-name")
        if name and not _get(form, f"outcomes-{q}-delete"):
            outcome_cols.append((q, name))

    for section, columns in COLUMNS.items():
        items: list[dict[str, Any]] = []
        rows: list[Row] = []
        rowmap[section] = []
        base_items = list(base.get(section) or [])
        n = _count(form, section)
        for r in range(n):
            orig_text = _get(form, f"{section}-{r}-orig")
            orig = int(orig_text) if orig_text.isdigit() else None
            if orig is not None and orig >= len(base_items):
                orig = None
            deleted = bool(_get(form, f"{section}-{r}-delete"))
            values = {key: _get(form, f"{section}-{r}-{key}") for key, _, _ in columns}
            liks = {q: _get(form, f"signals-{r}-lik-{q}") for q, _ in outcome_cols} \
                if section == "signals" else {}
            row_item = {**values, "likelihoods": {n_: liks.get(q, "")
                                                  for q, n_ in outcome_cols}}
            cells = _cells(section, r, row_item, outcome_cols)
            for c in cells:  # show what was typed, not a reformatted value
                key = c.name.split("-", 2)[2]
                c.value = liks.get(int(key[4:]), "") if key.startswith("lik-") else values[key]
            row = Row(r, orig, cells, deleted)
            rows.append(row)
            typed = [values[k] for k, _, kind in columns if kind != "choice"]
            blank = not any(typed) and not any(liks.values())
            if deleted or blank:
                continue
            item: dict[str, Any] = (copy.deepcopy(base_items[orig]) if orig is not None
                                    else {})
            for key, _, kind in columns:
                text = values[key]
                name = f"{section}-{r}-{key}"
                if kind == "number":
                    if text == "":
                        if (section, key) in _OPTIONAL_NUMBERS:
                            item.pop(key, None)
                            if key == "status_quo":
                                item[key] = None
                        else:
                            ed.errors[name] = "required: enter a number"
                        continue
                    try:
                        item[key] = _parse_number(text)
                    except ValueError:
                        ed.errors[name] = f"expected a number, found {text[:40]!r}"
                elif (section, key) in _NULLABLE_TEXT:
                    item[key] = text or None
                elif key == "status":
                    if text and text not in STATUSES:
                        ed.errors[name] = "expected one of: " + ", ".join(STATUSES)
                    item[key] = text or "unknown"
                else:
                    item[key] = text
            if section == "signals":
                lik: dict[str, float] = {}
                for q, oname in outcome_cols:
                    text = liks[q]
                    if text == "":
                        continue
                    try:
                        lik[oname] = _parse_number(text)
                    except ValueError:
                        ed.errors[f"signals-{r}-lik-{q}"] = (
                            f"expected a probability, found {text[:40]!r}")
                item["likelihoods"] = lik
            items.append(item)
            rowmap[section].append(r)
        for k in range(n, n + more_rows):
            rows.append(Row(k, None, _cells(section, k, {}, outcome_cols)))
        data[section] = items
        ed.sections.append(Section(section, TITLES[section], list(columns), rows))
    # the update log refers to signals by id: keep only entries whose signal is still there
    sig_ids = {s.get("id") for s in data.get("signals", [])}
    if data.get("updates"):
        data["updates"] = [u for u in data["updates"] if u.get("signal") in sig_ids]
    return ed, (None if ed.errors else data), rowmap


def _message(p: InputError) -> str:
    text = p.reason
    if p.expected is not None:
        text += f"; expected {p.expected}"
    if p.found is not None:
        found = p.found if isinstance(p.found, str) else repr(p.found)
        text += f", found {found[:60]}"
    return text


def validate(ed: Editor, data: Mapping[str, Any],
             rowmap: Mapping[str, list[int]]) -> Scenario | None:
    """Validate ``data`` as a scenario; on problems put each message beside its field.

    Returns:
        The scenario, or ``None`` when there were problems (now in ``ed.errors`` /
        ``ed.general``).
    """
    from summitry.io import from_dict

    try:
        return from_dict(dict(data), source="the form")
    except InputError as exc:
        problems = exc.problems or [exc]
    sections = {s.key: s for s in ed.sections}
    for p in problems:
        loc = p.location or ""
        msg = _message(p)
        head, _, rest = loc.partition("[")
        if head in rowmap and rest:
            idx_text, _, tail = rest.partition("]")
            if idx_text.isdigit() and int(idx_text) < len(rowmap[head]):
                form_row = rowmap[head][int(idx_text)]
                fld = tail.lstrip(".").split(".")[0].split("[")[0]
                keys = {key for key, _, _ in COLUMNS[head]}
                if fld in keys:
                    name = field_name(f"{head}[{form_row}].{fld}")
                    ed.errors[name] = _join(ed.errors.get(name, ""), msg)
                else:
                    row = sections[head].rows[form_row]
                    what = f"{fld}: " if fld else ""
                    row.error = _join(row.error, what + msg)
                    ed.errors[f"{head}-{form_row}"] = row.error
                continue
        if head in sections and not rest:
            sections[head].error = _join(sections[head].error, msg)
            ed.errors[head] = sections[head].error
            continue
        if loc in ("meta.title", "meta.summary", "salience_scale"):
            key = loc.split(".")[-1]
            ed.errors[key] = _join(ed.errors.get(key, ""), msg)
            continue
        ed.general.append(f"{loc}: {msg}" if loc else msg)
    for sec in ed.sections:  # attach field messages to the cells
        for row in sec.rows:
            for cell in row.cells:
                cell.error = ed.errors.get(cell.name, "")
    return None


def _join(old: str, new: str) -> str:
    return f"{old}; {new}" if old else new


def attach_errors(ed: Editor) -> Editor:
    """Copy ``ed.errors`` onto the cells (after :func:`parse_form` found unreadable fields)."""
    for sec in ed.sections:
        for row in sec.rows:
            for cell in row.cells:
                cell.error = ed.errors.get(cell.name, "")
    return ed
