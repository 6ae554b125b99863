"""All of summitry's speed targets in one table, against the peers (not a test).

    .venv/bin/python bench/run.py [--quick] [--no-peer] [--markdown]

One row per model and input: our time, the peer's time, the ratio (peer / ours), draws
per second where there are draws, and our peak memory (the maximum resident set of the
process that ran the row). Every row runs in a fresh Python process (``--child CASE``),
so its peak memory is its own and start-up costs are paid where a user pays them.

Peers (specs/peers.md, shared/data/README.md):

- **decide-exchange-model 2025.3.1**, measured live in its own virtual environment
  ``bench/.peer-venv-decide`` (Python 3.13; create it with ``bench/setup_peers.sh``):
  ``python -m decide.cli --input-file FILE -m equal -r 1 -i 10`` in a temporary
  directory. Its model time is the ``Finished in`` it logs (the run without start-up and
  the writing of its summary files); its per-round outcomes ("avg MDS" in its summary
  CSVs) are compared with ours. Without the venv, the published times of specs/peers.md
  are shown, marked "published".
- **KTAB smpc** (C++): the published whole-process times (7×3 0.04 s … 160×1 629 s);
  our SMP row is timed the same way (a whole ``python`` process: start, import, read the
  file, solve).
- **schelling** (the challenge model): the published 800–900 draws/s (850 used).

Targets (issue "Speed and scale"): challenge ≥ 100,000 draws/s on the 1994 case; the
Alaska scenario with every model, 10,000 draws, under 2 s from the CLI; SMP ≥ 10× KTAB on
the 40- and 80-actor files; exchange ≥ 200× decide on cop21 with the same outcomes; the
peak memory of 1,000,000 Alaska draws under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PEER_VENV = BENCH / ".peer-venv-decide"
DECIDE_DATA = ROOT / "tests" / "data" / "decide"
KTAB_DATA = ROOT / "tests" / "data" / "ktab"

#: decide-exchange-model model times, 10 rounds (specs/peers.md)
DECIDE_PUBLISHED = {"sample_data.txt": 0.72, "copenhagen.csv": 1.3, "cop21.csv": 9.7}
#: KTAB smpc whole-process times on this machine's kind (shared/data/README.md)
KTAB_PUBLISHED = {
    "dummyData_3Dim.csv": 0.04, "SOE-Pol-Comp.csv": 0.34, "dummyData_6Dim.csv": 2.5,
    "dummyData-a040.csv": 5.9, "dummyData-a080.csv": 56.0, "dummyData-a160.csv": 629.0,
}
SCHELLING_DRAWS_PER_S = 850.0  # 800–900 on the 1994 case (specs/peers.md)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _best(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# --- child cases: each runs in its own process and prints one JSON line -------------------


def _child_challenge(draws: int) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from bench_challenge import car_case

    from summitry.models.challenge import Challenge

    model = Challenge(engine="numba")
    model.solve(car_case(50))  # load the compiled kernel
    batch = car_case(draws)
    secs = _best(lambda: model.solve(batch), 3)
    single = car_case(1)
    one = _best(lambda: model.solve(single), 20)
    return {"time": secs, "draws": draws, "single": one}


def _child_challenge_numpy(draws: int) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from bench_challenge import car_case

    from summitry.models.challenge import Challenge

    model = Challenge(engine="numpy")
    batch = car_case(draws)
    return {"time": _best(lambda: model.solve(batch), 2), "draws": draws}


def _child_exchange(name: str) -> dict[str, Any]:
    import numpy as np

    import summitry
    from summitry.models.exchange import Exchange

    prob = summitry.load(DECIDE_DATA / name).problem()
    model = Exchange()
    model.solve(prob)  # load the compiled kernel
    secs = _best(lambda: model.solve(prob), 5)
    rounds = {}
    for label, m in (("fast", model), ("exact", Exchange(exact=True))):
        sol = m.solve(prob)
        rounds[label] = np.asarray(prob.to_user(sol.history_outcome[0])).T.tolist()
    return {"time": secs, "issues": list(prob.issues), "rounds": rounds}


def _child_exchange_mc(name: str, draws: int) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from bench_exchange import _jitter

    import summitry
    from summitry.models.exchange import Exchange

    prob = summitry.load(DECIDE_DATA / name).problem()
    model = Exchange()
    model.solve(prob)
    batch = _jitter(prob, draws, seed=1)
    return {"time": _best(lambda: model.solve(batch), 1), "draws": draws}


def _child_smp_process(name: str) -> dict[str, Any]:
    """A whole process, as KTAB's figures: start Python, import, read the file, solve."""
    code = (
        "import importlib.util, sys;"
        f"spec = importlib.util.spec_from_file_location('_ktab_fixture', "
        f"{str(ROOT / 'tests' / 'models' / '_ktab_fixture.py')!r});"
        "m = importlib.util.module_from_spec(spec); sys.modules['_ktab_fixture'] = m;"
        "spec.loader.exec_module(m);"
        "from summitry.models.smp import SMP;"
        f"s = SMP().solve(m.read_csv(m.DATA / {name!r}).problem());"
        "print(int(s.n_rounds[0]))"
    )
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"time": secs, "turns": int(run.stdout.strip() or 0), "peak_child": peak}


