"""The JSON API under ``/api``: everything the pages do, described by the OpenAPI document.

============================================  ===============================================
``GET /api/health``                           status, version, database schema version
``GET /api/models``                           the registered models and their settings
``GET /api/examples``                         the shipped examples
``GET /api/examples/{name}``                  an example's scenario
``GET /api/examples/{name}/forecast``         its forecast (point or a few draws)
``POST /api/examples/{name}/whatif``          what-if: drop actors, set values
``POST /api/examples/{name}/runs``            a background Monte Carlo run (202 + job)
``GET /api/examples/{name}/article|report``   the briefing article / the report
``POST /api/examples/{name}/copy``            save a copy into the database (201)
``GET /api/scenarios``                        stored scenarios (latest versions)
``POST /api/scenarios``                       create from JSON (201)
``POST /api/scenarios/upload``                create from a file (YAML, CSV, XLSX, decide, KTAB)
``GET|PUT /api/scenarios/{slug}``             read (``?version=``) / save a new version
``GET /api/scenarios/{slug}/versions[/{v}]``  history / one version
``GET /api/scenarios/{slug}/diff``            changes between two versions
``POST /api/scenarios/{slug}/restore``        an old version saved again as the newest
``GET /api/scenarios/{slug}/forecast``        forecast (point or a few draws)
``POST|GET /api/scenarios/{slug}/runs``       start a background run / list stored runs
``GET /api/runs/{id}``                        a stored run's result
``GET /api/jobs[/{id}]``, ``POST …/cancel``     background jobs and their progress
``POST /api/scenarios/{slug}/whatif``         what-if
``GET|POST /api/scenarios/{slug}/signals``    signals and the update log / record a signal
``GET /api/scenarios/{slug}/article|report``  the article / the report
``GET|POST /api/scenarios/{slug}/articles``   saved articles / save the current article
============================================  ===============================================

GET never changes anything. Saving never overwrites: every save is a new version; a save
whose ``base_version`` is older than the latest says so (``based_on_stale`` and
``warning``). Errors are problem documents with field paths (:mod:`summitry.web.problems`).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from summitry.errors import InputError, SummitryError, UnknownNameError
from summitry.forecast import Forecast
from summitry.scenario import Scenario
from summitry.store import Store, slugify
from summitry.web.app import WebState, state_of
from summitry.web.jobs import Job, QueueFull
from summitry.web.problems import ProblemError, input_error_entries
from summitry.web.services import (
    Source,
    article_document,
    check_models,
    forecast_key,
    record_signal,
    report_document,
    run_forecast,
    version_dict,
    whatif,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

MAX_INT = 2**31 - 1
MAX_SEED = 2**32 - 1
UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".tsv", ".txt", ".xml", ".xlsx",
                   ".xlsm")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_JOB = re.compile(r"^[0-9a-f]{32}$")

#: Content-Security-Policy of the article served as a document: no script at all.
ARTICLE_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "frame-ancestors 'self'")
#: Content-Security-Policy of the self-contained report: its inline Vega bundles and
#: chart script may run, sandboxed in an opaque origin with no network access.
REPORT_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
              "style-src 'unsafe-inline'; img-src data:; font-src data:; "
              "frame-ancestors 'self'")

Slug = Annotated[str, PathParam(min_length=1, max_length=200,
                                description="The scenario's name in the database")]
ExampleName = Annotated[str, PathParam(min_length=1, max_length=200,
                                       description="A shipped example")]
Version = Annotated[int, PathParam(ge=1, le=MAX_INT)]
ModelsQuery = Annotated[list[str] | None, Query(
    max_length=20, description="Model names (repeat the parameter); default: all")]
DrawsQuery = Annotated[int, Query(ge=1, le=10_000_000,
                                  description="Monte Carlo draws (1: point forecast)")]
SeedQuery = Annotated[int, Query(ge=0, le=MAX_SEED)]
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_INT)]
StageQuery = Annotated[Literal["before", "during", "after"], Query()]
JobQuery = Annotated[str | None, Query(max_length=64, description=(
    "Use the forecast of this finished background run (same scenario version)"))]


# --- request and response models ---------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioCreate(Strict):
    """A new scenario from its JSON (the summitry/1 schema, as ``summitry convert``
    writes it)."""

    scenario: dict[str, Any]
    slug: str | None = Field(default=None, min_length=1, max_length=80)
    message: str = Field(default="", max_length=2000)
    author: str = Field(default="", max_length=200)


class ScenarioUpdate(Strict):
    """A new version of a stored scenario."""

    scenario: dict[str, Any]
    message: str = Field(default="", max_length=2000)
    author: str = Field(default="", max_length=200)
    base_version: int | None = Field(
        default=None, ge=1, le=MAX_INT,
        description="The version the edit started from: a newer version saved meanwhile "
                    "is reported (the save still becomes a new version).")


class RestoreRequest(Strict):
    version: int = Field(ge=1, le=MAX_INT)
    message: str = Field(default="", max_length=2000)


class RunRequest(Strict):
    """A background forecast."""

    models: list[str] | None = Field(default=None, max_length=20)
    draws: int = Field(default=1000, ge=1, le=10_000_000)
    seed: int = Field(default=1, ge=0, le=MAX_SEED)
    version: int | None = Field(default=None, ge=1, le=MAX_INT)


class Assignment(Strict):
    path: str = Field(min_length=1, max_length=400,
                      description="ACTOR.ISSUE.position|salience|capability or "
                                  "ACTOR.capability")
    value: float = Field(allow_inf_nan=False)


class WhatIfRequest(Strict):
    """Changes to forecast against the unchanged scenario."""

    drop: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=100)
    assign: list[Assignment] = Field(default_factory=list, max_length=1000)
    models: list[str] | None = Field(default=None, max_length=20)
    draws: int = Field(default=1, ge=1, le=10_000_000)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    version: int | None = Field(default=None, ge=1, le=MAX_INT)


class SignalRequest(Strict):
    """Mark a signal observed or absent; the update is logged and saved as a version."""

    signal: str = Field(min_length=1, max_length=200)
    status: Literal["observed", "absent"] = "observed"
    note: str = Field(default="", max_length=4000)
    date: dt.date | None = None
    base_version: int | None = Field(default=None, ge=1, le=MAX_INT)
    models: list[str] | None = Field(default=None, max_length=20)
    draws: int | None = Field(default=None, ge=1, le=10_000_000, description=(
        "Draws of the model forecast behind the first prior (default 1000)"))


class ArticleSave(Strict):
    stage: Literal["before", "during", "after"] = "before"
    format: Literal["html", "md"] = "html"
    models: list[str] | None = Field(default=None, max_length=20)
    draws: int = Field(default=1, ge=1, le=10_000_000)
    seed: int = Field(default=1, ge=0, le=MAX_SEED)
    job: str | None = Field(default=None, max_length=64)


class VersionOut(BaseModel):
    slug: str
    version: int
    created: str
    title: str
    message: str
    content_hash: str
    author: str
    based_on_stale: bool = False
    warning: str | None = None


class ExampleOut(BaseModel):
    name: str
    title: str
    summary: str
    actors: int
    issues: int
    outcomes: int


class ScenarioOut(BaseModel):
    kind: Literal["example", "scenario"]
    name: str
    version: int | None
    latest_version: int | None
    scenario: dict[str, Any]


class JobOut(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    done: int
    total: int
    progress: float
    created: str
    started: str | None
    finished: str | None
    target: dict[str, Any]
    params: dict[str, Any]
    error: str | None
    run_id: int | None = None
    url: str
    result: dict[str, Any] | None = None


class RunOut(BaseModel):
    id: int
    version: int
    created: str
    models: dict[str, Any]
    draws: int
    seed: int | None
    input_hash: str
    summitry_version: str


class DiffEntry(BaseModel):
    path: str
    old: Any = None
    new: Any = None


class DiffOut(BaseModel):
    slug: str
    old: int
    new: int
    changes: list[DiffEntry]


class SignalsOut(BaseModel):
    slug: str
    version: int
    outcomes: list[str]
    signals: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    log: list[dict[str, Any]]
    current: dict[str, float] | None


class SignalOut(BaseModel):
    version: VersionOut
    update: dict[str, Any]
    log_id: int


class ArticleOut(BaseModel):
    id: int
    version: int
    created: str
    stage: str
    format: str
    content: str


class CreatedId(BaseModel):
    id: int
    slug: str
    version: int


# --- helpers -------------------------------------------------------------------------------------


def _store(st: WebState) -> Store:
    return st.stores.get()


def _stored(st: WebState, slug: str, version: int | None = None) -> Source:
    if not _SLUG.match(slug):
        raise ProblemError.not_found("scenario", slug)
    try:
        return Source.stored(_store(st), slug, version)
    except UnknownNameError as exc:
        raise ProblemError(404, str(exc), title="Not Found") from None


def _example(name: str) -> Source:
    from summitry import examples

    if name not in examples.names():
        raise ProblemError.not_found("example", name, examples.names())
    return Source.example(name)


def _models(models: list[str] | None, scenario: Scenario | None = None,
            path: str = "models") -> list[str]:
    try:
        return check_models(models, scenario)
    except SummitryError as exc:
        raise ProblemError(422, " ".join(str(exc).split()),
                           errors=[{"path": path, "message": str(exc)}]) from None


def _sync_draws(st: WebState, draws: int, path: str = "draws") -> int:
    if draws > st.max_sync_draws:
        raise ProblemError(422, (
            f"{draws:,} draws are more than this server computes while a request waits "
            f"({st.max_sync_draws:,}); start a background run (POST …/runs) instead"),
            errors=[{"path": path, "message": f"at most {st.max_sync_draws} here",
                     "found": str(draws)}])
    return draws


def forecast_for(st: WebState, source: Source, models: list[str] | None, draws: int,
                 seed: int, *, job: str | None = None) -> Forecast:
    """The forecast of ``source``: a finished job's, or computed now (cached)."""
    return keyed_forecast(st, source, models, draws, seed, job=job)[0]


