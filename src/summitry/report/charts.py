"""Altair (Vega-Lite) charts of a forecast, shared by the report, the briefing and the web app.

Every function takes the scenario/forecast (or a tidy frame from
:mod:`summitry.report.data`) and returns an Altair chart; ``chart.to_dict()`` gives the
Vega-Lite spec the HTML report embeds and the web app serves, and
:func:`summitry.report.render.chart_svg` turns it into SVG/PNG without a browser
(vl-convert).

- :func:`position_map` — one issue: every actor on the issue's labelled scale, marker area
  proportional to capability × salience (the actor's weight in the compromise model), the
  status quo, the combined forecast with its interval, and each model's forecast below.
- :func:`outcome_distribution` — one issue: the share of Monte Carlo draws per bin, per
  model (with one draw: each model's point forecast).
- :func:`trajectories` — a dynamic model's positions round by round (draw 0) and the
  forecast after each round, one panel per issue.
- :func:`outcome_probabilities` — P(named outcome) per model and combined.
- :func:`probability_history` — the named-outcome probabilities through the update log,
  with the signal behind each step in the tooltip.
- :func:`tornado` — one-at-a-time sensitivity: the outcome of an issue when one input is
  set to its low and to its high value.
- :func:`model_comparison` — every model's forecast and interval per issue.

User text (actor, issue and outcome names, anchor labels, signal texts, notes) enters the
specs only as *data values*: it is drawn as SVG text or shown in vega-tooltip, which
escapes HTML. It is never used as a field name, an expression or markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from summitry.report.data import (
    combined_issue_forecast,
    draws_histogram_frame,
    model_comparison_frame,
    outcome_probability_frame,
    positions_frame,
    probability_history_frame,
    trajectory_frame,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from summitry.forecast import Forecast
    from summitry.scenario import Scenario, SignalUpdate

__all__ = [
    "ChartLike",
    "model_comparison",
    "outcome_distribution",
    "outcome_probabilities",
    "position_map",
    "probability_history",
    "tornado",
    "trajectories",
]

ChartLike = alt.Chart | alt.LayerChart | alt.VConcatChart | alt.HConcatChart | alt.FacetChart

WIDTH = 560
FORECAST = "#c0392b"
ACTOR = "#2c6fad"
STATUS_QUO = "#7f7f7f"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


def _finish(chart: ChartLike) -> ChartLike:
    """Shared look: font, no view border."""
    out: ChartLike = chart.configure(font=FONT).configure_view(stroke=None).configure_title(
        anchor="start")
    return out


def _x_scale(lower: float, upper: float) -> alt.Scale:
    return alt.Scale(domain=[lower, upper], nice=False, zero=False)


def _axis_title(label: str, units: str) -> str:
    return f"{label} ({units})" if units else label


def position_map(forecast: Forecast, issue: str, *, width: int = WIDTH) -> ChartLike:
    """Actors on one issue's scale with the forecast marked (see the module docstring)."""
    sc = forecast.scenario
    iss = sc.issue(issue)
    k = sc.issue_ids.index(iss.id)
    pf = positions_frame(sc)
    pf = pf[pf["issue_id"] == iss.id].sort_values("position", kind="stable")
    order = list(dict.fromkeys(pf["actor"]))
    comb = combined_issue_forecast(forecast)[k]
    xs = _x_scale(iss.lower, iss.upper)
    x_title = _axis_title(iss.label, iss.units)
    fc = pd.DataFrame([{
        "point": comb.point, "low": comb.low, "high": comb.high, "interval": comb.interval,
        "label": iss.anchor_label(comb.point),
    }])
    band = alt.Chart(fc).mark_rect(color=FORECAST, opacity=0.12).encode(
        x=alt.X("low:Q", scale=xs, title=x_title), x2="high:Q",
        tooltip=[alt.Tooltip("low:Q", format=".3~f", title="from"),
                 alt.Tooltip("high:Q", format=".3~f", title="to"),
                 alt.Tooltip("interval:N", title="interval")],
    )
    rule = alt.Chart(fc).mark_rule(color=FORECAST, strokeWidth=2.5).encode(
        x=alt.X("point:Q", scale=xs),
        tooltip=[alt.Tooltip("point:Q", format=".3~f", title="forecast (all models)"),
                 alt.Tooltip("label:N", title="nearest anchor")],
    )
    points = alt.Chart(pf).mark_circle(opacity=0.85, color=ACTOR, stroke="white",
                                       strokeWidth=1).encode(
        x=alt.X("position:Q", scale=xs, title=x_title),
        y=alt.Y("actor:N", sort=order, title=None, axis=alt.Axis(labelLimit=180)),
        size=alt.Size("weight:Q", scale=alt.Scale(range=[40, 900], zero=True),
                      legend=alt.Legend(title="capability × salience", orient="bottom")),
        tooltip=[alt.Tooltip("actor:N", title="actor"),
                 alt.Tooltip("position:Q", format=".3~f"),
                 alt.Tooltip("label:N", title="nearest anchor"),
                 alt.Tooltip("salience:Q", format=".2f"),
                 alt.Tooltip("capability:Q", format=".3~f"),
                 alt.Tooltip("source:N", title="source")],
    )
    layers: list[alt.Chart] = [band, rule]
    if iss.status_quo is not None:
        sq = pd.DataFrame([{"value": iss.status_quo, "what": "status quo"}])
        layers.append(alt.Chart(sq).mark_rule(color=STATUS_QUO, strokeDash=[4, 3]).encode(
            x=alt.X("value:Q", scale=xs),
            tooltip=[alt.Tooltip("what:N", title=" "),
                     alt.Tooltip("value:Q", format=".3~f")],
        ))
    layers.append(points)
    main = alt.layer(*layers).properties(width=width, height=max(28 * len(order), 80))

    panels: list[ChartLike] = []
    if iss.anchors:
        panels.append(_anchor_strip(iss.anchors, iss.lower, iss.upper, width))
    panels.append(main)
    panels.append(_model_strip(forecast, k, xs, width))
    chart = alt.vconcat(*panels, spacing=6).properties(
        title=alt.Title(iss.label, subtitle=_position_subtitle(comb.interval, forecast)),
    ).resolve_scale(x="shared")
    return _finish(chart)


