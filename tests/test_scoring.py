"""Scores against hand-computed values, and their defining properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.errors import SummitryError
from summitry.scoring import (
    brier,
    brier_each,
    calibration_table,
    log_score,
    log_score_each,
    mae,
    median_ae,
    rmse,
    rps,
    rps_each,
    share_within,
    skill,
    uniform,
)

# --- point forecasts ---------------------------------------------------------------------------


def test_point_scores_by_hand():
    pred, actual = [1.0, 2.0, 3.0], [2.0, 2.0, 5.0]  # errors 1, 0, 2
    assert mae(pred, actual) == pytest.approx(1.0)
    assert rmse(pred, actual) == pytest.approx(math.sqrt(5 / 3))
    assert median_ae(pred, actual) == pytest.approx(1.0)
    assert share_within(pred, actual, 1) == pytest.approx(2 / 3)
    assert share_within(pred, actual, 0) == pytest.approx(1 / 3)
    assert share_within(pred, actual, 2) == pytest.approx(1.0)


def test_car_emissions_compromise_error():
    # compromise 7.390 vs actual 8.833 (data/README.md)
    assert mae([7.390], [8.833]) == pytest.approx(1.443)


@pytest.mark.parametrize(
    ("pred", "actual", "needle"),
    [([1, 2], [1], "differ in shape"), ([], [], "no forecasts"),
     ([1, math.nan], [1, 2], "finite")],
)
def test_point_errors(pred, actual, needle):
    with pytest.raises(SummitryError, match=needle):
        mae(pred, actual)


def test_share_within_rejects_negative_k():
    with pytest.raises(SummitryError, match="k must be"):
        share_within([1], [1], -1)


# --- probability forecasts ---------------------------------------------------------------------

P = [[0.7, 0.2, 0.1]]


@pytest.mark.parametrize(
    ("outcome", "b", "r"),
    [
        # Brier: Σ (p − o)²; RPS: cumulative (0.7, 0.9) against O, halved (K − 1 = 2)
        (0, 0.09 + 0.04 + 0.01, (0.3**2 + 0.1**2) / 2),
        (1, 0.49 + 0.64 + 0.01, (0.7**2 + 0.1**2) / 2),
        (2, 0.49 + 0.04 + 0.81, (0.7**2 + 0.9**2) / 2),
    ],
)
def test_brier_rps_log_by_hand(outcome, b, r):
    assert brier(P, [outcome]) == pytest.approx(b)
    assert rps(P, [outcome]) == pytest.approx(r)
    assert log_score(P, [outcome]) == pytest.approx(math.log(P[0][outcome]))
    assert log_score(P, [outcome], base=2) == pytest.approx(math.log2(P[0][outcome]))


def test_means_over_forecasts():
    probs = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]]
    # second: (0.04 + 0.25 + 0.49) = 0.78 with outcome 2
    assert brier_each(probs, [0, 2]) == pytest.approx([0.14, 0.78])
    assert brier(probs, [0, 2]) == pytest.approx(0.46)
    assert log_score_each(probs, [0, 2]) == pytest.approx([math.log(0.7), math.log(0.3)])
    # second RPS: cumulative (0.2, 0.7) vs (0, 0): (0.04 + 0.49) / 2
    assert rps_each(probs, [0, 2]) == pytest.approx([0.05, 0.265])


def test_binary_brier_is_twice_the_one_sided_form():
    f = np.array([0.9, 0.3, 0.6])
    o = np.array([1, 0, 0])
    probs = np.column_stack([1 - f, f])
    assert brier(probs, o) == pytest.approx(2 * np.mean((f - o) ** 2))


def test_uniform_reference_scores():
    u = uniform(3, 3)
    assert brier(u, [0, 1, 2]) == pytest.approx(2 / 3)
    assert log_score(u, [0, 1, 2]) == pytest.approx(-math.log(3))
    # RPS of 1/3 each: ends 5/18, middle 1/9
    assert rps_each(u, [0, 1, 2]) == pytest.approx([5 / 18, 1 / 9, 5 / 18])


def test_log_score_of_a_certain_miss_is_minus_infinity():
    assert log_score([[1.0, 0.0]], [1]) == -math.inf


def test_perfect_forecast():
    assert brier([[0.0, 1.0, 0.0]], [1]) == 0.0
    assert rps([[0.0, 1.0, 0.0]], [1]) == 0.0
    assert log_score([[0.0, 1.0, 0.0]], [1]) == 0.0


def test_skill():
    assert skill(0.5, 2 / 3) == pytest.approx(0.25)
    assert skill(-1.0, -math.log(3)) == pytest.approx(1 - 1 / math.log(3))
    with pytest.raises(SummitryError):
        skill(0.1, 0.0)


@pytest.mark.parametrize(
    ("probs", "outcome", "needle"),
    [
        ([[0.5, 0.6]], [0], "sum to 1"),
        ([[0.5, 0.5]], [2], "out of range"),
        ([[0.5, 0.5]], [0, 1], "one outcome per forecast"),
        ([[1.0]], [0], "K ≥ 2"),
        ([[1.5, -0.5]], [0], "≥ 0"),
        ([[0.5, 0.5]], [0.5], "category indices"),
    ],
)
def test_probability_errors(probs, outcome, needle):
    with pytest.raises(SummitryError, match=needle):
        brier(probs, outcome)


def test_float_indices_accepted():
    assert brier([[0.5, 0.5]], np.array([1.0])) == pytest.approx(0.5)


probs3 = st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3).map(
    lambda v: np.array(v) / np.sum(v))


@settings(max_examples=60, deadline=None)
@given(probs3, probs3)
def test_brier_log_rps_are_proper(p, q):
    """Expected score under the truth q is best when forecasting q itself."""
    outcomes = np.arange(3)
    def expected(score, f):
        return float(np.dot(q, score(np.tile(f, (3, 1)), outcomes)))

    assert expected(brier_each, q) <= expected(brier_each, p) + 1e-12
    assert expected(rps_each, q) <= expected(rps_each, p) + 1e-12
    assert expected(log_score_each, q) >= expected(log_score_each, p) - 1e-12


# --- calibration -------------------------------------------------------------------------------


def test_calibration_binary_by_hand():
    t = calibration_table([0.1, 0.1, 0.9, 0.9, 0.5], [0, 1, 1, 1, 0], bins=2)
    assert list(t["n"]) == [2, 3]
    assert list(t["bin_lower"]) == [0.0, 0.5]
    assert t["mean_forecast"].tolist() == pytest.approx([0.1, (0.9 + 0.9 + 0.5) / 3])
    assert t["observed_frequency"].tolist() == pytest.approx([0.5, 2 / 3])


def test_calibration_multicategory_one_vs_rest():
    probs = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]]
    t = calibration_table(probs, [0, 2], bins=2)
    # bin [0, .5): 0.2, 0.1, 0.2, 0.3 → events 0, 0, 0, 1; bin [.5, 1]: 0.7, 0.5 → 1, 0
    assert list(t["n"]) == [4, 2]
    assert t["mean_forecast"].tolist() == pytest.approx([0.2, 0.6])
    assert t["observed_frequency"].tolist() == pytest.approx([0.25, 0.5])


def test_calibration_drops_empty_bins_and_closes_the_last():
    t = calibration_table([1.0, 1.0], [1, 1], bins=10)
    assert len(t) == 1 and t["bin_upper"].iloc[0] == 1.0 and t["n"].iloc[0] == 2


@pytest.mark.parametrize(
    ("probs", "outcome", "bins", "needle"),
    [([0.5], [2], 5, "0/1"), ([1.5], [1], 5, r"\[0, 1\]"), ([0.5], [1], 0, "bins"),
     ([0.5, 0.2], [1], 5, "one outcome per forecast")],
)
def test_calibration_errors(probs, outcome, bins, needle):
    with pytest.raises(SummitryError, match=needle):
        calibration_table(probs, outcome, bins=bins)
