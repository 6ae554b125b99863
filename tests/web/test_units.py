"""Unit tests of the web app's pure functions: problems, guards, forms, services, jobs."""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.web.conftest import tiny_scenario

from summitry import examples, forecast, load
from summitry.errors import InputError, SummitryError, ValidationError
from summitry.io import from_dict, save
from summitry.signals import record
from summitry.web.app import SafeJSONResponse
from summitry.web.forms import editor_from_data, parse_form, validate
from summitry.web.jobs import JobRegistry, QueueFull
from summitry.web.middleware import host_allowed, origin_matches
from summitry.web.problems import (
    ProblemError,
    field_name,
    input_error_entries,
    join_path,
    problem_body,
    pydantic_entries,
)
from summitry.web.services import LRU, Source, record_signal, run_forecast, slider_changes

# --- problems ------------------------------------------------------------------------------------


def test_problem_body_shape() -> None:
    body = problem_body(422, "bad", errors=[{"path": "draws", "message": "too big"}], extra=1)
    assert body == {"type": "about:blank", "title": HTTPStatus(422).phrase, "status": 422,
                    "detail": "bad", "errors": [{"path": "draws", "message": "too big"}],
                    "extra": 1}
    assert problem_body(599, "x")["title"] == "Error"


def test_input_error_entries_keep_rows_and_prefix_paths() -> None:
    exc = ValidationError("2 problems", source="f.csv", problems=[
        ValidationError("too big", location="row 7", expected="≤ 100", found=160),
        ValidationError("negative", location="actors[0].capability", found="x" * 500),
    ])
    entries = input_error_entries(exc, prefix="scenario")
    assert entries[0] == {"path": "row 7", "message": "too big", "expected": "≤ 100",
                          "found": "160"}
    assert entries[1]["path"] == "scenario.actors[0].capability"
    assert len(entries[1]["found"]) == 200
    single = input_error_entries(InputError("empty"))
    assert single == [{"path": "", "message": "empty"}]


def test_pydantic_entries_paths() -> None:
    errs = [{"loc": ("body", "assign", 0, "value"), "msg": "Value error, not finite",
             "input": "NaN"},
            {"loc": ("query", "draws"), "msg": "too small", "input": 0},
            {"loc": ("body",), "msg": "Field required", "type": "missing", "input": None}]
    assert pydantic_entries(errs) == [
        {"path": "assign[0].value", "message": "not finite", "found": "NaN"},
        {"path": "query.draws", "message": "too small", "found": "0"},
        {"path": "body", "message": "Field required"},
    ]


def test_problem_error_from_library_errors() -> None:
    p = ProblemError.from_summitry(SummitryError("nope\n  really"))
    assert p.status == 422 and p.body()["detail"] == "nope really"
    nf = ProblemError.not_found("scenario", "x", ["a", "b"])
    assert nf.status == 404 and "known: a, b" in nf.detail


@given(st.text(alphabet="abc[]0123456789.", max_size=30))
def test_field_name_never_fails(path: str) -> None:
    assert isinstance(field_name(path), str)


def test_field_name_and_join_path() -> None:
    assert field_name("signals[2].likelihoods") == "signals-2-likelihoods"
    assert join_path("a", "b") == "a.b"


# --- guards --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "ok"), [
    ("127.0.0.1", True), ("127.0.0.1:8000", True), ("localhost:1", True), ("[::1]:8000", True),
    ("LOCALHOST", True), ("127.0.0.1.evil.example", False), ("evil.example", False),
    ("", False), (None, False),
])
def test_host_allowed(host: str | None, ok: bool) -> None:
    assert host_allowed(host, ("127.0.0.1", "localhost", "::1")) is ok
    assert host_allowed(host, ("*",)) is True


@pytest.mark.parametrize(("origin", "host", "ok"), [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
    ("http://127.0.0.1", "127.0.0.1:80", True),
    ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
    ("https://127.0.0.1:8000", "127.0.0.1:8000", False),
    ("http://localhost:8000", "127.0.0.1:8000", False),
    ("null", "127.0.0.1:8000", False),
])
def test_origin_matches(origin: str, host: str, ok: bool) -> None:
    assert origin_matches(origin, "http", host) is ok