def keyed_forecast(st: WebState, source: Source, models: list[str] | None, draws: int,
                   seed: int, *, job: str | None = None) -> tuple[Forecast, tuple[Any, ...]]:
    """:func:`forecast_for` and a key naming the forecast (for caching documents)."""
    if job:
        return _job_forecast(st, source, job), ("job", job)
    names = _models(models, source.scenario)
    _sync_draws(st, draws)
    key = forecast_key(source.scenario, names, draws, seed)
    fc = st.forecasts.get_or_make(
        key, lambda: run_forecast(source.scenario, names, draws=draws, seed=seed))
    return fc, key


def _job(st: WebState, job_id: str) -> Job:
    """The job ``job_id`` (404 if it is not a job id or not known to this process)."""
    job = st.jobs.get(job_id) if _JOB.match(job_id) else None
    if job is None:
        raise ProblemError.not_found("job", job_id)
    return job


def _job_forecast(st: WebState, source: Source, job_id: str) -> Forecast:
    job = _job(st, job_id)
    if job.status != "done" or not isinstance(job.result, Forecast):
        raise ProblemError(409, f"job {job_id} has not finished (status {job.status})")
    if job.result.scenario.input_hash() != source.scenario.input_hash():
        raise ProblemError(409, f"job {job_id} forecast another scenario or version")
    return job.result


