"""Monte Carlo sampling (summitry.simulate): marginals, copula, absence, seeds, chunks."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from summitry.errors import InputError, SummitryError
from summitry.io import from_dict, load
from summitry.models import get_model
from summitry.scenario import Scenario
from summitry.simulate import (
    CHUNK_SIZE,
    ChunkTask,
    ndtr,
    ndtri,
    run_batch,
    run_chunk,
    sample_problem,
    simulate,
)

N = 100_000


def scenario(**extra: Any) -> Scenario:
    """Four actors, two issues, every kind of uncertainty (a Monte Carlo test bed)."""
    data: dict[str, Any] = {
        "id": "mc",
        "issues": [
            {"id": "ceasefire", "status_quo": 10},
            {"id": "sanctions", "lower": -50, "upper": 50},
        ],
        "actors": [
            {"id": "US", "capability": 2.0,
             "uncertainty": {"capability": {"dist": "normal", "mean": 2.0, "sd": 0.5,
                                            "low": 0}}},
            {"id": "RU", "name": "Russia", "capability": 1.5},
            {"id": "UA", "capability": 0.5, "uncertainty": {"absent": 0.3}},
            {"id": "EU", "capability": 1.0},
        ],
        "stances": [
            {"actor": "US", "issue": "ceasefire", "position": 70, "salience": 0.9,
             "uncertainty": {"position": [50, 90], "group": "west"}},
            {"actor": "US", "issue": "sanctions", "position": 0, "salience": 0.6,
             "uncertainty": {"position": {"dist": "triangular", "low": -30, "mode": -10,
                                          "high": 20}}},
            {"actor": "RU", "issue": "ceasefire", "position": 30, "salience": 0.8,
             "uncertainty": {"position": {"dist": "normal", "mean": 30, "sd": 10}}},
            {"actor": "RU", "issue": "sanctions", "position": 40, "salience": 1.0},
            {"actor": "UA", "issue": "ceasefire", "position": 90, "salience": 1.0,
             "uncertainty": {"salience": [0.7, 1.0]}},
            {"actor": "EU", "issue": "ceasefire", "position": 80, "salience": 0.7,
             "uncertainty": {"position": [60, 95], "group": "west"}},
            {"actor": "EU", "issue": "sanctions", "position": -40, "salience": 0.8,
             "uncertainty": {"salience": {"dist": "normal", "mean": 0.8, "sd": 0.1},
                             "group": "west"}},
        ],
        "correlations": {"west": 0.6},
        "outcomes": [
            {"name": "Deal", "rule": "ceasefire >= 60 and sanctions >= 0"},
            {"name": "Half", "rule": "ceasefire >= 55"},
            {"name": "None", "rule": "otherwise"},
        ],
    }
    data.update(extra)
    return from_dict(data)


def one_stance(unc: dict[str, Any], *, lower: float = 0, upper: float = 100,
               position: float = 50, salience: float = 0.5, scale: str = "0-1",
               **actor: Any) -> Scenario:
    """One actor with one uncertain stance, one fixed actor beside it."""
    return from_dict({
        "salience_scale": scale,
        "issues": [{"id": "x", "lower": lower, "upper": upper}],
        "actors": [{"id": "a", **actor}, {"id": "b"}],
        "stances": [
            {"actor": "a", "issue": "x", "position": position, "salience": salience,
             "uncertainty": unc},
            {"actor": "b", "issue": "x", "position": position, "salience": salience},
        ],
    })


def user_positions(p: Any, actor: int = 0, issue: int = 0) -> np.ndarray:
    return p.to_user(p.positions[:, :, :])[:, actor, issue]


# --- Φ and Φ⁻¹ ------------------------------------------------------------------------------


def test_ndtr_matches_scipy_in_the_body_and_the_tails():
    special = pytest.importorskip("scipy.special")
    x = np.linspace(-37.5, 8.5, 200_001)
    ours, ref = ndtr(x), special.ndtr(x)
    assert np.max(np.abs(ours - ref)) < 1e-15
    pos = ref > 0
    assert np.max(np.abs(ours[pos] - ref[pos]) / ref[pos]) < 1e-12


def test_ndtri_matches_scipy_and_inverts_ndtr():
    special = pytest.importorskip("scipy.special")
    p = np.concatenate([np.logspace(-300, -1, 5000), np.linspace(0.01, 0.99, 50_001),
                        1 - np.logspace(-15, -1, 5000)])
    ours, ref = ndtri(p), special.ndtri(p)
    big = np.abs(ref) > 1e-3
    assert np.max(np.abs(ours[big] - ref[big]) / np.abs(ref[big])) < 1e-12
    assert np.max(np.abs(ours - ref)) < 1e-13
    assert ndtri([0.0])[0] == -np.inf and ndtri([1.0])[0] == np.inf
    z = np.linspace(-30, 5, 1001)  # beyond 5, 1 − Φ(z) is below double precision of Φ
    np.testing.assert_allclose(ndtri(ndtr(z)), z, rtol=1e-12, atol=1e-9)


# --- marginals ----------------------------------------------------------------------------


def test_uniform_marginal():
    stats = pytest.importorskip("scipy.stats")
    x = user_positions(sample_problem(one_stance({"position": [10, 30]}), N, seed=7))
    assert x.min() >= 10 and x.max() <= 30
    assert x.mean() == pytest.approx(20, abs=0.05)
    assert x.var() == pytest.approx(400 / 12, rel=0.02)
    assert stats.kstest(x, stats.uniform(10, 20).cdf).pvalue > 1e-3


def test_triangular_marginal():
    stats = pytest.importorskip("scipy.stats")
    sc = one_stance({"position": {"dist": "triangular", "low": -30, "mode": -10,
                                  "high": 20}}, lower=-50, upper=50, position=0)
    x = user_positions(sample_problem(sc, N, seed=8))
    assert x.min() >= -30 and x.max() <= 20
    assert x.mean() == pytest.approx((-30 - 10 + 20) / 3, abs=0.08)
    # median: F(mode) = 0.4 < 0.5, so x = high − √(0.5 · 50 · 30)
    assert np.median(x) == pytest.approx(20 - math.sqrt(0.5 * 50 * 30), abs=0.15)
    ref = stats.triang(c=20 / 50, loc=-30, scale=50)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize(("mean", "sd", "low", "high"), [
    (30, 10, None, None),      # truncated by the scale [0, 100] only far out
    (90, 30, None, None),      # heavily truncated at the top
    (5, 2, 20, 40),            # the whole interval is far above the mean (mirrored path)
    (50, 5, 45, 47),           # narrow interval below the mean
])
def test_truncated_normal_position(mean, sd, low, high):
    stats = pytest.importorskip("scipy.stats")
    dist: dict[str, Any] = {"dist": "normal", "mean": mean, "sd": sd}
    if low is not None:
        dist.update(low=low, high=high)
    x = user_positions(sample_problem(one_stance({"position": dist}), N, seed=9))
    a, b = (0 if low is None else low), (100 if high is None else high)
    assert x.min() >= a and x.max() <= b
    ref = stats.truncnorm((a - mean) / sd, (b - mean) / sd, loc=mean, scale=sd)
    assert x.mean() == pytest.approx(ref.mean(), abs=4 * ref.std() / math.sqrt(N))
    for q in (0.05, 0.5, 0.95):
        assert np.quantile(x, q) == pytest.approx(ref.ppf(q), abs=0.02 * (b - a))
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


def test_salience_on_a_0_100_scale_is_normalised_and_clipped():
    stats = pytest.importorskip("scipy.stats")
    sc = one_stance({"salience": {"dist": "normal", "mean": 90, "sd": 20}}, scale="0-100",
                    salience=90)
    s = sample_problem(sc, N, seed=10).salience[:, 0, 0]
    assert s.min() >= 0 and s.max() <= 1
    ref = stats.truncnorm(-90 / 20, 10 / 20, loc=0.9, scale=0.2)
    assert stats.kstest(s, ref.cdf).pvalue > 1e-3


def test_capability_normal_is_truncated_at_zero():
    stats = pytest.importorskip("scipy.stats")
    sc = one_stance({}, capability=1.0, uncertainty={
        "capability": {"dist": "normal", "mean": 1.0, "sd": 1.0, "low": 0.0}})
    c = sample_problem(sc, N, seed=11).capability[:, 0, 0]
    assert c.min() >= 0
    assert stats.kstest(c, stats.truncnorm(-1, np.inf, loc=1, scale=1).cdf).pvalue > 1e-3


def test_capability_draw_scales_per_issue_capabilities():
    sc = from_dict({
        "issues": [{"id": "x"}, {"id": "y"}],
        "actors": [{"id": "a", "capability": 2.0, "capability_by_issue": {"y": 6.0},
                    "uncertainty": {"capability": [1.0, 3.0]}}, {"id": "b"}],
        "stances": [{"actor": k, "issue": i, "position": 50, "salience": 0.5}
                    for k in ("a", "b") for i in ("x", "y")],
    })
    cap = sample_problem(sc, 1000, seed=1).capability[:, 0, :]
    np.testing.assert_allclose(cap[:, 1], 3 * cap[:, 0])
    assert cap[:, 0].min() >= 1 and cap[:, 0].max() <= 3


def test_fixed_and_certain_inputs_keep_their_values():
    sc = scenario()
    p = sample_problem(sc, 2000, seed=3)
    point = sc.problem()
    # RU's sanctions stance has no uncertainty; RU has no actor uncertainty
    np.testing.assert_array_equal(p.positions[:, 1, 1], point.positions[0, 1, 1])
    np.testing.assert_array_equal(p.salience[:, 1, :], np.broadcast_to(point.salience[0, 1],
                                                                       (2000, 2)))
    np.testing.assert_array_equal(p.capability[:, 3, :], 1.0)
    fixed = one_stance({"position": 42})
    assert np.all(user_positions(sample_problem(fixed, 100, seed=1)) == pytest.approx(42))


# --- correlation -----------------------------------------------------------------------------


def grouped(rho: float, n: int = 3, kind: str = "position") -> Scenario:
    unc = {kind: [0, 100] if kind == "position" else [0, 1], "group": "g"}
    return from_dict({
        "issues": [{"id": "x"}],
        "actors": [{"id": f"a{k}"} for k in range(n)],
        "stances": [{"actor": f"a{k}", "issue": "x", "position": 50, "salience": 0.5,
                     "uncertainty": unc} for k in range(n)],
        "correlations": {"g": rho},
    })


@pytest.mark.parametrize("rho", [0.6, 0.95, -0.4])
def test_group_correlation_is_rho_in_normal_scores(rho):
    n = 2 if rho < 0 else 3
    p = sample_problem(grouped(rho, n), N, seed=5)
    u = p.positions[:, :, 0] / 100.0  # uniform marginals on 0–100
    z = ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    c = np.corrcoef(z, rowvar=False)
    off = c[~np.eye(n, dtype=bool)]
    assert np.all(np.abs(off - rho) < 0.01)
    # Pearson correlation of the uniforms is (6/π) arcsin(rho/2) (Kruskal 1958)
    cu = np.corrcoef(u, rowvar=False)[~np.eye(n, dtype=bool)]
    assert np.all(np.abs(cu - 6 / np.pi * np.arcsin(rho / 2)) < 0.01)


def test_rho_one_moves_the_group_together_and_kinds_are_independent():
    p = sample_problem(grouped(1.0, 3), 5000, seed=2)
    assert np.allclose(p.positions[:, 0, 0], p.positions[:, 1, 0])
    sc = scenario()
    q = sample_problem(sc, N, seed=4)
    us_pos, eu_pos = q.positions[:, 0, 0], q.positions[:, 3, 0]
    eu_sal = q.salience[:, 3, 1]
    assert np.corrcoef(us_pos, eu_pos)[0, 1] > 0.5
    assert abs(np.corrcoef(us_pos, eu_sal)[0, 1]) < 0.015
    # RU's position is in no group
    assert abs(np.corrcoef(us_pos, q.positions[:, 1, 0])[0, 1]) < 0.015


def test_impossible_negative_rho_is_an_error():
    with pytest.raises(SummitryError, match="rho"):
        sample_problem(grouped(-0.6, 3), 10, seed=1)


# --- absence -------------------------------------------------------------------------------


def test_absence_frequency_and_all_issues_at_once():
    sc = scenario()
    p = sample_problem(sc, N, seed=6)
    ua = ~p.active[:, 2, 0]  # UA has a stance on ceasefire only
    assert ua.mean() == pytest.approx(0.3, abs=0.006)
    assert not p.active[:, 2, 1].any()  # no stance on sanctions: never active
    sc2 = one_stance({"absent": 0.25}, uncertainty={"absent": 0.5})
    both = sample_problem(sc2, N, seed=6)
    # actor-level 0.5 and stance-level 0.25, independent: present with 0.5 · 0.75
    assert both.active[:, 0, 0].mean() == pytest.approx(0.375, abs=0.006)


def test_vacant_issue_keeps_the_status_quo():
    sc = from_dict({
        "issues": [{"id": "x", "lower": 0, "upper": 10, "status_quo": 2},
                   {"id": "y"}, {"id": "z"}],
        "actors": [{"id": "a", "uncertainty": {"absent": 0.5}}, {"id": "b"}],
        "stances": [
            {"actor": "a", "issue": "x", "position": 9, "salience": 1},
            {"actor": "a", "issue": "y", "position": 80, "salience": 1},
            {"actor": "b", "issue": "z", "position": 30, "salience": 1},
        ],
    })
    chunk_seed = np.random.SeedSequence(1).spawn(1)[0]  # run_batch's seed of its one chunk
    p = sample_problem(sc, 4000, seed=chunk_seed)
    vacant = p.meta["vacant"]
    assert vacant[:, 0].mean() == pytest.approx(0.5, abs=0.05)
    np.testing.assert_array_equal(vacant[:, 0], vacant[:, 1])
    assert not vacant[:, 2].any()
    assert p.active[:, 0, :2].all()  # kept active so that every model can solve
    _, sols = run_batch(sc, [get_model("compromise"), get_model("median"),
                             get_model("challenge")], draws=4000, seed=1, chunk_size=4000)
    for sol in sols:
        out = sol.outcome
        np.testing.assert_allclose(out[vacant[:, 0], 0], 20.0)  # status quo 2 of 0–10
        np.testing.assert_allclose(out[vacant[:, 1], 1], 50.0)  # no status quo: midpoint
        np.testing.assert_allclose(out[~vacant[:, 0], 0], 90.0)
        np.testing.assert_allclose(out[:, 2], 30.0)


# --- seeds, streams, chunks ---------------------------------------------------------------


def test_same_seed_same_draws_and_generators_advance():
    sc = scenario()
    a, b = sample_problem(sc, 500, seed=1), sample_problem(sc, 500, seed=1)
    np.testing.assert_array_equal(a.positions, b.positions)
    c = sample_problem(sc, 500, seed=2)
    assert not np.array_equal(a.positions, c.positions)
    rng = np.random.default_rng(1)
    d, e = sample_problem(sc, 50, rng), sample_problem(sc, 50, rng)
    assert not np.array_equal(d.positions, e.positions)
    ss = np.random.SeedSequence(9)
    np.testing.assert_array_equal(sample_problem(sc, 50, ss).positions,
                                  sample_problem(sc, 50, ss).positions)
    with pytest.raises(SummitryError, match="not both"):
        sample_problem(sc, 5, 1, seed=1)
    with pytest.raises(SummitryError, match="seed"):
        sample_problem(sc, 5, seed=-1)
    with pytest.raises(SummitryError, match="draws"):
        sample_problem(sc, 0, seed=1)


def test_streams_are_keyed_by_input_so_unrelated_changes_keep_draws():
    from summitry.whatif import drop_actor, set_value

    sc = scenario()
    base = sample_problem(sc, 3000, seed=4)
    fewer = sample_problem(drop_actor(sc, "UA"), 3000, seed=4)
    # US, RU are actors 0, 1 in both; EU is 3 in base, 2 without UA
    np.testing.assert_array_equal(base.positions[:, :2], fewer.positions[:, :2])
    np.testing.assert_array_equal(base.positions[:, 3], fewer.positions[:, 2])
    np.testing.assert_array_equal(base.capability[:, 0], fewer.capability[:, 0])
    moved = sample_problem(set_value(sc, "RU.ceasefire.position", 45), 3000, seed=4)
    np.testing.assert_array_equal(base.positions[:, 0], moved.positions[:, 0])
    assert np.all(moved.positions[:, 1, 0] == pytest.approx(45))


def test_run_batch_prefix_property_and_chunk_merging():
    sc = scenario()
    models = [get_model("compromise"), get_model("challenge")]
    calls: list[tuple[int, int]] = []
    point, sols = run_batch(sc, models, draws=2500, seed=3, chunk_size=1000,
                            progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert point.n_draws == 1 and point.actors == sc.actor_ids
    comp, chal = sols
    assert comp.outcome.shape == (2500, 2) and comp.history is None
    assert chal.outcome.shape == (2500, 2)
    assert chal.n_rounds is not None and chal.n_rounds.shape == (2500,)
    assert chal.history is not None and chal.history.shape[0] == 1
    assert chal.history.shape[2:] == (4, 2)
    assert chal.history_outcome is not None and chal.history_outcome.shape[0] == 1
    assert chal.extra["median"].shape[0] == 1  # per-round extras are cut like history
    assert chal.events is not None
    # draw 0's history is the first chunk's first draw
    alone = models[1].solve(sample_problem(sc, 1000, seed=np.random.SeedSequence(3).spawn(1)[0]))
    np.testing.assert_array_equal(chal.history[0], alone.history[0])
    _, shorter = run_batch(sc, models, draws=1700, seed=3, chunk_size=1000)
    for long, short in zip(sols, shorter, strict=True):
        np.testing.assert_array_equal(long.outcome[:1700], short.outcome)
    _, other = run_batch(sc, models, draws=2500, seed=4, chunk_size=1000)
    assert not np.array_equal(other[0].outcome, comp.outcome)


def test_run_batch_concatenates_per_draw_extras():
    sc = scenario()
    task = ChunkTask(sc, (("compromise", {}),), np.random.SeedSequence(1), 10, True)
    assert run_chunk(task)[0].outcome.shape == (10, 2)
    task_dict = ChunkTask(sc.to_dict(), (("median", {}),), np.random.SeedSequence(1), 10)
    np.testing.assert_array_equal(run_chunk(task_dict)[0].outcome,
                                  run_chunk(ChunkTask(sc, (("median", {}),),
                                                      np.random.SeedSequence(1), 10))[0].outcome)
    from summitry.models import Solution
    from summitry.simulate import _merge

    parts = [Solution(model="m", params={}, outcome=np.zeros((n, 2)),
                      extra={"per_draw": np.arange(n), "table": np.ones((3, 3)),
                             "name": "x"}) for n in (4, 3)]
    merged = _merge(parts, [4, 3])
    np.testing.assert_array_equal(merged.extra["per_draw"], [0, 1, 2, 3, 0, 1, 2])
    assert merged.extra["table"].shape == (3, 3) and merged.extra["name"] == "x"
    assert merged.outcome.shape == (7, 2)


def test_run_batch_validates_its_arguments():
    sc = scenario()
    with pytest.raises(SummitryError, match="draws"):
        run_batch(sc, ["compromise"], draws=0, seed=1)
    with pytest.raises(SummitryError, match="chunk_size"):
        run_batch(sc, ["compromise"], draws=10, seed=1, chunk_size=0)
    with pytest.raises(SummitryError, match="model"):
        run_batch(sc, [], draws=10, seed=1)
    assert CHUNK_SIZE == 2000


# --- the public twin --------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "10"])
def test_simulate_rejects_bad_draws(bad):
    with pytest.raises(SummitryError, match="draws"):
        simulate(scenario(), model="compromise", draws=bad, seed=1)


def test_simulate_probabilities_sum_to_one_and_are_reproducible():
    sc = scenario()
    fc = simulate(sc, model=["compromise", "median"], draws=3000, seed=11)
    assert fc.draws == 3000 and fc.seed == 11
    for m in (*fc.models, None):
        probs = fc.outcome_probabilities(m)
        assert sum(probs.values()) == pytest.approx(1.0)
        assert all(0 <= p <= 1 for p in probs.values())
    again = simulate(sc, model=["compromise", "median"], draws=3000, seed=11)
    np.testing.assert_array_equal(fc["median"].outcome, again["median"].outcome)
    q = fc["compromise"].quantiles()
    assert np.all(np.diff(q, axis=0) >= 0)
    assert np.all((q[:, 1] >= -50) & (q[:, 1] <= 50))


# --- ranges outside the scale fail at validation ---------------------------------------


@pytest.mark.parametrize(("block", "message"), [
    ("{position: [-10, 50]}", "outside the scale"),
    ("{position: {dist: triangular, low: 10, mode: 40, high: 120}}", "outside the scale"),
    ("{position: {dist: normal, mean: 50, sd: 5, low: 0, high: 150}}", "truncation range"),
    ("{salience: [0.5, 1.5]}", r"outside \[0, 1\]"),
    ("{position: {dist: triangular, low: 10, mode: 60, high: 40}}", "mode"),
    ("{position: {dist: normal, mean: 50}}", "sd"),
    ("{absent: 1.5}", "absent"),
])
def test_uncertainty_outside_the_scale_fails_validation(tmp_path: Path, block, message):
    path = tmp_path / "bad.yaml"
    path.write_text(f"""
