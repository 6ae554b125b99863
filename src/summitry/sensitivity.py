"""Which inputs move the forecast: one-at-a-time elasticities (tornado data).

For every actor and every input — its ``position`` and ``salience`` on each issue where it
has a stance, and its ``capability`` (on all issues at once) — :func:`elasticities` sets the
input to a low and a high value around its point value, holding everything else at the
point values, and records every issue's outcome (Saltelli et al. 2008, *Global
Sensitivity Analysis: The Primer*, §1.2.3 "one-at-a-time"; the tornado diagram of
Howard 1988). The steps:

============ =========================================== =====================================
input        low / high                                  elasticity = Δoutcome / span ÷ …
============ =========================================== =====================================
position     ± :data:`POSITION_STEP` (10 % of the issue's ``(x_high − x_low) / span`` of
             scale), clipped to the scale                the input's issue
salience     ± :data:`SALIENCE_STEP` (0.1 on the 0–1     ``s_high − s_low`` (0–1 scale)
             scale), clipped to [0, 1]
capability   × (1 ± :data:`CAPABILITY_STEP`) (±20 %)     ``2 × CAPABILITY_STEP`` (relative)
============ =========================================== =====================================

so ``elasticity`` is the change of the outcome, as a share of its issue's scale, per unit of
the input on a unit scale: per scale of position, per unit of 0–1 salience, per 100 %
change of capability. For the compromise model the position elasticity of actor ``k`` on
its own issue is exactly its weight share ``c_k s_k / Σ c s`` (specs/models.md §1a, the
closed-form lever). Actors with capability 0 have no capability rows (a relative change of
0 is 0).

All perturbed problems form ONE batch on the draw axis (draw 0 is the point problem,
then low/high pairs), so each model solves once.

**Sobol indices** (:func:`sobol`) answer the global question — how much of the *Monte
Carlo* spread of an issue's outcome comes from the uncertainty about one actor's positions,
saliences, capability or attendance — over the scenario's uncertainty block. The uncertain
inputs are grouped per actor and kind (``position`` of all the actor's stances,
``salience``, ``capability``, ``absence``) and the group indices are estimated from two
independent sample matrices ``A`` and ``B`` and, per group ``g``, ``A`` with ``g``'s columns
taken from ``B`` (``A_B^g``): first order ``S_g = mean(f(B)(f(A_B^g) − f(A))) / V``
(Saltelli et al. 2010, *Comput. Phys. Commun.* 181, Table 2 (b); with ``f(B)`` centred
on the sample mean, which leaves the estimate unbiased as ``E[f(A_B^g) − f(A)] = 0`` and
cuts its variance when the outcome's mean is far from 0) and total
``ST_g = mean((f(A) − f(A_B^g))²) / 2V`` (Jansen 1999, Table 2 (f) there), with ``V`` the
variance of ``f`` over ``A`` and ``B``: ``N (G + 2)`` model evaluations in one batch.
Variance-based indices assume independent inputs, so the inputs are sampled
independently here: correlation groups (``Scenario.correlations``) are ignored. Issues
whose outcome does not vary get NaN-free zeros.

>>> from summitry.scenario import Scenario
>>> sc = Scenario.model_validate({
...     "issues": [{"id": "x"}], "actors": [{"id": "a"}, {"id": "b", "capability": 3}],
...     "stances": [{"actor": "a", "issue": "x", "position": 0, "salience": 1},
...                 {"actor": "b", "issue": "x", "position": 100, "salience": 1}]})
>>> f = elasticities(sc, "compromise")
>>> row = f[(f.actor == "a") & (f.input == "position")].iloc[0]
>>> round(float(row.elasticity), 6)  # a's weight share 1 / (1 + 3)
0.25
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from summitry.errors import SummitryError
from summitry.problem import Problem
from summitry.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CAPABILITY_STEP",
    "COLUMNS",
    "POSITION_STEP",
    "SALIENCE_STEP",
    "elasticities",
    "perturbations",
    "sobol",
    "tornado",
]

#: Position step on the 0–100 scale (10 % of an issue's range).
POSITION_STEP = 10.0
#: Salience step on the 0–1 scale.
SALIENCE_STEP = 0.1
#: Relative capability step (±20 %).
CAPABILITY_STEP = 0.2

#: Columns of :func:`elasticities`.
COLUMNS = ("model", "actor", "input", "input_issue", "issue", "input_low", "input_base",
           "input_high", "low", "base", "high", "delta", "elasticity")


def perturbations(
    problem: Problem,
    *,
    position_step: float = POSITION_STEP,
    salience_step: float = SALIENCE_STEP,
    capability_step: float = CAPABILITY_STEP,
) -> tuple[Problem, list[dict[str, Any]]]:
    """The one-at-a-time batch of ``problem`` and one dict per perturbed input.

    Draw 0 is ``problem`` (``D = 1``), then a low and a high draw per input. Each dict
    has ``actor``, ``input``, ``input_issue`` (``"*"`` for capability), the input's
    ``low``/``base``/``high`` (0–100 positions, 0–1 salience, capability) and ``norm``
    (the input change on its unit scale, the elasticity's denominator). For capability
    ``base`` is the actor's largest per-issue capability (all of them move by the same
    factor).
    """
    if problem.n_draws != 1:
        raise SummitryError(f"perturbations start from a point problem (1 draw), found "
                            f"{problem.n_draws} draws")
    for name, step in (("position_step", position_step), ("salience_step", salience_step),
                       ("capability_step", capability_step)):
        if not (np.isfinite(step) and step > 0):
            raise SummitryError(f"{name} must be a positive number, found {step!r}")
    if capability_step >= 1:
        raise SummitryError(f"capability_step must be below 1 (a relative change), found "
                            f"{capability_step!r}")
    pos0, sal0, cap0 = problem.positions[0], problem.salience[0], problem.capability[0]
    act = problem.active[0]
    specs: list[dict[str, Any]] = []
    for a, actor in enumerate(problem.actors):
        for i in np.flatnonzero(act[a]):
            x = float(pos0[a, i])
            lo, hi = max(0.0, x - position_step), min(100.0, x + position_step)
            specs.append({"actor": actor, "a": a, "i": int(i), "input": "position",
                          "input_issue": problem.issues[i], "low": lo, "base": x,
                          "high": hi, "norm": (hi - lo) / 100.0})
        for i in np.flatnonzero(act[a]):
            s = float(sal0[a, i])
            lo, hi = max(0.0, s - salience_step), min(1.0, s + salience_step)
            specs.append({"actor": actor, "a": a, "i": int(i), "input": "salience",
                          "input_issue": problem.issues[i], "low": lo, "base": s,
                          "high": hi, "norm": hi - lo})
        caps = cap0[a][act[a]]
        if caps.size and np.any(caps > 0):
            c = float(caps.max())
            specs.append({"actor": actor, "a": a, "i": -1, "input": "capability",
                          "input_issue": "*", "low": c * (1 - capability_step), "base": c,
                          "high": c * (1 + capability_step), "norm": 2 * capability_step})
    d = 1 + 2 * len(specs)
    pos = np.repeat(problem.positions, d, axis=0)
    sal = np.repeat(problem.salience, d, axis=0)
    cap = np.repeat(problem.capability, d, axis=0)
    for k, sp in enumerate(specs):
        lo_d, hi_d = 1 + 2 * k, 2 + 2 * k
        a, i = sp["a"], sp["i"]
        if sp["input"] == "position":
            pos[lo_d, a, i], pos[hi_d, a, i] = sp["low"], sp["high"]
        elif sp["input"] == "salience":
            sal[lo_d, a, i], sal[hi_d, a, i] = sp["low"], sp["high"]
        else:
            cap[lo_d, a] *= 1 - capability_step
            cap[hi_d, a] *= 1 + capability_step
    batch = problem.replace(
        positions=pos, salience=sal, capability=cap,
        active=np.repeat(problem.active, d, axis=0),
        status_quo=np.repeat(problem.status_quo, d, axis=0),
    )
    return batch, specs


def elasticities(
    target: Scenario | Problem,
    models: str | Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    position_step: float = POSITION_STEP,
    salience_step: float = SALIENCE_STEP,
    capability_step: float = CAPABILITY_STEP,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of every issue's outcome to every actor's inputs.

    Args:
        target: a scenario (its point problem is perturbed; its ``model_params`` apply)
            or a point :class:`Problem`.
        models: model names (default: every registered model).
        params: model settings ``{model: {param: value}}`` (as in ``forecast``).
        position_step: position step on 0–100.
        salience_step: salience step on 0–1.
        capability_step: relative capability step.

    Returns:
        A tidy frame with :data:`COLUMNS`: per model, actor, input (``position``,
        ``salience``, ``capability``), the issue of the input (``input_issue``, ``"*"``
        for capability) and the outcome issue (``issue``): the input's low/base/high
        (positions in user units, salience in the scenario's salience scale — 0–1 for a
        problem), the outcome at low/base/high (user units), ``delta``
        = high − low, and ``elasticity`` (module docstring). Sorted by model, issue and
        decreasing ``|delta|``.
    """
    import pandas as pd

    from summitry.forecast import resolve_models

    scenario = target if isinstance(target, Scenario) else None
    problem = target.problem() if isinstance(target, Scenario) else target
    sal_scale = scenario.salience_divisor if scenario is not None else 1.0
    instances = resolve_models(models, scenario, params)
    batch, specs = perturbations(problem, position_step=position_step,
                                 salience_step=salience_step, capability_step=capability_step)
    span = problem.upper - problem.lower
    rows: list[dict[str, Any]] = []
    for model in instances:
        out = problem.to_user(model.solve(batch).outcome)  # (D, I)
        if not np.all(np.isfinite(out)):
            raise SummitryError(f"model {model.name!r} returned a non-finite outcome in the "
                                "sensitivity batch")
        base = out[0]
        for k, sp in enumerate(specs):
            lo, hi = out[1 + 2 * k], out[2 + 2 * k]
            in_lo, in_base, in_hi = sp["low"], sp["base"], sp["high"]
            if sp["input"] == "position":
                i = sp["i"]
                in_lo, in_base, in_hi = (float(problem.lower[i] + v * span[i] / 100.0)
                                         for v in (in_lo, in_base, in_hi))
            elif sp["input"] == "salience":
                in_lo, in_base, in_hi = (v * sal_scale for v in (in_lo, in_base, in_hi))
            for j, issue in enumerate(problem.issues):
                delta = float(hi[j] - lo[j])
                rows.append({
                    "model": model.name, "actor": sp["actor"], "input": sp["input"],
                    "input_issue": sp["input_issue"], "issue": issue,
                    "input_low": in_lo, "input_base": in_base, "input_high": in_hi,
                    "low": float(lo[j]), "base": float(base[j]), "high": float(hi[j]),
                    "delta": delta,
                    "elasticity": delta / float(span[j]) / sp["norm"],
                })
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    if frame.empty:
        return frame
    frame["_abs"] = frame["delta"].abs()
    frame = frame.sort_values(["model", "issue", "_abs"], ascending=[True, True, False],
                              kind="stable").drop(columns="_abs").reset_index(drop=True)
    return frame


