#!/usr/bin/env python
"""Fit the `ensemble` model's weights on the DEU III dev file and record how.

Reproduces ``src/summitry/models/ensemble_weights.json``::

    .venv/bin/python scripts/fit_ensemble.py            # prints the report, writes the JSON
    .venv/bin/python scripts/fit_ensemble.py --check    # refit and compare with the JSON

Procedure (docs/accuracy.md):

1. Read the dev file (tests/data/deu3/deu3_dev.csv: 242 issues, 92 proposals), build one
   problem with the ``ssi`` capability convention (summitry.capability) and compute every
   component of summitry.models.ensemble.COMPONENTS on it. The component list was fixed
   before any weight was fitted: every registered model that works on any problem, the
   weighting ablations of models.md §1a (salience only, capability tempered by a square
   root, capability × salience, equal) and the status quo.
2. Nested cross-validation grouped by proposal (summitry.backtest_deu.ensemble_cv):
   10 outer folds × 5 repeats; in each outer fold the weights are fitted on the other
   folds (least absolute deviations on the simplex) and the interval half-width comes
   from a 5-fold grouped CV inside them. This estimates the MAE and interval coverage of
   the *procedure* on proposals it never saw.
3. Final fit on the whole dev file: the weights; the interval half-width per level is the
   split-conformal quantile of the absolute out-of-fold errors of step 2 (all repeats).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "deu3" / "deu3_dev.csv"
OUT = ROOT / "src" / "summitry" / "models" / "ensemble_weights.json"
LEVELS = (0.5, 0.8, 0.9, 0.95)
SEED = 20240611
CAPABILITY = "ssi"


def fit(path: Path) -> dict:
    from summitry import __version__
    from summitry.backtest_deu import (
        _conformal,
        baseline_forecast,
        bootstrap_difference,
        deu_problem,
        ensemble_cv,
        point_scores,
    )
    from summitry.io.deu import parse
    from summitry.models.ensemble import COMPONENTS, Ensemble, fit_weights

    raw = path.read_bytes()
    data = parse(path, raw)
    issues, skipped = data.scoreable(3)
    y = np.array([it.outcome for it in issues], dtype=float)
    groups = [it.proposal for it in issues]
    problem = deu_problem(issues, capability=CAPABILITY)
    comps = Ensemble().components(problem)
    missing = [c for c in COMPONENTS if c not in comps]
    if missing:
        raise SystemExit(f"components failed on the dev file: {missing}")
    feats = {k: v[:, 0] for k, v in comps.items()}
    base = baseline_forecast(issues)

    cv = ensemble_cv(feats, y, groups, folds=10, repeats=5, inner_folds=5, seed=SEED,
                     levels=LEVELS)
    preds = cv["predictions"]
    err_cv = np.abs(preds - y).mean(axis=0)  # each issue's error averaged over repeats
    base_err = np.abs(base - y)
    vs_base = bootstrap_difference(err_cv, base_err, groups, n_boot=5000, seed=SEED)
    by_proc = {}
    procs = np.array([it.procedure for it in issues])
    for p in sorted(set(procs)):
        sel = procs == p
        by_proc[p] = {"n": int(sel.sum()),
                      "mae_cv": float(np.abs(preds[:, sel] - y[sel]).mean()),
                      "mae_baseline": float(base_err[sel].mean())}

    x = np.column_stack([feats[k] for k in COMPONENTS])
    beta = fit_weights(x, y)
    resid = np.abs(preds - y).ravel()
    half = {f"{lv:g}": _conformal(resid, lv) for lv in LEVELS}
    in_sample = x @ beta
    single = {k: float(np.abs(feats[k] - y).mean()) for k in COMPONENTS}

    return {
        "model": "ensemble",
        "format": 1,
        "components": list(COMPONENTS),
        "weights": {k: round(float(b), 6) for k, b in zip(COMPONENTS, beta, strict=True)},
        "interval": {
            "method": "symmetric split-conformal: forecast ± the level quantile of the "
                      "absolute out-of-fold errors of the grouped nested CV",
            "half_width": {k: round(v, 4) for k, v in half.items()},
        },
        "training": {
            "file": path.name,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "n_issues": len(issues),
            "n_proposals": len(set(groups)),
            "skipped": len(skipped),
            "capability": CAPABILITY,
            "missing_salience": 50.0,
            "issues": [it.issue for it in issues],
        },
        "cv": {
            "design": "nested cross-validation grouped by proposal: 10 outer folds x 5 "
                      "repeats; weights fitted in each training part; interval half-width "
                      "from a 5-fold grouped CV inside it",
            "seed": SEED,
            "mae": round(cv["summary"]["mae"], 4),
            "mae_by_repeat": [round(v, 4) for v in cv["summary"]["mae_by_repeat"]],
            "rmse": round(cv["summary"]["rmse"], 4),
            "median_ae": round(cv["summary"]["median_ae"], 4),
            "within_10": round(cv["summary"]["within_10"], 4),
            "intervals": {k: {kk: round(vv, 4) for kk, vv in v.items()}
                          for k, v in cv["summary"]["intervals"].items()},
            "weights_mean": cv["summary"]["weights_mean"],
            "weights_sd": cv["summary"]["weights_sd"],
            "baseline": {k: round(v, 4) if isinstance(v, float) else v
                         for k, v in point_scores(base, y).items()},
            "difference_from_baseline": {k: round(v, 4) if isinstance(v, float) else v
                                         for k, v in vs_base.items()},
            "by_procedure": by_proc,
        },
        "in_sample_mae": round(float(np.abs(in_sample - y).mean()), 4),
        "component_mae": {k: round(v, 4) for k, v in single.items()},
        "solver": "scipy.optimize.linprog (HiGHS): least absolute deviations on the simplex",
        "fitted_by": "scripts/fit_ensemble.py",
        "summitry_version": __version__,
        "date": dt.date.today().isoformat(),
    }


def report(res: dict) -> str:
    cv = res["cv"]
    lines = [
        f"dev file: {res['training']['file']} ({res['training']['n_issues']} issues, "
        f"{res['training']['n_proposals']} proposals), capability {res['training']['capability']}",
        "",
        "single components (no fitting), MAE on the dev file:",
    ]
    lines += [f"  {k:<14} {v:6.2f}" for k, v in res["component_mae"].items()]
    lines += [
        "",
        f"baseline (salience-weighted mean): MAE {cv['baseline']['mae']:.2f}, RMSE "
        f"{cv['baseline']['rmse']:.2f}, median AE {cv['baseline']['median_ae']:.2f}, "
        f"within 10: {100 * cv['baseline']['within_10']:.1f}%",
        f"ensemble, nested grouped CV:       MAE {cv['mae']:.2f} (repeats "
        f"{', '.join(f'{v:.2f}' for v in cv['mae_by_repeat'])}), RMSE {cv['rmse']:.2f}, "
        f"median AE {cv['median_ae']:.2f}, within 10: {100 * cv['within_10']:.1f}%",
        f"difference from the baseline: {cv['difference_from_baseline']['diff']:+.2f} "
        f"(95% bootstrap over proposals {cv['difference_from_baseline']['low']:+.2f} to "
        f"{cv['difference_from_baseline']['high']:+.2f})",
        "by procedure: " + "; ".join(
            f"{p}: {v['mae_cv']:.2f} vs {v['mae_baseline']:.2f} (n={v['n']})"
            for p, v in cv["by_procedure"].items()),
        "intervals (nested CV): " + "; ".join(
            f"{k}: coverage {100 * v['coverage']:.1f}%, mean width {v['mean_width']:.1f}"
            for k, v in cv["intervals"].items()),
        "",
        "final weights: " + ", ".join(f"{k} {v:.3f}" for k, v in res["weights"].items() if v),
        "interval half-widths: " + ", ".join(
            f"{k}: ±{v:.1f}" for k, v in res["interval"]["half_width"].items()),
        f"in-sample MAE of the final fit (optimistic): {res['in_sample_mae']:.2f}",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEV, help="the DEU dev file")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the JSON")
    ap.add_argument("--check", action="store_true",
                    help="refit and compare with the JSON instead of writing it")
    args = ap.parse_args()
    res = fit(args.data)
    print(report(res))
    if args.check:
        old = json.loads(args.out.read_text(encoding="utf-8"))
        same = old["weights"] == res["weights"] and old["interval"] == res["interval"]
        print("\nthe packaged fit is reproduced" if same else "\nDIFFERENT from the packaged fit")
        return 0 if same else 1
    args.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
