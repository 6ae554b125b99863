"""Shared helpers of the web benchmarks (web_load.py, web_kill.py): start the server.

Not a test. The server runs as a child process (``summitry serve --host 127.0.0.1``) on a
free port with its own database, exactly as a user starts it.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

TINY: dict[str, Any] = {
    "id": "bench",
    "meta": {"title": "Bench talks"},
    "issues": [{"id": "x", "name": "Deal size"}, {"id": "y", "name": "Timing"}],
    "actors": [{"id": "a", "name": "Alpha", "capability": 1.0},
               {"id": "b", "name": "Beta", "capability": 2.0},
               {"id": "c", "name": "Gamma", "capability": 1.5}],
    "stances": [{"actor": a, "issue": i, "position": p, "salience": s}
                for a, i, p, s in [("a", "x", 20, 0.8), ("b", "x", 80, 0.6), ("c", "x", 50, 0.5),
                                   ("a", "y", 70, 0.4), ("b", "y", 30, 0.9), ("c", "y", 60, 0.7)]],
    "outcomes": [{"name": "Deal", "rule": "x >= 50 and y <= 60"},
                 {"name": "No deal", "rule": "otherwise"}],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, *, workers: int = 2) -> tuple[subprocess.Popen[bytes], str]:
    """``summitry serve`` on a free loopback port; returns the process and its base URL."""
    port = free_port()
    code = "import sys; from summitry.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"the server exited with {proc.returncode}: {err}")
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start within 60 s")


def stop_server(proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(15)
    if proc.stderr:
        proc.stderr.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    k = min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))
    return xs[k]


def integrity_check(db: Path) -> str:
    """SQLite's own check of the database file (``"ok"`` when sound)."""
    con = sqlite3.connect(str(db))
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()
