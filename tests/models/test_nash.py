"""The Nash solver against independent references on random problems.

The model maximises Σ w_i ln(U_i(x) − U_i(d)) by a safeguarded Newton iteration on a
reduced form of the derivative (see ``summitry.models.nash``). Here it is checked against
two references written from the definition alone, one issue at a time:

- a bisection on the sign of the right derivative of the objective in the original
  coordinates (machine precision, so it pins the maximiser to 1e-9 for both utilities);
- a dense grid maximisation of the objective itself (no derivative at all), which the
  solution must match to the grid step and must not be beaten by.
"""

from __future__ import annotations

import numpy as np
import pytest

from summitry.models import get_model
from summitry.problem import Problem

UTILITIES = ("quadratic", "linear")
WEIGHTS = ("capability", "capability_salience", "equal")


def random_problem(seed: int, draws: int = 40, actors: int = 7, issues: int = 3) -> Problem:
    """Random problems with the status quo outside the actors' range (else Nash reverts),
    some indifferent actors (zero salience or capability) and some tied positions."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, (draws, actors, issues))
    ties = rng.random((draws, actors, issues)) < 0.3
    pos = np.where(ties, pos.round(-1), pos)  # multiples of 10: ties and shared kinks
    sal = rng.uniform(0.05, 1.0, (draws, actors, issues))
    sal[rng.random(sal.shape) < 0.1] = 0.0
    cap = rng.uniform(0.1, 5.0, (draws, actors, issues))
    cap[rng.random(cap.shape) < 0.05] = 0.0
    cares = (sal > 0) & (cap > 0)
    lo = np.where(cares, pos, np.inf).min(axis=1)
    hi = np.where(cares, pos, -np.inf).max(axis=1)
    left = rng.random((draws, issues)) < 0.5
    gap = rng.uniform(0.5, 120.0, (draws, issues))
    sq = np.where(left, lo - gap, hi + gap)
    sq = np.where(np.isfinite(sq), sq, 50.0)
    return Problem.from_arrays(positions=pos, salience=sal, capability=cap,
                               lower=[-300.0] * issues, upper=[400.0] * issues, status_quo=sq)


def _weights(problem: Problem, weights: str) -> np.ndarray:
    if weights == "capability":
        return problem.capability
    if weights == "capability_salience":
        return problem.capability * problem.salience
    return np.ones_like(problem.capability)


def _gain(t, x, s, d, utility):
    """U_i(t) − U_i(d) for every actor (t scalar or (n, 1))."""
    if utility == "linear":
        return s * (np.abs(d - x) - np.abs(t - x))
    return s * ((d - x) ** 2 - (t - x) ** 2)


def objective(t, x, s, w, d, utility):
    """Σ w_i ln(U_i(t) − U_i(d)); −inf where some actor does not gain."""
    g = _gain(t, x, s, d, utility)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = (w * np.log(np.where(g > 0, g, 0.0))).sum(axis=-1)
    return np.where((g > 0).all(axis=-1), val, -np.inf)


def bisection_reference(x, s, w, d, utility) -> float:
    """Maximiser over the actors' range by bisection on the sign of the right derivative.

    With d in the range (or on an ideal) no point makes every actor gain: the outcome is d.
    With d outside, a point where some actor does not gain lies beyond the feasible set on
    the side away from d, so the search moves towards d there.
    """
    a, b = x.min(), x.max()
    if a <= d <= b:
        return d
    toward_d_is_left = d < a
    for _ in range(400):
        m = (a + b) / 2.0
        if m in (a, b):
            break
        g = _gain(m, x, s, d, utility)
        if np.any(g <= 0):
            go_right = not toward_d_is_left
        else:
            slope = s * np.where(m >= x, -1.0, 1.0) if utility == "linear" else -2 * s * (m - x)
            go_right = float(np.sum(w * slope / g)) > 0
        a, b = (m, b) if go_right else (a, m)
    return (a + b) / 2.0


def _cases(problem: Problem, weights: str):
    w_all = _weights(problem, weights)
    for k in range(problem.n_draws):
        for i in range(problem.n_issues):
            keep = problem.active[k, :, i] & (problem.salience[k, :, i] > 0) & (w_all[k, :, i] > 0)
            yield (k, i, problem.positions[k, keep, i], problem.salience[k, keep, i],
                   w_all[k, keep, i], float(problem.status_quo[k, i]))


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("utility", UTILITIES)
def test_matches_derivative_bisection(utility, weights):
    problem = random_problem(seed=11 if utility == "linear" else 12)
    out = get_model("nash", utility=utility, weights=weights).solve(problem).outcome
    ref = np.full_like(out, np.nan)
    for k, i, x, s, w, d in _cases(problem, weights):
        ref[k, i] = bisection_reference(x, s, w, d, utility)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("utility", UTILITIES)
def test_matches_dense_grid(utility):
    problem = random_problem(seed=21, draws=25)
    out = get_model("nash", utility=utility).solve(problem).outcome
    for k, i, x, s, w, d in _cases(problem, "capability"):
        grid = np.linspace(x.min(), x.max(), 20001)
        step = grid[1] - grid[0]
        values = objective(grid[:, None], x, s, w, d, utility)
        best = grid[np.argmax(values)]
        assert abs(out[k, i] - best) <= step * (1 + 1e-9)
        f_out = float(objective(out[k, i], x, s, w, d, utility))
        assert f_out >= values.max() - 1e-12 * abs(values.max())


@pytest.mark.parametrize("utility", UTILITIES)
def test_batch_is_solved_column_by_column(utility):
    # the Newton iteration drops converged columns: each draw must not depend on the others
    problem = random_problem(seed=5, draws=30)
    model = get_model("nash", utility=utility)
    batch = model.solve(problem).outcome
    for k in range(problem.n_draws):
        np.testing.assert_array_equal(model.solve(problem.take([k])).outcome[0], batch[k])


def test_linear_kink_is_exact():
    # the maximum of (60, 100), d = 0 sits on the kink at 60: found exactly, not to 1e-5
    p = Problem.from_arrays(positions=[[60.0], [100.0]], salience=[[1.0], [1.0]],
                            capability=[1.0, 1.0], status_quo=[0.0])
    assert get_model("nash", utility="linear").solve(p).outcome[0, 0] == 60.0


def test_status_quo_on_the_right_mirrors_the_left():
    x = np.array([[10.0], [35.0], [70.0]])
    cap = [1.0, 2.0, 1.5]
    left = Problem.from_arrays(positions=x, salience=np.ones_like(x), capability=cap,
                               lower=[-100.0], upper=[100.0], status_quo=[-20.0])
    right = Problem.from_arrays(positions=-x, salience=np.ones_like(x), capability=cap,
                                lower=[-100.0], upper=[100.0], status_quo=[20.0])
    for utility in UTILITIES:
        model = get_model("nash", utility=utility)
        a = float(left.to_user(model.solve(left).outcome)[0, 0])
        b = float(right.to_user(model.solve(right).outcome)[0, 0])
        assert a == pytest.approx(-b, abs=1e-9)
