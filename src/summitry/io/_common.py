"""Shared plumbing of the readers: bytes in, validated :class:`Scenario` out."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pydantic
import yaml

from summitry.errors import InputError, ParseError, ValidationError
from summitry.scenario import Scenario

__all__ = ["atomic_write", "from_dict", "read_bytes", "save", "to_yaml_text"]

MAX_BYTES = 50 * 1024 * 1024


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or a clear error (missing, a directory, empty, too large)."""
    src = str(path)
    if not path.exists():
        raise ParseError("file not found", source=src, expected="an existing file")
    if path.is_dir():
        raise ParseError("is a directory", source=src, expected="a file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ParseError("file too large", source=src, expected=f"at most {MAX_BYTES} bytes",
                         found=f"{size} bytes")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}", source=src) from exc
    if not raw.strip():
        raise ParseError("the file is empty", source=src, expected="a scenario")
    return raw


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def from_dict(data: Any, *, source: str = "<data>", rows: dict[str, str] | None = None) -> Scenario:
    """Validate a plain mapping into a :class:`Scenario`.

    ``rows`` maps key paths such as ``stances[3]`` to a row description (``row 17``) so
    that errors in a converted file point at the original row.
    """
    if not isinstance(data, dict):
        raise ParseError(
            "the scenario is not a mapping", source=source,
            expected="a mapping with keys issues, actors, stances",
            found=type(data).__name__,
        )
    try:
        return Scenario.model_validate(data)
    except pydantic.ValidationError as exc:
        problems: list[InputError] = []
        for err in exc.errors():
            loc = _loc(tuple(err["loc"]))
            msg = str(err["msg"]).removeprefix("Value error, ")
            if not loc and "\n" in msg or (not loc and ": " in msg):
                for line in msg.split("\n"):
                    path, _, text = line.partition(": ")
                    problems.append(_problem(source, path, text, rows))
                continue
            found = err.get("input")
            if isinstance(found, (dict, list)):
                found = None
            problems.append(_problem(source, loc, msg, rows, found=found))
        if len(problems) == 1:
            raise problems[0] from None
        raise ValidationError(
            f"{len(problems)} problems in the scenario", source=source, problems=problems
        ) from None


def _problem(source: str, path: str, msg: str, rows: dict[str, str] | None,
             found: Any = None) -> ValidationError:
    where = path
    if rows:
        head = path.split(".")[0]
        if head in rows:
            where = f"{rows[head]} ({path})"
    return ValidationError(msg, source=source, location=where or None, found=found)


def to_yaml_text(scenario: Scenario) -> str:
    """The scenario as summitry YAML (lossless: :func:`from_dict` reads it back equal)."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def atomic_write(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file in the same folder,
    fsync, then ``os.replace``. An interrupted write leaves the old file untouched."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(scenario: Scenario, path: str | os.PathLike[str]) -> None:
    """Write ``scenario`` as YAML (or JSON for a ``.json`` path), atomically."""
    target = Path(path)
    if target.suffix.lower() == ".json":
        import json

        atomic_write(target, json.dumps(scenario.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        atomic_write(target, to_yaml_text(scenario))