def test_safe_json_has_no_nan() -> None:
    out = json.loads(SafeJSONResponse({"a": float("nan"), "b": [1.0, float("inf")]}).body)
    assert out == {"a": None, "b": [1.0, None]}


# --- forms ---------------------------------------------------------------------------------------


def submitted(ed: Any) -> dict[str, str]:
    """What a browser sends for an editor (text fields, no checkboxes ticked)."""
    form = {"title": ed.title, "summary": ed.summary, "salience_scale": ed.salience_scale}
    if ed.base_version:
        form["base_version"] = str(ed.base_version)
    for sec in ed.sections:
        form[f"{sec.key}-count"] = str(len(sec.rows))
        for row in sec.rows:
            if row.orig is not None:
                form[f"{sec.key}-{row.index}-orig"] = str(row.orig)
            for c in row.cells:
                form[c.name] = c.value
    return form


@pytest.mark.parametrize("name", examples.names())
def test_editor_round_trip_is_lossless(name: str) -> None:
    sc = load(examples.path(name))
    data = sc.to_dict()
    ed = editor_from_data(data, blanks=2, base_version=3)
    ed2, parsed, rowmap = parse_form(submitted(ed), data)
    assert parsed is not None and not ed2.errors
    back = validate(ed2, parsed, rowmap)
    assert back is not None and back == sc


def test_editor_maps_problems_to_fields_and_rows() -> None:
    data = tiny_scenario()
    sc = from_dict(data)
    ed = editor_from_data(sc.to_dict())
    form = submitted(ed)
    form["stances-1-position"] = "160"
    form["issues-0-upper"] = "1e999"
    ed2, parsed, _ = parse_form(form, sc.to_dict())
    assert parsed is None
    assert ed2.errors == {"issues-0-upper": "expected a number, found '1e999'"}
    form["issues-0-upper"] = "100"
    form["signals-0-lik-1"] = ""
    ed3, parsed, rowmap = parse_form(form, sc.to_dict())
    assert parsed is not None
    assert validate(ed3, parsed, rowmap) is None
    assert "outside the scale" in ed3.errors["stances-1-position"]
    assert "no likelihood for 'Small'" in ed3.errors["signals-0"]
    cell = next(c for s in ed3.sections for r in s.rows for c in r.cells
                if c.name == "stances-1-position")
    assert cell.error and cell.value == "160"


def test_editor_blank_rows_deleted_rows_and_new_rows() -> None:
    sc = from_dict(tiny_scenario())
    form = submitted(editor_from_data(sc.to_dict(), blanks=2))
    form["actors-3-id"] = "c"
    form["stances-3-actor"], form["stances-3-issue"] = "c", "x"
    form["stances-3-position"], form["stances-3-salience"] = "50", "0.5"
    form["signals-1-delete"] = "1"
    ed, parsed, rowmap = parse_form(form, sc.to_dict(), more_rows=1)
    assert parsed is not None
    out = validate(ed, parsed, rowmap)
    assert out is not None
    assert out.actor_ids == ("a", "b", "c") and [s.id for s in out.signals] == ["s1"]
    assert len(ed.sections[0].rows) == len(sc.issues) + 2 + 1


def test_editor_keeps_fields_it_does_not_show() -> None:
    sc = load(examples.path("alaska-2025"))
    assert any(s.uncertainty for s in sc.stances)
    form = submitted(editor_from_data(sc.to_dict()))
    form["actors-0-name"] = "Renamed"
    ed, parsed, rowmap = parse_form(form, sc.to_dict())
    assert parsed is not None
    out = validate(ed, parsed, rowmap)
    assert out is not None and out.actors[0].name == "Renamed"
    assert out.stances == sc.stances and out.meta.background == sc.meta.background
    assert out.issues[0].anchors == sc.issues[0].anchors


# --- services ------------------------------------------------------------------------------------


