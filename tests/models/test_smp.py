"""Tests of KTAB's Spatial Model of Politics (``summitry.models.smp``).

Reference runs: KAPSARC's KTAB ``smpc`` logs in ``tests/data/ktab`` (MIT licence, LICENSE
there), described in ``specs/smp.md`` and ``specs/models.md`` §1e:

* ``20170530_ref-dummyData_3Dim.txt`` — ``dummyData_3Dim.csv``, all defaults,
  deterministic: reproduced turn by turn to the log's printed precision.
* ``20170530_ref-smpExample.txt`` — ``smpExample.xml`` (MarkovIncentive PCE, PropCbc votes,
  an ideal-accommodation matrix, Stochastic transitions): every turn is reproduced given
  KTAB's random choices (replay), and our own stochastic runs are checked to contain the
  reference run in distribution.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.errors import MissingExtraError, SummitryError
from summitry.models import _smp_core as core
from summitry.models import get_model
from summitry.models import smp as M
from summitry.models.smp import SMP, ktab_parameters
from summitry.problem import Problem


def _load_fixture() -> Any:
    path = Path(__file__).with_name("_ktab_fixture.py")
    spec = importlib.util.spec_from_file_location("_ktab_fixture", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_ktab_fixture", mod)
    spec.loader.exec_module(mod)
    return mod


kf = _load_fixture()

HAS_NUMBA = importlib.util.find_spec("numba") is not None
# printed precision of the logs (+ float slack): positions "%.4f" on 0-100 in the
# "postn" lines, probabilities "%.4f", risk attitudes "%.3f", bargains "%.3f"
P4 = 0.5e-4 + 1e-9
P3 = 0.5e-3 + 1e-9


@pytest.fixture(scope="module")
def ref3() -> tuple[Any, Any]:
    return kf.load_3dim()


@pytest.fixture(scope="module")
def refx() -> tuple[Any, Any]:
    return kf.load_smp_example()


@pytest.fixture(scope="module")
def sol3(ref3: tuple[Any, Any]) -> Any:
    inp, _ = ref3
    return SMP().solve(inp.problem())


def _opt(pair: tuple[int, int]) -> int:
    """Queue option id of KTAB's (initiator, receiver) entry under InitOnlyInterp."""
    i, j = pair
    return 0 if i == j else 1 + i


# --------------------------------------------------------------------------------------
# the deterministic reference run (dummyData_3Dim, all defaults)
# --------------------------------------------------------------------------------------
def test_3dim_positions_every_turn(ref3: tuple[Any, Any], sol3: Any) -> None:
    inp, log = ref3
    assert log.n_states == 11
    assert sol3.n_rounds.tolist() == [10]
    assert sol3.history.shape == (1, 11, 7, 3)
    ref = np.stack([inp.positions] + [t.positions for t in log.turns])
    np.testing.assert_allclose(sol3.history[0], ref, rtol=0, atol=P4)
    # the closing table, printed at 1 dp (turn along the last axis)
    hist = np.transpose(sol3.history[0], (1, 2, 0))
    np.testing.assert_allclose(hist, log.history_1dp, rtol=0, atol=0.05 + 1e-9)
    # actor 2 never moves (specs/models.md §1e)
    assert np.all(sol3.history[0, :, 2] == inp.positions[2])


def test_3dim_risk_and_winning_probabilities(ref3: tuple[Any, Any], sol3: Any) -> None:
    _, log = ref3
    np.testing.assert_allclose(sol3.extra["risk"][0], np.array(log.risk), rtol=0, atol=P3)
    # 77 entries of the "History of actors' winning probabilities" (specs/smp.md §10)
    np.testing.assert_allclose(sol3.extra["win_prob"][0], log.win_prob.T, rtol=0, atol=P4)


def test_3dim_stopping_ratio(sol3: Any, ref3: tuple[Any, Any]) -> None:
    _, log = ref3
    # sDist[0,1] = 0.874, sDist[9,10] = 3.96e-3, ratio 0.0045 < 0.02 (log and §8)
    x = sol3.history[0] / 100.0
    dist = np.sqrt(((x[1:] - x[:-1]) ** 2).sum(-1)).sum(-1)
    assert dist[0] == pytest.approx(log.sdist[0], abs=0.0005)
    assert dist[-1] == pytest.approx(log.sdist[-1], abs=0.005e-3)
    assert sol3.extra["stop_ratio"][0] == pytest.approx(0.0045, abs=0.00005)
    assert np.all(dist[1:-1] / (dist[0] + 1e-4) >= 0.02)


