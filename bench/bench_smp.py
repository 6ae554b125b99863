"""Benchmark of the SMP model against KTAB's C++ ``smpc`` (not a test).

Times one deterministic solve of each KTAB example (best of a few runs after a warm-up,
both engines) and batches of Monte Carlo draws, and prints the speed-up over KTAB's
whole-process times measured on this machine's kind (shared/data/README.md, peers.md):
7×3 0.04 s, 13×2 0.34 s, 27×6 2.5 s, 40×1 5.9 s, 80×1 56 s, 160×1 629 s. It also checks
that both engines give the same trajectory.

Run: ``.venv/bin/python bench/bench_smp.py [--quick] [--process] [--draws N]``
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from summitry.models.smp import SMP
from summitry.problem import Problem

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "models" / "_ktab_fixture.py"

#: (file, KTAB smpc whole-process seconds)
CASES = [
    ("dummyData_3Dim.csv", 0.04),
    ("SOE-Pol-Comp.csv", 0.34),
    ("dummyData_6Dim.csv", 2.5),
    ("dummyData-a040.csv", 5.9),
    ("dummyData-a080.csv", 56.0),
    ("dummyData-a160.csv", 629.0),
]


def _fixture() -> Any:
    spec = importlib.util.spec_from_file_location("_ktab_fixture", FIXTURE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["_ktab_fixture"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _best(fn: Any, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return float(best)


def _jitter(prob: Problem, draws: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    pos = np.clip(prob.positions + rng.normal(0.0, 5.0, (draws, *prob.positions.shape[1:])),
                  0.0, 100.0)
    return Problem.from_arrays(
        positions=pos, salience=np.broadcast_to(prob.salience, pos.shape),
        capability=np.broadcast_to(prob.capability, pos.shape), actors=prob.actors,
        issues=prob.issues)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the 160-actor case")
    ap.add_argument("--draws", type=int, default=1000, help="draws in the 7x3 batch")
    ap.add_argument("--process", action="store_true",
                    help="also time whole processes (start Python, import, read, solve)")
    args = ap.parse_args()
    kf = _fixture()
    print(f"cpus: {os.cpu_count()}")
    t0 = time.perf_counter()
    SMP(engine="numba").solve(kf.read_csv(kf.DATA / "dummyData_3Dim.csv").problem())
    print(f"first numba solve (compile or load the cache): {time.perf_counter() - t0:.2f} s\n")
    print(f"{'case':<22}{'A×I':>8}{'turns':>7}{'numpy s':>10}{'numba s':>10}"
          f"{'KTAB s':>9}{'speed-up':>10}  same")
    for name, ktab in CASES:
        if args.quick and "a160" in name:
            continue
        prob = kf.read_csv(kf.DATA / name).problem()
        a, i = prob.n_actors, prob.n_issues
        repeat = 5 if a <= 40 else (2 if a <= 80 else 1)
        sol_np = SMP(engine="numpy").solve(prob)
        sol_nb = SMP(engine="numba").solve(prob)
        same = np.array_equal(sol_np.history, sol_nb.history)
        t_np = _best(lambda p=prob: SMP(engine="numpy").solve(p), repeat)
        t_nb = _best(lambda p=prob: SMP(engine="numba").solve(p), repeat)
        best = min(t_np, t_nb)
        print(f"{name:<22}{f'{a}×{i}':>8}{int(sol_np.n_rounds[0]):>7}{t_np:>10.3f}{t_nb:>10.3f}"
              f"{ktab:>9.2f}{ktab / best:>9.0f}×  {same}")
    if args.process:
        print("\nwhole process, as KTAB's figures (python -c: import, read the CSV, solve):")
        for name, ktab in CASES:
            if args.quick and "a160" in name:
                continue
            code = (
                "import importlib.util, sys;"
                f"spec = importlib.util.spec_from_file_location('_ktab_fixture', {str(FIXTURE)!r});"
                "m = importlib.util.module_from_spec(spec); sys.modules['_ktab_fixture'] = m;"
                "spec.loader.exec_module(m);"
                "from summitry.models.smp import SMP;"
                f"SMP().solve(m.read_csv(m.DATA / {name!r}).problem())"
            )
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            t = time.perf_counter() - t0
            print(f"  {name:<22} {t:7.2f} s   KTAB {ktab:7.2f} s   ratio {ktab / t:6.1f}×")
    print("\nMonte Carlo batches (positions jittered by N(0, 5)):")
    for name, draws in (("dummyData_3Dim.csv", args.draws), ("SOE-Pol-Comp.csv", 200),
                        ("dummyData-a040.csv", 20)):
        prob = _jitter(kf.read_csv(kf.DATA / name).problem(), draws, seed=1)
        model = SMP()
        model.solve(prob.take([0]))
        t = _best(lambda p=prob, m=model: m.solve(p), 1)
        sol = model.solve(prob.take([0]))
        one = sol.n_rounds[0]
        print(f"  {name:<22} {draws:>5} draws: {t:7.2f} s  {draws / t:8.0f} draws/s "
              f"(draw 0: {one} turns)")


if __name__ == "__main__":
    main()