def test_slider_changes_only_what_moved() -> None:
    sc = from_dict(tiny_scenario())
    same = {"a0-capability": "1.0", "a0-0-position": "20", "a0-0-salience": "0.8",
            "a1-0-position": "80.0"}
    assert slider_changes(sc, same) == ([], [])
    drops, assign = slider_changes(sc, {"a0-0-salience": "0.4", "a1-capability": "3",
                                        "a1-drop": "1"})
    assert drops == ["b"] and assign == [("a.x.salience", 0.4)]
    with pytest.raises(SummitryError, match="expected a number"):
        slider_changes(sc, {"a0-0-position": "lots"})
    with pytest.raises(SummitryError, match="finite"):
        slider_changes(sc, {"a0-0-position": "inf"})


def test_run_forecast_model_by_model_equals_one_call() -> None:
    sc = load(examples.path("bdm1994-car-emissions"))
    steps: list[tuple[int, int]] = []
    names = ["compromise", "median", "challenge"]
    ours = run_forecast(sc, names, draws=300, seed=5, progress=lambda d, t: steps.append((d, t)))
    ref = forecast(sc, names, draws=300, seed=5)
    for a, b in zip(ours.results, ref.results, strict=True):
        assert a.model == b.model and np.array_equal(a.outcome, b.outcome)
    assert ours.provenance["models"] == ref.provenance["models"]
    assert ours.outcome_probabilities() == ref.outcome_probabilities()
    assert steps[-1] == (3, 3) and all(t == 3 for _, t in steps)


def test_record_signal_equals_the_cli_arithmetic(tmp_path: Path) -> None:
    sc = from_dict(tiny_scenario())
    path = tmp_path / "s.yaml"
    save(sc, path)
    ref = record(path, "s1", note="n", models=["compromise"])
    ours, entry = record_signal(sc, "s1", status="observed", note="n", models=["compromise"])
    assert ours == ref and entry == ref.updates[-1]
    with pytest.raises(SummitryError):
        record_signal(sc, "zz", status="observed")


def test_lru_evicts_least_recent() -> None:
    cache: LRU[int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1
    assert cache.get_or_make("d", lambda: 4) == 4 and cache.get_or_make("d", lambda: 5) == 4


def test_source_of_an_example() -> None:
    src = Source.example("bdm1994-car-emissions")
    assert src.url == "/examples/bdm1994-car-emissions" and src.api.startswith("/api/")
    assert src.is_latest and src.title


# --- jobs ----------------------------------------------------------------------------------------


def wait(job: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not job.finished_state and time.monotonic() < end:
        time.sleep(0.01)


def test_job_lifecycle_progress_and_errors() -> None:
    reg = JobRegistry(2, max_pending=4)
    try:
        def work(job: Any) -> int:
            for k in range(5):
                job.report(k + 1, 5)
            return 42

        ok = reg.submit("t", work)
        wait(ok)
        assert ok.status == "done" and ok.result == 42 and ok.progress == 1.0
        bad = reg.submit("t", lambda job: (_ for _ in ()).throw(SummitryError("no model")))
        wait(bad)
        assert bad.status == "failed" and bad.error == "no model"
        bug = reg.submit("t", lambda job: 1 / 0)
        wait(bug)
        assert bug.status == "failed" and "internal error" in (bug.error or "")
        assert reg.get(ok.id) is ok and reg.get("nope") is None
    finally:
        reg.shutdown()


def test_job_cancel_stops_at_next_step_and_queue_is_bounded() -> None:
    reg = JobRegistry(1, max_pending=2)
    gate = threading.Event()
    try:
        def slow(job: Any) -> None:
            for k in range(1000):
                gate.wait(5)
                job.report(k, 1000)

        running = reg.submit("t", slow)
        queued = reg.submit("t", slow)
        with pytest.raises(QueueFull):
            reg.submit("t", slow)
        assert queued.cancel() and queued.status == "cancelled"
        running.cancel()
        gate.set()
        wait(running)
        assert running.status == "cancelled"
        assert not running.cancel()
    finally:
        reg.shutdown()
    with pytest.raises(RuntimeError):
        reg.submit("t", lambda job: None)


def test_registry_keeps_a_bounded_history() -> None:
    reg = JobRegistry(1, keep=3)
    try:
        jobs = [reg.submit("t", lambda job: None) for _ in range(6)]
        for j in jobs:
            wait(j)
        reg.submit("t", lambda job: None)
        assert len(reg.jobs()) <= 4
    finally:
        reg.shutdown()