def test_3dim_challenges_bargains_queues(ref3: tuple[Any, Any]) -> None:
    """Each turn's challenges, proposals and queue PCEs, and the other bargaining models'
    proposals that KTAB logs alongside (receiver's perspective, power-weighted compromise)."""
    inp, log = ref3
    model = SMP()
    cfg = model._config()
    cfg_r = core.Config(bargain_model="init_rcvr")
    cfg_pw = core.Config(bargain_model="pw_comp")
    state: dict[str, Any] = dict(M._prepare(inp.problem()))
    state["y"] = state["x"]
    st3 = M.setup(cfg, state)
    n_none = 0
    for turn in log.turns:
        q, info = M.turn(cfg, state, st3)
        _, info_r = M.turn(cfg_r, state, st3)
        _, info_pw = M.turn(cfg_pw, state, st3)
        for i, ch in turn.challenges.items():
            assert info["target"][0, i] == ch.target
            if ch.target < 0:
                n_none += 1
                continue
            assert info["phi"][0, i] == pytest.approx(ch.prob, abs=P4)
            assert info["gain"][0, i] == pytest.approx(ch.gain, abs=P4)
            # InitRcvrInterp's second bargain uses the receiver's estimate E(j, i, i, j)
            phi_r = core.pair_phi(
                cfg, st3.persp, np.array([[ch.target]]), np.array([[i]]),
                np.array([[ch.target]]), state["sig"] * state["cap"], state["present"])
            assert phi_r[0, 0] == pytest.approx(ch.prob_rcvr, abs=P4)
        for (i, j), (bi, bj) in turn.bargains.items():
            assert info["target"][0, i] == j
            np.testing.assert_allclose(info["b_init"][0, i, 0] * 100, bi, atol=P3)
            np.testing.assert_allclose(info["b_recv"][0, i, 0] * 100, bj, atol=P3)
            np.testing.assert_allclose(info_r["b_init"][0, i, 0] * 100, bi, atol=P3)
        # KTAB's receiver-perspective proposals do not follow specs/smp.md §12 (see
        # docs/models/smp.md); the power-weighted compromise of KTAB's two printed
        # proposals is reproduced, which pins its weights c_i·σ_i and c_i·σ_j
        for (i, j), (pi_, pj_) in turn.bargains_pw.items():
            ri_, rj_ = turn.bargains_rcvr[(i, j)]
            ii_, ij_ = turn.bargains[(i, j)]
            ci_, cj_ = core.pw_compromise(ii_, ij_, ri_, rj_, state["cap"][0, i],
                                          state["sig"][0, i], state["sig"][0, j])
            np.testing.assert_allclose(ci_, pi_, atol=P3)
            np.testing.assert_allclose(cj_, pj_, atol=P3)
            assert np.all(np.isfinite(info_r["b_init"][0, i])) and np.all(
                np.isfinite(info_pw["b_init"][0, i]))
        for k, qu in turn.queues.items():
            assert q.mask[0, k].sum() == len(qu.entries)
            for pair, pr in zip(qu.entries, qu.probs, strict=True):
                pos = np.flatnonzero(q.options[0, k] == _opt(pair))
                assert pos.size == 1
                assert q.prob[0, k, pos[0]] == pytest.approx(pr, abs=P4)
            assert q.chosen[0, k] == _opt(qu.chosen)
        state["x"] = state["y"] = q.new_x
        np.testing.assert_allclose(q.new_x[0] * 100, turn.positions, atol=P4)
        st3 = M.setup(cfg, state)
    assert n_none > 0  # e.g. turn 7, actor 4 "has no advantageous targets"
    assert sum(len(t.bargains) for t in log.turns) == 59


def test_3dim_events(ref3: tuple[Any, Any], sol3: Any) -> None:
    inp, log = ref3
    assert len(sol3.events) == 11 and sol3.events[0] == []
    for t, turn in enumerate(log.turns, start=1):
        got = {(e["actor"], e["target"]) for e in sol3.events[t] if e["type"] == "challenge"}
        want = {(inp.actors[c.actor], inp.actors[c.target])
                for c in turn.challenges.values() if c.target >= 0}
        assert got == want
        adopted = [e for e in sol3.events[t] if e["type"] == "adopt"]
        assert len(adopted) == 7
        for e in adopted:
            k = inp.actors.index(e["actor"])
            i, j = turn.queues[k].chosen
            if i == j:
                assert e["bargain"] is None
            else:
                assert e["bargain"]["initiator"] == inp.actors[i]


def test_3dim_forecasts(sol3: Any, ref3: tuple[Any, Any]) -> None:
    inp, _ = ref3
    x = sol3.history[0]
    p = sol3.extra["win_prob"][0]
    # final state: actors 0,1 share a position, as do 4 and 6 (4 dp): 5 unique positions
    uniq, first = np.unique(np.round(x[-1], 6), axis=0, return_index=True)
    assert len(uniq) == 5
    mean = (p[-1, first][:, None] * x[-1, first]).sum(0)
    np.testing.assert_allclose(sol3.outcome[0], mean, atol=1e-9)
    np.testing.assert_allclose(sol3.history_outcome[0, -1], sol3.outcome[0])
    np.testing.assert_allclose(sol3.extra["forecast_modal"][0, -1], x[-1, 5])  # p = 0.4009
    w = inp.power[:, None] * inp.salience
    np.testing.assert_allclose(
        sol3.extra["forecast_weighted_mean"][0, 0], (w * inp.positions).sum(0) / w.sum(0))
    modal = SMP(outcome="modal").solve(inp.problem())
    np.testing.assert_allclose(modal.outcome[0], x[-1, 5])


