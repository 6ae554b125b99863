"""CLI: summitry signal / signals / precedents / backtest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summitry.cli import main
from summitry.io import load

SCENARIO = """
schema: summitry/1
id: tiny
meta: {title: Tiny summit, keywords: [Ukraine ceasefire]}
issues:
  - {id: deal, name: Ukraine ceasefire deal, group: ukraine}
actors: [{id: us, capability: 1}, {id: ru, capability: 1}]
stances:
  - {actor: us, issue: deal, position: 80, salience: 0.8}
  - {actor: ru, issue: deal, position: 40, salience: 0.8}
outcomes:
  - {name: Breakthrough, rule: deal >= 70}
  - {name: Symbolic win, rule: deal >= 50}
  - {name: Collapse, rule: otherwise}
signals:
  - {id: pullback, text: Troops pull back, group: military,
     likelihoods: {Breakthrough: 0.8, Symbolic win: 0.4, Collapse: 0.1}}
  - {id: patrols, text: Patrols restrained, group: military,
     likelihoods: {Breakthrough: 0.2, Symbolic win: 0.4, Collapse: 0.4}}
  - {id: hint, text: Sanctions hint,
     likelihoods: {Breakthrough: 0.5, Symbolic win: 0.5, Collapse: 0.25}}
reference:
  mapping: {binding_agreement_signed: Breakthrough, joint_statement_only: Symbolic win,
            no_agreement: Collapse}
  precedents: [Geneva 1985, Ljubljana 2001, Helsinki 2018]
