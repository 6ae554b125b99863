"""Exchange model: Stokman & Van Oosten's exchange of voting positions (Equal Gain).

Actors trade positions across issues: an actor that cares little about issue p and much
about issue q moves its voting position on p towards a partner that cares the other way
round, in return for the partner's move on q. Stokman & Van Oosten (1994), "The exchange
of voting positions: an object-oriented model of policy networks", in Bueno de Mesquita &
Stokman (eds.), *European Community Decision Making*, Yale UP, pp. 105–127. The
implementation followed step by step is decide-exchange-model 2025.3.1 as written down
in specs/exchange.md (section numbers below are that document's); specs/models.md §1d
summarises it.

One round (§4):

1. **Outcome** of issue p (§3): ``O_p = Σ_k x_kp s_kp c_kp / Σ_k s_kp c_kp``, the
   capability × salience weighted mean (decide's "NBS").
2. **Feasible pairs** (§5): for every issue pair (p, q) in issue order, actors right of
   O on both issues pair with actors left on both, and left-right with right-left
   (``x ≤ O`` counts as left). The actor with the *lower* salience ratio ``s_p / s_q``
   supplies p (moves on p) and demands q.
3. **Equal gain** (§6): the supplier J of p moves all the way to its partner I's
   position; the outcome shift on p is ``dp = |x_Ip − x_Jp| s_Jp c_Jp / W_p`` and the
   shift on q that gives both the same utility gain is
   ``dq = dp (s_Jp + s_Ip) / (s_Jq + s_Iq)``; I moves ``dq W_q / (c_Iq s_Iq)``. If that
   overshoots J's position on q the roles swap. The gain is ``|dq s_Iq − dp s_Ip|``.
   A move is truncated where it would push an outcome past the demanding actor's
   position (§6.6); moves must stay on the scale and be consistent with the actor's
   earlier moves in the round (§6.5).
4. **Greedy execution** (§7): the candidate with the largest gain is executed, every
   candidate sharing an actor's supply or demand issue with it is recomputed, invalid
   ones are dropped, and so on until none is left (at most ``max_exchanges``).
5. **Voting positions and drift** (§8): executed moves give voting positions ``y``; the
   next round starts from ``x' = x + (0.1 + 0.4 (1 − s)) (y − x)`` (decide's
   ``FIXED_WEIGHT`` and ``SALIENCE_WEIGHT``).

The model runs a fixed number of ``rounds`` (default 10, decide's ``--iterations``).
The forecast (``Solution.outcome``) is the weighted mean of the positions after the last
round (``history_outcome[:, -1]``); decide's own summary reports the outcome at the start
of the last round (``history_outcome[:, -2]``) and the voting outcome of each round is
``extra["voting_outcome"]`` (§9).

Two engines, one algorithm (DESIGN.md, "The model contract"): ``exact=True`` evaluates
every formula in 28-digit decimal arithmetic, in the reference's operation order, and
reproduces decide's traces bit for bit (§1; draws one at a time); the default fast engine
evaluates the same steps in float64, vectorised over draws (NumPy, or compiled with Numba
when installed), with small tolerances standing in for decimal's exact ties. The two
agree until the first near-tie that decimal rounding decides; docs/models/exchange.md
gives the measured distance.

Variants (§11): ``variant="rex"`` (Randomised Equal Gain, strength ``p``) moves each
exchange's rate a random fraction ``p·z`` towards one side's best rate; ``"random"``
(Random Rate) draws the rate uniformly between the two sides' break-even rates. Both,
and ``random_ties=True`` (decide's coin flip between tied gains), are reproducible for a
``seed``.

>>> from summitry.problem import Problem
>>> p = Problem.from_arrays(
...     positions=[[0.0, 0.0], [100.0, 100.0], [30.0, 80.0]],
...     salience=[[0.2, 0.9], [0.8, 0.3], [0.5, 0.5]], capability=[1.0, 1.0, 1.0])
>>> sol = Exchange(rounds=1).solve(p)
>>> [(e["i"]["actor"], e["j"]["actor"], round(e["gain"], 3)) for e in sol.events[0]]
[('A1', 'A0', 7.333)]
>>> sol.outcome.round(2).tolist()
[[68.93, 36.95]]
"""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from summitry.errors import MissingExtraError, ModelError, SummitryError, UnknownNameError
from summitry.models._exchange_exact import DECIMAL_CONTEXT, run_scalar, shortest_decimal
from summitry.models._exchange_fast import VARIANTS, FastResult, candidate_bound, run_numpy
from summitry.models._numba import available as _numba_available
from summitry.models.base import BaseModel, Solution, register
from summitry.models.compromise import weighted_mean
from summitry.problem import Problem

__all__ = ["ENGINES", "VARIANT_NAMES", "Exchange", "decimal_inputs"]

