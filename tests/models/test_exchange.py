"""The exchange model against decide-exchange-model's traces, and its invariants.

Reference: decide-exchange-model 2025.3.1 (GPL-3.0), 10-round Equal-Gain runs without tie
randomisation on ``sample_data.txt`` and ``copenhagen.csv``: every round's start
positions, executed exchanges in order, voting positions and outcomes
(``tests/data/decide/*_norandom_i10.json``, copied from the shared reference data;
licence ``tests/data/decide/LICENSE.GPL-3.0.txt``). Algorithm: specs/exchange.md.
"""

from __future__ import annotations

import decimal
from typing import Any

import numpy as np
import pytest
from _decide_fixture import DATA, read_problem, read_trace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.errors import SummitryError, UnknownNameError
from summitry.models import get_model
from summitry.models._exchange_exact import hash_uniform, run_scalar
from summitry.models._exchange_fast import hash_uniform_np, quantise, rex_ratio
from summitry.models.compromise import weighted_mean
from summitry.models.exchange import Exchange, decimal_inputs
from summitry.problem import Problem

try:
    import numba  # noqa: F401

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

CASES = [
    ("sample_data.txt", "sample_data_norandom_i10.json"),
    ("copenhagen.csv", "copenhagen_norandom_i10.json"),
]

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


# -- helpers ------------------------------------------------------------------------
def _problem(name: str) -> Problem:
    return read_problem(DATA / name)


def _trace_diff(sol: Any, prob: Problem, trace: dict[str, Any], rounds: int) -> float:
    """Largest difference between the solution and the trace over ``rounds`` rounds.

    Raises AssertionError when the executed exchanges differ in count, actors or issues.
    """
    a_ix = {a: k for k, a in enumerate(prob.actors)}
    i_ix = {i: k for k, i in enumerate(prob.issues)}
    worst = 0.0
    for r, rd in enumerate(trace["rounds"][:rounds]):
        for key, arr in (("start_positions", sol.history[0, r]),
                         ("voting_positions", sol.extra["voting_positions"][0, r])):
            for issue, row in rd[key].items():
                for actor, val in row.items():
                    worst = max(worst, abs(arr[a_ix[actor], i_ix[issue]] - val))
        for key, arr in (("nbs_start", sol.history_outcome[0, r]),
                         ("nbs_voting", sol.extra["voting_outcome"][0, r])):
            for issue, val in rd[key].items():
                worst = max(worst, abs(arr[i_ix[issue]] - val))
        ours, ref = sol.events[r], rd["exchanges"]
        assert len(ours) == len(ref), f"round {r + 1}: {len(ours)} exchanges, decide {len(ref)}"
        for k, (e, t) in enumerate(zip(ours, ref, strict=True)):
            for side in ("i", "j"):
                for fld in ("actor", "supply_issue", "demand_issue"):
                    assert e[side][fld] == t[side][fld], (r + 1, k + 1, side, fld)
                for fld in ("x", "y", "move"):
                    worst = max(worst, abs(e[side][fld] - t[side][fld]))
            worst = max(worst, abs(e["gain"] - t["gain"]))
    return worst


def _random_problem(seed: int, draws: int = 1, n_a: int = 5, n_i: int = 3) -> Problem:
    rng = np.random.default_rng(seed)
    return Problem.from_arrays(
        positions=rng.uniform(0, 100, (draws, n_a, n_i)).round(3),
        salience=rng.uniform(0.1, 1.0, (draws, n_a, n_i)).round(3),
        capability=np.broadcast_to(rng.uniform(0.1, 1.0, (draws, n_a, 1)), (draws, n_a, n_i)),
    )


@st.composite
def problems(draw: Any, draws: int = 1) -> Problem:
    return _random_problem(draw(st.integers(0, 2**32 - 1)), draws, draw(st.integers(3, 6)),
                           draw(st.integers(2, 4)))