def job_out(job: Job, *, result: bool = True) -> dict[str, Any]:
    """A job as JSON (with the forecast document once done)."""
    out: dict[str, Any] = {
        "id": job.id, "kind": job.kind, "status": job.status, "done": job.done,
        "total": job.total, "progress": job.progress, "created": job.created,
        "started": job.started, "finished": job.finished, "target": job.target,
        "params": job.params, "error": job.error, "run_id": job.info.get("run_id"),
        "url": f"/api/jobs/{job.id}", "result": None,
    }
    if result and job.status == "done" and isinstance(job.result, Forecast):
        out["result"] = job.result.to_dict()
    return out


def start_run(st: WebState, source: Source, models: list[str] | None, draws: int,
              seed: int) -> Job:
    """Queue a background forecast of ``source``; a stored scenario's run is recorded."""
    names = _models(models, source.scenario)
    if draws > st.max_draws:
        raise ProblemError(422, f"{draws:,} draws are more than this server runs "
                           f"({st.max_draws:,})",
                           errors=[{"path": "draws", "message": f"at most {st.max_draws}",
                                    "found": str(draws)}])
    scenario = source.scenario
    target = {"kind": source.kind, "name": source.name, "version": source.version,
              "url": source.url}

    def work(job: Job) -> Forecast:
        fc = run_forecast(scenario, names, draws=draws, seed=seed, progress=job.report)
        if source.kind == "scenario" and source.version is not None:
            job.info["run_id"] = st.stores.get().record_run(source.name, source.version,
                                                            fc.to_dict())
        st.forecasts.put(forecast_key(scenario, names, draws, seed), fc)
        return fc

    try:
        return st.jobs.submit("forecast", work, target=target,
                              params={"models": names, "draws": draws, "seed": seed})
    except QueueFull as exc:
        raise ProblemError(429, f"the server is busy ({exc}); try again in a minute",
                           headers={"Retry-After": "30"}) from None


