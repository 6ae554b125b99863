"""summitry's own scenario format: YAML (JSON accepted, being a subset).

The document is read with PyYAML's safe loader (no Python objects), libyaml's C version
when PyYAML was built with it (about 10× faster on the Alaska example). YAML aliases
(``*name``) are allowed, but a document whose aliases expand to more than
:data:`MAX_NODES` values (the YAML "billion laughs") or refer to themselves is refused
before validation walks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from summitry.errors import ParseError
from summitry.io._common import from_dict
from summitry.scenario import Scenario

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["MAX_NODES", "read"]

MAX_NODES = 1_000_000
"""The most values a document may hold once its aliases are expanded."""


def _expanded_size(data: Any, source: str) -> int:
    """The number of values in ``data`` with shared (aliased) parts counted each time."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(obj: Any) -> int:
        if not isinstance(obj, (list, dict)):
            return 1
        key = id(obj)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise ParseError("the YAML refers to itself through an alias", source=source,
                             expected="a document without recursive aliases")
        busy.add(key)
        items = list(obj.items()) if isinstance(obj, dict) else [(None, v) for v in obj]
        total = 1
        for _, v in items:
            total += size(v)
            if total > MAX_NODES:
                raise ParseError("the YAML expands to too many values (aliases)",
                                 source=source, expected=f"at most {MAX_NODES:,} values")
        busy.discard(key)
        sizes[key] = total
        return total

    return size(data)


def read(path: Path, raw: bytes, **options: Any) -> Scenario:
    """Parse YAML/JSON bytes from ``path`` into a validated scenario."""
    if options:
        raise ParseError(f"YAML files take no reader options, found {sorted(options)}",
                         source=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError("the file is not UTF-8 text", source=str(path),
                         location=f"byte {exc.start}") from None
    try:
        data = yaml.load(text, Loader=_LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ParseError(f"not valid YAML: {problem}", source=str(path), location=where) from None
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not valid YAML: {exc}", source=str(path)) from None
    try:
        _expanded_size(data, str(path))
    except RecursionError:
        raise ParseError("the YAML is nested too deeply", source=str(path)) from None
    data = data if not isinstance(data, dict) else {str(k): v for k, v in data.items()}
    if isinstance(data, dict) and not data.get("id"):
        data["id"] = path.stem
    return from_dict(data, source=str(path))