schema: summitry/1
issues: [{{id: x}}]
actors: [{{id: a}}, {{id: b}}]
stances:
  - {{actor: a, issue: x, position: 50, salience: 0.5, uncertainty: {block}}}
  - {{actor: b, issue: x, position: 50, salience: 0.5}}
""")
    with pytest.raises(InputError, match=message) as info:
        load(path)
    assert "bad.yaml" in str(info.value)


class _FirstOnly:
    """A dynamic test model that records rounds only for ``problem.history_draws`` draws."""

    name = "first_only"
    seen: ClassVar[list[int]] = []

    def params(self) -> dict[str, Any]:
        return {}

    def solve(self, problem: Any) -> Any:
        from summitry.models.base import Solution

        h = problem.history_draws
        type(self).seen.append(h)
        x = problem.positions
        hist = np.stack([x[:h], x[:h]], axis=1)  # (h, 2, A, I)
        out = x.mean(axis=1)
        return Solution(model=self.name, params={}, outcome=out, history=hist,
                        history_outcome=np.stack([out[:h], out[:h]], axis=1),
                        n_rounds=np.full(problem.n_draws, 1, dtype=np.int64),
                        extra={"per_round": np.zeros((h, 2, 3)), "per_draw": out[:, 0]})


def test_chunks_ask_models_for_draw_0_rounds_only():
    sc = scenario()
    _FirstOnly.seen.clear()
    spec: Any = _FirstOnly
    first = run_chunk(ChunkTask(sc, ((spec, {}),), np.random.SeedSequence(2), 300, True))[0]
    later = run_chunk(ChunkTask(sc, ((spec, {}),), np.random.SeedSequence(3), 300, False))[0]
    assert _FirstOnly.seen == [1, 1]
    assert first.outcome.shape == (300, 2) and first.extra["per_draw"].shape == (300,)
    assert first.history is not None and first.history.shape == (1, 2, 4, 2)
    assert first.history_outcome is not None and first.history_outcome.shape == (1, 2, 2)
    assert first.extra["per_round"].shape == (1, 2, 3)
    assert later.history is None and later.history_outcome is None
    assert "per_round" not in later.extra and later.extra["per_draw"].shape == (300,)
    odd = sample_problem(sc, 2, seed=1)
    odd.meta["history"] = "some"
    with pytest.raises(ValueError, match="history"):
        _ = odd.history_draws
