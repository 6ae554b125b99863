"""KTAB Spatial Model of Politics inputs: the wide CSV and the XML scenario.

KTAB (KAPSARC Toolkit for Behavioral Analysis; Wise, Lester & Efird 2015, "An
Introduction to the KAPSARC Toolkit for Behavioral Analysis (KTAB) using one-dimensional
spatial models") reads a scenario for its ``smpc`` application in two forms.

**Wide CSV** — row 1: scenario name, description, number of actors, number of
dimensions (extra cells ignored); row 2: the header ``Actor, Description, Power`` (or
``Influence``) followed by a position and a salience column per dimension; then one row
per actor::

    DummyData_3Dim,"Dummy scenario",2,1,
    Actor,Description,Power,Pstn1,Sal1,
    SActor-00,Random Spatial Actor,102.543,75.79,49.53,
    SActor-01,Random Spatial Actor,53.393,82.72,30.33,

Trailing commas and blank padding are allowed. The declared counts must match the
header and the actor rows. The dimension is named after its position column, without a
trailing ``Position`` (``Policy Position`` → ``Policy``).

**XML** — ``<Scenario>`` with ``<name>``, ``<desc>``, ``<prngSeed>``, optional
``<ModelParameters>``, ``<Dimensions>`` (``<dName>`` each), ``<Actors>`` (each
``<Actor>`` with ``<name>``, ``<description>``, ``<capability>``, ``<Position>`` of
``<dCoord>`` and ``<Salience>`` of ``<dSal>``, one per dimension) and an optional
``<IdealAdjustment>`` of ``<iaPair>`` (``adjustingIdeal``, ``referencePos``,
``adjust``). DOCTYPE and ENTITY declarations are refused (they can expand a small file
into gigabytes; KTAB's files have none).

How both map to a :class:`~summitry.scenario.Scenario`:

- each dimension is an issue on 0–100; positions are on that scale, saliences 0–100
  (``salience_scale`` ``"0-100"``); power / capability (any value ≥ 0) is
  ``Actor.capability``; the actor's description is ``Actor.description``.
- the scenario name and description become ``meta.title`` and ``meta.summary``; the id
  is the file name.
- the XML's ``<ModelParameters>`` become ``model_params["smp"]``: the settings of
  :class:`summitry.models.smp.SMP`, translated by
  :func:`summitry.models.smp.ktab_parameters` (``<VotingRule>PropCbc`` →
  ``voting: prop_cbc``; an unknown parameter or value is an error naming the element, an
  empty value is left out so that the model's default applies), and ``<prngSeed>``
  becomes its ``seed`` (an int). The ideal-adjustment pairs become
  ``model_params["smp"]["accommodation"]`` (a list of ``{"actor", "reference",
  "adjust"}`` with actor ids), so nothing is lost.
- an empty ``<dCoord>`` or ``<dSal>`` (KTAB's own ``smpExample.xml`` has one, and KTAB
  refuses to load it) means by default that the actor takes no stance on that
  dimension; ``empty="error"`` makes it an error instead.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from summitry.errors import InputError, ParseError, SummitryError, ValidationError
from summitry.io._common import (
    CellError,
    decode_text,
    from_dict,
    make_id,
    parse_number,
    raise_problems,
    read_rows,
    suggest,
)
from summitry.scenario import Scenario

__all__ = ["parse_xml", "read", "read_csv", "read_xml"]

_Bad = Callable[..., None]
"""Records a problem: ``bad(location, message, expected=None, found=None)``."""

_POWER = ("power", "influence", "capability")
_EMPTY = ("skip", "error")


def read(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse a KTAB file, XML or wide CSV (told apart by content)."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return read_xml(path, raw, **options)
    return read_csv(path, raw, **options)


def _check_options(options: dict[str, Any], source: str) -> str:
    extra = sorted(set(options) - {"empty"})
    if extra:
        raise ParseError(f"KTAB files take only the reader option 'empty', found {extra}",
                         source=source)
    empty = options.get("empty", "skip")
    if empty not in _EMPTY:
        raise ParseError("unknown value of the reader option 'empty'", source=source,
                         expected="'skip' or 'error'", found=empty)
    return str(empty)


def _dimension_name(header: str) -> str:
    name = re.sub(r"\s*\b(position|pstn|pos)\s*$", "", header, flags=re.IGNORECASE).strip()
    return name or header


def _count(text: str, what: str, row: int, source: str) -> int:
    try:
        value = parse_number(text, what)
    except CellError as exc:
        raise exc.at(source, f"row {row}") from None
    if value != int(value) or value < 1:
        raise ValidationError(f"the {what} is not a positive whole number", source=source,
                              location=f"row {row}", expected="a whole number ≥ 1",
                              found=text)
    return int(value)


def read_csv(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse a KTAB wide CSV file into a validated scenario.

    Raises:
        ParseError: rows 1–2 are not a KTAB header.
        ValidationError: values break the format or the scenario's rules; every bad row
            is listed in ``problems``.
    """
    src = str(path)
    _check_options(options, src)
    text = decode_text(raw, src)
    rows = read_rows(text, src, delimiter=",")
    if len(rows) < 2:
        raise ParseError("a KTAB CSV file needs a scenario row and a header row", source=src,
                         expected="row 1: name, description, actors, dimensions; row 2: "
                         "Actor, Description, Power, then position and salience per dimension",
                         found=f"{len(rows)} row(s)")
    (row1, meta), (row2, header) = rows[0], rows[1]
    while header and not header[-1]:
        header.pop()
    if len(meta) < 4:
        raise ParseError("the scenario row is too short", source=src, location=f"row {row1}",
                         expected="name, description, number of actors, number of dimensions",
                         found=f"{len(meta)} cell(s)")
    n_actors = _count(meta[2], "number of actors", row1, src)
    n_dims = _count(meta[3], "number of dimensions", row1, src)
    if len(header) < 3 or [h.lower() for h in header[:2]] != ["actor", "description"] \
            or header[2].lower() not in _POWER:
        raise ParseError("the header row is not a KTAB header", source=src,
                         location=f"row {row2}",
                         expected="Actor, Description, Power (or Influence), then a position "
                         "and a salience column per dimension",
                         found=", ".join(header[:3]))
    if (len(header) - 3) % 2:
        raise ParseError("the header has a position column without its salience column",
                         source=src, location=f"row {row2}",
                         expected="a position and a salience column per dimension",
                         found=f"{len(header) - 3} columns after {header[2]}")
    if (len(header) - 3) // 2 != n_dims:
        raise ValidationError("the header does not match the declared number of dimensions",
                              source=src, location=f"row {row2}",
                              expected=f"{n_dims} position/salience column pairs (row "
                              f"{row1} declares {n_dims} dimension(s))",
                              found=f"{(len(header) - 3) // 2} pair(s)")
    problems: list[InputError] = []
    i_taken: set[str] = set()
    issues = []
    for d in range(n_dims):
        name = _dimension_name(header[3 + 2 * d])
        iid = make_id(name, i_taken, prefix="i")
        issue: dict[str, Any] = {"id": iid}
        if name != iid:
            issue["name"] = name
        issues.append(issue)
    actor_rows = rows[2:]
    if len(actor_rows) != n_actors:
        problems.append(ValidationError(
            "the number of actor rows does not match the declared number of actors",
            source=src, location=f"row {row1}",
            expected=f"{n_actors} actor row(s) as row {row1} declares",
            found=f"{len(actor_rows)}"))
    a_taken: set[str] = set()
    first_row: dict[str, int] = {}
    actors: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    rowmap: dict[str, str] = {}
    width = 3 + 2 * n_dims
    for row, cells in actor_rows:
        where = f"row {row}"
        while len(cells) > width and not cells[-1]:
            cells.pop()
        if len(cells) != width:
            problems.append(ValidationError(
                "the actor row has the wrong number of cells", source=src, location=where,
                expected=f"{width} cells (actor, description, power, then a position and "
                f"a salience for each of {n_dims} dimension(s))", found=f"{len(cells)}"))
            continue
        name = cells[0]
        if not name:
            problems.append(ValidationError("the actor name is missing", source=src,
                                            location=where, expected="a name",
                                            found="an empty cell"))
            continue
        if name in first_row:
            problems.append(ValidationError(
                f"duplicate actor {name!r} (first in row {first_row[name]})", source=src,
                location=where, expected="each actor once"))
            continue
        first_row[name] = row
        values: list[float | None] = []
        for k, (text, what) in enumerate(
            [(cells[2], header[2].lower())]
            + [(cells[3 + j], f"{'position' if j % 2 == 0 else 'salience'} on "
                f"{issues[j // 2]['id']}") for j in range(2 * n_dims)]
        ):
            try:
                value: float | None = parse_number(text, what)
            except CellError as exc:
                problems.append(exc.at(src, where))
                value = None
            else:
                assert value is not None
                if k == 0 and value < 0:
                    problems.append(ValidationError(f"the {what} is negative", source=src,
                                                    location=where, expected="0 or more",
                                                    found=f"{value:g}"))
                elif k > 0 and not 0.0 <= value <= 100.0:
                    problems.append(ValidationError(f"the {what} is outside 0–100",
                                                    source=src, location=where,
                                                    expected="a value between 0 and 100",
                                                    found=f"{value:g}"))
            values.append(value)
        aid = make_id(name, a_taken, prefix="a")
        actor: dict[str, Any] = {"id": aid, "capability": values[0]}
        if name != aid:
            actor["name"] = name
        if cells[1]:
            actor["description"] = cells[1]
        rowmap[f"actors[{len(actors)}]"] = where
        actors.append(actor)
        for d in range(n_dims):
            rowmap[f"stances[{len(stances)}]"] = where
            stances.append({"actor": aid, "issue": issues[d]["id"],
                            "position": values[1 + 2 * d], "salience": values[2 + 2 * d]})
    raise_problems(problems, src)
    data: dict[str, Any] = {
        "id": path.stem,
        "meta": {"title": meta[0], "summary": meta[1]},
        "salience_scale": "0-100",
        "issues": issues,
        "actors": actors,
        "stances": stances,
    }
    return from_dict(data, source=src, rows=rowmap)


