"""Ensemble: a stacked forecast with weights learned by grouped cross-validation.

Forty years of work have not produced a bargaining model that beats the capability ×
salience weighted mean on EU legislative outcomes by much (specs/models.md §2). This
model does not add a new theory; it combines the existing forecasts (model averaging /
stacking, Wolpert 1992; Breiman 1996) with weights chosen to minimise the absolute error
out of sample, and it says how uncertain the result is.

**Components** (:data:`COMPONENTS`; every one defined on any :class:`Problem`):

================= ============================================================================
``salience_mean`` Σ s x / Σ s — the weighted mean without capability (the DEU baseline)
``tempered_mean`` Σ √c s x / Σ √c s — capability tempered by a square root
``compromise``    Σ c s x / Σ c s — the compromise model (Van den Bos 1991; models.md §1a)
``median``        the c·s weighted median (Condorcet winner; models.md §1c)
``nash``          the Nash bargaining solution with the status quo (models.md §1b)
``challenge``     the challenge model (Scholz, Calbert & Smith 2011), default settings
``smp``           KTAB's Spatial Model of Politics, default settings
``plain_mean``    the unweighted mean of the positions
``status_quo``    the status quo (reference point); the compromise where there is none
================= ============================================================================

The forecast is ``Σ_j β_j f_j`` with ``β ≥ 0``, ``Σ β = 1`` (a convex combination, so it
stays on the scale). The weights minimise the mean absolute error on the training issues
(least absolute deviations on the simplex, a linear programme; :func:`fit_weights`).
The packaged weights (``ensemble_weights.json``) were fitted by ``scripts/fit_ensemble.py``
on the DEU III dev file (242 issues, 92 proposals) with the ``ssi`` capability convention;
the script also records the nested cross-validation, grouped by proposal, that estimates
how well this procedure does on proposals it never saw (docs/accuracy.md).

**Predictive interval.** ``Solution.extra["lower"]`` / ``["upper"]`` hold a symmetric
interval ``forecast ± h`` clipped to 0–100, where ``h`` is the ``level`` quantile of the
absolute out-of-fold errors (split-conformal prediction, Vovk, Gammerman & Shafer 2005;
the errors come from grouped cross-validation, so they are honest out-of-sample errors).

**Fallbacks.** Only components with a positive weight are computed. A component that
cannot solve the problem (a :class:`~summitry.errors.ModelError`) is left out and the
other weights are renormalised (``extra["skipped_components"]`` says which and why);
without a status quo the ``status_quo`` component is the compromise and the Nash solution
takes its remote-disagreement limit, so the ensemble works on any problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from summitry.errors import ModelError, SummitryError
from summitry.models.base import BaseModel, Solution, register
from summitry.models.compromise import weighted_mean
from summitry.models.median import weighted_median
from summitry.problem import Problem

__all__ = ["COMPONENTS", "Ensemble", "EnsembleFit", "component", "fit_weights", "packaged_fit"]

FloatArray = NDArray[np.float64]

COMPONENTS: tuple[str, ...] = (
    "salience_mean", "tempered_mean", "compromise", "median", "nash", "challenge", "smp",
    "plain_mean", "status_quo",
)

WEIGHTS_FILE = "ensemble_weights.json"


@dataclass(frozen=True)
class EnsembleFit:
    """Fitted weights and interval half-widths (on the 0–100 scale) by level."""

    weights: dict[str, float]
    half_width: dict[float, float]
    meta: dict[str, Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnsembleFit:
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        half = {float(k): float(v) for k, v in data["interval"]["half_width"].items()}
        meta = {k: v for k, v in data.items() if k not in ("weights",)}
        return cls(weights=weights, half_width=half, meta=meta)


@lru_cache(maxsize=1)
def packaged_fit() -> EnsembleFit:
    """The weights shipped with summitry (``models/ensemble_weights.json``)."""
    res = resources.files("summitry.models").joinpath(WEIGHTS_FILE)
    if not res.is_file():  # pragma: no cover - a broken installation
        raise ModelError(f"ensemble: the fitted weights {WEIGHTS_FILE} are not installed")
    return EnsembleFit.from_dict(json.loads(res.read_text(encoding="utf-8")))


def _with_capability(problem: Problem, capability: FloatArray) -> Problem:
    return problem.replace(capability=np.where(problem.active, capability, 0.0))


def component(name: str, problem: Problem) -> FloatArray:
    """The forecast ``(D, I)`` (0–100) of one component on ``problem``.

    Raises:
        UnknownNameError: not one of :data:`COMPONENTS`.
        ModelError: the underlying model cannot solve the problem.
    """
    from summitry.models.base import get_model, solve

    if name == "salience_mean":
        return weighted_mean(_with_capability(problem, np.ones_like(problem.capability)))
    if name == "tempered_mean":
        return weighted_mean(_with_capability(problem, np.sqrt(problem.capability)))
    if name == "compromise":
        return weighted_mean(problem)
    if name == "median":
        out = weighted_median(problem.positions, problem.weights, problem.active)
        sq = np.where(np.isnan(problem.status_quo), 50.0, problem.status_quo)
        return np.where(np.isnan(out), sq, out)
    if name == "plain_mean":
        act = problem.active
        n = act.sum(axis=1)
        mean = np.where(act, problem.positions, 0.0).sum(axis=1) / np.maximum(n, 1)
        sq = np.where(np.isnan(problem.status_quo), 50.0, problem.status_quo)
        return np.where(n > 0, mean, sq)
    if name == "status_quo":
        return np.where(np.isnan(problem.status_quo), weighted_mean(problem), problem.status_quo)
    if name in ("nash", "challenge", "smp"):
        sol = solve(get_model(name), problem)
        return np.asarray(sol.outcome, dtype=float)
    from summitry.errors import UnknownNameError

    raise UnknownNameError("ensemble component", name, COMPONENTS)


def fit_weights(features: FloatArray, outcome: FloatArray) -> FloatArray:
    """Least-absolute-deviation weights on the simplex.

    Solves ``min Σ_n |y_n − Σ_j β_j F_nj|`` subject to ``β ≥ 0``, ``Σ β = 1`` as a linear
    programme (residuals split into positive and negative parts) with SciPy's HiGHS
    solver. Needed only to refit the ensemble (``scripts/fit_ensemble.py``, the
    cross-validation of :mod:`summitry.backtest_deu`), not to forecast.

    Args:
        features: ``(N, J)`` component forecasts.
        outcome: ``(N,)`` what happened.

    Raises:
        SummitryError: SciPy is not installed, or the programme cannot be solved.
    """
    try:
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix, hstack, identity
    except ImportError:  # pragma: no cover - scipy is a development dependency
        raise SummitryError("fitting the ensemble needs SciPy: pip install scipy") from None
    x = np.asarray(features, dtype=float)
    y = np.asarray(outcome, dtype=float)
    n, j = x.shape
    if n == 0 or j == 0 or y.shape != (n,):
        raise SummitryError(f"fit_weights: need (N, J) features and (N,) outcomes, found "
                            f"{x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise SummitryError("fit_weights: features and outcomes must be finite")
    cost = np.concatenate([np.zeros(j), np.ones(2 * n)])
    eye = identity(n, format="csr")
    a_res = hstack([csr_matrix(x), eye, -eye], format="csr")
    a_sum = csr_matrix(np.concatenate([np.ones(j), np.zeros(2 * n)])[None, :])
    from scipy.sparse import vstack

    res = linprog(cost, A_eq=vstack([a_res, a_sum], format="csr"),
                  b_eq=np.concatenate([y, [1.0]]), bounds=(0, None), method="highs")
    if not res.success:  # pragma: no cover - the programme is always feasible
        raise SummitryError(f"fit_weights: the linear programme failed: {res.message}")
    beta: FloatArray = np.clip(np.asarray(res.x[:j], dtype=float), 0.0, None)
    beta[beta < 1e-9] = 0.0
    return np.asarray(beta / beta.sum(), dtype=float)


@register
class Ensemble(BaseModel):
    """Stacked forecast of the bargaining models with a calibrated interval.

    Args:
        weights: component weights (``{name: weight ≥ 0}``); ``None`` (default) uses the
            packaged fit. Weights are renormalised to sum to 1.
        level: the coverage of the predictive interval: one of the levels in the fit
            (0.5, 0.8, 0.9, 0.95; default 0.8).
        half_width: override the interval's half-width (0–100 scale); ``None`` uses the
            fit's value for ``level``.
    """

    name: ClassVar[str] = "ensemble"
    title: ClassVar[str] = "Ensemble (stacked, grouped-CV weights)"
    source: ClassVar[str] = (
        "stacking (Wolpert 1992; Breiman 1996) fitted on DEU III dev by "
        "scripts/fit_ensemble.py; docs/accuracy.md"
    )

    def __init__(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        level: float = 0.8,
        half_width: float | None = None,
    ) -> None:
        self.weights = weights
        self.level = level
        self.half_width = half_width

    def _resolved(self) -> tuple[dict[str, float], float]:
        fit = packaged_fit() if self.weights is None or self.half_width is None else None
        raw = dict(self.weights) if self.weights is not None else dict(fit.weights)  # type: ignore[union-attr]
        unknown = sorted(set(raw) - set(COMPONENTS))
        if unknown:
            from summitry.errors import UnknownNameError

            raise UnknownNameError("ensemble component", unknown[0], COMPONENTS)
        vals = np.array(list(raw.values()), dtype=float)
        if vals.size == 0 or not np.all(np.isfinite(vals)) or np.any(vals < 0) or vals.sum() <= 0:
            raise SummitryError("model 'ensemble': weights must be finite, ≥ 0 and not all 0")
        weights = {k: float(v) for k, v in raw.items() if v > 0}
        if self.half_width is not None:
            half = float(self.half_width)
            if not (np.isfinite(half) and half >= 0):
                raise SummitryError(
                    f"model 'ensemble': half_width must be ≥ 0, found {self.half_width!r}")
        else:
            assert fit is not None
            levels = sorted(fit.half_width)
            match = [lv for lv in levels if abs(lv - float(self.level)) < 1e-9]
            if not match:
                raise SummitryError(
                    f"model 'ensemble': no interval fitted for level {self.level!r}; "
                    "expected one of: " + ", ".join(f"{lv:g}" for lv in levels))
            half = fit.half_width[match[0]]
        return weights, half

    def components(self, problem: Problem,
                   names: Sequence[str] = COMPONENTS) -> dict[str, FloatArray]:
        """Every named component's forecast ``(D, I)``; failing ones are left out."""
        out: dict[str, FloatArray] = {}
        for name in names:
            try:
                out[name] = component(name, problem)
            except ModelError:
                continue
        return out

    def solve(self, problem: Problem) -> Solution:
        """Combine the components' forecasts; see the class docstring."""
        weights, half = self._resolved()
        comps: dict[str, FloatArray] = {}
        skipped: dict[str, str] = {}
        for name in weights:
            try:
                f = component(name, problem)
            except ModelError as exc:
                skipped[name] = str(exc)
                continue
            if not np.all(np.isfinite(f)):
                skipped[name] = "returned a non-finite forecast"
                continue
            comps[name] = f
        if not comps:
            raise ModelError("ensemble: no component could solve the problem: "
                             + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
        total = sum(weights[k] for k in comps)
        used = {k: weights[k] / total for k in comps}
        outcome = sum(used[k] * comps[k] for k in comps)
        outcome = np.clip(np.asarray(outcome, dtype=float), 0.0, 100.0)
        lower = np.clip(outcome - half, 0.0, 100.0)
        upper = np.clip(outcome + half, 0.0, 100.0)
        extra: dict[str, Any] = {"weights": used, "components": comps, "lower": lower,
                                 "upper": upper, "level": float(self.level),
                                 "half_width": half, "skipped_components": skipped}
        return Solution(model=self.name, params=self.params(), outcome=outcome, extra=extra)
