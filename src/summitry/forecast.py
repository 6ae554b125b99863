"""From a scenario to a forecast: run models, keep every draw, summarise tidily.

:func:`forecast` runs one or more registered models on a scenario — the point problem
(``draws=1``) or a Monte Carlo batch drawn from the scenario's uncertainty block
(``draws > 1``, see :mod:`summitry.simulate`) — and returns a :class:`Forecast`:

- per model, the :class:`~summitry.models.base.Solution` (outcome per draw and issue on
  0–100, round-by-round history for the dynamic models) and the outcome in user units;
- per-issue summaries (point, mean, quantiles) in user units;
- :meth:`Forecast.to_frame` — a long pandas frame (model, draw, issue, value) with
  provenance in ``frame.attrs``;
- :meth:`Forecast.to_dict` — the JSON document the CLI prints (docs/cli.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from summitry.errors import SummitryError
from summitry.models import Solution, get_model, model_class, model_names
from summitry.models.base import solve
from summitry.problem import Problem
from summitry.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["QUANTILES", "Forecast", "ModelForecast", "forecast", "resolve_models"]

#: Quantiles reported for every issue (5/25/50/75/95 %).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class ModelForecast:
    """One model's result on one scenario."""

    model: str
    params: dict[str, Any]
    solution: Solution
    outcome: NDArray[np.float64]  # (D, I), user units

    @property
    def n_draws(self) -> int:
        return int(self.outcome.shape[0])

    def point(self) -> NDArray[np.float64]:
        """The point forecast per issue (user units): the draw itself for one draw,
        otherwise the median over draws."""
        return self.outcome[0] if self.n_draws == 1 else np.median(self.outcome, axis=0)

    def quantiles(self, qs: Sequence[float] = QUANTILES) -> NDArray[np.float64]:
        """``(len(qs), I)`` quantiles over draws in user units."""
        return np.quantile(self.outcome, list(qs), axis=0)


