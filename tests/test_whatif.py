"""What-if operations return new, validated scenarios; compare() shows what moved."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from summitry.errors import SummitryError, UnknownNameError, ValidationError
from summitry.io import from_dict
from summitry.scenario import Scenario
from summitry.whatif import (
    apply_changes,
    compare,
    drop_actor,
    merge_actors,
    parse_assignment,
    parse_merge,
    set_value,
)


def scenario(**extra: Any) -> Scenario:
    data: dict[str, Any] = {
        "salience_scale": "0-100",
        "issues": [
            {"id": "ceasefire", "name": "Ceasefire", "status_quo": 10},
            {"id": "arms.control", "lower": 0, "upper": 10},
        ],
        "actors": [
            {"id": "US", "name": "United States", "capability": 3,
             "uncertainty": {"capability": [2, 4]}},
            {"id": "RU", "name": "Russia", "capability": 2, "capability_by_issue":
             {"arms.control": 4}},
            {"id": "UA", "capability": 1, "uncertainty": {"absent": 0.2, "group": "kyiv"}},
            {"id": "EU", "capability": 1},
        ],
        "stances": [
            {"actor": "US", "issue": "ceasefire", "position": 70, "salience": 90,
             "uncertainty": {"position": [50, 90], "salience": [70, 100], "group": "west"}},
            {"actor": "US", "issue": "arms.control", "position": 6, "salience": 50},
            {"actor": "RU", "issue": "ceasefire", "position": 20, "salience": 80},
            {"actor": "RU", "issue": "arms.control", "position": 4, "salience": 60},
            {"actor": "UA", "issue": "ceasefire", "position": 95, "salience": 100},
            {"actor": "EU", "issue": "ceasefire", "position": 80, "salience": 60,
             "uncertainty": {"position": [60, 95], "group": "west"}},
        ],
        "correlations": {"west": 0.5, "kyiv": 0.0},
        "outcomes": [
            {"name": "Deal", "rule": "ceasefire >= 55"},
            {"name": "No deal", "rule": "otherwise"},
        ],
    }
    data.update(extra)
    return from_dict(data)


# --- drop ----------------------------------------------------------------------------------


def test_drop_actor_removes_it_and_its_stances_and_leaves_the_input_alone():
    sc = scenario()
    out = drop_actor(sc, "UA")
    assert out.actor_ids == ("US", "RU", "EU")
    assert all(s.actor != "UA" for s in out.stances)
    assert "kyiv" not in out.correlations and out.correlations["west"] == 0.5
    assert sc.actor_ids == ("US", "RU", "UA", "EU")  # frozen input untouched
    assert drop_actor(sc, "Russia").actor_ids == ("US", "UA", "EU")  # by name
    west_gone = drop_actor(drop_actor(sc, "US"), "EU")
    assert west_gone.correlations == {"kyiv": 0.0}


def test_drop_actor_errors():
    sc = scenario()
    with pytest.raises(UnknownNameError, match=r"unknown actor 'CN'.*US, RU, UA, EU"):
        drop_actor(sc, "CN")
    lone = drop_actor(sc, "US")
    with pytest.raises(SummitryError, match=r"only actor with a stance on 'arms\.control'"):
        drop_actor(lone, "RU")
    single = from_dict({"issues": [{"id": "x"}], "actors": [{"id": "a"}],
                        "stances": [{"actor": "a", "issue": "x", "position": 1,
                                     "salience": 1}]})
    with pytest.raises(SummitryError, match="only actor"):
        drop_actor(single, "a")


# --- set ----------------------------------------------------------------------------------


def test_set_value_position_and_salience_remove_that_uncertainty():
    sc = scenario()
    out = set_value(sc, "US.ceasefire.position", 55)
    st = out.stance("US", "ceasefire")
    assert st is not None and st.position == 55
    assert st.uncertainty is not None and st.uncertainty.position is None
    assert st.uncertainty.salience is not None  # the other field keeps its uncertainty
    out = set_value(sc, "United States.Ceasefire.salience", 40)  # names work too
    st = out.stance("US", "ceasefire")
    assert st is not None and st.salience == 40 and st.uncertainty.salience is None
    # dotted issue ids
    out = set_value(sc, "RU.arms.control.position", 9.5)
    assert out.stance("RU", "arms.control").position == 9.5
    assert sc.stance("US", "ceasefire").position == 70


def test_set_value_capability_overall_and_per_issue():
    sc = scenario()
    out = set_value(sc, "US.capability", 5)
    assert out.actor("US").capability == 5
    assert out.actor("US").uncertainty.capability is None
    out = set_value(sc, "RU.capability", 1)
    assert out.actor("RU").capability_on("arms.control") == 4  # override stays
    out = set_value(sc, "RU.ceasefire.capability", 7)
    assert out.actor("RU").capability_on("ceasefire") == 7
    assert out.actor("RU").capability_on("arms.control") == 4


@pytest.mark.parametrize(("path", "value", "error", "match"), [
    ("CN.ceasefire.position", 5, UnknownNameError, "unknown actor 'CN'"),
    ("US.trade.position", 5, UnknownNameError, "unknown issue 'trade'.*ceasefire"),
    ("US.ceasefire.weight", 5, UnknownNameError, "unknown field 'weight'.*position"),
    ("US.salience", 5, SummitryError, "ACTOR.ISSUE.salience"),
    ("CN.capability", 5, UnknownNameError, "unknown actor"),
    ("UA.arms.control.position", 5, SummitryError, "no stance on 'arms.control'"),
    ("US.ceasefire.position", 150, ValidationError, "outside the scale"),
    ("US.ceasefire.salience", 101, ValidationError, "above 100"),
    ("US.capability", -1, ValidationError, "capability"),
    ("US.ceasefire.position", float("nan"), SummitryError, "finite"),
    ("position", 1, SummitryError, "ACTOR.ISSUE.FIELD"),
])
def test_set_value_errors(path, value, error, match):
    with pytest.raises(error, match=match):
        set_value(scenario(), path, value)


# --- merge ----------------------------------------------------------------------------------


def test_merge_actors_pools_capability_and_weights_positions():
    sc = scenario()
    out = merge_actors(sc, ["US", "Russia"], "G2")
    assert out.actor_ids == ("G2", "UA", "EU")
    g2 = out.actor("G2")
    assert g2.capability == 5 and g2.uncertainty is None
    assert g2.name == "United States + Russia"
    # arms control: US 3 (no override), RU 4 (override) → 7 there
    assert g2.capability_on("arms.control") == 7
    cf = out.stance("G2", "ceasefire")
    assert cf is not None and cf.uncertainty is None
    assert cf.position == pytest.approx((3 * 90 * 70 + 2 * 80 * 20) / (3 * 90 + 2 * 80))
    assert cf.salience == 90
    ac = out.stance("G2", "arms.control")
    assert ac.position == pytest.approx((3 * 50 * 6 + 4 * 60 * 4) / (3 * 50 + 4 * 60))
    assert ac.salience == 60
    # EU's group 'west' survives (EU still names it); nobody else changed
    assert out.correlations["west"] == 0.5
    assert out.stance("EU", "ceasefire") == sc.stance("EU", "ceasefire")


def test_merge_counts_only_members_with_a_stance_on_an_issue():
    out = merge_actors(scenario(), ["RU", "UA"], "East", name="Eastern bloc")
    east = out.actor("East")
    assert east.name == "Eastern bloc" and east.capability == 3
    assert east.capability_on("arms.control") == 4  # UA has no stance there
    assert out.actor_ids == ("US", "East", "EU")
    assert "kyiv" not in out.correlations


def test_merge_errors_and_zero_weights():
    sc = scenario()
    with pytest.raises(SummitryError, match="at least two"):
        merge_actors(sc, ["US", "United States"], "X")
    with pytest.raises(SummitryError, match="already exists"):
        merge_actors(sc, ["US", "RU"], "EU")
    with pytest.raises(UnknownNameError):
        merge_actors(sc, ["US", "CN"], "X")
    assert merge_actors(sc, ["US", "RU"], "US").actor("US").capability == 5
    zero = from_dict({"issues": [{"id": "x"}],
                      "actors": [{"id": "a", "capability": 0}, {"id": "b", "capability": 0},
                                 {"id": "c"}],
                      "stances": [{"actor": k, "issue": "x", "position": p, "salience": 1}
                                  for k, p in (("a", 10), ("b", 30), ("c", 90))]})
    assert merge_actors(zero, ["a", "b"], "ab").stance("ab", "x").position == 20


# --- parsing and apply ------------------------------------------------------------------------


def test_parse_assignment_and_merge():
    assert parse_assignment("China.sanctions.salience=0.9") == ("China.sanctions.salience", 0.9)
    for bad in ("China.sanctions.salience", "=3", "a.b.position=high", "a.b.position=inf"):
        with pytest.raises(SummitryError, match="--set"):
            parse_assignment(bad)
    assert parse_merge("A+B+C=ABC") == (["A", "B", "C"], "ABC")
    for bad in ("A+B", "A=X", "A+B=", "+=X"):
        with pytest.raises(SummitryError, match="--merge"):
            parse_merge(bad)


def test_apply_changes_order_and_description():
    sc = scenario()
    out, changes = apply_changes(sc, drop=["UA"], merge=["US+EU=West"],
                                 assign=["West.ceasefire.salience=95", ("RU.capability", 2.5)])
    assert changes == ["drop UA", "merge US + EU = West", "set West.ceasefire.salience = 95",
                       "set RU.capability = 2.5"]
    assert out.actor_ids == ("West", "RU")
    assert out.stance("West", "ceasefire").salience == 95
    assert out.actor("RU").capability == 2.5


# --- compare ---------------------------------------------------------------------------------


def test_compare_point_forecast():
    sc = scenario()
    changed = drop_actor(sc, "UA")
    w = compare(sc, changed, ["compromise", "median"], changes=["drop UA"])
    frame = w.issue_frame()
    assert list(frame.columns) == ["model", "issue", "name", "base", "whatif", "change"]
    assert len(frame) == 4
    np.testing.assert_allclose(frame["change"], frame["whatif"] - frame["base"])
    arms = frame[(frame.model == "compromise") & (frame.issue == "arms.control")]
    assert float(arms["change"].iloc[0]) == 0.0  # UA has no stance on arms control
    cf = frame[(frame.model == "compromise") & (frame.issue == "ceasefire")]
    assert float(cf["change"].iloc[0]) < 0  # the most dovish actor left
    doc = w.to_dict()
    assert doc["changes"] == ["drop UA"] and doc["draws"] == 1
    assert {i["id"] for i in doc["issues"]} == {"ceasefire", "arms.control"}
    assert set(doc["issues"][0]["models"]) == {"compromise", "median"}
    names = [o["name"] for o in doc["outcomes"]]
    assert names == ["Deal", "No deal"]
    assert sum(o["base"] for o in doc["outcomes"]) == pytest.approx(1)
    assert sum(o["whatif"] for o in doc["outcomes"]) == pytest.approx(1)


def test_compare_monte_carlo_uses_common_random_numbers():
    sc = scenario()
    changed = set_value(sc, "RU.arms.control.position", 9)
    w = compare(sc, changed, ["compromise"], draws=3000, seed=8)
    base, new = w.base["compromise"].outcome, w.changed["compromise"].outcome
    # the ceasefire draws do not depend on a change on another issue: identical
    np.testing.assert_array_equal(base[:, 0], new[:, 0])
    assert np.all(new[:, 1] > base[:, 1])
    oc = w.outcome_frame()
    assert set(oc["model"]) == {"compromise", "combined"}
    for _, grp in oc.groupby("model"):
        assert grp["base"].sum() == pytest.approx(1) and grp["whatif"].sum() == pytest.approx(1)
    np.testing.assert_allclose(oc["change"], 0.0)  # ceasefire decides the named outcome


def test_compare_without_named_outcomes():
    sc = scenario(outcomes=[])
    w = compare(sc, drop_actor(sc, "EU"), "compromise")
    assert w.outcome_frame().empty
    assert "outcomes" not in w.to_dict()