def test_soe_pol_comp_turn_count() -> None:
    # specs/smp.md: KTAB's default run of SOE-Pol-Comp.csv takes 27 steps / 28 states
    sol = SMP().solve(kf.read_csv(kf.DATA / "SOE-Pol-Comp.csv").problem())
    assert sol.n_rounds.tolist() == [27]
    assert sol.history.shape[1] == 28


# --------------------------------------------------------------------------------------
# the stochastic reference run (smpExample.xml)
# --------------------------------------------------------------------------------------
def _example_model(inp: Any, **kw: Any) -> SMP:
    return SMP(**(ktab_parameters(inp.params) | {"accommodation": inp.accommodation} | kw))


def test_smp_example_replay(refx: tuple[Any, Any]) -> None:
    """Given KTAB's random queue choices, every turn of the stochastic run is reproduced:
    risk attitudes, challenges, proposals, queue PCEs (MarkovIncentive, PropCbc), positions,
    ideals (accommodation matrix) and the winning-probability history."""
    inp, log = refx
    model = _example_model(inp)
    cfg = model._config()
    assert cfg.pce == "markov_incentive" and cfg.voting == "prop_cbc"
    acc = inp.accommodation
    state: dict[str, Any] = dict(M._prepare(inp.problem()))
    state["y"] = state["x"]
    stx = M.setup(cfg, state)
    win = [M._forecasts(cfg, state, stx)[0][0]]
    steps = []
    for t, turn in enumerate(log.turns):
        np.testing.assert_allclose(stx.risk[0], log.risk[t], rtol=0, atol=P3)
        force = np.array([[_opt(turn.queues[k].chosen) for k in range(5)]])
        q, info = M.turn(cfg, state, stx, force=force)
        for i, ch in turn.challenges.items():
            assert info["target"][0, i] == ch.target
            if ch.target >= 0:
                assert info["phi"][0, i] == pytest.approx(ch.prob, abs=P4)
                assert info["gain"][0, i] == pytest.approx(ch.gain, abs=P4)
        for (i, j), (bi, bj) in turn.bargains.items():
            assert info["target"][0, i] == j
            np.testing.assert_allclose(info["b_init"][0, i, 0] * 100, bi, atol=P3)
            np.testing.assert_allclose(info["b_recv"][0, i, 0] * 100, bj, atol=P3)
        for k, qu in turn.queues.items():
            for pair, pr in zip(qu.entries, qu.probs, strict=True):
                pos = np.flatnonzero(q.options[0, k] == _opt(pair))[0]
                assert q.prob[0, k, pos] == pytest.approx(pr, abs=P4)
        old = state["x"]
        state["x"] = q.new_x
        state["y"] = np.einsum("ij,djk->dik", acc, q.new_x) + (
            1.0 - acc.sum(1))[None, :, None] * state["y"]
        np.testing.assert_allclose(state["x"][0] * 100, turn.positions, atol=P4)
        np.testing.assert_allclose(state["y"][0] * 100, turn.ideals, atol=P4)
        steps.append(np.sqrt(((q.new_x - old) ** 2).sum(-1)).sum())
        stx = M.setup(cfg, state)
        win.append(M._forecasts(cfg, state, stx)[0][0])
    np.testing.assert_allclose(np.array(win), log.win_prob.T, rtol=0, atol=P4)
    # KTAB's stopping rule ends this trajectory after 14 steps (15 states), ratio 0.0106
    ratio = np.array(steps) / (steps[0] + 1e-4)
    assert log.n_states == 15
    assert np.all(ratio[1:-1] >= 0.02) and ratio[-1] < 0.02
    assert ratio[-1] == pytest.approx(0.0106, abs=0.00005)


def test_smp_example_in_distribution(refx: tuple[Any, Any]) -> None:
    """Our Stochastic transition, seeded, 400 runs: the reference is a typical run.

    * turn 1: the frequency of KTAB's turn-1 state among our runs matches the product of
      the chosen entries' queue probabilities (0.0685; binomial, within 4 sd);
    * turn count: the reference's 14 steps lie between our 10 % and 90 % quantiles;
    * final positions: each of the reference's 15 final coordinates lies between our
      2.5 % and 97.5 % quantiles.
    """
    inp, log = refx
    d = 400
    prob = inp.problem()
    batch = prob.take(np.zeros(d, dtype=np.intp))
    sol = _example_model(inp, seed=20170530).solve(batch)
    assert sol.history.shape[0] == d
    p1 = np.prod([
        qu.probs[qu.entries.index(qu.chosen)] for qu in log.turns[0].queues.values()])
    assert p1 == pytest.approx(0.0685, abs=0.0005)
    hit = np.all(np.abs(sol.history[:, 1] - log.turns[0].positions) < P4, axis=(1, 2))
    assert abs(hit.sum() - d * p1) <= 4 * np.sqrt(d * p1 * (1 - p1))
    lo, hi = np.quantile(sol.n_rounds, [0.1, 0.9])
    assert lo <= 14 <= hi
    final = sol.history[np.arange(d), sol.n_rounds]
    qlo, qhi = np.quantile(final, [0.025, 0.975], axis=0)
    ref_final = log.turns[-1].positions
    assert np.all((qlo <= ref_final) & (ref_final <= qhi))
    # and different seeds give different runs
    assert len({tuple(np.round(h, 4).ravel()) for h in sol.history[:, -1]}) > d // 2


