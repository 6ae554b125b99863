"""Fixtures of the web tests: an app on a fresh database, a TestClient, small scenarios."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # starlette's test client prefers the httpx2 package; httpx works the same for tests
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from summitry.web import create_app

DATA = Path(__file__).parent.parent / "data"
XSS = "<img src=x onerror=alert(1)>"


def tiny_scenario(**meta: Any) -> dict[str, Any]:
    """A two-actor, one-issue scenario with named outcomes and two signals."""
    return {
        "id": "tiny",
        "meta": {"title": "Tiny talks", **meta},
        "issues": [{"id": "x", "name": "Deal size", "lower": 0, "upper": 100}],
        "actors": [{"id": "a", "name": "Alpha", "capability": 1.0},
                   {"id": "b", "name": "Beta", "capability": 2.0}],
        "stances": [{"actor": "a", "issue": "x", "position": 20, "salience": 0.8},
                    {"actor": "b", "issue": "x", "position": 80, "salience": 0.6}],
        "outcomes": [{"name": "Big", "rule": "x >= 50"},
                     {"name": "Small", "rule": "otherwise"}],
        "signals": [{"id": "s1", "text": "Talks resume", "likelihoods": {"Big": 0.8,
                                                                          "Small": 0.3}},
                    {"id": "s2", "text": "Walkout", "likelihoods": {"Big": 0.1,
                                                                      "Small": 0.6}}],
    }


def make_client(db: Path, **options: Any) -> TestClient:
    return TestClient(create_app(db, **options), base_url="http://127.0.0.1")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "web.db"


@pytest.fixture
def client(db_path: Path) -> Iterator[TestClient]:
    with make_client(db_path, max_upload_bytes=200_000, max_sync_draws=50,
                     max_draws=5000) as c:
        yield c


@pytest.fixture
def tiny(client: TestClient) -> str:
    """A stored copy of :func:`tiny_scenario`; returns its slug."""
    r = client.post("/api/scenarios", json={"scenario": tiny_scenario(), "message": "first"})
    assert r.status_code == 201, r.text
    return str(r.json()["slug"])
