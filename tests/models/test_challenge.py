"""The challenge (expected-utility) model, pinned to Scholz, Calbert & Smith (2011).

Sources of the pinned numbers:

* Input: Bueno de Mesquita (1994) car-emissions case, Scholz et al. (2011) Table 1, p. 19
  (``tests/data/published/bdm1994_car_emissions.csv``).
* Target: Scholz et al. Table 2, p. 28 (Q = 1): medians and means per round, one decimal.
* Check values and the per-reading rows L1, L2, S1, S2: specs/challenge.md §§2–3 and
  specs/models.md §1c (first-pass risk exponents, P(UK beats NL), E^BE(U_BE,LU)).

No reading reproduces Table 2 (specs/challenge.md §0); the test pins the numbers our
readings produce — computed here by :func:`reference_solve`, a slow scalar implementation
that loops over the equations — checks them against the spec's rows, and keeps Table 2
itself as a strict ``xfail`` (docs/models/challenge.md explains every difference).
"""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.errors import SummitryError, UnknownNameError
from summitry.models import challenge as ch
from summitry.models import get_model
from summitry.models.challenge import (
    CHOICES,
    Challenge,
    expected_utilities,
    prevail_probability,
    risk_exponents,
)
from summitry.problem import Problem

DATA = Path(__file__).parent.parent / "data" / "published" / "bdm1994_car_emissions.csv"
EPS = 1e-9  # the model's tie tolerance (summitry.models.challenge.EPS), restated

# Scholz, Calbert & Smith (2011), Table 2, p. 28 (Q = 1), rounds 1–8.
TABLE2_MEDIAN = [8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6]
TABLE2_MEAN = [7.4, 7.5, 7.6, 7.3, 7.3, 7.4, 7.5, 7.6]

# specs/challenge.md §3, rounds 1–8 (years).
SPEC_ROWS = {
    "L1": (
        [9.53, 9.53, 9.53, 10.0, 10.0, 10.0, 10.0, 10.0],
        [7.61, 7.72, 8.30, 9.64, 9.68, 9.72, 9.74, 9.75],
    ),
    "L2": (
        [7.0] * 8,
        [7.37, 7.43, 7.31, 7.36, 7.33, 7.30, 7.26, 7.22],
    ),
    "S1": (
        [8.53, 9.57, 9.96, 10.0, 10.0, 10.0, 7.00, 8.34],
        [7.47, 7.53, 7.55, 7.55, 7.56, 7.56, 7.42, 7.48],
    ),
    "S2": (
        [8.53, 9.57, 9.96, 10.0, 10.0, 7.01, 7.00, 7.00],
        [7.474, 7.530, 7.550, 7.554, 7.556, 7.317, 7.359, 7.415],
    ),
}
ROW_OPTIONS: dict[str, dict[str, Any]] = {
    "L1": {},
    "L2": {"conflict": "move", "offer_rule": "least_move"},
    "S1": {"reading": "S"},
    "S2": {"reading": "S", "offer_rule": "category_then_least"},
}

# Regression values our implementation (and the reference below) gives, rounds 1–8, years.
PINNED = {
    "L1": (
        [9.529952, 9.529952, 9.529952, 10.0, 10.0, 10.0, 10.0, 10.0],
        [7.60639, 7.716656, 8.304466, 9.635032, 9.675935, 9.718811, 9.741102, 9.754722],
    ),
    "L2": (
        [7.0] * 8,
        [7.37153, 7.425222, 7.307141, 7.358975, 7.333607, 7.300431, 7.261454, 7.224084],
    ),
    "S1": (
        [8.525154, 9.573731, 9.958116, 9.99957, 10.0, 10.0, 7.003681, 8.336679],
        [7.473559, 7.53039, 7.549771, 7.553557, 7.555939, 7.557491, 7.416258, 7.479633],
    ),
    "S2": (
        [8.525154, 9.573731, 9.958116, 9.99957, 10.0, 7.007353, 7.003681, 7.001841],
        [7.473559, 7.53039, 7.549771, 7.553557, 7.555939, 7.317377, 7.358505, 7.414906],
    ),
}

NAMES = ["NL", "BE", "LU", "DE", "FR", "IT", "UK", "IE", "DK", "GR"]


def car_case() -> Problem:
    """The 1994 case from the CSV, years 4–10 mapped to 0–100."""
    with DATA.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return Problem.from_arrays(
        positions=[[float(r["Position"])] for r in rows],
        salience=[[float(r["Salience"]) / 100.0] for r in rows],
        capability=[float(r["Capability"]) for r in rows],
        lower=[4.0],
        upper=[10.0],
        actors=tuple(r["Actor"] for r in rows),
        issues=("year",),
    )


# ======================================================================================
# The slow scalar reference: one draw, one issue, plain loops over the equations.
# ======================================================================================