@dataclass(frozen=True, eq=False)
class Forecast:
    """Forecasts of several models on one scenario, with provenance."""

    scenario: Scenario
    problem: Problem
    results: tuple[ModelForecast, ...]
    draws: int
    seed: int | None
    provenance: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(r.model for r in self.results)

    def __getitem__(self, model: str) -> ModelForecast:
        for r in self.results:
            if r.model == model:
                return r
        raise KeyError(model)

    # -- named outcomes ---------------------------------------------------------------------
    def outcome_labels(self, model: str) -> NDArray[np.int64]:
        """Index of the named outcome of every draw of ``model`` (``(D,)``)."""
        from summitry.outcomes import classify

        return classify(self.scenario, self[model].outcome)

    def outcome_probabilities(self, model: str | None = None) -> dict[str, float]:
        """P(named outcome) for one model, or combined across models (``model=None``,
        weighted by :attr:`weights`, equal by default)."""
        from summitry.outcomes import combine, probabilities

        if model is not None:
            return probabilities(self.scenario, self[model].outcome)
        per = {r.model: probabilities(self.scenario, r.outcome) for r in self.results}
        return combine(per, self.weights or None)

    # -- tidy output ------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Long frame: one row per model × draw × issue with ``value`` (user units) and
        ``value_0_100``; provenance in ``attrs``."""
        import pandas as pd

        frames = []
        issues = np.array(self.problem.issues, dtype=object)
        for r in self.results:
            d, i = r.outcome.shape
            frames.append(
                pd.DataFrame(
                    {
                        "model": r.model,
                        "draw": np.repeat(np.arange(d), i),
                        "issue": np.tile(issues, d),
                        "value": r.outcome.reshape(-1),
                        "value_0_100": r.solution.outcome.reshape(-1),
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame.attrs["provenance"] = dict(self.provenance)
        return frame

    def summary_frame(self) -> pd.DataFrame:
        """One row per model × issue: point, mean and the :data:`QUANTILES`."""
        import pandas as pd

        rows = []
        for r in self.results:
            point = r.point()
            qs = r.quantiles()
            mean = r.outcome.mean(axis=0)
            for k, iss in enumerate(self.scenario.issues):
                row = {"model": r.model, "issue": iss.id, "name": iss.label,
                       "point": point[k], "mean": mean[k]}
                row.update({f"q{int(q * 100):02d}": qs[j, k] for j, q in enumerate(QUANTILES)})
                rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self, *, history: bool = False) -> dict[str, Any]:
        """The JSON document of ``summitry forecast --format json`` (docs/cli.md)."""
        sc = self.scenario
        p = self.problem
        out: dict[str, Any] = {
            "scenario": {"id": sc.id, "title": sc.meta.title or sc.id,
                         "input_hash": sc.input_hash()},
            "provenance": self.provenance,
            "forecasts": [],
        }
        for r in self.results:
            point = r.point()
            point01 = p.to_unit(point)
            qs = r.quantiles()
            entry: dict[str, Any] = {
                "model": r.model,
                "params": _jsonable(r.params),
                "issues": [],
            }
            for k, iss in enumerate(sc.issues):
                item: dict[str, Any] = {
                    "id": iss.id,
                    "name": iss.label,
                    "outcome": float(point[k]),
                    "outcome_0_100": float(point01[k]),
                    "label": iss.anchor_label(float(point[k])),
                }
                if self.draws > 1:
                    item["mean"] = float(r.outcome[:, k].mean())
                    item["quantiles"] = {f"{q:g}": float(qs[j, k])
                                         for j, q in enumerate(QUANTILES)}
                entry["issues"].append(item)
            if sc.outcomes:
                probs = self.outcome_probabilities(r.model)
                entry["outcomes"] = [{"name": n, "probability": probs[n]} for n in probs]
            if r.solution.n_rounds is not None:
                entry["rounds"] = int(np.max(r.solution.n_rounds))
            if history and r.solution.history is not None:
                entry["history"] = history_dict(p, r.solution)
            out["forecasts"].append(entry)
        if sc.outcomes:
            combined = self.outcome_probabilities()
            out["outcomes"] = [{"name": n, "probability": combined[n]} for n in combined]
            out["outcome_weights"] = self.weights or {m: 1.0 for m in self.models}
        return out


def history_dict(problem: Problem, sol: Solution) -> list[dict[str, Any]]:
    """Round-by-round positions and outcomes of draw 0 in user units (JSON-ready)."""
    assert sol.history is not None
    rounds = []
    hist = problem.to_user(sol.history[0])  # (T, A, I)
    ho = problem.to_user(sol.history_outcome[0]) if sol.history_outcome is not None else None
    n = int(sol.n_rounds[0]) if sol.n_rounds is not None else hist.shape[0] - 1
    for t in range(min(hist.shape[0], n + 1)):
        item: dict[str, Any] = {
            "round": t,
            "positions": {
                a: {i: float(hist[t, ai, ii]) for ii, i in enumerate(problem.issues)}
                for ai, a in enumerate(problem.actors)
            },
        }
        if ho is not None:
            item["outcome"] = {i: float(ho[t, ii]) for ii, i in enumerate(problem.issues)}
        if sol.events is not None and t >= 1 and t - 1 < len(sol.events):
            item["events"] = _jsonable(sol.events[t - 1])
        rounds.append(item)
    return rounds


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def resolve_models(
    models: str | Sequence[str] | None,
    scenario: Scenario | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Any]:
    """Model instances for names (``None`` or ``"all"``: every registered model).

    Settings come from the scenario's ``model_params`` first, overridden by ``params``
    (``{model: {param: value}}``); a setting a model does not take is an error, except
    the generic ones under ``"*"`` (e.g. ``rounds``), which apply to the models that take them.
    """
    if models is None or models == "all" or models == ["all"]:
        names = model_names()
    elif isinstance(models, str):
        names = [m.strip() for m in models.split(",") if m.strip()]
    else:
        names = list(models)
    out = []
    for name in names:
        allowed = set(model_class(name).param_names())
        merged: dict[str, Any] = {}
        if scenario is not None:
            merged.update(scenario.model_params.get(name, {}))
        if params:  # "*" settings go to the models that take them
            merged.update({k: v for k, v in params.get("*", {}).items() if k in allowed})
            merged.update(params.get(name, {}))
        out.append(get_model(name, **merged))
    return out


def forecast(
    scenario: Scenario,
    models: str | Sequence[str] | None = None,
    *,
    draws: int = 1,
    seed: int | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    weights: Mapping[str, float] | None = None,
    progress: ProgressFn | None = None,
    executor: Any = None,
    chunk_size: int | None = None,
) -> Forecast:
    """Forecast ``scenario`` with ``models`` (default: every registered model).

    Args:
        scenario: the validated scenario.
        models: model names, a comma-separated string, or ``None``/``"all"``.
        draws: 1 for the point forecast; more draws sample the uncertainty block.
        seed: the Monte Carlo seed (required for reproducible draws; default 0).
        params: model settings, ``{model: {param: value}}``; ``"*"`` applies to all.
        weights: weights of the models in the combined named-outcome forecast.
        progress: callback ``progress(done, total)`` over chunks.
        executor: an executor from :mod:`summitry.executors` (default: serial).
        chunk_size: draws per chunk (memory stays flat in ``draws``).
    """
    if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
        raise SummitryError(f"draws must be a whole number ≥ 1, found {draws!r}")
    instances = resolve_models(models, scenario, params)
    if weights:
        unknown = sorted(set(weights) - {m.name for m in instances})
        if unknown:
            raise SummitryError(
                f"outcome weight for model {unknown[0]!r}, which is not being run; "
                "expected one of: " + ", ".join(m.name for m in instances)
            )
        if any((not np.isfinite(w)) or w < 0 for w in weights.values()) or not any(
            w > 0 for w in weights.values()
        ):
            raise SummitryError("model weights must be finite, ≥ 0 and not all 0")
    if draws == 1:
        problem = scenario.problem()
        sols = [solve(m, problem) for m in instances]
        if progress:
            progress(1, 1)
    else:
        from summitry.simulate import run_batch

        problem, sols = run_batch(
            scenario, instances, draws=draws, seed=0 if seed is None else seed,
            progress=progress, executor=executor, chunk_size=chunk_size,
        )
    results = tuple(
        ModelForecast(model=m.name, params=m.params(), solution=s,
                      outcome=problem.to_user(s.outcome))
        for m, s in zip(instances, sols, strict=True)
    )
    from summitry import __version__

    seed_used = None if draws == 1 else (0 if seed is None else int(seed))
    prov: dict[str, Any] = {
        "models": {m.name: _jsonable(m.params()) for m in instances},
        "draws": int(draws),
        "seed": seed_used,
        "input_hash": scenario.input_hash(),
        "version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return Forecast(
        scenario=scenario, problem=problem, results=results,
        draws=int(draws), seed=seed_used, provenance=prov, weights=dict(weights or {}),
    )
