"""Crash test of the web app: SIGKILL the server in the middle of writes (not a test).

Starts ``summitry serve`` on 127.0.0.1, saves a scenario, then 8 writer threads save new
versions as fast as they can (``PUT /api/scenarios/{slug}``; each acknowledged save is a 201
answer naming its version and content hash). After ``--after`` seconds the server process
is killed with SIGKILL — no shutdown, no flush — while requests are in flight. The script
then opens the database directly and checks that

- SQLite opens it and ``PRAGMA integrity_check`` says ``ok``;
- every acknowledged version is there with the acknowledged content hash;
- versions are numbered 1…n without gaps (a save that was committed but whose answer was
  lost in the kill may be there too: committed, not acknowledged — never the reverse).

It repeats this for ``--rounds`` rounds on the same database (each round restarts the
server on the database the previous kill left), so later rounds also show that the server
starts on a database left by a crash.

Run: ``.venv/bin/python bench/web_kill.py [--rounds 3] [--after 3]``
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from web_common import TINY, integrity_check, start_server, stop_server

from summitry.store import Store

SLUG = "crash"
WRITERS = 8


def writer(k: int, base: str, stop: threading.Event, acks: list[tuple[int, str]],
           counts: dict[str, int], lock: threading.Lock) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        i = 0
        while not stop.is_set():
            data = copy.deepcopy(TINY)
            data["actors"][k % 3]["capability"] = 1 + (k * 1000 + i) / 1e5
            i += 1
            with lock:
                counts["sent"] += 1
            try:
                r = c.put(f"/api/scenarios/{SLUG}",
                          json={"scenario": data, "message": f"writer {k} #{i}"})
            except httpx.HTTPError:
                with lock:
                    counts["lost"] += 1  # in flight when the server died
                return
            if r.status_code == 201:
                body = r.json()
                with lock:
                    acks.append((body["version"], body["content_hash"]))
            else:
                with lock:
                    counts["failed"] += 1


def one_round(db: Path, after: float, first: bool, acked_before: set[int]) -> dict[str, Any]:
    proc, base = start_server(db)
    if first:
        r = httpx.post(base + "/api/scenarios", json={"scenario": TINY, "slug": SLUG},
                       timeout=60)
        assert r.status_code == 201, r.text
    acks: list[tuple[int, str]] = []
    counts = {"sent": 0, "lost": 0, "failed": 0}
    lock = threading.Lock()
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(k, base, stop, acks, counts, lock))
               for k in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(after)
    stop_server(proc, kill=True)  # SIGKILL while the writers are mid-request
    killed_at = time.monotonic()
    stop.set()
    for t in threads:
        t.join(60)

    t0 = time.perf_counter()
    with Store(db) as store:
        integrity = integrity_check(db)
        history = store.history(SLUG)
    reopen = time.perf_counter() - t0
    stored = {h.version: h.content_hash for h in history}
    missing = [v for v, h in acks if stored.get(v) != h]
    numbers = sorted(stored)
    gapless = numbers == list(range(1, len(numbers) + 1))
    return {"acks": len(acks), "sent": counts["sent"], "lost": counts["lost"],
            "failed": counts["failed"], "versions": len(stored), "missing": len(missing),
            "integrity": integrity, "gapless": gapless, "reopen_ms": reopen * 1e3,
            "acked": {v for v, _ in acks}, "present": set(stored),
            "unacked_committed": len(set(stored) - {v for v, _ in acks} - acked_before),
            "join_s": time.monotonic() - killed_at}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--after", type=float, default=3.0, help="seconds of writes before the kill")
    args = ap.parse_args()
    ok = True
    total_acks = 0
    acked: set[int] = {1}  # versions there before the round: 1 (created) and earlier rounds
    with tempfile.TemporaryDirectory(prefix="summitry-kill-") as tmp:
        db = Path(tmp) / "kill.db"
        for k in range(args.rounds):
            res = one_round(db, args.after, first=k == 0, acked_before=acked)
            acked |= res["acked"] | res["present"]
            total_acks += res["acks"]
            print(f"round {k + 1}: {res['sent']} saves sent, {res['acks']} acknowledged, "
                  f"{res['lost']} cut off by SIGKILL, {res['failed']} refused; database "
                  f"reopened in {res['reopen_ms']:.0f} ms: integrity {res['integrity']}, "
                  f"{res['versions']} versions (gapless: {res['gapless']}), acknowledged "
                  f"but missing: {res['missing']}, committed but not acknowledged: "
                  f"{res['unacked_committed']}")
            ok &= (res["integrity"] == "ok" and res["missing"] == 0 and res["gapless"]
                   and res["failed"] == 0)
        with Store(db) as store:
            final = len(store.history(SLUG))
        print(f"after {args.rounds} kills: {final} versions stored, {total_acks} acknowledged "
              "saves, every one of them present")
    print("RESULT:", "PASS" if ok else "FAIL")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