def reference_run(
    x0: list[float],
    cap: list[float],
    sal: list[float],
    active: list[bool],
    opts: dict[str, Any],
    fallback: float,
) -> dict[str, Any]:
    """Scholz et al. (2011), Appendix steps 1–13, with the options of ``Challenge``."""
    n = len(x0)
    act = list(active)
    w = [cap[k] * sal[k] if act[k] else 0.0 for k in range(n)]
    s = [sal[k] if act[k] else 0.0 for k in range(n)]
    total = sum(w)
    members = [k for k in range(n) if act[k]]

    def spread(xs: list[float]) -> float:
        pts = [xs[k] for k in members]
        return max(pts) - min(pts) if pts else 0.0

    def median(xs: list[float]) -> float:
        # Condorcet winner (eqs. 26–29): j beats or ties every k in the vote v^{jk}.
        if not members:
            return fallback
        winners = []
        for j in members:
            votes = [
                sum(w[i] * (abs(xs[i] - xs[k]) - abs(xs[i] - xs[j])) for i in range(n))
                for k in members
            ]
            if all(v >= -EPS * total for v in votes):
                winners.append(xs[j])
        return (min(winners) + max(winners)) / 2

    def mean(xs: list[float]) -> float:
        if not members:
            return fallback
        if total > 0:
            return sum(w[k] * xs[k] for k in range(n)) / total
        return sum(xs[k] for k in members) / len(members)

    def prevail(xs: list[float], i: int, j: int) -> float:
        # eq. 31
        num = den = 0.0
        for k in range(n):
            a = abs(xs[k] - xs[j]) - abs(xs[k] - xs[i])
            if a > 0:
                num += w[k] * a
            den += w[k] * abs(a)
        if den <= EPS * total * abs(xs[i] - xs[j]):
            return 0.5
        return min(1.0, max(0.0, num / den))

    def eu(xs: list[float], i: int, j: int, r: float, big_r: float, mu: float) -> float:
        # eqs. 15, 16, 22–24, 5–7, 25a: i challenges j, with exponent r
        dist = abs(xs[i] - xs[j])
        if dist <= EPS:
            return 0.0
        rs = big_r if big_r > 0 else 1.0
        d = dist / rs
        p = prevail(xs, i, j) if opts["p_mode"] == "eq31" else 0.0
        lead = s[j] if opts["salience_of"] == "responder" else s[i]
        u_s = 2 - 4 * max(0.5 - 0.5 * d, 0.0) ** r
        u_f = 2 - 4 * (0.5 + 0.5 * d) ** r
        u_sq = 2 - 4 * 0.5**r
        value = lead * (p * u_s + (1 - p) * u_f) + (1 - lead) * u_s
        q = opts["q"]
        if q == 1.0:
            return value - u_sq
        to_mu = abs(xs[i] - mu)
        e = (to_mu + dist) / rs
        u_b = 2 - 4 * max(0.5 - 0.25 * e, 0.0) ** r
        u_w = 2 - 4 * (0.5 + 0.25 * e) ** r
        better = dist - to_mu > EPS
        return value - q * u_sq - (1 - q) * (u_b if better else u_w)

    def keep(cands: list[tuple[float, float, bool]], key: Any, tol: float) -> list[Any]:
        best = min(key(c) for c in cands)
        return [c for c in cands if key(c) <= best + tol]

    x = [float(v) for v in x0]
    r0 = spread(x)
    hist, meds, means, risks = [list(x)], [median(x)], [mean(x)], [[1.0] * n]
    played = 0
    stopped = False
    for _ in range(opts["rounds"]):
        if stopped:
            hist.append(list(x))
            meds.append(meds[-1])
            means.append(means[-1])
            risks.append(risks[-1])
            continue
        mu = meds[-1]
        big_r = r0 if opts["range_mode"] == "fixed" else spread(x)
        # first pass, r = 1; security and risk (eqs. 32–34)
        r = [1.0] * n
        if opts["risk"]:
            first = [
                [eu(x, i, j, 1.0, big_r, mu) if act[i] and act[j] and i != j else 0.0
                 for j in range(n)]
                for i in range(n)
            ]
            sec = [0.0] * n
            for i in members:
                for j in members:
                    if i != j:
                        sec[i] += first[j][i] if opts["security"] == "adversary" else first[i][j]
            hi = max(sec[k] for k in members) if members else 0.0
            lo = min(sec[k] for k in members) if members else 0.0
            if hi - lo > EPS:
                for i in members:
                    big = min(1.0, max(-1.0, (2 * sec[i] - hi - lo) / (hi - lo)))
                    r[i] = (1 - big / 3) / (1 + big / 3)
        # second pass and the octants of Fig. 6, view by view
        offers: dict[int, list[tuple[float, float, bool]]] = {k: [] for k in range(n)}
        move_on_conflict = opts["conflict"] == "move"
        for v in members:
            for o in members:
                if v == o or abs(x[v] - x[o]) <= EPS:
                    continue
                a = eu(x, v, o, r[v], big_r, mu)
                r_other = r[v] if opts["perception"] == "viewer_r" else r[o]
                b = eu(x, o, v, r_other, big_r, mu)
                if move_on_conflict and a > EPS and b > EPS and a - b > EPS:
                    offers[o].append((x[v], a, False))  # Confrontation +
                if move_on_conflict and a > EPS and b > EPS and b - a > EPS:
                    offers[v].append((x[o], b, False))  # Confrontation −
                if a > EPS and b < -EPS and abs(a) - abs(b) > EPS:  # eq. 35
                    offers[o].append((x[o] + (x[v] - x[o]) * abs(b / a), a, True))
                if a > EPS and b < -EPS and abs(b) - abs(a) > EPS:  # Compel +
                    offers[o].append((x[v], a, False))
                if opts["octants"] == "figure":
                    eq36 = a < -EPS and b > EPS
                else:
                    eq36 = a < -EPS and b < -EPS
                if eq36 and abs(b) - abs(a) > EPS:  # eq. 36
                    offers[v].append((x[v] + (x[o] - x[v]) * abs(a / b), b, True))
                if a < -EPS and b > EPS and abs(a) - abs(b) > EPS:  # Compel −
                    offers[v].append((x[o], b, False))
        new = list(x)
        for k in range(n):
            cands = offers[k]
            if not cands:
                continue

            def movement(c: tuple[float, float, bool], here: float = x[k]) -> float:
                return abs(c[0] - here)

            def prop_eu(c: tuple[float, float, bool]) -> float:
                return -c[1]

            rule = opts["offer_rule"]
            if rule == "category_then_least":
                if any(c[2] for c in cands):
                    cands = [c for c in cands if c[2]]
                cands = keep(keep(cands, movement, EPS), prop_eu, EPS)
            elif rule == "least_move":
                cands = keep(keep(cands, movement, EPS), prop_eu, EPS)
            else:
                cands = keep(keep(cands, prop_eu, EPS), movement, EPS)
            new[k] = min(c[0] for c in cands)
        x = new
        played += 1
        hist.append(list(x))
        meds.append(median(x))
        means.append(mean(x))
        risks.append(r)
        if opts["stop"] == "median_shift" and abs(meds[-1] - meds[-2]) <= opts["tol"] + EPS:
            stopped = True
    return {"history": hist, "median": meds, "mean": means, "risk": risks, "n_rounds": played}


