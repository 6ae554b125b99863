"""Property-based API tests with schemathesis against the OpenAPI document.

Every operation of ``/openapi.json`` is called with generated valid and invalid inputs
(hypothesis; a few examples each, so the run stays well under two minutes); each answer
must not be a server error (5xx) and must conform to the document: status code, media
type, headers and body schema (the ``application/problem+json`` Problem schema for every
error). Runs in-process over ASGI against a fresh database in a temporary folder.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.web.conftest import TestClient, tiny_scenario

from summitry.web import create_app

_TMP = Path(tempfile.mkdtemp(prefix="summitry-schemathesis-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)

APP = create_app(_TMP / "st.db", max_upload_bytes=100_000, max_sync_draws=20, max_draws=200,
                 job_workers=1, max_pending_jobs=4,
                 allowed_hosts=("localhost", "testserver"))  # the ASGI test clients
atexit.register(APP.state.summitry.stores.close)
atexit.register(APP.state.summitry.jobs.shutdown)
# no `with`: the app's lifespan (which closes the store at its end) is not run here
TestClient(APP, base_url="http://localhost").post(
    "/api/scenarios", json={"scenario": tiny_scenario(), "slug": "tiny"})

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

#: No 5xx, and every answer as documented. (schemathesis' negative_data_rejection is left
#: out: it does not count 413, our answer to an oversized body, as a rejection.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
