"""Executors: results in order, progress, and bit-identical draws on every backend."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from summitry.errors import MissingExtraError, SummitryError, UnknownNameError
from summitry.executors import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    get_executor,
)
from summitry.io import from_dict
from summitry.models import get_model
from summitry.scenario import Scenario
from summitry.simulate import run_batch


def scenario() -> Scenario:
    return from_dict({
        "issues": [{"id": "x", "status_quo": 20}, {"id": "y", "lower": 1, "upper": 7}],
        "actors": [
            {"id": "a", "capability": 2, "uncertainty": {"capability": [1, 3]}},
            {"id": "b", "uncertainty": {"absent": 0.2}},
            {"id": "c", "capability": 0.5},
        ],
        "stances": [
            {"actor": "a", "issue": "x", "position": 80, "salience": 0.9,
             "uncertainty": {"position": [60, 95], "group": "g"}},
            {"actor": "b", "issue": "x", "position": 30, "salience": 0.7,
             "uncertainty": {"position": {"dist": "normal", "mean": 30, "sd": 15},
                             "group": "g"}},
            {"actor": "c", "issue": "x", "position": 50, "salience": 0.5},
            {"actor": "a", "issue": "y", "position": 2, "salience": 0.4,
             "uncertainty": {"salience": {"dist": "triangular", "low": 0.2, "mode": 0.4,
                                          "high": 0.9}}},
            {"actor": "b", "issue": "y", "position": 6, "salience": 0.8},
            {"actor": "c", "issue": "y", "position": 4, "salience": 0.5},
        ],
        "correlations": {"g": -0.5},
    })


def models() -> list[Any]:
    return [get_model("compromise"), get_model("median"), get_model("challenge", rounds=4)]


def _square(x: int) -> int:
    return x * x


def test_serial_executor_keeps_order_and_reports_progress():
    calls: list[tuple[int, int]] = []
    with SerialExecutor() as ex:
        assert isinstance(ex, Executor)
        assert ex.map(_square, [3, 1, 2], progress=lambda d, t: calls.append((d, t))) == [9, 1, 4]
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert ex.map(_square, []) == []


def test_get_executor_names():
    assert isinstance(get_executor("serial"), SerialExecutor)
    assert isinstance(get_executor(" Process ", workers=1), ProcessExecutor)
    with pytest.raises(UnknownNameError, match="serial, process, dask"):
        get_executor("threads")
    with pytest.raises(SummitryError, match="no options"):
        get_executor("serial", workers=2)
    with pytest.raises(SummitryError, match="workers"):
        ProcessExecutor(0)


def test_dask_executor_needs_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    with pytest.raises(MissingExtraError, match=r"summitry\[dask\]"):
        DaskExecutor()
    with pytest.raises(MissingExtraError, match="Dask executor"):
        get_executor("dask")


def test_process_pool_gives_bit_identical_results():
    sc = scenario()
    _, serial = run_batch(sc, models(), draws=3000, seed=17, chunk_size=700)
    calls: list[tuple[int, int]] = []
    with ProcessExecutor(2) as ex:
        _, pooled = run_batch(sc, models(), draws=3000, seed=17, chunk_size=700, executor=ex,
                              progress=lambda d, t: calls.append((d, t)))
        # the pool is reused by a second run and errors in workers come back as themselves
        with pytest.raises(SummitryError, match="tie"):
            run_batch(sc, [get_model("median", tie="bogus")], draws=100, seed=1, executor=ex)
    assert [d for d, _ in calls] == [1, 2, 3, 4, 5] and {t for _, t in calls} == {5}
    for s, p in zip(serial, pooled, strict=True):
        np.testing.assert_array_equal(s.outcome, p.outcome)
        assert s.outcome.shape == (3000, 2)
    chal_s, chal_p = serial[2], pooled[2]
    np.testing.assert_array_equal(chal_s.n_rounds, chal_p.n_rounds)
    np.testing.assert_array_equal(chal_s.history, chal_p.history)
    assert chal_s.events == chal_p.events
    # run_batch may also be given the executor by name (it closes it afterwards)
    _, named = run_batch(sc, models()[:1], draws=3000, seed=17, chunk_size=700,
                         executor="process")
    np.testing.assert_array_equal(named[0].outcome, serial[0].outcome)


@pytest.mark.slow
def test_dask_local_cluster_gives_bit_identical_results():
    distributed = pytest.importorskip("distributed")
    sc = scenario()
    _, serial = run_batch(sc, models(), draws=2000, seed=5, chunk_size=500)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client, DaskExecutor(client=client) as ex:
        calls: list[int] = []
        _, remote = run_batch(sc, models(), draws=2000, seed=5, chunk_size=500, executor=ex,
                              progress=lambda d, t: calls.append(d))
    assert calls == [1, 2, 3, 4]
    for s, r in zip(serial, remote, strict=True):
        np.testing.assert_array_equal(s.outcome, r.outcome)


@pytest.mark.slow
def test_dask_executor_starts_and_stops_its_own_cluster():
    pytest.importorskip("distributed")
    sc = scenario()
    _, serial = run_batch(sc, models()[:1], draws=900, seed=2, chunk_size=300)
    # processes=False: an in-process cluster (inproc:// transport, no sockets)
    ex = get_executor("dask", n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0")
    with ex:
        _, remote = run_batch(sc, models()[:1], draws=900, seed=2, chunk_size=300, executor=ex)
        client = ex._client
    assert client is not None and client.status == "closed"
    assert ex._client is None
    np.testing.assert_array_equal(serial[0].outcome, remote[0].outcome)
