"""The CLI: output formats, exit codes, messages (no traceback for a user mistake)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summitry.cli import main

DECIDE = Path(__file__).parent / "data" / "decide"

SMALL = """
schema: summitry/1
meta: {title: Small test}
issues:
  - {id: year, name: Year, lower: 4, upper: 10, anchors: {4: early, 10: late}}
  - {id: money, name: Money}
actors: [{id: a, capability: 1}, {id: b, capability: 2}, {id: c}]
stances:
  - {actor: a, issue: year, position: 4, salience: 0.8}
  - {actor: b, issue: year, position: 10, salience: 0.5}
  - {actor: c, issue: year, position: 7, salience: 0.5}
  - {actor: a, issue: money, position: 10, salience: 0.5}
  - {actor: b, issue: money, position: 90, salience: 0.9}
outcomes:
  - {name: Late, rule: year >= 7}
  - {name: Early, rule: otherwise}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_forecast_json(capsys, small):
    code, out, _ = run(capsys, "forecast", str(small), "-m", "compromise,median",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    models = [f["model"] for f in doc["forecasts"]]
    assert models == ["compromise", "median"]
    year = doc["forecasts"][0]["issues"][0]
    assert year["id"] == "year" and year["name"] == "Year"
    # (1·0.8·4 + 2·0.5·10 + 1·0.5·7) / (0.8 + 1 + 0.5) = 16.7 / 2.3
    assert year["outcome"] == pytest.approx(16.7 / 2.3)
    assert year["outcome_0_100"] == pytest.approx((16.7 / 2.3 - 4) / 6 * 100)
    assert {o["name"] for o in doc["outcomes"]} == {"Late", "Early"}
    assert sum(o["probability"] for o in doc["outcomes"]) == pytest.approx(1.0)


def test_forecast_table_and_csv(capsys, small):
    code, out, _ = run(capsys, "forecast", str(small))
    assert code == 0 and "Small test" in out and "Year" in out and "Named outcomes" in out
    code, out, _ = run(capsys, "forecast", str(small), "--format", "csv", "-m", "nash")
    assert code == 0 and out.splitlines()[0] == "model,draw,issue,value,value_0_100"


def test_models_json(capsys):
    code, out, _ = run(capsys, "models", "--format", "json")
    assert code == 0
    info = json.loads(out)
    names = [m["name"] for m in info]
    assert {"compromise", "median", "nash"} <= set(names)
    assert all({"name", "parameters", "source"} <= set(m) for m in info)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["forecast", "missing.yaml"], "file not found"),
        (["forecast", "{small}", "-m", "nosuch"], "unknown model 'nosuch'"),
        (["forecast", "{small}", "--format", "xml"], "unknown format 'xml'"),
        (["forecast", "{small}", "--param", "compromise.bogus=1"], "no parameter 'bogus'"),
        (["forecast", "{small}", "--param", "novalue"], "expected MODEL.NAME=VALUE"),
        (["forecast", "{small}", "--draws", "0"], "draws"),
        (["convert", "{small}", "-o", "out.txt"], "expected a .yaml"),
        (["validate", "{bad}"], "unknown actor 'zz'"),
    ],
)
def test_user_errors_exit_2_without_traceback(capsys, small, tmp_path, args, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("{actor: c, issue: year", "{actor: zz, issue: year"))
    args = [a.format(small=small, bad=bad) for a in args]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err + out


def test_bad_option_type_exits_2(capsys, small):
    code, _, err = run(capsys, "forecast", str(small), "--draws", "many")
    assert code == 2 and "Traceback" not in err


def test_validate_and_convert_roundtrip(capsys, small, tmp_path):
    code, out, _ = run(capsys, "validate", str(small))
    assert code == 0 and "3 actors" in out and "2 issues" in out
    target = tmp_path / "copy.yaml"
    code, _, _ = run(capsys, "convert", str(small), "-o", str(target))
    assert code == 0
    import summitry

    assert summitry.load(target) == summitry.load(small)


def test_default_forecast_is_alaska(capsys):
    code, out, _ = run(capsys, "forecast", "-m", "compromise")
    assert code == 0
    assert "Alaska" in out
