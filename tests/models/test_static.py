"""The static models pinned to the vectors of specs/models.md §1a–1c."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import bdm1994_problem

from summitry.errors import SummitryError
from summitry.models import get_model
from summitry.problem import Problem


def one_issue(x, c=None, s=None, sq=None, lower=0.0, upper=100.0) -> Problem:
    x = np.asarray(x, float)[:, None]
    c = np.ones(len(x)) if c is None else np.asarray(c, float)
    s = np.ones_like(x) if s is None else np.asarray(s, float)[:, None]
    return Problem.from_arrays(positions=x, salience=s, capability=c, lower=[lower],
                               upper=[upper], status_quo=None if sq is None else [sq])


def user(model: str, problem: Problem, **params) -> float:
    sol = get_model(model, **params).solve(problem)
    return float(problem.to_user(sol.outcome)[0, 0])


# --- compromise (§1a) --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "c", "s", "expected"),
    [
        ([0, 100], [1, 1], [1, 1], 50.0),  # decide test_calculations.py
        ([0, 100, 100], [1, 1, 1], [1, 1, 1], 200 / 3),  # same
        ([0, 100], [1, 1], [0.10, 0.60], 85 + 5 / 7),  # decide test_rex.py, issue 1
        ([0, 100], [1, 1], [0.90, 0.50], 35 + 5 / 7),  # decide test_rex.py, issue 2
    ],
)
def test_compromise_vectors(x, c, s, expected):
    assert user("compromise", one_issue(x, c, s)) == pytest.approx(expected, abs=1e-9)


def test_compromise_bdm1994():
    # 7.38996 years [C]; dmasad notebook output 7.389955686853767
    p = bdm1994_problem()
    assert user("compromise", p) == pytest.approx(7.389955686853767, abs=1e-12)


def test_compromise_ablations_bdm1994():
    p = bdm1994_problem()
    years = [4, 7, 4, 4, 10, 10, 10, 7, 4, 7]
    assert user("compromise", p, weighting="equal") == pytest.approx(np.mean(years))
    sal = np.array([80, 40, 20, 80, 60, 60, 90, 10, 100, 70])
    assert user("compromise", p, weighting="salience") == pytest.approx(
        np.average(years, weights=sal))
    with pytest.raises(SummitryError, match="unknown weighting"):
        get_model("compromise", weighting="nope").solve(p)


def test_compromise_zero_salience_falls_back_to_plain_mean():
    p = one_issue([20, 40], s=[0, 0])
    assert user("compromise", p) == pytest.approx(30.0)


# --- median (§1c step 3) -----------------------------------------------------------------
def test_median_bdm1994_is_seven():
    assert user("median", bdm1994_problem()) == pytest.approx(7.0)


def test_median_tie_rules():
    p = one_issue([10, 30, 60, 90])
    assert user("median", p) == pytest.approx(45.0)
    assert user("median", p, tie="lower") == pytest.approx(30.0)


def test_median_is_condorcet_winner():
    rng = np.random.default_rng(3)
    for _ in range(50):
        x = rng.uniform(0, 100, 7)
        w = rng.uniform(0.1, 1, 7)
        m = user("median", one_issue(x, c=w))
        # no actor position beats the median in a pairwise c·s-weighted vote
        for y in x:
            votes = np.sum(w * (np.abs(x - y) - np.abs(x - m)))
            assert votes >= -1e-9


# --- Nash (§1b) ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("utility", "x", "w", "d", "expected", "tol"),
    [
        ("linear", [60, 100], [1, 1], 0.0, 60.0, 1e-5),
        ("linear", [60, 100], [1, 3], 0.0, 90.0, 1e-5),
        ("quadratic", [0, 100], [1, 3], -1e4, 74.62, 5e-3),
        ("quadratic", [0, 50, 100], [1, 1, 1], -1e3, 46.83, 5e-3),
        ("linear", [20, 80], [1, 1], 50.0, 50.0, 1e-9),
        ("quadratic", [20, 80], [1, 1], 50.0, 50.0, 1e-9),
    ],
)
def test_nash_vectors(utility, x, w, d, expected, tol):
    lower = min(-2e4, d)
    p = one_issue(x, c=w, sq=d, lower=lower)
    assert user("nash", p, utility=utility) == pytest.approx(expected, abs=tol)


def test_nash_quadratic_tends_to_weighted_mean_as_d_recedes():
    near = one_issue([0, 100], c=[1, 3], sq=-1e4, lower=-2e4)
    far = one_issue([0, 100], c=[1, 3], sq=-1e5, lower=-2e5)
    assert abs(user("nash", far) - 75.0) < abs(user("nash", near) - 75.0)
    assert user("nash", far) == pytest.approx(75.0, abs=0.05)
    # no status quo at all: the limit itself (the c·s weighted mean)
    assert user("nash", one_issue([0, 100], c=[1, 3]), ) == pytest.approx(75.0)


def test_nash_remote_linear_is_weighted_median():
    p = one_issue([10, 30, 90], c=[1, 1, 1.5])
    assert user("nash", p, utility="linear", disagreement="remote") == pytest.approx(30.0)


def test_nash_status_quo_on_an_ideal_point_reverts():
    p = one_issue([20, 40, 80], sq=40)
    assert user("nash", p) == pytest.approx(40.0)


def test_nash_ignores_indifferent_actors():
    # the zero-salience actor would otherwise veto every agreement
    p = one_issue([60, 100, 5], s=[1, 1, 0], sq=0)
    assert user("nash", p, utility="linear") == pytest.approx(60.0, abs=1e-5)


def test_nash_bad_option():
    with pytest.raises(SummitryError, match="unknown utility"):
        get_model("nash", utility="cubic").solve(one_issue([1, 2]))
