"""The analyst's report: one scenario and its forecast as HTML, Markdown or PDF.

:func:`report` builds the report's content once (:func:`report_context`: plain values and
Vega-Lite chart specs from :mod:`summitry.report.charts`) and renders it with Jinja2
templates (autoescape on for HTML):

- ``html`` — one self-contained file that works offline: the vendored Vega, Vega-Lite and
  vega-embed bundles (``static/vendor/``) are inlined, chart specs travel as JSON in a
  ``<script type="application/json">`` element (escaped by
  :func:`~summitry.report.escape.script_json`), and a Content-Security-Policy forbids any
  network request and ``eval`` (charts use Vega's expression interpreter).
- ``md`` — Markdown tables, with the charts as PNG images drawn by vl-convert (no
  browser): written beside the file by :func:`write_report`, or embedded as data URIs.
- ``pdf`` — the HTML with the charts inlined as SVG (vl-convert), printed by a headless
  Chromium (Debian's ``chromium``; ``$SUMMITRY_CHROMIUM`` overrides the binary).

Sections: at a glance (named-outcome probabilities, issue forecasts), one section per
issue (position map, distribution, stances), round by round (dynamic models), named
outcomes, signals and their history, sensitivity, precedents and base rates, model
comparison, and method/provenance. A section whose data or optional module is missing
is left out and listed under "Not shown".
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from summitry.errors import MissingExtraError, SummitryError
from summitry.report.data import (
    combined_issue_forecast,
    history_updates,
    model_comparison_frame,
    optional_module,
    outcome_summary,
    positions_frame,
    probability_history_frame,
    tornado_frames,
)
from summitry.report.escape import jinja_env, num, pct, script_json

if TYPE_CHECKING:

    from summitry.forecast import Forecast
    from summitry.scenario import Scenario

__all__ = [
    "CHROMIUM_FLAGS",
    "MissingBrowserError",
    "chart_png",
    "chart_svg",
    "find_chromium",
    "html_to_pdf",
    "report",
    "report_context",
    "write_report",
]

Format = Literal["html", "md", "pdf"]

#: Flags for a headless Chromium on a closed network (no background requests, a fresh
#: profile per run is added by :func:`html_to_pdf`).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
    "--hide-scrollbars",
)

_VENDOR = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


class MissingBrowserError(MissingExtraError):
    """PDF export needs a Chromium binary and none was found."""

    def __init__(self) -> None:
        SummitryError.__init__(
            self,
            "PDF export needs a headless Chromium and none was found: install Debian's "
            "chromium package (apt-get install chromium), or set SUMMITRY_CHROMIUM to the "
            "path of a Chromium or Chrome binary. HTML and Markdown reports need no browser.",
        )


def _need_altair() -> None:
    try:
        import altair  # noqa: F401
    except ImportError:  # pragma: no cover - the report extra is installed in dev
        raise MissingExtraError("the report's charts", "report") from None


def _need_vlc() -> Any:
    try:
        import vl_convert as vlc
    except ImportError:  # pragma: no cover
        raise MissingExtraError("drawing charts without a browser (Markdown/PDF)",
                                "report") from None
    return vlc


# --- charts -> images ------------------------------------------------------------------------


def _vl_version(spec: dict[str, Any]) -> str | None:
    vlc = _need_vlc()
    m = re.search(r"/v(\d+\.\d+)", str(spec.get("$schema", "")))
    if m and m.group(1) in vlc.get_vegalite_versions():
        return m.group(1)
    return None


def chart_svg(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, drawn by vl-convert (no browser)."""
    vlc = _need_vlc()
    svg: str = vlc.vegalite_to_svg(spec, vl_version=_vl_version(spec))
    return svg


def chart_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """A PNG of a Vega-Lite spec, drawn by vl-convert (no browser)."""
    vlc = _need_vlc()
    png: bytes = vlc.vegalite_to_png(spec, scale=scale, vl_version=_vl_version(spec))
    return png


# --- content -----------------------------------------------------------------------------------


def _issue_scale(iss: Any) -> str:
    unit = f" {iss.units}" if iss.units else ""
    return f"{num(iss.lower)}–{num(iss.upper)}{unit}"


