"""TestClient tests of every JSON API route: answers, errors, limits, concurrency."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import DATA, XSS, TestClient, make_client, tiny_scenario

from summitry import examples, forecast, load
from summitry.store import Store

PROBLEM = "application/problem+json"


def problem(r: Any, status: int) -> dict[str, Any]:
    """The response's problem document, after checking status and media type."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["detail"] and isinstance(body["errors"], list)
    return body


def wait_job(client: TestClient, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


# --- general ------------------------------------------------------------------------------------


def test_health_models_examples(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    names = [m["name"] for m in client.get("/api/models").json()]
    assert "compromise" in names and "exchange" in names
    ex = client.get("/api/examples").json()
    assert [e["name"] for e in ex] == list(examples.names())
    assert ex[0]["actors"] > 0 and ex[0]["title"]


def test_example_scenario_and_forecast(client: TestClient) -> None:
    r = client.get("/api/examples/bdm1994-car-emissions")
    assert r.status_code == 200
    assert r.json()["scenario"]["issues"][0]["id"]
    r = client.get("/api/examples/bdm1994-car-emissions/forecast",
                   params={"models": ["compromise", "median"]})
    doc = r.json()
    assert [f["model"] for f in doc["forecasts"]] == ["compromise", "median"]
    expected = forecast(load(examples.path("bdm1994-car-emissions")), ["compromise"])
    assert doc["forecasts"][0]["issues"][0]["outcome"] == pytest.approx(
        float(expected["compromise"].point()[0]))


def test_unknown_ids_are_404(client: TestClient, tiny: str) -> None:
    for url in ["/api/examples/nope", "/api/examples/nope/forecast",
                "/api/scenarios/nope", "/api/scenarios/NOPE%00", "/api/scenarios/nope/versions",
                f"/api/scenarios/{tiny}/versions/99", f"/api/scenarios/{tiny}?version=7",
                "/api/runs/12345", "/api/jobs/0123456789abcdef0123456789abcdef",
                "/api/jobs/not-a-job", "/api/scenarios/nope/signals",
                "/api/scenarios/nope/article", "/api/nope"]:
        body = problem(client.get(url), 404)
        assert "unknown" in body["detail"] or "no page" in body["detail"], url
    problem(client.post("/api/examples/nope/whatif", json={}), 404)
    problem(client.post("/api/scenarios/nope/restore", json={"version": 1}), 404)
    problem(client.post(f"/api/scenarios/{tiny}/restore", json={"version": 9}), 404)
    problem(client.get(f"/api/scenarios/{tiny}/diff", params={"old": 1, "new": 5}), 404)


# --- scenarios, versions, diff, restore -----------------------------------------------------------


def test_create_read_update_versions_diff_restore(client: TestClient, tiny: str) -> None:
    assert tiny == "tiny"
    assert client.get("/api/scenarios").json()[0]["slug"] == "tiny"
    got = client.get("/api/scenarios/tiny").json()
    assert got["version"] == got["latest_version"] == 1
    data = got["scenario"]
    data["stances"][0]["position"] = 35
    r = client.put("/api/scenarios/tiny", json={"scenario": data, "message": "move a",
                                                "base_version": 1})
    assert r.status_code == 201
    assert r.json()["version"] == 2 and r.json()["based_on_stale"] is False
    hist = client.get("/api/scenarios/tiny/versions").json()
    assert [h["version"] for h in hist] == [1, 2]
    assert hist[1]["message"] == "move a"
    old = client.get("/api/scenarios/tiny/versions/1").json()["scenario"]
    assert old["stances"][0]["position"] == 20
    diff = client.get("/api/scenarios/tiny/diff", params={"old": 1, "new": 2}).json()
    assert diff["changes"] == [{"path": "stances.a.x.position", "old": 20.0, "new": 35.0}]
    r = client.post("/api/scenarios/tiny/restore", json={"version": 1})
    assert r.status_code == 201 and r.json()["version"] == 3
    assert client.get("/api/scenarios/tiny").json()["scenario"]["stances"][0]["position"] == 20


def test_concurrent_edit_becomes_new_version_and_says_so(client: TestClient, tiny: str) -> None:
    base = client.get("/api/scenarios/tiny").json()
    mine = json.loads(json.dumps(base["scenario"]))
    theirs = json.loads(json.dumps(base["scenario"]))
    theirs["actors"][0]["capability"] = 5
    mine["actors"][1]["capability"] = 7
    first = client.put("/api/scenarios/tiny", json={"scenario": theirs, "base_version": 1})
    second = client.put("/api/scenarios/tiny", json={"scenario": mine, "base_version": 1})
    assert first.json()["based_on_stale"] is False
    out = second.json()
    assert second.status_code == 201 and out["version"] == 3
    assert out["based_on_stale"] is True and "nothing was overwritten" in out["warning"]
    # both edits are kept as versions
    assert client.get("/api/scenarios/tiny/versions/2").json()["scenario"]["actors"][0][
        "capability"] == 5
    assert client.get("/api/scenarios/tiny/versions/3").json()["scenario"]["actors"][1][
        "capability"] == 7
    body = problem(client.put("/api/scenarios/tiny", json={"scenario": mine,
                                                           "base_version": 9}), 422)
    assert body["errors"][0]["path"] == "base_version"


def test_create_conflict_and_invalid_scenarios(client: TestClient, tiny: str) -> None:
    body = problem(client.post("/api/scenarios", json={"scenario": tiny_scenario()}), 409)
    assert body["errors"][0]["path"] == "slug"
    bad = tiny_scenario()
    bad["stances"][1]["position"] = 160
    bad["actors"][0]["capability"] = -1
    body = problem(client.post("/api/scenarios", json={"scenario": bad, "slug": "bad"}), 422)
    paths = {e["path"] for e in body["errors"]}
    assert "scenario.actors[0].capability" in paths
    problem(client.put("/api/scenarios/tiny", json={"scenario": {"issues": "x"}}), 422)
    # unknown members are refused (pydantic extra="forbid"), with their path
    body = problem(client.post("/api/scenarios", json={"scenario": tiny_scenario(),
                                                       "surprise": 1}), 422)
    assert body["errors"][0]["path"] == "surprise"
    body = problem(client.post("/api/scenarios", content=b"{not json",
                               headers={"content-type": "application/json"}), 422)
    problem(client.post("/api/scenarios", content=b"[" * 100_000,
                        headers={"content-type": "application/json"}), 400)
    assert len(client.get("/api/scenarios").json()) == 1


def test_user_text_is_kept_verbatim_in_json(client: TestClient) -> None:
    sc = tiny_scenario()
    sc["actors"][0]["name"] = XSS
    r = client.post("/api/scenarios", json={"scenario": sc, "slug": "x1"})
    assert r.status_code == 201
    assert client.get("/api/scenarios/x1").json()["scenario"]["actors"][0]["name"] == XSS


# --- uploads --------------------------------------------------------------------------------------


def test_upload_each_format(client: TestClient, tmp_path: Path) -> None:
    files = {
        "yaml": (examples.path("bdm1994-car-emissions"), "bdm.yaml"),
        "decide": (DATA / "decide" / "copenhagen.csv", "copenhagen.csv"),
        "ktab": (next((DATA / "ktab").glob("*.csv")), "ktab.csv"),
    }
    sc = load(examples.path("bdm1994-car-emissions"))
    tidy = tmp_path / "tidy.csv"
    rows = ["actor,issue,position,salience,capability"]
    rows += [f"{st.actor},{st.issue},{st.position},{st.salience / 100},"
             f"{sc.actor(st.actor).capability}" for st in sc.stances]
    tidy.write_text("\n".join(rows) + "\n")
    files["tidy"] = (tidy, "tidy.csv")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for line in rows:
        ws.append([float(c) if c.replace(".", "", 1).isdigit() else c for c in line.split(",")])
    xlsx = tmp_path / "tidy.xlsx"
    wb.save(xlsx)
    files["xlsx"] = (xlsx, "tidy.xlsx")
    for kind, (path, name) in files.items():
        r = client.post("/api/scenarios/upload", files={"file": (name, path.read_bytes())},
                        data={"slug": f"up-{kind}"})
        assert r.status_code == 201, (kind, r.text)
        assert r.json()["slug"] == f"up-{kind}"
        assert client.get(f"/api/scenarios/up-{kind}").json()["scenario"]["actors"]


def test_upload_errors_name_rows(client: TestClient) -> None:
    raw = (DATA / "decide" / "copenhagen_with_errors.csv").read_bytes()
    r = client.post("/api/scenarios/upload",
                    files={"file": ("copenhagen_with_errors.csv", raw)})
    body = problem(r, 422)
    assert body["detail"].startswith("copenhagen_with_errors.csv:")
    assert [e["path"] for e in body["errors"]] == ["row 86", "row 87"]
    assert body["errors"][0]["found"] == "160"
    assert "tmp" not in json.dumps(body)  # no server paths leak
    for content in (b"", b"\x00\x01\x02binary\xff", b"issues: [1, 2", b"a,b\n1,2\n"):
        problem(client.post("/api/scenarios/upload", files={"file": ("f.csv", content)}),
                422)
    problem(client.post("/api/scenarios/upload", data={"slug": "x"}), 422)
    assert client.get("/api/scenarios").json() == []


def test_request_size_limit_413_before_reading(client: TestClient) -> None:
    big = b"x" * 300_000
    body = problem(client.post("/api/scenarios/upload", files={"file": ("big.csv", big)}), 413)
    assert "200,000" in body["detail"]
    # a body without Content-Length (chunked) is cut off at the limit too
    def chunks() -> Any:
        for _ in range(100):
            yield b"y" * 10_000

    problem(client.post("/api/scenarios", content=chunks(),
                        headers={"content-type": "application/json"}), 413)
    problem(client.post("/api/scenarios", content=b"{}",
                        headers={"content-type": "application/json",
                                 "content-length": "abc"}), 400)


# --- forecasts, runs, jobs ------------------------------------------------------------------------


def test_scenario_forecast_and_sync_limit(client: TestClient, tiny: str) -> None:
    doc = client.get("/api/scenarios/tiny/forecast", params={"models": "compromise"}).json()
    assert doc["forecasts"][0]["issues"][0]["outcome"] == pytest.approx(
        (20 * 0.8 * 1 + 80 * 0.6 * 2) / (0.8 + 1.2))
    assert doc["source"] == {"kind": "scenario", "name": "tiny", "version": 1}
    body = problem(client.get("/api/scenarios/tiny/forecast", params={"draws": 51}), 422)
    assert body["errors"][0]["path"] == "draws"
    body = problem(client.get("/api/scenarios/tiny/forecast", params={"models": "nope"}), 422)
    assert body["errors"][0]["path"] == "models" and "compromise" in body["detail"]
    body = problem(client.get("/api/scenarios/tiny/forecast", params={"draws": 0}), 422)
    assert body["errors"][0]["path"] == "query.draws"


def test_background_run_is_recorded_with_provenance(client: TestClient, tiny: str) -> None:
    r = client.post("/api/scenarios/tiny/runs",
                    json={"models": ["compromise", "median"], "draws": 300, "seed": 4})
    assert r.status_code == 202 and r.headers["location"].startswith("/api/jobs/")
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done" and job["progress"] == 1.0
    assert job["done"] == job["total"] >= 2
    runs = client.get("/api/scenarios/tiny/runs").json()
    assert len(runs) == 1 and runs[0]["id"] == job["run_id"]
    assert runs[0]["draws"] == 300 and runs[0]["seed"] == 4
    stored = client.get(f"/api/runs/{job['run_id']}").json()
    assert stored["provenance"]["input_hash"] == load_tiny().input_hash()
    assert stored["forecasts"] == job["result"]["forecasts"]
    direct = forecast(load_tiny(), ["compromise", "median"], draws=300, seed=4).to_dict()
    assert stored["outcomes"] == direct["outcomes"]
    assert [j["id"] for j in client.get("/api/jobs").json()] == [job["id"]]


def load_tiny() -> Any:
    from summitry.io import from_dict

    return from_dict(tiny_scenario())


def test_run_limits_and_cancel(client: TestClient, tiny: str) -> None:
    body = problem(client.post("/api/scenarios/tiny/runs", json={"draws": 5001}), 422)
    assert body["errors"][0]["path"] == "draws"
    problem(client.post("/api/scenarios/tiny/runs", json={"draws": -1}), 422)
    problem(client.post("/api/scenarios/tiny/runs", json={"models": ["x"]}), 422)
    r = client.post("/api/examples/bdm1994-car-emissions/runs",
                    json={"models": ["compromise"], "draws": 10})
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done" and job["run_id"] is None  # examples are not stored
    r = client.post(f"/api/jobs/{job['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "done"
    problem(client.post("/api/jobs/ffffffffffffffffffffffffffffffff/cancel"), 404)


def test_queue_full_is_429(db_path: Path) -> None:
    import threading

    gate = threading.Event()
    with make_client(db_path, job_workers=1, max_pending_jobs=1) as c:
        st = c.app.state.summitry  # type: ignore[attr-defined]
        st.jobs.submit("block", lambda job: gate.wait(30))
        body = problem(c.post("/api/examples/bdm1994-car-emissions/runs",
                              json={"draws": 10}), 429)
        assert "busy" in body["detail"]
        gate.set()


# --- what-if --------------------------------------------------------------------------------------


def test_whatif(client: TestClient, tiny: str) -> None:
    r = client.post("/api/scenarios/tiny/whatif",
                    json={"assign": [{"path": "a.x.salience", "value": 0.1}],
                          "models": ["compromise"]})
    doc = r.json()
    item = doc["issues"][0]["models"]["compromise"]
    assert item["whatif"] > item["base"]
    assert doc["changes"] == ["Alpha · Deal size · salience → 0.1"]
    r = client.post("/api/examples/bdm1994-car-emissions/whatif",
                    json={"drop": ["Germany"], "models": ["median"]})
    assert r.status_code == 200 and r.json()["changes"] == ["drop Germany"]
    body = problem(client.post("/api/scenarios/tiny/whatif", json={"drop": ["a", "b"]}), 422)
    assert "cannot drop" in body["detail"]
    problem(client.post("/api/scenarios/tiny/whatif",
                        json={"assign": [{"path": "a.x.salience", "value": 7}]}), 422)
    problem(client.post("/api/scenarios/tiny/whatif",
                        json={"assign": [{"path": "zz.x.salience", "value": 0.1}]}), 422)
    body = problem(client.post("/api/scenarios/tiny/whatif",
                               json={"assign": [{"path": "a.x.salience", "value": "NaN"}]}),
                   422)
    assert body["errors"][0]["path"] == "assign[0].value"
    problem(client.post("/api/scenarios/tiny/whatif", json={"draws": 51}), 422)
    problem(client.post("/api/scenarios/tiny/whatif", json={"version": 4}), 404)


# --- signals --------------------------------------------------------------------------------------


def test_record_signal_updates_log_and_version(client: TestClient, tiny: str) -> None:
    r = client.post("/api/scenarios/tiny/signals",
                    json={"signal": "s1", "note": XSS, "date": "2025-08-10",
                          "models": ["compromise"], "base_version": 1})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["version"]["version"] == 2 and out["version"]["based_on_stale"] is False
    up = out["update"]
    assert up["signal"] == "s1" and up["status"] == "observed" and up["note"] == XSS
    # Bayes: prior × likelihood, normalised (the compromise forecast says "Big")
    prior = up["prior"]
    post_big = prior["Big"] * 0.8 / (prior["Big"] * 0.8 + prior["Small"] * 0.3)
    assert up["posterior"]["Big"] == pytest.approx(post_big)
    sig = client.get("/api/scenarios/tiny/signals").json()
    assert sig["current"] == up["posterior"] and len(sig["log"]) == 1
    assert sig["log"][0]["version"] == 2
    assert [s["status"] for s in sig["signals"]] == ["observed", "unknown"]
    r = client.post("/api/scenarios/tiny/signals",
                    json={"signal": "s2", "status": "absent", "base_version": 1,
                          "models": ["compromise"]})
    assert r.json()["version"]["based_on_stale"] is True
    assert r.json()["update"]["prior"] == pytest.approx(up["posterior"])
    body = problem(client.post("/api/scenarios/tiny/signals", json={"signal": "nope"}), 422)
    assert body["errors"][0]["path"] == "signal"
    problem(client.post("/api/scenarios/tiny/signals", json={"signal": "s1",
                                                              "status": "maybe"}), 422)
    problem(client.post("/api/scenarios/tiny/signals", json={"signal": "s1",
                                                              "draws": 10**6}), 422)


# --- article and report ---------------------------------------------------------------------------


def test_article_and_report_documents(client: TestClient) -> None:
    sc = tiny_scenario()
    sc["actors"][0]["name"] = XSS
    sc["meta"]["summary"] = XSS
    client.post("/api/scenarios", json={"scenario": sc, "slug": "doc"})
    r = client.get("/api/scenarios/doc/article", params={"models": "compromise"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "sandbox" in r.headers["content-security-policy"]
    assert "script-src" not in r.headers["content-security-policy"]
    assert XSS not in r.text and "&lt;img src=x onerror=alert(1)&gt;" in r.text
    md = client.get("/api/scenarios/doc/article",
                    params={"format": "md", "stage": "after", "download": "true",
                            "models": "compromise"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.headers["content-disposition"] == 'attachment; filename="doc-v1-article.md"'
    rep = client.get("/api/scenarios/doc/report", params={"models": "compromise"})
    assert rep.status_code == 200 and "sandbox allow-scripts" in rep.headers[
        "content-security-policy"]
    assert XSS not in rep.text
    problem(client.get("/api/scenarios/doc/article", params={"stage": "later"}), 422)
    problem(client.get("/api/scenarios/doc/report", params={"format": "pdf"}), 422)
    problem(client.get("/api/scenarios/doc/report", params={"job": "0" * 32}), 404)
    r = client.post("/api/scenarios/doc/articles", json={"models": ["compromise"]})
    assert r.status_code == 201
    saved = client.get("/api/scenarios/doc/articles").json()
    assert saved[0]["id"] == r.json()["id"] and saved[0]["format"] == "html"
    ex = client.get("/api/examples/bdm1994-car-emissions/article",
                    params={"models": "compromise"})
    assert ex.status_code == 200


def test_documents_of_a_finished_job(client: TestClient, tiny: str) -> None:
    r = client.post("/api/scenarios/tiny/runs", json={"models": ["compromise"], "draws": 200})
    job = wait_job(client, r.json()["id"])
    rep = client.get("/api/scenarios/tiny/report", params={"job": job["id"], "format": "md"})
    assert rep.status_code == 200 and "200" in rep.text
    # a job of another version is refused
    data = client.get("/api/scenarios/tiny").json()["scenario"]
    data["stances"][0]["position"] = 30
    client.put("/api/scenarios/tiny", json={"scenario": data})
    problem(client.get("/api/scenarios/tiny/report", params={"job": job["id"]}), 409)


def test_copy_example(client: TestClient) -> None:
    r = client.post("/api/examples/bdm1994-car-emissions/copy")
    assert r.status_code == 201 and r.json()["slug"] == "bdm1994-car-emissions"
    assert client.post("/api/examples/bdm1994-car-emissions/copy").json()["version"] == 2


# --- cross-cutting ------------------------------------------------------------------------------


def test_get_never_changes_the_database(client: TestClient, tiny: str, db_path: Path) -> None:
    client.post("/api/scenarios/tiny/signals", json={"signal": "s1", "models": ["compromise"]})

    def snapshot() -> str:
        with Store(db_path) as s:
            return json.dumps(s.export(), sort_keys=True)

    before = snapshot()
    doc = client.app.openapi()  # type: ignore[attr-defined]
    for path, item in doc["paths"].items():
        if "get" not in item:
            continue
        url = (path.replace("{slug}", "tiny").replace("{name}", "bdm1994-car-emissions")
               .replace("{version}", "1").replace("{run_id}", "1")
               .replace("{job_id}", "0" * 32))
        params = {"old": 1, "new": 2} if url.endswith("/diff") else {"models": "compromise"}
        r = client.get(url, params=params)
        assert r.status_code < 500, (url, r.text)
    for page in ["/", "/scenarios", "/scenarios/tiny", "/scenarios/tiny/versions",
                 "/scenarios/tiny/edit", "/scenarios/tiny/signals", "/scenarios/new"]:
        assert client.get(page).status_code == 200
    assert snapshot() == before


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert client.get("/static/app.js").headers.get("cache-control") != "no-store"


def test_host_and_origin_checks(client: TestClient) -> None:
    body = problem(client.get("/api/health", headers={"host": "evil.example"}), 400)
    assert "Host" in body["detail"]
    assert client.get("/api/health", headers={"host": "localhost:8000"}).status_code == 200
    body = problem(client.post("/api/examples/bdm1994-car-emissions/copy",
                               headers={"origin": "http://evil.example"}), 403)
    assert "cross-site" in body["detail"]
    ok = client.post("/api/examples/bdm1994-car-emissions/copy",
                     headers={"origin": "http://127.0.0.1"})
    assert ok.status_code == 201


def test_method_not_allowed_is_a_problem(client: TestClient) -> None:
    problem(client.delete("/api/scenarios"), 405)


def test_openapi_declares_problem_responses(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    op = doc["paths"]["/api/scenarios/{slug}"]["put"]
    assert set(op["responses"]) >= {"201", "400", "404", "413", "422"}
    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert not any(p.startswith("/scenarios") for p in doc["paths"])  # pages are not API
    assert client.get("/docs").status_code == 404  # no CDN-loaded Swagger UI
