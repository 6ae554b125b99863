"""Scores for point forecasts and probability forecasts: pure functions on arrays.

**Point forecasts** (an issue outcome against what happened): mean absolute error,
root-mean-square error, median absolute error and the share of forecasts within ``k``
points — the figures the bargaining-model literature reports (specs/models.md §2a).

**Probability forecasts** over ``K`` mutually exclusive outcomes, ``probs`` of shape
``(N, K)`` (rows sum to 1) and ``outcome`` the index of what happened (``(N,)``):

- Brier score, multi-category (Brier 1950, the "original" Brier used by the Good Judgment
  Project): ``BS = Σ_k (p_k − o_k)²`` per forecast, 0 best, 2 worst; lower is better.
  For a binary event this is twice the one-sided form ``(f − o)²``.
- Log score (Good 1952): ``log p_outcome`` (natural log by default), 0 best, ``-inf`` for a
  probability-0 miss; higher is better. Strictly proper.
- Ranked probability score (Epstein 1969; Murphy 1971) for *ordered* outcomes:
  ``RPS = 1/(K − 1) Σ_{k<K} (P_k − O_k)²`` with cumulative ``P``, ``O``; 0 best, 1 worst.
  Rewards putting probability near the realised outcome on the ladder.
- :func:`calibration_table` — reliability: bins of forecast probability against the
  observed frequency (one-vs-rest over the categories).
- :func:`skill` — ``1 − score / reference`` (e.g. against the uniform forecast).

Every ``*_each`` function returns one score per forecast; the plain name returns the mean.
Bad shapes or probabilities raise :class:`~summitry.errors.SummitryError`.

>>> round(brier([[0.7, 0.2, 0.1]], [0]), 3)
0.14
>>> round(rps([[0.7, 0.2, 0.1]], [0]), 3)
0.05
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from summitry.errors import SummitryError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "brier",
    "brier_each",
    "calibration_table",
    "log_score",
    "log_score_each",
    "mae",
    "median_ae",
    "rmse",
    "rps",
    "rps_each",
    "share_within",
    "skill",
    "uniform",
]

FloatArray = NDArray[np.float64]


# --- point forecasts ------------------------------------------------------------------------


def _pair(pred: ArrayLike, actual: ArrayLike) -> FloatArray:
    p = np.asarray(pred, dtype=float)
    a = np.asarray(actual, dtype=float)
    if p.shape != a.shape:
        raise SummitryError(f"forecasts and outcomes differ in shape: {p.shape} vs {a.shape}")
    if p.size == 0:
        raise SummitryError("no forecasts to score")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(a))):
        raise SummitryError("forecasts and outcomes must be finite numbers")
    return np.asarray(np.abs(p - a).ravel(), dtype=float)


def mae(pred: ArrayLike, actual: ArrayLike) -> float:
    """Mean absolute error ``mean |pred − actual|``."""
    return float(np.mean(_pair(pred, actual)))


def rmse(pred: ArrayLike, actual: ArrayLike) -> float:
    """Root-mean-square error ``sqrt(mean (pred − actual)²)``."""
    err = _pair(pred, actual)
    return float(np.sqrt(np.mean(err**2)))


def median_ae(pred: ArrayLike, actual: ArrayLike) -> float:
    """Median absolute error."""
    return float(np.median(_pair(pred, actual)))


def share_within(pred: ArrayLike, actual: ArrayLike, k: float) -> float:
    """Share of forecasts with ``|pred − actual| ≤ k`` (0–1)."""
    if not (np.isfinite(k) and k >= 0):
        raise SummitryError(f"k must be a finite number ≥ 0, found {k!r}")
    return float(np.mean(_pair(pred, actual) <= k + 1e-12))


# --- probability forecasts -------------------------------------------------------------------


def _probs(probs: ArrayLike, outcome: ArrayLike) -> tuple[FloatArray, NDArray[np.int64]]:
    p = np.asarray(probs, dtype=float)
    if p.ndim == 1:
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] < 2:
        raise SummitryError(f"probabilities must have shape (N, K) with K ≥ 2, found {p.shape}")
    o_raw = np.asarray(outcome)
    if o_raw.ndim == 0:
        o_raw = o_raw[None]
    if o_raw.ndim != 1 or o_raw.shape[0] != p.shape[0]:
        raise SummitryError(f"need one outcome per forecast: {p.shape[0]} forecasts, "
                            f"outcomes of shape {o_raw.shape}")
    if p.shape[0] == 0:
        raise SummitryError("no forecasts to score")
    if not np.issubdtype(o_raw.dtype, np.integer):
        if np.issubdtype(o_raw.dtype, np.floating) and np.all(o_raw == np.round(o_raw)):
            o_raw = o_raw.astype(np.int64)
        else:
            raise SummitryError("outcomes must be category indices 0 … K−1")
    o = o_raw.astype(np.int64)
    if np.any(o < 0) or np.any(o >= p.shape[1]):
        raise SummitryError(f"outcome index out of range 0 … {p.shape[1] - 1}: "
                            f"{o[(o < 0) | (o >= p.shape[1])][:5].tolist()}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise SummitryError("probabilities must be finite and ≥ 0")
    sums = p.sum(axis=1)
    if np.any(np.abs(sums - 1.0) > 1e-6):
        bad = int(np.argmax(np.abs(sums - 1.0)))
        raise SummitryError(f"each forecast's probabilities must sum to 1; forecast {bad} "
                            f"sums to {sums[bad]:.6g}")
    return p, o


def _onehot(o: NDArray[np.int64], k: int) -> FloatArray:
    out = np.zeros((o.shape[0], k))
    out[np.arange(o.shape[0]), o] = 1.0
    return out


def brier_each(probs: ArrayLike, outcome: ArrayLike) -> FloatArray:
    """Multi-category Brier score ``Σ_k (p_k − o_k)²`` of every forecast (0–2)."""
    p, o = _probs(probs, outcome)
    return np.asarray(((p - _onehot(o, p.shape[1])) ** 2).sum(axis=1), dtype=float)


def brier(probs: ArrayLike, outcome: ArrayLike) -> float:
    """Mean multi-category Brier score (lower is better)."""
    return float(np.mean(brier_each(probs, outcome)))


def log_score_each(probs: ArrayLike, outcome: ArrayLike, *, base: float = np.e) -> FloatArray:
    """``log p_outcome`` of every forecast (≤ 0; ``-inf`` for a probability-0 miss)."""
    p, o = _probs(probs, outcome)
    hit = p[np.arange(p.shape[0]), o]
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(hit) / np.log(base), dtype=float)


def log_score(probs: ArrayLike, outcome: ArrayLike, *, base: float = np.e) -> float:
    """Mean log score (higher is better; natural log unless ``base`` is given)."""
    return float(np.mean(log_score_each(probs, outcome, base=base)))


def rps_each(probs: ArrayLike, outcome: ArrayLike) -> FloatArray:
    """Ranked probability score of every forecast over *ordered* categories (0–1).

    ``RPS = 1/(K − 1) Σ_{k=1}^{K−1} (P_k − O_k)²`` with ``P_k = Σ_{j≤k} p_j`` and
    ``O_k`` the cumulative one-hot outcome; columns must be in ladder order.
    """
    p, o = _probs(probs, outcome)
    k = p.shape[1]
    cp = np.cumsum(p, axis=1)[:, :-1]
    co = np.cumsum(_onehot(o, k), axis=1)[:, :-1]
    return np.asarray(((cp - co) ** 2).sum(axis=1) / (k - 1), dtype=float)


def rps(probs: ArrayLike, outcome: ArrayLike) -> float:
    """Mean ranked probability score (lower is better)."""
    return float(np.mean(rps_each(probs, outcome)))


def uniform(n: int, k: int) -> FloatArray:
    """The uniform forecast ``1/K`` for ``n`` forecasts (the no-information reference)."""
    if n < 1 or k < 2:
        raise SummitryError(f"need n ≥ 1 and k ≥ 2, found n={n}, k={k}")
    return np.full((n, k), 1.0 / k)


def skill(score: float, reference: float) -> float:
    """Skill score ``1 − score / reference``: 1 perfect, 0 no better than the reference.

    For scores where higher is better and the best is 0 (the log score) the same formula
    holds: ``1 − log / log_ref``.
    """
    if reference == 0:
        raise SummitryError("the reference score is 0, so skill is undefined")
    return float(1.0 - score / reference)


def calibration_table(
    probs: ArrayLike,
    outcome: ArrayLike,
    *,
    bins: int = 10,
) -> pd.DataFrame:
    """Reliability table: forecast probability (binned) vs observed frequency.

    Binary forecasts: ``probs`` of shape ``(N,)`` with ``outcome`` 0/1 (or booleans).
    Categorical forecasts: ``probs`` ``(N, K)`` with category indices; each (forecast,
    category) pair is one binary event "this category happened" (one-vs-rest), the usual
    way to draw a reliability diagram for several categories.

    Returns:
        One row per non-empty bin of ``bins`` equal-width bins on [0, 1] (the last bin
        closed): ``bin_lower, bin_upper, n, mean_forecast, observed_frequency`` — a
        calibrated forecaster has ``observed_frequency ≈ mean_forecast``.
    """
    import pandas as pd

    if not isinstance(bins, int) or bins < 1:
        raise SummitryError(f"bins must be a whole number ≥ 1, found {bins!r}")
    p_in = np.asarray(probs, dtype=float)
    if p_in.ndim == 1:
        o_in = np.asarray(outcome)
        if o_in.shape != p_in.shape:
            raise SummitryError(f"need one outcome per forecast: {p_in.shape} vs {o_in.shape}")
        if not np.all(np.isin(o_in.astype(float), (0.0, 1.0))):
            raise SummitryError("binary outcomes must be 0/1 or true/false")
        if not np.all(np.isfinite(p_in)) or np.any((p_in < 0) | (p_in > 1)):
            raise SummitryError("binary forecast probabilities must be in [0, 1]")
        f = p_in
        y = o_in.astype(float)
    else:
        p, o = _probs(probs, outcome)
        f = p.ravel()
        y = _onehot(o, p.shape[1]).ravel()
    if f.size == 0:
        raise SummitryError("no forecasts to score")
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.searchsorted(edges, f, side="right") - 1, 0, bins - 1)
    rows: list[dict[str, Any]] = []
    for b in range(bins):
        sel = idx == b
        n = int(sel.sum())
        if n == 0:
            continue
        rows.append({"bin_lower": float(edges[b]), "bin_upper": float(edges[b + 1]), "n": n,
                     "mean_forecast": float(f[sel].mean()),
                     "observed_frequency": float(y[sel].mean())})
    return pd.DataFrame(rows, columns=["bin_lower", "bin_upper", "n", "mean_forecast",
                                       "observed_frequency"])