def report_context(
    scenario: Scenario,
    forecast: Forecast,
    *,
    sensitivity: bool = True,
    precedents: int = 5,
) -> dict[str, Any]:
    """Everything the report templates show, as plain values and chart specs.

    Args:
        scenario: the scenario (its metadata, signals and update log are shown; it may be
            newer than the one the forecast was run on, e.g. after recording signals).
        forecast: the forecast to show.
        sensitivity: include the sensitivity section when :mod:`summitry.sensitivity`
            is available.
        precedents: how many closest precedents to list (0: none).

    Returns:
        A dict with ``meta``, ``issues``, ``outcomes``, ``history``, ``signals``,
        ``sensitivity``, ``precedents``, ``comparison``, ``dynamic``, ``provenance``,
        ``skipped`` and ``charts`` (``{chart id: Vega-Lite spec}``).
    """
    _need_altair()
    from summitry.models import model_class
    from summitry.report import charts as ch

    if list(forecast.scenario.issue_ids) != list(scenario.issue_ids):
        raise SummitryError(
            "the forecast was run on a scenario with other issues ("
            + ", ".join(forecast.scenario.issue_ids) + ") than the one given ("
            + ", ".join(scenario.issue_ids) + "); run the forecast again"
        )
    specs: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []

    def add(chart_id: str, chart: Any) -> str | None:
        if chart is None:
            return None
        specs[chart_id] = chart.to_dict(validate=False)
        return chart_id

    meta = scenario.meta
    combined = combined_issue_forecast(forecast)
    pf = positions_frame(scenario)
    issues = []
    for k, iss in enumerate(scenario.issues):
        comb = combined[k]
        stances = pf[pf["issue_id"] == iss.id].sort_values("position", kind="stable")
        issues.append({
            "id": iss.id, "label": iss.label, "description": iss.description,
            "group": iss.group or "", "scale": _issue_scale(iss), "units": iss.units,
            "anchors": [(num(v), t) for v, t in sorted(iss.anchors.items())],
            "status_quo": None if iss.status_quo is None else num(iss.status_quo),
            "forecast": num(comb.point), "low": num(comb.low), "high": num(comb.high),
            "interval": comb.interval, "anchor": iss.anchor_label(comb.point),
            "stances": [
                {"actor": r["actor"], "position": num(float(r["position"])),
                 "label": r["label"], "salience": f"{float(r['salience']):.2f}",
                 "capability": num(float(r["capability"])), "source": r["source"]}
                for r in stances.to_dict("records")
            ],
            "position_chart": add(f"position-{iss.id}", ch.position_map(forecast, iss.id)),
            "distribution_chart": add(f"distribution-{iss.id}",
                                      ch.outcome_distribution(forecast, iss.id)),
        })

    dynamic = []
    for r in forecast.results:
        if r.solution.history is None:
            continue
        try:
            title = model_class(r.model).title or r.model
        except SummitryError:
            title = r.model
        dynamic.append({
            "model": r.model, "title": title,
            "rounds": None if r.solution.n_rounds is None else int(r.solution.n_rounds[0]),
            "chart": add(f"trajectory-{r.model}", ch.trajectories(forecast, r.model)),
        })
    if not dynamic:
        skipped.append("Round by round: no dynamic model (challenge, exchange, smp) was run.")

    outcomes = None
    summary = outcome_summary(scenario, forecast)
    if summary is not None:
        per_model = [
            {"model": m, "probs": [pct(forecast.outcome_probabilities(m)[n])
                                   for n in summary.names]}
            for m in forecast.models
        ]
        outcomes = {
            "names": list(summary.names),
            "rules": [{"name": o.name, "rule": o.rule, "description": o.description}
                      for o in scenario.outcomes],
            "per_model": per_model,
            "models": [pct(summary.models[n]) for n in summary.names],
            "base_rates": (None if summary.base_rates is None
                           else [pct(summary.base_rates[n]) for n in summary.names]),
            "base_n": summary.base_n,
            "prior": [pct(summary.prior[n]) for n in summary.names],
            "current": [pct(summary.current[n]) for n in summary.names],
            "basis": summary.basis,
            "chart": add("outcomes", ch.outcome_probabilities(forecast)),
            "point_only": forecast.draws == 1,
        }
    else:
        skipped.append("Named outcomes: the scenario declares no 'outcomes:' rules.")

    history = None
    ups = history_updates(scenario, summary.prior if summary is not None else None)
    hf = probability_history_frame(scenario, ups)
    if not hf.empty:
        texts = {s.id: s.text for s in scenario.signals}
        history = {
            "chart": add("history", ch.probability_history(scenario, updates=ups)),
            "rows": [
                {"date": u.date.isoformat(), "signal": u.signal,
                 "text": texts.get(u.signal, ""), "status": u.status,
                 "prior": [pct(u.prior.get(n)) for n in scenario.outcome_names],
                 "posterior": [pct(u.posterior.get(n)) for n in scenario.outcome_names],
                 "note": u.note}
                for u in ups
            ],
            "names": list(scenario.outcome_names),
            "replayed": not scenario.updates,
        }
    elif scenario.outcomes:
        skipped.append("Probability history: no signal updates are recorded yet "
                       "(summitry signal FILE --observe ID).")

    signals = None
    if scenario.signals and scenario.outcomes:
        sig_mod = optional_module("signals")
        rows = []
        if sig_mod is not None:
            em = sig_mod.evidence_matrix(scenario)
            for sid, r in em.iterrows():
                rows.append({"id": str(sid), "text": r["text"], "status": r["status"],
                             "group": r["group"],
                             "likelihoods": [num(r[n]) for n in scenario.outcome_names],
                             "diagnosticity": num(r["diagnosticity"])})
        else:
            for s in scenario.signals:
                lik = [s.likelihoods.get(n) for n in scenario.outcome_names]
                vals = [v for v in lik if v]
                rows.append({"id": s.id, "text": s.text, "status": s.status,
                             "group": s.group or "", "likelihoods": [num(v) for v in lik],
                             "diagnosticity": num(max(vals) / min(vals)) if vals else "—"})
        signals = {"rows": rows, "names": list(scenario.outcome_names)}

    sens = []
    if sensitivity:
        frames = tornado_frames(scenario, forecast)
        for iss in scenario.issues:
            frame = frames.get(iss.id)
            if frame is not None and not frame.empty:
                sens.append({"issue": iss.label, "chart": add(
                    f"tornado-{iss.id}", ch.tornado(frame, issue_label=iss.label))})
        if not sens:
            skipped.append("Sensitivity: summitry.sensitivity is not available.")

    prec = None
    ref = optional_module("reference")
    if ref is not None and precedents > 0:
        rates = ref.base_rates(scenario.reference.filters if scenario.reference else None)
        closest = ref.closest_precedents(scenario, k=precedents)
        labels = {
            "binding_agreement_signed": "binding agreement signed",
            "joint_statement_only": "joint statement only",
            "no_agreement": "no agreement",
        }
        prec = {
            "n": rates.n,
            "rates": [{"code": labels.get(c, c), "rate": pct(v),
                       "outcome": (scenario.reference.mapping.get(c, "")
                                   if scenario.reference else "")}
                      for c, v in rates.items()],
            "rows": [{"year": int(r.year), "place": r.place,
                      "leaders": f"{r.us_leader} – {r.soviet_russian_leader}",
                      "agenda": r.main_agenda, "outcome": labels.get(r.outcome, r.outcome),
                      "named": r.outcome_name, "detail": r.outcome_detail or "",
                      "similarity": f"{r.similarity:.2f}", "explicit": bool(r.explicit)}
                     for r in closest.itertuples()],
        }
    elif ref is None:
        skipped.append("Precedents: summitry.reference is not available.")

    mc = model_comparison_frame(forecast)
    comparison = {
        "models": list(dict.fromkeys(mc["model"])),
        "rows": [
            {"issue": iss.label,
             "cells": [
                 _cell(mc[(mc["model"] == m) & (mc["issue_id"] == iss.id)].iloc[0],
                       forecast.draws > 1)
                 for m in dict.fromkeys(mc["model"])
             ]}
            for iss in scenario.issues
        ],
        "chart": add("comparison", ch.model_comparison(forecast)),
    }

    models_info = []
    for r in forecast.results:
        try:
            cls = model_class(r.model)
            title, source, dyn = cls.title or r.model, cls.source, cls.dynamic
        except SummitryError:
            title, source, dyn = r.model, "", False
        params = ", ".join(f"{k}={v}" for k, v in r.params.items()) or "defaults"
        models_info.append({"name": r.model, "title": title, "source": source,
                            "dynamic": dyn, "params": params})

    prov = forecast.provenance
    return {
        "meta": {
            "title": meta.title or scenario.id or "Negotiation forecast",
            "summary": meta.summary, "event_date": _date(meta.event_date),
            "end_date": _date(meta.end_date), "venue": meta.venue, "location": meta.location,
            "keywords": list(meta.keywords), "background": meta.background,
            "hidden_stakes": meta.hidden_stakes, "author": meta.author,
            "publisher": meta.publisher, "url": meta.url, "language": meta.language or "en",
        },
        "glance": [
            {"issue": iss.label, "forecast": num(combined[k].point, iss.units),
             "anchor": iss.anchor_label(combined[k].point),
             "interval": f"{num(combined[k].low)}–{num(combined[k].high)}",
             "interval_kind": combined[k].interval, "scale": _issue_scale(iss)}
            for k, iss in enumerate(scenario.issues)
        ],
        "issues": issues,
        "actors": [{"name": a.label, "description": a.description, "goal": a.goal,
                    "capability": num(a.capability)} for a in scenario.actors],
        "dynamic": dynamic,
        "outcomes": outcomes,
        "history": history,
        "signals": signals,
        "sensitivity": sens,
        "precedents": prec,
        "comparison": comparison,
        "models": models_info,
        "provenance": {
            "draws": forecast.draws, "seed": forecast.seed,
            "input_hash": str(prov.get("input_hash", scenario.input_hash()))[:12],
            "version": prov.get("version", ""), "created": prov.get("created", ""),
        },
        "skipped": skipped,
        "charts": specs,
    }


