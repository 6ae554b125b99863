"""Persistence: every scenario version kept, forecast runs, the signal log, articles.

SQLite through the standard library (``sqlite3``), in WAL mode so readers never block the
writer. Nothing a user saved is ever overwritten: saving a scenario appends a new version;
restoring an old version appends a copy of it as the newest; deleting is not offered.

Location: ``path`` argument > ``$SUMMITRY_DB`` > ``$XDG_DATA_HOME/summitry/summitry.db``
(default ``~/.local/share/summitry/summitry.db``).

Schema migrations are numbered; ``PRAGMA user_version`` records the version a database is
at, and :meth:`Store.migrate` applies the missing steps in one transaction each. Opening a
database newer than this code knows is refused rather than risked.

>>> import tempfile, pathlib
>>> from summitry import examples, load
>>> db = Store(pathlib.Path(tempfile.mkdtemp()) / "t.db")
>>> v = db.save_scenario(load(examples.path("bdm1994-car-emissions")), message="first")
>>> (v.slug, v.version)
('bdm1994-car-emissions', 1)
>>> db.close()
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summitry.errors import SummitryError, UnknownNameError
from summitry.io._common import from_dict
from summitry.scenario import Scenario

__all__ = ["MIGRATIONS", "Store", "VersionInfo", "default_path"]

#: Migrations by version number: version k's script brings a database from k−1 to k.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE scenarios (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL
    );
    CREATE TABLE scenario_versions (
        id INTEGER PRIMARY KEY,
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
        version INTEGER NOT NULL,
        created TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        UNIQUE (scenario_id, version)
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
        version INTEGER NOT NULL,
        created TEXT NOT NULL,
        models TEXT NOT NULL,
        draws INTEGER NOT NULL,
        seed INTEGER,
        input_hash TEXT NOT NULL,
        summitry_version TEXT NOT NULL,
        result TEXT NOT NULL
    );
    """,
    2: """
    CREATE TABLE signal_log (
        id INTEGER PRIMARY KEY,
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
        version INTEGER NOT NULL,
        created TEXT NOT NULL,
        date TEXT NOT NULL,
        signal TEXT NOT NULL,
        status TEXT NOT NULL,
        prior TEXT NOT NULL,
        posterior TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
        version INTEGER NOT NULL,
        created TEXT NOT NULL,
        stage TEXT NOT NULL,
        format TEXT NOT NULL,
        content TEXT NOT NULL
    );
    """,
    3: """
    ALTER TABLE scenario_versions ADD COLUMN author TEXT NOT NULL DEFAULT '';
    CREATE INDEX runs_by_scenario ON runs (scenario_id, version);
    CREATE INDEX signal_log_by_scenario ON signal_log (scenario_id, id);
    CREATE INDEX articles_by_scenario ON articles (scenario_id, id);
    """,
}
LATEST = max(MIGRATIONS)

_TABLES = ("scenarios", "scenario_versions", "runs", "signal_log", "articles")
_SLUG = re.compile(r"[^a-z0-9]+")


def default_path() -> Path:
    """Where the database lives unless told otherwise (see the module docstring)."""
    env = os.environ.get("SUMMITRY_DB")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "summitry" / "summitry.db"


def slugify(text: str) -> str:
    slug = _SLUG.sub("-", text.lower()).strip("-")[:80]
    return slug or "scenario"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class VersionInfo:
    """One saved version of a scenario."""

    slug: str
    version: int
    created: str
    title: str
    message: str
    content_hash: str
    author: str = ""
    #: set when the save was based on an older version than the latest (a concurrent
    #: edit): the save still became a new version, nothing was overwritten.
    based_on_stale: bool = False


