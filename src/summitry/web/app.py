"""The FastAPI application: :func:`create_app` wires store, jobs, pages, API and security.

``create_app(store_path)`` returns an ASGI app that

- opens the SQLite store (:class:`~summitry.web.services.StoreProvider`: one connection
  per thread) at ``store_path`` (default: ``$SUMMITRY_DB`` or
  ``~/.local/share/summitry/summitry.db``, see :mod:`summitry.store`);
- runs long Monte Carlo forecasts on a :class:`~summitry.web.jobs.JobRegistry` thread pool;
- serves the pages (:mod:`summitry.web.pages`), the JSON API under ``/api``
  (:mod:`summitry.web.api`) with its OpenAPI document at ``/openapi.json``, the app's
  static files and htmx (``/static/``) and the report's vendored Vega bundles
  (``/static/vega/``) — nothing from a CDN; FastAPI's Swagger/ReDoc pages (which load
  from a CDN) are switched off, ``/api`` lists the endpoints instead;
- answers every error as ``application/problem+json`` (:mod:`summitry.web.problems`) on
  the API and as an error page on the pages — a 4xx for anything the client sent, never
  a 500 for bad input;
- limits request bodies (413), checks the Host header and the Origin of state-changing
  requests, and sets a strict Content-Security-Policy (:mod:`summitry.web.middleware`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from summitry.errors import SummitryError
from summitry.forecast import Forecast
from summitry.report.escape import num, pct, script_json
from summitry.web.jobs import JobRegistry
from summitry.web.middleware import BodyLimitMiddleware, GuardMiddleware, HeadersMiddleware
from summitry.web.problems import PROBLEM_TYPE, ProblemError, problem_body, pydantic_entries
from summitry.web.services import LRU, StoreProvider

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "LOOPBACK_HOSTS", "WebState", "create_app"]

log = logging.getLogger("summitry.web")

#: Default limit of a request body (uploads included): 10 MiB.
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Host names the app answers to by default (it binds to 127.0.0.1).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class WebState:
    """What the routes share: the store, the jobs, caches, templates and limits."""

    stores: StoreProvider
    jobs: JobRegistry
    forecasts: LRU[Forecast]
    documents: LRU[Any]
    charts: LRU[Any]
    templates: jinja2.Environment
    max_upload_bytes: int
    max_draws: int
    max_sync_draws: int


def state_of(request: Request) -> WebState:
    st: WebState = request.app.state.summitry
    return st


class SafeJSONResponse(JSONResponse):
    """JSON without NaN/Infinity (not JSON): they become ``null``."""

    def render(self, content: Any) -> bytes:
        return json.dumps(_finite(content), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("summitry.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda x, units="": num(None if x is None else float(x), units)
    env.filters["pct"] = lambda p: pct(None if p is None else float(p))
    env.filters["script_json"] = lambda v: Markup(script_json(_finite(v)))
    env.globals["problem_type"] = PROBLEM_TYPE
    return env


def _is_api(request: Request) -> bool:
    path = request.url.path
    return (path == "/api" and request.method != "GET") or path.startswith("/api/")


def problem_response(status: int, body: dict[str, Any],
                     headers: dict[str, str] | None = None) -> SafeJSONResponse:
    return SafeJSONResponse(body, status_code=status, media_type=PROBLEM_TYPE,
                            headers=headers)


def _error_page(request: Request, status: int, body: dict[str, Any],
                headers: dict[str, str] | None = None) -> HTMLResponse:
    env = state_of(request).templates
    fragment = request.headers.get("hx-request") == "true"
    name = "error_fragment.html.j2" if fragment else "error.html.j2"
    html = env.get_template(name).render(problem=body, request=request)
    return HTMLResponse(html, status_code=status, headers=headers)


def _answer(request: Request, status: int, body: dict[str, Any],
            headers: dict[str, str] | None = None) -> Response:
    wants_html = ("text/html" in request.headers.get("accept", "text/html")
                  or request.headers.get("hx-request") == "true")
    if _is_api(request) or not wants_html:
        return problem_response(status, body, headers)
    return _error_page(request, status, body, headers)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return _answer(request, exc.status, exc.body(), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        entries = pydantic_entries(exc.errors())
        first = entries[0] if entries else {"path": "body", "message": "invalid request"}
        detail = f"{first['path']}: {first['message']}"
        if len(entries) > 1:
            detail += f" (and {len(entries) - 1} more)"
        return _answer(request, 422, problem_body(422, detail, errors=entries))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no page or endpoint at {request.url.path}"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return _answer(request, exc.status_code, problem_body(exc.status_code, detail),
                       dict(exc.headers or {}))

    @app.exception_handler(SummitryError)
    async def _summitry(request: Request, exc: SummitryError) -> Response:
        return _answer(request, 422, ProblemError.from_summitry(exc).body())

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:  # pragma: no cover
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _answer(request, 500, problem_body(
            500, "internal error: the server failed to answer this request (see its log)"))


def _error_responses() -> dict[str, Any]:
    return {
        "description": "A problem document (RFC 9457) with field-level errors.",
        "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {
                    "path": {"type": "string",
                             "description": "Key path, parameter or file row of the problem"},
                    "message": {"type": "string"},
                    "expected": {"type": "string"},
                    "found": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of the JSON API: FastAPI's, with every error answer declared
    as ``application/problem+json`` (400, 404, 413, 422 and what each route adds)."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    comps = doc.setdefault("components", {}).setdefault("schemas", {})
    comps["Problem"] = PROBLEM_SCHEMA
    comps.pop("HTTPValidationError", None)
    comps.pop("ValidationError", None)
    for item in doc.get("paths", {}).values():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            responses = op.setdefault("responses", {})
            codes = ["400", "404", "422"]
            if method != "get":
                codes += ["403", "413"]
            for code in codes:
                responses[code] = _error_responses() | {
                    "description": responses.get(code, {}).get("description")
                    or _error_responses()["description"]}
    app.openapi_schema = doc
    return doc


def create_app(
    store_path: str | Path | None = None,
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    max_draws: int = 200_000,
    max_sync_draws: int = 500,
    job_workers: int = 2,
    max_pending_jobs: int = 16,
    allowed_hosts: Iterable[str] | None = None,
) -> FastAPI:
    """The summitry web app.

    Args:
        store_path: the SQLite database (default: ``$SUMMITRY_DB``, else
            ``~/.local/share/summitry/summitry.db``).
        max_upload_bytes: the largest request body accepted (larger: 413, unread).
        max_draws: the most Monte Carlo draws a background run may ask for.
        max_sync_draws: the most draws of a forecast computed while the request waits
            (what-if, previews); more need a background run.
        job_workers: threads running background forecasts.
        max_pending_jobs: queued or running jobs accepted at once (more: 429).
        allowed_hosts: Host header names to answer (default: loopback names; ``"*"``
            for any, e.g. behind a reverse proxy).
    """
    from summitry import __version__
    from summitry.web import api, pages

    hosts = tuple(allowed_hosts) if allowed_hosts is not None else LOOPBACK_HOSTS
    stores = StoreProvider(store_path)
    state = WebState(
        stores=stores,
        jobs=JobRegistry(job_workers, max_pending=max_pending_jobs),
        forecasts=LRU(64),
        documents=LRU(16),
        charts=LRU(256),
        templates=_templates(),
        max_upload_bytes=max_upload_bytes,
        max_draws=max_draws,
        max_sync_draws=max_sync_draws,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if state.jobs.closed:  # started again after a shutdown (test clients do that)
            state.jobs = JobRegistry(job_workers, max_pending=max_pending_jobs)
        try:
            yield
        finally:
            state.jobs.shutdown(wait=True)
            state.stores.close()

    app = FastAPI(
        title="summitry",
        version=__version__,
        description=("Forecast negotiations with bargaining models: scenarios with every "
                     "version kept, forecasts, what-if analysis, signals, briefings. "
                     "Errors are application/problem+json with the field path."),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.summitry = state
    app.state.store_path = stores.path
    _install_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]

    web_static = resources.files("summitry.web") / "static"
    vega_static = resources.files("summitry.report") / "static" / "vendor"
    app.mount("/static/vega", StaticFiles(directory=str(vega_static)), name="vega")
    app.mount("/static", StaticFiles(directory=str(web_static)), name="static")

    app.add_middleware(HeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_upload_bytes)
    app.add_middleware(GuardMiddleware, allowed_hosts=hosts)
    return app
