"""Tidy frames behind every chart and table of the report, the briefing and the web app.

Each function reads a :class:`~summitry.scenario.Scenario` and/or a
:class:`~summitry.forecast.Forecast` and returns a small long-format
:class:`pandas.DataFrame` (one row per actor × issue, model × issue, round × actor …) in
the user's units. Charts (:mod:`summitry.report.charts`) and tables are drawn from these
frames only, so the report, the article and the web app show the same numbers.

The *combined* forecast of an issue pools the draws of every model (a linear opinion pool,
as :func:`summitry.outcomes.combine` does for the named outcomes): each model's draws carry
weight ``w_m / D`` with the forecast's model weights (equal by default), and the combined
point and interval are the weighted median and 5 %/95 % quantiles of the pool. With a single
draw per model the interval is the range of the models' point forecasts.

Optional analysis modules (:mod:`summitry.signals`, :mod:`summitry.reference`,
:mod:`summitry.sensitivity`) are read through :func:`optional_module`; a section whose
module is not installed is left out, never an error.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd

    from summitry.forecast import Forecast
    from summitry.scenario import Scenario, SignalUpdate

__all__ = [
    "IssueForecast",
    "OutcomeSummary",
    "combined_issue_forecast",
    "draws_histogram_frame",
    "history_updates",
    "model_comparison_frame",
    "optional_module",
    "outcome_summary",
    "outcome_probability_frame",
    "positions_frame",
    "probability_history_frame",
    "tornado_frames",
    "trajectory_frame",
    "weighted_quantiles",
]


def optional_module(name: str) -> ModuleType | None:
    """``summitry.<name>`` if it can be imported, else ``None`` (the section is skipped)."""
    try:
        return importlib.import_module(f"summitry.{name}")
    except ImportError:
        return None


def weighted_quantiles(
    values: NDArray[np.float64], weights: NDArray[np.float64], qs: list[float]
) -> NDArray[np.float64]:
    """Quantiles of weighted samples.

    The inverse of the weighted empirical CDF, with linear interpolation between the
    midpoints of the samples' weight masses.

    >>> weighted_quantiles(np.array([1.0, 2.0, 3.0]), np.ones(3), [0.5]).tolist()
    [2.0]
    """
    order = np.argsort(values, kind="stable")
    v = values[order]
    w = weights[order]
    total = float(w.sum())
    if v.size == 0 or total <= 0:
        return np.full(len(qs), np.nan)
    mid = (np.cumsum(w) - 0.5 * w) / total
    out: NDArray[np.float64] = np.interp(np.asarray(qs, dtype=float), mid, v)
    return out


@dataclass(frozen=True)
class IssueForecast:
    """The combined forecast of one issue in user units."""

    issue: str
    point: float
    low: float
    high: float
    interval: str  # what [low, high] is: "90% interval" or "range across models"


def _model_weights(forecast: Forecast) -> dict[str, float]:
    if forecast.weights:
        return {m: float(forecast.weights.get(m, 0.0)) for m in forecast.models}
    return {m: 1.0 for m in forecast.models}


def combined_issue_forecast(forecast: Forecast) -> list[IssueForecast]:
    """Per issue, the pooled point forecast and its interval (see the module docstring)."""
    weights = _model_weights(forecast)
    out = []
    for k, iss in enumerate(forecast.scenario.issues):
        vals = []
        wts = []
        for r in forecast.results:
            wm = weights.get(r.model, 0.0)
            if wm <= 0:
                continue
            col = r.outcome[:, k]
            vals.append(col)
            wts.append(np.full(col.shape, wm / col.shape[0]))
        v = np.concatenate(vals)
        w = np.concatenate(wts)
        if forecast.draws > 1:
            lo, mid, hi = (float(x) for x in weighted_quantiles(v, w, [0.05, 0.5, 0.95]))
            label = "90% interval"
        else:
            mid = float(weighted_quantiles(v, w, [0.5])[0])
            lo, hi = float(v.min()), float(v.max())
            label = "range across models"
        out.append(IssueForecast(iss.id, float(mid), float(lo), float(hi), label))
    return out


def positions_frame(scenario: Scenario) -> pd.DataFrame:
    """One row per stance.

    Actor, issue, position (user units), salience (0–1), capability, ``weight`` = capability ×
    salience, the nearest anchor label, source.
    """
    import pandas as pd

    div = scenario.salience_divisor
    rows = []
    for st in scenario.stances:
        actor = scenario.actor(st.actor)
        iss = scenario.issue(st.issue)
        cap = actor.capability_on(iss.id)
        sal = st.salience / div
        rows.append({
            "actor_id": actor.id, "actor": actor.label, "issue_id": iss.id,
            "issue": iss.label, "position": float(st.position), "salience": float(sal),
            "capability": float(cap), "weight": float(cap * sal),
            "label": iss.anchor_label(float(st.position)), "source": st.source,
        })
    return pd.DataFrame(rows, columns=["actor_id", "actor", "issue_id", "issue", "position",
                                       "salience", "capability", "weight", "label", "source"])


def model_comparison_frame(forecast: Forecast) -> pd.DataFrame:
    """One row per model × issue (plus ``combined``).

    Point, mean, 5/50/95 % quantiles, the nearest anchor label and whether the model is dynamic
    (rounds played).
    """
    import pandas as pd

    from summitry.models import model_class

    sc = forecast.scenario
    rows = []
    for r in forecast.results:
        point = r.point()
        qs = r.quantiles((0.05, 0.5, 0.95))
        mean = r.outcome.mean(axis=0)
        try:
            title = model_class(r.model).title or r.model
        except Exception:  # an unregistered model name in a hand-built forecast
            title = r.model
        rounds = (None if r.solution.n_rounds is None
                  else int(np.max(r.solution.n_rounds)))
        for k, iss in enumerate(sc.issues):
            rows.append({
                "model": r.model, "title": title, "issue_id": iss.id, "issue": iss.label,
                "point": float(point[k]), "mean": float(mean[k]), "q05": float(qs[0, k]),
                "q50": float(qs[1, k]), "q95": float(qs[2, k]),
                "label": iss.anchor_label(float(point[k])), "rounds": rounds,
            })
    for k, comb in enumerate(combined_issue_forecast(forecast)):
        iss = sc.issues[k]
        rows.append({
            "model": "combined", "title": "All models pooled", "issue_id": iss.id,
            "issue": iss.label, "point": comb.point, "mean": np.nan, "q05": comb.low,
            "q50": comb.point, "q95": comb.high, "label": iss.anchor_label(comb.point),
            "rounds": None,
        })
    return pd.DataFrame(rows)


def draws_histogram_frame(forecast: Forecast, issue: str, bins: int = 40) -> pd.DataFrame:
    """Share of each model's draws per bin of ``issue``'s scale.

    Columns ``model``, ``start``, ``end``, ``mid``, ``share``. With one draw the frame
    holds the point (share 1).
    """
    import pandas as pd

    sc = forecast.scenario
    k = sc.issue_ids.index(issue)
    iss = sc.issues[k]
    edges = np.linspace(iss.lower, iss.upper, bins + 1)
    rows = []
    for r in forecast.results:
        col = r.outcome[:, k]
        counts, _ = np.histogram(np.clip(col, iss.lower, iss.upper), bins=edges)
        share = counts / max(col.size, 1)
        for b in range(bins):
            rows.append({"model": r.model, "start": float(edges[b]), "end": float(edges[b + 1]),
                         "mid": float((edges[b] + edges[b + 1]) / 2),
                         "share": float(share[b])})
    return pd.DataFrame(rows, columns=["model", "start", "end", "mid", "share"])


def trajectory_frame(forecast: Forecast, model: str) -> pd.DataFrame:
    """Round-by-round positions of draw 0 and the model's outcome after each round.

    One row per round × actor × issue (``kind`` = ``actor``) and per round × issue for
    the outcome (``kind`` = ``outcome``), in user
    units. Empty for a static model.
    """
    import pandas as pd

    cols = ["round", "actor", "issue_id", "issue", "position", "kind"]
    sol = forecast[model].solution
    if sol.history is None:
        return pd.DataFrame(columns=cols)
    p = forecast.problem
    sc = forecast.scenario
    hist = p.to_user(sol.history[0])  # (T, A, I)
    n = int(sol.n_rounds[0]) if sol.n_rounds is not None else hist.shape[0] - 1
    t_max = min(hist.shape[0], n + 1)
    active = np.asarray(p.active[0])  # (A, I)
    labels = [sc.actor(a).label for a in p.actors]
    rows = []
    for t in range(t_max):
        for ai, name in enumerate(labels):
            for ii, iss in enumerate(sc.issues):
                if active[ai, ii]:
                    rows.append((t, name, iss.id, iss.label, float(hist[t, ai, ii]), "actor"))
    if sol.history_outcome is not None:
        ho = p.to_user(sol.history_outcome[0])
        for t in range(min(ho.shape[0], t_max)):
            for ii, iss in enumerate(sc.issues):
                rows.append((t, "forecast", iss.id, iss.label, float(ho[t, ii]), "outcome"))
    return pd.DataFrame(rows, columns=cols)


def outcome_probability_frame(forecast: Forecast) -> pd.DataFrame:
    """P(named outcome) per model and combined.

    Columns ``model``, ``outcome``, ``order``, ``probability``; empty when the scenario
    names no outcomes.
    """
    import pandas as pd

    sc = forecast.scenario
    cols = ["model", "outcome", "order", "probability"]
    if not sc.outcomes:
        return pd.DataFrame(columns=cols)
    rows = []
    for m in [*forecast.models, None]:
        probs = forecast.outcome_probabilities(m)
        for k, name in enumerate(sc.outcome_names):
            rows.append((m or "combined", name, k, float(probs[name])))
    return pd.DataFrame(rows, columns=cols)


def history_updates(scenario: Scenario,
                    prior: Mapping[str, float] | None = None) -> tuple[SignalUpdate, ...]:
    """The updates behind the probability history.

    The scenario's update log when it has entries; otherwise, when ``prior`` is given and
    the scenario marks signals observed or absent, those signals replayed from ``prior``
    by :func:`summitry.signals.history` (the path the current probabilities took);
    otherwise none.
    """
    if scenario.updates or prior is None or not scenario.outcomes:
        return tuple(scenario.updates)
    sig = optional_module("signals")
    if sig is None or not any(s.status != "unknown" for s in scenario.signals):
        return ()
    return tuple(sig.history(scenario, dict(prior)))


def probability_history_frame(scenario: Scenario,
                              updates: Sequence[SignalUpdate] | None = None) -> pd.DataFrame:
    """The named-outcome probabilities through a sequence of updates.

    ``updates`` defaults to the scenario's update log (see :func:`history_updates`). Step
    0 is the prior of the first update; step ``k`` is the posterior after the ``k``-th.
    Columns: ``step``, ``date``, ``label`` (``start`` or the step and date), ``signal``,
    ``text`` (the signal's text), ``note``, ``outcome``, ``order``, ``probability``.
    """
    import pandas as pd

    cols = ["step", "date", "label", "signal", "text", "note", "outcome", "order",
            "probability"]
    ups = tuple(scenario.updates if updates is None else updates)
    if not ups or not scenario.outcomes:
        return pd.DataFrame(columns=cols)
    texts = {s.id: s.text for s in scenario.signals}
    names = scenario.outcome_names
    rows: list[tuple[Any, ...]] = []
    first = ups[0]
    for k, name in enumerate(names):
        rows.append((0, first.date.isoformat(), "start", "", "", "", name, k,
                     float(first.prior.get(name, np.nan))))
    for step, up in enumerate(ups, start=1):
        label = f"{step}. {up.date:%d %b}"
        what = texts.get(up.signal, up.signal)
        if up.status == "absent":
            what = f"(absent) {what}"
        for k, name in enumerate(names):
            rows.append((step, up.date.isoformat(), label, up.signal, what, up.note, name, k,
                         float(up.posterior.get(name, np.nan))))
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class OutcomeSummary:
    """Where the named-outcome probabilities of a report or article come from.

    Attributes:
        names: the named outcomes in the scenario's order.
        models: the models' combined probabilities (the inside view).
        base_rates: the summit record's base rates mapped onto the outcomes (the outside
            view), or ``None`` when the scenario has no reference mapping or
            :mod:`summitry.reference` is not installed.
        base_n: the number of summits behind ``base_rates``.
        prior: the pooled prior (:func:`summitry.reference.prior`), or ``models``.
        current: the current probabilities: the latest posterior of the update log, else
            the prior updated by the signals the scenario marks, else the prior.
        basis: how ``current`` was obtained (``"update log"``, ``"signals"``, ``"prior"``).
    """

    names: tuple[str, ...]
    models: dict[str, float]
    base_rates: dict[str, float] | None
    base_n: int
    prior: dict[str, float]
    current: dict[str, float]
    basis: str


def outcome_summary(scenario: Scenario, forecast: Forecast) -> OutcomeSummary | None:
    """The named-outcome probabilities to publish (``None`` without named outcomes)."""
    names = scenario.outcome_names
    if not names:
        return None
    models = forecast.outcome_probabilities()
    base: dict[str, float] | None = None
    base_n = 0
    prior = dict(models)
    ref = optional_module("reference")
    if ref is not None and scenario.reference is not None and scenario.reference.mapping:
        rates = ref.base_rates(scenario.reference.filters or None)
        base = ref.map_to_outcomes(rates, scenario)
        base_n = int(rates.n)
        prior = ref.prior(scenario, models)
    if scenario.updates and set(scenario.updates[-1].posterior) == set(names):
        last = scenario.updates[-1].posterior
        current = {n: float(last[n]) for n in names}
        basis = "update log"
    else:
        current = dict(prior)
        basis = "prior"
        sig = optional_module("signals")
        if sig is not None and any(s.status != "unknown" for s in scenario.signals):
            steps = sig.history(scenario, prior)
            if steps:
                current = {n: float(steps[-1].posterior[n]) for n in names}
                basis = "signals"
    return OutcomeSummary(tuple(names), dict(models), base, base_n, prior, current, basis)


def tornado_frames(scenario: Scenario, forecast: Forecast,
                   top: int = 12) -> dict[str, pd.DataFrame]:
    """One-at-a-time sensitivity per issue for the tornado charts.

    Runs :func:`summitry.sensitivity.elasticities` with the forecast's models and settings
    on the scenario's point problem and averages each input's low/high outcome over the
    models (the sensitivity of the models' mean forecast). Returns ``{issue id: frame}``
    with ``input`` (e.g. ``"Russia · salience on Sanctions relief"``), ``low``, ``high``,
    ``base``, at most ``top`` rows, largest swing first; ``{}`` when
    :mod:`summitry.sensitivity` is not installed.
    """
    import pandas as pd

    mod = optional_module("sensitivity")
    if mod is None:
        return {}
    from summitry.models import model_names

    known = set(model_names())
    models = [m for m in forecast.models if m in known]
    if not models:
        return {}
    params = {r.model: dict(r.params) for r in forecast.results if r.model in known}
    frame = mod.elasticities(scenario, models, params=params)
    if frame.empty:
        return {}
    labels = {a.id: a.label for a in scenario.actors}
    issues = {i.id: i.label for i in scenario.issues}
    grouped = frame.groupby(["issue", "actor", "input", "input_issue"], sort=False)[
        ["low", "high", "base"]].mean().reset_index()
    out: dict[str, pd.DataFrame] = {}
    for iid in scenario.issue_ids:
        sub = grouped[grouped["issue"] == iid].copy()
        sub = sub[(sub["high"] - sub["low"]).abs() > 1e-9]
        if sub.empty:
            continue
        sub["input_label"] = [
            f"{labels.get(a, a)} · {inp}" + (
                "" if inp == "capability" or ii == iid else f" on {issues.get(ii, ii)}")
            for a, inp, ii in zip(sub["actor"], sub["input"], sub["input_issue"], strict=True)
        ]
        sub["swing"] = (sub["high"] - sub["low"]).abs()
        sub = sub.sort_values("swing", ascending=False, kind="stable").head(top)
        out[iid] = pd.DataFrame({"input": sub["input_label"].to_numpy(),
                                 "low": sub["low"].to_numpy(), "high": sub["high"].to_numpy(),
                                 "base": sub["base"].to_numpy()})
    return out