def stale_warning(info: Any, base_version: int | None) -> str | None:
    """The message for a save based on an older version than the latest."""
    if not info.based_on_stale:
        return None
    return (f"Version {info.version - 1} was saved after version {base_version}, which "
            f"this edit started from. Your edit was saved as version {info.version}; "
            "nothing was overwritten. Compare the versions to merge the changes.")


def save_version(st: WebState, scenario: Scenario, slug: str, *, message: str = "",
                 author: str = "", base_version: int | None = None) -> dict[str, Any]:
    """Save ``scenario`` as the newest version of ``slug`` (JSON of the version)."""
    store = _store(st)
    if base_version is not None and slug in store.slugs():
        latest = store.latest_version(slug)
        if base_version > latest:
            raise ProblemError(422, f"base_version {base_version} does not exist; the "
                               f"latest version of {slug!r} is {latest}",
                               errors=[{"path": "base_version",
                                        "message": f"at most {latest}",
                                        "found": str(base_version)}])
    info = store.save_scenario(scenario, slug=slug, message=message, author=author,
                               base_version=base_version)
    out = version_dict(info)
    out["warning"] = stale_warning(info, base_version)
    return out


def validate_scenario(data: dict[str, Any], prefix: str = "scenario") -> Scenario:
    from summitry.io import from_dict

    try:
        return from_dict(data, source="request")
    except InputError as exc:
        raise ProblemError(422, exc.reason if exc.problems else " ".join(str(exc).split()),
                           errors=input_error_entries(exc, prefix=prefix)) from None


def load_upload(raw: bytes, filename: str) -> Scenario:
    """Read an uploaded file in any supported format.

    Raises:
        ProblemError: 422 with one entry per problem (row numbers of the file).
    """
    from summitry.io import load

    name = Path(filename or "upload").name[:120] or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        suffix = ""
    with tempfile.TemporaryDirectory(prefix="summitry-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(raw)
        try:
            return load(path)
        except InputError as exc:
            entries = input_error_entries(exc)
            for e in entries:
                e["path"] = e["path"] or "file"
            raise ProblemError(422, f"{name}: {exc.reason}", errors=entries,
                               extra={"file": name}) from None
        except SummitryError as exc:
            text = " ".join(str(exc).replace(str(path), name).split())
            raise ProblemError(422, text, errors=[{"path": "file", "message": text}],
                               extra={"file": name}) from None


def document_response(text: str, fmt: str, *, kind: str, filename: str,
                      download: bool) -> Response:
    """An article or report as a document with its own, stricter policy."""
    media = "text/html; charset=utf-8" if fmt == "html" else "text/markdown; charset=utf-8"
    headers = {"Content-Security-Policy": ARTICLE_CSP if kind == "article" else REPORT_CSP,
               "X-Frame-Options": "SAMEORIGIN"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(text, media_type=media, headers=headers)


def article_text(st: WebState, source: Source, *, stage: str, fmt: Literal["html", "md"],
                 models: list[str] | None, draws: int, seed: int, job: str | None) -> str:
    fc, fkey = keyed_forecast(st, source, models, draws, seed, job=job)
    key = ("article", source.scenario.input_hash(), fkey, stage, fmt,
           dt.date.today().isoformat())
    return str(st.documents.get_or_make(
        key, lambda: article_document(source.scenario, fc, stage=stage, fmt=fmt)[0]))


def report_text(st: WebState, source: Source, *, fmt: Literal["html", "md"],
                models: list[str] | None, draws: int, seed: int, job: str | None) -> str:
    fc, fkey = keyed_forecast(st, source, models, draws, seed, job=job)
    key = ("report", source.scenario.input_hash(), fkey, fmt)
    return str(st.documents.get_or_make(
        key, lambda: report_document(source.scenario, fc, fmt=fmt)))


_DOC_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The document",
          "content": {"text/html": {"schema": {"type": "string"}},
                      "text/markdown": {"schema": {"type": "string"}}}},
    409: {"description": "The named job has not finished or ran another scenario"},
}