# -- the reference ------------------------------------------------------------------
@pytest.mark.parametrize(("data", "trace"), CASES)
def test_exact_path_reproduces_decide_trace(data: str, trace: str) -> None:
    """Every start position, exchange, voting position and outcome of all 10 rounds."""
    prob = _problem(data)
    sol = Exchange(exact=True).solve(prob)
    tr = read_trace(DATA / trace)
    assert _trace_diff(sol, prob, tr, 10) < 1e-9
    # the round after the last: start positions from the 10th round's drift
    assert sol.history.shape == (1, 11, prob.n_actors, prob.n_issues)
    np.testing.assert_allclose(sol.outcome, weighted_mean(prob, sol.history[:, -1]))


def test_importer_gives_the_same_problem() -> None:
    """``summitry.load`` (summitry.io.decide) feeds the model what the test reader does."""
    import summitry

    for data, _ in CASES:
        ours = _problem(data)
        loaded = summitry.load(DATA / data).problem()
        a = Exchange(exact=True, rounds=3).solve(ours)
        b = Exchange(exact=True, rounds=3).solve(loaded)
        np.testing.assert_array_equal(a.history, b.history)


def test_exchange_counts_per_round() -> None:
    """specs/exchange.md, validation status: exchanges executed per round."""
    got = {d: Exchange(exact=True).solve(_problem(d)).extra["n_exchanges"][0].tolist()
           for d, _ in CASES}
    assert got["sample_data.txt"] == [39, 37, 36, 42, 35, 39, 36, 36, 36, 30]
    assert got["copenhagen.csv"] == [48, 46, 42, 44, 47, 42, 45, 46, 45, 45]


def test_first_exchange_matches_decide_unit_test() -> None:
    """decide's test_calculations.py::test_by_absolute_move (specs/models.md §1d).

    Wcentr and Willems on tolheffing-binnenstad / extra-investering: shifts ≈ 13.1579 and
    ≈ 10.3878, Wcentr moves ≈ 61.0512. Willems moves all the way (75) on
    extra-investering (the role swap of §6.2), shifting its outcome by 13.1579; the
    equal-gain shift on tolheffing-binnenstad is 10.3878.
    """
    prob = _problem("sample_data.txt")
    sol = Exchange(rounds=1).solve(prob)
    first = sol.events[0][0]
    assert (first["i"]["actor"], first["j"]["actor"]) == ("Willems", "Wcentr")
    assert first["i"]["move"] == pytest.approx(75.0)
    assert first["j"]["move"] == pytest.approx(61.0512, abs=1e-4)
    w, s = prob.weights[0], prob.salience[0]
    a, b = prob.actors.index("Willems"), prob.actors.index("Wcentr")
    p_, q_ = prob.issues.index("tolheffing-binnenstad"), prob.issues.index("extra-investering")
    shift_q = 75.0 * w[a, q_] / w[:, q_].sum()
    shift_p = shift_q * (s[a, q_] + s[b, q_]) / (s[a, p_] + s[b, p_])
    assert shift_q == pytest.approx(13.1579, abs=1e-4)
    assert shift_p == pytest.approx(10.3878, abs=1e-4)
    assert shift_p * w[:, p_].sum() / w[b, p_] == pytest.approx(first["j"]["move"])


def test_rex_fixture_of_decide() -> None:
    """decide/tests/test_rex.py (specs/models.md §1a, §1d): the 2-actor, 2-issue case.

    Outcomes 85.714 and 35.714; actor 1 loses 1000/7 on issue 1, actor 2 gains 6000/7;
    the most each can get from the exchange is 1400 (actor 1) and 777.78 (actor 2),
    saliences on decide's 0–100 scale.
    """
    prob = Problem.from_arrays(positions=[[0.0, 0.0], [100.0, 100.0]],
                               salience=[[0.10, 0.90], [0.60, 0.50]], capability=[1.0, 1.0])
    np.testing.assert_allclose(weighted_mean(prob)[0], [600 / 7, 250 / 7])
    ev = Exchange(rounds=1).solve(prob).events[0]
    assert len(ev) == 1
    e = ev[0]
    assert (e["i"]["actor"], e["j"]["actor"]) == ("A1", "A0")  # actor 1 supplies issue 1
    dp = 100.0 * 0.10 / 0.70
    assert dp * 10 == pytest.approx(1000 / 7) and dp * 60 == pytest.approx(6000 / 7)
    assert e["gain"] * 100 == pytest.approx(500.0)  # equal gain: 6000/7 − 50·dq = ...
    ssi, sdi, ssj, sdj = (np.array([v]) for v in (0.5, 0.6, 0.1, 0.9))
    one = np.ones(1)
    # REX with p = 1, z = 1: the drawn side gets its maximum (u, v < 0.5: I wins)
    r_i = rex_ratio(ssi, sdi, ssj, sdj, 1.0, 0 * one, 0 * one, one)
    r_j = rex_ratio(ssi, sdi, ssj, sdj, 1.0, one, 0 * one, one)
    eu_i = dp * (60 - r_i * 50)  # utilities on the 0–100 salience scale
    eu_j = dp * (r_j * 90 - 10)
    assert eu_i[0] == pytest.approx(7000 / 9) and eu_j[0] == pytest.approx(1400)


