"""summitry's own scenario format: YAML (JSON accepted, being a subset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from summitry.errors import ParseError
from summitry.io._common import from_dict
from summitry.scenario import Scenario

__all__ = ["read"]


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
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ParseError(f"not valid YAML: {problem}", source=str(path), location=where) from None
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not valid YAML: {exc}", source=str(path)) from None
    data = data if not isinstance(data, dict) else {str(k): v for k, v in data.items()}
    if isinstance(data, dict) and not data.get("id"):
        data["id"] = path.stem
    return from_dict(data, source=str(path))
