"""Minimal readers of KTAB inputs and reference logs, for the SMP tests only.

The real importer (``summitry.io.ktab``) is separate; these readers parse just enough of
KTAB's wide CSV, its scenario XML and the ``smpc`` reference logs
(``tests/data/ktab/20170530_ref-*.txt``, MIT licence, see ``tests/data/ktab/LICENSE``) to
pin the model to them.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data" / "ktab"


@dataclass
class KtabInput:
    """A KTAB scenario: positions and saliences on 0–100, power as read."""

    name: str
    actors: list[str]
    power: np.ndarray  # (A,)
    positions: np.ndarray  # (A, I), 0-100
    salience: np.ndarray  # (A, I), 0-100
    dims: list[str]
    params: dict[str, str] = field(default_factory=dict)
    accommodation: np.ndarray | None = None  # (A, A)
    seed: int | None = None

    def problem(self):  # -> summitry.problem.Problem
        from summitry.problem import Problem

        return Problem.from_arrays(
            positions=self.positions,
            salience=self.salience / 100.0,
            capability=self.power,
            actors=self.actors,
            issues=self.dims,
        )


def read_csv(path: str | Path) -> KtabInput:
    """Read KTAB's wide CSV (row 1 name/description/n/d, row 2 header, trailing commas)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [[c.strip() for c in r] for r in csv.reader(fh)]
    rows = [r for r in rows if any(r)]
    head = rows[0]
    n, d = int(head[2]), int(head[3])
    header = rows[1]
    dims = [header[3 + 2 * k] for k in range(d)]
    body = rows[2 : 2 + n]
    actors = [r[0] for r in body]
    power = np.array([float(r[2]) for r in body])
    pos = np.array([[float(r[3 + 2 * k]) for k in range(d)] for r in body])
    sal = np.array([[float(r[4 + 2 * k]) for k in range(d)] for r in body])
    return KtabInput(head[0], actors, power, pos, sal, dims)


def read_xml(path: str | Path, missing: dict[tuple[int, int], float] | None = None) -> KtabInput:
    """Read KTAB's scenario XML. ``missing[(actor, dim)]`` fills empty ``dCoord`` cells."""
    missing = missing or {}
    root = ET.parse(path).getroot()
    params = {el.tag: (el.text or "").strip() for el in root.find("ModelParameters")}
    dims = [(el.text or "").strip() for el in root.find("Dimensions")]
    actors, power, pos, sal = [], [], [], []
    for a, el in enumerate(root.find("Actors")):
        actors.append(el.findtext("name").strip())
        power.append(float(el.findtext("capability")))
        row = []
        for k, c in enumerate(el.find("Position")):
            text = (c.text or "").strip()
            row.append(float(text) if text else missing[(a, k)])
        pos.append(row)
        sal.append([float(s.text) for s in el.find("Salience")])
    n = len(actors)
    acc = np.eye(n)
    ia = root.find("IdealAdjustment")
    if ia is not None:
        for pair in ia:
            i = actors.index(pair.findtext("adjustingIdeal").strip())
            j = actors.index(pair.findtext("referencePos").strip())
            acc[i, j] = float(pair.findtext("adjust"))
    seed_text = root.findtext("prngSeed")
    return KtabInput(
        (root.findtext("name") or "").strip(), actors, np.array(power), np.array(pos),
        np.array(sal), dims, params, acc, int(seed_text) if seed_text else None,
    )


@dataclass
class Challenge:
    actor: int
    target: int  # -1: no advantageous target
    prob: float = float("nan")  # Est by actor of prob that [actor > target]
    gain: float = float("nan")  # ... expected gain to actor
    prob_rcvr: float = float("nan")  # Est by target of prob that [actor > target]


@dataclass
class Queue:
    actor: int
    entries: list[tuple[int, int]]  # (initiator, receiver) in KTAB's printed order
    probs: list[float]  # PCE probability of each entry (4 dp)
    chosen: tuple[int, int]  # (initiator, receiver); (k, k) = status quo


