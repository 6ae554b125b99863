r"""Escaping and number formatting shared by the report, the briefing and the web app.

User text (actor names, notes, signal texts …) reaches three kinds of output, each with
its own rule:

- HTML text and attributes: Jinja2's autoescape (``&``, ``<``, ``>``, ``"``, ``'``).
- JSON inside a ``<script>`` element (chart specs, JSON-LD): :func:`script_json` —
  ``json.dumps`` and then ``<``, ``>``, ``&`` and the line separators U+2028/U+2029 as
  ``\uXXXX`` escapes, so no user text can close the element (``</script>``) or open a
  comment, and the JSON value stays the same for a JSON parser.
- Markdown: :func:`md_text` — HTML-significant characters as entities (Markdown renderers
  pass raw HTML through) and Markdown punctuation backslash-escaped; newlines folded so a
  table cell stays one cell.

>>> script_json({"name": "</script><script>"})
'{"name": "\\u003c/script\\u003e\\u003cscript\\u003e"}'
>>> md_text("a|b <img src=x>")
'a\\|b &lt;img src=x&gt;'
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["jinja_env", "md_text", "num", "pct", "script_json"]

_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_RE = re.compile("[<>&\u2028\u2029]")


def script_json(value: Any, *, indent: int | None = None) -> str:
    """JSON text that is safe inside an HTML ``<script>`` element (see the module doc).

    Raises:
        ValueError: ``value`` holds NaN or infinity (not valid JSON).
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent)
    return _SCRIPT_RE.sub(lambda m: _SCRIPT_ESCAPES[m.group(0)], text)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_text(value: Any) -> str:
    """``value`` as Markdown text that renders literally (see the module doc)."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"\s+", " ", text)


def num(x: float | None, units: str = "") -> str:
    """A number as people write it: ``62``, ``7.39``, ``0.125``, ``12,000`` (with units).

    >>> num(62.0), num(7.3901), num(12000.0), num(0.1234, "%")
    ('62', '7.39', '12,000', '0.123 %')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if abs(x) >= 1000:
        text = f"{x:,.0f}"
    elif x == round(x):
        text = f"{x:.0f}"
    elif abs(x) >= 10:
        text = f"{x:.1f}"
    else:
        text = f"{x:.3g}"
    if text == "-0":
        text = "0"
    return f"{text} {units}".rstrip() if units else text


def pct(p: float | None, digits: int = 0) -> str:
    """A probability as a percentage: ``0.614`` → ``61 %``; below 1 % shows ``<1 %``.

    >>> pct(0.614), pct(0.004), pct(0.0), pct(1.0)
    ('61%', '<1%', '0%', '100%')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    if 0 < p < 0.01 and digits == 0:
        return "<1%"
    if 0.99 < p < 1 and digits == 0:
        return ">99%"
    return f"{p * 100:.{digits}f}%"


def jinja_env(package: str, *, markdown: bool) -> Any:
    """The Jinja2 environment of a package's ``templates/``: autoescaped for HTML, strict
    about undefined names, with the ``md`` filter for Markdown text."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_text
    return env