def reference_solve(problem: Problem, model: Challenge) -> dict[str, np.ndarray]:
    """Run :func:`reference_run` on every draw and issue; arrays shaped like Solution."""
    opts = model.options()
    n_d, n_a, n_i = problem.positions.shape
    t = opts["rounds"] + 1
    hist = np.empty((n_d, t, n_a, n_i))
    med = np.empty((n_d, t, n_i))
    mean = np.empty((n_d, t, n_i))
    risk = np.empty((n_d, t, n_a, n_i))
    n_rounds = np.zeros((n_d, n_i), dtype=int)
    for d in range(n_d):
        for i in range(n_i):
            sq = problem.status_quo[d, i]
            out = reference_run(
                problem.positions[d, :, i].tolist(),
                problem.capability[d, :, i].tolist(),
                problem.salience[d, :, i].tolist(),
                problem.active[d, :, i].tolist(),
                opts,
                float(sq) if math.isfinite(sq) else 50.0,
            )
            hist[d, :, :, i] = out["history"]
            med[d, :, i] = out["median"]
            mean[d, :, i] = out["mean"]
            risk[d, :, :, i] = out["risk"]
            n_rounds[d, i] = out["n_rounds"]
    if opts["stop"] == "median_shift":  # the model trims history after the last draw stops
        t = int(n_rounds.max(initial=0)) + 1
    return {
        "history": hist[:, :t], "median": med[:, :t], "mean": mean[:, :t],
        "risk": risk[:, :t], "n_rounds": n_rounds.max(axis=1),
    }


def assert_matches_reference(problem: Problem, model: Challenge, atol: float = 1e-7) -> None:
    sol = model.solve(problem)
    ref = reference_solve(problem, model)
    assert sol.history is not None and sol.n_rounds is not None
    np.testing.assert_array_equal(sol.n_rounds, ref["n_rounds"])
    np.testing.assert_allclose(sol.history, ref["history"], atol=atol)
    np.testing.assert_allclose(sol.extra["median"], ref["median"], atol=atol)
    np.testing.assert_allclose(sol.extra["mean"], ref["mean"], atol=atol)
    np.testing.assert_allclose(sol.extra["risk"], ref["risk"], atol=atol)
    np.testing.assert_allclose(sol.outcome, ref["median"][:, -1], atol=atol)


def years(problem: Problem, values: np.ndarray) -> list[float]:
    return [float(v) for v in problem.to_user(np.asarray(values).reshape(-1, 1)).ravel()]


