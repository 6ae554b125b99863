"""Backtests: how far the forecasts were from what happened.

Two backtests share the scoring code of :mod:`summitry.scoring` (a DEU III backtest of the
bargaining models is meant to reuse it too):

**(a) Published cases** (:func:`backtest_cases`). Every registered model forecasts each
case with known outcome; the score is the absolute error. The one case so far is the 1994
EU car-emission-standards decision of Bueno de Mesquita (1994) as reconstructed by Scholz,
Calbert & Smith (2011, Table 1): 10 actors on a scale of 4–10 years; the actual outcome was
8.833 years. Published reference points: weighted median 7, compromise (capability ×
salience weighted mean) 7.390, Bueno de Mesquita's expected-utility model 8.35 rising to 9.05
(data/README.md). The scenario is the shipped example ``bdm1994-car-emissions`` when it is
installed, else the same table built in code (:func:`car_emissions_scenario`).

**(b) The summit record** (:func:`backtest_summits`). Each summit of a reference class is
forecast by the base rates of the *other* summits of the class (leave-one-out; or, with
``mode="prequential"``, of the summits before it only) and scored against what happened
with the Brier score, the log score and the ranked probability score (outcomes ordered
no agreement < joint statement < binding agreement), side by side with the uniform forecast
(1/3 each). Skill = ``1 − score / uniform score``: above 0, the base rates carry
information about the next summit.

Results are tidy: a :class:`Backtest` holds a long frame (one row per case × model or per
summit), a summary dict and extra tables (the calibration table of the summit backtest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from summitry import scoring
from summitry.errors import SummitryError

if TYPE_CHECKING:
    import pandas as pd

    from summitry.reference import Filters
    from summitry.scenario import Scenario

__all__ = [
    "CASES",
    "Backtest",
    "Case",
    "backtest_cases",
    "backtest_summits",
    "car_emissions_scenario",
    "json_records",
]


@dataclass(frozen=True, eq=False)
class Backtest:
    """A backtest's result.

    Attributes:
        name: ``"cases"`` or ``"summits"``.
        frame: the tidy per-row results.
        summary: headline numbers (JSON-ready).
        tables: further frames (``"calibration"`` for the summit backtest).
    """

    name: str
    frame: pd.DataFrame
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"name", "summary", "rows", <tables>}`` (non-finite numbers → None)."""
        out: dict[str, Any] = {"name": self.name, "summary": _clean(self.summary),
                               "rows": json_records(self.frame)}
        for key, table in self.tables.items():
            out[key] = json_records(table)
        return out


