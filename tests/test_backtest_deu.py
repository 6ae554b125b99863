"""The DEU III backtest (summitry.backtest_deu) and the ensemble it motivates.

Data: tests/data/deu3/deu3_dev.csv — 242 issues of 92 proposals of DEU III (Arregui &
Perarnaud 2022, CC BY 4.0; LICENSE-NOTE.md). shared/data/README.md gives the reference
figures on this file: salience-weighted mean (missing salience = 50) MAE 24.41, plain
mean 24.24.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry import backtest_deu as bd
from summitry.errors import ModelError, ValidationError
from summitry.io.deu import COLUMNS, parse
from summitry.models import ensemble as ens
from summitry.models import get_model
from summitry.problem import Problem

DEV = Path(__file__).resolve().parent / "data" / "deu3" / "deu3_dev.csv"


def independent_reference() -> dict[str, float]:
    """The reference MAEs from the raw file with plain pandas (no summitry code)."""
    df = pd.read_csv(DEV, sep=";")
    pos = df[[c for c in df.columns[13:43]]].to_numpy(float)
    sal = df[[c for c in df.columns[43:73]]].to_numpy(float)
    out = df["out"].to_numpy(float)
    pos = np.where((pos >= 0) & (pos <= 100), pos, np.nan)
    sal = np.where((sal >= 0) & (sal <= 100), sal, np.nan)
    out = np.where((out >= 0) & (out <= 100), out, np.nan)
    has = ~np.isnan(pos)
    ok = ~np.isnan(out) & (has.sum(axis=1) >= 3)
    w = np.where(has, np.where(np.isnan(sal), 50.0, sal), 0.0)
    wmean = (w * np.nan_to_num(pos)).sum(axis=1) / w.sum(axis=1)
    plain = np.nanmean(pos, axis=1)
    return {"weighted": float(np.mean(np.abs(wmean - out)[ok])),
            "plain": float(np.mean(np.abs(plain - out)[ok])), "n": int(ok.sum())}


@pytest.fixture(scope="module")
def dev():
    return parse(DEV)


@pytest.fixture(scope="module")
def result(dev):
    return bd.backtest_deu(dev, ["compromise", "median"], n_boot=500, seed=3)


def test_baseline_pinned_to_independent_value(result) -> None:
    ref = independent_reference()
    assert ref["n"] == 242
    base = result.entry("baseline")
    assert base["n"] == 242
    assert base["mae"] == pytest.approx(ref["weighted"], abs=1e-9)
    assert base["mae"] == pytest.approx(24.41, abs=0.005)  # shared/data/README.md
    assert ref["plain"] == pytest.approx(24.24, abs=0.005)
    plain = ens.component("plain_mean", bd.deu_problem(parse(DEV).issues))[:, 0]
    y = np.array([it.outcome for it in parse(DEV).issues])
    assert np.mean(np.abs(plain - y)) == pytest.approx(ref["plain"], abs=1e-9)


def test_result_structure(result) -> None:
    assert result.n_issues == 242 and result.n_proposals == 92 and not result.skipped
    names = [m["model"] for m in result.models]
    assert names == ["baseline", "compromise", "median"]
    comp = result.entry("compromise")
    assert set(comp["by_procedure"]) == {"COD", "CNS"}
    assert comp["by_procedure"]["COD"]["n"] == 125 and comp["by_procedure"]["CNS"]["n"] == 117
    for key in ("mae", "rmse", "median_ae", "within_10"):
        assert np.isfinite(comp[key])
    vs = comp["vs_baseline"]
    assert vs["low"] <= vs["diff"] <= vs["high"]
    assert vs["diff"] == pytest.approx(comp["mae"] - result.entry("baseline")["mae"])
    assert [p["mae"] for p in comp["published"]] == [22.99, 23.64]
    doc = json.loads(json.dumps(result.to_dict()))
    assert all("model" in m and "mae" in m for m in doc["models"])
    frame = pd.read_csv(__import__("io").StringIO(result.to_csv()))
    assert len(frame) == 3 * 242
    assert set(frame.columns) >= {"issue", "proposal", "procedure", "model", "forecast",
                                  "outcome", "abs_error"}
    sub = frame[frame["model"] == "compromise"]
    assert sub["abs_error"].mean() == pytest.approx(comp["mae"], abs=1e-3)


def test_capability_changes_the_compromise(dev) -> None:
    eq = bd.backtest_deu(dev, ["compromise"], capability="equal", n_boot=0)
    # with equal capability the compromise model is the baseline
    assert eq.entry("compromise")["mae"] == pytest.approx(eq.entry("baseline")["mae"])
    ssi = bd.backtest_deu(dev, ["compromise"], capability="ssi", n_boot=0)
    assert ssi.entry("compromise")["mae"] != pytest.approx(eq.entry("compromise")["mae"])


def test_bootstrap_is_seeded_and_resamples_proposals() -> None:
    rng = np.random.default_rng(0)
    e_m, e_b = rng.random(50), rng.random(50)
    groups = [f"p{k // 5}" for k in range(50)]
    a = bd.bootstrap_difference(e_m, e_b, groups, n_boot=300, seed=1)
    b = bd.bootstrap_difference(e_m, e_b, groups, n_boot=300, seed=1)
    assert a == b and a["low"] < a["diff"] < a["high"]
    # resampling whole groups of five is not the same as resampling single issues
    c = bd.bootstrap_difference(e_m, e_b, [str(k) for k in range(50)], n_boot=300, seed=1)
    assert c["diff"] == a["diff"] and (c["low"], c["high"]) != (a["low"], a["high"])


@settings(max_examples=60, deadline=None)
@given(groups=st.lists(st.integers(0, 30), min_size=4, max_size=80), k=st.integers(2, 10),
       seed=st.integers(0, 2**31))
def test_grouped_folds_never_split_a_proposal(groups: list[int], k: int, seed: int) -> None:
    names = [f"prop{g}" for g in groups]
    n_groups = len(set(names))
    if n_groups < k:
        with pytest.raises(Exception, match="grouped cross-validation"):
            bd.grouped_folds(names, k, seed)
        return
    folds = bd.grouped_folds(names, k, seed)
    for g in set(names):
        assert len({int(f) for f, n in zip(folds, names, strict=True) if n == g}) == 1
    fold_of = {n: int(f) for f, n in zip(folds, names, strict=True)}
    sizes = np.bincount(list(fold_of.values()), minlength=k)
    assert sizes.max() - sizes.min() <= 1  # proposals dealt evenly


def test_cv_never_trains_on_the_evaluation_fold(monkeypatch) -> None:
    # the row index rides along as a feature: every fit records which rows it saw
    seen: list[np.ndarray] = []

    def recorder(features: np.ndarray, outcome: np.ndarray) -> np.ndarray:
        seen.append(features[:, -1].astype(int))
        return np.r_[np.ones(features.shape[1] - 1), 0.0] / (features.shape[1] - 1)

    monkeypatch.setattr(ens, "fit_weights", recorder)
    rng = np.random.default_rng(5)
    n = 120
    groups = [f"p{k}" for k in rng.integers(0, 40, n)]
    feats = {"a": rng.random(n) * 100, "b": rng.random(n) * 100,
             "row": np.arange(n, dtype=float)}
    res = bd.ensemble_cv(feats, rng.random(n) * 100, groups, folds=5, repeats=2,
                         inner_folds=3, seed=9)
    g = np.array(groups)
    folds = res["folds"]
    assert len(seen) == 2 * 5 * (1 + 3)
    it = iter(seen)
    for r in range(2):
        for f in range(5):
            test_groups = set(g[folds[r] == f])
            outer = next(it)
            assert not test_groups & set(g[outer])  # outer fit: other folds only
            assert set(outer) == set(np.flatnonzero(folds[r] != f))
            for _ in range(3):
                inner = next(it)
                assert not test_groups & set(g[inner])
                assert set(inner) < set(outer)


def test_ensemble_cv_runs(dev) -> None:
    issues = dev.issues
    y = np.array([it.outcome for it in issues])
    prob = bd.deu_problem(issues)
    feats = {k: ens.component(k, prob)[:, 0]
             for k in ("salience_mean", "tempered_mean", "compromise", "plain_mean")}
    res = bd.ensemble_cv(feats, y, [it.proposal for it in issues], folds=5, repeats=1,
                         inner_folds=3, seed=1, levels=(0.8,))
    s = res["summary"]
    assert 15 < s["mae"] < 30
    assert 0.6 < s["intervals"]["0.8"]["coverage"] < 0.95


def test_nothing_scoreable_is_an_error(tmp_path) -> None:
    empty = [""] * 75
    r1 = list(empty)
    r1[0:5] = ["1", "1", "d1", "x", "d1i1"]
    r1[13:16] = ["0", "100", "50"]  # three actors …
    r1[43:46] = ["50", "50", "50"]
    r1[74] = "999"  # … but no valid outcome
    r2 = list(empty)
    r2[0:5] = ["1", "2", "d1", "x", "d1i2"]
    r2[13:15] = ["0", "100"]  # two actors only
    r2[43:45] = ["50", "50"]
    r2[74] = "40"
    path = tmp_path / "deu.csv"
    path.write_text("\n".join(";".join(r) for r in (list(COLUMNS), r1, r2)) + "\n")
    with pytest.raises(ValidationError, match="no scoreable issue") as info:
        bd.backtest_deu(path, ["compromise"])
    msg = str(info.value)
    assert "1 no valid outcome" in msg and "1 too few actors" in msg


def test_skipped_rows_are_reported(tmp_path) -> None:
    lines = DEV.read_text(encoding="utf-8").splitlines()
    bad = lines[1].split(";")
    bad[74] = "999"
    path = tmp_path / "deu.csv"
    path.write_text("\n".join([*lines[:2], ";".join(bad).replace("d00060i1", "dXi1"),
                               *lines[2:12]]) + "\n")
    res = bd.backtest_deu(path, ["compromise"], n_boot=0)
    assert res.n_issues == 11 and len(res.skipped) == 1
    assert res.to_dict()["skipped"]["reasons"] == {"no valid outcome": 1}


def test_model_not_applicable_is_reported(dev, monkeypatch) -> None:
    from summitry.models.median import Median

    def refuse(self, problem):
        raise ModelError("median: needs two issues")

    monkeypatch.setattr(Median, "solve", refuse)
    res = bd.backtest_deu(dev, ["median"], n_boot=0)
    entry = res.entry("median")
    assert entry["mae"] is None and "not applicable" in entry["note"]
    assert "two issues" in entry["note"]


def test_chart_svg(result) -> None:
    svg = bd.mae_chart_svg(result)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "compromise" in svg and "24.41" in svg


# --- the ensemble --------------------------------------------------------------------------


def test_packaged_fit_is_consistent() -> None:
    fit = ens.packaged_fit()
    assert set(fit.weights) == set(ens.COMPONENTS)
    assert sum(fit.weights.values()) == pytest.approx(1.0, abs=1e-5)
    assert all(w >= 0 for w in fit.weights.values())
    assert sorted(fit.half_width) == [0.5, 0.8, 0.9, 0.95]
    training = fit.meta["training"]
    assert training["n_issues"] == 242 and training["capability"] == "ssi"
    cv = fit.meta["cv"]
    # the recorded baseline is the independently computed one
    assert cv["baseline"]["mae"] == pytest.approx(independent_reference()["weighted"], abs=1e-4)


def test_components_reproduce_the_fit_record(dev) -> None:
    """The static components still give the MAEs recorded when the weights were fitted."""
    rec = ens.packaged_fit().meta["component_mae"]
    prob = bd.deu_problem(dev.issues, capability="ssi")
    y = np.array([it.outcome for it in dev.issues])
    for name in ("salience_mean", "tempered_mean", "compromise", "median", "plain_mean",
                 "status_quo", "nash"):
        got = float(np.mean(np.abs(ens.component(name, prob)[:, 0] - y)))
        assert got == pytest.approx(rec[name], abs=1e-3), name


def test_fit_weights_recovers_a_mixture() -> None:
    rng = np.random.default_rng(2)
    x = rng.random((200, 3)) * 100
    y = x @ np.array([0.6, 0.4, 0.0])
    beta = ens.fit_weights(x, y)
    np.testing.assert_allclose(beta, [0.6, 0.4, 0.0], atol=1e-6)


def test_ensemble_solves_any_problem() -> None:
    # no status quo, one draw, three actors (the fallbacks of the docstring)
    p = Problem.from_arrays(positions=[[10.0], [40.0], [90.0]], salience=[[0.5], [0.8], [0.3]],
                            capability=[30.0, 20.0, 10.0])
    sol = get_model("ensemble").solve(p)
    f = float(sol.outcome[0, 0])
    assert 10 <= f <= 90
    assert sol.extra["lower"][0, 0] <= f <= sol.extra["upper"][0, 0]
    assert sum(sol.extra["weights"].values()) == pytest.approx(1.0)
    # hand-set weights: the plain mean alone
    only = get_model("ensemble", weights={"plain_mean": 1.0}, half_width=5.0).solve(p)
    assert only.outcome[0, 0] == pytest.approx(140 / 3)
    assert only.extra["upper"][0, 0] == pytest.approx(140 / 3 + 5)
    with pytest.raises(Exception, match="level"):
        get_model("ensemble", level=0.7).solve(p)


def test_ensemble_skips_a_failing_component(monkeypatch) -> None:
    from summitry.models.smp import SMP

    def refuse(self, problem):
        raise ModelError("smp: not today")

    monkeypatch.setattr(SMP, "solve", refuse)
    p = Problem.from_arrays(positions=[[10.0], [40.0], [90.0]], salience=[[0.5], [0.8], [0.3]],
                            capability=[30.0, 20.0, 10.0])
    sol = get_model("ensemble", weights={"smp": 0.5, "plain_mean": 0.5},
                    half_width=1.0).solve(p)
    assert sol.outcome[0, 0] == pytest.approx(140 / 3)
    assert "smp" in sol.extra["skipped_components"]


# --- the command line ----------------------------------------------------------------------


def test_cli_formats(capsys, tmp_path) -> None:
    from summitry.cli import main

    assert main(["backtest", "deu", str(DEV), "-m", "compromise", "-f", "json",
                 "--bootstrap", "100"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [m["model"] for m in doc["models"]] == ["baseline", "compromise"]
    assert doc["models"][0]["mae"] == pytest.approx(independent_reference()["weighted"])
    chart = tmp_path / "mae.svg"
    assert main(["backtest", "deu", str(DEV), "-m", "median", "-f", "csv", "--bootstrap",
                 "0", "--chart", str(chart)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("issue,issue_no,proposal") and len(lines) == 1 + 2 * 242
    assert chart.read_text().startswith("<svg")
    assert main(["backtest", "deu", str(DEV), "-m", "compromise", "--bootstrap", "50"]) == 0
    table = capsys.readouterr().out
    assert "compromise" in table and "24.41" in table
    assert main(["backtest", "deu", str(DEV), "--capability", "power"]) == 2
    assert "capability" in capsys.readouterr().err