def _cell(row: Any, mc: bool) -> str:
    text = num(float(row["point"]))
    if mc:
        text += f" ({num(float(row['q05']))}–{num(float(row['q95']))})"
    return text


def _date(d: Any) -> str:
    return "" if d is None else f"{d:%d %B %Y}".lstrip("0")


# --- templates -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _vendor_js() -> str:
    folder = resources.files("summitry.report") / "static" / "vendor"
    parts = []
    for name in _VENDOR:
        text = (folder / name).read_text(encoding="utf-8")
        text = re.sub(r"//# sourceMappingURL=\S+\s*$", "", text)
        if re.search(r"</script", text, re.IGNORECASE):  # pragma: no cover - bundle check
            raise SummitryError(f"vendored {name} contains '</script' and cannot be inlined")
        parts.append(f"/* {name} — see static/vendor/README.md for version and licence */\n"
                     + text)
    return "\n;\n".join(parts)


def _env(markdown: bool) -> Any:
    return jinja_env("summitry.report", markdown=markdown)


def _render_html(ctx: dict[str, Any], *, static_svgs: dict[str, str] | None) -> str:
    from markupsafe import Markup

    env = _env(markdown=False)
    tpl = env.get_template("report.html.j2")
    payload: dict[str, Any]
    if static_svgs is None:
        payload = {
            "charts_json": Markup(script_json(ctx["charts"])),
            "vendor_js": Markup(_vendor_js()),
            "svgs": {},
        }
    else:
        payload = {"charts_json": None, "vendor_js": None,
                   "svgs": {k: Markup(v) for k, v in static_svgs.items()}}
    html: str = tpl.render(**ctx, **payload, static=static_svgs is not None)
    return html


