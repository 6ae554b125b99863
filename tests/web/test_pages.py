"""TestClient tests of every page and htmx fragment."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from typing import Any

from tests.web.conftest import DATA, XSS, TestClient, tiny_scenario

from summitry import examples

HX = {"HX-Request": "true"}
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def assert_safe(html: str) -> None:
    """No element an attacker injected, no inline script or style anywhere."""
    for tag, attrs in tags(html):
        assert not (tag == "img" and attrs.get("src") == "x"), "injected <img> rendered"
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        if tag == "script":
            assert attrs.get("src") or attrs.get("type") == "application/json", attrs
    assert XSS not in html


def field_error(html: str, name: str) -> str:
    m = re.search(rf'<span class="field-error" id="err-{re.escape(name)}">(.*?)</span>', html,
                  re.S)
    assert m, f"no message beside {name}"
    return m.group(1)


def test_home_lists_examples_and_scenarios(client: TestClient, tiny: str) -> None:
    html = client.get("/").text
    for name in examples.names():
        assert f'href="/examples/{name}"' in html
    assert 'href="/scenarios/tiny"' in html and "Tiny talks" in html
    assert "tiny" in client.get("/scenarios").text
    api = client.get("/api").text
    assert "/api/scenarios/{slug}/whatif" in api and "POST" in api


def test_example_page_shows_forecast_charts_whatif(client: TestClient) -> None:
    r = client.get("/examples/alaska-2025")
    assert r.status_code == 200
    html = r.text
    assert 'id="whatif-form"' in html and 'hx-post="/examples/alaska-2025/whatif"' in html
    assert 'type="range"' in html and 'data-chart="spec-main-outcomes"' in html
    assert "Breakthrough" in html  # named outcomes of the example
    assert '<script src="/static/vega/vega-embed.min.js"' in html
    assert "cdn" not in html.lower()
    assert_safe(html)


def test_whatif_fragment_changes_forecast(client: TestClient) -> None:
    base = client.post("/examples/alaska-2025/whatif", data={}, headers=HX)
    assert base.status_code == 200 and 'data-changes="0"' in base.text
    r = client.post("/examples/alaska-2025/whatif",
                    data={"a1-0-salience": "0.05", "chart_issue": "0"}, headers=HX)
    assert r.status_code == 200 and 'data-changes="1"' in r.text
    assert "<html" not in r.text  # a fragment, not a page
    assert 'id="whatif-issues"' in r.text and "spec-wi-position-" in r.text
    def first_row(html: str) -> list[str]:
        row = re.search(r'id="whatif-issues".*?<tbody>\s*<tr>(.*?)</tr>', html, re.S)
        assert row
        return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1))

    assert first_row(r.text)[1] != first_row(base.text)[1]
    drop = client.post("/examples/alaska-2025/whatif", data={"a0-drop": "1"}, headers=HX)
    assert drop.status_code == 200 and "drop" in drop.text
    bad = client.post("/examples/alaska-2025/whatif", data={"a1-0-salience": "abc"},
                      headers=HX)
    assert bad.status_code == 422 and "expected a number" in bad.text
    full = client.post("/examples/alaska-2025/whatif", data={"a1-0-salience": "0.05"})
    assert full.status_code == 200 and "<html" in full.text


def test_run_job_progress_fragment(client: TestClient, tiny: str) -> None:
    r = client.post("/scenarios/tiny/runs", data={"models": ["compromise", "median"],
                                                  "draws": "200", "seed": "2"}, headers=HX)
    assert r.status_code == 202
    m = re.search(r'id="job-([0-9a-f]{32})"', r.text)
    assert m
    job = m.group(1)
    for _ in range(400):
        frag = client.get(f"/jobs/{job}/fragment")
        if 'data-status="done"' in frag.text:
            break
        assert "<progress" in frag.text and 'hx-trigger="load delay:400ms"' in frag.text
        time.sleep(0.05)
    assert 'data-status="done"' in frag.text and "hx-get" not in frag.text
    assert "Report of this run" in frag.text and "stored as" in frag.text
    assert client.get(f"/jobs/{job}").status_code == 200
    page = client.get("/scenarios/tiny").text
    assert "Stored runs" in page
    no_js = client.post("/scenarios/tiny/runs", data={"models": "compromise", "draws": "5"},
                        follow_redirects=False)
    assert no_js.status_code == 303 and no_js.headers["location"].startswith("/jobs/")
    assert client.post("/scenarios/tiny/runs", data={"draws": "5"}).status_code == 422
    assert client.post("/scenarios/tiny/runs", data={"models": "compromise",
                                                     "draws": "lots"}).status_code == 422
    assert client.get("/jobs/nope").status_code == 404
    cancel = client.post(f"/jobs/{job}/cancel", headers=HX)
    assert cancel.status_code == 200


def test_editor_saves_a_new_version(client: TestClient, tiny: str) -> None:
    html = client.get("/scenarios/tiny/edit").text
    assert 'name="actors-0-name" id="f-actors-0-name" value="Alpha"' in html
    assert 'name="base_version" value="1"' in html
    form = form_fields(html)
    form["actors-0-name"] = XSS
    form["stances-0-position"] = "30"
    r = client.post("/scenarios/tiny/edit", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/scenarios/tiny?saved=2"
    page = client.get(r.headers["location"]).text
    assert "Saved as version 2" in page and ESCAPED in page
    assert_safe(page)
    saved = client.get("/api/scenarios/tiny").json()["scenario"]
    assert saved["actors"][0]["name"] == XSS and saved["stances"][0]["position"] == 30
    # fields the editor does not show are kept
    assert saved["outcomes"][0]["rule"] == "x >= 50"
    assert_safe(client.get("/scenarios/tiny/edit").text)


def form_fields(html: str) -> dict[str, Any]:
    """The values a browser would submit for the editor form."""
    out: dict[str, Any] = {}
    for tag, attrs in tags(html):
        name = attrs.get("name")
        if not name or tag not in ("input", "select", "textarea"):
            continue
        if tag == "input" and attrs.get("type") == "checkbox":
            continue
        if tag == "input" and attrs.get("type") == "submit":
            continue
        out[name] = attrs.get("value") or ""
    for m in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', m.group(2))
        out[m.group(1)] = sel.group(1) if sel else (
            re.search(r'<option value="([^"]*)"', m.group(2)) or [None, ""])[1]
    for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        out[m.group(1)] = m.group(2)
    out["action"] = "save"
    return out


def test_editor_validation_messages_beside_fields(client: TestClient, tiny: str) -> None:
    form = form_fields(client.get("/scenarios/tiny/edit").text)
    form["stances-1-position"] = "160"
    form["stances-0-salience"] = "lots"
    form["actors-1-capability"] = "-2"
    r = client.post("/scenarios/tiny/edit", data=form)
    assert r.status_code == 422
    assert "expected a number" in field_error(r.text, "stances-0-salience")
    assert 'aria-invalid="true" aria-describedby="err-stances-0-salience"' in r.text
    assert 'value="lots"' in r.text  # what was typed is shown again
    form["stances-0-salience"] = "0.5"
    r = client.post("/scenarios/tiny/edit", data=form)
    assert r.status_code == 422
    assert "greater than or equal to 0" in field_error(r.text, "actors-1-capability")
    assert "not saved" in r.text
    form["actors-1-capability"] = "2"  # the cross-field rules run once fields are valid
    r = client.post("/scenarios/tiny/edit", data=form)
    assert r.status_code == 422
    assert "outside the scale" in field_error(r.text, "stances-1-position")
    form["stances-2-actor"], form["stances-2-issue"] = "ghost", "x"
    form["stances-2-position"], form["stances-2-salience"] = "10", "0.5"
    r = client.post("/scenarios/tiny/edit", data=form)
    assert "unknown actor" in field_error(r.text, "stances-2-actor")
    assert len(client.get("/api/scenarios/tiny/versions").json()) == 1


def test_editor_more_rows_and_delete(client: TestClient, tiny: str) -> None:
    form = form_fields(client.get("/scenarios/tiny/edit").text)
    form["action"] = "more"
    r = client.post("/scenarios/tiny/edit", data=form)
    assert r.status_code == 200 and 'name="actors-4-id"' in r.text
    form = form_fields(client.get("/scenarios/tiny/edit").text)
    form["signals-1-delete"] = "1"
    r = client.post("/scenarios/tiny/edit", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert [s["id"] for s in client.get("/api/scenarios/tiny").json()["scenario"][
        "signals"]] == ["s1"]


def test_stale_edit_is_a_new_version_and_the_page_says_so(client: TestClient,
                                                          tiny: str) -> None:
    form = form_fields(client.get("/scenarios/tiny/edit").text)
    other = dict(form)
    other["actors-1-capability"] = "3"
    assert client.post("/scenarios/tiny/edit", data=other).status_code == 200
    form["actors-0-capability"] = "4"
    r = client.post("/scenarios/tiny/edit", data=form, follow_redirects=False)
    assert r.headers["location"] == "/scenarios/tiny?saved=3&stale=1"
    page = client.get(r.headers["location"]).text
    assert "did not overwrite it" in page and "/scenarios/tiny/diff?old=2&amp;new=3" in page


def test_create_page(client: TestClient) -> None:
    html = client.get("/scenarios/new").text
    form = form_fields(html)
    form.update({"title": "From the form", "issues-0-id": "deal", "actors-0-id": "us",
                 "actors-1-id": "them", "stances-0-actor": "us", "stances-0-issue": "deal",
                 "stances-0-position": "10", "stances-0-salience": "1",
                 "stances-1-actor": "them", "stances-1-issue": "deal",
                 "stances-1-position": "90", "stances-1-salience": "0.5"})
    r = client.post("/scenarios/new", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/scenarios/from-the-form?saved=1"
    assert client.get("/scenarios/from-the-form").status_code == 200
    r = client.post("/scenarios/new", data=form)
    assert r.status_code == 422 and "exists already" in field_error(r.text, "slug")
    empty = form_fields(html)
    r = client.post("/scenarios/new", data=empty)
    assert r.status_code == 422 and "at least one issue" in r.text


def test_upload_page_shows_row_errors(client: TestClient) -> None:
    assert 'enctype="multipart/form-data"' in client.get("/scenarios/upload").text
    raw = (DATA / "decide" / "copenhagen_with_errors.csv").read_bytes()
    r = client.post("/scenarios/upload", files={"file": ("copenhagen_with_errors.csv", raw)})
    assert r.status_code == 422
    assert "row 86" in r.text and "row 87" in r.text and "160" in r.text
    assert "Nothing was saved" in r.text
    ok = client.post("/scenarios/upload",
                     files={"file": ("c.csv", (DATA / "decide" / "copenhagen.csv").read_bytes())},
                     data={"slug": "cop"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/scenarios/cop?saved=1"
    big = client.post("/scenarios/upload", files={"file": ("b.csv", b"x" * 300_000)})
    assert big.status_code == 413
    none = client.post("/scenarios/upload", data={"slug": "x"})
    assert none.status_code == 422 and "choose a file" in none.text


def test_versions_diff_restore_pages(client: TestClient, tiny: str) -> None:
    data = client.get("/api/scenarios/tiny").json()["scenario"]
    data["actors"][0]["name"] = XSS
    client.put("/api/scenarios/tiny", json={"scenario": data, "message": XSS})
    html = client.get("/scenarios/tiny/versions").text
    assert 'id="restore-1"' in html and ESCAPED in html
    assert_safe(html)
    diff = client.get("/scenarios/tiny/diff", params={"old": 1, "new": 2}).text
    assert "actors.a.name" in diff and "Alpha" in diff
    assert_safe(diff)
    assert client.get("/scenarios/tiny/diff", params={"old": 1, "new": 9}).status_code == 404
    assert client.get("/scenarios/tiny/diff", params={"old": "x", "new": 1}).status_code == 422
    r = client.post("/scenarios/tiny/restore", data={"version": "1"}, follow_redirects=False)
    assert r.headers["location"] == "/scenarios/tiny?saved=3&restored=1"
    assert "a copy of version 1" in client.get(r.headers["location"]).text
    old = client.get("/scenarios/tiny", params={"version": 2}).text
    assert "You are looking at version 2" in old and "Restore version 2" in old
    assert client.get("/scenarios/tiny", params={"version": 9}).status_code == 404
    assert client.post("/scenarios/tiny/restore", data={"version": "9"}).status_code == 404


def test_signals_page_and_fragment(client: TestClient, tiny: str) -> None:
    html = client.get("/scenarios/tiny/signals").text
    assert 'hx-post="/scenarios/tiny/signals"' in html and "No update recorded yet" in html
    r = client.post("/scenarios/tiny/signals",
                    data={"signal": "s1", "status": "observed", "note": XSS,
                          "base_version": "1"}, headers=HX)
    assert r.status_code == 200 and 'id="signals-panel"' in r.text
    assert "saved as version 2" in r.text and 'id="signal-log"' in r.text
    assert "spec-history-" in r.text and ESCAPED in r.text
    assert_safe(r.text)
    r = client.post("/scenarios/tiny/signals", data={"signal": "zz"}, headers=HX)
    assert r.status_code == 422 and "unknown signal" in r.text
    r = client.post("/scenarios/tiny/signals", data={"signal": "s2", "status": "absent"},
                    follow_redirects=False)
    assert r.status_code == 303 and "saved=3" in r.headers["location"]
    assert "Recorded; saved as version 3" in client.get(r.headers["location"]).text


def test_document_pages(client: TestClient) -> None:
    sc = tiny_scenario()
    sc["actors"][0]["name"] = XSS
    client.post("/api/scenarios", json={"scenario": sc, "slug": "doc"})
    html = client.get("/scenarios/doc/article").text
    assert '<iframe class="document"' in html and 'sandbox=""' in html
    # the frame shows the version the page shows
    assert 'src="/api/scenarios/doc/article?draws=1&amp;stage=before&amp;version=1&amp;' \
        'format=html"' in html
    assert_safe(html)
    rep = client.get("/scenarios/doc/report").text
    assert 'sandbox="allow-scripts"' in rep
    assert client.get("/examples/alaska-2025/article", params={"stage": "during"}
                      ).status_code == 200
    assert client.get("/examples/alaska-2025/report").status_code == 200
    assert client.get("/scenarios/doc/article", params={"stage": "x"}).status_code == 422
    assert client.get("/scenarios/doc/article", params={"draws": "9999"}).status_code == 422
    r = client.post("/scenarios/doc/articles", data={"stage": "after", "draws": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and "saved_article=" in r.headers["location"]
    assert "Saved as article" in client.get(r.headers["location"]).text
    assert client.get("/examples/nope/article").status_code == 404


def test_copy_example_page(client: TestClient) -> None:
    r = client.post("/examples/bdm1994-car-emissions/copy", follow_redirects=False)
    assert r.headers["location"] == "/scenarios/bdm1994-car-emissions?saved=1"


def test_error_pages_are_html_for_browsers(client: TestClient) -> None:
    r = client.get("/scenarios/nope", headers={"accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "unknown scenario" in r.text
    r = client.get("/examples/%3Cimg%20src%3Dx%3E", headers={"accept": "text/html"})
    assert r.status_code == 404 and "<img src=x>" not in r.text


def test_htmx_errors_are_fragments(client: TestClient) -> None:
    r = client.post("/examples/nope/whatif", data={}, headers=HX)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert r.text.lstrip().startswith('<div class="note error"') and "<html" not in r.text
    r = client.get("/jobs/nope/fragment", headers=HX)
    assert r.status_code == 404 and "unknown job" in r.text
