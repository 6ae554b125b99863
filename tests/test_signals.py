"""Bayesian signal updates: hand-computed values, groups, absence, the log and atomic writes."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.errors import InputError, SummitryError, UnknownNameError
from summitry.io import load
from summitry.scenario import Signal
from summitry.signals import (
    current_probabilities,
    evidence_matrix,
    history,
    record,
    starting_prior,
    update,
)

PRIOR = {"A": 0.5, "B": 0.3, "C": 0.2}
DAY = dt.date(2025, 8, 10)


def sig(sid: str, lik: tuple[float, float, float], status: str = "observed",
        group: str | None = None) -> Signal:
    return Signal(id=sid, text=sid, status=status, group=group,
                  likelihoods=dict(zip("ABC", lik, strict=True)))


# --- the arithmetic, by hand -------------------------------------------------------------------


def test_observed_signal_hand_computed():
    # 0.5·0.8 = 0.40, 0.3·0.4 = 0.12, 0.2·0.1 = 0.02; Σ = 0.54
    r = update(PRIOR, [sig("s", (0.8, 0.4, 0.1))], date=DAY)
    assert r.posterior == pytest.approx({"A": 0.40 / 0.54, "B": 0.12 / 0.54, "C": 0.02 / 0.54})
    (entry,) = r.updates
    assert entry.signal == "s" and entry.status == "observed" and entry.date == DAY
    assert entry.prior == pytest.approx(PRIOR)
    assert entry.posterior == pytest.approx(r.posterior)


def test_absence_is_evidence():
    # absent: 1 − L = (0.2, 0.6, 0.9): 0.10, 0.18, 0.18; Σ = 0.46
    r = update(PRIOR, [sig("s", (0.8, 0.4, 0.1), "absent")])
    assert r.posterior == pytest.approx({"A": 0.10 / 0.46, "B": 0.18 / 0.46, "C": 0.18 / 0.46})
    assert r.posterior["A"] < PRIOR["A"]
    assert r.updates[0].status == "absent"


def test_unknown_status_does_not_update():
    r = update(PRIOR, [sig("s", (0.8, 0.4, 0.1), "unknown")])
    assert r.posterior == pytest.approx(PRIOR) and r.updates == ()


def test_two_independent_signals_multiply():
    # (0.8, 0.4, 0.1) × (0.5, 0.5, 0.25) = (0.4, 0.2, 0.025) × prior = 0.2, 0.06, 0.005
    r = update(PRIOR, [sig("s", (0.8, 0.4, 0.1)), sig("t", (0.5, 0.5, 0.25))])
    total = 0.2 + 0.06 + 0.005
    assert r.posterior == pytest.approx({"A": 0.2 / total, "B": 0.06 / total,
                                         "C": 0.005 / total})
    assert r.updates[1].prior == pytest.approx(r.updates[0].posterior)


def test_group_counts_once_geometric_mean():
    # geometric mean of (0.8, 0.4, 0.1) and (0.2, 0.4, 0.4) = (0.4, 0.4, 0.2)
    # prior × = 0.2, 0.12, 0.04; Σ = 0.36
    r = update(PRIOR, [sig("s", (0.8, 0.4, 0.1), group="g"),
                       sig("t", (0.2, 0.4, 0.4), group="g")])
    assert r.posterior == pytest.approx({"A": 0.2 / 0.36, "B": 0.12 / 0.36, "C": 0.04 / 0.36})
    assert "group g" in r.updates[1].note and r.updates[0].note == ""


def test_duplicate_signals_in_a_group_are_one_signal():
    one = update(PRIOR, [sig("s", (0.8, 0.4, 0.1))]).posterior
    grouped = update(PRIOR, [sig("s", (0.8, 0.4, 0.1), group="g"),
                             sig("t", (0.8, 0.4, 0.1), group="g"),
                             sig("u", (0.8, 0.4, 0.1), group="g")]).posterior
    ungrouped = update(PRIOR, [sig("s", (0.8, 0.4, 0.1)), sig("t", (0.8, 0.4, 0.1))]).posterior
    assert grouped == pytest.approx(one)
    assert ungrouped["A"] > one["A"]  # counted twice without a group


def test_certain_signal_absent_rules_outcome_out():
    r = update(PRIOR, [sig("s", (1.0, 0.5, 0.5), "absent")])
    assert r.posterior["A"] == 0.0
    assert r.posterior["B"] == pytest.approx(0.6)


def test_zero_prior_stays_zero():
    r = update({"A": 0.0, "B": 0.5, "C": 0.5}, [sig("s", (0.9, 0.1, 0.1))])
    assert r.posterior["A"] == 0.0 and r.posterior["B"] == pytest.approx(0.5)


def test_impossible_evidence_is_an_error():
    with pytest.raises(SummitryError, match="impossible under every outcome"):
        update({"A": 1.0, "B": 0.0, "C": 0.0}, [sig("s", (1.0, 0.5, 0.5), "absent")])


@pytest.mark.parametrize(
    ("signal", "error", "needle"),
    [
        (Signal(id="s", text="s", status="observed",
                likelihoods={"A": 0.5, "B": 0.5, "C": 0.5, "D": 0.5}),
         UnknownNameError, "unknown outcome in signal 's' 'D'"),
        (Signal(id="s", text="s", status="observed", likelihoods={"A": 0.5, "B": 0.5}),
         SummitryError, "no likelihood for outcome.*'C'"),
        (Signal(id="s", text="s", status="observed", likelihoods={}), SummitryError,
         "has no likelihoods"),
    ],
)
def test_bad_signals(signal, error, needle):
    with pytest.raises(error, match=needle):
        update(PRIOR, [signal])


@pytest.mark.parametrize(
    ("prior", "needle"),
    [({"A": 0.5, "B": 0.6, "C": 0.2}, "sum to 1"), ({"A": -0.1, "B": 0.9, "C": 0.2}, "≥ 0"),
     ({}, "names no outcomes"), ({"A": math.nan, "B": 0.5, "C": 0.5}, "finite")],
)
def test_bad_priors(prior, needle):
    with pytest.raises(SummitryError, match=needle):
        update(prior, [sig("s", (0.5, 0.5, 0.5))])


def test_same_signal_twice_is_an_error():
    s = sig("s", (0.8, 0.4, 0.1))
    with pytest.raises(SummitryError, match="applied twice"):
        update(PRIOR, [s, s])


lik = st.floats(0.01, 1.0)
signals_st = st.lists(
    st.tuples(st.tuples(lik, lik, lik), st.sampled_from(["observed", "absent", "unknown"]),
              st.sampled_from([None, "g1", "g2"])),
    min_size=1, max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(signals_st, st.randoms(use_true_random=False))
def test_order_does_not_change_the_posterior(specs, rnd):
    sigs = [sig(f"s{k}", tuple(min(x, 0.99) for x in li), status, group)
            for k, (li, status, group) in enumerate(specs)]
    a = update(PRIOR, sigs).posterior
    shuffled = list(sigs)
    rnd.shuffle(shuffled)
    b = update(PRIOR, shuffled).posterior
    assert a == pytest.approx(b, abs=1e-9)
    assert sum(a.values()) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in a.values())


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 1.0), st.sampled_from(["observed", "absent"]))
def test_non_diagnostic_signal_changes_nothing(p, status):
    if status == "absent" and p == 1.0:
        return
    r = update(PRIOR, [sig("s", (p, p, p), status)])
    assert r.posterior == pytest.approx(PRIOR)


# --- scenario files ----------------------------------------------------------------------------

SCENARIO = """
schema: summitry/1
id: tiny
meta: {title: Tiny summit}
issues:
  - {id: deal, name: Ceasefire deal}
