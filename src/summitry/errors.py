"""The one error hierarchy of summitry.

Every error a user can cause is a :class:`SummitryError`; the CLI turns it into a
one-paragraph message and exit code 2, never a traceback::

    SummitryError
    ├── InputError            a file or value the user gave is wrong
    │   ├── ParseError        the file cannot be read in its format at all
    │   └── ValidationError   the file parses, but a value breaks a rule
    ├── ModelError            a model cannot solve the problem it was given
    ├── UnknownNameError      an unknown model, issue, actor, outcome, signal … name
    └── MissingExtraError     an optional dependency is not installed

An :class:`InputError` carries where the problem is (``source``: file name, ``location``:
row number or key path), what was ``expected`` and what was ``found``, so the message
reads the same from every importer.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "InputError",
    "MissingExtraError",
    "ModelError",
    "ParseError",
    "SummitryError",
    "UnknownNameError",
    "ValidationError",
]


class SummitryError(Exception):
    """Base class of every error summitry raises on purpose."""


class InputError(SummitryError):
    """A file or value given by the user is wrong.

    Args:
        message: what is wrong, in one sentence.
        source: the file (or other input) the problem is in.
        location: the row number (``"row 7"``) or key path (``"actors[2].capability"``).
        expected: what a valid value looks like.
        found: what was found instead.
        problems: several problems of one input, each an :class:`InputError`;
            the message lists them all.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        location: str | None = None,
        expected: str | None = None,
        found: object = None,
        problems: list[InputError] | None = None,
    ) -> None:
        self.reason = message
        self.source = source
        self.location = location
        self.expected = expected
        self.found = found
        self.problems = list(problems or [])
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_input_error, (type(self), self.reason, self.source, self.location,
                                       self.expected, self.found, self.problems))

    def _render(self) -> str:
        where = ", ".join(p for p in (self.source, self.location) if p)
        text = f"{where}: {self.reason}" if where else self.reason
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.found is not None:
            found = self.found if isinstance(self.found, str) else repr(self.found)
            if len(found) > 80:
                found = found[:77] + "..."
            text += f", found {found}"
        for sub in self.problems:
            line = str(sub)
            if sub.source and sub.source == self.source:
                line = line.removeprefix(f"{sub.source}, ").removeprefix(f"{sub.source}: ")
            text += "\n  - " + line
        return text


def _rebuild_input_error(cls: type[InputError], reason: str, source: str | None,
                         location: str | None, expected: str | None, found: object,
                         problems: list[InputError]) -> InputError:
    return cls(reason, source=source, location=location, expected=expected, found=found,
               problems=problems)


class ParseError(InputError):
    """The input cannot be read in its format at all (empty, binary, wrong delimiter …)."""


class ValidationError(InputError):
    """The input parses, but a value breaks one of the scenario's rules."""


class ModelError(SummitryError):
    """A model cannot solve the problem it was given (and says why)."""


class UnknownNameError(SummitryError):
    """A name (model, issue, actor, outcome, signal, option) that does not exist."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]) -> None:
        self.kind = kind
        self.name = name
        self.known = tuple(known)
        shown = ", ".join(self.known[:20]) + (" …" if len(self.known) > 20 else "")
        super().__init__(f"unknown {kind} {name!r}; expected one of: {shown}")

    def __reduce__(self) -> tuple[type, tuple[str, str, tuple[str, ...]]]:
        # picklable, so that an error raised in a process-pool or Dask worker arrives whole
        return (type(self), (self.kind, self.name, self.known))


class MissingExtraError(SummitryError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, feature: str, extra: str) -> None:
        self.feature = feature
        self.extra = extra
        super().__init__(
            f"{feature} needs an optional dependency: install it with "
            f"pip install 'summitry[{extra}]'"
        )

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.feature, self.extra))
