"""Benchmark of the exchange model against decide-exchange-model (not a test).

Times one 10-round Equal-Gain solve of each decide data set (best of a few runs after a
warm-up) with every engine, and a batch of Monte Carlo draws, and prints the speed-up over
decide's published model times (specs/peers.md, same machine kind): sample_data (10×6)
0.72 s, copenhagen (11×7) 1.3 s, cop21 (15×13) 9.7 s. It also prints how far the fast
float64 path's forecast lies from the exact (decide-identical) path on each data set.

Run: ``.venv/bin/python bench/bench_exchange.py [--draws N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

import summitry
from summitry.models.exchange import Exchange
from summitry.problem import Problem

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "decide"

#: (file, decide-exchange-model model time in seconds, specs/peers.md)
CASES = [("sample_data.txt", 0.72), ("copenhagen.csv", 1.3), ("cop21.csv", 9.7)]


def _best(fn: Any, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return float(best)


def _jitter(prob: Problem, draws: int, seed: int) -> Problem:
    """Monte Carlo-like draws: positions ± 5 points, saliences ± 0.05."""
    rng = np.random.default_rng(seed)
    shape = (draws, *prob.positions.shape[1:])
    pos = np.clip(prob.positions + rng.normal(0.0, 5.0, shape), 0.0, 100.0)
    sal = np.clip(prob.salience + rng.normal(0.0, 0.05, shape), 0.01, 1.0)
    act = np.broadcast_to(prob.active, shape)
    return Problem.from_arrays(
        positions=pos, salience=np.where(act, sal, 0.0),
        capability=np.broadcast_to(prob.capability, shape), active=act,
        actors=prob.actors, issues=prob.issues)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=1000, help="draws in the Monte Carlo batch")
    ap.add_argument("--repeat", type=int, default=5, help="runs per timing (best is kept)")
    args = ap.parse_args()
    print(f"cpus: {os.cpu_count()}")
    problems = {name: summitry.load(DATA / name).problem() for name, _ in CASES}
    t0 = time.perf_counter()
    Exchange(engine="numba", rounds=1).solve(problems["sample_data.txt"])
    print(f"numba warm-up (compile or load cache): {time.perf_counter() - t0:.2f} s\n")

    print(f"{'case':16} {'engine':7} {'time':>10} {'decide':>8} {'speed-up':>9}  "
          f"{'|fast - exact| max':>18}")
    for name, ref in CASES:
        prob = problems[name]
        exact = Exchange(exact=True).solve(prob)
        for engine in ("numba", "numpy", "exact"):
            model = Exchange(exact=True) if engine == "exact" else Exchange(engine=engine)
            rep = 1 if engine == "exact" else args.repeat
            secs = _best(lambda m=model, pr=prob: m.solve(pr), rep)
            gap = float(np.abs(model.solve(prob).outcome - exact.outcome).max())
            print(f"{name:16} {engine:7} {secs * 1e3:8.1f} ms {ref:7.2f}s {ref / secs:8.0f}x  "
                  f"{gap:18.4f}")
    print()
    for name, ref in CASES:
        batch = _jitter(problems[name], args.draws, seed=1)
        secs = _best(lambda b=batch: Exchange(engine="numba").solve(b), 1)
        rate = args.draws / secs
        print(f"{name:16} {args.draws} draws (numba): {secs:6.2f} s, {rate:7.0f} draws/s; "
              f"decide would need ~{ref * args.draws / 60:.0f} min")
    small = _jitter(problems["cop21.csv"], 20, seed=2)
    secs = _best(lambda: Exchange(engine="numpy").solve(small), 1)
    print(f"cop21.csv        20 draws (numpy): {secs:6.2f} s, {20 / secs:7.1f} draws/s")


if __name__ == "__main__":
    main()