def test_stochastic_choices_follow_queue_pce(refx: tuple[Any, Any]) -> None:
    """The stochastic draw picks entry m with its PCE probability (turn 1 of smpExample)."""
    inp, log = refx
    d = 2000
    batch = inp.problem().take(np.zeros(d, dtype=np.intp))
    sol = _example_model(inp, seed=7, rounds=1).solve(batch)
    # actor 4's queue: status quo, 4:2, 0:4 with probabilities 0.0264, 0.0250, 0.9486
    qu = log.turns[0].queues[4]
    x1 = sol.history[:, 1, 4]
    bargains = log.turns[0].bargains
    targets = {
        (4, 4): inp.positions[4], (4, 2): bargains[(4, 2)][0], (0, 4): bargains[(0, 4)][1]}
    for pair, pr in zip(qu.entries, qu.probs, strict=True):
        freq = np.mean(np.all(np.abs(x1 - targets[pair]) < P4, axis=1))
        assert abs(freq - pr) <= 4 * np.sqrt(pr * (1 - pr) / d) + 1e-4


# --------------------------------------------------------------------------------------
# the Numba kernel and the NumPy fallback
# --------------------------------------------------------------------------------------
@pytest.mark.skipif(not HAS_NUMBA, reason="numba not installed")
@pytest.mark.parametrize("voting", core.VOTING)
@pytest.mark.parametrize("third_party", core.THIRD_PARTY)
def test_numba_kernel_equals_numpy(voting: str, third_party: str) -> None:
    from summitry.models import _smp_numba

    rng = np.random.default_rng(3)
    d, a = 2, 9
    cfg = core.Config(voting=voting, third_party=third_party)
    state = {
        "x": rng.uniform(0, 1, (d, a, 2)), "s_dist": rng.uniform(0.05, 0.5, (d, a, 2)),
        "cap": rng.uniform(1, 100, (d, a)), "present": rng.uniform(size=(d, a)) > 0.1,
    }
    state["y"] = state["x"]
    st_ = M.setup(cfg, state)
    w = state["cap"] * rng.uniform(0.1, 1, (d, a))
    sig = rng.uniform(0.1, 1, (d, a))
    phi_np, gain_np = core.all_challenges(cfg, st_.persp, w, sig, state["present"], block=4)
    phi_nb, gain_nb = _smp_numba.all_challenges(cfg, st_.persp, w, sig, state["present"])
    np.testing.assert_array_equal(phi_np, phi_nb)
    np.testing.assert_array_equal(gain_np, gain_nb)


@pytest.mark.skipif(not HAS_NUMBA, reason="numba not installed")
@pytest.mark.parametrize("voting", core.VOTING)
def test_numba_coalitions_equal_numpy(voting: str) -> None:
    from summitry.models import _smp_numba

    rng = np.random.default_rng(5)
    u = rng.uniform(0, 1, (3, 4, 11, 9))
    u[..., 3] = u[..., 2]  # exact ties between two options
    w = rng.uniform(0, 10, (3, 4, 11))
    np.testing.assert_array_equal(core.coalitions(voting, w, u),
                                  _smp_numba.coalitions(voting, w, u))


@pytest.mark.skipif(not HAS_NUMBA, reason="numba not installed")
def test_numba_and_numpy_identical_on_variants(refx: tuple[Any, Any]) -> None:
    inp, _ = refx
    prob = inp.problem().take([0, 0, 0])
    for kw in ({}, {"bargain_model": "init_rcvr", "voting": "asym_prosp"},
               {"bargain_model": "pw_comp", "pce": "markov_uniform", "victory": "quartic"}):
        a = _example_model(inp, seed=1, engine="numpy", **kw).solve(prob)
        b = _example_model(inp, seed=1, engine="numba", **kw).solve(prob)
        np.testing.assert_array_equal(a.history, b.history)


@pytest.mark.skipif(not HAS_NUMBA, reason="numba not installed")
@pytest.mark.parametrize("name", ["dummyData_3Dim.csv", "SOE-Pol-Comp.csv", "dummyData_6Dim.csv"])
def test_numba_and_numpy_trajectories_identical(name: str) -> None:
    prob = kf.read_csv(kf.DATA / name).problem()
    a = SMP(engine="numpy").solve(prob)
    b = SMP(engine="numba").solve(prob)
    np.testing.assert_array_equal(a.history, b.history)
    np.testing.assert_array_equal(a.n_rounds, b.n_rounds)


def test_fallback_without_numba(monkeypatch: pytest.MonkeyPatch, ref3: tuple[Any, Any],
                                sol3: Any) -> None:
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba -> ImportError
    assert not M._numba_available()
    inp, _ = ref3
    prob = inp.problem()
    np.testing.assert_array_equal(SMP(engine="auto").solve(prob).history, sol3.history)
    with pytest.raises(MissingExtraError, match=r"summitry\[fast\]"):
        SMP(engine="numba").solve(prob)


