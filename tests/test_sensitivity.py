"""One-at-a-time elasticities: closed forms for the compromise model, batch = loop."""

from __future__ import annotations

import numpy as np
import pytest

from summitry.errors import SummitryError
from summitry.io import from_dict
from summitry.models import get_model
from summitry.problem import Problem
from summitry.scenario import Scenario
from summitry.sensitivity import (
    CAPABILITY_STEP,
    COLUMNS,
    POSITION_STEP,
    SALIENCE_STEP,
    elasticities,
    perturbations,
    tornado,
)


def scenario() -> Scenario:
    return from_dict({
        "issues": [{"id": "x", "lower": 4, "upper": 10}, {"id": "y"}],
        "actors": [{"id": "a", "capability": 1.0}, {"id": "b", "capability": 2.0},
                   {"id": "c", "capability": 0.5}, {"id": "z", "capability": 0.0}],
        "stances": [
            {"actor": "a", "issue": "x", "position": 4, "salience": 0.8},
            {"actor": "b", "issue": "x", "position": 10, "salience": 0.5},
            {"actor": "c", "issue": "x", "position": 7, "salience": 0.95},
            {"actor": "a", "issue": "y", "position": 20, "salience": 0.5},
            {"actor": "b", "issue": "y", "position": 60, "salience": 0.9},
            {"actor": "z", "issue": "y", "position": 99, "salience": 0.4},
        ],
    })


def compromise(pos, sal, cap):
    w = cap * sal
    return float((w * pos).sum() / w.sum())


def test_columns_and_shape():
    f = elasticities(scenario(), "compromise")
    assert tuple(f.columns) == COLUMNS
    # a, b: 2 stances each → 2 position + 2 salience + capability; c: 1+1+1; z: 1+1 (cap 0)
    n_inputs = 5 + 5 + 3 + 2
    assert len(f) == n_inputs * 2  # every input × every outcome issue
    assert not f.isna().any().any()
    assert set(f["input"]) == {"position", "salience", "capability"}
    assert not ((f.actor == "z") & (f.input == "capability")).any()


def test_compromise_position_elasticity_is_the_weight_share():
    sc = scenario()
    f = elasticities(sc, "compromise")
    p = sc.problem()
    w = p.weights[0]
    share = w / w.sum(axis=0)
    for k, actor in enumerate(p.actors):
        for j, issue in enumerate(p.issues):
            if not p.active[0, k, j]:
                continue
            row = f[(f.actor == actor) & (f.input == "position") & (f.input_issue == issue)
                    & (f.issue == issue)].iloc[0]
            assert row.elasticity == pytest.approx(share[k, j], abs=1e-12)
            # clipped at the ends of the scale: a sits at 4 (the lower end) on x
            span = p.upper[j] - p.lower[j]
            assert row.input_high - row.input_low == pytest.approx(
                min(row.input_base + span * POSITION_STEP / 100, p.upper[j])
                - max(row.input_base - span * POSITION_STEP / 100, p.lower[j]))
            # no effect on the other issue
            other = f[(f.actor == actor) & (f.input == "position") & (f.input_issue == issue)
                      & (f.issue != issue)]
            assert (other.delta == 0).all()


def test_compromise_salience_and_capability_rows_are_exact():
    sc = scenario()
    f = elasticities(sc, "compromise")
    pos = np.array([4.0, 10.0, 7.0])
    sal = np.array([0.8, 0.5, 0.95])
    cap = np.array([1.0, 2.0, 0.5])
    row = f[(f.actor == "c") & (f.input == "salience") & (f.issue == "x")].iloc[0]
    lo, hi = sal.copy(), sal.copy()
    lo[2], hi[2] = 0.95 - SALIENCE_STEP, 1.0  # clipped at 1
    assert row.low == pytest.approx(compromise(pos, lo, cap))
    assert row.high == pytest.approx(compromise(pos, hi, cap))
    assert row.elasticity == pytest.approx((row.high - row.low) / 6 / (1.0 - 0.85))
    row = f[(f.actor == "b") & (f.input == "capability") & (f.issue == "x")].iloc[0]
    lo_c, hi_c = cap.copy(), cap.copy()
    lo_c[1] *= 1 - CAPABILITY_STEP
    hi_c[1] *= 1 + CAPABILITY_STEP
    assert row.low == pytest.approx(compromise(pos, sal, lo_c))
    assert row.high == pytest.approx(compromise(pos, sal, hi_c))
    assert row.input_base == 2.0 and row.input_issue == "*"
    assert row.base == pytest.approx(compromise(pos, sal, cap))
    assert row.delta > 0  # b sits at 10, above the outcome


def test_batch_equals_loop_for_a_dynamic_model():
    p = scenario().problem()
    batch, specs = perturbations(p)
    assert batch.n_draws == 1 + 2 * len(specs)
    model = get_model("challenge", rounds=4)
    together = model.solve(batch).outcome
    for d in (0, 1, 2, 7, batch.n_draws - 1):
        alone = model.solve(batch.take([d])).outcome[0]
        np.testing.assert_allclose(together[d], alone, atol=1e-9)
    f = elasticities(p, "challenge", params={"challenge": {"rounds": 4}})
    assert set(f["model"]) == {"challenge"}
    assert not f.isna().any().any()


