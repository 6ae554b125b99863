"""Screenshots of the report and the article for docs/img/ (run by hand, not a test).

    .venv/bin/python tests/report/make_screenshots.py

Renders the shipped Alaska 2025 example (every model, 1000 draws, seed 1) and the report
tests' small scenario (which has an update log, for the live blog), opens the pages in
Debian's chromium through Playwright and saves PNGs to docs/img/.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img"


def shots(pages: list[tuple[str, str, list[tuple[str, str | None, int]]]]) -> None:
    """``pages``: (name, html, [(png name, CSS selector to scroll to or None, height)])."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for name, html, views in pages:
            path = Path(tmp) / f"{name}.html"
            path.write_text(html, encoding="utf-8")
            page = browser.new_page(viewport={"width": 1100, "height": 900},
                                    device_scale_factor=1)
            page.goto(path.as_uri())
            if "data-chart=" in html:
                page.wait_for_selector("body[data-charts=done]", timeout=120_000)
            for png, selector, height in views:
                y = 0
                if selector:
                    y = int(page.eval_on_selector(
                        selector, "e => e.getBoundingClientRect().top + window.scrollY")) - 16
                page.screenshot(path=str(OUT / png), full_page=True,
                                clip={"x": 0, "y": y, "width": 1100, "height": height})
                print("wrote", OUT / png)
            page.close()
        browser.close()


def main() -> int:
    import summitry
    from summitry.briefing import build_article, render_html
    from summitry.report import report

    published = dt.datetime(2025, 8, 14, 9, 0, tzinfo=dt.UTC)
    alaska = summitry.load(summitry.examples.path("alaska-2025"))
    fc = summitry.forecast(alaska, draws=1000, seed=1)
    small = summitry.load(Path(__file__).parent / "data" / "summit-fixture.yaml")
    small_fc = summitry.forecast(small, ["compromise", "median", "nash"], draws=500, seed=1)
    pages = [
        ("report", str(report(alaska, fc, "html")), [
            ("report.png", None, 1300),
            ("report-issue.png", "#issue-ceasefire", 1250),
            ("report-rounds.png", "#rounds", 1300),
            ("report-signals.png", "#signals", 1300),
            ("report-sensitivity.png", "#sensitivity", 1100),
        ]),
        ("article", render_html(build_article(alaska, fc, stage="before",
                                              published=published)), [
            ("article.png", None, 1400),
            ("article-stakeholders.png", "#stakeholders", 1300),
        ]),
        ("live", render_html(build_article(small, small_fc, stage="during",
                                           published=published)), [
            ("article-live.png", None, 1200),
        ]),
    ]
    shots(pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