# --------------------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------------------
def test_registered_with_ktab_defaults() -> None:
    model = get_model("smp")
    assert isinstance(model, SMP)
    assert SMP.dynamic
    p = model.params()
    assert p["rounds"] == 100
    assert (p["victory"], p["pce"], p["transition"], p["voting"], p["risk_adjust"],
            p["risk_range"], p["third_party"], p["bargain"], p["bargain_model"]) == (
        "linear", "conditional", "deterministic", "proportional", "one_third", "mid",
        "semi_commit", "s2p2", "init_only")
    assert M._OPTIONS["voting"][0] == "proportional"


@pytest.mark.parametrize("key", [k for k in M._OPTIONS if k != "engine"])
def test_unknown_option_names_the_allowed_values(key: str) -> None:
    prob = Problem.from_arrays(positions=[[0.0], [100.0]], salience=[[1.0], [1.0]],
                               capability=[1.0, 1.0])
    with pytest.raises(SummitryError) as err:
        SMP(**{key: "nope"}).solve(prob)
    for allowed in M._OPTIONS[key]:
        assert allowed in str(err.value)


@pytest.mark.parametrize("bad", [{"rounds": 0}, {"rounds": 2.5}, {"rounds": True},
                                 {"seed": "x"}, {"engine": "gpu"}])
def test_bad_settings(bad: dict[str, Any]) -> None:
    prob = Problem.from_arrays(positions=[[0.0], [100.0]], salience=[[1.0], [1.0]],
                               capability=[1.0, 1.0])
    with pytest.raises(SummitryError):
        SMP(**bad).solve(prob)


def test_bad_accommodation_shape(ref3: tuple[Any, Any]) -> None:
    from summitry.errors import ModelError

    with pytest.raises(ModelError, match="accommodation"):
        SMP(accommodation=np.eye(3)).solve(ref3[0].problem())


def test_accommodation_from_problem_meta(refx: tuple[Any, Any]) -> None:
    inp, _ = refx
    prob = inp.problem()
    kw = ktab_parameters(inp.params) | {"transition": "deterministic"}
    a = SMP(**kw, accommodation=inp.accommodation).solve(prob)
    b = SMP(**kw).solve(prob.replace(meta={"accommodation": inp.accommodation}))
    c = SMP(**kw).solve(prob)
    np.testing.assert_array_equal(a.history, b.history)
    assert "ideals" in a.extra and "ideals" not in c.extra
    assert a.history.shape != c.history.shape or not np.array_equal(a.history, c.history)


def test_accommodation_as_ideal_adjustment_pairs(refx: tuple[Any, Any]) -> None:
    from summitry.errors import ModelError

    inp, _ = refx
    prob = inp.problem()
    names = inp.actors
    pairs = [{"actor": names[i], "reference": names[j], "adjust": inp.accommodation[i, j]}
             for i, j in zip(*np.nonzero(inp.accommodation), strict=True)
             if inp.accommodation[i, j] != 1.0]
    assert len(pairs) == 6  # the six <iaPair> of smpExample.xml
    a = SMP(accommodation=pairs).solve(prob)
    b = SMP(accommodation=inp.accommodation).solve(prob)
    np.testing.assert_array_equal(a.history, b.history)
    with pytest.raises(ModelError, match="ideal-adjustment"):
        SMP(accommodation=[{"actor": "Zed", "reference": names[0], "adjust": 0.5}]).solve(prob)


def test_ktab_parameters() -> None:
    inp, _ = kf.load_smp_example()
    assert ktab_parameters(inp.params) == {
        "victory": "linear", "pce": "markov_incentive", "transition": "stochastic",
        "voting": "prop_cbc", "risk_adjust": "one_third", "risk_range": "mid",
        "third_party": "semi_commit", "bargain": "s2p2", "bargain_model": "init_only"}
    with pytest.raises(SummitryError, match="VotingRule"):
        ktab_parameters({"Voting": "Prop"})
    with pytest.raises(SummitryError, match="PropCbc"):
        ktab_parameters({"VotingRule": "Majority"})


@pytest.mark.parametrize("key", [k for k in M._OPTIONS if k not in ("engine",)])
def test_every_option_runs(key: str, ref3: tuple[Any, Any]) -> None:
    prob = ref3[0].problem()
    lo = prob.positions.min(axis=1)[0] - 0.005
    hi = prob.positions.max(axis=1)[0] + 0.005
    for value in M._OPTIONS[key]:
        sol = SMP(**{key: value}, seed=1).solve(prob)
        assert np.all(np.isfinite(sol.history)) and np.all(np.isfinite(sol.history_outcome))
        assert np.all((sol.history >= lo) & (sol.history <= hi))
        assert 1 <= sol.n_rounds[0] <= 100


