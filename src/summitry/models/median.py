"""Median model: the capability × salience weighted median (the Condorcet winner).

With single-peaked, symmetric preferences on one dimension the position that beats every
other in pairwise votes weighted by c·s is the weighted median of the actors' positions
(Black 1948; Scholz, Calbert & Smith 2011, eqs. 26–29 and Appendix step 3, read as
"the Condorcet winner position or median"; specs/models.md §1c). On the BDM (1994)
car-emissions case it gives 7 years.

Ties: when the cumulative weight reaches exactly half at one position (an even split),
every point between that position and the next one is a Condorcet tie; the model returns
the midpoint of the two (option ``tie="midpoint"``) or the lower one (``tie="lower"``).
Degenerate cases fall back as in :mod:`summitry.models.compromise`: the plain median of
the active actors when Σ c s = 0, the status quo (or 50) when no actor is active.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from summitry.errors import SummitryError
from summitry.models._common import apply_weighting
from summitry.models.base import BaseModel, Solution, register
from summitry.problem import Problem

__all__ = ["Median", "weighted_median"]


def weighted_median(
    positions: np.ndarray, weights: np.ndarray, active: np.ndarray, *, tie: str = "midpoint"
) -> np.ndarray:
    """Weighted median along the actor axis (axis 1) of ``(D, A, I)`` arrays → ``(D, I)``."""
    w = np.where(active, weights, 0.0)
    total = w.sum(axis=1)
    # no weight at all: plain median of the active actors
    plain = np.where(total[:, None, :] > 0, w, np.where(active, 1.0, 0.0))
    tot = plain.sum(axis=1)
    order = np.argsort(np.where(active, positions, np.inf), axis=1, kind="stable")
    xs = np.take_along_axis(positions, order, axis=1)
    ws = np.take_along_axis(plain, order, axis=1)
    cum = np.cumsum(ws, axis=1)
    half = tot[:, None, :] / 2.0
    eps = 1e-12 * np.maximum(tot[:, None, :], 1.0)
    lo_idx = np.argmax(cum >= half - eps, axis=1)
    hi_idx = np.argmax(cum > half + eps, axis=1)
    x_lo = np.take_along_axis(xs, lo_idx[:, None, :], axis=1)[:, 0, :]
    x_hi = np.take_along_axis(xs, hi_idx[:, None, :], axis=1)[:, 0, :]
    out = (x_lo + x_hi) / 2.0 if tie == "midpoint" else x_lo
    return np.where(tot > 0, out, np.nan)


@register
class Median(BaseModel):
    """Capability × salience weighted median of positions (Condorcet winner)."""

    name: ClassVar[str] = "median"
    title: ClassVar[str] = "Weighted median (Condorcet winner)"
    source: ClassVar[str] = "Black (1948); Scholz, Calbert & Smith (2011) eqs. 26–29; models.md §1c"

    def __init__(self, *, weighting: str = "capability_salience", tie: str = "midpoint") -> None:
        self.weighting = weighting
        self.tie = tie

    def solve(self, problem: Problem) -> Solution:
        if self.tie not in ("midpoint", "lower"):
            raise SummitryError(
                f"model 'median': unknown tie rule {self.tie!r}; expected midpoint or lower"
            )
        prob = apply_weighting(problem, self.weighting, model=self.name)
        out = weighted_median(prob.positions, prob.weights, prob.active, tie=self.tie)
        sq = np.where(np.isnan(prob.status_quo), 50.0, prob.status_quo)
        out = np.where(np.isnan(out), sq, out)
        return Solution(model=self.name, params=self.params(), outcome=out)
