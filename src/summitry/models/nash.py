"""Nash bargaining solution with the status quo as disagreement point.

    O* = argmax_{x ∈ X, U_i(x) > U_i(d) ∀ i}  Σ_i w_i ln(U_i(x) − U_i(d))

(Nash 1950; asymmetric weights after Kalai 1977; specs/models.md §1b.) Utilities are
linear, ``U_i(x) = −s_i |x − x_i|``, or quadratic, ``U_i(x) = −s_i (x − x_i)²``; the
weights ``w_i`` are capability (default; the DEU convention), capability × salience, or
equal. The search runs over ``[min x_i, max x_i]`` restricted to the points every actor
strictly prefers to ``d`` — an interval, because each preferred set is an interval
around the actor's ideal point. The objective is concave there, so its maximiser is
where its (sub)derivative changes sign: the status quo lies beyond the actors, and in
the distance from it the derivative takes a simple form whose root a safeguarded Newton
iteration finds to machine precision in a handful of steps (``iterations`` caps the
steps, default 80), vectorised over every draw and issue at once and without logarithms.
For linear utility the maximum may sit on a kink (an actor's ideal); the sign of the
right derivative at each ideal finds the kink or the smooth stretch between two of them.

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


def _actors_first(arr: np.ndarray) -> np.ndarray:
    """A contiguous (A, D, I) copy of a (D, A, I) array: reductions over actors are row sums,
    several times faster than reducing the middle axis."""
    return np.ascontiguousarray(arr.transpose(1, 0, 2))


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
        # actor axis first (A, D, I), contiguous: the reductions over actors are row sums
        x, s, c, active = (
            _actors_first(arr)
            for arr in (problem.positions, problem.salience, problem.capability,
                        problem.active)
        )
        act = active & (s > 0)
        if self.weights == "capability":
            w = c
        elif self.weights == "capability_salience":
            w = c * s
        else:
            w = np.ones_like(x)
        act = act & (w > 0)
        w = np.where(act, w, 0.0)
        sq = problem.status_quo  # (D, I)
        remote = np.isnan(sq) | (self.disagreement == "remote")
        d = np.where(np.isnan(sq), 0.0, sq)
        any_act = act.any(axis=0)
        fallback_d = np.where(np.isnan(sq), 50.0, sq)
        out = fallback_d.copy()
        if remote.any():
            out = np.where(remote, self._remote_limit(x, s, w, act), out)

        # --- feasible interval ------------------------------------------------------------
        big = np.inf
        r = np.where(act, np.abs(d - x), big)  # strict-gain radius around each ideal
        lo = np.max(np.where(act, x - r, -big), axis=0)
        hi = np.min(np.where(act, x + r, big), axis=0)
        xmin = np.min(np.where(act, x, big), axis=0)
        xmax = np.max(np.where(act, x, -big), axis=0)
        lo = np.maximum(lo, xmin)
        hi = np.minimum(hi, xmax)
        zero_r = np.any(act & (r == 0), axis=0)
        feasible = (lo <= hi) & any_act & ~zero_r & ~remote
        # a degenerate interval (one point) is its own optimum; only a status quo strictly
        # outside the actors' range leaves a genuine interval, the other feasible cases are
        # rounding-width intervals around d, whose midpoint is d
        out = np.where(feasible, np.where(hi - lo <= 0, lo, (lo + hi) / 2.0), out)
        todo = feasible & (hi > lo) & ((d < xmin) | (d > xmax))
        if todo.any():
            # (A, N): distance of each ideal from d (inf for inactive actors) and weight
            dist, weight = (np.ascontiguousarray(arr[:, todo]) for arr in (r, w))
            if self.utility == "linear":
                gain = _linear_argmax(dist, weight, int(self.iterations))
            else:
                gain = _quadratic_argmax(dist, weight, int(self.iterations))
            side = np.where(d[todo] < xmin[todo], 1.0, -1.0)
            out[todo] = np.clip(d[todo] + side * gain, lo[todo], hi[todo])
        out = np.where(any_act, out, fallback_d)
        return Solution(model=self.name, params=self.params(), outcome=out)

    def _remote_limit(
        self, x: np.ndarray, s: np.ndarray, w: np.ndarray, act: np.ndarray
    ) -> np.ndarray:
        """The outcome as d recedes, from (A, D, I) arrays: argmin Σ w_i s_i loss_i."""
        if self.utility == "quadratic":
            ws = w * s
            tot = ws.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                limit = (ws * x).sum(axis=0) / tot
        else:
            limit = weighted_median(*(arr.transpose(1, 0, 2) for arr in (x, w * s, act)))
        plain = np.where(act, x, 0.0).sum(axis=0) / np.maximum(act.sum(axis=0), 1)
        result: np.ndarray = np.where(np.isfinite(limit), limit, plain)
        return result


# --- the one-dimensional maximisation ---------------------------------------------------------
#
# Measure a candidate point by its distance v = |t − d| from the status quo, on the side of
# the actors (d lies strictly outside their range here), and let p_i = |x_i − d| > 0. Up to
# the salience factors, which only add constants to the log objective, actor i gains
#
#   quadratic: v (2 p_i − v)        linear: v while v ≤ p_i, 2 p_i − v beyond its ideal,
#
# and the feasible interval is p_min ≤ v ≤ min(p_max, 2 p_min). On a stretch where the
# actors with p_i < v form the set L and the others weigh R (quadratic: L = everyone,
# R = Σ w), v times the derivative of Σ w_i ln(gain_i) is
#
#   h(v) = R − v Σ_{i ∈ L} w_i / (2 p_i − v),
#
# concave and strictly decreasing (each v / (2 p_i − v) is convex and increasing), so the
# maximiser is its root, found by Newton's method safeguarded by bisection — no logarithms.

_STEP_TOL = 4.0 * np.finfo(float).eps


def _newton_root(
    a: np.ndarray,
    b: np.ndarray,
    right: np.ndarray,
    w_left: np.ndarray,
    twice_p: np.ndarray,
    max_steps: int,
) -> np.ndarray:
    """The maximiser in ``(a, b]`` of each column: the root of ``h``, or ``b`` if h(b) ≥ 0.

    ``right`` (N,) is R; ``w_left`` (A, N) the weights of the actors in L (0 elsewhere) and
    ``twice_p`` (A, N) their 2 p_i (inf elsewhere). ``b`` may be the pole min 2 p_i of h.
    The start is ``b`` or, if smaller, the point from which the nearest actors' term alone
    makes h ≤ 0 — either way right of the root and off the pole — and from there Newton's
    iterates on a concave decreasing function approach the root from the right,
    quadratically. As a safeguard against rounding, a step leaving the bracket kept by the
    signs of h is replaced by bisection. A column stops when its Newton step is within
    4 ulp of v; every column stops after ``max_steps`` steps.
    """
    c_min = twice_p.min(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h_b = right - b * (w_left / (twice_p - b)).sum(axis=0)
        # from here on the nearest actors' term alone exceeds R, so h ≤ 0
        w_near = np.where(twice_p == c_min, w_left, 0.0).sum(axis=0)
        start = np.minimum(b, c_min * right / (right + w_near))
    out = b.copy()
    open_cols = np.flatnonzero((b >= c_min) | (h_b < 0))
    lo, hi, v = a[open_cols], b[open_cols], start[open_cols]
    r, wl, c = right[open_cols], w_left[:, open_cols], twice_p[:, open_cols]
    for _ in range(max_steps):
        if open_cols.size == 0:
            break
        gap = c - v
        q = wl / gap
        s1 = q.sum(axis=0)
        h = r - v * s1
        slope = -(s1 + v * (q / gap).sum(axis=0))
        lo = np.where(h > 0, v, lo)
        hi = np.where(h < 0, v, hi)
        step = h / slope
        newton = v - step
        done = np.abs(step) <= _STEP_TOL * v
        v = np.where(done | ((newton > lo) & (newton < hi)), newton, (lo + hi) / 2.0)
        if done.any():
            out[open_cols[done]] = v[done]
            keep = ~done
            open_cols, v, lo, hi = open_cols[keep], v[keep], lo[keep], hi[keep]
            r, wl, c = r[keep], wl[:, keep], c[:, keep]
    out[open_cols] = v
    return out


def _quadratic_argmax(dist: np.ndarray, weight: np.ndarray, max_steps: int) -> np.ndarray:
    """Maximiser v of Σ w_i ln(v (2 p_i − v)) on [p_min, min(p_max, 2 p_min)], per column.

    ``dist`` (A, N) is p (inf for inactive actors, whose ``weight`` is 0). The objective is
    smooth and strictly concave; h(p_min) ≥ 0 ≥ h(p_max), so the root lies in the interval.
    """
    p_min = dist.min(axis=0)
    p_max = np.where(np.isfinite(dist), dist, -np.inf).max(axis=0)
    upper = np.minimum(p_max, 2.0 * p_min)
    return _newton_root(p_min, upper, weight.sum(axis=0), weight, 2.0 * dist, max_steps)


def _linear_argmax(dist: np.ndarray, weight: np.ndarray, max_steps: int) -> np.ndarray:
    """Maximiser v of Σ w_i ln(min(v, 2 p_i − v)) on [p_min, min(p_max, 2 p_min)].

    The objective is concave with kinks at the ideals v = p_k. Its right derivative at every
    kink in the interval picks the stretch holding the maximum: the last kink a where it is
    still positive and the next kink b (or the pole 2 p_min). No positive kink → the
    maximum is at p_min; otherwise it is b or the root of h on (a, b), which
    :func:`_newton_root` finds with L = {p_i ≤ a}.
    """
    p_min = dist.min(axis=0)
    p_max = np.where(np.isfinite(dist), dist, -np.inf).max(axis=0)
    upper = np.minimum(p_max, 2.0 * p_min)
    kink_ok = dist <= upper  # (A, N); inactive actors (inf) are no kinks
    p_i = dist[:, None, :]  # actors on axis 0, kinks on axis 1
    p_k = dist[None, :, :]
    # weights of the actors already behind the point just right of kink k
    w_passed = np.where(p_i <= p_k, weight[:, None, :], 0.0)
    total = weight.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ahead = (total - w_passed.sum(axis=0)) / dist
        behind = (w_passed / (2.0 * p_i - p_k)).sum(axis=0)
    rising = kink_ok & (ahead - behind > 0)
    any_rising = rising.any(axis=0)
    a = np.where(rising, dist, -np.inf).max(axis=0)  # -inf where no kink rises
    b = np.where(kink_ok & (dist > a), dist, 2.0 * p_min).min(axis=0)
    in_left = dist <= a
    # no rising kink: L is empty, h(b) = Σ w > 0 and the answer is b = p_min
    a = np.where(any_rising, a, p_min)
    b = np.where(any_rising, b, p_min)
    w_left = np.where(in_left, weight, 0.0)
    twice_p = np.where(in_left, 2.0 * dist, np.inf)
    right = total - w_left.sum(axis=0)
    return _newton_root(a, b, right, w_left, twice_p, max_steps)