def test_variant_definitions() -> None:
    """One-line definitions of specs/smp.md §12, checked on hand-picked numbers."""
    d = np.array([-0.5, 0.25])
    np.testing.assert_allclose(core.vote("proportional", 2.0, d), [-1.0, 0.5])
    np.testing.assert_allclose(core.vote("binary", 2.0, d), [-2.0, 2.0])
    np.testing.assert_allclose(core.vote("prop_bin", 2.0, d), [-1.2, 0.8])
    np.testing.assert_allclose(core.vote("prop_cbc", 2.0, d), [-0.625, 0.265625])
    np.testing.assert_allclose(core.vote("cubic", 2.0, d), [-0.25, 0.03125])
    np.testing.assert_allclose(core.vote("asym_prosp", 2.0, d), [-1.0, 1.0 / 3.0])
    s1, s2 = np.array([3.0, 1.0, 1.05]), np.array([1.0, 3.0, 1.0])
    np.testing.assert_allclose(core.victory("linear", s1, s2), [0.75, 0.25, 1.05 / 2.05])
    np.testing.assert_allclose(core.victory("square", s1, s2), [0.9, 0.1, 1.1025 / 2.1025])
    np.testing.assert_allclose(
        core.victory("binary", s1, s2), [1 / (1 + 1e-6), 1e-6 / (1 + 1e-6), 0.756097560975])
    p = np.array([0.1, 0.3, 0.6])
    m = np.ones(3, dtype=bool)
    np.testing.assert_allclose(core.risk_from_prob("mid", p, m), [-0.5, 0.1, 1.0])
    np.testing.assert_allclose(core.risk_from_prob("min", p, m), [0.0, 0.4, 1.0])
    np.testing.assert_allclose(core.risk_from_prob("max", p, m), [-1.0, -0.2, 1.0])
    r = np.array([0.3, -0.6])
    np.testing.assert_allclose(core.risk_estimate("one_third", r)[0, 1], 0.0)
    np.testing.assert_allclose(core.risk_estimate("none", r)[0, 1], 0.3)
    np.testing.assert_allclose(core.risk_estimate("half", r)[0, 1], -0.15)
    np.testing.assert_allclose(core.risk_estimate("two_thirds", r)[0, 1], -0.3)
    np.testing.assert_allclose(core.risk_estimate("full", r)[0, 1], -0.6)
    # utility: U(0)=1, U(1)=0, concave for R>0, linear beyond 1
    np.testing.assert_allclose(core.utility(np.array([0.0, 1.0, 0.5, 1.5]), 1.0),
                               [1.0, 0.0, 0.75, -1.0])
    # bargains: S2P2 rounds to 4 dp; S2PMax moves only the likely loser
    bi, bj = core.interpolate("s2p2", np.array([0.2]), np.array([0.8]), np.array([0.5]),
                              np.array([0.5]), np.array(0.75))
    np.testing.assert_allclose([bi[0], bj[0]], [0.26, 0.26])
    bi, bj = core.interpolate("s2pmax", np.array([0.2]), np.array([0.8]), np.array([0.5]),
                              np.array([0.5]), np.array(0.75))
    assert bi[0] == 0.2 and 0.2 < bj[0] < 0.8


def test_markov_pce_matches_ktab_queue() -> None:
    # smpExample turn 0, actor 0's queue: KTAB prints P and C and the MarkovIncentive PCE
    c = np.array([[1e-8, 0.170, 0.039], [1.975, 1e-8, 1.599], [0.809, 0.563, 1e-8]])
    p = core.victory_matrix("linear", c)
    m = np.ones(3, dtype=bool)
    np.testing.assert_allclose(core.pce("markov_incentive", p, c, m), [0.0054, 0.7502, 0.2444],
                               atol=1e-4)
    cond = core.pce("conditional", p, c, m)
    q = np.prod(p, axis=1)
    np.testing.assert_allclose(cond, q / q.sum())
    uni = core.pce("markov_uniform", p, c, m)
    np.testing.assert_allclose(uni.sum(), 1.0)
    # fixed point: p_a = (1/m) Σ_b P(a>b)(p_a + p_b)
    np.testing.assert_allclose((p * (uni[:, None] + uni[None, :])).sum(1) / 3, uni, atol=1e-5)


@pytest.mark.parametrize("model", ["markov_incentive", "markov_uniform"])
def test_markov_pce_stacked_equals_alone(model: str) -> None:
    # each election stops at its own convergence: stacking elections changes nothing
    rng = np.random.default_rng(2)
    u = rng.uniform(0, 1, (6, 5, 4))
    u[0] = u[0, :, :1]  # one election with all options equal (converges at once)
    c = core.coalitions("prop_cbc", rng.uniform(1, 9, (6, 5)), u)
    p = core.victory_matrix("linear", c)
    m = np.ones((6, 4), dtype=bool)
    m[3, 2] = False
    stacked = core.pce(model, p, c, m)
    for k in range(6):
        np.testing.assert_array_equal(stacked[k], core.pce(model, p[k], c[k], m[k]))
    np.testing.assert_allclose(stacked.sum(-1), 1.0)
    assert stacked[3, 2] == 0.0


def test_unique_positions_chain() -> None:
    # 0 and 1 are within 1e-3, 1 and 2 too but 0 and 2 are not: 2 starts a new position
    x = np.array([[[0.5], [0.5008], [0.5016], [0.9]]])
    rep, last = core.unique_positions(x, np.ones((1, 4), dtype=bool))
    assert rep.tolist() == [[True, False, True, True]]
    assert last.tolist() == [[0, 2, 2, 3]]  # actor 1 takes the last matching position


