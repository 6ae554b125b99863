"""The SQLite store: versions kept, diffs, restore, migrations, export/import/backup."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from summitry.errors import SummitryError, UnknownNameError
from summitry.scenario import Scenario
from summitry.store import LATEST, MIGRATIONS, Store, default_path


def scenario(salience: float = 0.5, title: str = "Test") -> Scenario:
    return Scenario.model_validate({
        "id": "test", "meta": {"title": title},
        "issues": [{"id": "i1"}, {"id": "i2", "lower": 4, "upper": 10}],
        "actors": [{"id": "a"}, {"id": "b", "capability": 2}],
        "stances": [
            {"actor": "a", "issue": "i1", "position": 10, "salience": salience},
            {"actor": "b", "issue": "i1", "position": 90, "salience": 0.9},
            {"actor": "a", "issue": "i2", "position": 5, "salience": 0.4},
        ],
    })


@pytest.fixture
def db(tmp_path: Path):
    with Store(tmp_path / "s.db") as store:
        yield store


def test_every_version_is_kept(db):
    v1 = db.save_scenario(scenario(0.5), message="first")
    v2 = db.save_scenario(scenario(0.7), message="more salient")
    assert (v1.version, v2.version) == (1, 2)
    assert [v.message for v in db.history("test")] == ["first", "more salient"]
    assert db.get("test", 1).stances[0].salience == 0.5
    assert db.get("test").stances[0].salience == 0.7
    assert db.list_scenarios()[0].version == 2


def test_diff_matches_items_by_id(db):
    db.save_scenario(scenario(0.5))
    db.save_scenario(scenario(0.7, title="Renamed"))
    changes = {c["path"]: (c["old"], c["new"]) for c in db.diff("test", 1, 2)}
    assert changes == {"stances.a.i1.salience": (0.5, 0.7), "meta.title": ("Test", "Renamed")}


def test_restore_appends_a_copy(db):
    db.save_scenario(scenario(0.5))
    db.save_scenario(scenario(0.7))
    v3 = db.restore("test", 1)
    assert v3.version == 3 and "restored version 1" in v3.message
    assert db.get("test").stances[0].salience == 0.5
    assert len(db.history("test")) == 3


def test_stale_base_version_is_flagged_not_lost(db):
    db.save_scenario(scenario(0.5))
    db.save_scenario(scenario(0.6))  # someone else saved meanwhile
    late = db.save_scenario(scenario(0.9), base_version=1)
    assert late.based_on_stale and late.version == 3
    assert [db.get("test", v).stances[0].salience for v in (1, 2, 3)] == [0.5, 0.6, 0.9]


def test_concurrent_saves_all_land(tmp_path):
    path = tmp_path / "c.db"
    Store(path).close()

    def worker(k: int) -> None:
        with Store(path) as store:
            for j in range(5):
                store.save_scenario(scenario(round(0.01 * (k * 5 + j + 1), 2)))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Store(path) as store:
        assert [v.version for v in store.history("test")] == list(range(1, 21))


def test_unknown_names(db):
    with pytest.raises(UnknownNameError):
        db.get("nope")
    db.save_scenario(scenario())
    with pytest.raises(UnknownNameError, match="version"):
        db.get("test", 9)


def test_runs_updates_articles(db):
    v = db.save_scenario(scenario())
    rid = db.record_run("test", v.version, {"provenance": {"models": {"compromise": {}},
                                                          "draws": 10, "seed": 1,
                                                          "input_hash": "h", "version": "0"},
                                           "forecasts": []})
    assert db.runs("test")[0]["id"] == rid and db.run(rid)["forecasts"] == []
    db.record_update("test", 1, {"date": "2025-08-01", "signal": "s", "status": "observed",
                                 "prior": {"A": 0.5}, "posterior": {"A": 0.6}})
    assert db.signal_log("test")[0]["posterior"] == {"A": 0.6}
    db.save_article("test", 1, stage="before", fmt="html", content="<p>x</p>")
    assert db.articles("test")[0]["content"] == "<p>x</p>"


def test_migrations_from_empty_and_from_v1(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[1])
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO scenarios (slug, created) VALUES ('old', '2024-01-01')")
    content = json.dumps(scenario().to_dict())
    con.execute("INSERT INTO scenario_versions (scenario_id, version, created, title, content,"
                " content_hash, message) VALUES (1, 1, '2024-01-01', 'Old', ?, 'h', 'm')",
                (content,))
    con.commit()
    con.close()
    with Store(path) as store:
        assert store.schema_version == LATEST
        assert store.get("old").stances[0].salience == 0.5
        assert store.history("old")[0].author == ""
        store.record_update("old", 1, {"date": "2025-01-01", "signal": "s",
                                       "status": "absent", "prior": {}, "posterior": {}})
    with Store(tmp_path / "new.db") as store:
        assert store.schema_version == LATEST


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {LATEST + 1}")
    con.close()
    with pytest.raises(SummitryError, match="newer"):
        Store(path)


def test_export_import_backup_roundtrip(db, tmp_path):
    db.save_scenario(scenario(0.5))
    db.save_scenario(scenario(0.7))
    db.record_run("test", 2, {"provenance": {}, "forecasts": [1, 2]})
    db.save_article("test", 2, stage="after", fmt="md", content="# x")
    doc = db.export()
    with Store(tmp_path / "copy.db") as other:
        other.import_(json.loads(json.dumps(doc)))
        assert other.export() == doc
        with pytest.raises(SummitryError, match="empty database"):
            other.import_(doc)
    backup = db.backup(tmp_path / "b.db")
    with Store(backup) as restored:
        assert restored.export() == doc
    with pytest.raises(SummitryError, match="exists"):
        db.backup(backup)


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.setenv("SUMMITRY_DB", str(tmp_path / "env.db"))
    assert default_path() == tmp_path / "env.db"
    monkeypatch.delenv("SUMMITRY_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "summitry" / "summitry.db"


def test_db_cli_roundtrip(tmp_path, capsys):
    from summitry.cli import main
    from summitry.io import save

    src = tmp_path / "s.yaml"
    save(scenario(0.5), src)
    db = str(tmp_path / "cli.db")
    assert main(["db", "save", str(src), "--db", db, "-m", "one"]) == 0
    save(scenario(0.8), src)
    assert main(["db", "save", str(src), "--db", db]) == 0
    assert main(["db", "diff", "test", "1", "2", "--db", db]) == 0
    assert "stances.a.i1.salience: 0.5 → 0.8" in capsys.readouterr().out
    assert main(["db", "restore", "test", "1", "--db", db]) == 0
    exp = tmp_path / "e.json"
    assert main(["db", "export", "-o", str(exp), "--db", db]) == 0
    assert main(["db", "import", str(exp), "--db", str(tmp_path / "n.db")]) == 0
    assert main(["db", "backup", "-o", str(tmp_path / "b.db"), "--db", db]) == 0
    with Store(tmp_path / "n.db") as copy:
        assert len(copy.history("test")) == 3
    capsys.readouterr()
    assert main(["db", "import", str(exp), "--db", db]) == 2
    assert "empty database" in capsys.readouterr().err
    assert main(["db", "history", "nope", "--db", db]) == 2


def test_import_of_a_broken_export_is_all_or_nothing(db, tmp_path):
    db.save_scenario(scenario())
    doc = db.export()
    doc["scenario_versions"].append(dict(doc["scenario_versions"][0]))  # duplicate version
    with Store(tmp_path / "x.db") as other:
        with pytest.raises(SummitryError, match=r"scenario_versions\[1\]"):
            other.import_(doc)
        assert other.export()["scenarios"] == []  # rolled back
        with pytest.raises(SummitryError, match="list of rows"):
            other.import_({"format": "summitry-db", "runs": "nope"})