"""

# compromise: (80·0.8 + 40·0.8) / 1.6 = 60 → Symbolic win; pooled with 0.3 × base rates
P0 = {"Breakthrough": 0.3 * 14 / 39, "Symbolic win": 0.7 + 0.3 * 18 / 39,
      "Collapse": 0.3 * 7 / 39}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_signal_records_and_prints(capsys, tiny):
    code, out, err = run(capsys, "signal", str(tiny), "--observe", "pullback", "-m",
                         "compromise", "--draws", "1", "--note", "ISW map",
                         "--date", "2025-08-10")
    assert code == 0, err
    assert "pullback observed on 2025-08-10" in out and "Before" in out and "After" in out
    assert "ISW map" in out
    sc = load(tiny)
    (entry,) = sc.updates
    assert entry.prior == pytest.approx(P0)
    lik = {"Breakthrough": 0.8, "Symbolic win": 0.4, "Collapse": 0.1}
    total = sum(P0[n] * lik[n] for n in P0)
    assert entry.posterior == pytest.approx({n: P0[n] * lik[n] / total for n in P0})
    assert f"{100 * P0['Breakthrough']:.1f}%" in out


def test_signal_absent_json_continues_from_log(capsys, tiny):
    run(capsys, "signal", str(tiny), "--observe", "pullback", "-m", "compromise",
        "--draws", "1", "--date", "2025-08-10")
    first = load(tiny).updates[0]
    code, out, _ = run(capsys, "signal", str(tiny), "--observe", "hint", "--absent",
                       "--format", "json", "--date", "2025-08-11")
    assert code == 0
    doc = json.loads(out)
    assert doc["signal"] == "hint" and doc["status"] == "absent" and doc["date"] == "2025-08-11"
    assert doc["prior"] == pytest.approx(first.posterior)
    assert len(load(tiny).updates) == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--observe", "nope"], "unknown signal 'nope'"),
        (["--observe", "pullback", "--date", "10/08/2025"], "--date: expected a date"),
        (["--observe", "pullback", "--draws", "0"], "--draws"),
        (["--observe", "pullback", "--format", "xml"], "unknown format"),
    ],
)
def test_signal_user_errors_exit_2(capsys, tiny, args, needle):
    before = tiny.read_bytes()
    code, out, err = run(capsys, "signal", str(tiny), *args)
    assert code == 2
    assert needle in err and "Traceback" not in err + out
    assert tiny.read_bytes() == before


def test_signal_needs_observe(capsys, tiny):
    code, _, err = run(capsys, "signal", str(tiny))
    assert code == 2 and "--observe" in err


def test_signal_refuses_decide_file(capsys, tmp_path):
    path = tmp_path / "case.txt"
    path.write_text("#A;us;United States\n#P;deal;Deal\n#D;us;deal;50;0.5;1\n")
    code, _, err = run(capsys, "signal", str(path), "--observe", "x")
    assert code == 2
    assert "decide file" in err and "summitry convert" in err


def test_signals_matrix_and_history(capsys, tiny):
    code, out, _ = run(capsys, "signals", str(tiny))
    assert code == 0
    assert "Evidence × outcome" in out and "pullback" in out and "8.00" in out
    assert "No updates recorded yet" in out
    run(capsys, "signal", str(tiny), "--observe", "pullback", "-m", "compromise",
        "--draws", "1", "--date", "2025-08-10")
    code, out, _ = run(capsys, "signals", str(tiny))
    assert code == 0 and "Update history" in out and "2025-08-10" in out and "→" in out
    code, out, _ = run(capsys, "signals", str(tiny), "--format", "json")
    doc = json.loads(out)
    assert doc["outcomes"] == ["Breakthrough", "Symbolic win", "Collapse"]
    assert [e["signal"] for e in doc["evidence"]] == ["pullback", "patrols", "hint"]
    assert doc["evidence"][0]["diagnosticity"] == pytest.approx(8.0)
    assert doc["updates"][0]["signal"] == "pullback"


def test_precedents(capsys, tiny):
    code, out, _ = run(capsys, "precedents", str(tiny))
    assert code == 0
    assert "39 summits" in out and "35.9%" in out and "46.2%" in out and "17.9%" in out
    assert "* 1985-geneva" in out and "2018-helsinki" in out
    code, out, _ = run(capsys, "precedents", str(tiny), "--era", "cold_war", "-k", "2",
                       "--format", "json")
    doc = json.loads(out)
    assert doc["base_rates"]["n"] == 17
    assert doc["base_rates"]["filters"] == {"era": "cold_war"}
    assert len(doc["precedents"]) == 5
    assert doc["precedents"][0]["summit_id"] == "1985-geneva"
    assert doc["precedents"][0]["outcome_name"] == "Symbolic win"


@pytest.mark.parametrize(
    ("args", "n"),
    [(["--all-summits"], 44), (["--years", "1985-1991"], 9),
     (["--min-confidence", "high"], 29), (["--confidence-weights"], 39),
     (["--summit-format", "four_power", "--all-summits"], 2)],
)
def test_precedents_filter_options(capsys, tiny, args, n):
    code, out, _ = run(capsys, "precedents", str(tiny), "--format", "json", *args)
    assert code == 0
    assert json.loads(out)["base_rates"]["n"] == n


def test_precedents_bad_filter(capsys, tiny):
    code, _, err = run(capsys, "precedents", str(tiny), "--era", "medieval")
    assert code == 2 and "unknown era" in err


def test_backtest_both_by_default(capsys):
    code, out, _ = run(capsys, "backtest")
    assert code == 0
    assert "car-emissions-1994" in out and "compromise" in out and "8.833" in out
    assert "Brier" in out and "0.6593" in out and "0.6667" in out


def test_backtest_json(capsys):
    code, out, _ = run(capsys, "backtest", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"cases", "summits"}
    assert doc["summits"]["summary"]["n"] == 39
    # the group's --format applies to a subcommand too
    code, out, _ = run(capsys, "backtest", "--format", "json", "summits")
    assert code == 0 and json.loads(out)["name"] == "summits"


def test_backtest_subcommands(capsys):
    code, out, _ = run(capsys, "backtest", "cases", "-m", "compromise", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert [r["model"] for r in doc["rows"]] == ["compromise"]
    assert doc["rows"][0]["abs_error"] == pytest.approx(1.443, abs=5e-4)
    code, out, _ = run(capsys, "backtest", "summits", "--era", "post_cold_war",
                       "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["n"] == 22
    code, out, _ = run(capsys, "backtest", "summits", "--mode", "prequential")
    assert code == 0 and "prequential" in out


@pytest.mark.parametrize(
    "args",
    [["backtest", "summits", "--mode", "future"], ["backtest", "--format", "xml"],
     ["backtest", "cases", "-m", "nosuchmodel"]],
)
def test_backtest_errors_exit_2(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2 and "Traceback" not in out + err


def test_signals_table_with_a_signal_without_likelihoods(capsys, tmp_path):
    path = tmp_path / "nolik.yaml"
    path.write_text(SCENARIO.replace(
        "  - {id: hint, text: Sanctions hint,\n"
        "     likelihoods: {Breakthrough: 0.5, Symbolic win: 0.5, Collapse: 0.25}}",
        "  - {id: hint, text: Sanctions hint, likelihoods: {}}"))
    code, out, _ = run(capsys, "signals", str(path))
    assert code == 0 and "hint" in out and "—" in out
    code, _, err = run(capsys, "signal", str(path), "--observe", "hint", "--draws", "1",
                       "-m", "compromise")
    assert code == 2 and "has no likelihoods" in err