# --------------------------------------------------------------------------------------
# conformance
# --------------------------------------------------------------------------------------
def _random_problem(seed: int, d: int = 1, a: int = 5, i: int = 2) -> Problem:
    rng = np.random.default_rng(seed)
    return Problem.from_arrays(
        positions=np.round(rng.uniform(0, 100, (d, a, i)), 2),
        salience=rng.uniform(0.05, 1.0 / i, (d, a, i)),
        capability=np.broadcast_to(rng.uniform(1, 100, (d, a, 1)), (d, a, i)),
    )


def test_unanimity() -> None:
    prob = Problem.from_arrays(positions=np.full((4, 2), 37.5), salience=np.full((4, 2), 0.4),
                               capability=[1.0, 2.0, 3.0, 4.0])
    sol = SMP().solve(prob)
    np.testing.assert_allclose(sol.outcome, [[37.5, 37.5]])
    assert sol.n_rounds.tolist() == [2]  # nothing moves; KTAB's minimum of 2 turns
    assert np.all(sol.history == 37.5)
    assert np.all(sol.extra["risk"] == 0.0)


def test_bounds_user_units() -> None:
    prob = Problem.from_arrays(
        positions=[[4.0, 1.0], [10.0, 3.0], [7.0, 2.5]], salience=np.full((3, 2), 0.4),
        capability=[3.0, 2.0, 1.0], lower=[4.0, 1.0], upper=[10.0, 3.0])
    sol = SMP().solve(prob)
    user = prob.to_user(sol.outcome)
    assert np.all((user >= prob.lower) & (user <= prob.upper))
    assert np.all((sol.history >= 0.0) & (sol.history <= 100.0))


def test_permutation_invariance_reference(ref3: tuple[Any, Any], sol3: Any) -> None:
    inp, _ = ref3
    perm = np.array([3, 6, 0, 5, 2, 1, 4])
    prob = inp.problem()
    permuted = Problem.from_arrays(
        positions=prob.positions[:, perm], salience=prob.salience[:, perm],
        capability=prob.capability[:, perm])
    sol = SMP().solve(permuted)
    np.testing.assert_allclose(sol.history, sol3.history[:, :, perm], atol=1e-9)
    np.testing.assert_allclose(sol.outcome, sol3.outcome, atol=1e-9)


def test_rescaling_invariance_reference(ref3: tuple[Any, Any], sol3: Any) -> None:
    inp, _ = ref3
    lo, hi = np.array([4.0, -1.0, 1000.0]), np.array([10.0, 1.0, 3000.0])
    user = lo + inp.positions * (hi - lo) / 100.0
    prob = Problem.from_arrays(positions=user, salience=inp.salience / 100, capability=inp.power,
                               lower=lo, upper=hi)
    sol = SMP().solve(prob)
    np.testing.assert_allclose(sol.history, sol3.history, atol=1e-9)
    # capability only matters relative to the others
    sol2 = SMP().solve(Problem.from_arrays(
        positions=inp.positions, salience=inp.salience / 100, capability=inp.power * 8.0))
    np.testing.assert_allclose(sol2.history, sol3.history, atol=1e-9)


def test_determinism_and_seed() -> None:
    prob = _random_problem(5, d=3, a=6)
    a = SMP(transition="stochastic", seed=11).solve(prob)
    b = SMP(transition="stochastic", seed=11).solve(prob)
    c = SMP(transition="stochastic", seed=12).solve(prob)
    np.testing.assert_array_equal(a.history, b.history)
    assert a.extra["seed"] == 11
    assert not np.array_equal(a.history, c.history)
    assert SMP(transition="stochastic").solve(prob).extra["seed"] is not None
    np.testing.assert_array_equal(SMP().solve(prob).history, SMP(seed=3).solve(prob).history)


@pytest.mark.parametrize("transition", ["deterministic", "stochastic"])
def test_batch_equals_loop(transition: str) -> None:
    prob = _random_problem(9, d=6, a=5, i=2)
    model = SMP(transition=transition, seed=4, rounds=30)
    batch = model.solve(prob)
    t = batch.history.shape[1]
    for d in range(prob.n_draws):
        if transition == "stochastic" and d > 0:
            # draw d uses child d of SeedSequence(seed): as a single problem it gets child 0
            continue
        single = model.solve(prob.take([d]))
        n = int(single.n_rounds[0])
        assert batch.n_rounds[d] == n
        h = batch.history[d]
        np.testing.assert_array_equal(h[: n + 1], single.history[0])
        assert np.all(h[n + 1 : t] == h[n])  # stopped draws repeat their last turn
        np.testing.assert_array_equal(batch.outcome[d], single.outcome[0])
    if transition == "stochastic":
        # a prefix of the batch is solved identically (the streams are per draw)
        head = model.solve(prob.take([0, 1, 2]))
        n = head.history.shape[1]
        np.testing.assert_array_equal(head.history, batch.history[:3, :n])