def _position_subtitle(interval: str, forecast: Forecast) -> str:
    what = "shaded: 90% interval of all models' draws" if forecast.draws > 1 else (
        "shaded: range of the models' point forecasts")
    return f"red line: forecast (all models pooled); {what}; dashed: status quo"


def _anchor_strip(anchors: dict[float, str], lower: float, upper: float,
                  width: int) -> ChartLike:
    """The issue's anchor labels above the plot, in up to three staggered rows.

    Each label is cut (with an ellipsis; the full text is in the tooltip) so that it cannot
    run into a neighbour.
    """
    keys = sorted(anchors)
    n_rows = 1 if len(keys) <= 3 else (2 if len(keys) <= 4 else 3)
    px = [(key - lower) / (upper - lower) * width for key in keys]
    rows = []
    for j, key in enumerate(keys):
        frac = (key - lower) / (upper - lower)
        side = "left" if frac <= 0.02 else ("right" if frac >= 0.98 else "center")
        row = j % n_rows
        same = [px[m] for m in range(len(keys)) if m != j and m % n_rows == row]
        left = min([px[j] - x for x in same if x < px[j]], default=2 * px[j]) / 2 - 4
        right = min([x - px[j] for x in same if x > px[j]],
                    default=2 * (width - px[j])) / 2 - 4
        if side == "left":
            limit = right + (left if not any(x < px[j] for x in same) else 0)
        elif side == "right":
            limit = left
        else:
            limit = 2 * min(left, right)
        rows.append({"value": key, "text": anchors[key], "side": side, "row": row,
                     "limit": int(max(30.0, min(limit, width)))})
    df = pd.DataFrame(rows)
    xs = _x_scale(lower, upper)
    height = 16 * n_rows + 14
    ticks = alt.Chart(df).mark_tick(color="#555", thickness=1, size=8, orient="vertical").encode(
        x=alt.X("value:Q", scale=xs, axis=None), y=alt.value(height - 4),
    )
    layers: list[alt.Chart] = [ticks]
    for side in ("left", "center", "right"):
        for limit in sorted(set(df.loc[df["side"] == side, "limit"])):
            part = df[(df["side"] == side) & (df["limit"] == limit)]
            layers.append(alt.Chart(part).mark_text(
                align=side, baseline="top", fontSize=11,  # type: ignore[arg-type]
                color="#333", limit=int(limit),
            ).encode(
                x=alt.X("value:Q", scale=xs, axis=None),
                y=alt.Y("row:O", axis=None, scale=alt.Scale(
                    type="point", padding=0, domain=list(range(n_rows)),
                    range=[0, 16 * (n_rows - 1) or 1])),
                text="text:N",
                tooltip=[alt.Tooltip("text:N", title="anchor"),
                         alt.Tooltip("value:Q", format=".3~f")],
            ))
    return alt.layer(*layers).properties(width=width, height=height)


