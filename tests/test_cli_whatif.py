"""CLI: whatif, sensitivity and Monte Carlo forecasts (exit codes, formats, messages)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

import summitry
from summitry.cli import main

SCENARIO = """
schema: summitry/1
id: cli-mc
meta: {title: CLI Monte Carlo test}
issues:
  - {id: ceasefire, name: Ceasefire, status_quo: 10}
  - {id: sanctions, name: Sanctions relief, lower: 0, upper: 10}
actors:
  - {id: US, capability: 3, uncertainty: {capability: [2, 4]}}
  - {id: RU, name: Russia, capability: 2}
  - {id: UA, capability: 1, uncertainty: {absent: 0.3}}
  - {id: EU, capability: 1}
stances:
  - {actor: US, issue: ceasefire, position: 70, salience: 0.9,
     uncertainty: {position: [50, 90], group: west}}
  - {actor: US, issue: sanctions, position: 5, salience: 0.6}
  - {actor: RU, issue: ceasefire, position: 20, salience: 0.8,
     uncertainty: {position: {dist: normal, mean: 20, sd: 10}}}
  - {actor: RU, issue: sanctions, position: 10, salience: 1.0}
  - {actor: UA, issue: ceasefire, position: 95, salience: 1.0}
  - {actor: EU, issue: ceasefire, position: 80, salience: 0.6,
     uncertainty: {position: [60, 95], group: west}}
  - {actor: EU, issue: sanctions, position: 0, salience: 0.8}
correlations: {west: 0.5}
outcomes:
  - {name: Deal, rule: ceasefire >= 55 and sanctions >= 5}
  - {name: Partial, rule: ceasefire >= 55}
  - {name: Collapse, rule: otherwise}
