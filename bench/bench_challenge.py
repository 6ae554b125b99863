"""Speed of the challenge model on the 1994 car-emissions case (10 actors, 8 rounds).

Times one deterministic solve and a Monte Carlo batch, for readings L and S, and prints
draws per second with the ratio to the peer figure: the public replication ``schelling``
does 800–900 draws/s on this case (specs/peers.md; 10,000 draws in 11–12 s).

    .venv/bin/python bench/bench_challenge.py [--draws 10000] [--repeat 3]

The batch perturbs the published inputs (positions ± 0.5 years, saliences ± 0.05) so
that draws take different paths. Best of ``--repeat`` runs (the machine is shared).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from summitry.models.challenge import Challenge
from summitry.problem import Problem

CSV = Path(__file__).parent.parent / "tests" / "data" / "published" / "bdm1994_car_emissions.csv"
PEER_DRAWS_PER_S = 850.0  # schelling, midpoint of 800–900 (specs/peers.md)


def car_case(draws: int, seed: int = 1994) -> Problem:
    with CSV.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    pos = np.array([float(r["Position"]) for r in rows])
    sal = np.array([float(r["Salience"]) / 100.0 for r in rows])
    cap = np.array([float(r["Capability"]) for r in rows])
    n = len(rows)
    if draws == 1:
        p_d, s_d = pos[None, :], sal[None, :]
    else:
        rng = np.random.default_rng(seed)
        p_d = np.clip(pos + rng.uniform(-0.5, 0.5, (draws, n)), 4.0, 10.0)
        s_d = np.clip(sal + rng.uniform(-0.05, 0.05, (draws, n)), 0.0, 1.0)
    return Problem.from_arrays(
        positions=p_d[..., None], salience=s_d[..., None],
        capability=np.broadcast_to(cap[None, :, None], (len(p_d), n, 1)),
        lower=[4.0], upper=[10.0], actors=tuple(r["Actor"] for r in rows),
    )


def best_time(model: Challenge, problem: Problem, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.solve(problem)
        best = min(best, time.perf_counter() - t0)
    return float(best)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    single = car_case(1)
    batch = car_case(args.draws)
    print(f"challenge model, BDM 1994 car-emissions case (10 actors, 8 rounds), "
          f"{args.draws:,} draws, best of {args.repeat}")
    print(f"{'reading':<10}{'one solve':>12}{'batch':>10}{'draws/s':>12}{'vs schelling':>14}")
    for reading in ("L", "S"):
        model = Challenge(reading=reading)
        model.solve(single)  # warm-up
        t1 = best_time(model, single, max(5, args.repeat))
        tb = best_time(model, batch, args.repeat)
        rate = args.draws / tb
        print(f"{reading:<10}{t1 * 1e3:>10.2f}ms{tb:>9.2f}s{rate:>12,.0f}"
              f"{rate / PEER_DRAWS_PER_S:>13.1f}x")
    print(f"peer: schelling {PEER_DRAWS_PER_S:.0f} draws/s (800–900), one solve 1 ms")


if __name__ == "__main__":
    main()
