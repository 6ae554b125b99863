"""Errors as RFC 9457 problem details (``application/problem+json``) with field paths.

Every error the web app answers is one JSON object::

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "2 problems in the scenario",
     "errors": [{"path": "scenario.stances[3].position",
                 "message": "160 is outside the scale of 'x' [0, 100]",
                 "expected": "a position between 0 and 100", "found": "160"}]}

``errors`` lists one entry per problem; ``path`` locates it: a key path into the JSON body
(``scenario.actors[2].capability``, ``draws``), a query or path parameter
(``query.draws``, ``path.version``), or a row of an uploaded file (``row 86``). The pages
show the same entries beside the form field they belong to (:func:`field_name`).

The functions here are pure (no FastAPI): they turn :class:`~summitry.errors.InputError`,
pydantic errors and form problems into these entries, so they are unit-tested directly.
"""

from __future__ import annotations

import http
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from summitry.errors import InputError, SummitryError

__all__ = [
    "PROBLEM_TYPE",
    "ProblemError",
    "field_name",
    "input_error_entries",
    "join_path",
    "problem_body",
    "pydantic_entries",
]

#: The media type of every error response.
PROBLEM_TYPE = "application/problem+json"

_MAX_FOUND = 200


def _found_text(value: object) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_FOUND else text[: _MAX_FOUND - 1] + "…"


class ProblemError(Exception):
    """An error answered as a problem document.

    Args:
        status: the HTTP status (4xx for anything the client can fix).
        detail: one sentence saying what is wrong and what to do.
        errors: field-level entries (``{"path", "message", "expected"?, "found"?}``).
        title: a short title (default: the status phrase).
        headers: extra response headers.
        extra: extra top-level members of the document.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = [dict(e) for e in errors]
        self.title = title
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The problem document of this error."""
        return problem_body(self.status, self.detail, errors=self.errors, title=self.title,
                            **self.extra)

    @classmethod
    def not_found(cls, kind: str, name: object, known: Iterable[str] = ()) -> ProblemError:
        """404 for an unknown id, naming the known ones (at most 20)."""
        shown = list(known)[:20]
        hint = f"; known: {', '.join(shown)}" if shown else ""
        return cls(404, f"unknown {kind} {name!r}{hint}", title="Not Found")

    @classmethod
    def from_summitry(cls, exc: SummitryError, *, prefix: str = "",
                      status: int = 422) -> ProblemError:
        """A 4xx problem from a library error; an :class:`InputError` keeps its field paths."""
        if isinstance(exc, InputError):
            entries = input_error_entries(exc, prefix=prefix)
            detail = exc.reason if exc.problems else _one_line(exc)
            return cls(status, detail, errors=entries)
        return cls(status, _one_line(exc))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def problem_body(status: int, detail: str, *, errors: Sequence[Mapping[str, Any]] = (),
                 title: str | None = None, **extra: Any) -> dict[str, Any]:
    """A problem document (RFC 9457) with an ``errors`` list.

    >>> problem_body(404, "unknown scenario 'x'")["title"]
    'Not Found'
    """
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail,
        "errors": [dict(e) for e in errors],
    }
    body.update(extra)
    return body


def join_path(prefix: str, path: str) -> str:
    """``prefix`` + ``path`` as one key path.

    >>> join_path("scenario", "stances[3].position"), join_path("scenario", "")
    ('scenario.stances[3].position', 'scenario')
    >>> join_path("", "row 7"), join_path("scenario", "[2]")
    ('row 7', 'scenario[2]')
    """
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def _entry(path: str, message: str, expected: str | None = None,
           found: object = None) -> dict[str, Any]:
    out: dict[str, Any] = {"path": path, "message": message}
    if expected is not None:
        out["expected"] = expected
    text = _found_text(found)
    if text is not None:
        out["found"] = text
    return out


def input_error_entries(exc: InputError, *, prefix: str = "") -> list[dict[str, Any]]:
    """One entry per problem of ``exc`` (itself, when it lists none).

    Row locations of uploaded files (``row 86``) stay as they are; key paths get
    ``prefix`` (``scenario``) in front.
    """
    items = exc.problems or [exc]
    out = []
    for p in items:
        loc = p.location or ""
        path = loc if loc.startswith("row") else join_path(prefix, loc)
        out.append(_entry(path, p.reason, p.expected, p.found))
    return out


def pydantic_entries(errors: Iterable[Mapping[str, Any]], *,
                     drop_body: bool = True) -> list[dict[str, Any]]:
    """Entries from pydantic/FastAPI validation errors (``loc`` tuples → key paths).

    FastAPI prefixes body fields with ``body``; that prefix is dropped so paths read like
    the JSON the client sent (``draws``, ``scenario.actors[0].id``); query and path
    parameters keep ``query.``/``path.``.

    >>> pydantic_entries([{"loc": ("body", "draws"), "msg": "too big", "input": 9}])
    [{'path': 'draws', 'message': 'too big', 'found': '9'}]
    """
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if drop_body and loc and loc[0] == "body":
            loc = loc[1:]
        path = ""
        for part in loc:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path += ("." if path else "") + str(part)
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        found = err.get("input")
        if isinstance(found, (dict, list)) or err.get("type") == "missing":
            found = None
        out.append(_entry(path or "body", msg, found=found))
    return out


_PATH = re.compile(r"^(?P<section>[a-z_]+)\[(?P<row>\d+)\](?:\.(?P<field>[a-z_]+))?")


def field_name(path: str) -> str:
    """The form field name of a key path: ``stances[3].position`` → ``stances-3-position``.

    Paths that do not point into a list keep their dots as dashes (``meta.title`` →
    ``meta-title``); a row without a field names the row (``issues[2]`` → ``issues-2``).

    >>> field_name("stances[3].position"), field_name("issues[2]"), field_name("meta.title")
    ('stances-3-position', 'issues-2', 'meta-title')
    """
    m = _PATH.match(path)
    if m:
        name = f"{m['section']}-{m['row']}"
        return f"{name}-{m['field']}" if m["field"] else name
    return path.replace(".", "-")