"""

ALASKA = Path(summitry.__file__).parent / "examples" / "alaska-2025.yaml"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "mc.yaml"
    p.write_text(SCENARIO)
    return p


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- whatif --------------------------------------------------------------------------------


def test_whatif_table(capsys, path):
    code, out, err = run(capsys, "whatif", str(path), "--drop", "UA",
                         "--set", "Russia.ceasefire.salience=0.4", "-m", "compromise,median")
    assert code == 0, err
    assert "What if: drop UA; set Russia.ceasefire.salience = 0.4" in out
    assert "Ceasefire" in out and "Sanctions relief" in out and "→" in out
    assert "Named outcomes" in out and "combined" in out
    assert "--draws 10000" in out  # the point-forecast hint


def test_whatif_json_monte_carlo(capsys, path):
    code, out, err = run(capsys, "whatif", str(path), "--merge", "US+EU=West",
                         "-m", "compromise", "--draws", "2000", "--seed", "3", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["changes"] == ["merge US + EU = West"]
    assert doc["draws"] == 2000 and doc["seed"] == 3
    issue = doc["issues"][0]
    assert issue["id"] == "ceasefire"
    nums = issue["models"]["compromise"]
    assert nums["change"] == pytest.approx(nums["whatif"] - nums["base"])
    assert sum(o["base"] for o in doc["outcomes"]) == pytest.approx(1)
    assert sum(o["whatif"] for o in doc["outcomes"]) == pytest.approx(1)
    assert sum(o["models"]["compromise"]["whatif"] for o in doc["outcomes"]) == pytest.approx(1)


@pytest.mark.parametrize(("args", "message"), [
    ([], "nothing to change"),
    (["--drop", "CN"], "unknown actor 'CN'"),
    (["--set", "US.ceasefire.salience"], "--set"),
    (["--set", "US.ceasefire.salience=2"], "above 1"),
    (["--set", "US.trade.position=2"], "unknown issue 'trade'"),
    (["--merge", "US=X"], "--merge"),
    (["--drop", "RU", "--format", "xml"], "--format"),
    (["--drop", "RU", "--draws", "0"], "--draws"),
    (["--drop", "RU", "--executor", "gpu"], "--executor"),
    (["--drop", "RU", "-m", "nope"], "unknown model 'nope'"),
])
def test_whatif_user_errors_exit_2_without_traceback(capsys, path, args, message):
    code, out, err = run(capsys, "whatif", str(path), *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_whatif_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "whatif", str(tmp_path / "nope.yaml"), "--drop", "a")
    assert code == 2 and "nope.yaml" in err


# --- sensitivity -----------------------------------------------------------------------------


def test_sensitivity_table(capsys, path):
    code, out, err = run(capsys, "sensitivity", str(path), "-m", "compromise", "--top", "2")
    assert code == 0, err
    assert "compromise · Ceasefire" in out and "compromise · Sanctions relief" in out
    assert "Elast." in out and "position" in out


def test_sensitivity_csv_and_json(capsys, path):
    code, out, _ = run(capsys, "sensitivity", str(path), "-m", "compromise,median", "-f", "csv",
                       "--issue", "sanctions")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert set(frame["model"]) == {"compromise", "median"}
    assert set(frame["issue"]) == {"sanctions"}
    assert {"actor", "input", "delta", "elasticity"} <= set(frame.columns)
    code, out, _ = run(capsys, "sensitivity", str(path), "-m", "compromise", "-f", "json")
    rows = json.loads(out)
    assert code == 0 and rows and {"actor", "input", "issue", "low", "high"} <= set(rows[0])


def test_sensitivity_sobol(capsys, path):
    code, out, err = run(capsys, "sensitivity", str(path), "-m", "compromise", "--sobol", "512",
                         "--top", "3")
    assert code == 0, err
    assert "Sobol indices" in out and "First" in out and "Total" in out
    code, out, _ = run(capsys, "sensitivity", str(path), "-m", "compromise", "--sobol", "256",
                       "-f", "csv", "--issue", "ceasefire")
    frame = pd.read_csv(io.StringIO(out))
    assert code == 0 and set(frame["issue"]) == {"ceasefire"}
    assert {("US", "position"), ("UA", "absence"), ("US", "capability")} <= set(
        zip(frame["actor"], frame["input"], strict=True))


@pytest.mark.parametrize(("args", "message"), [
    (["--sobol", "1"], "--sobol"),
    (["--top", "-1"], "--top"),
    (["--issue", "trade"], "unknown issue 'trade'"),
    (["-f", "xlsx"], "--format"),
])
def test_sensitivity_user_errors(capsys, path, args, message):
    code, out, err = run(capsys, "sensitivity", str(path), "-m", "compromise", *args)
    assert code == 2 and message in err and "Traceback" not in err + out


# --- Monte Carlo forecast ----------------------------------------------------------------


def test_forecast_monte_carlo_json_has_quantiles_and_probabilities(capsys, path):
    code, out, err = run(capsys, "forecast", str(path), "-m", "compromise,challenge",
                         "--draws", "3000", "--seed", "1", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["provenance"]["draws"] == 3000 and doc["provenance"]["seed"] == 1
    for fc in doc["forecasts"]:
        for item in fc["issues"]:
            qs = list(item["quantiles"].values())
            assert list(item["quantiles"]) == ["0.05", "0.25", "0.5", "0.75", "0.95"]
            assert qs == sorted(qs)
        assert sum(o["probability"] for o in fc["outcomes"]) == pytest.approx(1)
    assert sum(o["probability"] for o in doc["outcomes"]) == pytest.approx(1)
    code, again, _ = run(capsys, "forecast", str(path), "-m", "compromise,challenge",
                         "--draws", "3000", "--seed", "1", "-f", "json")
    strip = [{k: v for k, v in json.loads(s).items() if k != "provenance"} for s in (out, again)]
    assert strip[0] == strip[1]


def test_forecast_process_executor_matches_serial(capsys, path):
    args = ("forecast", str(path), "-m", "compromise", "--draws", "4500", "--seed", "2",
            "-f", "csv")
    code, serial, _ = run(capsys, *args)
    code2, pooled, err = run(capsys, *args, "--executor", "process", "--workers", "2")
    assert code == code2 == 0, err
    assert serial == pooled


@pytest.mark.parametrize(("args", "message"), [
    (["--draws", "0"], "draws"),
    (["--draws", "100", "--executor", "gpu"], "--executor"),
    (["--draws", "100", "--executor", "process", "--workers", "0"], "--workers"),
])
def test_forecast_monte_carlo_user_errors(capsys, path, args, message):
    code, out, err = run(capsys, "forecast", str(path), "-m", "compromise", *args)
    assert code == 2 and message in err and "Traceback" not in err + out


@pytest.mark.skipif(not ALASKA.exists(), reason="the Alaska example is not there yet")
def test_alaska_forecast_10000_draws_prints_ranges_and_probabilities(capsys):
    code, out, err = run(capsys, "forecast", str(ALASKA), "-m", "compromise,median",
                         "--draws", "10000", "--seed", "1")
    assert code == 0, err
    assert "10,000 draws, seed 1" in out
    assert "–" in out and "(" in out  # 5–95 % ranges beside the medians
    assert "Named outcomes" in out and "%" in out
    code, out, _ = run(capsys, "forecast", str(ALASKA), "-m", "compromise", "--draws", "10000",
                       "--seed", "1", "-f", "json")
    doc = json.loads(out)
    assert all("quantiles" in i for i in doc["forecasts"][0]["issues"])
    assert sum(o["probability"] for o in doc["outcomes"]) == pytest.approx(1)