def _render_md(ctx: dict[str, Any], images: dict[str, str]) -> str:
    env = _env(markdown=True)
    text: str = env.get_template("report.md.j2").render(**ctx, images=images)
    return re.sub(r"\n{3,}", "\n\n", text)


def _static_svgs(specs: dict[str, dict[str, Any]]) -> dict[str, str]:
    out = {}
    for key, spec in specs.items():
        svg = chart_svg(spec)
        # drop the XML prolog so the SVG can sit inline in HTML
        out[key] = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    return out


def find_chromium() -> str | None:
    """The Chromium binary that prints PDFs, or ``None``.

    ``$SUMMITRY_CHROMIUM`` if set, else the first of ``chromium``, ``chromium-browser``,
    ``google-chrome`` on ``PATH``.
    """
    env = os.environ.get("SUMMITRY_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, *, timeout: float = 120.0) -> bytes:
    """Print self-contained ``html`` to PDF with a headless Chromium.

    Raises:
        MissingBrowserError: no Chromium binary is installed.
        SummitryError: Chromium failed or timed out.
    """
    binary = find_chromium()
    if binary is None:
        raise MissingBrowserError()
    with tempfile.TemporaryDirectory(prefix="summitry-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
               "--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SummitryError(f"Chromium did not finish printing the PDF within "
                                f"{timeout:g} s") from None
        if not out.exists() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise SummitryError("Chromium could not print the PDF (exit code "
                                f"{proc.returncode}): " + " | ".join(tail))
        return out.read_bytes()


def report(
    scenario: Scenario,
    forecast: Forecast,
    fmt: Format = "html",
    *,
    assets: str | os.PathLike[str] | None = None,
    sensitivity: bool = True,
    precedents: int = 5,
) -> str | bytes:
    """The report of ``forecast`` on ``scenario`` as HTML (str), Markdown (str) or PDF (bytes).

    Args:
        scenario: the scenario (metadata, signals and update log come from here).
        forecast: the forecast to report.
        fmt: ``"html"`` (self-contained, offline), ``"md"`` or ``"pdf"``.
        assets: Markdown only: a folder to write the chart PNGs into, referenced by the
            folder's name (relative); ``None`` embeds them as ``data:`` URIs.
        sensitivity: include the sensitivity section when available.
        precedents: how many closest precedents to list.

    Raises:
        SummitryError: an unknown format; MissingBrowserError for PDF without Chromium.
    """
    if fmt not in ("html", "md", "pdf"):
        raise SummitryError(f"unknown report format {fmt!r}; expected one of: html, md, pdf")
    if fmt == "pdf" and find_chromium() is None:
        raise MissingBrowserError()
    ctx = report_context(scenario, forecast, sensitivity=sensitivity, precedents=precedents)
    if fmt == "html":
        return _render_html(ctx, static_svgs=None)
    if fmt == "pdf":
        return html_to_pdf(_render_html(ctx, static_svgs=_static_svgs(ctx["charts"])))
    images: dict[str, str] = {}
    folder = Path(assets) if assets is not None else None
    from summitry.io._common import atomic_write

    for key, spec in ctx["charts"].items():
        png = chart_png(spec)
        if folder is None:
            images[key] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        else:
            atomic_write(folder / f"{key}.png", png)
            images[key] = f"{folder.name}/{key}.png"
    return _render_md(ctx, images)


def write_report(
    path: str | os.PathLike[str],
    scenario: Scenario,
    forecast: Forecast,
    fmt: Format | None = None,
    **options: Any,
) -> Path:
    """Write the report to ``path`` atomically.

    The format follows the suffix (``.html``/``.htm``, ``.md``/``.markdown``, ``.pdf``)
    unless ``fmt`` is given.

    A Markdown report's chart images go into ``<stem>_files/`` beside it.

    Returns:
        The path written.
    """
    from summitry.io._common import atomic_write

    target = Path(path)
    if fmt is None:
        suffix = target.suffix.lower()
        by_suffix: dict[str, Format] = {".html": "html", ".htm": "html", ".md": "md",
                                        ".markdown": "md", ".pdf": "pdf"}
        if suffix not in by_suffix:
            raise SummitryError(f"{target}: cannot tell the report format from the suffix "
                                f"{suffix or '(none)'!r}; use .html, .md or .pdf")
        fmt = by_suffix[suffix]
    if fmt == "md" and "assets" not in options:
        options["assets"] = target.parent / f"{target.stem}_files"
    content = report(scenario, forecast, fmt, **options)
    return atomic_write(target, content)