def _model_strip(forecast: Forecast, k: int, xs: alt.Scale, width: int) -> ChartLike:
    mc = model_comparison_frame(forecast)
    iss = forecast.scenario.issues[k]
    mc = mc[mc["issue_id"] == iss.id]
    order = list(mc["model"])
    base = alt.Chart(mc).encode(y=alt.Y("model:N", sort=order, title=None,
                                        axis=alt.Axis(labelLimit=180)))
    tip = [alt.Tooltip("title:N", title="model"), alt.Tooltip("point:Q", format=".3~f"),
           alt.Tooltip("q05:Q", format=".3~f", title="5%"),
           alt.Tooltip("q95:Q", format=".3~f", title="95%"),
           alt.Tooltip("label:N", title="nearest anchor")]
    whisk = base.mark_rule(color=FORECAST, opacity=0.6).encode(
        x=alt.X("q05:Q", scale=xs, title=None), x2="q95:Q")
    dots = base.mark_point(color=FORECAST, shape="diamond", filled=True, size=70).encode(
        x=alt.X("point:Q", scale=xs, title="forecast by model"), tooltip=tip)
    return alt.layer(whisk, dots).properties(width=width, height=18 * len(order))


def outcome_distribution(forecast: Forecast, issue: str, *, width: int = WIDTH) -> ChartLike:
    """Distribution of one issue's forecast over the Monte Carlo draws, per model."""
    sc = forecast.scenario
    iss = sc.issue(issue)
    k = sc.issue_ids.index(iss.id)
    xs = _x_scale(iss.lower, iss.upper)
    x_title = _axis_title(iss.label, iss.units)
    comb = combined_issue_forecast(forecast)[k]
    if forecast.draws > 1:
        hf = draws_histogram_frame(forecast, iss.id)
        chart: ChartLike = alt.Chart(hf).mark_area(opacity=0.35, interpolate="step").encode(
            x=alt.X("mid:Q", scale=xs, title=x_title),
            y=alt.Y("share:Q", stack=None, axis=alt.Axis(format="%"), title="share of draws"),
            color=alt.Color("model:N", title="model"),
            tooltip=[alt.Tooltip("model:N"), alt.Tooltip("start:Q", format=".3~f"),
                     alt.Tooltip("end:Q", format=".3~f"),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        subtitle = f"{forecast.draws:,} draws per model; red line: pooled median"
    else:
        mc = model_comparison_frame(forecast)
        mc = mc[(mc["issue_id"] == iss.id) & (mc["model"] != "combined")]
        chart = alt.Chart(mc).mark_rule(strokeWidth=3).encode(
            x=alt.X("point:Q", scale=xs, title=x_title),
            color=alt.Color("model:N", title="model"),
            tooltip=[alt.Tooltip("title:N", title="model"),
                     alt.Tooltip("point:Q", format=".3~f"),
                     alt.Tooltip("label:N", title="nearest anchor")],
        )
        subtitle = "point forecast of each model (run with draws > 1 for distributions)"
    med = alt.Chart(pd.DataFrame([{"point": comb.point}])).mark_rule(
        color=FORECAST, strokeDash=[5, 3]).encode(x=alt.X("point:Q", scale=xs))
    out = alt.layer(chart, med).properties(
        width=width, height=160, title=alt.Title(iss.label, subtitle=subtitle))
    return _finish(out)


def trajectories(forecast: Forecast, model: str, *, width: int = 260) -> ChartLike | None:
    """Positions round by round and the forecast after each round (``None``: static)."""
    df = trajectory_frame(forecast, model)
    if df.empty:
        return None
    order = list(dict.fromkeys(zip(df["issue_id"], df["issue"], strict=True)))
    actors = df[df["kind"] == "actor"]
    outcome = df[df["kind"] == "outcome"]
    layers: list[alt.Chart] = [
        alt.Chart(actors).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=1.2,
                                    opacity=0.8).encode(
            x=alt.X("round:Q", axis=alt.Axis(tickMinStep=1, format="d"), title="round"),
            y=alt.Y("position:Q", title="position", scale=alt.Scale(zero=False)),
            color=alt.Color("actor:N", title="actor",
                            legend=alt.Legend(orient="bottom", columns=4, labelLimit=160)),
            tooltip=[alt.Tooltip("actor:N"), alt.Tooltip("round:Q"),
                     alt.Tooltip("position:Q", format=".3~f")],
        )
    ]
    if not outcome.empty:
        layers.append(alt.Chart(outcome).mark_line(color="black", strokeWidth=3).encode(
            x="round:Q", y="position:Q",
            tooltip=[alt.Tooltip("round:Q"),
                     alt.Tooltip("position:Q", format=".3~f", title="forecast")],
        ))
    panels = []
    for iid, name in order:
        sub = [layer.transform_filter(alt.FieldEqualPredicate(field="issue_id", equal=iid))
               for layer in layers]
        panels.append(alt.layer(*sub).properties(width=width, height=170,
                                                 title=alt.Title(name, fontSize=12)))
    rows = [alt.hconcat(*panels[i:i + 2]) for i in range(0, len(panels), 2)]
    chart = alt.vconcat(*rows).properties(title=alt.Title(
        f"{model}: positions round by round",
        subtitle="thin lines: actors (draw 0); thick black line: the model's forecast"))
    return _finish(chart)


def outcome_probabilities(forecast: Forecast, *, width: int = WIDTH) -> ChartLike | None:
    """Stacked bars of P(named outcome), one per model and one combined."""
    df = outcome_probability_frame(forecast)
    if df.empty:
        return None
    names = list(forecast.scenario.outcome_names)
    models = [*forecast.models, "combined"]
    df = df.assign(text=[f"{p:.0%}" if p >= 0.06 else "" for p in df["probability"]])
    base = alt.Chart(df).encode(
        y=alt.Y("model:N", sort=models, title=None),
        x=alt.X("probability:Q", stack="zero", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]), title="probability"),
        order=alt.Order("order:Q"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("outcome:N", sort=names, title="outcome",
                        legend=alt.Legend(orient="bottom", labelLimit=200)),
        tooltip=[alt.Tooltip("model:N"), alt.Tooltip("outcome:N"),
                 alt.Tooltip("probability:Q", format=".1%")],
    )
    labels = base.mark_text(color="white", dx=-4, align="right", fontWeight="bold").encode(
        text="text:N")
    sub = (f"{forecast.draws:,} Monte Carlo draws per model" if forecast.draws > 1
           else "point forecasts: each model names one outcome")
    chart = alt.layer(bars, labels).properties(
        width=width, height=26 * len(models),
        title=alt.Title("Named outcomes", subtitle=sub))
    return _finish(chart)


