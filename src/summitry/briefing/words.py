"""Words of estimative probability (ICD 203) and small text helpers for the article.

The US Intelligence Community Directive 203 (2015) fixes seven bands of words for a
probability (specs/briefing.md §1.3); the article uses them, always followed by the
number, and never mixes bands:

================================ ============
words                            probability
================================ ============
almost no chance                 below 5 %
very unlikely                    5–20 %
unlikely                         20–45 %
roughly even chance              45–55 %
likely                           55–80 %
very likely                      80–95 %
almost certain                   above 95 %
================================ ============

A probability on a boundary belongs to the band nearer to 50 % (20 % is "unlikely",
55 % "roughly even chance", 80 % "likely").

>>> icd203(0.03), icd203(0.20), icd203(0.5), icd203(0.62), icd203(0.97)
('almost no chance', 'unlikely', 'roughly even chance', 'likely', 'almost certain')
>>> chance_phrase("Breakthrough", 0.24)
'“Breakthrough” is unlikely (24%)'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from summitry.report.escape import pct

__all__ = ["BANDS", "chance_phrase", "icd203", "join_names", "slugify"]

#: ``(lower, upper, words)``: the ICD 203 bands.
BANDS: tuple[tuple[float, float, str], ...] = (
    (0.00, 0.05, "almost no chance"),
    (0.05, 0.20, "very unlikely"),
    (0.20, 0.45, "unlikely"),
    (0.45, 0.55, "roughly even chance"),
    (0.55, 0.80, "likely"),
    (0.80, 0.95, "very likely"),
    (0.95, 1.00, "almost certain"),
)


def icd203(p: float) -> str:
    """The ICD 203 words for probability ``p`` (see the module docstring)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a probability must be in [0, 1], found {p}")
    if p < 0.05:
        return "almost no chance"
    if p < 0.20:
        return "very unlikely"
    if p < 0.45:
        return "unlikely"
    if p <= 0.55:
        return "roughly even chance"
    if p <= 0.80:
        return "likely"
    if p <= 0.95:
        return "very likely"
    return "almost certain"


def chance_phrase(name: str, p: float) -> str:
    """``“name” is likely (62%)`` — the outcome name, the ICD 203 words and the number."""
    words = icd203(p)
    verb = "has" if words in ("almost no chance",) else (
        "has a" if words == "roughly even chance" else "is")
    return f"“{name}” {verb} {words} ({pct(p)})"


def join_names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [n for n in names if n]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def slugify(text: str, max_length: int = 75) -> str:
    """A URL slug: ASCII lower case words joined by hyphens.

    >>> slugify("Trump–Putin Alaska summit: what to expect")
    'trump-putin-alaska-summit-what-to-expect'
    """
    spaced = re.sub(r"[\W_]+", " ", text)
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for part in parts:
        candidate = f"{slug}-{part}" if slug else part
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or "article"
