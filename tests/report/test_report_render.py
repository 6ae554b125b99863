"""The report as HTML, Markdown and PDF: self-contained, escaped, written atomically."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import summitry.report.render as render_mod
from summitry.errors import MissingExtraError, SummitryError
from summitry.forecast import Forecast
from summitry.report import MissingBrowserError, report, write_report
from summitry.report.escape import md_text, script_json
from summitry.scenario import Scenario

from ._report_fixtures import EVIL_IMG, EVIL_SCRIPT


class Scripts(HTMLParser):
    """Collects <script> elements (attributes and text) and external references."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.external: list[str] = []
        self._in: dict[str, str | None] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v.startswith(("http:", "https:", "//")):
                self.external.append(v)
        if tag == "script":
            self._in, self._buf = a, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in is not None:
            self.scripts.append((self._in, "".join(self._buf)))
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._buf.append(data)


def parse(html: str) -> Scripts:
    p = Scripts()
    p.feed(html)
    return p


def test_html_is_self_contained(scenario: Scenario, point_forecast: Forecast) -> None:
    html = report(scenario, point_forecast, "html")
    assert isinstance(html, str)
    p = parse(html)
    assert p.external == []  # no CDN, no remote stylesheet
    assert all("src" not in attrs for attrs, _ in p.scripts)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    specs = json.loads(next(text for attrs, text in p.scripts
                            if attrs.get("id") == "summitry-charts"))
    assert {"position-ceasefire", "distribution-ceasefire", "trajectory-fakeplay",
            "outcomes", "history", "comparison"} <= set(specs)
    assert all(s["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
               for s in specs.values())
    code = "".join(text for attrs, text in p.scripts if not attrs.get("type"))
    assert "vegaEmbed" in code and "6.4.1" in code  # vendored vega-lite
    for section in ("At a glance", "Issues", "Round by round", "Named outcomes", "Signals",
                    "Evidence matrix", "Precedents", "Model comparison", "Method"):
        assert f">{section}<" in html, section


def test_hostile_text_is_escaped_in_html(evil: Scenario, evil_forecast: Forecast) -> None:
    html = report(evil, evil_forecast, "html")
    assert EVIL_SCRIPT not in html and EVIL_IMG not in html
    assert "&lt;/script&gt;&lt;script&gt;" in html  # shown as text in tables
    p = parse(html)
    data = next(text for attrs, text in p.scripts if attrs.get("id") == "summitry-charts")
    assert "<" not in data and ">" not in data
    assert EVIL_SCRIPT in data.encode().decode("unicode_escape") or EVIL_SCRIPT in json.dumps(
        json.loads(data))
    # every <script> block is one of ours: the JSON, the bundle, the embed code
    assert len(p.scripts) == 3


def test_script_json_escapes_and_round_trips() -> None:
    value = {"a": EVIL_SCRIPT + " & \u2028", "b": [1.5, None]}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value
    with pytest.raises(ValueError):
        script_json({"x": float("nan")})


def test_markdown_report_renders(tmp_path: Path, evil: Scenario,
                                 evil_forecast: Forecast) -> None:
    out = write_report(tmp_path / "r.md", evil, evil_forecast)
    text = out.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and all((tmp_path / i).is_file() for i in images)
    assert all((tmp_path / i).read_bytes().startswith(b"\x89PNG") for i in images)
    md = MarkdownIt("commonmark").enable("table")
    html = md.render(text)
    assert EVIL_SCRIPT not in html and EVIL_IMG not in html
    tokens = md.parse(text)
    n_tables = 0
    cols: int | None = None
    for tok in tokens:
        if tok.type == "table_open":
            n_tables, cols = n_tables + 1, None
        if tok.type == "tr_open":
            row_cells = 0
        if tok.type in ("th_open", "td_open"):
            row_cells += 1
        if tok.type == "tr_close":
            cols = row_cells if cols is None else cols
            assert row_cells == cols  # every row as wide as the header
    assert n_tables >= 8
    # each Markdown table line has the header's number of cells
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("|"):
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    for block in (b for b in blocks if b):
        widths = {len(re.findall(r"(?<!\\)\|", line.strip())) for line in block}
        assert len(widths) == 1, block


def test_markdown_embeds_images_without_assets(scenario: Scenario,
                                               point_forecast: Forecast) -> None:
    text = report(scenario, point_forecast, "md")
    assert isinstance(text, str)
    assert "](data:image/png;base64," in text


def test_md_text_escapes() -> None:
    assert md_text("a|b") == "a\\|b"
    assert md_text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert md_text("one\ntwo") == "one two"


def test_write_report_is_atomic(tmp_path: Path, scenario: Scenario, point_forecast: Forecast,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.html"
    target.write_text("old")

    def boom(*args: object, **kwargs: object) -> str:
        raise SummitryError("rendering failed")

    monkeypatch.setattr(render_mod, "report", boom)
    with pytest.raises(SummitryError):
        write_report(target, scenario, point_forecast)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    monkeypatch.undo()
    write_report(target, scenario, point_forecast)
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temp file left
    assert target.stat().st_mode & 0o044  # readable by others, like a normal write


def test_unknown_format(tmp_path: Path, scenario: Scenario, point_forecast: Forecast) -> None:
    with pytest.raises(SummitryError, match="suffix"):
        write_report(tmp_path / "r.docx", scenario, point_forecast)
    with pytest.raises(SummitryError, match="unknown report format"):
        report(scenario, point_forecast, "docx")  # type: ignore[arg-type]


def test_missing_modules_leave_sections_out(scenario: Scenario, point_forecast: Forecast,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import summitry.report.data as data_mod

    monkeypatch.setattr(data_mod, "optional_module", lambda name: None)
    monkeypatch.setattr(render_mod, "optional_module", lambda name: None)
    html = report(scenario, point_forecast, "html")
    assert ">Precedents<" not in html and ">Sensitivity<" not in html
    assert "summitry.reference is not available" in html
    assert "summitry.sensitivity is not available" in html


def test_no_outcomes_no_updates(scenario: Scenario, point_forecast: Forecast) -> None:
    bare = scenario.evolve(outcomes=(), signals=(), updates=(), reference=None)
    import summitry

    fc = summitry.forecast(bare, ["compromise"])
    html = report(bare, fc, "html")
    assert "declares no &#39;outcomes:&#39; rules" in html
    assert ">Named outcomes<" not in html


def test_pdf_needs_chromium(scenario: Scenario, point_forecast: Forecast,
                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMMITRY_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(MissingBrowserError, match="apt-get install chromium") as info:
        report(scenario, point_forecast, "pdf")
    assert isinstance(info.value, MissingExtraError)


@pytest.mark.browser
def test_pdf_report(scenario: Scenario, point_forecast: Forecast) -> None:
    if render_mod.find_chromium() is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pdf = report(scenario, point_forecast, "pdf")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    assert len(pdf) > 50_000  # charts drawn as vector graphics
