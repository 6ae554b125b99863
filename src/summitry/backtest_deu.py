"""The DEU III backtest: every bargaining model against real EU legislative outcomes.

The DEU III data set (Arregui & Perarnaud 2022; :mod:`summitry.io.deu`) codes, for each
controversial issue of an EU legislative proposal, every actor's position and salience,
the reference point and the outcome on 0–100. :func:`backtest_deu` runs every registered
model (or the chosen ones) on every *scoreable* issue — a valid outcome and at least three
actors with a position — and scores the forecasts with :mod:`summitry.scoring`: mean
absolute error (MAE), root-mean-square error, median absolute error and the share of
issues within 10 points, overall and per procedure (COD / CNS).

**Batching.** Issues have different actors. All issues go into ONE
:class:`~summitry.problem.Problem` with the 30 DEU actors (absent ones ``active=False``)
and the issues on the *draw* axis (``D`` = issues, ``I`` = 1), so each model solves once
and every model — including the multi-dimensional SMP and the exchange model — treats each
issue on its own, as the DEU studies do. A model that cannot solve a single issue (a
:class:`~summitry.errors.ModelError`, e.g. an exchange model needing two issues to trade)
is reported as not applicable, with its reason.

**Baseline.** The salience-weighted mean of all actors with a position, a missing
salience taken as 50, equal capability — the reference of the data README (MAE 24.41 on
the dev file). Each model's difference from it comes with a 95 % bootstrap interval that
resamples whole proposals (the issues of one proposal are not independent), seeded.

**Published figures** (:data:`PUBLISHED`, specs/models.md §2a) are shown beside ours.
They were measured on all 351 scoreable DEU III issues, not on the same sample.

**The ensemble** (:mod:`summitry.models.ensemble`) was fitted on the dev file: on issues it
was trained on its score is in-sample, and the result says so. ``cv_ensemble=True``
replaces those forecasts by out-of-fold ones from grouped cross-validation (weights refitted
without the proposal's issues; needs SciPy). :func:`grouped_folds` assigns whole proposals
to folds, so a proposal never sits in training and evaluation at once;
:func:`ensemble_cv` is the nested cross-validation of scripts/fit_ensemble.py.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from summitry import scoring
from summitry.errors import ModelError, SummitryError, ValidationError
from summitry.io.deu import ACTOR_CODES, DEFAULT_MISSING_SALIENCE, DeuData, DeuIssue, parse
from summitry.problem import Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BASELINE",
    "PUBLISHED",
    "DeuBacktest",
    "backtest_deu",
    "baseline_forecast",
    "bootstrap_difference",
    "deu_problem",
    "ensemble_cv",
    "grouped_folds",
    "mae_chart_svg",
    "point_scores",
]

FloatArray = NDArray[np.float64]

BASELINE = "baseline"
"""The name of the baseline's rows: the salience-weighted mean (equal capability)."""

WITHIN = 10.0

#: Published MAEs on DEU III (all 351 scoreable issues), specs/models.md §2a.
PUBLISHED: dict[str, list[dict[str, Any]]] = {
    BASELINE: [
        {"mae": 23.64, "n": 351, "what": "salience-weighted mean (compromise, equal "
         "capability)", "source": "schelling DECISIONS.md D9.4 [V]"},
        {"mae": 24.41, "n": 242, "what": "same on this dev file (missing salience = 50)",
         "source": "shared/data/README.md (computed independently)"},
    ],
    "compromise": [
        {"mae": 22.99, "rmse": 29.77, "median_ae": 17.54, "n": 351,
         "what": "Council-vote capability × salience", "source": "schelling BACKTEST.md [V]"},
        {"mae": 23.64, "n": 351, "what": "equal capability", "source": "schelling D9.4 [V]"},
    ],
    "challenge": [
        {"mae": 27.94, "n": 351, "what": "paper-faithful (Q=1, dynamic R, risk on)",
         "source": "schelling BACKTEST.md [V]"},
        {"mae": 28.31, "n": 351, "what": "same, equal capability", "source": "schelling D9.4"},
        {"mae": 26.83, "rmse": 38.51, "n": 351, "what": "reference point as status quo, "
         "Q=0.7 (tuned on half)", "source": "schelling BACKTEST.md [V]"},
    ],
    "median": [
        {"mae": 28.37, "n": 351, "what": "median actor position",
         "source": "schelling BACKTEST.md [V]"},
    ],
}