@dataclass
class Turn:
    challenges: dict[int, Challenge] = field(default_factory=dict)
    # (initiator, receiver) -> (initiator's, receiver's position), 0-100, from the
    # initiator's perspective, the receiver's perspective and the power-weighted compromise
    bargains: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    bargains_rcvr: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict)
    bargains_pw: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict)
    queues: dict[int, Queue] = field(default_factory=dict)
    positions: np.ndarray | None = None  # (A, I) after the turn, 0-100, 4 dp
    ideals: np.ndarray | None = None


@dataclass
class RefLog:
    turns: list[Turn]
    risk: list[np.ndarray]  # inferred risk attitudes per state, 3 dp
    n_states: int
    history_1dp: np.ndarray  # (A, I, T) positions printed at 1 dp
    win_prob: np.ndarray  # (A, T), 4 dp
    sdist: list[float]


_NUM = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"


def _nums(line: str) -> list[float]:
    return [float(x) for x in re.findall(_NUM, line)]


def read_log(path: str | Path, n_actors: int, n_dims: int) -> RefLog:
    """Parse an ``smpc`` reference log (the lines the tests need)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    turns: list[Turn] = []
    risk: list[np.ndarray] = []
    sdist: list[float] = []
    hist: dict[tuple[int, int], list[float]] = {}
    win: dict[int, list[float]] = {}
    n_states = 0
    cur: Turn | None = None
    queue_lists: dict[int, list[tuple[int, int, int]]] = {}
    pending_probs: list[float] = []
    pos_rows: dict[int, list[float]] = {}
    ideal_rows: dict[int, list[float]] = {}
    k = 0
    while k < len(lines):
        line = lines[k]
        if line.startswith("Starting Model::run iteration"):
            cur = Turn()
            turns.append(cur)
            queue_lists = {}
            pos_rows, ideal_rows = {}, {}
        elif line.startswith("Inferred risk attitudes"):
            risk.append(np.array([_nums(lines[k + 1 + a])[0] for a in range(n_actors)]))
            k += n_actors
        elif m := re.match(r"In turn \d+ actor (\d+) has most advantageous target (\d+)", line):
            i, j = int(m[1]), int(m[2])
            ch = Challenge(i, j)
            for follow in lines[k + 1 : k + 8]:
                em = re.match(
                    r"Est by\s+(\d+) of prob (\S+) that \[\s*(\d+)>\s*(\d+)\], with expected "
                    r"gain to\s+(\d+) of (\S+)", follow)
                if not em or int(em[3]) != i or int(em[4]) != j:
                    continue
                if int(em[1]) == i and int(em[5]) == i:
                    ch.prob, ch.gain = float(em[2]), float(em[6])
                elif int(em[1]) == j:
                    ch.prob_rcvr = float(em[2])
            assert cur is not None
            cur.challenges[i] = ch
        elif m := re.match(r"In turn \d+ Actor (\d+) has no advantageous targets", line):
            assert cur is not None
            cur.challenges[int(m[1])] = Challenge(int(m[1]), -1)
        elif m := re.match(r"Bargain \[\d+, (\d+):(\d+)\] from (\d+)'s perspective", line):
            i, j, h = int(m[1]), int(m[2]), int(m[3])
            # threads may interleave other lines: look for the two proposal lines
            found: dict[int, np.ndarray] = {}
            for follow in lines[k + 1 : k + 8]:
                pm = re.match(r"\s+(\d+) proposes (\d+) adopt:(.*)", follow)
                if pm and int(pm[1]) == h and int(pm[2]) not in found:
                    found[int(pm[2])] = np.array(_nums(pm[3]))
                if len(found) == 2:
                    break
            assert cur is not None
            (cur.bargains if h == i else cur.bargains_rcvr)[(i, j)] = (found[i], found[j])
        elif m := re.match(r"Power-weighted compromise \[\d+, (\d+):(\d+)\]", line):
            i, j = int(m[1]), int(m[2])
            found = {}
            for follow in lines[k + 1 : k + 8]:
                pm = re.match(r"\s+compromise proposes (\d+) adopt:(.*)", follow)
                if pm and int(pm[1]) not in found:
                    found[int(pm[1])] = np.array(_nums(pm[2]))
                if len(found) == 2:
                    break
            assert cur is not None
            cur.bargains_pw[(i, j)] = (found[i], found[j])
        elif m := re.match(r"Bargains involving actor\s+(\d+): (.*)", line):
            entries = re.findall(r"\[(\d+), (\d+):(\d+)\]", m[2])
            queue_lists[int(m[1])] = [(int(a), int(b), int(c)) for a, b, c in entries]
        elif m := re.match(r"Doing scalarPCE for the (\d+) bargains of actor (\d+)", line):
            nb, actor = int(m[1]), int(m[2])
            j = k
            while lines[j].strip() != "Probability Opt_i":
                j += 1
            pending_probs = [_nums(lines[j + 1 + r])[0] for r in range(nb)]
            while not lines[j].startswith("Chosen bargain"):
                j += 1
            cm = re.match(r"Chosen bargain \( \w+ \): (\d+) (\d+) out of", lines[j])
            qlist = queue_lists[actor]
            # bargain ids can collide in KTAB's threads: use the printed position
            _, *chosen_pair = qlist[int(cm[2]) - 1]
            assert _ == int(cm[1])
            chosen = (chosen_pair[0], chosen_pair[1])
            assert cur is not None
            cur.queues[actor] = Queue(
                actor, [(a, b) for (_, a, b) in qlist], pending_probs, chosen)
            k = j
        elif m := re.match(r"postn (\d+) , \d+ :", line):
            pos_rows[int(m[1])] = _nums(lines[k + 1])
            if len(pos_rows) == n_actors:
                assert cur is not None
                cur.positions = np.array([pos_rows[a] for a in range(n_actors)])
        elif m := re.match(r"ideal (\d+) , \d+ :", line):
            ideal_rows[int(m[1])] = _nums(lines[k + 1])
            if len(ideal_rows) == n_actors:
                assert cur is not None
                cur.ideals = np.array([ideal_rows[a] for a in range(n_actors)])
        elif m := re.match(r"sDist \[\s*(\d+),\s*(\d+)\] = (\S+)", line):
            if int(m[1]) != 0 or int(m[2]) != 1 or not sdist:
                sdist.append(float(m[3]))
        elif m := re.match(r"There were (\d+) states", line):
            n_states = int(m[1])
        k += 1
    # trailer: position history at 1 dp and winning probabilities at 4 dp
    start = next(i for i, ln in enumerate(lines) if ln.startswith("History of actor positions"))
    for a in range(n_actors):
        for d in range(n_dims):
            hist[(a, d)] = _nums(lines[start + 1 + a * n_dims + d].split(":", 1)[1])
    wstart = next(i for i, ln in enumerate(lines) if ln.startswith("History of actors' winning"))
    for a in range(n_actors):
        win[a] = _nums(lines[wstart + 1 + a].split(":", 1)[1])
    history = np.array([[hist[(a, d)] for d in range(n_dims)] for a in range(n_actors)])
    win_prob = np.array([win[a] for a in range(n_actors)])
    return RefLog(turns, risk, n_states, history, win_prob, sdist)


def load_3dim() -> tuple[KtabInput, RefLog]:
    """``dummyData_3Dim.csv`` and its deterministic default reference run."""
    inp = read_csv(DATA / "dummyData_3Dim.csv")
    return inp, read_log(DATA / "20170530_ref-dummyData_3Dim.txt", 7, 3)


#: The shipped ``smpExample.xml`` leaves Alice's first coordinate empty; the reference log
#: (``Read dimension 0: 52.80``) shows the run used 52.8.
SMP_EXAMPLE_MISSING = {(0, 0): 52.8}


def load_smp_example() -> tuple[KtabInput, RefLog]:
    """``smpExample.xml`` and its stochastic reference run."""
    inp = read_xml(DATA / "smpExample.xml", SMP_EXAMPLE_MISSING)
    return inp, read_log(DATA / "20170530_ref-smpExample.txt", 5, 3)