def _example_out(name: str) -> dict[str, Any]:
    sc = Source.example(name).scenario
    return {"name": name, "title": sc.meta.title or name, "summary": sc.meta.summary,
            "actors": len(sc.actors), "issues": len(sc.issues),
            "outcomes": len(sc.outcomes)}


def _scenario_out(source: Source) -> dict[str, Any]:
    return {"kind": source.kind, "name": source.name, "version": source.version,
            "latest_version": source.latest, "scenario": source.scenario.to_dict()}


def _forecast_out(source: Source, fc: Forecast) -> dict[str, Any]:
    out = fc.to_dict()
    out["source"] = {"kind": source.kind, "name": source.name, "version": source.version}
    return out


# --- general ------------------------------------------------------------------------------------


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Liveness, version and the database's schema version."""
    from summitry import __version__

    st = state_of(request)
    return {"status": "ok", "version": __version__,
            "schema_version": _store(st).schema_version}


@router.get("/models")
def models() -> list[dict[str, Any]]:
    """The registered models: name, title, source, settings."""
    from summitry import model_info

    info: list[dict[str, Any]] = model_info()
    return info


# --- examples -----------------------------------------------------------------------------------


@router.get("/examples", response_model=list[ExampleOut])
def list_examples() -> list[dict[str, Any]]:
    """The shipped examples."""
    from summitry import examples

    return [_example_out(n) for n in examples.names()]


@router.get("/examples/{name}", response_model=ScenarioOut)
def get_example(name: ExampleName) -> dict[str, Any]:
    """An example's scenario (the summitry/1 JSON)."""
    return _scenario_out(_example(name))


@router.get("/examples/{name}/forecast")
def example_forecast(request: Request, name: ExampleName, models: ModelsQuery = None,
                     draws: DrawsQuery = 1, seed: SeedQuery = 1) -> dict[str, Any]:
    """The example's forecast (the document of ``summitry forecast --format json``)."""
    src = _example(name)
    return _forecast_out(src, forecast_for(state_of(request), src, models, draws, seed))


@router.post("/examples/{name}/whatif")
def example_whatif(request: Request, name: ExampleName, body: WhatIfRequest) -> dict[str, Any]:
    """Forecast the example with and without changes."""
    return _whatif(state_of(request), _example(name), body)


@router.post("/examples/{name}/runs", status_code=202, response_model=JobOut,
             responses={429: {"description": "Too many jobs queued"}})
def example_run(request: Request, name: ExampleName, body: RunRequest,
                response: Response) -> dict[str, Any]:
    """Start a background Monte Carlo run of the example (not stored)."""
    job = start_run(state_of(request), _example(name), body.models, body.draws, body.seed)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_out(job)


@router.get("/examples/{name}/article", response_class=Response, responses=_DOC_RESPONSES)
def example_article(request: Request, name: ExampleName, stage: StageQuery = "before",
                    format: Literal["html", "md"] = "html", models: ModelsQuery = None,
                    draws: DrawsQuery = 1, seed: SeedQuery = 1, job: JobQuery = None,
                    download: bool = False) -> Response:
    """The briefing article of the example."""
    src = _example(name)
    text = article_text(state_of(request), src, stage=stage, fmt=format, models=models,
                        draws=draws, seed=seed, job=job)
    return document_response(text, format, kind="article", download=download,
                             filename=f"{name}-article.{format}")


@router.get("/examples/{name}/report", response_class=Response, responses=_DOC_RESPONSES)
def example_report(request: Request, name: ExampleName,
                   format: Literal["html", "md"] = "html", models: ModelsQuery = None,
                   draws: DrawsQuery = 1, seed: SeedQuery = 1, job: JobQuery = None,
                   download: bool = False) -> Response:
    """The analyst's report of the example."""
    src = _example(name)
    text = report_text(state_of(request), src, fmt=format, models=models, draws=draws,
                       seed=seed, job=job)
    return document_response(text, format, kind="report", download=download,
                             filename=f"{name}-report.{format}")


@router.post("/examples/{name}/copy", status_code=201, response_model=VersionOut)
def copy_example(request: Request, name: ExampleName, response: Response) -> dict[str, Any]:
    """Save the example into the database (a new version if the name exists)."""
    src = _example(name)
    out = save_version(state_of(request), src.scenario, slugify(name),
                       message=f"copied from the example {name}")
    response.headers["Location"] = f"/api/scenarios/{out['slug']}"
    return out


# --- scenarios ------------------------------------------------------------------------------------