FloatArray = NDArray[np.float64]

#: The exchange-rate rules (specs/exchange.md §6 and §11).
VARIANT_NAMES = tuple(VARIANTS)
#: Fast-path engines; ``auto`` uses Numba when it is installed.
ENGINES = ("auto", "numpy", "numba")


def decimal_inputs(
    problem: Problem, draw: int,
) -> tuple[list[list[decimal.Decimal]], list[list[decimal.Decimal]],
           list[list[decimal.Decimal]], list[list[bool]]]:
    """One draw's positions, saliences, capabilities as decide's decimals (§1, §2).

    Each float is read back as the shortest decimal that gives the same float ("0.95",
    "3"), as decide parses its text file; a position is first taken back to the issue's
    units and normalised in decimal, ``(raw − lower) × (100 / (upper − lower))``.

    Returns:
        positions, saliences, capabilities ``[actor][issue]`` and participation (active
        with positive salience).
    """
    n_a, n_i = problem.n_actors, problem.n_issues

    def same(v: float) -> Any:
        return lambda cand: float(cand) == v

    part = [[bool(problem.active[draw, a, i] and problem.salience[draw, a, i] > 0.0)
             for i in range(n_i)] for a in range(n_a)]
    x: list[list[decimal.Decimal]] = [[decimal.Decimal(0)] * n_i for _ in range(n_a)]
    s: list[list[decimal.Decimal]] = [[decimal.Decimal(0)] * n_i for _ in range(n_a)]
    c: list[list[decimal.Decimal]] = [[decimal.Decimal(0)] * n_i for _ in range(n_a)]
    with decimal.localcontext(DECIMAL_CONTEXT):
        for i in range(n_i):
            lo_f, hi_f = float(problem.lower[i]), float(problem.upper[i])
            lo = shortest_decimal(lo_f, same(lo_f))
            hi = shortest_decimal(hi_f, same(hi_f))
            step = decimal.Decimal(100) / (hi - lo)
            for a in range(n_a):
                xv = float(problem.positions[draw, a, i])
                raw = lo_f + xv * (hi_f - lo_f) / 100.0

                def near(cand: decimal.Decimal, xv: float = xv, lo_f: float = lo_f,
                         hi_f: float = hi_f) -> bool:
                    back = (float(cand) - lo_f) * (100.0 / (hi_f - lo_f))
                    return abs(back - xv) <= 4e-15 * max(1.0, abs(xv))

                x[a][i] = (shortest_decimal(raw, near) - lo) * step
                sv = float(problem.salience[draw, a, i])
                cv = float(problem.capability[draw, a, i])
                s[a][i] = shortest_decimal(sv, same(sv))
                c[a][i] = shortest_decimal(cv, same(cv))
    return x, s, c, part


