"""Capability conventions and the exact Shapley–Shubik index (summitry.capability)."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry import capability as cap
from summitry.errors import SummitryError, UnknownNameError


def brute_force(weights: list[int], win) -> np.ndarray:
    """Shapley–Shubik by enumerating every ordering: who turns losing into winning."""
    n = len(weights)
    counts = np.zeros(n)
    perms = list(itertools.permutations(range(n)))
    for order in perms:
        members: set[int] = set()
        for p in order:
            before = win(members)
            members.add(p)
            if not before and win(members):
                counts[p] += 1
                break
    return counts / len(perms)


# --- hand-checkable games ---------------------------------------------------------------


def test_two_one_one() -> None:
    # [3; 2, 1, 1]: the big player is pivotal in 4 of the 6 orderings
    np.testing.assert_allclose(cap.shapley_shubik([2, 1, 1], 3), [2 / 3, 1 / 6, 1 / 6])


def test_eec_1958() -> None:
    # Council of the EEC of six, QMV 12 of 17: Luxembourg is a null player
    # (Felsenthal & Machover 1998 and every textbook since: 14/60, 9/60, 0)
    got = cap.shapley_shubik([4, 4, 4, 2, 2, 1], 12)
    np.testing.assert_allclose(got, [14 / 60] * 3 + [9 / 60] * 2 + [0.0], atol=1e-12)


def test_dictator_unanimity_and_symmetry() -> None:
    np.testing.assert_allclose(cap.shapley_shubik([5, 1, 1], 5), [1, 0, 0])
    np.testing.assert_allclose(cap.shapley_shubik([1, 1, 1, 1], 4), [0.25] * 4)
    np.testing.assert_allclose(cap.shapley_shubik([3, 3, 3], 5), [1 / 3] * 3)
    # a member-count condition: weight 3 alone but two members needed
    np.testing.assert_allclose(cap.shapley_shubik([3, 1, 1], 3, min_members=2),
                               brute_force([3, 1, 1],
                                           lambda s: sum([3, 1, 1][i] for i in s) >= 3
                                           and len(s) >= 2))


def test_bad_games() -> None:
    with pytest.raises(SummitryError, match="quota"):
        cap.shapley_shubik([1, 1], 3)
    with pytest.raises(SummitryError, match="whole numbers"):
        cap.shapley_shubik([1.5, 1], 2)


@settings(max_examples=40, deadline=None)
@given(weights=st.lists(st.integers(0, 9), min_size=1, max_size=6), data=st.data())
def test_matches_enumeration(weights: list[int], data: st.DataObject) -> None:
    total = sum(weights)
    if total == 0:
        return
    quota = data.draw(st.integers(1, total))
    got = cap.shapley_shubik(weights, quota)
    want = brute_force(weights, lambda s: sum(weights[i] for i in s) >= quota)
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert got.sum() == pytest.approx(1.0)


def test_compound_game_matches_enumeration() -> None:
    # 5 weighted states + 2 institutions, the COD rule of capability._legislative_ssi:
    # EP and ((Commission and weight ≥ 7) or all five states)
    w = np.array([4, 3, 2, 2, 1], dtype=np.int64)
    never = int(w.sum()) + 1

    def threshold(k: int, inst: int) -> int:
        if not inst & 2:
            return never
        qmv = 7 if inst & 1 else never
        return min(qmv, 0 if k >= 5 else never)

    got = cap._ssi_game(w, threshold, 2)
    players = [4, 3, 2, 2, 1, 0, 0]  # 5 = Commission, 6 = Parliament

    def win(s: set[int]) -> bool:
        states = [i for i in s if i < 5]
        council = (5 in s and sum(players[i] for i in states) >= 7) or len(states) == 5
        return 6 in s and council

    np.testing.assert_allclose(got, brute_force(players, win), atol=1e-12)


# --- the EU legislative game ----------------------------------------------------------------


def test_council_tables() -> None:
    assert sum(cap.COUNCIL_VOTES["pre-nice"].values()) == 87
    assert sum(cap.COUNCIL_VOTES["nice-25"].values()) == 321
    assert sum(cap.COUNCIL_VOTES["nice-27"].values()) == 345
    assert sum(cap.COUNCIL_VOTES["nice-28"].values()) == 352
    assert [len(cap.members(p)) for p in cap.PERIODS] == [15, 25, 27, 28, 28]
    assert cap.QUOTAS == {"pre-nice": 62, "nice-25": 232, "nice-27": 255, "nice-28": 260}


def test_periods() -> None:
    assert cap.period_of(dt.date(2004, 4, 30)) == "pre-nice"
    assert cap.period_of(dt.date(2004, 5, 1)) == "nice-25"
    assert cap.period_of(dt.date(2007, 1, 1)) == "nice-27"
    assert cap.period_of(dt.date(2013, 7, 1)) == "nice-28"
    assert cap.period_of(dt.date(2014, 10, 31)) == "nice-28"
    assert cap.period_of(dt.date(2014, 11, 1)) == "lisbon"


@pytest.mark.parametrize("period", cap.PERIODS)
@pytest.mark.parametrize("procedure", ["COD", "CNS"])
def test_legislative_game_basics(period: str, procedure: str) -> None:
    qmv = cap.legislative_ssi(period, procedure, "QMV")
    n = len(cap.members(period))
    assert sum(qmv.values()) == pytest.approx(1.0, abs=1e-12)
    if procedure == "CNS":
        assert qmv["ep"] == 0.0  # consulted only: a null player
    else:
        assert qmv["ep"] > qmv["com"] > 0
    unan = cap.legislative_ssi(period, procedure, "Unan")
    veto = n + (procedure == "COD")
    for s in cap.members(period):
        assert unan[s] == pytest.approx(1 / veto)
    assert unan["com"] == 0.0


def test_lisbon_against_monte_carlo() -> None:
    # an independent simulation of the double majority (55 % of states = 16 of 28 with
    # 65 % of the population, blocking minority of 4) under CNS: Commission needed
    exact = cap.legislative_ssi("lisbon", "CNS", "QMV")
    states = cap.members("lisbon")
    pop = np.array([cap.POPULATION_2014[s] for s in states])
    n = len(states)
    rng = np.random.default_rng(1)
    reps = 20000
    players = n + 1  # the Commission is player n
    orders = np.argsort(rng.random((reps, players)), axis=1)
    is_com = orders == n
    state_pop = np.where(is_com, 0.0, pop[np.minimum(orders, n - 1)])
    k = np.cumsum(~is_com, axis=1)
    p = np.cumsum(state_pop, axis=1)
    com_in = np.cumsum(is_com, axis=1) > 0
    qmv = (k >= 16) & ((p >= 0.65 * pop.sum()) | (k >= n - 3))
    winning = (com_in & qmv) | (k == n)
    pivot = orders[np.arange(reps), np.argmax(winning, axis=1)]
    share = np.bincount(pivot, minlength=players) / reps
    got = np.array([exact[s] for s in states] + [exact["com"]])
    np.testing.assert_allclose(share, got, atol=0.012)
    assert exact["de"] > exact["fr"] > exact["mt"] > 0


def test_capabilities() -> None:
    eq = cap.capabilities("equal", period="pre-nice", procedure="COD")
    assert set(eq.values()) == {1.0} and len(eq) == 17
    votes = cap.capabilities("votes", period="nice-27", procedure="COD")
    assert votes["de"] / votes["mt"] == pytest.approx(29 / 3)
    assert sum(votes.values()) == pytest.approx(1.0)
    ssi = cap.capabilities("ssi", period="nice-27", procedure="COD")
    assert ssi["ep"] == votes["ep"] and ssi["com"] == votes["com"]
    assert sum(ssi.values()) == pytest.approx(1.0)
    # a state that is not yet a member has no capability
    pre = cap.capabilities("ssi", period="pre-nice", procedure="CNS", actors=["pl", "de"])
    assert pre["pl"] == 0.0 and pre["de"] > 0
    lis = cap.capabilities("votes", period="lisbon", procedure="COD")
    assert lis["de"] / lis["fr"] == pytest.approx(
        round(cap.POPULATION_2014["de"]) / round(cap.POPULATION_2014["fr"]))
    with pytest.raises(UnknownNameError):
        cap.capabilities("power", period="lisbon", procedure="COD")
    with pytest.raises(UnknownNameError):
        cap.capabilities("ssi", period="amsterdam", procedure="COD")
    with pytest.raises(UnknownNameError):
        cap.capabilities("ssi", period="lisbon", procedure="OLP")
    assert math.isclose(sum(cap.legislative_ssi("nice-28", "COD", "QMV(10)").values()), 1.0)