def _clean(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts (NumPy scalars unwrapped, NaN/inf → None)."""
    return [_clean(dict(r)) for r in frame.to_dict(orient="records")]


# --- (a) published cases ---------------------------------------------------------------------

CAR_EMISSIONS_EXAMPLE = "bdm1994-car-emissions"


def car_emissions_scenario() -> Scenario:
    """The 1994 car-emissions case: the shipped example (Scholz, Calbert & Smith 2011,
    Table 1; tests/test_examples.py checks it against the published table)."""
    from summitry import examples
    from summitry.io import load

    return load(examples.path(CAR_EMISSIONS_EXAMPLE))


@dataclass(frozen=True)
class Case:
    """A published case with a known outcome.

    Attributes:
        id: short name.
        title: what was decided.
        source: where the data and the outcome come from.
        actual: ``{issue id: actual outcome}`` in the issue's units; an issue id of
            ``"*"`` means the scenario's only issue.
        scenario: builds the scenario.
    """

    id: str
    title: str
    source: str
    actual: dict[str, float]
    scenario: Callable[[], Scenario]


CASES: tuple[Case, ...] = (
    Case(
        id="car-emissions-1994",
        title="EU car-emission standards, years until application (1994)",
        source="Bueno de Mesquita (1994); Scholz, Calbert & Smith (2011), Table 1; "
               "actual outcome 8.833 years",
        actual={"*": 8.833},
        scenario=car_emissions_scenario,
    ),
)


def backtest_cases(
    models: str | Sequence[str] | None = None,
    *,
    cases: Sequence[Case] = CASES,
) -> Backtest:
    """Every model's point forecast of every published case, scored by absolute error.

    A model that cannot solve a case (:class:`~summitry.errors.ModelError`, e.g. a model
    needing several issues) gets a row with ``forecast`` NaN and the reason in ``note``;
    it is left out of the summary.

    Returns:
        frame columns ``case, issue, model, forecast, actual, error, abs_error, note``;
        summary ``{"n_cases", "models", "mae_by_model", "best_model", "actual"}``.
    """
    import pandas as pd

    from summitry.forecast import forecast, resolve_models

    rows: list[dict[str, Any]] = []
    for case in cases:
        sc = case.scenario()
        actual = {(sc.issue_ids[0] if k == "*" else k): v for k, v in case.actual.items()}
        if "*" in case.actual and len(sc.issues) != 1:
            raise SummitryError(f"case {case.id!r}: '*' needs a scenario with one issue")
        names = [m.name for m in resolve_models(models, sc)]
        for name in names:
            try:
                fc = forecast(sc, [name], draws=1)
            except SummitryError as exc:
                for iid, val in actual.items():
                    rows.append({"case": case.id, "issue": iid, "model": name,
                                 "forecast": math.nan, "actual": val, "error": math.nan,
                                 "abs_error": math.nan, "note": f"not solved: {exc}"})
                continue
            point = fc[name].point()
            for iid, val in actual.items():
                f = float(point[sc.issue_ids.index(iid)])
                rows.append({"case": case.id, "issue": iid, "model": name, "forecast": f,
                             "actual": val, "error": f - val, "abs_error": abs(f - val),
                             "note": ""})
    frame = pd.DataFrame(rows, columns=["case", "issue", "model", "forecast", "actual",
                                        "error", "abs_error", "note"])
    ok = frame.dropna(subset=["forecast"])
    mae_by_model = {str(m): scoring.mae(g["forecast"], g["actual"])
                    for m, g in ok.groupby("model", sort=False)}
    summary: dict[str, Any] = {
        "n_cases": len(cases),
        "models": list(dict.fromkeys(frame["model"])),
        "mae_by_model": mae_by_model,
        "best_model": min(mae_by_model, key=lambda m: mae_by_model[m]) if mae_by_model else None,
        "actual": {c.id: c.actual for c in cases},
    }
    return Backtest(name="cases", frame=frame, summary=summary)


# --- (b) the summit record ---------------------------------------------------------------------


def backtest_summits(
    filters: Filters | Mapping[str, Any] | None = None,
    *,
    smoothing: float = 0.0,
    mode: str = "loo",
    min_history: int = 5,
    bins: int = 5,
) -> Backtest:
    """Forecast each summit of a reference class by the base rates of the others.

    Args:
        filters: the reference class (:class:`~summitry.reference.Filters` or a mapping;
            default: the 39 core bilateral summits).
        smoothing: pseudo-count of :func:`~summitry.reference.base_rates` (0: plain
            frequencies, the forecast the prior uses; 0.5 avoids probability-0 misses in
            small classes, whose log score is ``-inf``).
        mode: ``"loo"`` — from all other summits of the class; ``"prequential"`` — from
            the summits that started before it (only those with at least ``min_history``
            earlier summits are scored).
        min_history: see ``mode``.
        bins: bins of the calibration table.

    Returns:
        frame: one row per scored summit — ``summit_id, year, outcome`` and the forecast
        ``p_<code>`` per code, ``brier, log_score, rps`` and the uniform forecast's
        ``brier_uniform, log_score_uniform, rps_uniform``. summary: ``n``, the mean of
        each score for base rates and uniform, and the skill ``1 − score/uniform`` for
        each. tables: ``calibration`` (one-vs-rest, :func:`scoring.calibration_table`).
    """
    import pandas as pd

    from summitry.reference import OUTCOME_CODES, Filters, base_rates, summit_record

    if mode not in ("loo", "prequential"):
        raise SummitryError(f"mode: expected 'loo' or 'prequential', found {mode!r}")
    flt = filters if isinstance(filters, Filters) else Filters.from_mapping(filters)
    record = summit_record()
    members = flt.select(record).sort_values("start_date", kind="stable")
    if len(members) < 2:
        raise SummitryError(f"the filters {flt.to_dict()} select {len(members)} summit(s); a "
                            "backtest needs at least 2")
    ids = [str(s) for s in members["summit_id"]]
    forecasts: list[list[float]] = []
    scored: list[int] = []
    for k, sid in enumerate(ids):
        if mode == "loo":
            exclude = (*flt.exclude, sid)
        else:
            if k < min_history:
                continue
            exclude = (*flt.exclude, *ids[k:])
        rates = base_rates(flt.replace(exclude=exclude), smoothing=smoothing, record=record)
        forecasts.append([rates[c] for c in OUTCOME_CODES])
        scored.append(k)
    if not scored:
        raise SummitryError(f"no summit has {min_history} earlier summits in the class; "
                            "lower min_history or widen the filters")
    probs = np.array(forecasts)
    rows = members.iloc[scored]
    outcome = np.array([OUTCOME_CODES.index(str(o)) for o in rows["outcome"]], dtype=np.int64)
    unif = scoring.uniform(len(scored), len(OUTCOME_CODES))
    frame = pd.DataFrame({
        "summit_id": [ids[k] for k in scored],
        "year": rows["year"].to_numpy(),
        "outcome": rows["outcome"].to_numpy(),
        **{f"p_{c}": probs[:, j] for j, c in enumerate(OUTCOME_CODES)},
        "brier": scoring.brier_each(probs, outcome),
        "log_score": scoring.log_score_each(probs, outcome),
        "rps": scoring.rps_each(probs, outcome),
        "brier_uniform": scoring.brier_each(unif, outcome),
        "log_score_uniform": scoring.log_score_each(unif, outcome),
        "rps_uniform": scoring.rps_each(unif, outcome),
    })
    summary: dict[str, Any] = {"n": len(scored), "mode": mode, "smoothing": smoothing,
                               "filters": flt.to_dict()}
    for name in ("brier", "log_score", "rps"):
        ours = float(frame[name].mean())
        ref = float(frame[f"{name}_uniform"].mean())
        summary[name] = ours
        summary[f"{name}_uniform"] = ref
        summary[f"{name}_skill"] = scoring.skill(ours, ref) if math.isfinite(ours) else -math.inf
    calib = scoring.calibration_table(probs, outcome, bins=bins)
    return Backtest(name="summits", frame=frame, summary=summary,
                    tables={"calibration": calib})