# ======================================================================================
# The published case
# ======================================================================================


def test_registered_with_paper_defaults():
    model = get_model("challenge")
    assert isinstance(model, Challenge)
    assert model.params()["rounds"] == 8  # Scholz's Table 2 has 8 rounds
    opts = model.options()
    assert opts == {
        "rounds": 8, "reading": "L", "p_mode": "eq31", "perception": "own_r",
        "conflict": "no_move", "offer_rule": "max_proposer_eu", "salience_of": "responder",
        "security": "adversary", "octants": "figure", "range_mode": "current", "q": 1.0,
        "risk": True, "stop": "fixed", "tol": 1.0,
    }
    assert Challenge(reading="S").options()["p_mode"] == "zero"
    assert Challenge(reading="S", conflict="no_move").options()["conflict"] == "no_move"


def test_round_zero_median_and_mean():
    # models.md §1c: Condorcet median 7.0, c·s mean 7.390 (dmasad 7.389955686853767)
    p = car_case()
    sol = Challenge(rounds=0).solve(p)
    assert years(p, sol.extra["median"][0, 0]) == pytest.approx([7.0])
    assert years(p, sol.extra["mean"][0, 0]) == pytest.approx([7.389955686853767], abs=1e-12)
    np.testing.assert_array_equal(sol.outcome, sol.extra["median"][:, 0])


def test_check_values_p_and_eu():
    # specs/challenge.md §2: P(UK over NL) = 0.5753, E(BE→LU) = 0.8535 with r = 1
    p = car_case()
    x, w, s = p.positions[0, :, 0], p.weights[0, :, 0], p.salience[0, :, 0]
    pm = prevail_probability(x, w)
    assert pm[NAMES.index("UK"), NAMES.index("NL")] == pytest.approx(0.5753, abs=5e-5)
    np.testing.assert_allclose(pm + pm.T, 1.0, atol=1e-12)  # nobody indifferent here
    eu = expected_utilities(x, s, w)
    assert eu[NAMES.index("BE"), NAMES.index("LU")] == pytest.approx(0.8535, abs=5e-5)


RISK_ADVERSARY = [1.1172, 1.0044, 0.5000, 1.1172, 1.0176, 1.0176, 2.0000, 0.6483, 1.4537, 1.5569]
RISK_OWN_ROW = [2.0, 1.7493, 2.0, 2.0, 0.5, 0.5, 0.5, 1.7493, 2.0, 1.7493]
RISK_S = [1.407, 0.752, 0.510, 1.407, 1.047, 1.047, 1.959, 0.500, 2.000, 1.106]


@pytest.mark.parametrize(
    ("options", "expected", "decimals"),
    [
        ({}, RISK_ADVERSARY, 4),  # models.md §1c, adversary-security reading (A2)
        ({"security": "own_row"}, RISK_OWN_ROW, 4),  # models.md §1c, own-row reading
        ({"reading": "S"}, RISK_S, 3),  # challenge.md §2, reading S
    ],
)
def test_first_pass_risk_exponents(options, expected, decimals):
    p = car_case()
    risk = Challenge(rounds=1, **options).solve(p).extra["risk"]
    assert risk.shape == (1, 2, 10, 1)
    np.testing.assert_array_equal(risk[0, 0, :, 0], 1.0)
    np.testing.assert_allclose(risk[0, 1, :, 0], expected, atol=0.5 * 10.0**-decimals)


def test_risk_helper_matches_model():
    p = car_case()
    x, w, s = p.positions[0, :, 0], p.weights[0, :, 0], p.salience[0, :, 0]
    first = expected_utilities(x, s, w)
    np.testing.assert_allclose(risk_exponents(first), RISK_ADVERSARY, atol=5e-5)
    np.testing.assert_allclose(risk_exponents(first, security="own_row"), RISK_OWN_ROW, atol=5e-5)


@pytest.mark.parametrize("row", ["L1", "L2", "S1", "S2"])
def test_rounds_match_spec_rows_and_reference(row):
    """specs/challenge.md §3 rows (±0.01) and our exact regression values (±1e-6)."""
    p = car_case()
    model = Challenge(**ROW_OPTIONS[row])
    sol = model.solve(p)
    med = years(p, sol.extra["median"][0, 1:, 0])
    mean = years(p, sol.extra["mean"][0, 1:, 0])
    spec_med, spec_mean = SPEC_ROWS[row]
    np.testing.assert_allclose(med, spec_med, atol=0.0051)
    np.testing.assert_allclose(mean, spec_mean, atol=0.0051 if row != "S2" else 0.0006)
    pin_med, pin_mean = PINNED[row]
    np.testing.assert_allclose(med, pin_med, atol=1e-6)
    np.testing.assert_allclose(mean, pin_mean, atol=1e-6)
    assert_matches_reference(p, model, atol=1e-9)
    assert sol.outcome[0, 0] == sol.extra["median"][0, -1, 0]