def test_sorting_and_tornado():
    f = elasticities(scenario(), ["compromise", "median"])
    assert list(dict.fromkeys(f["model"])) == ["compromise", "median"]
    for _, grp in f.groupby(["model", "issue"]):
        d = grp["delta"].abs().to_numpy()
        assert np.all(np.diff(d) <= 0)
    t = tornado(f, "x", model="compromise", top=3)
    assert len(t) == 3 and (t.issue == "x").all() and (t.model == "compromise").all()
    assert (t.delta.abs() > 0).all()
    assert t.delta.abs().is_monotonic_decreasing
    everything = tornado(f, "y", top=None)
    assert (everything.delta != 0).all() and set(everything.model) <= {"compromise", "median"}


def test_errors():
    p = scenario().problem()
    with pytest.raises(SummitryError, match="point problem"):
        perturbations(Problem.concat([p, p]))
    with pytest.raises(SummitryError, match="position_step"):
        perturbations(p, position_step=0)
    with pytest.raises(SummitryError, match="capability_step"):
        perturbations(p, capability_step=1.5)
    with pytest.raises(SummitryError):
        elasticities(p, "no-such-model")


# --- Sobol indices ----------------------------------------------------------------------------


def linear() -> Scenario:
    """O = (x_a + 2 x_b + 50) / 4 on x: additive, so S = ST = w² var / Σ w² var."""
    return from_dict({
        "issues": [{"id": "x"}, {"id": "quiet"}],
        "actors": [{"id": "a"}, {"id": "b", "capability": 2}, {"id": "c"},
                   {"id": "d", "uncertainty": {"absent": 0.5}}],
        "stances": [
            {"actor": "a", "issue": "x", "position": 50, "salience": 1,
             "uncertainty": {"position": [0, 100], "group": "g"}},
            {"actor": "b", "issue": "x", "position": 40, "salience": 1,
             "uncertainty": {"position": [20, 60], "group": "g"}},
            {"actor": "c", "issue": "x", "position": 50, "salience": 1},
            {"actor": "c", "issue": "quiet", "position": 10, "salience": 1},
            {"actor": "d", "issue": "quiet", "position": 10, "salience": 1},
        ],
        "correlations": {"g": 0.9},  # ignored by the Sobol estimators (independent inputs)
    })


def test_sobol_indices_of_an_additive_model():
    from summitry.sensitivity import sobol

    f = sobol(linear(), "compromise", n=16384, seed=3)
    assert list(f.columns) == ["model", "issue", "actor", "input", "first", "total",
                               "variance"]
    x = f[f.issue == "x"].set_index(["actor", "input"])
    va, vb = (1 / 4) ** 2 * 100**2 / 12, (2 / 4) ** 2 * 40**2 / 12
    for actor, share in (("a", va / (va + vb)), ("b", vb / (va + vb))):
        assert x.loc[(actor, "position"), "first"] == pytest.approx(share, abs=0.03)
        assert x.loc[(actor, "position"), "total"] == pytest.approx(share, abs=0.03)
    assert x.loc[("d", "absence"), "total"] == pytest.approx(0, abs=1e-12)
    assert float(x["variance"].iloc[0]) == pytest.approx(va + vb, rel=0.03)
    # "quiet": both actors sit at 10 whoever attends, so nothing varies: zeros, no NaN
    quiet = f[f.issue == "quiet"]
    assert (quiet[["first", "total", "variance"]] == 0).all().all()
    assert list(f[f.issue == "x"]["total"]) == sorted(f[f.issue == "x"]["total"],
                                                        reverse=True)


def test_sobol_errors():
    from summitry.sensitivity import sobol

    with pytest.raises(SummitryError, match="no uncertain input"):
        sobol(scenario(), "compromise")
    with pytest.raises(SummitryError, match="n must"):
        sobol(linear(), "compromise", n=1)


def test_salience_inputs_are_reported_in_the_scenarios_scale():
    sc = from_dict({
        "salience_scale": "0-100",
        "issues": [{"id": "x"}],
        "actors": [{"id": "a"}, {"id": "b"}],
        "stances": [{"actor": "a", "issue": "x", "position": 0, "salience": 80},
                    {"actor": "b", "issue": "x", "position": 100, "salience": 40}],
    })
    f = elasticities(sc, "compromise")
    row = f[(f.actor == "a") & (f.input == "salience")].iloc[0]
    assert (row.input_low, row.input_base, row.input_high) == pytest.approx((70, 80, 90))
    # elasticity stays per unit of 0–1 salience: O = 100 s_b / (s_a + s_b)
    low, high = 100 * 0.4 / 1.1, 100 * 0.4 / 1.3
    assert row.elasticity == pytest.approx((high - low) / 100 / 0.2)