class Store:
    """A summitry database. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None,
                                       check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise SummitryError(f"{self.path}: cannot open the database: {exc}") from None
        self.migrate()

    # -- plumbing -----------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, target: int = LATEST) -> int:
        """Bring the database to ``target`` (default: the latest); returns the version."""
        current = self.schema_version
        if current > LATEST:
            raise SummitryError(
                f"{self.path}: the database is at schema version {current}, newer than this "
                f"summitry knows ({LATEST}); upgrade summitry to open it"
            )
        for version in range(current + 1, target + 1):
            with self._tx() as db:
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")
        return self.schema_version

    def _scenario_id(self, slug: str) -> int:
        row = self._db.execute("SELECT id FROM scenarios WHERE slug = ?", (slug,)).fetchone()
        if row is None:
            raise UnknownNameError("scenario", slug, self.slugs())
        return int(row["id"])

    def slugs(self) -> list[str]:
        return [r["slug"] for r in self._db.execute("SELECT slug FROM scenarios ORDER BY id")]

    # -- scenarios ----------------------------------------------------------------------------
    def save_scenario(
        self,
        scenario: Scenario,
        *,
        slug: str | None = None,
        message: str = "",
        author: str = "",
        base_version: int | None = None,
    ) -> VersionInfo:
        """Save ``scenario`` as the newest version of ``slug`` (default: from its id).

        ``base_version`` is the version the user's edit started from; when a newer version
        was saved meanwhile, the save still becomes a new version (nothing is lost) and the
        returned info has ``based_on_stale=True`` so the user can be told.
        """
        slug = slugify(slug or scenario.id or scenario.meta.title)
        content = json.dumps(scenario.to_dict(), sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(content.encode()).hexdigest()
        now = _now()
        with self._tx() as db:
            row = db.execute("SELECT id FROM scenarios WHERE slug = ?", (slug,)).fetchone()
            if row is None:
                sid = int(db.execute("INSERT INTO scenarios (slug, created) VALUES (?, ?)",
                                     (slug, now)).lastrowid or 0)
                latest = 0
            else:
                sid = int(row["id"])
                latest = int(db.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM scenario_versions "
                    "WHERE scenario_id = ?", (sid,)).fetchone()[0])
            version = latest + 1
            title = scenario.meta.title or scenario.id
            db.execute(
                "INSERT INTO scenario_versions (scenario_id, version, created, title, content,"
                " content_hash, message, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, version, now, title, content, digest, message, author),
            )
        stale = base_version is not None and base_version < latest
        return VersionInfo(slug, version, now, title, message, digest, author, stale)

    def list_scenarios(self) -> list[VersionInfo]:
        """The latest version of every scenario."""
        rows = self._db.execute(
            "SELECT s.slug, v.* FROM scenarios s JOIN scenario_versions v ON v.scenario_id = s.id "
            "WHERE v.version = (SELECT MAX(version) FROM scenario_versions "
            "WHERE scenario_id = s.id) ORDER BY s.id"
        ).fetchall()
        return [self._info(r) for r in rows]

    def history(self, slug: str) -> list[VersionInfo]:
        """Every version of ``slug``, oldest first."""
        sid = self._scenario_id(slug)
        rows = self._db.execute(
            "SELECT ? AS slug, * FROM scenario_versions WHERE scenario_id = ? ORDER BY version",
            (slug, sid),
        ).fetchall()
        return [self._info(r) for r in rows]

    @staticmethod
    def _info(r: sqlite3.Row) -> VersionInfo:
        return VersionInfo(r["slug"], int(r["version"]), r["created"], r["title"],
                           r["message"], r["content_hash"], r["author"])

    def raw(self, slug: str, version: int | None = None) -> dict[str, Any]:
        """The stored JSON of a version (default: the latest)."""
        sid = self._scenario_id(slug)
        if version is None:
            row = self._db.execute(
                "SELECT content FROM scenario_versions WHERE scenario_id = ? "
                "ORDER BY version DESC LIMIT 1", (sid,)).fetchone()
        else:
            row = self._db.execute(
                "SELECT content FROM scenario_versions WHERE scenario_id = ? AND version = ?",
                (sid, version)).fetchone()
        if row is None:
            known = [str(v.version) for v in self.history(slug)]
            raise UnknownNameError(f"version of {slug!r}", str(version), known)
        data: dict[str, Any] = json.loads(row["content"])
        return data

    def get(self, slug: str, version: int | None = None) -> Scenario:
        """The scenario at ``version`` (default: the latest)."""
        return from_dict(self.raw(slug, version), source=f"database {slug}@{version or 'latest'}")

    def latest_version(self, slug: str) -> int:
        return self.history(slug)[-1].version

    def diff(self, slug: str, old: int, new: int) -> list[dict[str, Any]]:
        """Changes from version ``old`` to ``new``: ``{"path", "old", "new"}`` entries, with
        stances, actors, issues, outcomes and signals matched by their ids, not their order."""
        return _diff(_keyed(self.raw(slug, old)), _keyed(self.raw(slug, new)), "")

    def restore(self, slug: str, version: int, *, message: str = "") -> VersionInfo:
        """Append a copy of ``version`` as the newest version (history is kept)."""
        scenario = self.get(slug, version)
        return self.save_scenario(scenario, slug=slug,
                                  message=message or f"restored version {version}")

    # -- runs, signal log, articles ---------------------------------------------------------
    def record_run(self, slug: str, version: int, result: dict[str, Any]) -> int:
        """Store a forecast run (``Forecast.to_dict()``) with its provenance."""
        sid = self._scenario_id(slug)
        prov = result.get("provenance", {})
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO runs (scenario_id, version, created, models, draws, seed, "
                "input_hash, summitry_version, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, version, _now(), json.dumps(prov.get("models", {})),
                 int(prov.get("draws", 1)), prov.get("seed"), prov.get("input_hash", ""),
                 prov.get("version", ""), json.dumps(result)),
            )
        return int(cur.lastrowid or 0)

    def runs(self, slug: str) -> list[dict[str, Any]]:
        sid = self._scenario_id(slug)
        rows = self._db.execute(
            "SELECT id, version, created, models, draws, seed, input_hash, summitry_version "
            "FROM runs WHERE scenario_id = ? ORDER BY id", (sid,)).fetchall()
        return [dict(r) | {"models": json.loads(r["models"])} for r in rows]

    def run(self, run_id: int) -> dict[str, Any]:
        row = self._db.execute("SELECT result FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise UnknownNameError("run", str(run_id), [])
        data: dict[str, Any] = json.loads(row["result"])
        return data

    def record_update(self, slug: str, version: int, update: dict[str, Any]) -> int:
        """Append a signal update (a ``SignalUpdate`` as a dict) to the log."""
        sid = self._scenario_id(slug)
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO signal_log (scenario_id, version, created, date, signal, status, "
                "prior, posterior, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, version, _now(), str(update["date"]), update["signal"],
                 update["status"], json.dumps(update["prior"]),
                 json.dumps(update["posterior"]), update.get("note", "")),
            )
        return int(cur.lastrowid or 0)

    def signal_log(self, slug: str) -> list[dict[str, Any]]:
        sid = self._scenario_id(slug)
        rows = self._db.execute(
            "SELECT * FROM signal_log WHERE scenario_id = ? ORDER BY id", (sid,)).fetchall()
        return [dict(r) | {"prior": json.loads(r["prior"]),
                           "posterior": json.loads(r["posterior"])} for r in rows]

    def save_article(self, slug: str, version: int, *, stage: str, fmt: str,
                     content: str) -> int:
        sid = self._scenario_id(slug)
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO articles (scenario_id, version, created, stage, format, content) "
                "VALUES (?, ?, ?, ?, ?, ?)", (sid, version, _now(), stage, fmt, content))
        return int(cur.lastrowid or 0)

    def articles(self, slug: str) -> list[dict[str, Any]]:
        sid = self._scenario_id(slug)
        rows = self._db.execute(
            "SELECT id, version, created, stage, format, content FROM articles "
            "WHERE scenario_id = ? ORDER BY id", (sid,)).fetchall()
        return [dict(r) for r in rows]

    # -- export / import / backup ---------------------------------------------------------
    def export(self) -> dict[str, Any]:
        """Everything, as one JSON-ready document (lossless: :meth:`import_` reads it)."""
        doc: dict[str, Any] = {"format": "summitry-db", "schema_version": self.schema_version}
        for table in _TABLES:
            rows = self._db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            doc[table] = [dict(r) for r in rows]
        return doc

    def import_(self, doc: dict[str, Any]) -> dict[str, int]:
        """Load an :meth:`export` document into an EMPTY database (ids kept)."""
        if doc.get("format") != "summitry-db":
            raise SummitryError("not a summitry database export: expected "
                                "format 'summitry-db', found " + repr(doc.get("format")))
        if int(doc.get("schema_version", 0)) > LATEST:
            raise SummitryError("the export comes from a newer summitry; upgrade to import it")
        if any(self._db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in _TABLES):
            raise SummitryError(f"{self.path}: import needs an empty database; this one holds "
                                "data (nothing was changed)")
        counts = {}
        try:
            with self._tx() as db:  # all or nothing: a bad row rolls the whole import back
                for table in _TABLES:
                    rows = doc.get(table, [])
                    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                        raise SummitryError(f"export key {table!r}: expected a list of rows "
                                            "(objects)")
                    cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
                    for k, row in enumerate(rows):
                        keys = [c for c in row if c in cols]
                        try:
                            db.execute(
                                f"INSERT INTO {table} ({', '.join(keys)}) "
                                f"VALUES ({', '.join('?' for _ in keys)})",
                                [row[c] for c in keys],
                            )
                        except (sqlite3.Error, ValueError, TypeError) as exc:
                            raise SummitryError(
                                f"export {table}[{k}]: cannot be stored ({exc}); nothing was "
                                "imported") from None
                    counts[table] = len(rows)
        except sqlite3.Error as exc:
            raise SummitryError(f"{self.path}: import failed ({exc}); nothing was imported"
                                ) from None
        return counts

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy of the live database (SQLite's online backup API)."""
        dest = Path(target)
        if dest.exists():
            raise SummitryError(f"{dest}: exists already; choose a new file for the backup")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        out = sqlite3.connect(str(tmp))
        try:
            self._db.backup(out)
        finally:
            out.close()
        os.replace(tmp, dest)
        return dest


# -- diff helpers -----------------------------------------------------------------------------
_KEYS = {"issues": "id", "actors": "id", "signals": "id", "outcomes": "name"}


def _keyed(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    for field, key in _KEYS.items():
        if isinstance(out.get(field), list):
            out[field] = {str(item.get(key)): item for item in out[field]}
    if isinstance(out.get("stances"), list):
        out["stances"] = {f"{s.get('actor')}.{s.get('issue')}": s for s in out["stances"]}
    return out


def _diff(a: Any, b: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[dict[str, Any]] = []
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in b:
                out.append({"path": sub, "old": a[key], "new": None})
            elif key not in a:
                out.append({"path": sub, "old": None, "new": b[key]})
            else:
                out.extend(_diff(a[key], b[key], sub))
        return out
    if a != b:
        return [{"path": path, "old": a, "new": b}]
    return []
