"""``summitry brief`` and ``summitry report`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summitry.cli import main

from ._briefing_fixtures import FIXTURE


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_brief_check_table_for_alaska(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    out_html = tmp_path / "article.html"
    code, out, err = run(capsys, "brief", "-o", str(out_html), "--check", "--draws", "100",
                         "--published", "2025-08-14T09:00:00Z")
    assert code == 0, err
    assert out_html.read_text().startswith("<!DOCTYPE html>")
    assert "Keyphrase density" in out and "Transition words" in out
    assert "0 orange, 0 red" in out
    assert "Metadata: meta.url" in out  # the example has no URL: flagged
    assert f"wrote {out_html}" in err


def test_brief_markdown_and_sitemap(capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    md = tmp_path / "a.md"
    sitemap = tmp_path / "news.xml"
    code, _, err = run(capsys, "brief", str(FIXTURE), "-o", str(md), "--stage", "during",
                       "--draws", "1", "-m", "compromise,median", "--sitemap", str(sitemap),
                       "--url", "https://example.org/live/summit")
    assert code == 0, err
    text = md.read_text()
    assert text.startswith("---\n") and "Live updates" in text
    assert "<loc>https://example.org/live/summit</loc>" in sitemap.read_text()
    assert "updated" in err


@pytest.mark.parametrize(("args", "message"), [
    (["brief"], "nothing to do"),
    (["brief", "--stage", "soon", "--check"], "unknown stage"),
    (["brief", "-o", "a.docx"], "expected a file name ending in .html or .md"),
    (["brief", "--check", "--published", "yesterday"], "ISO 8601"),
    (["brief", "--check", "--url", "not-a-url", "--draws", "1", "-m", "compromise"],
     "absolute http"),
    (["report", "-o", "r.docx"], "expected a file name ending in .html, .md or .pdf"),
    (["report", "missing.yaml", "-o", "r.html"], "file not found"),
    (["report", "-o", "r.html", "--draws", "0"], "--draws"),
])
def test_user_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch, args: list[str],
                            message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_report_markdown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    code, _, err = run(capsys, "report", str(FIXTURE), "-o", str(out), "--draws", "1",
                       "-m", "compromise,median", "--no-sensitivity")
    assert code == 0, err
    assert (tmp_path / "report_files" / "outcomes.png").is_file()
    assert "## Named outcomes" in out.read_text()


def test_report_html(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = run(capsys, "report", str(FIXTURE), "-o", str(out), "--draws", "50",
                       "-m", "compromise", "--seed", "4")
    assert code == 0, err
    html = out.read_text()
    start = html.index('id="summitry-charts">') + len('id="summitry-charts">')
    specs = json.loads(html[start:html.index("</script>", start)])
    assert "tornado-ceasefire" in specs and "50 draws" in html