# --- XML ----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _text(el: ET.Element | None) -> str:
    return "" if el is None or el.text is None else el.text.strip()


def parse_xml(text: str, source: str) -> ET.Element:
    """Parse XML text safely: DOCTYPE and ENTITY declarations are refused.

    Raises:
        ParseError: a DTD or entity declaration, or XML that does not parse.
    """
    if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, flags=re.IGNORECASE):
        raise ParseError("the XML declares a DOCTYPE or an ENTITY, which summitry does not "
                         "accept (entities can expand a small file into gigabytes)",
                         source=source, expected="plain XML without <!DOCTYPE> or <!ENTITY>")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = exc.position
        msg = str(exc).split(":")[0]
        raise ParseError(f"not valid XML: {msg}", source=source,
                         location=f"line {line}, column {col + 1}") from None


def read_xml(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse a KTAB XML scenario into a validated scenario.

    Args:
        path: the file.
        raw: its bytes.
        **options: ``empty="skip"`` (default: an empty ``<dCoord>``/``<dSal>`` means no
            stance on that dimension) or ``empty="error"``.

    Raises:
        ParseError: not XML, a DOCTYPE/ENTITY, or not a KTAB ``<Scenario>``.
        ValidationError: values break the format or the scenario's rules; every bad
            element is listed in ``problems``.
    """
    src = str(path)
    empty = _check_options(options, src)
    root = parse_xml(decode_text(raw, src), src)
    if _local(root.tag) != "Scenario":
        raise ParseError("the XML is not a KTAB scenario", source=src, location="root",
                         expected="a <Scenario> root element", found=f"<{_local(root.tag)}>")
    problems: list[InputError] = []

    def bad(where: str, message: str, expected: str | None = None,
            found: object = None) -> None:
        problems.append(ValidationError(message, source=src, location=where,
                                        expected=expected, found=found))

    def number(el: ET.Element | None, where: str, what: str) -> float | None:
        try:
            return parse_number(_text(el), what)
        except CellError as exc:
            problems.append(exc.at(src, where))
            return None

    params = _params(root, bad)
    dims = _children(_child(root, "Dimensions"), "dName")
    if not dims:
        raise ParseError("the scenario has no dimensions", source=src, location="Dimensions",
                         expected="a <Dimensions> element with one <dName> per dimension")
    i_taken: set[str] = set()
    issues = []
    for d, el in enumerate(dims, start=1):
        name = _text(el) or f"dim{d}"
        iid = make_id(name, i_taken, prefix="i")
        issues.append({"id": iid, **({"name": name} if name != iid else {})})
    actor_els = _children(_child(root, "Actors"), "Actor")
    a_taken: set[str] = set()
    ids: dict[str, str] = {}
    actors: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    rowmap: dict[str, str] = {}
    for k, el in enumerate(actor_els, start=1):
        name = _text(_child(el, "name"))
        base = f"Actors/Actor[{k}]" + (f" ({name})" if name else "")
        if not name:
            bad(base, "the actor has no <name>", expected="a name", found="an empty value")
            continue
        if name in ids:
            bad(base, f"duplicate actor {name!r}", expected="each actor once")
            continue
        aid = make_id(name, a_taken, prefix="a")
        ids[name] = aid
        cap = number(_child(el, "capability"), f"{base}/capability", "capability")
        if cap is not None and cap < 0:
            bad(f"{base}/capability", "the capability is negative", "0 or more", f"{cap:g}")
        actor: dict[str, Any] = {"id": aid, "capability": cap}
        if name != aid:
            actor["name"] = name
        desc = _text(_child(el, "description"))
        if desc:
            actor["description"] = desc
        rowmap[f"actors[{len(actors)}]"] = base
        actors.append(actor)
        coords = _children(_child(el, "Position"), "dCoord")
        sals = _children(_child(el, "Salience"), "dSal")
        for what, got, tag in (("Position", coords, "dCoord"), ("Salience", sals, "dSal")):
            if len(got) != len(dims):
                bad(f"{base}/{what}", f"the actor's <{what}> has the wrong number of "
                    f"<{tag}> values", f"{len(dims)}, one per dimension", f"{len(got)}")
        for d in range(min(len(coords), len(sals), len(dims))):
            cells = ((coords[d], "dCoord", "position"), (sals[d], "dSal", "salience"))
            if any(not _text(c) for c, _, _ in cells) and empty == "skip":
                continue  # documented: an empty value means no stance on this dimension
            values = []
            for c, tag, what in cells:
                where = f"{base}/{'Position' if tag == 'dCoord' else 'Salience'}/{tag}[{d + 1}]"
                label = f"{what} on {issues[d]['id']}"
                v = number(c, where, label)
                if v is not None and not 0.0 <= v <= 100.0:
                    bad(where, f"the {label} is outside 0–100", "a value between 0 and 100",
                        f"{v:g}")
                values.append(v)
            rowmap[f"stances[{len(stances)}]"] = f"{base}, dimension {d + 1}"
            stances.append({"actor": aid, "issue": issues[d]["id"], "position": values[0],
                            "salience": values[1]})
    ktab = _ideal_adjustment(root, ids, bad)
    raise_problems(problems, src)
    data: dict[str, Any] = {
        "id": path.stem,
        "meta": {"title": _text(_child(root, "name")), "summary": _text(_child(root, "desc"))},
        "salience_scale": "0-100",
        "issues": issues,
        "actors": actors,
        "stances": stances,
    }
    model_params: dict[str, dict[str, Any]] = {}
    if params or ktab:
        model_params["smp"] = dict(params)
    if ktab:  # the SMP model takes KTAB's <IdealAdjustment> pairs as its accommodation
        model_params["smp"]["accommodation"] = ktab["ideal_adjustment"]
    if model_params:
        data["model_params"] = model_params
    return from_dict(data, source=src, rows=rowmap)


def _params(root: ET.Element, bad: _Bad) -> dict[str, Any]:
    from summitry.models.smp import ktab_parameters

    params: dict[str, Any] = {}
    block = _child(root, "ModelParameters")
    for el in [] if block is None else list(block):
        tag = _local(el.tag)
        if not _text(el):
            continue  # documented: an empty value leaves the model's default
        try:
            params.update(ktab_parameters({tag: _text(el)}))
        except SummitryError as exc:
            bad(f"ModelParameters/{tag}", str(exc), found=_text(el))
    seed = _text(_child(root, "prngSeed"))
    if seed:
        if not re.fullmatch(r"\d+", seed) or int(seed) >= 2**64:
            bad("prngSeed", "the PRNG seed is not a whole number in 0 … 2^64 − 1",
                "an unsigned 64-bit integer", seed)
        else:
            params["seed"] = int(seed)
    return params


def _ideal_adjustment(root: ET.Element, ids: dict[str, str], bad: _Bad) -> dict[str, Any]:
    pairs = []
    for k, el in enumerate(_children(_child(root, "IdealAdjustment"), "iaPair"), start=1):
        where = f"IdealAdjustment/iaPair[{k}]"
        entry: dict[str, Any] = {}
        for tag, key in (("adjustingIdeal", "actor"), ("referencePos", "reference")):
            name = _text(_child(el, tag))
            if name not in ids:
                bad(f"{where}/{tag}", f"unknown actor {name!r}{suggest(name, list(ids))}",
                    "the name of an actor in <Actors>", name)
            else:
                entry[key] = ids[name]
        try:
            entry["adjust"] = parse_number(_text(_child(el, "adjust")), "adjustment")
        except CellError as exc:
            bad(f"{where}/adjust", exc.message, exc.expected, exc.found)
        pairs.append(entry)
    return {"ideal_adjustment": pairs} if pairs else {}
