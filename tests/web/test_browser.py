"""End-to-end tests in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

The app runs in uvicorn on a free loopback port in a thread, on a fresh database; the
browser runs with the app's real Content-Security-Policy (no ``bypass_csp``), so these
tests also show that charts draw without ``eval`` and that no inline script runs.
Set ``SUMMITRY_SCREENSHOTS=DIR`` to save screenshots of the main pages into DIR (that is
how docs/img/web-*.png are made).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import DATA, XSS, tiny_scenario

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = os.environ.get("SUMMITRY_SCREENSHOTS")
SLOW = 120_000  # ms: the first forecast of a process compiles the numba kernels

if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:  # pragma: no cover
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=SLOW)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from summitry.web import create_app

    db = tmp_path_factory.mktemp("web-e2e") / "e2e.db"
    app = create_app(db, max_sync_draws=200, max_draws=20_000)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=300) as c:  # warm up models and charts
        assert c.get("/examples/alaska-2025").status_code == 200
        r = c.post("/api/scenarios", json={"scenario": tiny_scenario(), "message": "first"})
        assert r.status_code == 201
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


class Watch:
    """Console errors, page errors and dialogs of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self.on_console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", self.on_response)

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)

    def on_console(self, msg: Any) -> None:
        # a page answered with a 4xx on purpose (e.g. 422 with the upload's problems) is
        # logged by Chromium as "Failed to load resource"; sub-resources are checked in
        # on_response instead
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(msg.text)

    def on_response(self, response: Any) -> None:
        kind = response.request.resource_type
        if kind in ("script", "stylesheet", "image", "font", "fetch", "xhr") and (
                response.status >= 500 or (response.status >= 400 and kind != "xhr")):
            self.errors.append(f"{response.status} {response.url}")


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(SLOW)
    watch = Watch(pg)
    try:
        yield pg, watch
    finally:
        ctx.close()


def shot(page: Any, name: str, *, element: str | None = None) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        path = str(Path(SHOTS) / f"web-{name}.png")
        if element:
            page.locator(element).screenshot(path=path)
        else:
            page.screenshot(path=path)


def charts_drawn(page: Any, scope: str = "body") -> None:
    charts = page.locator(f"{scope} [data-chart]")
    n = charts.count()
    assert n > 0
    for k in range(n):
        expect(charts.nth(k)).to_have_attribute("data-rendered", "done")
        assert charts.nth(k).locator("svg").count() >= 1


def test_alaska_salience_slider_changes_the_forecast(server: str, page: tuple[Any, Watch]
                                                     ) -> None:
    pg, watch = page
    pg.goto(server + "/examples/alaska-2025")
    charts_drawn(pg)
    shot(pg, "example")
    pg.evaluate("window.__noReload = 'still here'")
    before = pg.locator("#whatif-issues").inner_text()
    before_outcomes = pg.locator("#whatif-outcomes").inner_text()
    pg.select_option("#wf-actor", label="Russia")
    russia = pg.locator("#wf-actor").input_value()
    slider = pg.locator(f"#wf-a{russia}-0-salience")
    expect(slider).to_be_visible()
    slider.fill("5")  # Russia cares little about the ceasefire (scale 0–100)
    expect(pg.locator(".whatif-result")).to_have_attribute("data-changes", "1")
    after = pg.locator("#whatif-issues").inner_text()
    assert after != before
    assert "salience → 5" in pg.locator("#whatif-result").inner_text()
    charts_drawn(pg, "#whatif-result")
    assert pg.evaluate("window.__noReload") == "still here"  # no page reload
    assert [p.is_visible() for p in pg.locator("fieldset.actor-panel").all()].count(True) == 1
    slider.fill("100")
    expect(pg.locator("#whatif-result")).to_contain_text("salience → 100")
    assert pg.locator("#whatif-outcomes").inner_text() != before_outcomes or (
        pg.locator("#whatif-issues").inner_text() != after)
    charts_drawn(pg, "#whatif-result")
    shot(pg, "whatif", element="#whatif")
    pg.check(f"#wf-a{russia}-drop")
    expect(pg.locator("#whatif-result")).to_contain_text("drop Russia")
    assert watch.errors == [] and watch.dialogs == []


def test_upload_shows_row_level_errors(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server + "/scenarios/upload")
    pg.set_input_files("#upload-file", str(DATA / "decide" / "copenhagen_with_errors.csv"))
    pg.click("button[type=submit]")
    box = pg.locator("#upload-errors")
    expect(box).to_be_visible()
    expect(box).to_contain_text("row 86")
    expect(box).to_contain_text("row 87")
    expect(box).to_contain_text("the position is outside the scale of issue 'Control'")
    expect(box).to_contain_text("160")
    shot(pg, "upload-errors")
    assert watch.errors == [] and watch.dialogs == []