@register
class Exchange(BaseModel):
    """Stokman & Van Oosten's exchange model of voting positions (Equal Gain).

    Actors on opposite sides of the outcome on two issues trade moves so that both
    gain equally; the best exchanges are executed greedily each round and positions
    drift towards the voting positions (specs/exchange.md, specs/models.md §1d).

    Args:
        rounds: number of rounds (decide's ``--iterations``, default 10).
        variant: ``"equal"`` (Equal Gain), ``"rex"`` (Randomised Equal Gain with
            strength ``p``) or ``"random"`` (Random Rate), specs/exchange.md §11.
        p: REX strength in [0, 1]; ``p = 0`` is plain Equal Gain.
        random_ties: break exact gain ties by a coin flip, as decide does by default;
            off (the default) they keep generation order, as in decide's traces.
        seed: seed of the random variants and tie flips (``None``: fresh entropy,
            recorded in ``extra["seed"]``).
        exact: evaluate in 28-digit decimal arithmetic, reproducing decide bit for bit
            (slow: one draw at a time); default float64.
        engine: fast-path engine: ``auto`` (Numba when installed), ``numpy`` or
            ``numba``; both give bit-identical numbers. Ignored with ``exact=True``.
        salience_weight: decide's ``SALIENCE_WEIGHT`` in the drift (§8).
        fixed_weight: decide's ``FIXED_WEIGHT`` in the drift (§8).
        max_exchanges: cap on executed exchanges per round (a round also ends when no
            candidate is left, which always happens: each step removes one).

    ``Solution.extra`` holds ``voting_positions`` (D, T, A, I), ``voting_outcome``
    (D, T, I), ``n_exchanges`` (D, T), ``engine`` and ``seed``.
    """

    name: ClassVar[str] = "exchange"
    title: ClassVar[str] = "Exchange of voting positions (Equal Gain)"
    source: ClassVar[str] = (
        "Stokman & Van Oosten (1994); decide-exchange-model 2025.3.1; specs/exchange.md")
    dynamic: ClassVar[bool] = True

    def __init__(
        self,
        *,
        rounds: int = 10,
        variant: str = "equal",
        p: float = 0.0,
        random_ties: bool = False,
        seed: int | None = None,
        exact: bool = False,
        engine: str = "auto",
        salience_weight: float = 0.4,
        fixed_weight: float = 0.1,
        max_exchanges: int = 10_000,
    ) -> None:
        self.rounds = rounds
        self.variant = variant
        self.p = p
        self.random_ties = random_ties
        self.seed = seed
        self.exact = exact
        self.engine = engine
        self.salience_weight = salience_weight
        self.fixed_weight = fixed_weight
        self.max_exchanges = max_exchanges

    def _check(self) -> None:
        if self.variant not in VARIANTS:
            raise UnknownNameError("exchange variant", str(self.variant), VARIANT_NAMES)
        if self.engine not in ENGINES:
            raise UnknownNameError("exchange engine", str(self.engine), ENGINES)
        if not isinstance(self.rounds, int | np.integer) or self.rounds < 0:
            raise SummitryError(
                f"model 'exchange': rounds must be an integer ≥ 0, found {self.rounds!r}")
        if not 0.0 <= float(self.p) <= 1.0:
            raise SummitryError(f"model 'exchange': p must lie in [0, 1], found {self.p!r}")
        if not int(self.max_exchanges) > 0:
            raise SummitryError(
                f"model 'exchange': max_exchanges must be ≥ 1, found {self.max_exchanges!r}")
        for name in ("salience_weight", "fixed_weight"):
            val = float(getattr(self, name))
            if not 0.0 <= val <= 1.0:
                raise SummitryError(f"model 'exchange': {name} must lie in [0, 1], found {val}")
        if self.engine == "numba" and not self.exact and not _numba_available():
            raise MissingExtraError("the numba engine of the exchange model", "fast")

    def solve(self, problem: Problem) -> Solution:
        """Play the rounds on every draw; see the class docstring."""
        self._check()
        n_d, n_i = problem.n_draws, problem.n_issues
        rounds = int(self.rounds)
        name = "equal" if self.variant == "rex" and float(self.p) == 0.0 else self.variant
        variant = VARIANTS[name]  # REX with p = 0 is plain Equal Gain (§11)
        randomised = variant != 0 or self.random_ties
        seed: int | None = None
        keys: NDArray[np.uint64] = np.zeros(n_d, dtype=np.uint64)
        if randomised:
            ss = np.random.SeedSequence(self.seed)
            seed = int(ss.entropy) if isinstance(ss.entropy, int) else None
            keys = np.asarray(ss.generate_state(max(n_d, 1), dtype=np.uint64)[:n_d],
                              dtype=np.uint64)
        part = problem.active & (problem.salience > 0.0)
        n_a = problem.n_actors
        need = candidate_bound(n_a, n_i) * (2 * n_a + 40) * 8
        if not self.exact and need > _MAX_BYTES:
            raise ModelError(
                f"model 'exchange': {n_a} actors × {n_i} issues allow up to "
                f"{candidate_bound(n_a, n_i):,} candidate exchanges per round, whose tables "
                f"need about {need / 1e9:.1f} GB per draw; split the problem into smaller "
                "groups of issues or actors")
        if self.exact:
            res = self._solve_exact(problem, rounds, keys, name, problem.history_draws)
            engine = "exact"
        else:
            use_numba = self.engine == "numba" or (
                self.engine == "auto" and _numba_available())
            engine = "numba" if use_numba else "numpy"
            kwargs: dict[str, Any] = dict(
                rounds=rounds, variant=variant, p=float(self.p),
                random_ties=bool(self.random_ties), keys=keys,
                salience_weight=float(self.salience_weight),
                fixed_weight=float(self.fixed_weight),
                max_exchanges=int(self.max_exchanges), record=n_d > 0,
                history_draws=problem.history_draws)
            x = np.ascontiguousarray(problem.positions, dtype=np.float64)
            s = np.ascontiguousarray(problem.salience, dtype=np.float64)
            c = np.ascontiguousarray(problem.capability, dtype=np.float64)
            if use_numba:
                from summitry.models._exchange_numba import run_numba

                res = run_numba(x, s, c, part, **kwargs)
            else:
                res = _chunked_numpy(x, s, c, part, kwargs)
        hist = res.starts
        n_h = hist.shape[0]  # problem.history_draws: every draw, or the first (Monte Carlo)
        head = problem if n_h == n_d else problem.take(np.arange(n_h))
        hist_out = np.stack([weighted_mean(head, hist[:, t]) for t in range(rounds + 1)],
                            axis=1) if n_h else np.zeros((0, rounds + 1, n_i))
        vote_out = (np.stack([weighted_mean(head, res.voting[:, t]) for t in range(rounds)],
                             axis=1) if rounds and n_h else np.zeros((n_h, rounds, n_i)))
        outcome = weighted_mean(problem, res.final)  # every draw, whatever history keeps
        events = [[self._event(problem, row, t) for row in ev.tolist()]
                  for t, ev in enumerate(res.events)]
        while len(events) < rounds:
            events.append([])
        return Solution(
            model=self.name,
            params=self.params(),
            outcome=outcome,
            history=hist,
            history_outcome=hist_out,
            n_rounds=np.full(n_d, rounds, dtype=np.int64),
            events=events,
            extra={
                "voting_positions": res.voting,
                "voting_outcome": vote_out,
                "n_exchanges": res.n_exchanges,
                "engine": engine,
                "seed": seed,
            },
        )

    def _solve_exact(self, problem: Problem, rounds: int, keys: NDArray[np.uint64],
                     variant: str, history_draws: int) -> FastResult:
        n_d, n_a, n_i = problem.positions.shape
        starts = np.empty((n_d, rounds + 1, n_a, n_i))
        voting = np.empty((n_d, rounds, n_a, n_i))
        counts = np.zeros((n_d, rounds), dtype=np.int64)
        events: list[FloatArray] = []
        for d in range(n_d):
            x, s, c, part = decimal_inputs(problem, d)
            out = run_scalar(
                decimal.Decimal, x, s, c, part, rounds=rounds, variant=variant,
                p=float(self.p), random_ties=bool(self.random_ties), key=int(keys[d]),
                salience_weight=float(self.salience_weight),
                fixed_weight=float(self.fixed_weight), max_exchanges=int(self.max_exchanges))
            starts[d] = np.array(out.starts)
            voting[d] = np.array(out.voting).reshape(rounds, n_a, n_i)
            counts[d] = out.n_exchanges
            if d == 0:
                events = [
                    np.array([[e["i"]["actor"], e["j"]["actor"], e["j"]["supply_issue"],
                               e["i"]["supply_issue"], e["i"]["x"], e["i"]["y"],
                               e["i"]["move"], e["j"]["x"], e["j"]["y"], e["j"]["move"],
                               e["gain"]] for e in evs], dtype=np.float64).reshape(-1, 11)
                    for evs in out.events]
        # inactive cells keep the Problem's placeholder exactly
        inactive = ~problem.active[:, None]
        starts = np.where(inactive, problem.positions[:, None], starts)
        voting = np.where(inactive, problem.positions[:, None], voting)
        return FastResult(starts[:history_draws], voting[:history_draws], counts,
                          starts[:, -1], events)

    @staticmethod
    def _event(problem: Problem, row: list[float], t: int) -> dict[str, Any]:
        """One executed exchange as decide's trace records it (specs/exchange.md §7)."""
        ia, ja, p, q = int(row[0]), int(row[1]), int(row[2]), int(row[3])
        return {
            "round": t,
            "gain": row[10],
            "i": {"actor": problem.actors[ia], "supply_issue": problem.issues[q],
                  "demand_issue": problem.issues[p], "x": row[4], "y": row[5],
                  "move": row[6]},
            "j": {"actor": problem.actors[ja], "supply_issue": problem.issues[p],
                  "demand_issue": problem.issues[q], "x": row[7], "y": row[8],
                  "move": row[9]},
        }