def test_batch_equals_loop_markov(refx: tuple[Any, Any]) -> None:
    # iterative PCEs stop per election, so a draw does not depend on its batch-mates
    inp, _ = refx
    rng = np.random.default_rng(0)
    prob = inp.problem()
    pos = np.clip(prob.positions + rng.normal(0, 8, (5, *prob.positions.shape[1:])), 0, 100)
    batch_prob = Problem.from_arrays(positions=pos, salience=inp.salience / 100,
                                     capability=inp.power)
    for pce in ("markov_incentive", "markov_uniform"):
        model = _example_model(inp, pce=pce, transition="deterministic", rounds=20)
        batch = model.solve(batch_prob)
        for d in range(5):
            single = model.solve(batch_prob.take([d]))
            n = single.history.shape[1]
            np.testing.assert_array_equal(batch.history[d, :n], single.history[0])


def test_chunking_over_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = _random_problem(2, d=5, a=4, i=2)
    whole = SMP().solve(prob)
    monkeypatch.setattr(M, "_CHUNK_ELEMENTS", 64)  # 1 draw per chunk
    parts = SMP().solve(prob)
    np.testing.assert_array_equal(whole.history, parts.history)
    np.testing.assert_array_equal(whole.n_rounds, parts.n_rounds)
    assert parts.events == whole.events


def test_absent_actor_is_as_if_removed() -> None:
    prob = _random_problem(21, d=1, a=6, i=2)
    act = np.ones((1, 6, 2), dtype=bool)
    act[0, 2] = False
    with_absent = Problem.from_arrays(
        positions=prob.positions, salience=prob.salience, capability=prob.capability,
        active=act)
    keep = [0, 1, 3, 4, 5]
    without = Problem.from_arrays(positions=prob.positions[:, keep],
                                  salience=prob.salience[:, keep],
                                  capability=prob.capability[:, keep])
    a = SMP().solve(with_absent)
    b = SMP().solve(without)
    np.testing.assert_array_equal(a.history[:, :, keep], b.history)
    np.testing.assert_allclose(a.outcome, b.outcome, atol=1e-12)
    assert np.all(a.history[:, :, 2] == a.history[:, :1, 2])  # it never moves
    assert np.all(a.extra["win_prob"][:, :, 2] == 0.0)


def test_partial_activity_and_salience_rescaling() -> None:
    prob = _random_problem(8, d=2, a=5, i=3)
    act = np.ones((2, 5, 3), dtype=bool)
    act[0, 1, 0] = act[1, 3, :2] = False
    part = Problem.from_arrays(positions=prob.positions, salience=prob.salience,
                               capability=prob.capability, active=act)
    sol = SMP().solve(part)
    assert np.all(np.isfinite(sol.history)) and np.all(np.isfinite(sol.outcome))
    # saliences summing above 1 are rescaled to sum 1 (KTAB requires sums ≤ 100 %)
    big = Problem.from_arrays(positions=prob.positions, salience=np.full((2, 5, 3), 0.9),
                              capability=prob.capability)
    one = Problem.from_arrays(positions=prob.positions, salience=np.full((2, 5, 3), 1 / 3),
                              capability=prob.capability)
    np.testing.assert_allclose(SMP().solve(big).history, SMP().solve(one).history, atol=1e-12)
    zero = Problem.from_arrays(positions=prob.positions, salience=np.zeros((2, 5, 3)),
                               capability=prob.capability)
    assert np.all(np.isfinite(SMP().solve(zero).history))


def test_rounds_cap_and_history_shape() -> None:
    prob = _random_problem(4, d=3, a=6, i=2)
    sol = SMP(rounds=1).solve(prob)
    assert sol.n_rounds.tolist() == [1, 1, 1]
    assert sol.history.shape == (3, 2, 6, 2)
    assert sol.history_outcome.shape == (3, 2, 2)
    np.testing.assert_array_equal(sol.history[:, 0], prob.positions)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), a=st.integers(2, 7), i=st.integers(1, 3))
def test_properties(seed: int, a: int, i: int) -> None:
    prob = _random_problem(seed, d=2, a=a, i=i)
    sol = SMP(rounds=40).solve(prob)
    t = sol.history.shape[1]
    assert t == sol.n_rounds.max() + 1 and np.all(sol.n_rounds <= 40)
    assert np.all(np.isfinite(sol.history)) and np.all(np.isfinite(sol.outcome))
    lo = prob.positions.min(axis=1)[:, None, None, :] - 0.005
    hi = prob.positions.max(axis=1)[:, None, None, :] + 0.005
    assert np.all((sol.history >= lo) & (sol.history <= hi))
    np.testing.assert_array_equal(sol.outcome, sol.history_outcome[:, -1])
    win = sol.extra["win_prob"]
    assert np.all((win >= 0) & (win <= 1 + 1e-12))
    # actor-permutation invariance (ties would depend on order; none occur here)
    perm = np.random.default_rng(seed).permutation(a)
    permuted = Problem.from_arrays(positions=prob.positions[:, perm],
                                   salience=prob.salience[:, perm],
                                   capability=prob.capability[:, perm])
    sp = SMP(rounds=40).solve(permuted)
    np.testing.assert_array_equal(sp.n_rounds, sol.n_rounds)
    np.testing.assert_allclose(sp.history, sol.history[:, :, perm], atol=1e-9)
    np.testing.assert_allclose(sp.outcome, sol.outcome, atol=1e-9)