def _child_cli(draws: int) -> dict[str, Any]:
    """``summitry forecast --draws N`` on the Alaska example with every model."""
    exe = Path(sys.executable).with_name("summitry")
    cmd = [str(exe), "forecast", "--draws", str(draws), "--format", "json"]
    subprocess.run(cmd, check=True, capture_output=True)  # warm-up: compiled kernels cached
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
    models = [f["model"] for f in json.loads(out.stdout)["forecasts"]]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"time": min(times), "draws": draws, "models": models, "peak_child": peak}


def _child_memory(draws: int, models: str) -> dict[str, Any]:
    from summitry import examples
    from summitry.forecast import forecast
    from summitry.io import load

    sc = load(examples.path("alaska-2025"))
    forecast(sc, models.split(","), draws=100, seed=1)  # warm-up (kernels)
    base = _peak_mb()
    t0 = time.perf_counter()
    fc = forecast(sc, models.split(","), draws=draws, seed=1)
    fc.to_dict()
    return {"time": time.perf_counter() - t0, "draws": draws, "models": models,
            "base_mb": base}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "challenge": _child_challenge,
    "challenge-numpy": _child_challenge_numpy,
    "exchange": _child_exchange,
    "exchange-mc": _child_exchange_mc,
    "smp-process": _child_smp_process,
    "cli": _child_cli,
    "memory": _child_memory,
}


