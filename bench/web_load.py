"""Load test of the web app: 8 concurrent clients, mixed reads and writes (not a test).

Starts ``summitry serve`` on 127.0.0.1 with a fresh database, saves two scenarios, then runs
8 client threads. Each sends at most ``--requests`` requests and stops after ``--seconds``
seconds, whichever comes first, with this mix:

- 30 % writes: ``PUT /api/scenarios/{slug}`` (a new version, ``base_version`` from the
  client's last read — concurrent edits of the same two scenarios, so many saves are
  "stale" and must still become versions);
- 70 % reads: the scenario JSON, its versions, a point forecast (compromise model), a
  what-if (POST, computes, saves nothing) and the scenario's HTML page.

Reports requests/s, p50/p99 latency per kind and overall, and errors (any 5xx, any
unexpected status, any transport error). Afterwards the database is opened directly and
every acknowledged write (a 201 answer with its version number and content hash) must be
there: the count of versions equals 2 + the number of acknowledged writes.

Run: ``.venv/bin/python bench/web_load.py [--clients 8] [--requests 150] [--seconds 120]``
"""

from __future__ import annotations

import argparse
import copy
import random
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from web_common import TINY, integrity_check, percentile, start_server, stop_server

from summitry.store import Store

SLUGS = ("bench-a", "bench-b")


def client(k: int, base: str, n: int, until: float, out: dict[str, Any],
           lock: threading.Lock) -> None:
    rng = random.Random(k)
    lat: dict[str, list[float]] = defaultdict(list)
    acks: list[tuple[str, int, str]] = []
    errors: list[str] = []
    stale = 0
    with httpx.Client(base_url=base, timeout=60) as c:
        known: dict[str, tuple[int, dict[str, Any]]] = {}
        for i in range(n):
            if time.monotonic() > until:
                break
            slug = SLUGS[rng.randrange(2)]
            r_ = rng.random()
            try:
                t0 = time.perf_counter()
                if r_ < 0.30 and slug in known:
                    kind = "write"
                    version, data = known[slug]
                    data = copy.deepcopy(data)
                    data["actors"][rng.randrange(3)]["capability"] = round(
                        rng.uniform(0.5, 3.0), 3)
                    resp = c.put(f"/api/scenarios/{slug}",
                                 json={"scenario": data, "base_version": version,
                                       "message": f"client {k} edit {i}"})
                    ok = resp.status_code == 201
                    if ok:
                        body = resp.json()
                        acks.append((slug, body["version"], body["content_hash"]))
                        stale += bool(body["based_on_stale"])
                elif r_ < 0.50 or slug not in known:
                    kind = "read-json"
                    resp = c.get(f"/api/scenarios/{slug}")
                    ok = resp.status_code == 200
                    if ok:
                        body = resp.json()
                        known[slug] = (body["version"], body["scenario"])
                elif r_ < 0.62:
                    kind = "versions"
                    resp = c.get(f"/api/scenarios/{slug}/versions")
                    ok = resp.status_code == 200
                elif r_ < 0.77:
                    kind = "forecast"
                    resp = c.get(f"/api/scenarios/{slug}/forecast",
                                 params={"models": "compromise"})
                    ok = resp.status_code == 200
                elif r_ < 0.92:
                    kind = "whatif"
                    resp = c.post(f"/api/scenarios/{slug}/whatif",
                                  json={"assign": [{"path": "a.x.salience",
                                                    "value": round(rng.random(), 3)}],
                                        "models": ["compromise", "median"]})
                    ok = resp.status_code == 200
                else:
                    kind = "page"
                    resp = c.get(f"/scenarios/{slug}")
                    ok = resp.status_code == 200
                lat[kind].append(time.perf_counter() - t0)
                if not ok:
                    errors.append(f"{kind} {resp.status_code} {resp.text[:120]}")
            except httpx.HTTPError as exc:
                errors.append(f"transport {type(exc).__name__}: {exc}")
    with lock:
        for kind, xs in lat.items():
            out["lat"][kind].extend(xs)
        out["acks"].extend(acks)
        out["errors"].extend(errors)
        out["stale"] += stale


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=150, help="per client")
    ap.add_argument("--seconds", type=float, default=120.0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="summitry-load-") as tmp:
        db = Path(tmp) / "load.db"
        proc, base = start_server(db)
        try:
            with httpx.Client(base_url=base, timeout=300) as c:
                for slug in SLUGS:
                    r = c.post("/api/scenarios", json={"scenario": TINY, "slug": slug})
                    assert r.status_code == 201, r.text
                    c.get(f"/scenarios/{slug}")  # warm up models and charts
            out: dict[str, Any] = {"lat": defaultdict(list), "acks": [], "errors": [],
                                   "stale": 0}
            lock = threading.Lock()
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=client,
                                        args=(k, base, args.requests, until, out, lock))
                       for k in range(args.clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            stop_server(proc)

        every = [x for xs in out["lat"].values() for x in xs]
        n = len(every)
        print(f"clients {args.clients}, {n} requests in {wall:.1f} s: "
              f"{n / wall:.1f} requests/s")
        print(f"{'kind':<10} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
        for kind in sorted(out["lat"]):
            xs = out["lat"][kind]
            print(f"{kind:<10} {len(xs):>5} {percentile(xs, 50) * 1e3:>8.1f} "
                  f"{percentile(xs, 99) * 1e3:>8.1f}")
        print(f"{'all':<10} {n:>5} {percentile(every, 50) * 1e3:>8.1f} "
              f"{percentile(every, 99) * 1e3:>8.1f}")
        print(f"errors: {len(out['errors'])}")
        for e in out["errors"][:10]:
            print("  ", e)

        acks = out["acks"]
        with Store(db) as store:
            stored = {(h.slug, h.version): h.content_hash
                      for slug in SLUGS for h in store.history(slug)}
            integrity = integrity_check(db)
        missing = [a for a in acks if stored.get((a[0], a[1])) != a[2]]
        print(f"writes acknowledged: {len(acks)} ({out['stale']} based on a stale version); "
              f"versions in the database: {len(stored)} = 2 + {len(stored) - 2}; "
              f"missing or different: {len(missing)}; integrity_check: {integrity}")
        ok = (not missing and len(stored) == 2 + len(acks) and not out["errors"]
              and integrity == "ok")
        print("RESULT:", "PASS" if ok else "FAIL")
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
