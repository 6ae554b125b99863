"""Shared plumbing of the readers: bytes in, validated :class:`Scenario` out.

Besides :func:`from_dict` and the writers, this module holds the small helpers every
tabular reader (``decide``, ``ktab``, ``table``) shares, so that they read text, numbers
and names the same way and word their errors alike:

- :func:`decode_text` — UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252
  as a last resort (what Excel writes); binary data is refused.
- :func:`read_rows` — split text into ``(row number, cells)`` with :mod:`csv`, row numbers
  being the file's 1-based line numbers so that errors point at what an editor shows.
- :func:`parse_number` — a finite decimal number (optionally with a decimal comma), or a
  :class:`CellError` saying what was expected and found.
- :func:`make_id` — a scenario id (``EU (incl Norway)`` → ``EU_incl_Norway``) that is
  also a valid issue name in outcome rules; the original text is kept as the ``name``.
- :func:`split_capability` — a per-issue capability as one overall value plus exceptions.
- :func:`raise_problems` — one error listing every problem found.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pydantic
import yaml

from summitry.errors import InputError, ParseError, ValidationError
from summitry.scenario import Scenario

__all__ = [
    "CellError",
    "Row",
    "atomic_write",
    "decode_text",
    "from_dict",
    "make_id",
    "parse_number",
    "raise_problems",
    "read_bytes",
    "read_rows",
    "save",
    "split_capability",
    "suggest",
    "to_yaml_text",
]

MAX_BYTES = 50 * 1024 * 1024
MAX_PROBLEMS = 50
"""At most this many problems are listed in one error (the count names them all)."""

Row = tuple[int, list[str]]
"""A row of a tabular file: its 1-based line number and its cells (stripped)."""


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
            if not loc and ("\n" in msg or ": " in msg):
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


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the classic read-by-setting, restored at once
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike[str], text: str | bytes) -> Path:
    """Write ``text`` to ``path`` atomically.

    A temporary file in the same folder, fsync, then ``os.replace``: an interrupted
    write leaves the old file untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file 0600; keep the mode an ordinary write would give: the
        # existing file's, or 0666 minus the umask for a new file
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def save(scenario: Scenario, path: str | os.PathLike[str]) -> None:
    """Write ``scenario`` as YAML (or JSON for a ``.json`` path), atomically."""
    target = Path(path)
    if target.suffix.lower() == ".json":
        import json

        atomic_write(target, json.dumps(scenario.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        atomic_write(target, to_yaml_text(scenario))


# --- helpers of the tabular readers --------------------------------------------------------


class CellError(ValueError):
    """One cell is not what it should be.

    The reader turns it into an :class:`InputError` at the row the cell is in.

    Args:
        message: what is wrong.
        expected: what a valid cell looks like.
        found: what the cell holds.
    """

    def __init__(self, message: str, *, expected: str | None = None, found: object = None):
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.found = found

    def at(self, source: str, location: str) -> ValidationError:
        """This problem as a :class:`ValidationError` at ``location`` of ``source``."""
        return ValidationError(self.message, source=source, location=location,
                               expected=self.expected, found=self.found)


def decode_text(raw: bytes, source: str) -> str:
    """The text of a file: UTF-8 (BOM optional), UTF-16 with a BOM, else Windows-1252.

    Raises:
        ParseError: binary data (NUL bytes) or bytes no supported encoding can read.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError("the file starts with a UTF-16 mark but is not UTF-16 text",
                             source=source, location=f"byte {exc.start}") from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise ParseError("the file is not text", source=source,
                                 location=f"byte {exc.start}", expected="UTF-8 text",
                                 found=f"the byte {raw[exc.start]:#04x}") from None
    if "\x00" in text:
        raise ParseError("the file is binary, not text", source=source,
                         expected="a text file", found="NUL bytes")
    return text


def sniff_header_delimiter(
    text: str, source: str, delimiters: Sequence[str], known: Callable[[str], bool]
) -> str:
    """The delimiter (first of ``delimiters`` on ties) under which the first non-empty
    line splits into the most header cells that ``known`` recognises."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    best, score = delimiters[0], -1
    for delim in delimiters:
        try:
            head = read_rows(first, source, delimiter=delim)
        except ParseError:
            continue
        cells = head[0][1] if head else []
        n = sum(1 for c in cells if known(c))
        if n > score:
            best, score = delim, n
    return best


def read_rows(text: str, source: str, *, delimiter: str, quotechar: str = '"') -> list[Row]:
    """Split ``text`` into rows of stripped cells; rows with only empty cells are dropped.

    Each row carries the line number it starts on (1-based), so a quoted cell spanning
    several lines does not shift the numbers of the rows after it.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        quotechar=quotechar, skipinitialspace=True)
    rows: list[Row] = []
    last = 0
    try:
        for cells in reader:
            start = last + 1
            last = reader.line_num
            stripped = [c.strip() for c in cells]
            if any(stripped):
                rows.append((start, stripped))
    except csv.Error as exc:
        raise ParseError(f"cannot split the row into cells: {exc}", source=source,
                         location=f"row {last + 1}") from None
    return rows


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_NOT_FINITE = {"nan", "inf", "infinity", "-nan", "+nan"}


def parse_number(cell: str, what: str, *, decimal_comma: bool = False) -> float:
    """``cell`` as a finite float.

    Args:
        cell: the cell's text.
        what: what the number is (``"position"``), for the message.
        decimal_comma: also accept ``0,5`` (for files whose delimiter is not a comma).

    Raises:
        CellError: the cell is empty, not a number, NaN or infinite.
    """
    text = cell.strip()
    if decimal_comma and _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    if not text:
        raise CellError(f"the {what} is missing", expected="a number", found="an empty cell")
    if text.lower().lstrip("+-") in _NOT_FINITE:
        raise CellError(f"the {what} is not a finite number", expected="a finite number",
                        found=text)
    if not _NUMBER.fullmatch(text):
        raise CellError(f"the {what} is not a number", expected="a number", found=text)
    value = float(text)
    if not math.isfinite(value):
        raise CellError(f"the {what} is too large", expected="a finite number", found=text)
    return value


_RULE_WORDS = {"and", "or", "not", "true", "otherwise", "else"}


def make_id(name: str, taken: set[str], *, prefix: str) -> str:
    """A unique id for ``name`` that is also a valid name in outcome rules.

    Accents are dropped, every run of characters other than letters, digits, ``_``,
    ``.`` and ``-`` becomes ``_``; an id that would not start with a letter gets
    ``prefix`` + ``_`` in front, a clash gets ``_2``, ``_3`` … appended. The new id is
    added to ``taken``.

    >>> make_id("EU (incl Norway)", set(), prefix="a")
    'EU_incl_Norway'
    >>> make_id("2020 target", set(), prefix="i")
    'i_2020_target'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("_.-")[:100]
    if not slug or not (slug[0].isascii() and slug[0].isalpha()):
        slug = f"{prefix}_{slug}" if slug else prefix
    if slug.lower() in _RULE_WORDS:
        slug += "_"
    out, n = slug, 2
    while out in taken:
        out = f"{slug}_{n}"
        n += 1
    taken.add(out)
    return out


def split_capability(values: Sequence[tuple[str, float]]) -> tuple[float, dict[str, float]]:
    """One actor's per-issue capabilities as an overall value plus per-issue exceptions.

    The overall value is the most common one (the first of equally common ones), so a
    file with one power per actor gives no exceptions, and nothing is lost otherwise.

    >>> split_capability([("a", 0.5), ("b", 0.2), ("c", 0.5)])
    (0.5, {'b': 0.2})
    """
    if not values:
        return 1.0, {}
    counts = Counter(v for _, v in values)
    most = max(counts.values())
    base = next(v for _, v in values if counts[v] == most)
    return base, {issue: v for issue, v in values if v != base}


def suggest(name: str, known: Sequence[str]) -> str:
    """``" (did you mean 'X'?)"`` for a close known name, else ``""``."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def raise_problems(problems: Sequence[InputError], source: str) -> None:
    """Raise the one problem, or a :class:`ValidationError` listing them all; no-op if none.

    Problems located at rows are listed in row order, the others after them.
    """
    if not problems:
        return
    if len(problems) == 1:
        raise problems[0]

    def order(p: InputError) -> tuple[int, int]:
        m = re.match(r"row (\d+)", p.location or "")
        return (0, int(m.group(1))) if m else (1, 0)

    shown = sorted(problems, key=order)[:MAX_PROBLEMS]
    more = f" (the first {MAX_PROBLEMS} are listed)" if len(problems) > MAX_PROBLEMS else ""
    raise ValidationError(f"{len(problems)} problems in the file{more}", source=source,
                          problems=shown)
