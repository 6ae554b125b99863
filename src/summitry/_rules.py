"""A tiny, safe language for named-outcome rules.

A rule is a boolean expression over issue outcomes in the issue's own units::

    ceasefire >= 60 and (sanctions >= 40 or not arms_control < 20)

Grammar (no ``eval``): ``expr := term ('or' term)*``, ``term := factor ('and' factor)*``,
``factor := 'not' factor | '(' expr ')' | comparison | 'true' | 'otherwise'``,
``comparison := ISSUE OP NUMBER | NUMBER OP ISSUE``, ``OP`` one of ``< <= > >= == !=``.
Issue names are ids (letters, digits, ``_``, ``-``, ``.``). ``otherwise`` (or ``else``,
``true``) is the catch-all that makes a set of ordered rules exhaustive.

Rules are compiled once to a small tree and evaluated vectorised on arrays of draws.

>>> rule = parse_rule("a >= 60 and not b < 40")
>>> sorted(rule.issues())
['a', 'b']
>>> import numpy as np
>>> rule.evaluate({"a": np.array([70.0, 50.0]), "b": np.array([45.0, 45.0])}).tolist()
[True, False]
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Rule", "RuleSyntaxError", "parse_rule"]

BoolArray = NDArray[np.bool_]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<op><=|>=|==|!=|<|>)"
    r"|(?P<paren>[()])|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*))"
)
_CATCH_ALL = {"otherwise", "else", "true"}


class RuleSyntaxError(ValueError):
    """A rule that does not parse; the message says where and what was expected."""


@dataclass(frozen=True)
class Rule:
    """A compiled rule: a tree of ``("and"|"or", a, b)``, ``("not", a)``,
    ``("cmp", issue, op, value)`` and ``("true",)`` nodes."""

    text: str
    tree: tuple[object, ...]

    @property
    def is_catch_all(self) -> bool:
        return self.tree == ("true",)

    def issues(self) -> set[str]:
        """The issue ids this rule reads."""
        out: set[str] = set()

        def walk(node: tuple[object, ...]) -> None:
            if node[0] == "cmp":
                out.add(str(node[1]))
            for child in node[1:]:
                if isinstance(child, tuple):
                    walk(child)

        walk(self.tree)
        return out

    def evaluate(self, values: Mapping[str, NDArray[np.float64]]) -> BoolArray:
        """Evaluate on arrays of outcomes (user units), one array per issue id."""
        shape = np.shape(next(iter(values.values()))) if values else ()

        def ev(node: tuple[object, ...]) -> BoolArray:
            kind = node[0]
            if kind == "true":
                return np.ones(shape, dtype=bool)
            if kind == "not":
                return ~ev(node[1])  # type: ignore[arg-type]
            if kind == "and":
                return ev(node[1]) & ev(node[2])  # type: ignore[arg-type]
            if kind == "or":
                return ev(node[1]) | ev(node[2])  # type: ignore[arg-type]
            _, issue, op, value = node
            fn = _OPS[str(op)]
            return np.asarray(fn(values[str(issue)], value), dtype=bool)

        return ev(self.tree)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise RuleSyntaxError(
                f"cannot read {text[pos:pos + 12]!r} at character {pos + 1}"
            )
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def parse_rule(text: str) -> Rule:
    """Parse ``text`` into a :class:`Rule` or raise :class:`RuleSyntaxError`."""
    if not isinstance(text, str) or not text.strip():
        raise RuleSyntaxError("the rule is empty")
    tokens = _tokenize(text)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise RuleSyntaxError("the rule ends too early")
        tok = tokens[pos]
        pos += 1
        return tok

    def expr() -> tuple[object, ...]:
        node = term()
        while (t := peek()) and t == ("name", "or"):
            take()
            node = ("or", node, term())
        return node

    def term() -> tuple[object, ...]:
        node = factor()
        while (t := peek()) and t == ("name", "and"):
            take()
            node = ("and", node, factor())
        return node

    def factor() -> tuple[object, ...]:
        kind, val = take()
        if kind == "name" and val == "not":
            return ("not", factor())
        if kind == "paren" and val == "(":
            node = expr()
            if take() != ("paren", ")"):
                raise RuleSyntaxError("a '(' is not closed")
            return node
        if kind == "name" and val.lower() in _CATCH_ALL:
            return ("true",)
        if kind == "name":
            k2, op = take()
            if k2 != "op":
                raise RuleSyntaxError(f"expected a comparison (>=, <, …) after {val!r}")
            k3, num = take()
            if k3 != "num":
                raise RuleSyntaxError(f"expected a number after '{val} {op}', found {num!r}")
            return ("cmp", val, op, float(num))
        if kind == "num":
            k2, op = take()
            k3, name = take()
            if k2 != "op" or k3 != "name":
                raise RuleSyntaxError(f"expected '<number> <op> <issue>' at {val!r}")
            return ("cmp", name, _FLIP[op], float(val))
        raise RuleSyntaxError(f"unexpected {val!r}")

    tree = expr()
    if pos != len(tokens):
        raise RuleSyntaxError(f"unexpected {tokens[pos][1]!r} after a complete rule")
    return Rule(text=text.strip(), tree=tree)
