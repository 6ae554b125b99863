"""The exchange model's scalar reference engine: one draw, any number type.

This is the algorithm of specs/exchange.md §3–§8 written once over a number type ``T``
that supports ``+ − × ÷``, ``abs`` and comparisons: :class:`decimal.Decimal` in a
28-digit, half-even context for ``Exchange(exact=True)`` (bit for bit what
decide-exchange-model computes, §1), or :class:`float` to study where binary arithmetic
departs from it. Every formula is evaluated in the operation order the spec writes,
because with 28-digit rounding the order decides which of two tied exchanges wins.

It is deliberately plain Python (one draw, lists and small objects): the vectorised
float64 engine lives in :mod:`summitry.models._exchange_fast`.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = [
    "DECIMAL_CONTEXT",
    "ScalarResult",
    "hash_uniform",
    "run_scalar",
    "shortest_decimal",
]

T = TypeVar("T", decimal.Decimal, float)

#: decide's arithmetic: Python's default decimal context (28 digits, half-even).
DECIMAL_CONTEXT = decimal.Context(
    prec=28, rounding=decimal.ROUND_HALF_EVEN, Emin=-999999, Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_MASK64 = (1 << 64) - 1


def _mix64(z: int) -> int:
    """The splitmix64 finaliser (Steele, Lea & Flood 2014) on a 64-bit integer."""
    z = (z + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def hash_uniform(key: int, a: int, b: int, c: int, d: int) -> float:
    """A uniform number in [0, 1) from a counter: ``key`` (per draw) and four counters.

    Counter-based (stateless), so the scalar and the vectorised engines draw the same
    number for the same event whatever order they compute events in.
    """
    z = _mix64(key & _MASK64)
    for v in (a, b, c, d):
        z = _mix64(z ^ (v & _MASK64))
    return (z >> 11) * (1.0 / 9007199254740992.0)


def shortest_decimal(value: float, ok: Callable[[decimal.Decimal], bool]) -> decimal.Decimal:
    """The shortest decimal (≤ 17 significant digits) accepted by ``ok``.

    Used to recover the text a number was typed as ("0.95", "3") from the float a
    :class:`~summitry.problem.Problem` holds; falls back to the float's exact value.
    """
    for digits in range(1, 18):
        cand = decimal.Decimal(f"{value:.{digits}g}")
        if ok(cand):
            return cand
    return decimal.Decimal(value)


@dataclass(eq=False)
class _Side(Generic[T]):
    """One side of an exchange (decide's exchange actor), §5."""

    actor: int
    supply: int
    demand: int
    x_s: T  # supply position (may be overwritten by §7.1)
    x_d: T  # demand position (start position on the demand issue)
    s_s: T
    s_d: T
    c_s: T
    c_d: T
    start: T  # start position on the supply issue
    m: T  # current move
    y: T  # current voting position
    moves: list[T] = field(default_factory=list)


@dataclass(eq=False)
class _Exchange(Generic[T]):
    p: int
    q: int
    i: _Side[T]  # supplies q, demands p
    j: _Side[T]  # supplies p, demands q
    uid: int
    gain: T
    ratio: T  # fixed exchange ratio dq/dp (random-rate variant)
    valid: bool = False
    calcs: int = 0
    update: dict[int, dict[int, T]] = field(default_factory=dict)


@dataclass
class ScalarResult:
    """What :func:`run_scalar` returns; positions are lists ``[actor][issue]`` of floats."""

    starts: list[list[list[float]]]  # T + 1 start positions (round 0 = input)
    voting: list[list[list[float]]]  # T voting positions
    events: list[list[dict[str, Any]]]  # per round, executed exchanges
    n_exchanges: list[int]


class _Engine(Generic[T]):
    """State shared by the rounds of one run (constants, inputs, settings)."""

    def __init__(
        self, num: Callable[[Any], T], s: Sequence[Sequence[T]], c: Sequence[Sequence[T]],
        part: Sequence[Sequence[bool]], *, variant: str, p: float, random_ties: bool,
        key: int, salience_weight: float, fixed_weight: float, max_exchanges: int,
    ) -> None:
        self.num: Callable[[Any], T] = num
        self.s: Sequence[Sequence[T]] = s
        self.c: Sequence[Sequence[T]] = c
        self.part = part
        self.n_a = len(s)
        self.n_i = len(s[0]) if self.n_a else 0
        self.variant = variant
        self.p: T = num(p)
        self.random_ties = random_ties
        self.key = key
        self.zero: T = num(0)
        self.one: T = num(1)
        self.half: T = num(0.5)
        self.hundred: T = num(100)
        self.eps: T = num(1e-10)
        self.tie: T = num(1e-20)
        self.w_s: T = num(salience_weight)
        self.w_f: T = num(fixed_weight)
        self.max_exchanges = max_exchanges
        self.round = 0
        self.x: list[list[T]] = []
        self.sc: list[T] = []
        self.terms: list[list[T]] = []
        self.slot: list[dict[int, int]] = []

    # -- §3 -------------------------------------------------------------------------
    def outcomes(self, x: Sequence[Sequence[T]]) -> tuple[list[T], list[T]]:
        sc: list[T] = []
        out: list[T] = []
        for i in range(self.n_i):
            den = self.zero
            num_ = self.zero
            for k in range(self.n_a):
                if self.part[k][i]:
                    den = den + self.s[k][i] * self.c[k][i]
                    num_ = num_ + x[k][i] * self.s[k][i] * self.c[k][i]
            sc.append(den)
            out.append(num_ / den if den != self.zero else self.zero)
        return sc, out

    def _issue_sum(self, r: int, override: dict[int, T], actor: int, own: T,
                   own_last: bool) -> T:
        """Σ x·s·c on issue ``r`` (actor order) with ``override`` and ``actor`` at ``own``."""
        terms = self.terms[r]
        if not override:
            terms = terms.copy()
            pos = self.slot[r][actor]
            terms[pos] = own * self.s[actor][r] * self.c[actor][r]
            return sum(terms, self.zero)
        terms = terms.copy()
        slot = self.slot[r]
        for k, v in override.items():
            if k != actor:
                terms[slot[k]] = v * self.s[k][r] * self.c[k][r]
        v_a = own if own_last else override.get(actor, own)
        terms[slot[actor]] = v_a * self.s[actor][r] * self.c[actor][r]
        return sum(terms, self.zero)

    def prepare(self) -> None:
        """Per-round cache of the terms x·s·c of every issue, in actor order."""
        self.terms = []
        self.slot = []
        for i in range(self.n_i):
            ks = [k for k in range(self.n_a) if self.part[k][i]]
            self.terms.append([self.x[k][i] * self.s[k][i] * self.c[k][i] for k in ks])
            self.slot.append({k: n for n, k in enumerate(ks)})

    # -- §5 -------------------------------------------------------------------------
    def make(self, p: int, q: int, u: int, v: int, uid: int) -> _Exchange[T]:
        s, c, x = self.s, self.c, self.x
        if s[u][p] / s[u][q] < s[v][p] / s[v][q]:
            ia, ja = v, u
        else:
            ia, ja = u, v
        side_i = _Side(ia, q, p, x[ia][q], x[ia][p], s[ia][q], s[ia][p], c[ia][q], c[ia][p],
                       x[ia][q], self.zero, x[ia][q])
        side_j = _Side(ja, p, q, x[ja][p], x[ja][q], s[ja][p], s[ja][q], c[ja][p], c[ja][q],
                       x[ja][p], self.zero, x[ja][p])
        ex = _Exchange(p, q, side_i, side_j, uid, self.zero, self.one)
        if self.variant == "random":
            lo = side_j.s_s / side_j.s_d
            hi = side_i.s_d / side_i.s_s
            z = self.num(hash_uniform(self.key, self.round, uid, 0, 1))
            ex.ratio = lo + z * (hi - lo)
        return ex

    # -- §6 -------------------------------------------------------------------------
    def _side_valid(self, side: _Side[T]) -> bool:
        m = side.m
        am = abs(m)
        if not (am <= self.hundred and am > self.eps):
            return False
        pos = side.x_s + m
        if not (self.zero <= pos <= self.hundred):
            return False
        total = self.zero
        for mv in side.moves:
            total = total + mv
        if not total <= self.hundred:
            return False
        return all(mv < self.zero for mv in side.moves) or all(
            mv > self.zero for mv in side.moves)

    def _ratio(self, ex: _Exchange[T]) -> T | None:
        """Exchange ratio dq/dp for the random variants; ``None`` for equal gain."""
        if self.variant == "equal":
            return None
        i, j = ex.i, ex.j
        if self.variant == "random":
            return ex.ratio
        # REX: randomise the equal-gain ratio towards one side's extreme (§11)
        eq = (j.s_s + i.s_d) / (j.s_d + i.s_s)
        lo = j.s_s / j.s_d  # J gains nothing: I's best
        hi = i.s_d / i.s_s  # I gains nothing: J's best
        u = hash_uniform(self.key, self.round, ex.uid, ex.calcs, 2)
        v = hash_uniform(self.key, self.round, ex.uid, ex.calcs, 3)
        z = self.num(hash_uniform(self.key, self.round, ex.uid, ex.calcs, 4))
        drawn_i = u < 0.5
        wins = v < 0.5
        target = lo if drawn_i == wins else hi
        return eq + self.p * z * (target - eq)

    def _gain(self, ex: _Exchange[T], dp: T, dq: T) -> T:
        i, j = ex.i, ex.j
        if self.variant == "equal":
            return abs(dq * i.s_s - dp * i.s_d)
        gi = dp * i.s_d - dq * i.s_s
        gj = dq * j.s_d - dp * j.s_s
        return (gi + gj) * self.half

    def compute(self, ex: _Exchange[T]) -> None:
        """§6: moves, voting positions, gain, validity and the truncation tests."""
        i, j = ex.i, ex.j
        sc = self.sc
        p, q = ex.p, ex.q
        if j.c_s == self.zero or i.c_s == self.zero:
            # a supplier without capability cannot move an outcome (decide divides by 0)
            ex.valid = False
            ex.gain = self.zero
            i.moves.append(self.zero)
            j.moves.append(self.zero)
            i.m = j.m = self.zero
            return
        ratio = self._ratio(ex)
        ex.calcs += 1
        a_j = abs(i.x_d - j.x_s)
        dp = a_j * j.s_s * j.c_s / sc[p]
        if ratio is None:
            dq = (j.s_s + i.s_d) / (j.s_d + i.s_s) * dp
        else:
            dq = ratio * dp
        m_i = dq * sc[q] / (i.c_s * i.s_s)
        m_j = a_j
        if abs(m_i) > abs(j.x_d - i.x_s):
            a_i = abs(j.x_d - i.x_s)
            dq = a_i * i.s_s * i.c_s / sc[q]
            if ratio is None:
                dp = (i.s_s + j.s_d) / (i.s_d + j.s_s) * dq
            else:
                dp = dq / ratio
            m_i = a_i
            m_j = dp * sc[p] / (j.c_s * j.s_s)
        if i.x_s > j.x_d:
            m_i = -m_i
        if j.x_s > i.x_d:
            m_j = -m_j
        i.moves.append(m_i)
        j.moves.append(m_j)
        i.m, j.m = m_i, m_j
        i.y = i.x_s + m_i
        j.y = j.x_s + m_j
        ex.gain = self._gain(ex, dp, dq)
        valid = self._side_valid(i) and self._side_valid(j)
        if not valid or ex.gain < self.eps:
            ex.valid = False
            return
        self._truncate(ex, i, j, ratio)
        self._truncate(ex, j, i, ratio)
        ex.valid = self._side_valid(i) and self._side_valid(j)

    def _truncate(self, ex: _Exchange[T], a: _Side[T], b: _Side[T], ratio: T | None) -> None:
        """§6.6: stop the exchange where the outcome of A's supply issue meets B's ideal."""
        r = a.supply
        table = ex.update.get(r, {})
        d_r = self.sc[r]
        n0 = self._issue_sum(r, table, a.actor, a.x_s, True) / d_r
        n1 = self._issue_sum(r, table, a.actor, a.y, True) / d_r
        t = b.x_d
        if (t - n0 >= self.zero and t - n1 >= self.zero) or (
                t - n0 <= self.zero and t - n1 <= self.zero):
            return
        total = self._issue_sum(r, table, a.actor, a.x_s, False)
        a_a = abs((t * d_r - total) / (a.s_s * a.c_s))
        e_a = a_a * a.s_s * a.c_s / d_r
        if ratio is None:
            e_b = (a.s_s + b.s_d) / (a.s_d + b.s_s) * e_a
        elif a is ex.i:
            e_b = e_a / ratio  # A supplies q, B supplies p
        else:
            e_b = ratio * e_a
        m_b = abs(e_b * self.sc[b.supply] / (b.c_s * b.s_s))
        m_a = a_a
        if b.x_s > a.x_d:
            m_b = -m_b
        if a.x_s > b.x_d:
            m_a = -m_a
        b.moves[-1] = m_b
        a.moves[-1] = m_a
        b.m, a.m = m_b, m_a
        b.y = b.x_s + m_b
        a.y = a.x_s + m_a
        if ratio is None:
            ex.gain = abs(e_b * b.s_s - e_a * b.s_d)
        elif a is ex.i:
            ex.gain = self._gain(ex, e_b, e_a)
        else:
            ex.gain = self._gain(ex, e_a, e_b)

    # -- §7 -------------------------------------------------------------------------
    @staticmethod
    def _record(ex: _Exchange[T], issue: int, side: _Side[T]) -> None:
        table = ex.update.setdefault(issue, {})
        y = side.y
        if side.actor not in table:
            table[side.actor] = y
            return
        e = table[side.actor]
        if side.start <= e:
            table[side.actor] = e if e < y else y
        else:
            table[side.actor] = e if e > y else y

    def update(self, ex: _Exchange[T], done: _Exchange[T]) -> None:
        """§7.1–7.3: bring candidate ``ex`` up to date after ``done`` was executed."""
        xi, xj = done.i, done.j
        marked = False
        for side in (ex.i, ex.j):
            for other in (xi, xj):
                if side.actor == other.actor and side.supply == other.supply:
                    side.x_s = other.y
                    side.moves.append(other.moves[-1])
                    marked = True
                    break
        if marked:
            ex.i.moves.pop()
            ex.j.moves.pop()
        for mover, partner in ((xi, xj), (xj, xi)):
            if (partner.actor == ex.j.actor and partner.demand == ex.j.demand) or (
                    partner.actor == ex.i.actor and partner.demand == ex.i.demand):
                self._record(ex, partner.demand, mover)
                if not marked:
                    ex.i.moves.pop()
                    ex.j.moves.pop()
                    marked = True
        if marked:
            self.compute(ex)

    def pick(self, cands: list[_Exchange[T]], step: int) -> _Exchange[T]:
        """§7.2: take the first candidate (or, with random ties, maybe the second)."""
        first = cands.pop(0)
        if self.random_ties and cands:
            second = cands[0]
            if abs(first.gain - second.gain) < self.tie and hash_uniform(
                    self.key, self.round, step, 0, 5) >= 0.5:
                cands.pop(0)
                cands.append(first)
                return second
        return first

    def play_round(self) -> tuple[list[_Exchange[T]], list[list[T]], list[list[T]]]:
        """One round (§4): returns the executed exchanges, voting and next start positions."""
        x = self.x
        self.sc, out = self.outcomes(x)
        self.prepare()
        left = [[x[k][i] <= out[i] for i in range(self.n_i)] for k in range(self.n_a)]
        cands: list[_Exchange[T]] = []
        for p in range(self.n_i):
            for q in range(p + 1, self.n_i):
                both = [k for k in range(self.n_a) if self.part[k][p] and self.part[k][q]]
                ga = [k for k in both if not left[k][p] and not left[k][q]]
                gb = [k for k in both if left[k][p] and not left[k][q]]
                gc = [k for k in both if not left[k][p] and left[k][q]]
                gd = [k for k in both if left[k][p] and left[k][q]]
                for us, vs in ((ga, gd), (gb, gc)):
                    for u in us:
                        for v in vs:
                            ex = self.make(p, q, u, v, len(cands))
                            cands.append(ex)
        for ex in cands:
            self.compute(ex)
        # invalid candidates never take part (they are discarded when reached, §7.3)
        cands = [ex for ex in cands if ex.valid]
        done: list[_Exchange[T]] = []
        step = 0
        while cands and len(done) < self.max_exchanges:
            cands.sort(key=lambda e: e.gain, reverse=True)  # stable (§7.1)
            best = self.pick(cands, step)
            step += 1
            if not best.valid:
                continue
            done.append(best)
            kept = []
            pair = (best.i.actor, best.j.actor)
            for ex in cands:
                if not ex.valid:
                    continue
                if ex.i.actor in pair or ex.j.actor in pair:
                    self.update(ex, best)
                    if not ex.valid:
                        continue
                kept.append(ex)
            cands = kept
        vote = [row[:] for row in x]
        for ex in done:
            for side in (ex.i, ex.j):
                vote[side.actor][side.supply] = side.y
        new = [row[:] for row in x]
        one, w_s, w_f = self.one, self.w_s, self.w_f
        for ex in done:
            for side in (ex.i, ex.j):
                s = side.s_s
                y = side.y
                new[side.actor][side.supply] = (
                    (one - s) * w_s * y + w_f * y + (one - (one - s) * w_s - w_f) * side.start)
        return done, vote, new


def _event(ex: _Exchange[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"gain": float(ex.gain)}
    for name, side in (("i", ex.i), ("j", ex.j)):
        out[name] = {
            "actor": side.actor, "supply_issue": side.supply, "demand_issue": side.demand,
            "x": float(side.x_s), "y": float(side.y), "move": float(side.m),
        }
    return out


def run_scalar(
    num: Callable[[Any], T],
    x: Sequence[Sequence[T]],
    s: Sequence[Sequence[T]],
    c: Sequence[Sequence[T]],
    part: Sequence[Sequence[bool]],
    *,
    rounds: int,
    variant: str = "equal",
    p: float = 0.0,
    random_ties: bool = False,
    key: int = 0,
    salience_weight: float = 0.4,
    fixed_weight: float = 0.1,
    max_exchanges: int = 100_000,
) -> ScalarResult:
    """Play ``rounds`` rounds of the exchange model on one draw.

    Args:
        num: the number type's constructor (``Decimal`` or ``float``); constants are
            converted with it, so ``Decimal(0.4)`` is the binary double's exact value.
        x: start positions ``[actor][issue]`` on 0–100.
        s: saliences, 0–1.
        c: capabilities.
        part: whether the actor takes part in the issue (has a row with positive
            salience).
        rounds: number of rounds.
        variant: ``"equal"``, ``"random"`` (random rate) or ``"rex"``.
        p: the REX randomisation strength in [0, 1].
        random_ties: break exact gain ties by a coin flip (decide's default).
        key: the per-draw random key of :func:`hash_uniform`.
        salience_weight: decide's ``SALIENCE_WEIGHT``.
        fixed_weight: decide's ``FIXED_WEIGHT``.
        max_exchanges: cap on executed exchanges per round.

    Returns:
        start positions of every round, voting positions, executed exchanges (actor
        and issue indices) and their count per round.
    """
    ctx = DECIMAL_CONTEXT if num is decimal.Decimal else decimal.getcontext()
    with decimal.localcontext(ctx):
        eng: _Engine[T] = _Engine(
            num, s, c, part, variant=variant, p=p, random_ties=random_ties, key=key,
            salience_weight=salience_weight, fixed_weight=fixed_weight,
            max_exchanges=max_exchanges)
        eng.x = [list(row) for row in x]
        starts = [[[float(v) for v in row] for row in eng.x]]
        voting: list[list[list[float]]] = []
        events: list[list[dict[str, Any]]] = []
        counts: list[int] = []
        for r in range(rounds):
            eng.round = r
            done, vote, new = eng.play_round()
            voting.append([[float(v) for v in row] for row in vote])
            events.append([_event(ex) for ex in done])
            counts.append(len(done))
            eng.x = new
            starts.append([[float(v) for v in row] for row in new])
    return ScalarResult(starts, voting, events, counts)