actors: [{id: us, capability: 1}, {id: ru, capability: 1}]
stances:
  - {actor: us, issue: deal, position: 80, salience: 0.8}
  - {actor: ru, issue: deal, position: 40, salience: 0.8}
outcomes:
  - {name: A, rule: deal >= 70}
  - {name: B, rule: deal >= 50}
  - {name: C, rule: otherwise}
signals:
  - {id: s, text: Troops pull back, group: military, likelihoods: {A: 0.8, B: 0.4, C: 0.1}}
  - {id: t, text: Patrols restrained, group: military, likelihoods: {A: 0.2, B: 0.4, C: 0.4}}
  - {id: u, text: Sanctions hint, likelihoods: {A: 0.5, B: 0.5, C: 0.25}}
reference:
  mapping: {binding_agreement_signed: A, joint_statement_only: B, no_agreement: C}
  precedents: [Geneva 1985]
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    return path


def test_record_appends_and_keeps_earlier_entries(tiny):
    sc = record(tiny, "s", note="ISW", date=DAY, prior=PRIOR)
    assert sc.updates[-1].posterior == pytest.approx(
        {"A": 0.40 / 0.54, "B": 0.12 / 0.54, "C": 0.02 / 0.54})
    sc2 = record(tiny, "u", date=DAY + dt.timedelta(days=1))
    assert len(sc2.updates) == 2
    assert sc2.updates[0] == sc.updates[0]
    assert sc2.updates[1].prior == pytest.approx(sc.updates[0].posterior)
    assert sc2.updates[0].note == "ISW"
    reloaded = load(tiny)
    assert reloaded.updates == sc2.updates
    assert {s.id: s.status for s in reloaded.signals} == {"s": "observed", "t": "unknown",
                                                          "u": "observed"}
    # the final posterior equals one update of the prior with both signals
    direct = update(PRIOR, [s for s in reloaded.signals if s.status != "unknown"])
    assert reloaded.updates[-1].posterior == pytest.approx(direct.posterior)
    # history replays the log from the prior
    hist = history(reloaded, PRIOR)
    assert [h.signal for h in hist] == ["s", "u"]
    assert [h.date for h in hist] == [DAY, DAY + dt.timedelta(days=1)]
    assert hist[-1].posterior == pytest.approx(reloaded.updates[-1].posterior)


