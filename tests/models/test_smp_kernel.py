"""The SMP's Numba turn-loop kernel and the "first" history mode (``summitry.models.smp``).

The kernel (:mod:`summitry.models._smp_kernel`) must reproduce the NumPy engine bit for
bit: same turns, same positions, same forecasts, for every option it supports, with absent
actors, zero saliences, draws that stop early and draws that hit ``rounds``. The "first"
history mode (Monte Carlo chunks) must give every draw's outcome exactly as "all" does.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from summitry.models import smp as M
from summitry.models.smp import SMP
from summitry.problem import Problem

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None, reason="numba not installed")


def _problem(seed: int, d: int, a: int, i: int, *, holes: bool = True) -> Problem:
    """Random draws with absent actors, partly inactive actors and zero saliences."""
    rng = np.random.default_rng(seed)
    pos = np.round(rng.uniform(0, 100, (d, a, i)), 2)
    sal = rng.uniform(0.05, 1.0, (d, a, i)) / i
    cap = np.broadcast_to(rng.uniform(1, 100, (d, a, 1)), (d, a, i)).copy()
    act = np.ones((d, a, i), dtype=bool)
    if holes and d > 1:
        act[1, 0] = False  # absent from draw 1
        sal[min(2, d - 1), -1] = 0.0  # an actor that cares about nothing
        act[0, 1, 0] = False  # inactive on one issue
        pos[-1, 1] = pos[-1, 0]  # two actors at the same position
    return Problem.from_arrays(positions=pos, salience=sal, capability=cap, active=act)


def _first(problem: Problem) -> Problem:
    return replace(problem, meta={**problem.meta, "history": "first"})


def _assert_same(a: Any, b: Any, *, events: bool = True) -> None:
    np.testing.assert_array_equal(a.n_rounds, b.n_rounds)
    np.testing.assert_array_equal(a.history, b.history)
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.history_outcome, b.history_outcome)
    for key, val in a.extra.items():
        if isinstance(val, np.ndarray):
            np.testing.assert_array_equal(val, b.extra[key], err_msg=key)
        else:
            assert val == b.extra[key]
    if events:
        _assert_events_equal(a.events, b.events)


def _assert_events_equal(ea: list[list[dict[str, Any]]], eb: list[list[dict[str, Any]]]) -> None:
    """Equal events; a queue probability may differ in its last bits (see the docs)."""
    assert len(ea) == len(eb)
    for ta, tb in zip(ea, eb, strict=True):
        assert len(ta) == len(tb)
        for x, y in zip(ta, tb, strict=True):
            if x["type"] == "adopt":
                assert x["prob"] == pytest.approx(y["prob"], rel=1e-12, abs=1e-15)
                x, y = {**x, "prob": 0.0}, {**y, "prob": 0.0}
            assert x == y


OPTIONS: list[dict[str, Any]] = [
    {},
    {"voting": "binary"},
    {"voting": "prop_bin", "victory": "square"},
    {"voting": "prop_cbc", "victory": "quartic", "risk_range": "min"},
    {"voting": "cubic", "victory": "octic", "risk_range": "max"},
    {"voting": "asym_prosp", "victory": "binary", "risk_adjust": "none"},
    {"pce": "markov_uniform", "risk_adjust": "half"},
    {"pce": "markov_incentive", "risk_adjust": "two_thirds"},
    {"risk_adjust": "full", "third_party": "full_commit"},
    {"third_party": "no_commit", "bargain": "s1p1"},
    {"bargain": "s2pmax"},
    {"bargain_model": "init_rcvr"},
    {"bargain_model": "pw_comp", "voting": "prop_cbc"},
    {"transition": "stochastic", "seed": 7},
    {"transition": "stochastic", "seed": 3, "pce": "markov_incentive",
     "bargain_model": "init_rcvr"},
]


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: ",".join(map(str, o.values())) or "default")
def test_kernel_equals_numpy_on_options(options: dict[str, Any]) -> None:
    prob = _problem(11, d=5, a=6, i=3)
    a = SMP(engine="numpy", rounds=40, **options).solve(prob)
    b = SMP(engine="numba", rounds=40, **options).solve(prob)
    _assert_same(a, b)
    assert a.n_rounds[1] > 0 and np.all(b.history[1, :, 0] == b.history[1, :1, 0])  # absent
    # the kernel forecasts the final states of unrecorded draws on a path of its own
    for outcome in ("pce_mean", "modal"):
        c = SMP(engine="numba", rounds=40, outcome=outcome, **options).solve(_first(prob))
        ref = a.outcome if outcome == "pce_mean" else a.extra["forecast_modal"][:, -1]
        np.testing.assert_array_equal(c.outcome, ref)


@pytest.mark.parametrize(("seed", "a", "i"), [
    (1, 2, 1), (2, 3, 2), (3, 7, 9), (4, 9, 8), (5, 12, 3), (6, 5, 17), (7, 4, 130),
    (8, 12, 1),
])
def test_kernel_equals_numpy_on_sizes(seed: int, a: int, i: int) -> None:
    # 8+ issues or actors: NumPy sums pairwise; more than 128 issues: in halves; one issue:
    # the PCE mean sums along the actors (pairwise from 8 actors on), else along issues
    prob = _problem(seed, d=4, a=a, i=i)
    for rounds in (3, 100):  # draws that hit the cap, draws that stop early
        x = SMP(engine="numpy", rounds=rounds).solve(prob)
        y = SMP(engine="numba", rounds=rounds).solve(prob)
        _assert_same(x, y)
        z = SMP(engine="numba", rounds=rounds).solve(_first(prob))
        np.testing.assert_array_equal(z.outcome, x.outcome)
    assert np.any(x.n_rounds < 100)


def _near_problem(seed: int, d: int, a: int, i: int) -> Problem:
    """Draws whose actors 0 and 1 (and 2 and 3) hold distinct positions within KTAB's
    tolerance 1e−3 of each other, with the actors listed in a different order per draw."""
    rng = np.random.default_rng(seed)
    pos = np.round(rng.uniform(20, 80, (d, a, i)), 2)
    pos[:, 1] = pos[:, 0] + 0.04  # 4e−4 apart on KTAB's [0, 1] scale
    pos[:, 3] = pos[:, 2]
    pos[:, 3, 0] -= 0.05
    sal = rng.uniform(0.1, 1.0, (d, a, i)) / i
    cap = np.broadcast_to(rng.uniform(1, 100, (d, a, 1)), (d, a, i)).copy()
    for k in range(d):  # actor order per draw: a permutation
        perm = rng.permutation(a)
        pos[k], sal[k], cap[k] = pos[k, perm], sal[k, perm], cap[k, perm]
    return Problem.from_arrays(positions=pos, salience=sal, capability=cap)


@pytest.mark.parametrize("i", [1, 3])
def test_kernel_forecasts_merge_near_positions_in_canonical_order(i: int) -> None:
    # the forecasts redo KTAB's merge of near positions with the actors in canonical order
    prob = _near_problem(71, d=6, a=9, i=i)
    for rounds in (1, 2, 50):
        x = SMP(engine="numpy", rounds=rounds).solve(prob)
        y = SMP(engine="numba", rounds=rounds).solve(prob)
        _assert_same(x, y)
        for outcome in ("pce_mean", "modal"):
            z = SMP(engine="numba", rounds=rounds, outcome=outcome).solve(_first(prob))
            ref = x.outcome if outcome == "pce_mean" else x.extra["forecast_modal"][:, -1]
            np.testing.assert_array_equal(z.outcome, ref)
    # the canonical order matters: at turn 0 it keeps other representatives of the near
    # pairs than the file order in some draws
    from summitry.models._smp_core import unique_positions

    prep = M._prepare(prob)
    order = M._canonical_order(prep)
    x0 = prep["x"]
    x_c = np.take_along_axis(x0, order[..., None], axis=1)
    rep, _ = unique_positions(x0, prep["present"])
    rep_c, _ = unique_positions(x_c, prep["present"])
    kept = [sorted(map(tuple, x0[k][rep[k]])) != sorted(map(tuple, x_c[k][rep_c[k]]))
            for k in range(x0.shape[0])]
    assert any(kept)


def test_victory_powers_are_exact_squares() -> None:
    # NumPy's float power uses the CPU's vector math (last bits vary between machines);
    # the models square exactly, in both engines
    from summitry.models import _smp_core as core
    from summitry.models import _smp_kernel as kernel

    rng = np.random.default_rng(3)
    c = rng.uniform(0, 1, (40, 40)) * 10.0 ** rng.integers(-6, 3, (40, 40))
    s4 = (c * c) * (c * c)
    np.testing.assert_array_equal(
        core.victory("quartic", c, c.T), s4 / (s4 + s4.T))
    np.testing.assert_array_equal(
        core.victory("octic", c, c.T), (s4 * s4) / (s4 * s4 + (s4 * s4).T))
    for model in core.VICTORY:
        out = np.empty_like(c)
        kernel._victories(kernel.codes(replace(M.core.Config(), victory=model))[1], c, 40, out)
        np.testing.assert_array_equal(out, core.victory_matrix(model, c), err_msg=model)


def test_kernel_rounds_cap_and_stop() -> None:
    prob = _problem(21, d=8, a=7, i=9, holes=False)
    capped = SMP(engine="numba", rounds=2).solve(prob)
    assert capped.n_rounds.tolist() == [2] * 8
    full = SMP(engine="numba").solve(prob)
    ref = SMP(engine="numpy").solve(prob)
    _assert_same(ref, full)
    assert len(set(full.n_rounds.tolist())) > 1  # draws stop independently
    # a draw's stopping ratio is below 2 % unless it ran the full `rounds`
    stopped = full.n_rounds < 100
    assert np.all(full.extra["stop_ratio"][stopped] < 0.02)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("outcome", ["pce_mean", "modal", "weighted_mean"])
def test_history_first_equals_all(engine: str, outcome: str) -> None:
    prob = _problem(31, d=9, a=6, i=4)
    model = SMP(engine=engine, outcome=outcome, rounds=30)
    every = model.solve(prob)
    first = model.solve(_first(prob))
    np.testing.assert_array_equal(first.outcome, every.outcome)
    np.testing.assert_array_equal(first.n_rounds, every.n_rounds)
    np.testing.assert_array_equal(first.extra["stop_ratio"], every.extra["stop_ratio"])
    assert first.history.shape == (1, *every.history.shape[1:])
    np.testing.assert_array_equal(first.history[0], every.history[0])
    np.testing.assert_array_equal(first.history_outcome[0], every.history_outcome[0])
    for key in ("risk", "win_prob", "forecast_pce_mean", "forecast_modal",
                "forecast_weighted_mean"):
        assert first.extra[key].shape[0] == 1
        np.testing.assert_array_equal(first.extra[key][0], every.extra[key][0], err_msg=key)
    np.testing.assert_array_equal(first.outcome[0], first.history_outcome[0, -1])
    assert first.events == every.events


def test_history_first_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = _problem(41, d=6, a=5, i=2)
    whole = SMP(engine="numpy").solve(prob)
    monkeypatch.setattr(M, "_CHUNK_ELEMENTS", 200)  # 1 draw per NumPy chunk
    for engine in ("numpy", "numba"):
        part = SMP(engine=engine).solve(_first(prob))
        np.testing.assert_array_equal(part.outcome, whole.outcome)
        np.testing.assert_array_equal(part.history[0], whole.history[0])
        every = SMP(engine=engine).solve(prob)  # the kernel records history in chunks too
        _assert_same(whole, every)


def test_kernel_with_accommodation_uses_numpy_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = _problem(51, d=3, a=4, i=2)
    acc = np.eye(4)
    acc[0, 1] = 0.3

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the kernel does not take an accommodation matrix")

    a = SMP(engine="numpy", accommodation=acc).solve(prob)
    monkeypatch.setattr(M, "_run_kernel", fail)
    b = SMP(engine="numba", accommodation=acc).solve(prob)
    _assert_same(a, b)
    assert "ideals" in b.extra


def test_auto_engine_picks_the_kernel_for_monte_carlo(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    kernel = M._run_kernel

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return kernel(*args, **kwargs)

    monkeypatch.setattr(M, "_run_kernel", spy)
    monkeypatch.setattr(M, "_use_numba", lambda work: work >= M._NUMBA_MIN_WORK)
    SMP().solve(_problem(61, d=2, a=3, i=2))  # tiny: NumPy, numba is not imported for it
    assert calls == []
    SMP().solve(_first(_problem(62, d=400, a=7, i=2)))  # Monte Carlo sized
    assert calls == [1]


def test_psum_is_numpys_sum() -> None:
    from summitry.models._smp_kernel import _psum

    rng = np.random.default_rng(0)
    for n in [*range(0, 40), 127, 128, 129, 255, 256, 300, 1000, 4099]:
        v = rng.normal(size=n + 3) * 10.0 ** rng.integers(-6, 6, size=n + 3)
        assert _psum(v, 3, n) == v[3:].sum()