@router.get("/scenarios", response_model=list[VersionOut])
def list_scenarios(request: Request) -> list[dict[str, Any]]:
    """Every stored scenario at its latest version."""
    return [version_dict(v) for v in _store(state_of(request)).list_scenarios()]


@router.post("/scenarios", status_code=201, response_model=VersionOut,
             responses={409: {"description": "A scenario of that name exists"}})
def create_scenario(request: Request, body: ScenarioCreate, response: Response) -> dict[str, Any]:
    """Create a scenario from its JSON; ``slug`` defaults to its id or title."""
    st = state_of(request)
    scenario = validate_scenario(body.scenario)
    slug = slugify(body.slug or scenario.id or scenario.meta.title or "scenario")
    if slug in _store(st).slugs():
        raise ProblemError(409, f"a scenario named {slug!r} exists already; save a new "
                           f"version with PUT /api/scenarios/{slug} or choose another slug",
                           errors=[{"path": "slug", "message": "taken", "found": slug}])
    out = save_version(st, scenario, slug, message=body.message or "created",
                       author=body.author)
    response.headers["Location"] = f"/api/scenarios/{slug}"
    return out


@router.post("/scenarios/upload", status_code=201, response_model=VersionOut,
             responses={409: {"description": "A scenario of that name exists"}})
def upload_scenario(
    request: Request,
    response: Response,
    file: Annotated[UploadFile, File(description=(
        "A scenario file: summitry YAML/JSON, tidy CSV/XLSX, decide CSV, KTAB CSV/XML"))],
    slug: Annotated[str | None, Form(max_length=80)] = None,
    message: Annotated[str, Form(max_length=2000)] = "",
) -> dict[str, Any]:
    """Create a scenario from an uploaded file (errors list the file's rows)."""
    st = state_of(request)
    raw = file.file.read(st.max_upload_bytes + 1)
    if len(raw) > st.max_upload_bytes:
        raise ProblemError(413, f"the file is larger than {st.max_upload_bytes:,} bytes")
    scenario = load_upload(raw, file.filename or "upload")
    name = slugify(slug or scenario.id or scenario.meta.title or Path(
        file.filename or "scenario").stem)
    if slug and name in _store(st).slugs():
        raise ProblemError(409, f"a scenario named {name!r} exists already; choose another "
                           "name", errors=[{"path": "slug", "message": "taken", "found": name}])
    out = save_version(st, scenario, name,
                       message=message or f"uploaded {Path(file.filename or '').name}"[:200])
    response.headers["Location"] = f"/api/scenarios/{name}"
    return out


@router.get("/scenarios/{slug}", response_model=ScenarioOut)
def get_scenario(request: Request, slug: Slug, version: VersionQuery = None) -> dict[str, Any]:
    """A stored scenario (default: its latest version)."""
    return _scenario_out(_stored(state_of(request), slug, version))


@router.put("/scenarios/{slug}", status_code=201, response_model=VersionOut)
def update_scenario(request: Request, slug: Slug, body: ScenarioUpdate) -> dict[str, Any]:
    """Save a new version. With ``base_version`` older than the latest the save still
    becomes a new version and the answer says so (``based_on_stale``, ``warning``)."""
    st = state_of(request)
    _stored(st, slug)
    scenario = validate_scenario(body.scenario)
    return save_version(st, scenario, slug, message=body.message, author=body.author,
                        base_version=body.base_version)


@router.get("/scenarios/{slug}/versions", response_model=list[VersionOut])
def versions(request: Request, slug: Slug) -> list[dict[str, Any]]:
    """Every version, oldest first."""
    st = state_of(request)
    _stored(st, slug)
    return [version_dict(v) for v in _store(st).history(slug)]


@router.get("/scenarios/{slug}/versions/{version}", response_model=ScenarioOut)
def get_version(request: Request, slug: Slug, version: Version) -> dict[str, Any]:
    """One version's scenario."""
    return _scenario_out(_stored(state_of(request), slug, version))


@router.get("/scenarios/{slug}/diff", response_model=DiffOut)
def diff(request: Request, slug: Slug, old: Annotated[int, Query(ge=1, le=MAX_INT)],
         new: Annotated[int, Query(ge=1, le=MAX_INT)]) -> dict[str, Any]:
    """What changed from version ``old`` to ``new`` (items matched by id)."""
    st = state_of(request)
    _stored(st, slug, old)
    _stored(st, slug, new)
    return {"slug": slug, "old": old, "new": new, "changes": _store(st).diff(slug, old, new)}


