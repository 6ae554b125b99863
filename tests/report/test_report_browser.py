"""The HTML report in headless Chromium: every chart draws, offline, and user text stays text.

Uses Debian's chromium (installed by .ci/run from .ci/system-packages) driven by
Playwright's Python package — never a downloaded browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summitry.forecast import Forecast
from summitry.report import report
from summitry.scenario import Scenario

pytestmark = pytest.mark.browser

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str | None:
    for cand in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).exists():
            return cand
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = chromium_path()
    if exe is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=FLAGS)
        yield b
        b.close()


def open_report(browser: Any, html: str, tmp_path: Path) -> tuple[Any, list[str], list[str]]:
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts=done]", timeout=60_000)
    return page, problems, requests


def chart_states(page: Any) -> list[tuple[str, str, int]]:
    return [tuple(x) for x in page.eval_on_selector_all(
        "[data-chart]",
        "els => els.map(e => [e.dataset.chart, e.dataset.rendered || '', "
        "e.querySelectorAll('svg path, svg text, svg line, svg rect').length])")]


def test_every_chart_draws_offline(browser: Any, tmp_path: Path, scenario: Scenario,
                                   mc_forecast: Forecast, point_forecast: Forecast) -> None:
    from dataclasses import replace

    # Monte Carlo distributions plus the round-by-round chart of a dynamic model
    fc = replace(mc_forecast, results=(*mc_forecast.results, point_forecast["fakeplay"]))
    page, problems, requests = open_report(browser, report(scenario, fc, "html"), tmp_path)
    states = chart_states(page)
    kinds = {name.split("-")[0] for name, _, _ in states}
    assert {"position", "distribution", "trajectory", "outcomes", "history", "comparison",
            "tornado"} <= kinds
    for name, state, marks in states:
        assert state == "ok", name
        assert marks > 10, f"chart {name} drew only {marks} SVG elements"
    assert problems == []
    assert all(u.startswith("file:") or u.startswith("data:") for u in requests), requests
    page.close()


def test_user_text_stays_text(browser: Any, tmp_path: Path, evil: Scenario,
                              evil_forecast: Forecast) -> None:
    page, _, _ = open_report(browser, report(evil, evil_forecast, "html"), tmp_path)
    assert page.evaluate("window.__pwned === undefined")
    assert all(s == "ok" for _, s, _ in chart_states(page))
    # the hostile actor name is drawn as SVG text, not parsed as markup
    texts = page.eval_on_selector_all("[data-chart] svg text", "els => els.map(e => e.textContent)")
    assert any("</script><script>" in t for t in texts)
    assert page.eval_on_selector_all("[data-chart] img", "els => els.length") == 0
    # its tooltip shows the name as text too
    chart = page.locator('[data-chart="position-ceasefire"]')
    shown = ""
    for sym in chart.locator("svg .mark-symbol path").all():
        sym.hover(force=True)
        tip = page.locator("#vg-tooltip-element")
        if tip.count() and "Evil" in (tip.text_content() or ""):
            shown = tip.inner_html()
            assert tip.locator("img").count() == 0
            break
    assert "&lt;img src=x" in shown
    assert page.evaluate("window.__pwned === undefined")
    page.close()
