"""The chart specs: valid Vega-Lite, the right data, and user text only as data."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from summitry.forecast import Forecast
from summitry.report import charts
from summitry.report.data import (
    combined_issue_forecast,
    positions_frame,
    probability_history_frame,
    tornado_frames,
    weighted_quantiles,
)
from summitry.report.render import chart_svg
from summitry.scenario import Scenario

from ._report_fixtures import EVIL, EVIL_IMG, EVIL_SCRIPT


def datasets(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def walk(node: Any, key: str = "") -> list[tuple[str, Any]]:
    out = [(key, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += walk(v, k)
    elif isinstance(node, list):
        for v in node:
            out += walk(v, key)
    return out


def test_position_map_marks_actors_forecast_and_interval(scenario: Scenario,
                                                         point_forecast: Forecast) -> None:
    spec = charts.position_map(point_forecast, "ceasefire").to_dict()
    rows = datasets(spec)
    actors = {r["actor"] for r in rows if "actor" in r}
    assert actors == {"United States", "Russia", "Ukraine", "NATO members", "China",
                      "Gulf energy producers", "Global South"}
    us = next(r for r in rows if r.get("actor") == "United States")
    assert us["weight"] == pytest.approx(100 * 0.9)  # capability × salience
    comb = combined_issue_forecast(point_forecast)[0]
    forecast_rows = [r for r in rows if "interval" in r]
    assert forecast_rows[0]["point"] == pytest.approx(comb.point)
    assert forecast_rows[0]["low"] <= comb.point <= forecast_rows[0]["high"]
    text = json.dumps(spec)
    assert '"field": "weight"' in text  # marker size
    assert "ceasefire with peacekeepers" in text  # anchor labels on the scale
    assert "status quo" in text


def test_every_chart_is_valid_vega_lite_and_draws(scenario: Scenario, mc_forecast: Forecast,
                                                  point_forecast: Forecast) -> None:
    specs = {
        "position": charts.position_map(mc_forecast, "sanctions"),
        "distribution_mc": charts.outcome_distribution(mc_forecast, "sanctions"),
        "distribution_point": charts.outcome_distribution(point_forecast, "sanctions"),
        "trajectory": charts.trajectories(point_forecast, "fakeplay"),
        "outcomes": charts.outcome_probabilities(mc_forecast),
        "history": charts.probability_history(scenario),
        "comparison": charts.model_comparison(mc_forecast),
        "tornado": charts.tornado(tornado_frames(scenario, point_forecast)["ceasefire"],
                                  issue_label="Ukraine ceasefire"),
    }
    for name, chart in specs.items():
        assert chart is not None, name
        svg = chart_svg(chart.to_dict())  # to_dict validates against the schema
        assert svg.count("<path") + svg.count("<line") + svg.count("<rect") > 5, name


def test_static_models_have_no_trajectory(point_forecast: Forecast) -> None:
    assert charts.trajectories(point_forecast, "compromise") is None


def test_distribution_shares_sum_to_one(mc_forecast: Forecast) -> None:
    spec = charts.outcome_distribution(mc_forecast, "ceasefire").to_dict()
    frame = pd.DataFrame([r for r in datasets(spec) if "share" in r])
    for _, part in frame.groupby("model"):
        assert part["share"].sum() == pytest.approx(1.0)


def test_outcome_probability_bars(mc_forecast: Forecast) -> None:
    spec = charts.outcome_probabilities(mc_forecast).to_dict()
    frame = pd.DataFrame([r for r in datasets(spec) if "probability" in r])
    for _, part in frame.groupby("model"):
        assert part["probability"].sum() == pytest.approx(1.0)
    combined = frame[frame["model"] == "combined"].set_index("outcome")["probability"]
    assert combined.to_dict() == pytest.approx(mc_forecast.outcome_probabilities())


def test_probability_history_follows_the_update_log(scenario: Scenario) -> None:
    frame = probability_history_frame(scenario)
    assert list(dict.fromkeys(frame["label"])) == ["start", "1. 10 Aug", "2. 12 Aug"]
    last = frame[frame["step"] == 2].set_index("outcome")["probability"]
    assert last.to_dict() == pytest.approx(dict(scenario.updates[-1].posterior))
    spec = charts.probability_history(scenario).to_dict()
    assert "Russia has slowed some offensive operations" in json.dumps(spec)


def test_no_history_without_updates(scenario: Scenario) -> None:
    assert charts.probability_history(scenario.evolve(updates=())) is None


def test_user_text_is_only_data_in_specs(evil: Scenario, evil_forecast: Forecast) -> None:
    """Hostile names appear as data values — never in an expression, field name or
    markup-bearing property of the spec."""
    chart_list = [charts.position_map(evil_forecast, "ceasefire"),
                  charts.outcome_distribution(evil_forecast, "ceasefire"),
                  charts.trajectories(evil_forecast, "fakeplay"),
                  charts.model_comparison(evil_forecast),
                  charts.probability_history(evil)]
    seen = False
    for chart in chart_list:
        assert chart is not None
        spec = chart.to_dict()
        for key, value in walk(spec):
            if not isinstance(value, str):
                continue
            if key in ("expr", "labelExpr", "calculate", "test", "filter", "field", "href",
                       "url", "signal", "update"):
                assert "Evil" not in value and "<" not in value, (key, value)
        seen = seen or any(EVIL_SCRIPT in str(v) for row in datasets(spec)
                           for v in row.values())
    assert seen
    # and vl-convert draws the hostile name as escaped SVG text
    svg = chart_svg(charts.position_map(evil_forecast, "ceasefire").to_dict())
    assert EVIL_IMG not in svg and "<script" not in svg
    assert "&lt;img" in svg or "&lt;/script&gt;" in svg
    assert EVIL.split()[0] in svg


def test_positions_frame_and_weighted_quantiles(scenario: Scenario) -> None:
    pf = positions_frame(scenario)
    assert len(pf) == len(scenario.stances)
    assert (pf["weight"] == pf["capability"] * pf["salience"]).all()
    v = np.array([0.0, 10.0, 20.0, 30.0])
    w = np.array([1.0, 1.0, 1.0, 1.0])
    assert weighted_quantiles(v, w, [0.5]).tolist() == [15.0]
    # weight moves the median
    assert weighted_quantiles(v, np.array([0.1, 0.1, 0.1, 3.0]), [0.5])[0] > 25


def test_tornado_frames_rank_by_swing(scenario: Scenario, point_forecast: Forecast) -> None:
    frames = tornado_frames(scenario, point_forecast)
    assert set(frames) <= set(scenario.issue_ids) and "ceasefire" in frames
    f = frames["ceasefire"]
    swing = (f["high"] - f["low"]).abs().to_numpy()
    assert (np.diff(swing) <= 1e-12).all()
    assert f["input"].iloc[0].startswith(("United States", "Russia", "NATO", "Ukraine"))


def test_history_replays_marked_signals_without_a_log(scenario: Scenario,
                                                      point_forecast: Forecast) -> None:
    from summitry.report.data import history_updates, outcome_summary

    bare = scenario.evolve(updates=())
    summary = outcome_summary(bare, point_forecast)
    assert summary is not None and summary.basis == "signals"
    ups = history_updates(bare, summary.prior)
    marked = [s.id for s in bare.signals if s.status != "unknown"]
    assert [u.signal for u in ups] == marked
    assert ups[-1].posterior == pytest.approx(summary.current)
    assert ups[0].prior == pytest.approx(summary.prior)
    chart = charts.probability_history(bare, updates=ups)
    assert chart is not None
    # with a log, the log wins
    assert history_updates(scenario, summary.prior) == scenario.updates
