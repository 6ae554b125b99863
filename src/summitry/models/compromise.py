"""Compromise model: the capability × salience weighted mean.

    O_p = Σ_i c_ip s_ip x_ip / Σ_i c_ip s_ip

Van den Bos (1991); Achen (2006, ch. 4 and 10) derives it as a first-order
approximation of the Nash bargaining solution. decide-exchange-model calls the same
formula ``nash_bargaining_solution`` (specs/models.md §1a). On the BDM (1994)
car-emissions case it gives 7.390 years.

Degenerate case: if Σ c s = 0 on an issue (nobody cares, or nobody is active) the
outcome falls back to the plain mean of the active actors' positions (decide returns
0, which silently drags the forecast to the scale's end); with no active actor at all
the outcome is the status quo, or the scale midpoint when there is none.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from summitry.models.base import BaseModel, Solution, register
from summitry.problem import Problem

__all__ = ["Compromise", "weighted_mean"]


def weighted_mean(problem: Problem, positions: np.ndarray | None = None) -> np.ndarray:
    """The c·s weighted mean per draw and issue, ``(D, I)``, with the fallbacks above."""
    x = problem.positions if positions is None else positions
    w = problem.weights
    total = w.sum(axis=1)
    num = (w * x).sum(axis=1)
    act = problem.active
    n_act = act.sum(axis=1)
    plain = np.where(act, x, 0.0).sum(axis=1) / np.maximum(n_act, 1)
    sq = np.where(np.isnan(problem.status_quo), 50.0, problem.status_quo)
    fallback = np.where(n_act > 0, plain, sq)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, num / np.where(total > 0, total, 1.0), fallback)
    return out


@register
class Compromise(BaseModel):
    """Capability × salience weighted mean of positions (the compromise model)."""

    name: ClassVar[str] = "compromise"
    title: ClassVar[str] = "Compromise (weighted mean)"
    source: ClassVar[str] = "Van den Bos (1991); Achen (2006) ch. 4; specs/models.md §1a"

    def __init__(self, *, weighting: str = "capability_salience") -> None:
        self.weighting = weighting

    def solve(self, problem: Problem) -> Solution:
        from summitry.models._common import apply_weighting

        prob = apply_weighting(problem, self.weighting, model=self.name)
        return Solution(model=self.name, params=self.params(), outcome=weighted_mean(prob))