@pytest.mark.xfail(strict=True, reason="no reading reproduces Scholz Table 2 (challenge.md §0)")
@pytest.mark.parametrize("reading", ["L", "S"])
def test_table2_exactly(reading):
    p = car_case()
    sol = Challenge(reading=reading).solve(p)
    med = np.round(years(p, sol.extra["median"][0, 1:, 0]), 1)
    mean = np.round(years(p, sol.extra["mean"][0, 1:, 0]), 1)
    assert med.tolist() == TABLE2_MEDIAN and mean.tolist() == TABLE2_MEAN


def test_reading_s_is_closest_to_table2():
    """What the docs claim: S tracks Table 2's means and the shape of its median path."""
    p = car_case()
    s_sol = Challenge(reading="S").solve(p)
    l_sol = Challenge().solve(p)
    s_med = np.array(years(p, s_sol.extra["median"][0, 1:, 0]))
    s_mean = np.array(years(p, s_sol.extra["mean"][0, 1:, 0]))
    l_mean = np.array(years(p, l_sol.extra["mean"][0, 1:, 0]))
    # Means within ±0.25 of the interval each one-decimal entry stands for (largest gap
    # to the printed value: 0.256 in round 5); L drifts to 9.75.
    gap = np.abs(s_mean - TABLE2_MEAN)
    assert gap.max() <= 0.30 and gap.max() == pytest.approx(0.2559, abs=1e-3)
    assert np.abs(l_mean - TABLE2_MEAN).max() > 2.0
    # Median path: 8.4 → 9.9 … then a drop towards 7 and a recovery; S has the drop one
    # round late (7.00 in round 7 instead of 7.4 in round 6) and recovers to 8.34 (8.8).
    assert abs(s_med[0] - TABLE2_MEDIAN[0]) < 0.13
    assert np.all(np.abs(s_med[1:5] - 9.9) < 0.35)
    assert s_med[6] < 7.5 and s_med[7] > 8.0
    l_med = np.array(years(p, l_sol.extra["median"][0, 1:, 0]))
    assert l_med.min() > 9.5  # L never drops


def test_fixed_range_on_the_car_case():
    """challenge.md §1 says R stays 6 every round: true under S, not under L.

    Under L every actor at 4 leaves it in round 2 (Denmark's offers), so the range
    shrinks from round 3 on and a fixed R changes the means (not the medians).
    """
    p = car_case()
    a = Challenge(reading="S").solve(p)
    b = Challenge(reading="S", range_mode="fixed").solve(p)
    np.testing.assert_array_equal(a.history, b.history)
    h = a.history[0, :, :, 0]
    np.testing.assert_array_equal(h.max(axis=1) - h.min(axis=1), 100.0)

    a = Challenge().solve(p)
    b = Challenge(range_mode="fixed").solve(p)
    h = a.history[0, :, :, 0]
    spread = h.max(axis=1) - h.min(axis=1)
    np.testing.assert_array_equal(spread[:2], 100.0)
    assert spread[2] == pytest.approx(99.494, abs=1e-3) and spread[-1] < 40
    np.testing.assert_array_equal(a.history[:, :3], b.history[:, :3])
    assert not np.allclose(a.history[:, 3], b.history[:, 3])
    np.testing.assert_array_equal(a.extra["median"], b.extra["median"])
    assert years(p, b.extra["mean"][0, -1, 0])[0] == pytest.approx(9.808, abs=1e-3)


def test_events_round_one():
    p = car_case()

    def moves(sol, t):
        return {
            (e["actor"], e["partner"], e["kind"]): round(years(p, e["to"])[0], 3)
            for e in sol.events[t]
        }

    # challenge.md §3: under L1 Greece accepts UK's compromise (9.53)
    assert moves(Challenge().solve(p), 1) == {
        ("Denmark", "Greece", "compromise"): 4.097,
        ("Greece", "UK", "compromise"): 9.53,
    }
    # under S Belgium takes France's compromise to 8.525, Luxembourg 5.116, Ireland 7.22
    assert moves(Challenge(reading="S").solve(p), 1) == {
        ("Belgium", "France", "compromise"): 8.525,
        ("Luxembourg", "Greece", "compromise"): 5.116,
        ("Ireland", "France", "compromise"): 7.22,
    }
    sol = Challenge(rounds=3).solve(p)
    assert len(sol.events) == 4 and sol.events[0] == []


def test_solution_shapes_and_extra():
    p = car_case()
    sol = Challenge(rounds=5).solve(p)
    assert sol.outcome.shape == (1, 1)
    assert sol.history.shape == (1, 6, 10, 1)
    assert sol.history_outcome.shape == sol.extra["median"].shape == (1, 6, 1)
    assert sol.extra["mean"].shape == (1, 6, 1)
    assert sol.extra["risk"].shape == (1, 6, 10, 1)
    assert sol.n_rounds.tolist() == [5]
    np.testing.assert_array_equal(sol.history[:, 0], p.positions)
    assert sol.extra["options"]["reading"] == "L"