#: Largest candidate table (bytes per draw) the fast engines will allocate.
_MAX_BYTES = 2_000_000_000

#: Draw chunks of the NumPy engine are sized to keep its tables near this many floats.
_CHUNK_FLOATS = 4_000_000


def _chunked_numpy(x: FloatArray, s: FloatArray, c: FloatArray, part: NDArray[np.bool_],
                   kwargs: dict[str, Any]) -> FastResult:
    n_d, n_a, n_i = x.shape
    per_draw = (n_i * (n_i - 1) // 2) * max(1, n_a * n_a // 4) * (2 * n_a + 48)
    step = max(1, _CHUNK_FLOATS // max(per_draw, 1))
    if n_d <= step:
        return run_numpy(x, s, c, part, **kwargs)
    parts: list[FastResult] = []
    keys = kwargs.pop("keys")
    record = kwargs.pop("record")
    n_hist = kwargs.pop("history_draws")
    for lo in range(0, n_d, step):
        hi = min(n_d, lo + step)
        parts.append(run_numpy(x[lo:hi], s[lo:hi], c[lo:hi], part[lo:hi], keys=keys[lo:hi],
                               record=record and lo == 0,
                               history_draws=min(max(n_hist - lo, 0), hi - lo), **kwargs))
    return FastResult(
        np.concatenate([r.starts for r in parts]),
        np.concatenate([r.voting for r in parts]),
        np.concatenate([r.n_exchanges for r in parts]),
        np.concatenate([r.final for r in parts]),
        parts[0].events,
    )