def probability_history(scenario: Scenario, *, updates: Sequence[SignalUpdate] | None = None,
                        width: int = WIDTH) -> ChartLike | None:
    """Named-outcome probabilities through the updates (default: the scenario's update log;
    see :func:`~summitry.report.data.history_updates`); ``None`` without updates."""
    df = probability_history_frame(scenario, updates)
    if df.empty:
        return None
    names = list(scenario.outcome_names)
    steps = list(dict.fromkeys(df["label"]))
    base = alt.Chart(df).encode(
        x=alt.X("label:N", sort=steps, title="update",
                axis=alt.Axis(labelAngle=0 if len(steps) <= 8 else -40)),
        y=alt.Y("probability:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title="probability"),
        color=alt.Color("outcome:N", sort=names, title="outcome",
                        legend=alt.Legend(orient="bottom", labelLimit=200)),
    )
    line = base.mark_line(strokeWidth=2.5).encode(detail="outcome:N")
    pts = base.mark_point(filled=True, size=60).encode(
        tooltip=[alt.Tooltip("outcome:N"), alt.Tooltip("probability:Q", format=".1%"),
                 alt.Tooltip("date:N"), alt.Tooltip("signal:N"),
                 alt.Tooltip("text:N", title="signal text"), alt.Tooltip("note:N")])
    chart = alt.layer(line, pts).properties(
        width=width, height=220,
        title=alt.Title("How the probabilities moved",
                        subtitle="each step is one signal update"))
    return _finish(chart)


def tornado(frame: pd.DataFrame, *, issue_label: str = "", top: int = 12,
            width: int = WIDTH) -> ChartLike | None:
    """Tornado chart of one-at-a-time effects.

    Args:
        frame: one row per input with ``input`` (what was varied, e.g. ``"Russia ·
            salience"``), ``low`` and ``high`` (the outcome with the input at its low and
            its high value) and ``base`` (the unchanged outcome).
        issue_label: the issue whose outcome moves (for the title).
        top: show the ``top`` inputs with the largest swing.
        width: plot width in pixels.
    """
    if frame.empty:
        return None
    df = frame.copy()
    df["swing"] = (df["high"] - df["low"]).abs()
    df = df.sort_values("swing", ascending=False, kind="stable").head(top)
    order = list(df["input"])
    base_value = float(df["base"].iloc[0])
    records = df.to_dict("records")
    long = pd.DataFrame(
        [{"input": r["input"], "end": "input low", "value": float(r["low"]),
          "base": base_value} for r in records]
        + [{"input": r["input"], "end": "input high", "value": float(r["high"]),
            "base": base_value} for r in records])
    bars = alt.Chart(long).mark_bar(opacity=0.85, height={"band": 0.7}).encode(
        y=alt.Y("input:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)),
        x=alt.X("base:Q", title=f"forecast of {issue_label}" if issue_label else "forecast",
                scale=alt.Scale(zero=False)),
        x2="value:Q",
        color=alt.Color("end:N", title="the input at its",
                        scale=alt.Scale(domain=["input low", "input high"],
                                        range=["#9ecae1", ACTOR]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("input:N"), alt.Tooltip("end:N", title="setting"),
                 alt.Tooltip("value:Q", format=".3~f", title="forecast")],
    )
    rule = alt.Chart(pd.DataFrame([{"base": base_value}])).mark_rule(
        color=FORECAST, strokeWidth=2).encode(x="base:Q")
    chart = alt.layer(bars, rule).properties(
        width=width, height=22 * len(order),
        title=alt.Title(f"What moves {issue_label or 'the forecast'}",
                        subtitle="each bar: the forecast with one input at its low or high "
                                 "value, all else unchanged; red line: base forecast"))
    return _finish(chart)


def model_comparison(forecast: Forecast, *, width: int = 240) -> ChartLike:
    """Each model's forecast (diamond) and 90 % interval per issue, one panel per issue."""
    mc = model_comparison_frame(forecast)
    sc = forecast.scenario
    models = list(dict.fromkeys(mc["model"]))
    panels = []
    for iss in sc.issues:
        part = mc[mc["issue_id"] == iss.id]
        xs = _x_scale(iss.lower, iss.upper)
        base = alt.Chart(part).encode(y=alt.Y("model:N", sort=models, title=None))
        whisk = base.mark_rule(color=FORECAST, opacity=0.6).encode(
            x=alt.X("q05:Q", scale=xs, title=_axis_title(iss.label, iss.units)), x2="q95:Q")
        dots = base.mark_point(shape="diamond", filled=True, size=70, color=FORECAST).encode(
            x=alt.X("point:Q", scale=xs),
            tooltip=[alt.Tooltip("title:N", title="model"),
                     alt.Tooltip("point:Q", format=".3~f"),
                     alt.Tooltip("label:N", title="nearest anchor")])
        panels.append(alt.layer(whisk, dots).properties(
            width=width, height=18 * len(models), title=alt.Title(iss.label, fontSize=12)))
    rows = [alt.hconcat(*panels[i:i + 2]) for i in range(0, len(panels), 2)]
    chart = alt.vconcat(*rows).properties(title=alt.Title(
        "Model comparison", subtitle="diamond: point forecast; line: 5–95% of draws"))
    return _finish(chart)
