"""Named outcomes: ordered rules evaluated on every draw, and their probabilities.

A scenario's ``outcomes`` are ordered; the first rule that holds on a draw's issue
outcomes (in user units) names that draw. The last rule is a catch-all, so the set is
exhaustive and the probabilities sum to 1.

Combining models: P_combined(o) = Σ_m w_m P_m(o) / Σ_m w_m with user-set weights w_m
(equal by default) — a linear opinion pool, the simplest pool that keeps calibration of
equally good forecasters (Clemen & Winkler 1999; docs/probabilities.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from summitry.errors import SummitryError
from summitry.scenario import Scenario

__all__ = ["classify", "combine", "probabilities"]


def classify(scenario: Scenario, outcome: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the first matching named outcome per draw; ``outcome`` is ``(D, I)`` in
    user units. Raises if the scenario has no named outcomes."""
    if not scenario.outcomes:
        raise SummitryError("the scenario declares no named outcomes")
    values = {iid: outcome[:, k] for k, iid in enumerate(scenario.issue_ids)}
    d = outcome.shape[0]
    labels = np.full(d, -1, dtype=np.int64)
    for k, rule in enumerate(scenario.outcomes):
        hit = rule.compiled.evaluate(values) & (labels < 0)
        labels[hit] = k
    if np.any(labels < 0):  # cannot happen with a validated catch-all; be loud if it does
        raise SummitryError("the named outcomes are not exhaustive")
    return labels


def probabilities(scenario: Scenario, outcome: NDArray[np.float64]) -> dict[str, float]:
    """P(named outcome) over the draws of ``outcome`` (``(D, I)``, user units)."""
    labels = classify(scenario, outcome)
    counts = np.bincount(labels, minlength=len(scenario.outcomes))
    total = counts.sum()
    return {o.name: float(c / total) for o, c in zip(scenario.outcomes, counts, strict=True)}


def combine(
    per_model: Mapping[str, Mapping[str, float]], weights: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Linear pool of per-model outcome probabilities with ``weights`` (default equal)."""
    models = list(per_model)
    w = {m: 1.0 for m in models} if not weights else {m: float(weights.get(m, 0.0))
                                                        for m in models}
    total = sum(w.values())
    if total <= 0:
        raise SummitryError("model weights must not all be 0")
    names = list(next(iter(per_model.values())))
    return {n: sum(w[m] * per_model[m][n] for m in models) / total for n in names}