@router.post("/scenarios/{slug}/restore", status_code=201, response_model=VersionOut)
def restore(request: Request, slug: Slug, body: RestoreRequest) -> dict[str, Any]:
    """Save an old version again as the newest (history is kept)."""
    st = state_of(request)
    _stored(st, slug, body.version)
    info = _store(st).restore(slug, body.version, message=body.message)
    return version_dict(info)


@router.get("/scenarios/{slug}/forecast")
def scenario_forecast(request: Request, slug: Slug, version: VersionQuery = None,
                      models: ModelsQuery = None, draws: DrawsQuery = 1,
                      seed: SeedQuery = 1) -> dict[str, Any]:
    """The forecast of a version (computed now, not stored; use runs to store one)."""
    st = state_of(request)
    src = _stored(st, slug, version)
    return _forecast_out(src, forecast_for(st, src, models, draws, seed))


@router.post("/scenarios/{slug}/runs", status_code=202, response_model=JobOut,
             responses={429: {"description": "Too many jobs queued"}})
def scenario_run(request: Request, slug: Slug, body: RunRequest,
                 response: Response) -> dict[str, Any]:
    """Start a background Monte Carlo run; the finished run is stored with provenance."""
    st = state_of(request)
    job = start_run(st, _stored(st, slug, body.version), body.models, body.draws, body.seed)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_out(job)


@router.get("/scenarios/{slug}/runs", response_model=list[RunOut])
def scenario_runs(request: Request, slug: Slug) -> list[dict[str, Any]]:
    """The stored runs of a scenario."""
    st = state_of(request)
    _stored(st, slug)
    return _store(st).runs(slug)


@router.get("/runs/{run_id}")
def get_run(request: Request, run_id: Annotated[int, PathParam(ge=1, le=MAX_INT)]
            ) -> dict[str, Any]:
    """A stored run's forecast document."""
    try:
        return _store(state_of(request)).run(run_id)
    except UnknownNameError:
        raise ProblemError.not_found("run", run_id) from None


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(request: Request) -> list[dict[str, Any]]:
    """Background jobs of this server process (newest last; results not included)."""
    return [job_out(j, result=False) for j in state_of(request).jobs.jobs()]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(request: Request, job_id: Annotated[str, PathParam(max_length=64)]
            ) -> dict[str, Any]:
    """A job's status and progress; its forecast once done."""
    job = _job(state_of(request), job_id)
    return job_out(job)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel_job(request: Request, job_id: Annotated[str, PathParam(max_length=64)]
               ) -> dict[str, Any]:
    """Ask a job to stop (it stops after its current step)."""
    job = _job(state_of(request), job_id)
    job.cancel()
    return job_out(job, result=False)


def _whatif(st: WebState, source: Source, body: WhatIfRequest) -> dict[str, Any]:
    _sync_draws(st, body.draws)
    result = whatif(source.scenario, drop=body.drop,
                    assign=[(a.path, a.value) for a in body.assign],
                    models=_models(body.models, source.scenario), draws=body.draws,
                    seed=body.seed, cache=st.forecasts)
    out = result.to_dict()
    out["source"] = {"kind": source.kind, "name": source.name, "version": source.version}
    return out


@router.post("/scenarios/{slug}/whatif")
def scenario_whatif(request: Request, slug: Slug, body: WhatIfRequest) -> dict[str, Any]:
    """Forecast a version with and without changes (nothing is saved)."""
    st = state_of(request)
    return _whatif(st, _stored(st, slug, body.version), body)


# --- signals --------------------------------------------------------------------------------------


def signals_out(st: WebState, source: Source) -> dict[str, Any]:
    sc = source.scenario
    return {
        "slug": source.name, "version": source.version, "outcomes": list(sc.outcome_names),
        "signals": [s.model_dump(mode="json") for s in sc.signals],
        "updates": [u.model_dump(mode="json") for u in sc.updates],
        "log": _store(st).signal_log(source.name),
        "current": (dict(sc.updates[-1].posterior) if sc.updates else None),
    }


@router.get("/scenarios/{slug}/signals", response_model=SignalsOut)
def get_signals(request: Request, slug: Slug) -> dict[str, Any]:
    """Signals, the update log of the latest version and the database's signal log."""
    st = state_of(request)
    return signals_out(st, _stored(st, slug))


