"""The challenge model's Numba kernel gives the NumPy path's numbers, bit for bit.

The model's dynamics amplify rounding differences (a compromise moves by the ratio of
two EUs that may nearly cancel), so agreement "to 1e-12" after 8 rounds would only hold
for well-conditioned draws: the kernel is written to repeat the NumPy path's arithmetic
exactly (the same ``pow``, the same summation orders) and these tests ask for identical
bits on every output, over the settings of specs/challenge.md §4 and random problems.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.errors import MissingExtraError, UnknownNameError
from summitry.models import challenge as ch
from summitry.models.base import Solution
from summitry.models.challenge import Challenge
from summitry.problem import Problem

numba_kernel = pytest.importorskip("summitry.models._challenge_numba")

EPS_K = numba_kernel.EPS  # the tie tolerance

#: BDM (1994) car-emissions case, Scholz et al. (2011) Table 1: capability, position,
#: salience (the case of tests/models/test_challenge.py).
CAR = {
    "NL": (0.08, 4, 80), "BE": (0.08, 7, 40), "LU": (0.03, 4, 20), "DE": (0.16, 4, 80),
    "FR": (0.16, 10, 60), "IT": (0.16, 10, 60), "UK": (0.16, 10, 90), "IE": (0.05, 7, 10),
    "DK": (0.05, 4, 100), "GR": (0.08, 7, 70),
}

#: Every option of specs/challenge.md §4 away from its default at least once.
SETTINGS: list[dict[str, Any]] = [
    {},
    {"reading": "S"},
    {"reading": "S", "offer_rule": "category_then_least"},
    {"conflict": "move", "offer_rule": "least_move"},
    {"octants": "text"},
    {"reading": "S", "octants": "text", "salience_of": "challenger"},
    {"security": "own_row", "range_mode": "fixed"},
    {"q": 0.6},
    {"reading": "S", "q": 0.3, "perception": "own_r"},
    {"p_mode": "zero", "perception": "viewer_r", "offer_rule": "max_proposer_eu"},
    {"risk": False},
    {"stop": "median_shift", "rounds": 25, "tol": 0.05},
    {"reading": "S", "stop": "median_shift", "rounds": 12, "tol": 0.0},
]


def car_draws(draws: int, seed: int = 1994) -> Problem:
    """The car case with positions ± 0.5 years and saliences ± 0.05 (bench/bench_challenge.py)."""
    cap, pos, sal = (np.array(v, dtype=float) for v in zip(*CAR.values(), strict=True))
    rng = np.random.default_rng(seed)
    p = np.clip(pos + rng.uniform(-0.5, 0.5, (draws, len(CAR))), 4.0, 10.0)
    s = np.clip(sal / 100 + rng.uniform(-0.05, 0.05, (draws, len(CAR))), 0.0, 1.0)
    p[0], s[0] = pos, sal / 100  # draw 0: the published case, with its exact ties
    return Problem.from_arrays(
        positions=p[..., None], salience=s[..., None],
        capability=np.broadcast_to(cap[None, :, None], (draws, len(CAR), 1)),
        lower=[4.0], upper=[10.0], actors=tuple(CAR),
    )


def mixed_problem(draws: int, seed: int) -> Problem:
    """Several issues, absent actors, coincident positions, a missing status quo."""
    rng = np.random.default_rng(seed)
    n_a, n_i = 7, 3
    pos = rng.choice([0.0, 20.0, 35.0, 50.0, 80.0, 100.0], (draws, n_a, n_i))
    pos += rng.uniform(0, 1, pos.shape) * (rng.random(pos.shape) < 0.5)
    active = rng.random((draws, n_a, n_i)) < 0.85
    active[:, :2] = True
    return Problem.from_arrays(
        positions=pos, salience=rng.uniform(0, 1, (draws, n_a, n_i)),
        capability=rng.uniform(0, 3, (draws, n_a, n_i)), active=active,
        lower=[0.0] * n_i, upper=[100.0] * n_i, status_quo=[30.0, np.nan, 70.0],
    )


def assert_same_bits(a: Solution, b: Solution) -> None:
    for name in ("outcome", "history", "history_outcome", "n_rounds"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for key in ("median", "mean", "risk"):
        np.testing.assert_array_equal(a.extra[key], b.extra[key], err_msg=key)
    assert a.events == b.events
    assert a.extra["options"] == b.extra["options"]


@pytest.mark.parametrize("options", SETTINGS, ids=lambda o: ",".join(map(str, o.values())) or "L")
def test_numba_kernel_matches_numpy_bit_for_bit(options: dict[str, Any]) -> None:
    for problem in (car_draws(150), mixed_problem(60, seed=len(options))):
        slow = Challenge(engine="numpy", **options).solve(problem)
        fast = Challenge(engine="numba", **options).solve(problem)
        assert_same_bits(slow, fast)


def test_published_case_rounds_with_the_kernel() -> None:
    # specs/challenge.md §3, row L1 (medians), as pinned in test_challenge.py
    sol = Challenge(engine="numba").solve(car_draws(1))
    med = 4.0 + sol.extra["median"][0, 1:, 0] * 6.0 / 100.0
    np.testing.assert_allclose(med, [9.53, 9.53, 9.53, 10, 10, 10, 10, 10], atol=0.01)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_actors=st.integers(1, 12),
    reading=st.sampled_from(["L", "S"]),
    q=st.sampled_from([1.0, 0.5]),
)
def test_random_problems_agree(seed: int, n_actors: int, reading: str, q: float) -> None:
    rng = np.random.default_rng(seed)
    draws = 4
    problem = Problem.from_arrays(
        positions=np.round(rng.uniform(0, 10, (draws, n_actors, 2)), 1),
        salience=rng.uniform(0, 1, (draws, n_actors, 2)),
        capability=rng.uniform(0, 1, (draws, n_actors, 2)),
        active=rng.random((draws, n_actors, 2)) < 0.9,
        lower=[0.0, 0.0], upper=[10.0, 10.0],
    )
    slow = Challenge(engine="numpy", reading=reading, q=q, rounds=5).solve(problem)
    fast = Challenge(engine="numba", reading=reading, q=q, rounds=5).solve(problem)
    assert_same_bits(slow, fast)


@pytest.mark.parametrize("n", [0, 1, 5, 7, 8, 9, 10, 15, 16, 17, 127, 128, 129, 300, 1000])
def test_pairwise_sum_is_numpys(n: int) -> None:
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n) * np.exp(rng.uniform(-30, 30, n))
    assert numba_kernel._psum(a, 0, n) == a.sum()
    b = np.concatenate([[1e300], a])
    assert numba_kernel._psum(b, 1, n) == a.sum()


def test_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = car_draws(3)
    with pytest.raises(UnknownNameError, match="engine"):
        Challenge(engine="fortran").solve(problem)
    monkeypatch.setattr(ch, "_numba_available", lambda: False)
    with pytest.raises(MissingExtraError, match=r"summitry\[fast\]"):
        Challenge(engine="numba").solve(problem)
    # auto falls back to NumPy without numba, whatever the size
    monkeypatch.setitem(__import__("sys").modules, "numba", None)
    assert not Challenge()._use_numba(10**12)
    assert Challenge().params()["engine"] == "auto"


@pytest.mark.parametrize("options", SETTINGS, ids=lambda o: ",".join(map(str, o.values())) or "L")
def test_history_first_with_the_kernel(options: dict[str, Any]) -> None:
    # meta["history"] = "first": the kernel records draw 0's rounds only; every outcome,
    # n_rounds and event is that of the NumPy path recording all draws
    for problem in (car_draws(40), mixed_problem(20, seed=3)):
        every = Challenge(engine="numpy", **options).solve(problem)
        first = Challenge(engine="numba", **options).solve(
            replace(problem, meta={"history": "first"})
        )
        np.testing.assert_array_equal(first.outcome, every.outcome)
        np.testing.assert_array_equal(first.n_rounds, every.n_rounds)
        assert first.history is not None and every.history is not None
        assert first.history.shape == (1, *every.history.shape[1:])
        np.testing.assert_array_equal(first.history, every.history[:1])
        np.testing.assert_array_equal(first.history_outcome, every.history_outcome[:1])
        for key in ("median", "mean", "risk"):
            np.testing.assert_array_equal(first.extra[key], every.extra[key][:1])
        assert first.events == every.events


def test_settled_rows_repeat_their_last_round() -> None:
    # a row whose positions stop moving repeats its round: the kernel copies it instead
    # of playing it again; the copies must be the rounds the NumPy path plays
    problem = mixed_problem(80, seed=7)
    slow = Challenge(engine="numpy", rounds=30).solve(problem)
    fast = Challenge(engine="numba", rounds=30).solve(problem)
    assert_same_bits(slow, fast)
    assert slow.history is not None
    still = np.all(slow.history[:, 1:-1] == slow.history[:, 2:], axis=2)  # (D, T−2, I)
    assert still[:, 0].any() and not still.all()  # some rows settle early, others later


def _exact_eu(d: Any, f: Any, r: Any) -> Any:
    """The second-pass EU of reading L as both engines compute it (``Q = 1``)."""
    us = 2.0 - 4.0 * np.float_power(np.maximum(0.5 - 0.5 * d, 0.0), r)
    uf = 2.0 - 4.0 * np.float_power(0.5 + 0.5 * d, r)
    return us - f * (us - uf) - (2.0 - 4.0 * np.float_power(0.5, r))


@pytest.mark.parametrize("seed", range(4))
def test_sign_bounds_never_contradict_the_eu(seed: int) -> None:
    # _sign_bounds lets the kernel skip the powers of a pair; a wrong "certain" would
    # drop or invent an offer. Random pairs, plus loss factors that put the EU within
    # a hair of ±EPS and 0, at the extreme exponents eq. 34 produces.
    rng = np.random.default_rng(seed)
    n = 60
    r = np.concatenate([[0.5000000000000001, 1.0, 1.9999999999999998, 0.5, 2.0, 2.5],
                        rng.uniform(0.5, 2.0, n - 6)])
    dd = rng.uniform(0.0, 1.0, (n, n)) ** rng.choice([1.0, 3.0, 12.0], (n, n))
    dd[0, :3] = [0.0, 1.0, 1e-12]
    dd[1, :2] = [1.5, 1.0 + 1e-15]  # beyond the range: nothing may be certain
    facs = rng.uniform(0.0, 1.0, (n, n))
    facs[:, :4] = [0.0, 1.0, 0.5, 0.25]
    # loss factors that put the EU exactly at a threshold (it is linear in f)
    e0 = _exact_eu(dd, 0.0, r[:, None])
    e1 = _exact_eu(dd, 1.0, r[:, None])
    target = rng.choice([EPS_K, -EPS_K, EPS_K + 1e-13, -EPS_K - 1e-13, 0.0], (n, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        f_at = (e0 - target) / (e0 - e1)
    pick = (rng.random((n, n)) < 0.5) & (f_at >= 0.0) & (f_at <= 1.0)
    facs = np.where(pick, f_at, facs)
    c4 = 4.0 * np.float_power(0.5, r)
    no_pos = np.zeros((n, n), dtype=bool)
    no_neg = np.zeros((n, n), dtype=bool)
    numba_kernel._sign_bounds(dd, facs, r, c4, no_pos, no_neg)
    with np.errstate(invalid="ignore"):
        eu = _exact_eu(dd, facs, r[:, None])
    assert not np.any(no_pos & ~(eu <= EPS_K))
    assert not np.any(no_neg & ~(eu >= -EPS_K))
    assert not (no_pos[1, :2] | no_neg[1, :2]).any()  # d > 1
    assert not (no_pos[5] | no_neg[5]).any()  # r = 2.5: outside the bounds
    # and they settle most signs away from the thresholds (else nothing would be saved)
    assert (no_pos | no_neg)[~pick].mean() > 0.8


def test_more_than_128_actors_agree() -> None:
    # eq. 31's sums over more than 128 actors take NumPy's halving order (_psum)
    rng = np.random.default_rng(2)
    n = 131
    problem = Problem.from_arrays(
        positions=rng.uniform(0, 100, (1, n, 1)), salience=rng.uniform(0, 1, (1, n, 1)),
        capability=rng.uniform(0, 1, (1, n, 1)), lower=[0.0], upper=[100.0],
    )
    slow = Challenge(engine="numpy", rounds=3).solve(problem)
    fast = Challenge(engine="numba", rounds=3).solve(problem)
    assert_same_bits(slow, fast)
