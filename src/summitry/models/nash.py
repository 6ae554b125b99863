"""Nash bargaining solution with the status quo as disagreement point.

    O* = argmax_{x ∈ X, U_i(x) > U_i(d) ∀ i}  Σ_i w_i ln(U_i(x) − U_i(d))

(Nash 1950; asymmetric weights after Kalai 1977; specs/models.md §1b.) Utilities are
linear, ``U_i(x) = −s_i |x − x_i|``, or quadratic, ``U_i(x) = −s_i (x − x_i)²``; the
weights ``w_i`` are capability (default; the DEU convention), capability × salience, or
equal. The search runs over ``[min x_i, max x_i]`` restricted to the points every actor
strictly prefers to ``d`` — an interval, because each preferred set is an interval
around the actor's ideal point. The objective is concave there, so a vectorised golden-
section search (``iterations`` steps, default 80: width × 0.618⁸⁰ ≈ 10⁻¹⁵) finds the
maximum for every draw and issue at once.

Interpretive choices (docs/models.md):

- No mutually improving point (``d`` between the actors, or on an actor's ideal) → the
  outcome is ``d`` (the reversion point).
- Actors with zero salience or zero weight are indifferent and left out of the product
  (otherwise an indifferent actor would veto every agreement).
- Salience that only multiplies ``U_i`` cancels from the argmax (the NBS is invariant to
  rescaling each utility); it matters through the weights or when there is no status quo.
- No status quo given (``disagreement="status_quo"`` with NaN), or
  ``disagreement="remote"``: the limit of a disagreement point far outside the range,
  where the NBS tends to argmin Σ w_i s_i loss_i — the c·s weighted mean for quadratic
  utility with capability weights (Achen 2006's derivation of the compromise model) and
  the weighted median for linear utility.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from summitry.errors import SummitryError
from summitry.models.base import BaseModel, Solution, register
from summitry.models.median import weighted_median
from summitry.problem import Problem

__all__ = ["Nash"]

_UTILITIES = ("linear", "quadratic")
_WEIGHTS = ("capability", "capability_salience", "equal")
_DISAGREEMENT = ("status_quo", "remote")
_GOLD = (np.sqrt(5.0) - 1.0) / 2.0


@register
class Nash(BaseModel):
    """Nash bargaining solution (asymmetric) with the status quo as disagreement point."""

    name: ClassVar[str] = "nash"
    title: ClassVar[str] = "Nash bargaining solution"
    source: ClassVar[str] = "Nash (1950); Kalai (1977); models.md §1b"

    def __init__(
        self,
        *,
        utility: str = "quadratic",
        weights: str = "capability",
        disagreement: str = "status_quo",
        iterations: int = 80,
    ) -> None:
        self.utility = utility
        self.weights = weights
        self.disagreement = disagreement
        self.iterations = iterations

    def _check(self) -> None:
        for opt, value, allowed in (
            ("utility", self.utility, _UTILITIES),
            ("weights", self.weights, _WEIGHTS),
            ("disagreement", self.disagreement, _DISAGREEMENT),
        ):
            if value not in allowed:
                raise SummitryError(
                    f"model 'nash': unknown {opt} {value!r}; expected one of: "
                    + ", ".join(allowed)
                )
        if not 1 <= int(self.iterations) <= 500:
            raise SummitryError("model 'nash': iterations must be between 1 and 500")

    def solve(self, problem: Problem) -> Solution:
        self._check()
        x = problem.positions  # (D, A, I)
        s = problem.salience
        act = problem.active & (s > 0)
        if self.weights == "capability":
            w = problem.capability
        elif self.weights == "capability_salience":
            w = problem.capability * s
        else:
            w = np.ones_like(x)
        act = act & (w > 0)
        w = np.where(act, w, 0.0)
        sq = problem.status_quo  # (D, I)
        remote = np.isnan(sq) | (self.disagreement == "remote")
        d = np.where(np.isnan(sq), 0.0, sq)[:, None, :]

        # --- the remote-disagreement limit --------------------------------------------
        if self.utility == "quadratic":
            ws = w * s
            tot = ws.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                limit = (ws * x).sum(axis=1) / tot
        else:
            limit = weighted_median(x, w * s, act)
        plain = np.where(act, x, 0.0).sum(axis=1) / np.maximum(act.sum(axis=1), 1)
        limit = np.where(np.isfinite(limit), limit, plain)

        # --- feasible interval ------------------------------------------------------------
        big = np.inf
        r = np.where(act, np.abs(d - x), big)  # strict-gain radius around each ideal
        lo = np.max(np.where(act, x - r, -big), axis=1)
        hi = np.min(np.where(act, x + r, big), axis=1)
        xmin = np.min(np.where(act, x, big), axis=1)
        xmax = np.max(np.where(act, x, -big), axis=1)
        lo = np.maximum(lo, xmin)
        hi = np.minimum(hi, xmax)
        any_act = act.any(axis=1)
        zero_r = np.any(act & (r == 0), axis=1)
        feasible = (lo <= hi) & any_act & ~zero_r
        # open interval: actors on a boundary gain nothing there; golden section handles it
        a = np.where(feasible, lo, 0.0)
        b = np.where(feasible, hi, 0.0)

        def objective(t: np.ndarray) -> np.ndarray:
            diff = t[:, None, :] - x
            dd = d - x
            if self.utility == "linear":
                gap = s * (np.abs(dd) - np.abs(diff))
            else:
                gap = s * (dd * dd - diff * diff)
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.where(act, w * np.log(np.where(gap > 0, gap, 0.0)), 0.0)
            total: np.ndarray = terms.sum(axis=1)
            return total

        c1 = b - _GOLD * (b - a)
        c2 = a + _GOLD * (b - a)
        f1 = objective(c1)
        f2 = objective(c2)
        for _ in range(int(self.iterations)):
            left = f1 >= f2  # maximum in [a, c2]
            b = np.where(left, c2, b)
            a = np.where(left, a, c1)
            new = np.where(left, b - _GOLD * (b - a), a + _GOLD * (b - a))
            fn = objective(new)
            c2, f2, c1, f1 = (
                np.where(left, c1, new),
                np.where(left, f1, fn),
                np.where(left, new, c2),
                np.where(left, fn, f2),
            )
        best = (a + b) / 2.0
        # a degenerate interval (one point) is its own optimum
        best = np.where(hi - lo <= 0, lo, best)
        fallback_d = np.where(np.isnan(sq), 50.0, sq)
        out = np.where(feasible, best, fallback_d)
        out = np.where(remote, limit, out)
        out = np.where(any_act, out, fallback_d)
        return Solution(model=self.name, params=self.params(), outcome=out)