def test_float_evaluation_of_the_exact_algorithm_diverges() -> None:
    """specs/exchange.md §1: in float64 the reference algorithm leaves the trace at
    exchange 7 of round 1 on sample_data — why the exact path needs decimals."""
    prob = _problem("sample_data.txt")
    tr = read_trace(DATA / "sample_data_norandom_i10.json")["rounds"][0]["exchanges"]
    part = (prob.active & (prob.salience > 0))[0].tolist()
    floats = run_scalar(float, prob.positions[0].tolist(), prob.salience[0].tolist(),
                        prob.capability[0].tolist(), part, rounds=1)
    x, s, c, part = decimal_inputs(prob, 0)
    decs = run_scalar(decimal.Decimal, x, s, c, part, rounds=1)
    for run, first_bad in ((floats, 6), (decs, None)):
        bad = [k for k, (e, t) in enumerate(zip(run.events[0], tr, strict=False))
               if prob.actors[e["i"]["actor"]] != t["i"]["actor"]
               or abs(e["gain"] - t["gain"]) > 1e-9]
        assert (bad[0] if bad else None) == first_bad


def test_decimal_inputs_recover_the_file_text() -> None:
    prob = _problem("sample_data.txt")
    x, s, c, _ = decimal_inputs(prob, 0)
    a, i = prob.actors.index("Willems"), prob.issues.index("tol-hoogte")
    assert s[a][0] == decimal.Decimal("0.95")
    assert c[a][i] == decimal.Decimal("1")
    with decimal.localcontext() as ctx:
        ctx.prec = 28
        # decide: (3 − 0.5) × (100 / 6.5) in 28 digits
        assert x[a][i] == (decimal.Decimal(3) - decimal.Decimal("0.5")) * (
            decimal.Decimal(100) / decimal.Decimal("6.5"))


# -- the fast path: distance to the reference ----------------------------------------
def test_fast_path_follows_trace_until_the_first_decimal_near_tie() -> None:
    """Measured distance (docs/models/exchange.md): the float path reproduces decide's
    sample_data run for 4 full rounds and copenhagen for 1, then a gain tie that decimal
    rounding decides sends it elsewhere; 10-round forecasts then differ by up to ~1.5."""
    for (data, trace), exact_rounds, bound in zip(CASES, (4, 1), (1.0, 1.6), strict=True):
        prob = _problem(data)
        tr = read_trace(DATA / trace)
        sol = Exchange(engine="numpy").solve(prob)
        assert _trace_diff(sol, prob, tr, exact_rounds) < 1e-9
        with pytest.raises(AssertionError):
            _trace_diff(sol, prob, tr, exact_rounds + 1)
        exact = Exchange(exact=True).solve(prob)
        gap = np.abs(sol.outcome - exact.outcome).max()
        assert 0.0 < gap < bound


@SETTINGS
@given(problems())
def test_fast_and_exact_agree_without_ties(prob: Problem) -> None:
    """On random data (no structural ties) the two paths make the same exchanges."""
    fast = Exchange(rounds=3, engine="numpy").solve(prob)
    exact = Exchange(rounds=3, exact=True).solve(prob)
    np.testing.assert_allclose(fast.history, exact.history, atol=1e-8)
    assert [len(e) for e in fast.events] == [len(e) for e in exact.events]


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
@pytest.mark.parametrize(("variant", "random_ties", "p"),
                         [("equal", False, 0.0), ("equal", True, 0.0), ("random", False, 0.0),
                          ("rex", False, 0.7)])