def test_record_group_counts_once(tiny):
    record(tiny, "s", date=DAY, prior=PRIOR)
    sc = record(tiny, "t", date=DAY)
    assert sc.updates[-1].posterior == pytest.approx(
        {"A": 0.2 / 0.36, "B": 0.12 / 0.36, "C": 0.04 / 0.36})
    assert "geometric mean of 2 signals" in sc.updates[-1].note


def test_record_absent_and_re_record(tiny):
    record(tiny, "s", date=DAY, prior=PRIOR)
    sc = record(tiny, "s", absent=True, date=DAY)  # the analyst corrects the observation
    assert [u.status for u in sc.updates] == ["observed", "absent"]
    assert sc.updates[-1].posterior == pytest.approx(
        {"A": 0.10 / 0.46, "B": 0.18 / 0.46, "C": 0.18 / 0.46})


def test_record_default_prior_from_models_and_base_rates(tiny):
    sc = load(tiny)
    p0 = starting_prior(sc, "compromise", draws=1)
    # compromise: (80·0.8 + 40·0.8) / 1.6 = 60 → outcome B; pooled with 0.3 × base rates
    assert p0 == pytest.approx({"A": 0.3 * 14 / 39, "B": 0.7 + 0.3 * 18 / 39,
                                "C": 0.3 * 7 / 39})
    assert current_probabilities(sc, "compromise", draws=1) == pytest.approx(p0)
    # no uncertainty block: every draw is the same, so the default draws need no sampling
    assert starting_prior(sc, "compromise") == pytest.approx(p0)
    out = record(tiny, "u", date=DAY, models="compromise", draws=1)
    assert out.updates[-1].prior == pytest.approx(p0)
    assert current_probabilities(out) == pytest.approx(out.updates[-1].posterior)


def test_marked_signals_without_log_enter_the_current_belief(tmp_path):
    path = tmp_path / "marked.yaml"
    path.write_text(SCENARIO.replace("{id: u, text: Sanctions hint,",
                                     "{id: u, text: Sanctions hint, status: observed,"))
    sc = load(path)
    p0 = starting_prior(sc, "compromise", draws=1)
    expected = update(p0, [sc.signals[2]]).posterior
    assert current_probabilities(sc, "compromise", draws=1) == pytest.approx(expected)


def test_record_is_atomic(tiny, monkeypatch):
    record(tiny, "s", date=DAY, prior=PRIOR)
    before = tiny.read_bytes()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        record(tiny, "u", date=DAY)
    assert tiny.read_bytes() == before
    assert sorted(p.name for p in tiny.parent.iterdir()) == ["tiny.yaml"]  # no temp file left