# ======================================================================================
# Options, stopping and edge cases
# ======================================================================================


def test_median_shift_stops_and_is_capped():
    p = car_case()
    # L1 median 7 → 9.53 → 9.53: the shift in round 2 is 0, so it stops after round 2
    sol = Challenge(stop="median_shift", tol=1.0, rounds=50).solve(p)
    assert sol.n_rounds.tolist() == [2]
    assert sol.history.shape[1] == 3
    assert years(p, sol.outcome[0])[0] == pytest.approx(9.529952, abs=1e-6)
    # S moves the median every round: the cap stops it
    sol = Challenge(reading="S", stop="median_shift", tol=0.0, rounds=3).solve(p)
    assert sol.n_rounds.tolist() == [3] and sol.history.shape[1] == 4


def test_median_shift_draws_stop_separately():
    p = car_case()
    two = Problem.concat([p, p.replace(positions=np.full_like(p.positions, 30.0))])
    model = Challenge(reading="S", stop="median_shift", tol=1.0, rounds=6)
    sol = model.solve(two)
    # S: 9.958 → 9.9996 years in round 4 is a shift of 0.69 on 0–100 (≤ tol); the
    # unanimous draw's median never moves
    assert sol.n_rounds.tolist() == [4, 1]
    assert sol.history.shape[1] == 5
    np.testing.assert_array_equal(sol.history[1], np.broadcast_to(30.0, (5, 10, 1)))
    assert_matches_reference(two, model)


def test_q_below_one_and_other_options_match_reference():
    p = car_case()
    for options in (
        {"q": 0.5}, {"q": 0.0, "reading": "S"}, {"salience_of": "challenger"},
        {"octants": "text"}, {"octants": "text", "reading": "S"}, {"risk": False},
        {"security": "own_row", "reading": "S"}, {"perception": "viewer_r"},
        {"offer_rule": "least_move"}, {"conflict": "move"},
    ):
        assert_matches_reference(p, Challenge(**options), atol=1e-9)


def test_every_option_changes_the_car_case():
    """Each switch is live (no option silently ignored)."""
    p = car_case()
    base = Challenge().solve(p).history
    for options in (
        {"p_mode": "zero"}, {"perception": "viewer_r"}, {"conflict": "move"},
        {"offer_rule": "least_move"}, {"salience_of": "challenger"}, {"security": "own_row"},
        {"q": 0.5}, {"risk": False}, {"rounds": 3},
    ):
        other = Challenge(**options).solve(p).history
        assert other.shape != base.shape or not np.allclose(other, base), options
    s_base = Challenge(reading="S").solve(p).history
    assert not np.allclose(Challenge(reading="S", octants="text").solve(p).history, s_base)
    assert not np.allclose(
        Challenge(reading="S", offer_rule="max_proposer_eu").solve(p).history, s_base
    )


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"reading": "X"}, UnknownNameError),
        ({"offer_rule": "nearest"}, UnknownNameError),
        ({"octants": 3}, UnknownNameError),
        ({"stop": "converged"}, UnknownNameError),
        ({"rounds": -1}, SummitryError),
        ({"rounds": 2.5}, SummitryError),
        ({"q": 1.5}, SummitryError),
        ({"tol": -1.0}, SummitryError),
    ],
)
def test_bad_options_raise(options, error):
    with pytest.raises(error, match="challenge"):
        Challenge(**options).solve(car_case())


def test_all_at_one_position_is_that_position():
    # R = 0: no EU anywhere, nobody moves, the outcome is the common position
    p = Problem.from_arrays(positions=[[42.0], [42.0], [42.0]], salience=[[0.5]] * 3,
                            capability=[1.0, 2.0, 3.0])
    sol = Challenge(reading="S").solve(p)
    np.testing.assert_array_equal(sol.outcome, [[42.0]])
    assert np.all(np.isfinite(sol.history)) and np.all(sol.extra["risk"] == 1.0)


def test_no_weight_and_no_active_actor():
    # all saliences 0: every position ties as Condorcet winner → midpoint of the range
    p = Problem.from_arrays(positions=[[10.0], [30.0], [90.0]], salience=[[0.0]] * 3,
                            capability=[1.0, 1.0, 1.0])
    sol = Challenge(rounds=2).solve(p)
    assert np.all(np.isfinite(sol.history))
    assert sol.extra["median"][0, 0, 0] == 50.0
    assert sol.extra["mean"][0, 0, 0] == pytest.approx(130 / 3)
    # nobody active: the status quo (or 50 without one), never NaN
    off = np.zeros((3, 1), bool)
    p = Problem.from_arrays(positions=[[10.0], [30.0], [90.0]], salience=[[0.5]] * 3,
                            capability=[1.0, 1.0, 1.0], active=off, status_quo=[20.0])
    assert Challenge().solve(p).outcome.tolist() == [[20.0]]
    p = p.replace(status_quo=np.full((1, 1), np.nan))
    assert Challenge().solve(p).outcome.tolist() == [[50.0]]


