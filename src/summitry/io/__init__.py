"""Reading and writing scenarios in every format our users already have.

:func:`load` picks the reader by content (not only by extension):

========================== =============================================== ==============
format                     recognised by                                   module
========================== =============================================== ==============
summitry YAML / JSON       a mapping with ``issues``/``actors``/``stances`` ``io.yaml``
decide-exchange-model      rows tagged ``#A`` / ``#P`` / ``#M`` / ``#D``    ``io.decide``
KTAB wide CSV              header row ``Actor,Description,Power|Influence`` ``io.ktab``
KTAB XML                   ``<Scenario>`` root with ``<Actors>``            ``io.ktab``
tidy long CSV / XLSX       columns actor, issue, position, salience, …     ``io.table``
DEU III                    ``prnrnmc;isnrnmc;…`` header                     ``io.deu``
========================== =============================================== ==============

Every reader raises :class:`~summitry.errors.InputError` naming the file, the row or key,
what was expected and what was found. :func:`save` writes YAML atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from summitry.errors import ParseError, SummitryError
from summitry.io._common import from_dict, read_bytes, save, to_yaml_text
from summitry.scenario import Scenario

__all__ = ["detect_format", "from_dict", "load", "load_many", "save", "to_yaml_text"]

FORMATS = ("yaml", "decide", "ktab-csv", "ktab-xml", "table", "xlsx", "deu")


def detect_format(path: str | os.PathLike[str], data: bytes | None = None) -> str:
    """Name the format of ``path`` from its content (and extension as a tie-breaker)."""
    p = Path(path)
    raw = read_bytes(p) if data is None else data
    if raw[:4] == b"PK\x03\x04" or p.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    text = raw.decode("utf-8-sig", errors="replace").lstrip()
    head = text[:4000]
    if head.startswith("<"):
        return "ktab-xml"
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()]
    if any(ln[:2] in ("#A", "#P", "#D", "#M") for ln in lines[:200]):
        return "decide"
    if lines and lines[0].lower().startswith("prnrnmc"):
        return "deu"
    if len(lines) >= 2 and lines[1].replace(" ", "").lower().startswith(
        ("actor,description,power", "actor,description,influence")
    ):
        return "ktab-csv"
    if p.suffix.lower() in (".yaml", ".yml", ".json") or head.startswith(("{", "---", "schema")):
        return "yaml"
    if p.suffix.lower() in (".csv", ".tsv", ".txt"):
        return "table"
    return "yaml"


def load(path: str | os.PathLike[str], *, format: str | None = None, **options: Any) -> Scenario:
    """Read a scenario from ``path`` in any supported format (auto-detected).

    Args:
        path: the file.
        format: force a format (one of ``FORMATS``) instead of detecting it.
        **options: reader options (e.g. ``issue=`` or ``capability=`` for DEU files).

    Raises:
        InputError: the file is missing, unreadable or invalid; the message names the
            file, the row or key, what was expected and what was found.
    """
    p = Path(path)
    raw = read_bytes(p)
    fmt = format or detect_format(p, raw)
    if fmt == "yaml":
        from summitry.io import yaml as reader
    elif fmt == "decide":
        from summitry.io import decide as reader  # type: ignore[no-redef]
    elif fmt in ("ktab-csv", "ktab-xml"):
        from summitry.io import ktab as reader  # type: ignore[no-redef]
    elif fmt in ("table", "xlsx"):
        from summitry.io import table as reader  # type: ignore[no-redef]
    elif fmt == "deu":
        from summitry.io import deu as reader  # type: ignore[no-redef]
    else:
        raise SummitryError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    try:
        return reader.read(p, raw, **options)
    except SummitryError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError, OverflowError) as exc:
        raise ParseError(
            f"cannot read the file as {fmt}: {exc}", source=str(p)
        ) from exc


def load_many(path: str | os.PathLike[str], **options: Any) -> list[Scenario]:
    """Read a file that holds several scenarios (a DEU III file: one per issue)."""
    p = Path(path)
    raw = read_bytes(p)
    fmt = detect_format(p, raw)
    if fmt == "deu":
        from summitry.io import deu

        return deu.read_all(p, raw, **options)
    return [load(p, **options)]