def test_record_detects_a_concurrent_change(tiny, monkeypatch):
    import summitry.signals as mod

    real = mod.current_probabilities

    def meddle(*args, **kwargs):
        tiny.write_text(tiny.read_text() + "\n# edited meanwhile\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(mod, "current_probabilities", meddle)
    with pytest.raises(SummitryError, match="changed while"):
        record(tiny, "s", date=DAY, models="compromise", draws=1)
    assert "edited meanwhile" in tiny.read_text()


def test_record_json_file(tmp_path):
    import json

    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(yaml.safe_load(SCENARIO)))
    record(path, "s", date=DAY, prior=PRIOR)
    doc = json.loads(path.read_text())
    assert doc["updates"][0]["signal"] == "s"


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("case.txt", "#A;us;United States\n#P;deal;Deal\n#M;deal;0;no\n#M;deal;100;yes\n"
         "#D;us;deal;50;0.5;1\n", "decide"),
        ("case.csv", "Case,desc,2,1\nActor,Description,Power,Pstn1,Sal1\nus,x,1,50,50\n"
         "ru,y,1,40,50\n", "ktab-csv"),
    ],
)
def test_record_refuses_other_formats(tmp_path, name, content, fmt):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SummitryError, match=f"this is a {fmt} file.*summitry convert"):
        record(path, "s")
    assert path.read_text() == content


def test_record_unknown_signal(tiny):
    before = tiny.read_bytes()
    with pytest.raises(UnknownNameError, match="unknown signal 'nope'; expected one of: s, t, u"):
        record(tiny, "nope", prior=PRIOR)
    assert tiny.read_bytes() == before


def test_likelihood_outside_range_rejected_on_load(tmp_path):
    for bad in ("0", "1.5", "-0.2"):
        path = tmp_path / f"bad{bad}.yaml"
        path.write_text(SCENARIO.replace("{A: 0.5, B: 0.5, C: 0.25}",
                                         f"{{A: {bad}, B: 0.5, C: 0.25}}"))
        with pytest.raises(InputError, match=r"must be in \(0, 1\]"):
            load(path)


def test_signal_with_unknown_outcome_rejected_on_load(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("{A: 0.5, B: 0.5, C: 0.25}",
                                     "{A: 0.5, B: 0.5, C: 0.25, Coup: 0.1}"))
    with pytest.raises(InputError, match="unknown outcome 'Coup'"):
        load(path)


def test_history_prior_must_match_outcomes(tiny):
    with pytest.raises(UnknownNameError):
        history(load(tiny), {"A": 0.5, "B": 0.5, "Z": 0.0})


# --- the ACH matrix ----------------------------------------------------------------------------


def test_evidence_matrix(tiny):
    record(tiny, "u", absent=True, date=DAY, prior=PRIOR)
    m = evidence_matrix(load(tiny))
    assert list(m.index) == ["s", "t", "u"]
    assert list(m.columns) == ["text", "group", "status", "A", "B", "C", "diagnosticity",
                               "diagnosticity_absent"]
    assert m.loc["s", "A"] == 0.8 and m.loc["s", "group"] == "military"
    assert m.loc["s", "diagnosticity"] == pytest.approx(8.0)  # 0.8 / 0.1
    assert m.loc["s", "diagnosticity_absent"] == pytest.approx(0.9 / 0.2)
    assert m.loc["t", "diagnosticity"] == pytest.approx(2.0)
    assert m.loc["u", "status"] == "absent"
    assert not np.any(np.isnan(m[["A", "B", "C", "diagnosticity"]].to_numpy()))


def test_evidence_matrix_certain_signal():
    from summitry.scenario import Scenario

    data = yaml.safe_load(SCENARIO)
    data["signals"] = [{"id": "x", "text": "x", "likelihoods": {"A": 1.0, "B": 0.5, "C": 0.5}}]
    m = evidence_matrix(Scenario.model_validate(data))
    assert m.loc["x", "diagnosticity"] == pytest.approx(2.0)
    assert math.isinf(m.loc["x", "diagnosticity_absent"])


def test_starting_prior_from_monte_carlo(tmp_path):
    data = yaml.safe_load(SCENARIO)
    data["stances"][0]["uncertainty"] = {"position": [60, 95]}
    data["stances"][1]["uncertainty"] = {"position": [20, 70]}
    path = tmp_path / "mc.yaml"
    path.write_text(yaml.safe_dump(data))
    sc = load(path)
    p = starting_prior(sc, "compromise", draws=500, seed=3)
    assert p == starting_prior(sc, "compromise", draws=500, seed=3)  # the seed fixes it
    assert sum(p.values()) == pytest.approx(1.0)
    # every outcome keeps at least the base-rate share 0.3 × rate (Cromwell's rule)
    assert p["C"] >= 0.3 * 7 / 39 - 1e-12 and p["A"] >= 0.3 * 14 / 39 - 1e-12
    model_a = (p["A"] - 0.3 * 14 / 39) / 0.7
    assert 0.0 < model_a < 1.0  # a genuine Monte Carlo share, not a point classification