def _run_child(case: str, *args: Any) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case,
           *[str(a) for a in args]]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        return {"error": (run.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


# --- decide, live ------------------------------------------------------------------------


def _decide_python() -> Path | None:
    exe = PEER_VENV / "bin" / "python"
    return exe if exe.exists() else None


def _decide_run(name: str) -> dict[str, Any]:
    """One 10-round Equal-Gain run of decide on ``name``: times and per-round outcomes."""
    exe = _decide_python()
    assert exe is not None
    with tempfile.TemporaryDirectory(prefix="decide-") as tmp:
        cmd = [str(exe), "-m", "decide.cli", "--input-file", str(DECIDE_DATA / name),
               "-m", "equal", "-r", "1", "-i", "10", "--output-dir", tmp]
        wrapped = ["/usr/bin/time", "-f", "MAXRSS %M", *cmd] if Path("/usr/bin/time").exists() \
            else cmd
        t0 = time.perf_counter()
        run = subprocess.run(wrapped, cwd=tmp, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if run.returncode != 0:
            return {"error": (run.stderr.strip().splitlines() or ["decide failed"])[-1]}
        log = run.stdout + run.stderr
        found = re.search(r"Finished in (\d+):(\d+):([\d.]+)", log)
        model = (int(found[1]) * 3600 + int(found[2]) * 60 + float(found[3])) if found else None
        rss = re.search(r"MAXRSS (\d+)", log)
        rounds: dict[str, list[float]] = {}
        for f in Path(tmp).rglob("*.summary.csv"):
            issue = f.name.split(" [")[0]
            vals = []
            for line in f.read_text().splitlines():
                if re.match(r"rn-\d+;", line):
                    vals.append(float(line.split(";")[1]))
            rounds[issue] = vals
    return {"wall": wall, "model": model, "rounds": rounds,
            "peak_mb": int(rss[1]) / 1024.0 if rss else None}


def _compare(ours: Any, issues: list[str], theirs: dict[str, list[float]]
             ) -> tuple[int, float]:
    """(leading rounds equal to 1e-6 on every issue, max |difference| over all rounds)."""
    gap = 0.0
    same = 10**9
    for k, issue in enumerate(issues):
        ref = theirs.get(issue, [])
        diffs = [abs(a - b) for a, b in zip(ours[k], ref, strict=False)]
        gap = max([gap, *diffs])
        lead = next((n for n, d in enumerate(diffs) if d > 1e-6), len(diffs))
        same = min(same, lead)
    return (0 if same == 10**9 else same), gap


# --- the table ---------------------------------------------------------------------------


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    if x < 0.01:
        return f"{x * 1e3:.2f} ms"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def _fmt_n(x: float | None, unit: str = "") -> str:
    if x is None:
        return "—"
    return f"{x:,.0f}{unit}"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="skip the 160-actor SMP file and use 200,000 draws for memory")
    ap.add_argument("--no-peer", action="store_true", help="do not run decide live")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        case, *rest = args.child
        fn = CHILDREN[case]
        conv = [int(a) if a.isdigit() else a for a in rest]
        out = fn(*conv)
        out.setdefault("peak_mb", _peak_mb())
        print(json.dumps(out))
        return

    rows: list[list[str]] = []
    notes: list[str] = []

    def add(model: str, inp: str, ours: float | None, peer: float | None, peer_note: str,
            draws_s: float | None, peak: float | None, target: str) -> None:
        ratio = f"{peer / ours:,.0f}×" if (peer and ours) else "—"
        rows.append([model, inp, _fmt_s(ours), f"{_fmt_s(peer)} {peer_note}".strip(), ratio,
                     _fmt_n(draws_s), _fmt_n(peak, " MB"), target])

    def progress(msg: str) -> None:
        print(f"… {msg}", file=sys.stderr, flush=True)

    # challenge
    progress("challenge, 1994 case")
    r = _run_child("challenge", 100_000)
    if "error" in r:
        notes.append(f"challenge: {r['error']}")
    else:
        rate = r["draws"] / r["time"]
        add("challenge (numba)", "1994 case 10×1, 100,000 draws", r["time"],
            r["draws"] / SCHELLING_DRAWS_PER_S, "schelling, published", rate, r["peak_mb"],
            f"≥ 100,000 draws/s: {'met' if rate >= 1e5 else 'NOT met'}")
        add("challenge (numba)", "1994 case 10×1, one solve", r["single"], 1e-3,
            "schelling, published", None, None, "")
    r = _run_child("challenge-numpy", 10_000)
    if "error" not in r:
        add("challenge (numpy)", "1994 case 10×1, 10,000 draws", r["time"],
            r["draws"] / SCHELLING_DRAWS_PER_S, "schelling, published",
            r["draws"] / r["time"], r["peak_mb"], "")

    # exchange, against decide
    live = _decide_python() is not None and not args.no_peer
    if not live:
        notes.append("decide: published model times (specs/peers.md); to measure it live, "
                     "run bench/setup_peers.sh (needs Python 3.13 and PyPI)")
    for name in DECIDE_PUBLISHED:
        progress(f"exchange, {name}" + (" (and decide, live, twice)" if live else ""))
        r = _run_child("exchange", name)
        if "error" in r:
            notes.append(f"exchange {name}: {r['error']}")
            continue
        peer, note, target = DECIDE_PUBLISHED[name], "published", ""
        if live:
            d1, d2 = _decide_run(name), _decide_run(name)
            if "error" in d1 or "error" in d2:
                notes.append(f"decide {name}: {d1.get('error') or d2.get('error')}")
            else:
                peer, note = d1["model"], f"live (process {d1['wall']:.1f} s)"
                n_r = len(next(iter(d1["rounds"].values()), []))
                s_ex, g_ex = _compare(r["rounds"]["exact"], r["issues"], d1["rounds"])
                s_fa, g_fa = _compare(r["rounds"]["fast"], r["issues"], d1["rounds"])
                s_self, g_self = _compare([d2["rounds"].get(i, []) for i in r["issues"]],
                                          r["issues"], d1["rounds"])
                notes.append(
                    f"exchange {name} vs decide (the outcome of every issue at the start of "
                    f"each of its {n_r} rounds, 0–100): our exact path equal (1e-6) through "
                    f"round {s_ex - 1}, then within {g_ex:.3f}; our default path through "
                    f"round {s_fa - 1}, within {g_fa:.3f}; decide against a second run of "
                    f"itself (it breaks exact ties by an unseeded coin flip): through round "
                    f"{s_self - 1}, within {g_self:.3f}")
        if name == "cop21.csv":
            ratio = peer / r["time"] if peer else 0.0
            target = f"≥ 200× decide: {'met' if ratio >= 200 else 'NOT met'}"
        add("exchange", f"{name}, one 10-round solve", r["time"], peer, note, None,
            r["peak_mb"], target)
    r = _run_child("exchange-mc", "cop21.csv", 1000)
    if "error" not in r:
        add("exchange", "cop21.csv, 1,000 draws", r["time"],
            DECIDE_PUBLISHED["cop21.csv"] * r["draws"], "decide × draws, published",
            r["draws"] / r["time"], r["peak_mb"], "")

    # SMP, against KTAB (whole process)
    for name, ktab in KTAB_PUBLISHED.items():
        if args.quick and "a160" in name:
            continue
        progress(f"smp, {name}")
        r = _run_child("smp-process", name)
        if "error" in r:
            notes.append(f"smp {name}: {r['error']}")
            continue
        target = ""
        if "a040" in name or "a080" in name:
            target = f"≥ 10× KTAB: {'met' if ktab / r['time'] >= 10 else 'NOT met'}"
        add("smp", f"{name} ({r['turns']} turns), process", r["time"], ktab,
            "KTAB, published", None, r["peak_child"], target)

    # the whole pipeline from the command line
    progress("summitry forecast --draws 10000 (Alaska, every model)")
    r = _run_child("cli", 10_000)
    if "error" in r:
        notes.append(f"cli: {r['error']}")
    else:
        notes.append("all models: " + ", ".join(r["models"]))
        add(f"all {len(r['models'])} models", "Alaska 7×9, 10,000 draws, CLI",
            r["time"], None, "", r["draws"] / r["time"], r["peak_child"],
            f"< 2 s: {'met' if r['time'] < 2 else 'NOT met'}")

    # memory, flat in draws
    mem_models = "compromise,median,nash,challenge"
    big = 200_000 if args.quick else 1_000_000
    for draws in (100_000, big):
        progress(f"memory, {draws:,} Alaska draws ({mem_models})")
        r = _run_child("memory", draws, mem_models)
        if "error" in r:
            notes.append(f"memory {draws}: {r['error']}")
            continue
        target = (f"< 2 GB: {'met' if r['peak_mb'] < 2048 else 'NOT met'}"
                  if draws == big else "")
        add("4 models (memory)", f"Alaska 7×9, {draws:,} draws (library)", r["time"], None, "",
            draws / r["time"], r["peak_mb"], target)

    head = ["model", "input", "ours", "peer", "peer/ours", "draws/s", "peak memory", "target"]
    cpu = _cpu()
    print(f"summitry {_version()} · Python {platform.python_version()} · {os.cpu_count()} "
          f"CPUs ({cpu}) · {time.strftime('%Y-%m-%d %H:%M')}")
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(head)]
        print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    for note in notes:
        print(f"- {note}")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _version() -> str:
    try:
        import summitry

        return str(summitry.__version__)
    except ImportError:  # pragma: no cover
        return "?"


if __name__ == "__main__":
    main()