def do_record_signal(st: WebState, slug: str, body: SignalRequest) -> dict[str, Any]:
    """Record a signal on the latest version: a new version plus a signal-log entry."""
    from summitry.signals import DEFAULT_DRAWS

    src = _stored(st, slug)
    limit = max(st.max_sync_draws, DEFAULT_DRAWS)
    if body.draws is not None and body.draws > limit:
        raise ProblemError(422, f"at most {limit} draws for the prior here",
                           errors=[{"path": "draws", "message": f"at most {limit}",
                                    "found": str(body.draws)}])
    ids = [s.id for s in src.scenario.signals]
    if body.signal not in ids:
        raise ProblemError(422, f"unknown signal {body.signal!r}",
                           errors=[{"path": "signal", "message": "unknown signal; known: "
                                    + ", ".join(ids[:30]), "found": body.signal}])
    names = _models(body.models, src.scenario)
    try:
        updated, entry = record_signal(src.scenario, body.signal, status=body.status,
                                       note=body.note, date=body.date, models=names,
                                       draws=body.draws)
    except SummitryError as exc:
        raise ProblemError.from_summitry(exc) from None
    verb = "observed" if body.status == "observed" else "absent"
    out = save_version(st, updated, slug, message=f"signal {body.signal} {verb}",
                       base_version=body.base_version)
    log_id = _store(st).record_update(slug, out["version"], entry.model_dump(mode="json"))
    return {"version": out, "update": entry.model_dump(mode="json"), "log_id": log_id}


@router.post("/scenarios/{slug}/signals", status_code=201, response_model=SignalOut)
def post_signal(request: Request, slug: Slug, body: SignalRequest) -> dict[str, Any]:
    """Mark a signal observed/absent: the probabilities are updated (Bayes), the update is
    logged, and the scenario is saved as a new version."""
    return do_record_signal(state_of(request), slug, body)


# --- article and report ---------------------------------------------------------------------------


@router.get("/scenarios/{slug}/article", response_class=Response, responses=_DOC_RESPONSES)
def scenario_article(request: Request, slug: Slug, version: VersionQuery = None,
                     stage: StageQuery = "before", format: Literal["html", "md"] = "html",
                     models: ModelsQuery = None, draws: DrawsQuery = 1, seed: SeedQuery = 1,
                     job: JobQuery = None, download: bool = False) -> Response:
    """The briefing article (a preview: nothing is saved)."""
    st = state_of(request)
    src = _stored(st, slug, version)
    text = article_text(st, src, stage=stage, fmt=format, models=models, draws=draws,
                        seed=seed, job=job)
    return document_response(text, format, kind="article", download=download,
                             filename=f"{slug}-v{src.version}-article.{format}")


@router.get("/scenarios/{slug}/articles", response_model=list[ArticleOut])
def list_articles(request: Request, slug: Slug) -> list[dict[str, Any]]:
    """Articles saved for this scenario."""
    st = state_of(request)
    _stored(st, slug)
    return _store(st).articles(slug)


@router.post("/scenarios/{slug}/articles", status_code=201, response_model=CreatedId)
def save_article(request: Request, slug: Slug, body: ArticleSave) -> dict[str, Any]:
    """Generate the article of the latest version and save it in the database."""
    st = state_of(request)
    src = _stored(st, slug)
    text = article_text(st, src, stage=body.stage, fmt=body.format, models=body.models,
                        draws=body.draws, seed=body.seed, job=body.job)
    assert src.version is not None
    art_id = _store(st).save_article(slug, src.version, stage=body.stage, fmt=body.format,
                                     content=text)
    return {"id": art_id, "slug": slug, "version": src.version}


@router.get("/scenarios/{slug}/report", response_class=Response, responses=_DOC_RESPONSES)
def scenario_report(request: Request, slug: Slug, version: VersionQuery = None,
                    format: Literal["html", "md"] = "html", models: ModelsQuery = None,
                    draws: DrawsQuery = 1, seed: SeedQuery = 1, job: JobQuery = None,
                    download: bool = False) -> Response:
    """The analyst's report of a version."""
    st = state_of(request)
    src = _stored(st, slug, version)
    text = report_text(st, src, fmt=format, models=models, draws=draws, seed=seed, job=job)
    return document_response(text, format, kind="report", download=download,
                             filename=f"{slug}-v{src.version}-report.{format}")