# --- the batched problem -------------------------------------------------------------------


def deu_problem(
    issues: Sequence[DeuIssue],
    *,
    capability: str = "ssi",
    period: str | None = None,
    missing_salience: float = DEFAULT_MISSING_SALIENCE,
) -> Problem:
    """All ``issues`` as one problem: ``D`` = issues, the 30 DEU actors, ``I`` = 1.

    Actors without a position on an issue are inactive there; the status quo is the
    reference point ``rp`` (NaN where missing); capability follows ``capability``
    (:mod:`summitry.capability`). ``meta`` holds the issue ids and procedures.
    """
    if not issues:
        raise SummitryError("no issues to build a problem from")
    pos = np.array([it.positions for it in issues])  # (N, 30)
    act = ~np.isnan(pos)
    sal = np.array([it.salience_filled(missing_salience) for it in issues]) / 100.0
    cap = np.array([it.capabilities(capability, period) for it in issues])
    sq = np.array([math.nan if it.reference is None else it.reference for it in issues])
    return Problem.from_arrays(
        positions=np.where(act, pos, 50.0)[:, :, None], salience=sal[:, :, None],
        capability=cap[:, :, None], active=act[:, :, None], status_quo=sq[:, None],
        actors=ACTOR_CODES, issues=("issue",),
        meta={"deu_issues": [it.issue for it in issues],
              "procedure": [it.procedure for it in issues], "capability": capability},
    )


def baseline_forecast(issues: Sequence[DeuIssue],
                      missing_salience: float = DEFAULT_MISSING_SALIENCE) -> FloatArray:
    """The salience-weighted mean of every actor with a position, per issue ``(N,)``.

    Equal capability; a missing salience counts as ``missing_salience``; when every
    salience is 0 the plain mean (as the compromise model falls back).
    """
    from summitry.models.compromise import weighted_mean

    prob = deu_problem(issues, capability="equal", missing_salience=missing_salience)
    return np.asarray(weighted_mean(prob)[:, 0], dtype=float)


# --- scores ------------------------------------------------------------------------------------


def point_scores(pred: FloatArray, actual: FloatArray) -> dict[str, float]:
    """MAE, RMSE, median absolute error and the share within 10 points."""
    return {
        "n": len(actual),
        "mae": scoring.mae(pred, actual),
        "rmse": scoring.rmse(pred, actual),
        "median_ae": scoring.median_ae(pred, actual),
        "within_10": scoring.share_within(pred, actual, WITHIN),
    }


def _group_index(groups: Sequence[str] | NDArray[Any]) -> tuple[NDArray[np.intp], int]:
    _, inv = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    inv = np.asarray(inv, dtype=np.intp).reshape(-1)
    return inv, int(inv.max()) + 1 if inv.size else 0


def grouped_folds(groups: Sequence[str] | NDArray[Any], k: int,
                  seed: int = 0) -> NDArray[np.intp]:
    """A fold number ``0 … k−1`` per item such that all items of a group share a fold.

    Groups (proposals) are shuffled with ``seed`` and dealt to the folds in turn, so the
    folds hold nearly equal numbers of groups. Every group lies in exactly one fold: no
    proposal is ever in training and evaluation at once.

    Raises:
        SummitryError: ``k < 2`` or fewer groups than folds.
    """
    inv, n_groups = _group_index(groups)
    if k < 2 or n_groups < k:
        raise SummitryError(f"grouped cross-validation needs 2 ≤ k ≤ groups ({n_groups}), "
                            f"found k={k}")
    order = np.random.default_rng(seed).permutation(n_groups)
    fold_of_group = np.empty(n_groups, dtype=np.intp)
    fold_of_group[order] = np.arange(n_groups) % k
    return fold_of_group[inv]