def tornado(frame: pd.DataFrame, issue: str, *, model: str | None = None,
            top: int | None = 10) -> pd.DataFrame:
    """The bars of a tornado chart: the rows of one outcome issue (and model).

    Only rows with a non-zero effect, largest ``|delta|`` first, at most ``top`` of them.
    """
    sel = frame[frame["issue"] == issue]
    if model is not None:
        sel = sel[sel["model"] == model]
    sel = sel[sel["delta"].abs() > 1e-12]
    sel = sel.reindex(sel["delta"].abs().sort_values(ascending=False, kind="stable").index)
    return sel.head(top) if top is not None else sel


def sobol(
    scenario: Scenario,
    models: str | Sequence[str] | None = None,
    *,
    n: int = 2048,
    seed: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """First-order and total Sobol indices of input groups (module docstring).

    Args:
        scenario: a scenario with an uncertainty block.
        models: model names (default: every registered model).
        n: base sample size ``N`` (the cost is ``N (G + 2)`` draws per model for ``G``
            groups; the estimators' error shrinks as ``1/√N``).
        seed: the seed of the two sample matrices.
        params: model settings ``{model: {param: value}}``.

    Returns:
        A tidy frame: ``model``, ``issue``, ``actor``, ``input`` (``position``,
        ``salience``, ``capability``, ``absence``), ``first`` (S), ``total`` (ST) and
        ``variance`` (of the issue's outcome, user units²); sorted by model, issue and
        decreasing ``total``.

    Raises:
        SummitryError: no uncertain input, or ``n`` < 2.
    """
    import pandas as pd

    from summitry.forecast import resolve_models
    from summitry.simulate import _assemble, _check_draws, _plan, _settle

    if _check_draws(n, "n") < 2:
        raise SummitryError(f"n must be at least 2, found {n}")
    plan = _plan(scenario)
    labels = [(plan.actors[i.actor], i.kind) for i in plan.inputs]
    labels += [(plan.actors[a.actor], "absence") for a in plan.absences]
    if not labels:
        raise SummitryError("the scenario has no uncertain input (no uncertainty block), "
                            "so there is no variance to attribute")
    groups = list(dict.fromkeys(labels))
    cols = np.array([groups.index(lab) for lab in labels])
    v = len(plan.inputs)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    a_mat, b_mat = rng.random((n, len(labels))), rng.random((n, len(labels)))
    blocks = [a_mat, b_mat]
    for g in range(len(groups)):
        ab = a_mat.copy()
        ab[:, cols == g] = b_mat[:, cols == g]
        blocks.append(ab)
    u = np.concatenate(blocks)
    problem, vacant = _assemble(plan, np.ascontiguousarray(u[:, :v].T),
                                np.ascontiguousarray(u[:, v:].T))
    instances = resolve_models(models, scenario, params)
    rows: list[dict[str, Any]] = []
    for model in instances:
        out = problem.to_user(_settle(problem, vacant, model.solve(problem).outcome))
        f_a, f_b = out[:n], out[n:2 * n]
        both = np.concatenate([f_a, f_b])
        var, mean = np.var(both, axis=0), np.mean(both, axis=0)
        safe = np.where(var > 0, var, 1.0)
        for g, (actor, kind) in enumerate(groups):
            f_ab = out[(2 + g) * n:(3 + g) * n]
            first = np.mean((f_b - mean) * (f_ab - f_a), axis=0) / safe
            total = np.mean((f_a - f_ab) ** 2, axis=0) / (2 * safe)
            for j, issue in enumerate(problem.issues):
                live = var[j] > 0
                rows.append({"model": model.name, "issue": issue, "actor": actor,
                             "input": kind, "first": float(first[j]) if live else 0.0,
                             "total": float(total[j]) if live else 0.0,
                             "variance": float(var[j])})
    frame = pd.DataFrame(rows, columns=["model", "issue", "actor", "input", "first", "total",
                                        "variance"])
    return frame.sort_values(["model", "issue", "total"], ascending=[True, True, False],
                             kind="stable").reset_index(drop=True)
