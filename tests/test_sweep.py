"""Sweeps: grid parsing, the product of settings, tidy output, executors and resuming."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from summitry import sweep as sw
from summitry.cli import main
from summitry.errors import SummitryError
from summitry.executors import ProcessExecutor, SerialExecutor
from summitry.forecast import QUANTILES, forecast
from summitry.io import from_dict
from summitry.scenario import Scenario
from summitry.sweep import GridItem, parse_grid, run_sweep, settings
from summitry.whatif import set_value

pytest.importorskip("pyarrow")


def scenario() -> Scenario:
    return from_dict({
        "id": "toy",
        "issues": [{"id": "x", "status_quo": 20}, {"id": "y", "lower": 1, "upper": 7}],
        "actors": [
            {"id": "a", "capability": 2, "uncertainty": {"capability": [1, 3]}},
            {"id": "b", "uncertainty": {"absent": 0.2}},
            {"id": "c", "capability": 0.5},
        ],
        "stances": [
            {"actor": "a", "issue": "x", "position": 80, "salience": 0.9,
             "uncertainty": {"position": [60, 95]}},
            {"actor": "b", "issue": "x", "position": 30, "salience": 0.7,
             "uncertainty": {"position": {"dist": "normal", "mean": 30, "sd": 15}}},
            {"actor": "c", "issue": "x", "position": 50, "salience": 0.5},
            {"actor": "a", "issue": "y", "position": 2, "salience": 0.4},
            {"actor": "b", "issue": "y", "position": 6, "salience": 0.8},
            {"actor": "c", "issue": "y", "position": 4, "salience": 0.5},
        ],
        "outcomes": [
            {"name": "Deal", "rule": "x >= 55 and y <= 4"},
            {"name": "No deal", "rule": "otherwise"},
        ],
    })


GRID = ["challenge.q=0.5,1.0", "c.x.position=40:60:3"]
MODELS = ["compromise", "challenge"]


# --- grid ---------------------------------------------------------------------------------


def test_parse_grid_model_params_ranges_and_lists():
    items = parse_grid(["challenge.q=0.5,0.75,1.0", "challenge.reading=L,S",
                        "a.x.salience=0.5:0.9:5", "a.capability=1,2.5"], scenario())
    q, reading, sal, cap = items
    assert (q.kind, q.model, q.name, q.values) == ("model", "challenge", "q", (0.5, 0.75, 1.0))
    assert reading.values == ("L", "S")
    assert (sal.kind, sal.name, sal.key) == ("scenario", "a.x.salience", "a.x.salience")
    np.testing.assert_allclose(sal.values, [0.5, 0.6, 0.7, 0.8, 0.9])
    assert cap.values == (1.0, 2.5)
    assert parse_grid(["challenge.rounds=3"])[0].values == (3,)  # stays a whole number


@pytest.mark.parametrize(("item", "match"), [
    ("challenge.q", "expected KEY=VALUES"),
    ("=1,2", "expected KEY=VALUES"),
    ("challenge.q=", "no values"),
    ("challenge.q=1,,2", "empty value"),
    ("challenge.nope=1", "has no parameter 'nope'"),
    ("challenge.q.x=1", "MODEL.PARAM"),
    ("a.x.position=0:10", "START:STOP:COUNT"),
    ("a.x.position=0:10:2.5", "START:STOP:COUNT"),
    ("a.x.position=0:10:0", "COUNT ≥ 1"),
    ("a.x.position=low,high", "not a number"),
    ("zz.x.position=1", "unknown actor 'zz'"),
    ("a.x.position=500", "a.x.position=500"),  # out of the range
    ("challenge.q=2", "q must lie in"),  # the model rejects the value before the sweep
    ("x", "expected KEY=VALUES"),
])
def test_parse_grid_errors_name_the_item(item: str, match: str):
    with pytest.raises(SummitryError, match=match) as info:
        parse_grid([item], scenario())
    assert f"--grid {item!r}" in str(info.value)


def test_a_key_swept_twice_is_an_error():
    with pytest.raises(SummitryError, match="swept twice"):
        parse_grid(["challenge.q=1", "challenge.q=0.5"])


def test_settings_are_the_product_last_item_fastest():
    combos = settings(parse_grid(GRID))
    assert combos == [
        {"challenge.q": q, "c.x.position": p}
        for q in (0.5, 1.0) for p in (40.0, 50.0, 60.0)
    ]
    assert settings([]) == [{}]


# --- the sweep ----------------------------------------------------------------------------


def test_tidy_output_schema_and_agreement_with_forecast(tmp_path: Path):
    sc = scenario()
    out = tmp_path / "toy.parquet"
    res = run_sweep(sc, GRID, models=MODELS, draws=600, seed=3, out=out, chunk_size=250)
    f = res.frame
    assert list(f.columns) == ["setting", "challenge.q", "c.x.position", "model", "issue",
                               "statistic", "value"]
    n_stats = len(sw.STATISTICS)
    assert len(sw.STATISTICS) == 2 + len(QUANTILES)
    per_setting = len(MODELS) * 2 * n_stats + (len(MODELS) + 1) * 2
    assert len(f) == 6 * per_setting
    assert (res.ran, res.reused) == (6 * 3, 0)
    assert set(f["statistic"]) == {*sw.STATISTICS, "p:Deal", "p:No deal"}
    probs = f[f["statistic"].str.startswith("p:")]
    assert probs["issue"].isna().all()
    assert set(probs["model"]) == {*MODELS, "combined"}
    sums = probs.groupby(["setting", "model"])["value"].sum()
    np.testing.assert_allclose(sums, 1.0)
    # the file holds the same rows, and the provenance
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, f, check_dtype=False)
    import pyarrow.parquet as pq

    meta = pq.read_schema(out).metadata[b"summitry"]
    assert b'"draws": 600' in meta and b"input_hash" in meta
    assert not (tmp_path / "toy.parquet.parts").exists()
    # setting 4 (q = 1.0, position 50) is the Monte Carlo forecast of the changed scenario
    # with the same seed and chunks: the same draws, so the same numbers
    changed = set_value(sc, "c.x.position", 50.0)
    fc = forecast(changed, MODELS, draws=600, seed=3, params={"challenge": {"q": 1.0}},
                  chunk_size=250)
    row = f[(f["setting"] == 4) & (f["model"] == "challenge") & (f["issue"] == "x")]
    stats = dict(zip(row["statistic"], row["value"], strict=True))
    outcome = fc["challenge"].outcome
    assert stats["mean"] == outcome.mean(axis=0)[0]
    assert stats["q50"] == np.quantile(outcome, 0.5, axis=0)[0]
    deal = f[(f["setting"] == 4) & (f["model"] == "combined") & (f["statistic"] == "p:Deal")]
    assert deal["value"].item() == pytest.approx(fc.outcome_probabilities()["Deal"])
    summary = res.summary_frame()
    assert list(summary.columns[:3]) == ["setting", "challenge.q", "c.x.position"]
    assert "P(Deal)" in summary.columns and len(summary) == 6


def test_without_output_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    res = run_sweep(scenario(), ["challenge.rounds=2,3"], models=["challenge"], draws=50)
    assert res.path is None and list(tmp_path.iterdir()) == []
    assert len(res.settings) == 2


def test_model_setting_for_a_model_not_run():
    with pytest.raises(SummitryError, match="not being run"):
        run_sweep(scenario(), ["challenge.q=1"], models=["median"], draws=10)


# --- resuming -----------------------------------------------------------------------------


def test_interrupted_sweep_resumes_from_finished_chunks(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    sc = scenario()
    kwargs: dict[str, Any] = {"models": MODELS, "draws": 500, "seed": 11, "chunk_size": 200}
    whole = run_sweep(sc, GRID, out=tmp_path / "whole.parquet", **kwargs).frame

    real = sw.run_sweep_task
    calls: list[tuple[int, int]] = []

    def failing(task: sw.SweepTask) -> dict[str, Any]:
        if len(calls) == 7:
            raise RuntimeError("worker lost")
        calls.append((task.setting, task.chunk))
        return real(task)

    out = tmp_path / "resumed.parquet"
    monkeypatch.setattr(sw, "run_sweep_task", failing)
    with pytest.raises(RuntimeError, match="worker lost"):
        run_sweep(sc, GRID, out=out, executor=SerialExecutor(), **kwargs)
    parts = tmp_path / "resumed.parquet.parts"
    assert len(list(parts.glob("*.npz"))) == 7 and not out.exists()

    first = list(calls)
    calls.clear()
    monkeypatch.setattr(sw, "run_sweep_task", lambda t: calls.append((t.setting, t.chunk))
                        or real(t))
    seen: list[tuple[int, int]] = []
    res = run_sweep(sc, GRID, out=out, progress=lambda d, t: seen.append((d, t)), **kwargs)
    total = 6 * 3
    assert (res.ran, res.reused) == (total - 7, 7)
    assert set(calls).isdisjoint(first) and len(calls) == total - 7
    assert seen[0] == (7, total) and seen[-1] == (total, total)
    pd.testing.assert_frame_equal(res.frame, whole)
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(tmp_path / "whole.parquet"))
    assert not parts.exists()


def test_chunks_of_another_sweep_are_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sc = scenario()
    out = tmp_path / "s.parquet"
    monkeypatch.setattr(sw, "run_sweep_task", _raise_after_one(sw.run_sweep_task))
    with pytest.raises(RuntimeError):
        run_sweep(sc, GRID, models=MODELS, draws=300, seed=1, out=out, chunk_size=100)
    monkeypatch.undo()
    with pytest.raises(SummitryError, match=r"different sweep.*--fresh"):
        run_sweep(sc, GRID, models=MODELS, draws=300, seed=2, out=out, chunk_size=100)
    res = run_sweep(sc, GRID, models=MODELS, draws=300, seed=2, out=out, chunk_size=100,
                    resume=False)
    assert res.reused == 0 and out.exists()


def _raise_after_one(real: Any) -> Any:
    state = {"n": 0}

    def run(task: sw.SweepTask) -> Any:
        state["n"] += 1
        if state["n"] > 1:
            raise RuntimeError("stop")
        return real(task)

    return run


# --- executors ----------------------------------------------------------------------------


def test_process_pool_gives_the_same_rows(tmp_path: Path):
    sc = scenario()
    kw: dict[str, Any] = {"models": MODELS, "draws": 400, "seed": 5, "chunk_size": 150}
    serial = run_sweep(sc, GRID[:1], **kw).frame
    with ProcessExecutor(2) as ex:
        pooled = run_sweep(sc, GRID[:1], executor=ex, **kw).frame
    pd.testing.assert_frame_equal(serial, pooled)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_rows():
    distributed = pytest.importorskip("distributed")
    from summitry.executors import DaskExecutor

    sc = scenario()
    kw: dict[str, Any] = {"models": MODELS, "draws": 400, "seed": 5, "chunk_size": 150}
    serial = run_sweep(sc, GRID[:1], **kw).frame
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            DaskExecutor(cluster.scheduler_address) as ex:
        remote = run_sweep(sc, GRID[:1], executor=ex, **kw).frame
    pd.testing.assert_frame_equal(serial, remote)


# --- command line -------------------------------------------------------------------------


def test_cli_sweep_writes_parquet_and_prints_a_summary(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "toy.yaml"
    import yaml

    path.write_text(yaml.safe_dump(scenario().to_dict()))
    out = tmp_path / "out.parquet"
    rc = main(["sweep", str(path), "--grid", "challenge.q=0.5,1", "-m", "compromise,challenge",
               "--draws", "300", "--executor", "serial", "-o", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert out.exists() and "P(Deal)" in text and "Wrote" in text and "6 chunks" not in text
    assert len(pd.read_parquet(out)) == 2 * (2 * 2 * len(sw.STATISTICS) + 3 * 2)


@pytest.mark.parametrize(("args", "match"), [
    (["--grid", "challenge.q=0.5:1"], "START:STOP:COUNT"),
    ([], "nothing to sweep"),
    (["--grid", "challenge.q=1", "--executor", "threads"], "unknown executor"),
    (["--grid", "challenge.q=1", "--executor", "serial", "--scheduler", "tcp://127.0.0.1:1"],
     "--scheduler"),
])
def test_cli_sweep_errors_exit_2(args: list[str], match: str, capsys: pytest.CaptureFixture[str]):
    assert main(["sweep", "alaska-2025", *args]) == 2
    assert match in capsys.readouterr().err


def test_grid_items_may_be_given_parsed():
    items = parse_grid(["challenge.rounds=1"])
    assert isinstance(items[0], GridItem)
    res = run_sweep(scenario(), items, models=["challenge"], draws=20)
    assert res.grid == tuple(items)


class _MapOnly:
    """An executor with ``map`` only (the minimal protocol): batches are used instead."""

    def __init__(self) -> None:
        self.calls = 0

    def map(self, fn: Any, items: Any, *, progress: Any = None) -> list[Any]:
        self.calls += 1
        return [fn(item) for item in items]

    def close(self) -> None:
        pass

    def __enter__(self) -> _MapOnly:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def test_executors_without_imap_give_the_same_numbers():
    from summitry.simulate import run_batch

    sc = scenario()
    kw: dict[str, Any] = {"draws": 700, "seed": 9, "chunk_size": 200}
    _, serial = run_batch(sc, MODELS, **kw)
    _, mapped = run_batch(sc, MODELS, executor=_MapOnly(), **kw)
    for a, b in zip(serial, mapped, strict=True):
        np.testing.assert_array_equal(a.outcome, b.outcome)
        np.testing.assert_array_equal(a.n_rounds, b.n_rounds)
        assert a.events == b.events
    ex = _MapOnly()
    swept = run_sweep(sc, GRID, models=MODELS, executor=ex, **kw).frame
    assert ex.calls == -(-6 * 4 // 8)  # 24 tasks in batches of 8
    pd.testing.assert_frame_equal(swept, run_sweep(sc, GRID, models=MODELS, **kw).frame)
