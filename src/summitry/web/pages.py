"""The HTML pages and htmx fragments (not in the OpenAPI document: ``/api`` is the API).

========================================  ====================================================
``/``                                      examples and stored scenarios
``/examples/{name}``                       an example: forecast, charts, what-if, Monte Carlo
``/scenarios``                             stored scenarios
``/scenarios/new``, ``/scenarios/upload``  create in a form / upload a file
``/scenarios/{slug}``                      a stored scenario (``?version=`` for an old one)
``/scenarios/{slug}/edit``                 the editor (validation messages beside each field)
``…/whatif`` (POST)                        fragment: the what-if forecast (htmx)
``…/runs`` (POST), ``/jobs/{id}``          a background run and its progress (htmx polling)
``/scenarios/{slug}/signals``              record signals; the probability history
``/scenarios/{slug}/versions``, ``/diff``  history, changes, restore
``…/article``, ``…/report``                previews (sandboxed frames) and downloads
========================================  ====================================================

Pages use plain forms that work without JavaScript; htmx turns the what-if form, the run
form, the job progress and the signal buttons into fragment swaps. Charts are Vega-Lite
specs from :mod:`summitry.report.charts`, embedded as JSON in
``<script type="application/json">`` (escaped by
:func:`~summitry.report.escape.script_json`) and drawn by ``static/app.js`` with
vega-embed's expression interpreter (no ``eval``).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool

from summitry.errors import SummitryError
from summitry.forecast import Forecast
from summitry.store import slugify
from summitry.web import api
from summitry.web.app import WebState, state_of
from summitry.web.forms import STATUSES, attach_errors, editor_from_data, parse_form, validate
from summitry.web.problems import ProblemError
from summitry.web.services import Source, slider_changes, whatif

__all__ = ["router"]

log = logging.getLogger("summitry.web")

router = APIRouter(include_in_schema=False)

_nonce = itertools.count(1)
DRAW_CHOICES = (1, 100, 500)


# --- rendering helpers ----------------------------------------------------------------------------


def render(request: Request, template: str, http_status: int = 200,
           **ctx: Any) -> HTMLResponse:
    env = state_of(request).templates
    html = env.get_template(template).render(request=request, **ctx)
    return HTMLResponse(html, status_code=http_status)


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def _form(request: Request) -> dict[str, Any]:
    """The submitted form as ``{name: value}`` (``{name: [values]}`` for repeated names);
    files are ignored (only the upload route takes one)."""
    out: dict[str, Any] = {}
    try:
        async with request.form(max_files=0, max_fields=20_000) as form:
            for key in form:
                values = [v for v in form.getlist(key) if isinstance(v, str)]
                out[key] = values if len(values) > 1 else (values[0] if values else "")
    except Exception as exc:  # malformed multipart / urlencoded body, too many fields
        raise ProblemError(400, f"cannot read the form: {exc}") from None
    return out


async def _threaded(fn: Any, request: Request, *args: Any) -> Any:
    """Read the form here (async), then run ``fn(request, form, *args)`` on the thread pool:
    database work and forecasts must not block the event loop."""
    form = await _form(request)
    return await run_in_threadpool(fn, request, form, *args)


def _int(value: Any, name: str, *, default: int | None = None, lo: int = 0,
         hi: int = api.MAX_INT) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        if default is not None:
            return default
        raise ProblemError(422, f"{name}: a whole number is required",
                           errors=[{"path": name, "message": "required"}])
    try:
        n = int(text)
    except ValueError:
        raise ProblemError(422, f"{name}: expected a whole number, found {text[:40]!r}",
                           errors=[{"path": name, "message": "expected a whole number",
                                    "found": text[:40]}]) from None
    if not lo <= n <= hi:
        raise ProblemError(422, f"{name}: {n} is outside {lo}–{hi}",
                           errors=[{"path": name, "message": f"between {lo} and {hi}",
                                    "found": str(n)}])
    return n


def _source(request: Request, kind: str, name: str, version: int | None = None) -> Source:
    st = state_of(request)
    if kind == "example":
        return api._example(name)
    return api._stored(st, name, version)


def _version_param(request: Request) -> int | None:
    raw = request.query_params.get("version")
    return None if raw in (None, "") else _int(raw, "version", lo=1)


# --- views of a forecast --------------------------------------------------------------------------


def chart_specs(fc: Forecast, which: tuple[str, ...] = ("outcomes", "comparison"), *,
                position_issue: int | None = None, cache: Any = None) -> dict[str, Any]:
    """Vega-Lite specs of a forecast's charts (empty without the report extra).

    ``which`` names the charts: ``outcomes`` (named-outcome probabilities), ``comparison``
    (every model per issue) and ``position`` (actors on issue ``position_issue``'s scale).
    Specs are cached in ``cache`` by the forecast's inputs and settings.
    """
    try:
        from summitry.report import charts as ch
    except ImportError:  # pragma: no cover - altair is in the report extra
        return {}
    prov = fc.provenance
    base_key = ("chart", prov.get("input_hash"), tuple(fc.models), fc.draws, fc.seed)
    makers: dict[str, Any] = {
        "outcomes": lambda: ch.outcome_probabilities(fc),
        "comparison": lambda: ch.model_comparison(fc),
    }
    if position_issue is not None:
        iss = fc.scenario.issues[position_issue]
        makers["position"] = lambda: ch.position_map(fc, iss.id)
    specs: dict[str, Any] = {}
    for name in which:
        if name not in makers:
            continue

        def make(name: str = name) -> Any:
            chart = makers[name]()
            return {} if chart is None else chart.to_dict(validate=False)

        key = (*base_key, name, position_issue if name == "position" else None)
        spec = make() if cache is None else cache.get_or_make(key, make)
        if spec:
            specs[name] = spec
    return specs


def forecast_view(fc: Forecast, *, prefix: str = "", cache: Any = None) -> dict[str, Any]:
    """Tables and charts of a forecast for ``forecast_view.html.j2``."""
    from summitry.report.data import combined_issue_forecast

    sc = fc.scenario
    comb = combined_issue_forecast(fc)
    issues = []
    for k, iss in enumerate(sc.issues):
        issues.append({
            "label": iss.label, "units": iss.units, "point": comb[k].point,
            "low": comb[k].low, "high": comb[k].high,
            "anchor": iss.anchor_label(comb[k].point),
            "models": [float(r.point()[k]) for r in fc.results],
        })
    outcomes = None
    if sc.outcomes:
        combined = fc.outcome_probabilities()
        per = [fc.outcome_probabilities(m) for m in fc.models]
        outcomes = [{"name": n, "p": combined[n], "models": [p[n] for p in per]}
                    for n in sc.outcome_names]
    return {
        "issues": issues, "outcomes": outcomes, "models": list(fc.models),
        "interval_label": "90% interval" if fc.draws > 1 else "Range of models",
        "charts": chart_specs(fc, cache=cache), "prefix": prefix or f"f{next(_nonce)}-",
    }


def whatif_form(source: Source) -> dict[str, Any]:
    """The sliders: every actor's capability and its stances' position and salience."""
    sc = source.scenario
    caps = [a.capability for a in sc.actors] or [1.0]
    smax = sc.salience_divisor
    actors = []
    for k, a in enumerate(sc.actors):
        stances = []
        for i, iss in enumerate(sc.issues):
            st = sc.stance(a.id, iss.id)
            if st is None:
                continue
            stances.append({"index": i, "label": iss.label, "lower": iss.lower,
                            "upper": iss.upper, "position": st.position,
                            "salience": st.salience})
        cap_max = max(max(caps) * 2.0, a.capability * 3.0, 1.0)
        actors.append({"index": k, "label": a.label, "capability": a.capability,
                       "cap_max": cap_max, "stances": stances})
    return {"actors": actors, "smax": smax}


def whatif_view(st: WebState, source: Source, form: Mapping[str, Any]) -> tuple[
        dict[str, Any], int]:
    """The what-if fragment's content and its status (422 for an impossible change)."""
    from summitry.report.data import combined_issue_forecast

    sc = source.scenario
    nonce = next(_nonce)
    try:
        chart_issue = int(str(form.get("chart_issue", "0") or 0))
    except ValueError:
        chart_issue = 0
    chart_issue = chart_issue if 0 <= chart_issue < len(sc.issues) else 0
    try:
        drops, assign = slider_changes(sc, {k: str(v) for k, v in form.items()})
        result = whatif(sc, drop=drops, assign=assign, cache=st.forecasts)
    except SummitryError as exc:
        return {"error": " ".join(str(exc).split()), "nonce": nonce}, 422
    base = combined_issue_forecast(result.base)
    new = combined_issue_forecast(result.changed)
    issues = [{"label": iss.label, "base": b.point, "whatif": n.point,
               "change": n.point - b.point}
              for iss, b, n in zip(sc.issues, base, new, strict=True)]
    outcomes = None
    if sc.outcomes:
        pb = result.base.outcome_probabilities()
        pc = result.changed.outcome_probabilities()
        outcomes = [{"name": n, "base": pb[n], "whatif": pc.get(n, 0.0),
                     "change": pc.get(n, 0.0) - pb[n]} for n in sc.outcome_names]
    specs = chart_specs(result.changed, ("position", "outcomes"), position_issue=chart_issue,
                        cache=st.charts)
    return {"error": None, "changes": list(result.changes), "issues": issues,
            "outcomes": outcomes, "charts": specs, "nonce": nonce}, 200


# --- home, lists, API index -----------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    from summitry import examples

    st = state_of(request)
    return render(request, "index.html.j2",
                  examples=[api._example_out(n) for n in examples.names()],
                  scenarios=st.stores.get().list_scenarios(), db_path=str(st.stores.path))


@router.get("/scenarios", response_class=HTMLResponse)
def scenario_list(request: Request) -> HTMLResponse:
    return render(request, "scenarios.html.j2",
                  scenarios=state_of(request).stores.get().list_scenarios())


@router.get("/api", response_class=HTMLResponse)
def api_index(request: Request) -> HTMLResponse:
    doc = request.app.openapi()
    endpoints = []
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                summary = op.get("summary", "")
                desc = (op.get("description") or "").split("\n")[0]
                endpoints.append({"method": method.upper(), "path": path,
                                  "summary": desc or summary})
    return render(request, "api.html.j2", endpoints=endpoints)


# --- a scenario's page ----------------------------------------------------------------------------


def _source_page(request: Request, source: Source) -> HTMLResponse:
    st = state_of(request)
    fc = api.forecast_for(st, source, None, 1, 1)
    wi, _ = whatif_view(st, source, {})
    runs = st.stores.get().runs(source.name) if source.kind == "scenario" else []
    q = request.query_params
    saved = _int(q.get("saved"), "saved", default=0)
    from summitry import model_info

    return render(
        request, "source.html.j2", source=source,
        view=forecast_view(fc, prefix="main-", cache=st.charts),
        wf=whatif_form(source), wi=wi, runs=runs, models=model_info(),
        default_draws=min(2000, st.max_draws), max_draws=st.max_draws,
        saved=saved, stale=bool(q.get("stale")) and saved > 1,
        restored=_int(q.get("restored"), "restored", default=0),
    )


@router.get("/examples/{name}", response_class=HTMLResponse)
def example_page(request: Request, name: str) -> HTMLResponse:
    return _source_page(request, api._example(name))


@router.get("/scenarios/new", response_class=HTMLResponse)
def new_page(request: Request) -> HTMLResponse:
    return _editor(request, editor_from_data(None, blanks=2), creating=True)


@router.get("/scenarios/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    return _upload(request)


@router.get("/scenarios/{slug}", response_class=HTMLResponse)
def scenario_page(request: Request, slug: str) -> HTMLResponse:
    st = state_of(request)
    return _source_page(request, api._stored(st, slug, _version_param(request)))


# --- what-if, runs, jobs --------------------------------------------------------------------------


def _whatif(request: Request, form: dict[str, Any], kind: str, name: str) -> HTMLResponse:
    version = None if kind == "example" else (
        _int(form.get("version"), "version", lo=1) if form.get("version") else None)
    source = _source(request, kind, name, version)
    wi, code = whatif_view(state_of(request), source, form)
    if not _htmx(request):
        return render(request, "whatif_page.html.j2", code, source=source, wi=wi)
    return render(request, "whatif_result.html.j2", code, wi=wi)


@router.post("/examples/{name}/whatif", response_class=HTMLResponse)
async def example_whatif(request: Request, name: str) -> HTMLResponse:
    return await _threaded(_whatif, request, "example", name)  # type: ignore[no-any-return]


@router.post("/scenarios/{slug}/whatif", response_class=HTMLResponse)
async def scenario_whatif(request: Request, slug: str) -> HTMLResponse:
    return await _threaded(_whatif, request, "scenario", slug)  # type: ignore[no-any-return]


def _run(request: Request, form: dict[str, Any], kind: str, name: str) -> Response:
    st = state_of(request)
    version = None if kind == "example" else (
        _int(form.get("version"), "version", lo=1) if form.get("version") else None)
    source = _source(request, kind, name, version)
    models = form.get("models") or []
    models = [models] if isinstance(models, str) else list(models)
    draws = _int(form.get("draws"), "draws", default=1000, lo=1, hi=st.max_draws)
    seed = _int(form.get("seed"), "seed", default=1, lo=0, hi=api.MAX_SEED)
    if not models:
        raise ProblemError(422, "choose at least one model",
                           errors=[{"path": "models", "message": "choose at least one"}])
    job = api.start_run(st, source, models, draws, seed)
    if _htmx(request):
        return render(request, "job_fragment.html.j2", 202, **_job_ctx(request, job))
    return _see_other(f"/jobs/{job.id}")


@router.post("/examples/{name}/runs")
async def example_run(request: Request, name: str) -> Response:
    return await _threaded(_run, request, "example", name)  # type: ignore[no-any-return]


@router.post("/scenarios/{slug}/runs")
async def scenario_run(request: Request, slug: str) -> Response:
    return await _threaded(_run, request, "scenario", slug)  # type: ignore[no-any-return]


def _job(request: Request, job_id: str) -> Any:
    job = state_of(request).jobs.get(job_id) if api._JOB.match(job_id) else None
    if job is None:
        raise ProblemError.not_found("job", job_id)
    return job


def _job_ctx(request: Request, job: Any) -> dict[str, Any]:
    status = job.status  # read once: the worker thread may finish meanwhile
    result = job.result
    ctx: dict[str, Any] = {"job": job, "status": status, "view": None,
                           "finished": status in ("done", "failed", "cancelled")}
    if status == "done" and isinstance(result, Forecast):
        ctx["view"] = forecast_view(result, cache=state_of(request).charts)
    return ctx


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    return render(request, "job.html.j2", **_job_ctx(request, _job(request, job_id)))


@router.get("/jobs/{job_id}/fragment", response_class=HTMLResponse)
def job_fragment(request: Request, job_id: str) -> HTMLResponse:
    return render(request, "job_fragment.html.j2", **_job_ctx(request, _job(request, job_id)))


@router.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
def job_cancel(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    job.cancel()
    if _htmx(request):
        return render(request, "job_fragment.html.j2", **_job_ctx(request, job))
    return _see_other(f"/jobs/{job.id}")


@router.post("/examples/{name}/copy")
def example_copy(request: Request, name: str) -> RedirectResponse:
    src = api._example(name)
    out = api.save_version(state_of(request), src.scenario, slugify(name),
                           message=f"copied from the example {name}")
    return _see_other(f"/scenarios/{out['slug']}?saved={out['version']}")


# --- editor ---------------------------------------------------------------------------------------


def _editor(request: Request, ed: Any, *, creating: bool, slug: str = "",
            status: int = 200) -> HTMLResponse:
    actor_ids: list[str] = []
    issue_ids: list[str] = []
    for sec in ed.sections:
        for row in sec.rows:
            for c in row.cells:
                if sec.key == "actors" and c.name.endswith("-id") and c.value:
                    actor_ids.append(c.value)
                if sec.key == "issues" and c.name.endswith("-id") and c.value:
                    issue_ids.append(c.value)
    action = "/scenarios/new" if creating else f"/scenarios/{slug}/edit"
    return render(request, "editor.html.j2", status, ed=ed, creating=creating, slug=slug,
                  action=action, statuses=STATUSES, actor_ids=actor_ids,
                  issue_ids=issue_ids)


@router.get("/scenarios/{slug}/edit", response_class=HTMLResponse)
def edit_page(request: Request, slug: str) -> HTMLResponse:
    st = state_of(request)
    src = api._stored(st, slug)
    data = st.stores.get().raw(slug, src.version)
    return _editor(request, editor_from_data(data, blanks=1, base_version=src.version),
                   creating=False, slug=slug)


def _save_form(request: Request, form: dict[str, Any], slug: str | None) -> Response:
    st = state_of(request)
    store = st.stores.get()
    creating = slug is None
    base: dict[str, Any] | None = None
    if not creating:
        assert slug is not None
        src = api._stored(st, slug)
        bv = _int(form.get("base_version"), "base_version", default=src.version or 1, lo=1)
        if bv > (src.latest or 1):
            raise ProblemError(422, f"base_version {bv} does not exist")
        base = store.raw(slug, bv)
    more = 2 if form.get("action") == "more" else 0
    ed, data, rowmap = parse_form(form, base, more_rows=more)
    if more:
        attach_errors(ed)
        return _editor(request, ed, creating=creating, slug=slug or "")
    target = slug
    if creating:
        target = slugify(ed.slug or ed.title or "scenario")
        if target in store.slugs():
            ed.errors["slug"] = (f"a scenario named {target!r} exists already; choose "
                                 "another name")
    if data is None or ed.errors:
        attach_errors(ed)
        return _editor(request, ed, creating=creating, slug=slug or "", status=422)
    scenario = validate(ed, data, rowmap)
    if scenario is None:
        return _editor(request, ed, creating=creating, slug=slug or "", status=422)
    assert target is not None
    out = api.save_version(st, scenario, target,
                           message=ed.message or ("created" if creating else "edited"),
                           base_version=None if creating else ed.base_version)
    stale = "&stale=1" if out["based_on_stale"] else ""
    return _see_other(f"/scenarios/{out['slug']}?saved={out['version']}{stale}")


@router.post("/scenarios/new")
async def new_save(request: Request) -> Response:
    return await _threaded(_save_form, request, None)  # type: ignore[no-any-return]


@router.post("/scenarios/{slug}/edit")
async def edit_save(request: Request, slug: str) -> Response:
    return await _threaded(_save_form, request, slug)  # type: ignore[no-any-return]


# --- upload ---------------------------------------------------------------------------------------


def _upload(request: Request, *, problem: dict[str, Any] | None = None, slug: str = "",
            message: str = "", http_status: int = 200) -> HTMLResponse:
    mb = state_of(request).max_upload_bytes / (1024 * 1024)
    return render(request, "upload.html.j2", http_status, problem=problem, slug=slug,
                  message=message, max_mb=f"{mb:g}")


@router.post("/scenarios/upload")
async def upload_save(request: Request) -> Response:
    st = state_of(request)
    try:
        async with request.form(max_files=1, max_fields=10) as form:
            file = form.get("file")
            slug = str(form.get("slug") or "")[:80]
            message = str(form.get("message") or "")[:200]
            if file is None or isinstance(file, str) or not getattr(file, "filename", None):
                return _upload(request, problem={"detail": "choose a file to upload",
                                                 "errors": []},
                               slug=slug, message=message, http_status=422)
            raw = await file.read(st.max_upload_bytes + 1)
            filename = file.filename or "upload"
    except Exception as exc:
        return _upload(request, problem={"detail": f"cannot read the upload: {exc}",
                                         "errors": []}, http_status=400)
    return await run_in_threadpool(  # type: ignore[no-any-return]
        _upload_save, request, raw, filename, slug, message)


def _upload_save(request: Request, raw: bytes, filename: str, slug: str,
                 message: str) -> Response:
    st = state_of(request)
    if len(raw) > st.max_upload_bytes:
        return _upload(request, problem={
            "detail": f"the file is larger than {st.max_upload_bytes:,} bytes",
            "errors": []}, slug=slug, message=message, http_status=413)
    try:
        scenario = api.load_upload(raw, filename)
    except ProblemError as exc:
        return _upload(request, problem=exc.body(), slug=slug, message=message,
                       http_status=exc.status)
    store = st.stores.get()
    name = slugify(slug or scenario.id or scenario.meta.title or filename or "scenario")
    if slug and name in store.slugs():
        return _upload(request, problem={
            "detail": f"a scenario named {name!r} exists already; choose another name",
            "errors": [{"path": "slug", "message": "taken", "found": name}]},
            slug=slug, message=message, http_status=409)
    out = api.save_version(st, scenario, name,
                           message=message or f"uploaded {filename}"[:200])
    return _see_other(f"/scenarios/{out['slug']}?saved={out['version']}")


# --- versions -------------------------------------------------------------------------------------


@router.get("/scenarios/{slug}/versions", response_class=HTMLResponse)
def versions_page(request: Request, slug: str) -> HTMLResponse:
    st = state_of(request)
    src = api._stored(st, slug)
    history = st.stores.get().history(slug)
    q = request.query_params
    saved = _int(q.get("saved"), "saved", default=0)
    latest = src.latest or 1
    return render(request, "versions.html.j2", source=src, history=history,
                  diff_old=max(1, latest - 1), diff_new=latest, saved=saved, stale=False,
                  restored=_int(q.get("restored"), "restored", default=0))


def _json_text(value: Any) -> str:
    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)[:400]


@router.get("/scenarios/{slug}/diff", response_class=HTMLResponse)
def diff_page(request: Request, slug: str) -> HTMLResponse:
    st = state_of(request)
    q = request.query_params
    old = _int(q.get("old"), "old", lo=1)
    new = _int(q.get("new"), "new", lo=1)
    src = api._stored(st, slug, new)
    api._stored(st, slug, old)
    changes = [{"path": c["path"], "old_text": _json_text(c["old"]),
                "new_text": _json_text(c["new"])}
               for c in st.stores.get().diff(slug, old, new)]
    return render(request, "diff.html.j2", source=src, old=old, new=new, changes=changes)


@router.post("/scenarios/{slug}/restore")
async def restore(request: Request, slug: str) -> RedirectResponse:
    return await _threaded(_restore, request, slug)  # type: ignore[no-any-return]


def _restore(request: Request, form: dict[str, Any], slug: str) -> RedirectResponse:
    st = state_of(request)
    version = _int(form.get("version"), "version", lo=1)
    api._stored(st, slug, version)
    info = st.stores.get().restore(slug, version)
    return _see_other(f"/scenarios/{slug}?saved={info.version}&restored={version}")


# --- signals --------------------------------------------------------------------------------------


def _signals_ctx(st: WebState, source: Source, **extra: Any) -> dict[str, Any]:
    sc = source.scenario
    texts = {s.id: s.text for s in sc.signals}
    history = [{"date": u.date, "text": texts.get(u.signal, u.signal), "status": u.status,
                "posterior": u.posterior, "note": u.note} for u in sc.updates]
    charts: dict[str, Any] = {}
    try:
        from summitry.report import charts as ch

        chart = ch.probability_history(sc)
        if chart is not None:
            charts["history"] = chart.to_dict(validate=False)
    except ImportError:  # pragma: no cover
        pass
    ctx = {"source": source, "history": history, "charts": charts, "nonce": next(_nonce),
           "message": "", "warning": "", "error": ""}
    ctx.update(extra)
    return ctx


@router.get("/scenarios/{slug}/signals", response_class=HTMLResponse)
def signals_page(request: Request, slug: str) -> HTMLResponse:
    st = state_of(request)
    src = api._stored(st, slug)
    q = request.query_params
    message = ""
    if q.get("saved"):
        message = f"Recorded; saved as version {_int(q.get('saved'), 'saved')}."
    return render(request, "signals.html.j2", **_signals_ctx(st, src, message=message))


@router.post("/scenarios/{slug}/signals")
async def signals_record(request: Request, slug: str) -> Response:
    return await _threaded(_signals_record, request, slug)  # type: ignore[no-any-return]


def _signals_record(request: Request, form: dict[str, Any], slug: str) -> Response:
    st = state_of(request)
    status: Literal["observed", "absent"] = (
        "absent" if form.get("status") == "absent" else "observed")
    try:
        body = api.SignalRequest(
            signal=str(form.get("signal", "")), status=status,
            note=str(form.get("note", "")),
            base_version=(_int(form.get("base_version"), "base_version", lo=1)
                          if form.get("base_version") else None))
    except PydanticValidationError as exc:
        raise ProblemError(422, "invalid signal form: " + "; ".join(
            str(e["msg"]) for e in exc.errors())) from None
    try:
        out = api.do_record_signal(st, slug, body)
    except ProblemError as exc:
        if exc.status == 404 or not _htmx(request):
            raise
        src = api._stored(st, slug)
        return render(request, "signals_panel.html.j2", exc.status,
                      **_signals_ctx(st, src, error=exc.detail))
    version = out["version"]
    if not _htmx(request):
        return _see_other(f"/scenarios/{slug}/signals?saved={version['version']}")
    src = api._stored(st, slug)
    return render(request, "signals_panel.html.j2", **_signals_ctx(
        st, src, message=f"Recorded {body.signal} as {body.status}; saved as version "
        f"{version['version']}.", warning=version.get("warning") or ""))


# --- article and report ---------------------------------------------------------------------------


def _document_page(request: Request, source: Source, kind: Literal["article", "report"],
                   message: str = "") -> HTMLResponse:
    q = request.query_params
    stage = q.get("stage", "before")
    if stage not in ("before", "during", "after"):
        raise ProblemError(422, f"stage: expected before, during or after, found {stage!r}",
                           errors=[{"path": "stage", "message": "before, during or after",
                                    "found": stage[:40]}])
    st = state_of(request)
    draws = _int(q.get("draws"), "draws", default=1, lo=1, hi=st.max_sync_draws)
    job = q.get("job") or ""
    if job:
        api._job_forecast(st, source, job)  # 404/409 now rather than in the frame
    version = source.version if source.kind == "scenario" else None
    params = [f"draws={draws}"]
    if kind == "article":
        params.append(f"stage={stage}")
    if version:
        params.append(f"version={version}")
    if job:
        params.append(f"job={job}")
    base = f"{source.api}/{kind}?" + "&".join(params)
    return render(request, "document.html.j2", source=source, kind=kind,
                  kind_title="Briefing article" if kind == "article" else "Report",
                  stage=stage, draws=draws, draw_choices=DRAW_CHOICES, job=job,
                  version=version if not source.is_latest else None, message=message,
                  doc_url=base + "&format=html", doc_url_md=base + "&format=md",
                  sandbox="" if kind == "article" else "allow-scripts")


@router.get("/examples/{name}/article", response_class=HTMLResponse)
def example_article(request: Request, name: str) -> HTMLResponse:
    return _document_page(request, api._example(name), "article")


@router.get("/examples/{name}/report", response_class=HTMLResponse)
def example_report(request: Request, name: str) -> HTMLResponse:
    return _document_page(request, api._example(name), "report")


@router.get("/scenarios/{slug}/article", response_class=HTMLResponse)
def scenario_article(request: Request, slug: str) -> HTMLResponse:
    st = state_of(request)
    src = api._stored(st, slug, _version_param(request))
    message = ""
    if request.query_params.get("saved_article"):
        message = f"Saved as article {_int(request.query_params.get('saved_article'), 'id')}."
    return _document_page(request, src, "article", message)


@router.get("/scenarios/{slug}/report", response_class=HTMLResponse)
def scenario_report(request: Request, slug: str) -> HTMLResponse:
    st = state_of(request)
    return _document_page(request, api._stored(st, slug, _version_param(request)), "report")


@router.post("/scenarios/{slug}/articles")
async def article_save(request: Request, slug: str) -> RedirectResponse:
    return await _threaded(_article_save, request, slug)  # type: ignore[no-any-return]


def _article_save(request: Request, form: dict[str, Any], slug: str) -> RedirectResponse:
    st = state_of(request)
    stage = str(form.get("stage") or "before")
    if stage not in ("before", "during", "after"):
        raise ProblemError(422, "stage: expected before, during or after")
    body = api.ArticleSave(stage=stage,  # type: ignore[arg-type]
                           draws=_int(form.get("draws"), "draws", default=1, lo=1,
                                      hi=st.max_sync_draws),
                           job=str(form.get("job") or "") or None)
    out = api.save_article(request, slug, body)
    return _see_other(f"/scenarios/{slug}/article?stage={stage}&draws={body.draws}"
                      f"&saved_article={out['id']}")

