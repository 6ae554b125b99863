"""A minimal reader of decide-exchange-model input files and traces, for the exchange tests.

The real importer (``summitry.io.decide``) is separate; this reader parses just enough of
decide's tagged format (``#A`` actor, ``#P`` issue, ``#M`` scale point, ``#D`` actor–issue
row; sniffed delimiter; single-quoted strings) to build a :class:`~summitry.problem.Problem`
the way decide-exchange-model 2025.3.1 sees it (specs/exchange.md §2): actors in ``#A``
order, issues in ``#P`` order, bounds from the ``#M`` rows (0–100 without any), salience and
power as given, and actors without a ``#D`` row on an issue inactive there.

Data files and traces: ``tests/data/decide/`` (GPL-3.0, see ``LICENSE.GPL-3.0.txt`` there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from summitry.problem import Problem

DATA = Path(__file__).resolve().parent.parent / "data" / "decide"


def _cells(line: str, delimiter: str) -> list[str]:
    return [c.strip().strip("'").strip() for c in line.rstrip("\r\n").split(delimiter)]


def read_problem(path: str | Path) -> Problem:
    """Read a decide input file into a one-draw Problem."""
    text = Path(path).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    delimiter = max(("\t", ";", ","), key=lambda d: sum(ln.count(d) for ln in lines[:20]))
    actors: list[str] = []
    issues: list[str] = []
    marks: dict[str, list[float]] = {}
    rows: list[tuple[str, str, float, float, float]] = []
    for line in lines:
        cells = _cells(line, delimiter)
        tag = cells[0]
        if tag == "#A":
            actors.append(cells[1])
        elif tag == "#P":
            issues.append(cells[1])
        elif tag == "#M":
            marks.setdefault(cells[1], []).append(float(cells[2]))
        elif tag == "#D":
            rows.append((cells[1], cells[2], float(cells[3]), float(cells[4]), float(cells[5])))
    n_a, n_i = len(actors), len(issues)
    pos = np.zeros((n_a, n_i))
    sal = np.zeros((n_a, n_i))
    cap = np.zeros((n_a, n_i))
    act = np.zeros((n_a, n_i), dtype=bool)
    for actor, issue, x, s, c in rows:
        a, i = actors.index(actor), issues.index(issue)
        pos[a, i], sal[a, i], cap[a, i], act[a, i] = x, s, c, True
    lower = np.array([marks[i][0] if i in marks else 0.0 for i in issues])
    upper = np.array([max(marks[i]) if i in marks else 100.0 for i in issues])
    pos = np.where(act, pos, lower)
    return Problem.from_arrays(
        positions=pos, salience=sal, capability=cap, active=act, lower=lower, upper=upper,
        actors=actors, issues=issues,
    )


def read_trace(path: str | Path) -> dict[str, Any]:
    """Load a decide trace (``traces/*_norandom_i10.json``)."""
    out: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return out