def test_actor_name_markup_renders_as_text_everywhere(server: str, page: tuple[Any, Watch]
                                                      ) -> None:
    pg, watch = page
    pg.goto(server + "/scenarios/tiny/edit")
    pg.fill("#f-actors-0-name", XSS)
    pg.fill("#f-summary", XSS)
    pg.click("#editor-save")
    expect(pg.locator(".note.ok")).to_contain_text("Saved as version")
    # the page: the name is text, no element was created from it
    expect(pg.locator("#actors-table")).to_contain_text(XSS)
    assert pg.locator("img[src=x]").count() == 0
    charts_drawn(pg)
    # a chart tooltip: hover the actors' points of the position map until ours shows
    points = pg.locator("#whatif-result .mark-symbol path")
    assert points.count() >= 2
    tip = pg.locator("#vg-tooltip-element")
    found = False
    for k in range(points.count()):
        points.nth(k).hover(force=True)
        pg.wait_for_timeout(150)
        if XSS in tip.inner_text():
            found = True
            break
    assert found, "no tooltip showed the actor's name"
    assert tip.locator("img").count() == 0
    # the what-if sliders and the article
    expect(pg.locator("#whatif-form")).to_contain_text(XSS)
    pg.goto(server + "/scenarios/tiny/article")
    frame = pg.frame_locator("#document-frame")
    expect(frame.locator("body")).to_contain_text(XSS)
    assert frame.locator("img[src=x]").count() == 0
    pg.goto(server + "/scenarios/tiny/report")
    frame = pg.frame_locator("#document-frame")
    expect(frame.locator("body")).to_contain_text(XSS)
    assert frame.locator("img[src=x]").count() == 0
    assert watch.dialogs == []


def test_restore_an_old_version(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    with httpx.Client(base_url=server) as c:
        r = c.post("/api/scenarios", json={"scenario": tiny_scenario(), "slug": "hist"})
        data = c.get("/api/scenarios/hist").json()["scenario"]
        data["actors"][1]["name"] = "Beta renamed"
        c.put("/api/scenarios/hist", json={"scenario": data, "message": "rename",
                                           "base_version": 1})
        assert r.status_code == 201
    pg.goto(server + "/scenarios/hist/versions")
    expect(pg.locator("#versions")).to_contain_text("rename")
    pg.click("#restore-1")
    expect(pg.locator(".note.ok")).to_contain_text("Saved as version 3 (a copy of version 1)")
    expect(pg.locator("#actors-table")).to_contain_text("Beta")
    assert "Beta renamed" not in pg.locator("#actors-table").inner_text()
    pg.goto(server + "/scenarios/hist/versions")
    expect(pg.locator("#versions tbody tr")).to_have_count(3)
    shot(pg, "versions")
    pg.goto(server + "/scenarios/hist/diff?old=2&new=3")
    expect(pg.locator("table.diff")).to_contain_text("actors.b.name")
    assert watch.errors == [] and watch.dialogs == []


def test_background_run_shows_progress_then_result(server: str, page: tuple[Any, Watch]
                                                   ) -> None:
    pg, watch = page
    with httpx.Client(base_url=server) as c:
        slug = c.post("/api/examples/alaska-2025/copy").json()["slug"]
    pg.goto(f"{server}/scenarios/{slug}")
    pg.fill("form.run input[name=draws]", "1000")
    pg.click("form.run button[type=submit]")
    expect(pg.locator("#job-area .job")).to_be_visible()
    expect(pg.locator("#job-area .job.finished")).to_have_attribute("data-status", "done")
    expect(pg.locator("#job-area")).to_contain_text("stored as run")
    expect(pg.locator("#job-area")).to_contain_text("90% interval")
    charts_drawn(pg, "#job-area")
    shot(pg, "run", element="#montecarlo")
    assert watch.errors == [] and watch.dialogs == []


def test_record_a_signal_and_watch_the_history(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server + "/scenarios/tiny/signals")
    expect(pg.locator("#signals-panel")).to_contain_text("No update recorded yet")
    row = pg.locator("tr[data-signal=s1]")
    row.locator("input[name=note]").fill("seen in the press")
    row.locator("button[value=observed]").click()
    expect(pg.locator("#signal-log")).to_contain_text("seen in the press")
    charts_drawn(pg, "#signals-panel")
    pg.locator("tr[data-signal=s2] button[value=absent]").click()
    expect(pg.locator("#signal-log tbody tr")).to_have_count(2)
    charts_drawn(pg, "#signals-panel")
    shot(pg, "signals")
    assert watch.errors == [] and watch.dialogs == []


def test_editor_shows_messages_beside_fields(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server + "/scenarios/tiny/edit")
    pg.fill("#f-stances-0-salience", "lots")
    pg.click("#editor-save")
    expect(pg.locator("#err-stances-0-salience")).to_contain_text("expected a number")
    expect(pg.locator("#editor-errors")).to_be_visible()
    shot(pg, "editor-errors")
    assert watch.errors == [] and watch.dialogs == []


def test_home_and_article_preview_screenshots(server: str, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server + "/")
    expect(pg.locator("ul.cards")).to_contain_text("Alaska")
    shot(pg, "home")
    pg.goto(server + "/examples/alaska-2025/article")
    expect(pg.frame_locator("#document-frame").locator("h1")).to_be_visible()
    shot(pg, "article")
    assert watch.errors == [] and watch.dialogs == []
