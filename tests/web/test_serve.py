"""The ``summitry serve`` command: loopback by default, options passed to the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from summitry.cli import main


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kw: Any) -> None:
        seen["app"] = app
        seen.update(kw)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return seen


def test_serve_binds_loopback_by_default(served: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert main(["serve", "--db", str(db)]) == 0
    assert served["host"] == "127.0.0.1" and served["port"] == 8000
    assert served["app"].state.store_path == db and db.exists()


def test_serve_options(served: dict[str, Any], tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "9123", "--db",
                 str(tmp_path / "s.db"), "--max-upload-mb", "1", "--workers", "3"]) == 0
    assert served["host"] == "0.0.0.0" and served["port"] == 9123
    st = served["app"].state.summitry
    assert st.max_upload_bytes == 1024 * 1024 and st.jobs.workers == 3
    assert "warning: listening beyond this computer" in capsys.readouterr().err
    assert main(["serve", "--port", "70000"]) == 2


def test_serve_uses_summitry_db(served: dict[str, Any], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMITRY_DB", str(tmp_path / "env.db"))
    assert main(["serve"]) == 0
    assert served["app"].state.store_path == tmp_path / "env.db"
