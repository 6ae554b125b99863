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

import importlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from summitry.errors import ParseError, SummitryError
from summitry.io._common import from_dict, read_bytes, save, to_yaml_text
from summitry.io.convert import convert
from summitry.scenario import Scenario

__all__ = [
    "convert",
    "detect_format",
    "from_dict",
    "load",
    "load_many",
    "save",
    "to_yaml_text",
]

_DECIDE_TAG = re.compile(r"""['"]?#[APMDapmd](?![A-Za-z0-9_])""")

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
    if any(_DECIDE_TAG.match(ln) for ln in lines[:200]):
        return "decide"
    if lines and lines[0].lower().lstrip("\"'").startswith("prnrnmc"):
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


_READERS: dict[str, tuple[str, str]] = {
    "yaml": ("yaml", "read"),
    "decide": ("decide", "read"),
    "ktab-csv": ("ktab", "read_csv"),
    "ktab-xml": ("ktab", "read_xml"),
    "table": ("table", "read_csv"),
    "xlsx": ("table", "read_xlsx"),
    "deu": ("deu", "read"),
}


def _reader(fmt: str, attr: str | None = None) -> Callable[..., Any]:
    """The reading function for ``fmt`` (imported lazily: readers may need extras)."""
    if fmt not in _READERS:
        raise SummitryError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    module, func = _READERS[fmt]
    name = f"summitry.io.{module}"
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise SummitryError(f"the {fmt} format is not available in this installation") from None
    reader: Callable[..., Any] = getattr(mod, attr or func)
    return reader


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
    reader = _reader(fmt)
    try:
        scenario: Scenario = reader(p, raw, **options)
    except SummitryError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError, OverflowError,
            RecursionError) as exc:
        raise ParseError(
            f"cannot read the file as {fmt}: {exc}", source=str(p)
        ) from exc
    return scenario


def load_many(path: str | os.PathLike[str], **options: Any) -> list[Scenario]:
    """Read a file that holds several scenarios (a DEU III file: one per issue)."""
    p = Path(path)
    raw = read_bytes(p)
    fmt = detect_format(p, raw)
    if fmt == "deu":
        scenarios: list[Scenario] = _reader("deu", "read_all")(p, raw, **options)
        return scenarios
    return [load(p, **options)]