def test_multi_issue_equals_per_issue():
    rng = np.random.default_rng(3)
    p = Problem.from_arrays(
        positions=rng.uniform(0, 100, (3, 6, 3)).round(1),
        salience=rng.uniform(0, 1, (3, 6, 3)).round(2),
        capability=rng.uniform(0, 1, (3, 6, 3)).round(2),
        issues=("a", "b", "c"),
    )
    model = Challenge(reading="S", rounds=5)
    sol = model.solve(p)
    for i in range(3):
        one = model.solve(p.select_issues([i]))
        np.testing.assert_array_equal(sol.history[..., i], one.history[..., 0])
        np.testing.assert_array_equal(sol.extra["risk"][..., i], one.extra["risk"][..., 0])
    assert {e["issue"] for r in sol.events for e in r} <= {"a", "b", "c"}


def test_symmetric_offers_tie_break_to_lower_target():
    """Exact ties between different offers go to the lower target, not to actor order.

    The middle actor gets two mirror-image offers (same movement, same proposer EU);
    taking the lower one is a rule about values, so permuting the actors cannot change
    it (a rule by actor index would).
    """
    x = [[0.0], [50.0], [100.0]]
    sal = [[0.9], [0.3], [0.9]]
    cap = [1.0, 0.2, 1.0]
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        p = Problem.from_arrays(positions=[x[k] for k in order], salience=[sal[k] for k in order],
                                capability=[cap[k] for k in order])
        sol = Challenge(rounds=1, reading="S").solve(p)
        middle = order.index(1)
        assert sol.history[0, 1, middle, 0] == 0.0
        assert [e["actor"] for e in sol.events[1]].count(f"A{middle}") == 1


def test_chunked_batch_equals_single_chunk(monkeypatch):
    rng = np.random.default_rng(5)
    p = Problem.from_arrays(
        positions=rng.uniform(0, 100, (7, 5, 2)), salience=rng.uniform(0, 1, (7, 5, 2)),
        capability=rng.uniform(0, 1, (7, 5, 2)),
    )
    whole = Challenge().solve(p)
    monkeypatch.setattr(ch, "_CHUNK_ELEMENTS", 300)  # 1 draw per chunk
    parts = Challenge().solve(p)
    np.testing.assert_array_equal(whole.history, parts.history)
    assert whole.events == parts.events


@pytest.mark.parametrize("chunk", [None, 300])  # one chunk, or 1 draw per chunk
@pytest.mark.parametrize(
    "options", [{}, {"reading": "S"}, {"stop": "median_shift", "rounds": 12, "tol": 0.5}]
)
def test_history_first_records_draw_zero_only(monkeypatch, chunk, options):
    # Monte Carlo chunks set meta["history"] = "first": the rounds of draw 0 only, every
    # draw's outcome and n_rounds, exactly as with the default "all"
    if chunk is not None:
        monkeypatch.setattr(ch, "_CHUNK_ELEMENTS", chunk)
    rng = np.random.default_rng(11)
    p = Problem.from_arrays(
        positions=rng.uniform(0, 100, (6, 5, 3)), salience=rng.uniform(0, 1, (6, 5, 3)),
        capability=rng.uniform(0, 1, (6, 5, 3)),
    )
    model = Challenge(engine="numpy", **options)
    every = model.solve(p)
    first = model.solve(replace(p, meta={"history": "first"}))
    np.testing.assert_array_equal(first.outcome, every.outcome)
    np.testing.assert_array_equal(first.n_rounds, every.n_rounds)
    assert first.history.shape == (1, *every.history.shape[1:])
    np.testing.assert_array_equal(first.history, every.history[:1])
    np.testing.assert_array_equal(first.history_outcome, every.history_outcome[:1])
    for key in ("median", "mean", "risk"):
        np.testing.assert_array_equal(first.extra[key], every.extra[key][:1], err_msg=key)
    assert first.events == every.events
    np.testing.assert_array_equal(every.outcome, every.extra["median"][:, -1])


# ======================================================================================
# Properties: the slow reference and the conformance invariants
# ======================================================================================

