"""The summitry web app: scenarios, forecasts, what-if sliders, signals and briefings in a
browser, every scenario version kept in the SQLite store (docs/web.md).

``create_app("summitry.db")`` returns the ASGI app; ``summitry serve`` runs it with uvicorn
on 127.0.0.1. Modules:

- :mod:`summitry.web.app` — :func:`create_app`: wiring, error handling, OpenAPI.
- :mod:`summitry.web.api` — the JSON API under ``/api``.
- :mod:`summitry.web.pages` — the pages and htmx fragments.
- :mod:`summitry.web.services` — what the routes do, without HTTP.
- :mod:`summitry.web.forms` — the scenario editor's form ↔ scenario mapping.
- :mod:`summitry.web.jobs` — background Monte Carlo runs on a thread pool.
- :mod:`summitry.web.problems` — errors as ``application/problem+json``.
- :mod:`summitry.web.middleware` — body limit, Host/Origin checks, security headers.
"""

from __future__ import annotations

from summitry.web.app import create_app

__all__ = ["create_app"]
