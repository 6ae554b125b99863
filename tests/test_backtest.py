"""Backtests: the 1994 car-emissions case per model, leave-one-out on the summit record."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from summitry.backtest import (
    backtest_cases,
    backtest_summits,
    car_emissions_scenario,
)
from summitry.errors import SummitryError
from summitry.models import model_names

ACTUAL = 8.833  # years; data/README.md (published/bdm1994_car_emissions.csv)


def test_car_emissions_every_model():
    bt = backtest_cases()
    frame = bt.frame
    assert list(frame["model"]) == model_names()
    assert (frame["actual"] == ACTUAL).all()
    by_model = frame.set_index("model")
    # published: compromise (capability × salience weighted mean) 7.390, weighted median 7
    assert by_model.loc["compromise", "forecast"] == pytest.approx(7.390, abs=5e-4)
    assert by_model.loc["compromise", "abs_error"] == pytest.approx(1.443, abs=5e-4)
    assert by_model.loc["median", "forecast"] == pytest.approx(7.0)
    assert by_model.loc["median", "abs_error"] == pytest.approx(1.833)
    solved = frame[frame["note"] == ""]
    assert np.allclose(solved["abs_error"], np.abs(solved["forecast"] - ACTUAL))
    assert ((solved["forecast"] >= 4) & (solved["forecast"] <= 10)).all()
    assert set(bt.summary["mae_by_model"]) == set(solved["model"])
    best = bt.summary["best_model"]
    assert bt.summary["mae_by_model"][best] == min(bt.summary["mae_by_model"].values())
    json.dumps(bt.to_dict(), allow_nan=False)


def test_car_emissions_subset_of_models():
    bt = backtest_cases(["compromise", "median"])
    assert list(bt.frame["model"]) == ["compromise", "median"]


def test_car_emissions_scenario_is_the_shipped_example():
    sc = car_emissions_scenario()
    assert sc.id == "bdm1994-car-emissions" and len(sc.actors) == 10
    assert (sc.issues[0].lower, sc.issues[0].upper) == (4, 10)


# --- the summit record -------------------------------------------------------------------------


def loo_by_hand(counts: dict[str, int]) -> tuple[float, float]:
    """Mean Brier and log score of leave-one-out base rates, from the counts alone."""
    n = sum(counts.values())
    brier = Fraction(0)
    log = 0.0
    for code, c in counts.items():
        p = {k: Fraction(v - (k == code), n - 1) for k, v in counts.items()}
        b = sum((p[k] - (k == code)) ** 2 for k in counts)
        brier += c * b
        log += c * math.log(p[code])
    return float(brier / n), log / n


def test_loo_core_bilateral_by_hand():
    bt = backtest_summits()
    s = bt.summary
    assert s["n"] == 39 and s["mode"] == "loo"
    # by hand: binding → (25² + 18² + 7²)/38² = 998/1444, joint → 686/1444,
    # none → 1544/1444; mean (14·998 + 18·686 + 7·1544) / (39·1444) = 37128/56316
    assert s["brier"] == pytest.approx(37128 / 56316, abs=1e-12)
    brier, log = loo_by_hand({"binding": 14, "joint": 18, "none": 7})
    assert s["brier"] == pytest.approx(brier, abs=1e-12)
    assert s["log_score"] == pytest.approx(log, abs=1e-12)
    assert s["brier_uniform"] == pytest.approx(2 / 3)
    assert s["log_score_uniform"] == pytest.approx(-math.log(3))
    assert s["brier"] < s["brier_uniform"] and s["log_score"] > s["log_score_uniform"]
    assert s["brier_skill"] == pytest.approx(1 - s["brier"] / (2 / 3))
    row = bt.frame.set_index("summit_id").loc["2018-helsinki"]
    assert row["outcome"] == "no_agreement"
    assert row["p_no_agreement"] == pytest.approx(6 / 38)
    assert row["p_binding_agreement_signed"] == pytest.approx(14 / 38)
    assert row["brier"] == pytest.approx(1544 / 1444)


def test_loo_cold_war_is_worse_than_uniform():
    # 17 Cold War core summits: 8 binding, 5 joint, 4 none — a small, split class
    s = backtest_summits({"era": "cold_war"}).summary
    brier, log = loo_by_hand({"binding": 8, "joint": 5, "none": 4})
    assert s["n"] == 17
    assert s["brier"] == pytest.approx(brier, abs=1e-12)
    assert s["log_score"] == pytest.approx(log, abs=1e-12)
    assert s["brier_skill"] < 0


def test_loo_smoothing_avoids_infinite_log_loss():
    flt = {"format": ["four_power", "multilateral_sidelines"], "core": False}  # 0/3/2 of 5
    raw = backtest_summits(flt).summary
    assert raw["log_score"] == pytest.approx((3 * math.log(2 / 4) + 2 * math.log(1 / 4)) / 5)
    smooth = backtest_summits(flt, smoothing=0.5).summary
    assert math.isfinite(smooth["log_score"])
    one = backtest_summits({"format": ["four_power", "multilateral_sidelines"], "core": False,
                            "exclude": ["1960-paris"]})  # one 'no agreement' left
    assert one.summary["log_score"] == -math.inf
    assert one.to_dict()["summary"]["log_score"] is None  # JSON-safe
    json.dumps(one.to_dict(), allow_nan=False)


def test_prequential_mode():
    bt = backtest_summits(mode="prequential")
    assert bt.summary["n"] == 34  # the first 5 core summits have too little history
    first = bt.frame.iloc[0]
    assert first["summit_id"] == "1974-moscow"
    # before 1974-moscow: campdavid joint, vienna joint, glassboro none, 1972 & 1973 binding
    assert first["p_binding_agreement_signed"] == pytest.approx(2 / 5)
    assert first["p_joint_statement_only"] == pytest.approx(2 / 5)


def test_calibration_table_present():
    bt = backtest_summits()
    cal = bt.tables["calibration"]
    assert int(cal["n"].sum()) == 39 * 3
    json.dumps(bt.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [({"mode": "future"}, "mode"), ({"filters": {"years": "2021-2021"}}, "at least 2"),
     ({"mode": "prequential", "min_history": 50}, "earlier summits")],
)
def test_summit_backtest_errors(kwargs, needle):
    with pytest.raises(SummitryError, match=needle):
        backtest_summits(**kwargs)