def bootstrap_difference(
    err_model: FloatArray,
    err_base: FloatArray,
    groups: Sequence[str],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, float]:
    """MAE(model) − MAE(baseline) with a percentile bootstrap interval over groups.

    Each replicate draws as many groups (proposals) as there are, with replacement, and
    takes every issue of each drawn group.
    """
    e_m = np.asarray(err_model, dtype=float)
    e_b = np.asarray(err_base, dtype=float)
    inv, n_groups = _group_index(groups)
    diff = float(e_m.mean() - e_b.mean())
    if n_boot < 1 or n_groups < 2:
        return {"diff": diff, "low": math.nan, "high": math.nan, "n_boot": 0}
    d_sum = np.bincount(inv, weights=e_m - e_b, minlength=n_groups)
    count = np.bincount(inv, minlength=n_groups).astype(float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n_groups, size=(n_boot, n_groups))
    reps = d_sum[picks].sum(axis=1) / count[picks].sum(axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(reps, [alpha, 1.0 - alpha])
    return {"diff": diff, "low": float(lo), "high": float(hi), "n_boot": int(n_boot)}


# --- the ensemble's cross-validation ---------------------------------------------------------


def _conformal(abs_err: FloatArray, level: float) -> float:
    """The split-conformal half-width: the ⌈(n + 1)·level⌉-th smallest absolute error."""
    n = len(abs_err)
    q = min(1.0, math.ceil((n + 1) * level) / n)
    return float(np.quantile(abs_err, q, method="higher"))


def ensemble_cv(
    features: Mapping[str, FloatArray],
    outcome: FloatArray,
    groups: Sequence[str],
    *,
    folds: int = 10,
    repeats: int = 5,
    inner_folds: int = 5,
    seed: int = 0,
    levels: Sequence[float] = (0.5, 0.8, 0.9, 0.95),
) -> dict[str, Any]:
    """Nested cross-validation, grouped by proposal, of the stacked ensemble.

    For each repeat, proposals are dealt to ``folds`` outer folds. For each outer fold the
    weights are fitted (:func:`~summitry.models.ensemble.fit_weights`) on the other folds;
    the interval half-width per level comes from the absolute errors of an inner grouped
    cross-validation inside those folds (``inner_folds``), so nothing of the evaluation
    fold is used. Returns the out-of-fold forecasts and intervals per repeat, their scores
    (means over repeats) and the fold assignments.
    """
    from summitry.models.ensemble import fit_weights

    names = list(features)
    x = np.column_stack([np.asarray(features[k], dtype=float) for k in names])
    y = np.asarray(outcome, dtype=float)
    g = np.asarray(groups, dtype=object).astype(str)
    n = len(y)
    preds = np.empty((repeats, n))
    lower = {lv: np.empty((repeats, n)) for lv in levels}
    upper = {lv: np.empty((repeats, n)) for lv in levels}
    assignments = np.empty((repeats, n), dtype=np.intp)
    weights = []
    for r in range(repeats):
        fo = grouped_folds(g, folds, seed=seed + 1000 * r)
        assignments[r] = fo
        for f in range(folds):
            train = np.flatnonzero(fo != f)
            test = np.flatnonzero(fo == f)
            beta = fit_weights(x[train], y[train])
            weights.append(beta)
            pred = x[test] @ beta
            preds[r, test] = pred
            inner = grouped_folds(g[train], inner_folds, seed=seed + 1000 * r + f + 1)
            resid = np.empty(len(train))
            for j in range(inner_folds):
                a = train[inner != j]
                b = inner == j
                resid[b] = y[train[b]] - x[train[b]] @ fit_weights(x[a], y[a])
            for lv in levels:
                h = _conformal(np.abs(resid), lv)
                lower[lv][r, test] = np.clip(pred - h, 0.0, 100.0)
                upper[lv][r, test] = np.clip(pred + h, 0.0, 100.0)
    scores = [point_scores(preds[r], y) for r in range(repeats)]
    summary: dict[str, Any] = {k: float(np.mean([s[k] for s in scores]))
                               for k in ("mae", "rmse", "median_ae", "within_10")}
    summary["mae_by_repeat"] = [s["mae"] for s in scores]
    cover: dict[str, dict[str, float]] = {}
    for lv in levels:
        inside = (y >= lower[lv] - 1e-9) & (y <= upper[lv] + 1e-9)
        cover[f"{lv:g}"] = {"coverage": float(inside.mean()),
                            "mean_width": float((upper[lv] - lower[lv]).mean())}
    summary["intervals"] = cover
    w = np.array(weights)
    summary["weights_mean"] = dict(zip(names, w.mean(axis=0).round(4).tolist(), strict=True))
    summary["weights_sd"] = dict(zip(names, w.std(axis=0).round(4).tolist(), strict=True))
    return {"components": names, "predictions": preds, "lower": lower, "upper": upper,
            "folds": assignments, "summary": summary}


# --- the backtest ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DeuBacktest:
    """The result of :func:`backtest_deu`.

    Attributes:
        source: the file.
        capability: the capability convention the models ran with.
        frame: tidy per-issue forecasts, one row per issue × model (incl. the baseline).
        models: one dict per model (the baseline first): ``model, n, mae, rmse,
            median_ae, within_10, by_procedure, vs_baseline, published, note``.
        skipped: the rows not scored, with their reasons.
        n_issues, n_proposals: the scored sample.
    """

    source: str
    capability: str
    frame: pd.DataFrame
    models: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    n_issues: int
    n_proposals: int
    settings: dict[str, Any] = field(default_factory=dict)

    def entry(self, model: str) -> dict[str, Any]:
        for m in self.models:
            if m["model"] == model:
                return m
        raise KeyError(model)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``summitry backtest deu --format json``."""
        from summitry.backtest import _clean

        reasons: dict[str, int] = {}
        for s in self.skipped:
            kind = str(s["reason"]).split(":")[0]
            reasons[kind] = reasons.get(kind, 0) + 1
        out = {
            "backtest": "deu",
            "source": self.source,
            "capability": self.capability,
            "settings": self.settings,
            "n_issues": self.n_issues,
            "n_proposals": self.n_proposals,
            "baseline": "salience-weighted mean of all actors with a position "
                        "(equal capability, missing salience = "
                        f"{self.settings.get('missing_salience', 50):g})",
            "skipped": {"count": len(self.skipped), "reasons": reasons, "rows": self.skipped},
            "models": self.models,
        }
        cleaned: dict[str, Any] = _clean(out)
        return cleaned

    def to_csv(self) -> str:
        """The tidy per-issue forecasts as CSV text."""
        text: str = self.frame.to_csv(index=False, float_format="%.4f", lineterminator="\n")
        return text


def _issue_columns(issues: Sequence[DeuIssue]) -> dict[str, list[Any]]:
    return {
        "issue": [it.issue for it in issues],
        "issue_no": [it.issue_no for it in issues],
        "proposal": [it.proposal for it in issues],
        "name": [it.name for it in issues],
        "procedure": [it.procedure for it in issues],
        "vote": [it.vote for it in issues],
        "period": [it.period() for it in issues],
        "n_actors": [it.n_actors for it in issues],
        "reference": [math.nan if it.reference is None else it.reference for it in issues],
        "outcome": [it.outcome for it in issues],
    }


def _entry(name: str, pred: FloatArray, y: FloatArray, base_err: FloatArray,
           groups: list[str], procs: NDArray[Any], n_boot: int, seed: int,
           note: str = "") -> dict[str, Any]:
    err = np.abs(pred - y)
    entry: dict[str, Any] = {"model": name, **point_scores(pred, y)}
    entry["by_procedure"] = {
        str(p): point_scores(pred[procs == p], y[procs == p])
        for p in sorted(set(procs.tolist())) if (procs == p).any()
    }
    if name != BASELINE:
        entry["vs_baseline"] = bootstrap_difference(err, base_err, groups, n_boot=n_boot,
                                                    seed=seed)
    entry["published"] = PUBLISHED.get(name, [])
    entry["note"] = note
    return entry


def backtest_deu(
    source: str | Path | DeuData,
    models: str | Sequence[str] | None = None,
    *,
    capability: str = "ssi",
    period: str | None = None,
    missing_salience: float = DEFAULT_MISSING_SALIENCE,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    min_actors: int = 3,
    n_boot: int = 2000,
    seed: int = 0,
    cv_ensemble: bool = False,
    cv_folds: int = 10,
) -> DeuBacktest:
    """Score models on the scoreable issues of a DEU file (see the module docstring).

    Args:
        source: the DEU file (any delimiter) or an already parsed :class:`DeuData`.
        models: model names (``None``/``"all"``: every registered model).
        capability: ``"equal"``, ``"votes"`` or ``"ssi"`` (default, the DEU convention).
        period: force the Council voting period (default: each issue's own).
        missing_salience: the salience of an actor with a position but none (0–100).
        params: model settings, ``{model: {param: value}}``; ``"*"`` applies to all.
        min_actors: actors with a position an issue needs to be scored.
        n_boot: bootstrap replicates of the difference from the baseline.
        seed: the bootstrap (and cross-validation) seed.
        cv_ensemble: score the ensemble out of fold (weights refitted per fold).
        cv_folds: folds of that cross-validation.

    Raises:
        ValidationError: no scoreable issue in the file.
        UnknownNameError: an unknown model or capability convention.
    """
    import pandas as pd

    from summitry import capability as capmod
    from summitry.forecast import resolve_models

    if capability not in capmod.CONVENTIONS:
        from summitry.errors import UnknownNameError

        raise UnknownNameError("capability convention", capability, capmod.CONVENTIONS)
    data = source if isinstance(source, DeuData) else parse(Path(source))
    issues, skipped = data.scoreable(min_actors)
    if not issues:
        counts = ", ".join(f"{n} {r}" for r, n in data.reasons(skipped).items())
        raise ValidationError(
            f"no scoreable issue (a valid outcome and at least {min_actors} actors with a "
            f"position) in the file" + (f": {counts}" if counts else ""),
            source=data.source,
            problems=[ValidationError(s.reason, source=data.source, location=f"row {s.row}")
                      for s in skipped[:20]])
    y = np.array([it.outcome for it in issues], dtype=float)
    groups = [it.proposal for it in issues]
    procs = np.array([it.procedure for it in issues], dtype=object)
    problem = deu_problem(issues, capability=capability, period=period,
                          missing_salience=missing_salience)
    base = baseline_forecast(issues, missing_salience)
    base_err = np.abs(base - y)
    cols = _issue_columns(issues)
    frames = [pd.DataFrame({**cols, "model": BASELINE, "forecast": base})]
    entries = [_entry(BASELINE, base, y, base_err, groups, procs, 0, seed,
                      "salience-weighted mean, equal capability")]
    instances = resolve_models(models, None, params)
    for model in instances:
        name = model.name
        try:
            sol = model.solve(problem)
        except ModelError as exc:
            entries.append({"model": name, "n": 0, "mae": None, "published":
                            PUBLISHED.get(name, []),
                            "note": f"not applicable to single DEU issues: {exc}"})
            continue
        pred = np.asarray(sol.outcome, dtype=float)[:, 0]
        if not np.all(np.isfinite(pred)):
            bad = int((~np.isfinite(pred)).sum())
            entries.append({"model": name, "n": 0, "mae": None, "published":
                            PUBLISHED.get(name, []),
                            "note": f"returned no finite forecast on {bad} issue(s)"})
            continue
        extra: dict[str, Any] = {}
        note = ""
        if name == "ensemble":
            pred, extra, note = _ensemble_rows(model, problem, sol, pred, y, groups, issues,
                                               cv_ensemble, cv_folds, seed)
        frames.append(pd.DataFrame({**cols, "model": name, "forecast": pred, **extra}))
        entry = _entry(name, pred, y, base_err, groups, procs, n_boot, seed, note)
        if "lower" in extra:
            inside = (y >= extra["lower"] - 1e-9) & (y <= extra["upper"] + 1e-9)
            entry["interval"] = {"level": float(sol.extra.get("level", 0.8)),
                                 "coverage": float(inside.mean()),
                                 "mean_width": float(np.mean(extra["upper"] - extra["lower"]))}
        entries.append(entry)
    frame = pd.concat(frames, ignore_index=True)
    frame["error"] = frame["forecast"] - frame["outcome"]
    frame["abs_error"] = frame["error"].abs()
    first = ["issue", "issue_no", "proposal", "name", "procedure", "vote", "period",
             "n_actors", "reference", "outcome", "model", "forecast", "error", "abs_error"]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    return DeuBacktest(
        source=data.source, capability=capability, frame=frame, models=entries,
        skipped=[{"row": s.row, "issue": s.issue, "reason": s.reason} for s in skipped],
        n_issues=len(issues), n_proposals=len(set(groups)),
        settings={"capability": capability, "period": period,
                  "missing_salience": float(missing_salience), "min_actors": min_actors,
                  "n_boot": n_boot, "seed": seed, "cv_ensemble": cv_ensemble},
    )


def _ensemble_rows(model: Any, problem: Problem, sol: Any, pred: FloatArray, y: FloatArray,
                   groups: list[str], issues: Sequence[DeuIssue], cv: bool, folds: int,
                   seed: int) -> tuple[FloatArray, dict[str, Any], str]:
    from summitry.models.ensemble import packaged_fit

    extra: dict[str, Any] = {"lower": np.asarray(sol.extra["lower"], dtype=float)[:, 0],
                             "upper": np.asarray(sol.extra["upper"], dtype=float)[:, 0]}
    trained = set(packaged_fit().meta.get("training", {}).get("issues", []))
    overlap = sum(1 for it in issues if it.issue in trained)
    if cv:
        # every component, not only those the packaged fit kept: that choice was made on
        # the whole dev file and must be made again inside each training fold
        feats = {k: np.asarray(v, dtype=float)[:, 0]
                 for k, v in model.components(problem).items()}
        names = list(feats)
        res = ensemble_cv(feats, y, groups, folds=folds, repeats=1, seed=seed,
                          levels=(float(sol.extra["level"]),))
        lv = float(sol.extra["level"])
        note = (f"out-of-fold forecasts: weights of {', '.join(names)} refitted in "
                f"{folds}-fold cross-validation grouped by proposal")
        return res["predictions"][0], {"lower": res["lower"][lv][0],
                                       "upper": res["upper"][lv][0]}, note
    note = ""
    if overlap:
        note = (f"in-sample on {overlap} of {len(issues)} issues: its weights were fitted on "
                "them (grouped-CV figures: docs/accuracy.md, or run with --cv)")
    return pred, extra, note


# --- a chart ------------------------------------------------------------------------------------


def mae_chart_svg(result: DeuBacktest, *, width: int = 640) -> str:
    """A horizontal bar chart (SVG text) of MAE by model, with the baseline marked and
    the published figures as ticks."""
    rows = [m for m in result.models if m.get("mae") is not None]
    bar_h, gap, left, top = 22, 8, 150, 40
    height = top + len(rows) * (bar_h + gap) + 40
    scale_max = max(40.0, max(float(m["mae"]) for m in rows) * 1.1)
    plot_w = width - left - 30

    def x(v: float) -> float:
        return left + plot_w * v / scale_max

    base = next(float(m["mae"]) for m in rows if m["model"] == BASELINE)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<text x="{left}" y="20" font-size="14" font-weight="bold">Mean absolute error on '
        f'{result.n_issues} DEU III issues ({html.escape(result.capability)} capability)</text>',
    ]
    bx = x(base)
    y_end = top + len(rows) * (bar_h + gap)
    parts.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{top - 6}" y2="{y_end}" '
                 'stroke="#333" stroke-dasharray="4 3"/>')
    for k, m in enumerate(rows):
        yy = top + k * (bar_h + gap)
        v = float(m["mae"])
        color = "#888888" if m["model"] == BASELINE else "#3b6ea5"
        note = str(m.get("note", ""))
        label = str(m["model"]) + (" *" if note.startswith("in-sample") else
                                   " (CV)" if note.startswith("out-of-fold") else "")
        parts.append(f'<text x="{left - 8}" y="{yy + bar_h * 0.7:.1f}" '
                     f'text-anchor="end">{html.escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{yy}" width="{x(v) - left:.1f}" height="{bar_h}" '
                     f'fill="{color}"/>')
        parts.append(f'<text x="{x(v) + 4:.1f}" y="{yy + bar_h * 0.7:.1f}" '
                     f'paint-order="stroke" stroke="#fff" stroke-width="3">{v:.2f}</text>')
        for pub in m.get("published", []):
            if pub.get("n") != 351:
                continue
            px = x(float(pub["mae"]))
            parts.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{yy - 2}" '
                         f'y2="{yy + bar_h + 2}" stroke="#c0392b" stroke-width="2">'
                         f'<title>published {pub["mae"]} ({html.escape(pub["what"])}, '
                         f'n={pub["n"]})</title></line>')
    parts.append(f'<text x="{left}" y="{y_end + 20}" fill="#555">dashed: baseline; red '
                 'ticks: published figures (all 351 issues); * in-sample</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