FAST = settings(
    max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def options(draw):
    out: dict[str, Any] = {key: draw(st.sampled_from(vals)) for key, vals in CHOICES.items()}
    for key in ("p_mode", "perception", "conflict", "offer_rule"):
        if draw(st.booleans()):
            out[key] = None  # from the reading
    out["rounds"] = draw(st.integers(0, 4))
    out["q"] = draw(st.sampled_from([1.0, 1.0, 0.5, 0.0]))
    out["risk"] = draw(st.booleans())
    out["tol"] = draw(st.sampled_from([0.0, 1.0, 10.0]))
    return out


@st.composite
def problems(draw, max_draws: int = 2, inactive: bool = True):
    n_a = draw(st.integers(1, 5))
    n_i = draw(st.integers(1, 2))
    n_d = draw(st.integers(1, max_draws))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (n_d, n_a, n_i)
    if draw(st.booleans()):  # coarse grid: many exact ties
        pos = rng.integers(0, 5, shape) * 25.0
        sal = rng.integers(0, 5, shape) / 4.0
        cap = rng.integers(0, 3, shape) / 2.0
    else:
        pos = rng.uniform(0, 100, shape).round(2)
        sal = rng.uniform(0, 1, shape).round(2)
        cap = rng.uniform(0, 2, shape).round(2)
    act = rng.random(shape) > 0.15 if inactive else np.ones(shape, bool)
    sq = np.where(rng.random((n_d, n_i)) < 0.5, np.nan, rng.uniform(0, 100, (n_d, n_i)))
    return Problem.from_arrays(positions=pos, salience=sal, capability=cap, active=act,
                               status_quo=sq)


@FAST
@given(problems(), options())
def test_property_matches_slow_reference(p, opts):
    assert_matches_reference(p, Challenge(**opts))


@FAST
@given(problems(inactive=False), options(), st.randoms(use_true_random=False))
def test_property_actor_permutation(p, opts, rnd):
    perm = list(range(p.n_actors))
    rnd.shuffle(perm)
    q = p.replace(
        actors=tuple(p.actors[k] for k in perm), positions=p.positions[:, perm],
        salience=p.salience[:, perm], capability=p.capability[:, perm],
        active=p.active[:, perm],
    )
    model = Challenge(**opts)
    a, b = model.solve(p), model.solve(q)
    np.testing.assert_allclose(b.history, a.history[:, :, perm], atol=1e-7)
    np.testing.assert_allclose(b.outcome, a.outcome, atol=1e-7)


@FAST
@given(problems(), options(), st.floats(0.01, 1000), st.floats(-1000, 1000))
def test_property_linear_rescaling(p, opts, scale, shift):
    user = p.to_user(p.positions)
    q = Problem.from_arrays(
        positions=user * scale + shift, salience=p.salience, capability=p.capability,
        active=p.active, lower=p.lower * scale + shift, upper=p.upper * scale + shift,
        status_quo=p.to_user(p.status_quo) * scale + shift,
    )
    model = Challenge(**opts)
    a, b = model.solve(p), model.solve(q)
    np.testing.assert_allclose(b.history, a.history, atol=1e-7)
    np.testing.assert_allclose(
        q.to_user(b.outcome), p.to_user(a.outcome) * scale + shift,
        atol=1e-7 * max(1.0, scale * 100),
    )


@FAST
@given(problems(max_draws=4), options())
def test_property_batch_is_loop_and_deterministic(p, opts):
    model = Challenge(**opts)
    batch = model.solve(p)
    again = model.solve(p)
    np.testing.assert_array_equal(batch.history, again.history)
    assert batch.events == again.events
    for d in range(p.n_draws):
        one = model.solve(p.take([d]))
        t = one.history.shape[1]
        np.testing.assert_allclose(batch.history[d, :t], one.history[0], atol=1e-9)
        np.testing.assert_allclose(batch.outcome[d], one.outcome[0], atol=1e-9)
        assert batch.n_rounds[d] == one.n_rounds[0]


@FAST
@given(problems(), options())
def test_property_bounds_unanimity_and_inactive(p, opts):
    model = Challenge(**opts)
    sol = model.solve(p)
    act = p.active[:, None]
    lo = np.where(act, p.positions[:, None], np.inf).min(axis=2)
    hi = np.where(act, p.positions[:, None], -np.inf).max(axis=2)
    # every active actor stays inside the hull of the round-0 positions, and so do median
    # and mean wherever someone is active
    inside = (sol.history >= lo[:, :, None] - 1e-9) & (sol.history <= hi[:, :, None] + 1e-9)
    assert np.all(inside | ~act)
    has = np.isfinite(lo)
    for key in ("median", "mean"):
        v = sol.extra[key]
        assert np.all(np.isfinite(v))
        assert np.all(~has | ((v >= lo - 1e-9) & (v <= hi + 1e-9)))
    # inactive actors keep their input cell
    np.testing.assert_array_equal(
        np.where(act, 0.0, sol.history),
        np.where(act, 0.0, np.broadcast_to(p.positions[:, None], sol.history.shape)),
    )
    # unanimity: everybody at the first active position of each draw and issue
    target = np.where(has[:, 0], lo[:, 0], 50.0)
    same = p.replace(positions=np.broadcast_to(target[:, None, :], p.positions.shape).copy())
    out = model.solve(same)
    np.testing.assert_array_equal(out.outcome, np.where(has[:, 0], target, out.outcome))