def test_numba_and_numpy_engines_are_bit_identical(variant: str, random_ties: bool,
                                                   p: float) -> None:
    probs = [_problem("copenhagen.csv"), _random_problem(3, draws=5, n_a=7, n_i=4)]
    for prob in probs:
        kw: dict[str, Any] = dict(variant=variant, random_ties=random_ties, p=p, seed=11)
        a = Exchange(engine="numpy", **kw).solve(prob)
        b = Exchange(engine="numba", **kw).solve(prob)
        assert a.extra["engine"] == "numpy" and b.extra["engine"] == "numba"
        np.testing.assert_array_equal(a.history, b.history)
        np.testing.assert_array_equal(a.extra["voting_positions"], b.extra["voting_positions"])
        assert a.events == b.events


def test_engine_falls_back_to_numpy_without_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    from summitry.errors import MissingExtraError
    from summitry.models import exchange as mod

    monkeypatch.setattr(mod, "_numba_available", lambda: False)
    prob = _random_problem(6)
    assert Exchange().solve(prob).extra["engine"] == "numpy"
    with pytest.raises(MissingExtraError):
        Exchange(engine="numba").solve(prob)


def test_numpy_chunks_equal_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from summitry.models import exchange as mod

    prob = _random_problem(5, draws=6)
    whole = Exchange(engine="numpy").solve(prob)
    monkeypatch.setattr(mod, "_CHUNK_FLOATS", 1)
    chunked = Exchange(engine="numpy").solve(prob)
    np.testing.assert_array_equal(whole.history, chunked.history)
    assert whole.events == chunked.events


def test_counter_based_random_numbers_agree() -> None:
    keys = np.array([0, 7, 2**63 + 5], dtype=np.uint64)
    got = hash_uniform_np(keys, 3, 11, 2, 5)
    want = [hash_uniform(int(k), 3, 11, 2, 5) for k in keys]
    np.testing.assert_array_equal(got, want)
    assert np.all((got >= 0) & (got < 1)) and len(set(got.tolist())) == 3
    if HAVE_NUMBA:
        from summitry.models._exchange_numba import _uniform

        assert [_uniform(np.uint64(k), 3, 11, 2, 5) for k in keys] == want


def test_quantise_keeps_order_and_merges_float_noise() -> None:
    g = np.array([0.2545691906005221, 0.2545691906005222, 0.25456919, 1e-10, 0.0])
    q = quantise(g)
    assert q[0] == q[1] and q[2] < q[0] and q[3] > 0 and q[4] == 0
    assert np.all(np.abs(q - g) <= g * 2.0**-36)


# -- variants and randomness ---------------------------------------------------------
@pytest.mark.parametrize("variant", ["random", "rex"])
def test_random_variants_are_reproducible_for_a_seed(variant: str) -> None:
    prob = _problem("sample_data.txt")
    kw: dict[str, Any] = dict(variant=variant, p=1.0, rounds=4)
    a = Exchange(seed=1, **kw).solve(prob)
    b = Exchange(seed=1, **kw).solve(prob)
    c = Exchange(seed=2, **kw).solve(prob)
    np.testing.assert_array_equal(a.history, b.history)
    assert a.extra["seed"] == 1
    assert np.abs(a.outcome - c.outcome).max() > 1e-6
    eq = Exchange(rounds=4).solve(prob)
    assert np.abs(a.outcome - eq.outcome).max() > 1e-6


def test_rex_with_p_zero_is_equal_gain() -> None:
    prob = _problem("copenhagen.csv")
    a = Exchange(variant="rex", p=0.0, seed=3).solve(prob)
    b = Exchange().solve(prob)
    np.testing.assert_array_equal(a.history, b.history)


