"""The exchange model's fast engines under Monte Carlo use: history "first" mode, the
compiled kernel's data structures (tournament tree, (actor, issue) lists, scratch reused
across draws) against the NumPy engine, and the integer form of the gain quantisation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from summitry.models._exchange_fast import quantise
from summitry.models.exchange import Exchange
from summitry.problem import Problem

try:
    import numba  # noqa: F401

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

ENGINES = ["numpy", "numba"] if HAVE_NUMBA else ["numpy"]


def _draws(seed: int, draws: int, n_a: int = 7, n_i: int = 6) -> Problem:
    """Monte Carlo-like draws with some actors absent from some issues."""
    rng = np.random.default_rng(seed)
    active = rng.uniform(size=(draws, n_a, n_i)) > 0.2
    return Problem.from_arrays(
        positions=rng.uniform(0, 100, (draws, n_a, n_i)),
        salience=np.where(active, rng.uniform(0.05, 1.0, (draws, n_a, n_i)), 0.0),
        capability=np.broadcast_to(rng.uniform(0.1, 1.0, (draws, n_a, 1)), (draws, n_a, n_i)),
        active=active)


def _first(prob: Problem) -> Problem:
    return replace(prob, meta={**prob.meta, "history": "first"})


@pytest.mark.parametrize("engine", [*ENGINES, "exact"])
def test_history_first_keeps_every_outcome_and_draw_zero(engine: str) -> None:
    prob = _draws(1, 6, n_a=5, n_i=3) if engine == "exact" else _draws(1, 40)
    model = Exchange(exact=True, rounds=3) if engine == "exact" else Exchange(engine=engine)
    full = model.solve(prob)
    first = model.solve(_first(prob))
    np.testing.assert_array_equal(first.outcome, full.outcome)
    np.testing.assert_array_equal(first.n_rounds, full.n_rounds)
    np.testing.assert_array_equal(first.extra["n_exchanges"], full.extra["n_exchanges"])
    assert first.history is not None and full.history is not None
    assert first.history_outcome is not None and full.history_outcome is not None
    assert first.history.shape[0] == 1 and first.history_outcome.shape[0] == 1
    np.testing.assert_array_equal(first.history, full.history[:1])
    np.testing.assert_array_equal(first.history_outcome, full.history_outcome[:1])
    for key in ("voting_positions", "voting_outcome"):
        assert first.extra[key].shape[0] == 1
        np.testing.assert_array_equal(first.extra[key], full.extra[key][:1])
    assert first.events == full.events
    assert full.history.shape[0] == prob.n_draws  # the default records every draw
    # the forecast is the outcome at the start positions after the last round
    np.testing.assert_array_equal(full.outcome, full.history_outcome[:, -1])


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
@pytest.mark.parametrize(("variant", "random_ties", "p"),
                         [("equal", False, 0.0), ("equal", True, 0.0), ("random", False, 0.0),
                          ("rex", False, 0.5)])
def test_numba_equals_numpy_on_many_draws(variant: str, random_ties: bool, p: float) -> None:
    """Many draws through few blocks (scratch reused from draw to draw), absent actors,
    and dozens of exchanges per round: bit-identical to the NumPy engine."""
    prob = _draws(7, 60)
    kw: dict[str, Any] = dict(variant=variant, random_ties=random_ties, p=p, seed=3)
    a = Exchange(engine="numpy", **kw).solve(prob)
    b = Exchange(engine="numba", **kw).solve(prob)
    assert b.extra["n_exchanges"].sum() > 10 * prob.n_draws
    np.testing.assert_array_equal(a.history, b.history)
    np.testing.assert_array_equal(a.extra["voting_positions"], b.extra["voting_positions"])
    np.testing.assert_array_equal(a.extra["n_exchanges"], b.extra["n_exchanges"])
    np.testing.assert_array_equal(a.outcome, b.outcome)
    assert a.events == b.events


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
def test_compiled_quantise_equals_numpy() -> None:
    """The integer form (add half a unit of the last kept bit, clear the rest) and the
    frexp/ldexp path agree, including round-ups to the next power of two, the smallest
    normal number, subnormals, zero, negative and non-finite values."""
    from summitry.models._exchange_numba import _quantise

    rng = np.random.default_rng(0)
    edge = [0.0, -0.0, 1.0, 0.5, 2.0**-1022, 2.0**-1030, 5e-324, 1.7976931348623157e308,
            np.inf, -np.inf, np.nan, -3.5, -1e-300, 1e-10, 0.2545691906005221,
            float(np.nextafter(1.0, 0.0)), 1.0 - 2.0**-38, 1.0 - 2.0**-37]
    g = np.concatenate([edge, rng.uniform(0, 10, 2000), 10.0 ** rng.uniform(-300, 300, 2000),
                        -rng.uniform(0, 10, 200)])
    cell = np.empty(1)
    got = np.array([_quantise(float(v), cell, cell.view(np.uint64)) for v in g])
    with np.errstate(all="ignore"):  # the largest float rounds up to inf in both
        want = quantise(g)
    np.testing.assert_array_equal(got.view(np.uint64)[~np.isnan(want)],
                                  want.view(np.uint64)[~np.isnan(want)])
    assert np.isnan(got[np.isnan(want)]).all()
    assert got[edge.index(1.0 - 2.0**-37)] == 1.0  # rounds up into the next binade