def test_random_tie_breaking_is_seeded_and_matters() -> None:
    prob = _problem("copenhagen.csv")
    runs = [Exchange(random_ties=True, seed=s).solve(prob).outcome for s in (1, 1, 2, 3, 4)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert max(np.abs(r - runs[0]).max() for r in runs[2:]) > 1e-6


def test_exact_path_random_variant_runs_and_is_seeded() -> None:
    prob = _random_problem(8, n_a=5, n_i=3)
    a = Exchange(exact=True, variant="rex", p=0.5, seed=4, rounds=3).solve(prob)
    b = Exchange(exact=True, variant="rex", p=0.5, seed=4, rounds=3).solve(prob)
    np.testing.assert_array_equal(a.history, b.history)
    fast = Exchange(variant="rex", p=0.5, seed=4, rounds=3).solve(prob)
    np.testing.assert_allclose(fast.history, a.history, atol=1e-8)


# -- invariants ------------------------------------------------------------------------
@pytest.mark.parametrize("exact", [False, True])
def test_unanimity(exact: bool) -> None:
    prob = Problem.from_arrays(positions=np.broadcast_to([30.0, 70.0, 55.5], (4, 3)),
                               salience=[[0.2, 0.5, 0.9], [0.7, 0.1, 0.3], [1, 1, 1],
                                         [0.4, 0.6, 0.8]], capability=[1.0, 2.0, 3.0, 4.0])
    sol = Exchange(exact=exact).solve(prob)
    np.testing.assert_allclose(sol.outcome[0], [30.0, 70.0, 55.5])
    assert all(ev == [] for ev in sol.events)


@SETTINGS
@given(problems(draws=2))
def test_bounds_finite_and_batch_equals_loop(prob: Problem) -> None:
    sol = Exchange(rounds=4).solve(prob)
    for arr in (sol.outcome, sol.history, sol.history_outcome, sol.extra["voting_positions"]):
        assert np.all(np.isfinite(arr))
        assert np.all((arr >= -1e-9) & (arr <= 100 + 1e-9))
    for d in range(prob.n_draws):
        one = Exchange(rounds=4).solve(prob.take([d]))
        np.testing.assert_array_equal(one.history[0], sol.history[d])


@SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_actor_permutation_invariance_without_ties(prob: Problem, rnd: Any) -> None:
    """Holds while no two candidates tie; tied gains keep actor order (see next test)."""
    perm = list(range(prob.n_actors))
    rnd.shuffle(perm)
    q = prob.replace(actors=tuple(prob.actors[k] for k in perm),
                     positions=prob.positions[:, perm], salience=prob.salience[:, perm],
                     capability=prob.capability[:, perm], active=prob.active[:, perm])
    a, b = Exchange(rounds=4).solve(prob), Exchange(rounds=4).solve(q)
    np.testing.assert_allclose(a.outcome, b.outcome, atol=1e-6)
    np.testing.assert_allclose(a.history[:, :, perm], b.history, atol=1e-6)


def test_tied_gains_follow_actor_order() -> None:
    """Where permutation invariance does not hold: decide's copenhagen case has exactly
    tied gains in round 1, broken by list (= actor) order, so reversing the actors
    changes the outcome from the first round on — in decide too."""
    prob = _problem("copenhagen.csv")
    perm = list(range(prob.n_actors))[::-1]
    q = prob.replace(actors=tuple(prob.actors[k] for k in perm),
                     positions=prob.positions[:, perm], salience=prob.salience[:, perm],
                     capability=prob.capability[:, perm], active=prob.active[:, perm])
    for exact in (True, False):
        a = Exchange(exact=exact, rounds=1).solve(prob)
        b = Exchange(exact=exact, rounds=1).solve(q)
        np.testing.assert_allclose(a.history_outcome[:, 0], b.history_outcome[:, 0])
        assert np.abs(a.outcome - b.outcome).max() > 1e-3


@SETTINGS
@given(problems(), st.floats(0.01, 1000), st.floats(-1000, 1000))
def test_linear_rescaling_invariance(prob: Problem, a: float, b: float) -> None:
    user = prob.to_user(prob.positions)
    q = Problem.from_arrays(positions=user * a + b, salience=prob.salience,
                            capability=prob.capability, lower=prob.lower * a + b,
                            upper=prob.upper * a + b)
    out_p = prob.to_user(Exchange(rounds=4).solve(prob).outcome) * a + b
    out_q = q.to_user(Exchange(rounds=4).solve(q).outcome)
    np.testing.assert_allclose(out_q, out_p, atol=1e-6 * max(1.0, a * 100))


# -- degenerate input ------------------------------------------------------------------
@pytest.mark.parametrize("exact", [False, True])
def test_one_issue_gives_the_weighted_mean(exact: bool) -> None:
    """No second issue, nothing to trade: positions stay, outcome = weighted mean."""
    prob = _random_problem(1, n_a=5, n_i=1)
    sol = Exchange(exact=exact).solve(prob)
    np.testing.assert_allclose(sol.outcome, weighted_mean(prob))
    np.testing.assert_array_equal(sol.history[:, -1], prob.positions)
    assert sol.extra["n_exchanges"].sum() == 0


@pytest.mark.parametrize("exact", [False, True])
def test_zero_salience_issue_and_zero_capability(exact: bool) -> None:
    prob = _random_problem(2, n_a=6, n_i=3)
    sal = prob.salience.copy()
    sal[:, :, 1] = 0.0  # nobody cares about issue 1
    cap = prob.capability.copy()
    cap[:, 0, :] = 0.0  # actor 0 has no capability anywhere
    q = prob.replace(salience=sal, capability=cap)
    sol = Exchange(exact=exact).solve(q)
    assert np.all(np.isfinite(sol.outcome)) and np.all(np.isfinite(sol.history))
    np.testing.assert_array_equal(sol.history[:, :, :, 1],
                                  np.broadcast_to(q.positions[:, None, :, 1],
                                                  sol.history[:, :, :, 1].shape))
    np.testing.assert_allclose(sol.outcome[:, 1], weighted_mean(q)[:, 1])
    for ev in sol.events:
        for e in ev:
            assert q.issues[1] not in (e["i"]["supply_issue"], e["j"]["supply_issue"])
            # every side supplies a move; without capability a move shifts nothing
            assert "A0" not in (e["i"]["actor"], e["j"]["actor"])
    assert sum(len(ev) for ev in sol.events) > 0


def test_inactive_cells_and_absent_actor() -> None:
    prob = _problem("copenhagen.csv")
    sol = Exchange().solve(prob)
    russia = prob.actors.index("Russia")
    for k in (prob.issues.index("Commitments"), prob.issues.index("Extra")):
        assert not prob.active[0, russia, k]
        assert np.all(sol.history[0, :, russia, k] == prob.positions[0, russia, k])


def test_too_large_problem_is_refused_with_a_reason() -> None:
    from summitry.errors import ModelError

    prob = _random_problem(0, n_a=200, n_i=30)
    with pytest.raises(ModelError, match="candidate exchanges"):
        Exchange().solve(prob)


def test_zero_rounds_and_no_draws() -> None:
    prob = _random_problem(4)
    sol = Exchange(rounds=0).solve(prob)
    assert sol.history.shape[1] == 1 and sol.events == []
    np.testing.assert_allclose(sol.outcome, weighted_mean(prob))
    empty = prob.take(np.arange(0))
    for kw in ({"engine": "numpy"}, {"exact": True}):
        out = Exchange(rounds=2, **kw).solve(empty)
        assert out.outcome.shape == (0, prob.n_issues)
        assert out.history.shape == (0, 3, prob.n_actors, prob.n_issues)


def test_max_exchanges_caps_a_round() -> None:
    prob = _problem("sample_data.txt")
    sol = Exchange(rounds=2, max_exchanges=5).solve(prob)
    assert sol.extra["n_exchanges"].tolist() == [[5, 5]]
    assert [len(e) for e in sol.events] == [5, 5]


# -- parameters and registry ----------------------------------------------------------
def test_registered_with_params() -> None:
    m = get_model("exchange", rounds=3, exact=True)
    assert isinstance(m, Exchange)
    assert m.params()["rounds"] == 3 and m.params()["variant"] == "equal"
    assert m.params()["exact"] is True


@pytest.mark.parametrize(("kw", "err"), [
    ({"variant": "bogus"}, UnknownNameError),
    ({"engine": "gpu"}, UnknownNameError),
    ({"p": 1.5}, SummitryError),
    ({"rounds": -1}, SummitryError),
    ({"max_exchanges": 0}, SummitryError),
    ({"salience_weight": 2.0}, SummitryError),
])
def test_bad_parameters_raise(kw: dict[str, Any], err: type[Exception]) -> None:
    with pytest.raises(err):
        Exchange(**kw).solve(_random_problem(0))
