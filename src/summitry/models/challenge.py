"""Challenge model: Bueno de Mesquita's expected-utility model of bargaining.

Each actor ``i`` decides whether to challenge each other actor ``j`` on a one-dimensional
issue. The reconstruction followed is Scholz, Calbert & Smith (2011), "Unravelling Bueno
de Mesquita's group decision model", ICAART 2011, pp. 18–30 (equation and page numbers
below are theirs); specs/challenge.md settles the readings. One round (Appendix steps
3–12):

1. **Votes and median** (eqs. 26–29, step 3). With ``w_i = c_i s_i`` the vote of the
   pair ``(j, k)`` is ``v^{jk} = Σ_i 2 w_i (|x_i − x_k| − |x_i − x_j|)/R``; the
   Condorcet winner among actor positions minimises ``Σ_i w_i |x_i − x|``, i.e. it is
   the w-weighted median restricted to actor positions. It is reported, and it is the
   forecast after the last round.
2. **Basic utilities** (eqs. 15, 16, 22–24) for ``d = |x_i − x_j| / R``,
   ``R = x_max − x_min`` and a risk exponent ``r``::

       U_s  = 2 − 4 (0.5 − 0.5 d)^r          U_f = 2 − 4 (0.5 + 0.5 d)^r
       U_b  = 2 − 4 (0.5 − 0.25 e)^r         U_w = 2 − 4 (0.5 + 0.25 e)^r
       U_sq = 2 − 4 (0.5)^r                  e = (|x_i − μ| + |x_i − x_j|) / R

3. **Probability of prevailing** (eq. 31)::

       P^i = Σ_{k: a_k > 0} w_k a_k / Σ_k w_k |a_k|,   a_k = |x_k − x_j| − |x_k − x_i|

   (0.5 when the denominator vanishes). Computed without an ``A × A × A`` sign test:
   ``Σ_k w_k a_k = C_j − C_i`` with ``C_j = Σ_k w_k |x_k − x_j|`` (the Condorcet cost
   of step 1) and ``|a_k| = min(|x_i + x_j − 2 x_k|, |x_i − x_j|)``.
4. **Expected utility of i challenging j** (eqs. 5–7, 25a)::

       E^i(U_ij) = s_j [P U_s + (1 − P) U_f] + (1 − s_j) U_s
                   − Q U_sq − (1 − Q) [T U_b + (1 − T) U_w]

   with ``T = 1`` iff ``|x_i − μ| < |x_i − x_j|`` (p. 22). ``E = 0`` when
   ``x_i = x_j``.
5. **Risk** (eqs. 32–34, steps 8–10). A first pass with every ``r = 1`` gives the
   security ``Sec_i = Σ_{j≠i} E^j(U_ji)`` (the adversaries' EU of challenging ``i``,
   p. 24), ``R_i = (2 Sec_i − max Sec − min Sec)/(max Sec − min Sec)`` and
   ``r_i = (1 − R_i/3)/(1 + R_i/3) ∈ [0.5, 2]``; the second pass recomputes every EU
   with these ``r``. Risk starts again from ``r = 1`` every round.
6. **Octants** (Fig. 6, p. 25) of ``(a, b)`` = (i's EU of challenging j, j's EU of
   challenging i): conflict (``a, b > 0``: the lower side moves to the other, or nobody
   moves), compromise (the loser moves part way, eqs. 35/36), compel (the loser moves
   all the way), stalemate (``a, b < 0``: nobody moves). Exact ties never move.
7. **Offers** (§6.2, p. 26). Each view of a pair makes at most one offer (a new position
   for one actor); every actor accepts one of its offers; all moves apply at once.

Readings (specs/challenge.md §2): **L** (default) takes eq. 31 literally and lets every
actor use its own exponent; **S** sets ``P ≡ 0`` and evaluates both EUs of a dyad with
the viewer's exponent, which is what Scholz's Figs. 7–9 show. Every ambiguity is a
constructor option; see :class:`Challenge` and docs/models/challenge.md.

>>> from summitry.problem import Problem
>>> p = Problem.from_arrays(
...     positions=[[4.0], [7.0], [10.0], [10.0]], salience=[[0.8], [0.4], [0.6], [0.9]],
...     capability=[0.16, 0.08, 0.16, 0.16], lower=[4.0], upper=[10.0],
...     actors=("DE", "BE", "FR", "UK"))
>>> sol = Challenge(rounds=3).solve(p)
>>> p.to_user(sol.extra["median"][0]).round(3).ravel().tolist()
[10.0, 8.589, 8.589, 8.589]
>>> [(e["actor"], e["partner"], e["kind"]) for e in sol.events[1]]
[('UK', 'DE', 'compromise')]
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Final

import numpy as np
from numpy.typing import NDArray

from summitry.errors import MissingExtraError, SummitryError, UnknownNameError
from summitry.models._numba import available as _numba_available
from summitry.models.base import BaseModel, Solution, register
from summitry.problem import Problem

__all__ = [
    "CHOICES",
    "ENGINES",
    "Challenge",
    "READINGS",
    "expected_utilities",
    "prevail_probability",
    "risk_exponents",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Tolerance of every tie test: EUs (order 1), positions (0–100) and, relative to the
#: total weight, Condorcet costs. Exact ties in the model (``a = b``, ``|a| = |b|``, a
#: zero EU, equal offers, two Condorcet winners) are decided with it, so that rounding
#: noise — a permuted summation order, a rescaled issue — cannot flip a decision.
EPS: Final = 1e-9

#: What the readings L and S set for the options left at ``None``
#: (specs/challenge.md §3: L = row L1, S = row S1).
READINGS: Final[dict[str, dict[str, str]]] = {
    "L": {
        "p_mode": "eq31",
        "perception": "own_r",
        "conflict": "no_move",
        "offer_rule": "max_proposer_eu",
    },
    "S": {
        "p_mode": "zero",
        "perception": "viewer_r",
        "conflict": "move",
        "offer_rule": "least_move",
    },
}

#: The allowed values of every string option.
CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "reading": ("L", "S"),
    "p_mode": ("eq31", "zero"),
    "perception": ("own_r", "viewer_r"),
    "conflict": ("move", "no_move"),
    "offer_rule": ("least_move", "max_proposer_eu", "category_then_least"),
    "salience_of": ("responder", "challenger"),
    "security": ("adversary", "own_row"),
    "octants": ("figure", "text"),
    "range_mode": ("current", "fixed"),
    "stop": ("fixed", "median_shift"),
}

#: Where the rounds are computed (not a setting of the model: both give the same bits).
ENGINES: Final = ("auto", "numpy", "numba")

#: rows × actors³ × rounds from which ``engine="auto"`` imports Numba when it is not yet
#: imported: importing it and loading the cached kernel takes ~0.3 s, about what the NumPy
#: path needs for this much work (bench/bench_challenge.py).
_NUMBA_MIN_WORK: Final = 20_000_000

#: Budget of float64 elements for the largest temporary, ``(rows, A, A, A)``; the batch
#: is processed in chunks of draws that keep under it.
_CHUNK_ELEMENTS: Final = 1 << 19

#: Offer kinds, in the order of the codes stored for events.
_KINDS: Final = ("confrontation", "compromise", "compel")


@dataclass(frozen=True)
class _Options:
    """The resolved, validated settings of one solve."""

    rounds: int
    reading: str
    p_mode: str
    perception: str
    conflict: str
    offer_rule: str
    salience_of: str
    security: str
    octants: str
    range_mode: str
    q: float
    risk: bool
    stop: str
    tol: float


# --------------------------------------------------------------------------------------
# building blocks (vectorised over a leading batch axis of rows)
# --------------------------------------------------------------------------------------


def _range(x: FloatArray, act: BoolArray) -> FloatArray:
    """``x_max − x_min`` over active actors per row; 0 where fewer than two differ."""
    hi = np.where(act, x, -np.inf).max(axis=-1)
    lo = np.where(act, x, np.inf).min(axis=-1)
    return np.where(act.any(axis=-1), hi - lo, 0.0)


def _cost(w: FloatArray, ad: FloatArray) -> FloatArray:
    """Condorcet cost ``C_j = Σ_k w_k |x_k − x_j|`` per row, ``(B, A)``.

    Summed over ``k`` in index order (a reduction over a middle axis), which the Numba
    kernel repeats exactly.
    """
    out: FloatArray = (w[:, :, None] * ad).sum(axis=1)
    return out


def _median(
    x: FloatArray, act: BoolArray, cost: FloatArray, total: FloatArray, fallback: FloatArray
) -> FloatArray:
    """The Condorcet winner among active positions (midpoint of tied winners)."""
    c = np.where(act, cost, np.inf)
    best = c.min(axis=-1, keepdims=True)
    tie = act & (c <= best + EPS * total[:, None])
    lo = np.where(tie, x, np.inf).min(axis=-1)
    hi = np.where(tie, x, -np.inf).max(axis=-1)
    has = tie.any(axis=-1)
    return np.where(has, 0.5 * (np.where(has, lo, 0.0) + np.where(has, hi, 0.0)), fallback)


def _mean(
    x: FloatArray, act: BoolArray, w: FloatArray, total: FloatArray, fallback: FloatArray
) -> FloatArray:
    """c·s weighted mean of active positions; plain mean if the weights sum to 0."""
    n = act.sum(axis=-1)
    plain = np.where(act, x, 0.0).sum(axis=-1) / np.maximum(n, 1)
    wmean = (w * x).sum(axis=-1) / np.where(total > 0, total, 1.0)
    return np.where(total > 0, wmean, np.where(n > 0, plain, fallback))


def _prevail(
    x: FloatArray, w: FloatArray, ad: FloatArray, cost: FloatArray, total: FloatArray
) -> FloatArray:
    """Eq. 31: ``P[b, i, j]`` = probability that i prevails over j, ``(B, A, A)``.

    ``Σ_k w_k |a_k|`` is symmetric in (i, j): it is computed for ``i < j`` only (a
    last-axis sum, in NumPy's pairwise order, which the Numba kernel repeats);
    ``Σ_k w_k a_k = C_j − C_i`` needs no ``A³`` work at all.
    """
    n_b, n = x.shape
    iu, ju = np.triu_indices(n, 1)
    t = (x[:, iu] + x[:, ju])[..., None] - 2.0 * x[:, None, :]
    np.abs(t, out=t)
    np.minimum(t, ad[:, iu, ju][..., None], out=t)
    t *= w[:, None, :]
    half = t.sum(axis=-1)
    den = np.zeros((n_b, n, n))
    den[:, iu, ju] = half
    den[:, ju, iu] = half
    num = 0.5 * (den + cost[:, None, :] - cost[:, :, None])
    ok = den > EPS * total[:, None, None] * ad
    p = np.where(ok, num / np.where(ok, den, 1.0), 0.5)
    return np.clip(p, 0.0, 1.0)


_Basic = tuple[FloatArray, FloatArray, FloatArray | float]


def _basic(d: FloatArray, r: FloatArray | None) -> _Basic:
    """Eqs. 15, 16, 24: ``(U_s, U_f, U_sq)`` of the row actor, exponent ``r`` per row.

    ``r = None`` means every ``r = 1`` (no powers taken). ``d`` is symmetric, so the
    transposes give the utilities with the column actor's exponent. ``np.float_power``
    is the C library's ``pow`` (``np.power`` may use a SIMD version that differs in the
    last bit), the function the Numba kernel calls: both paths give the same bits.
    """
    if r is None:
        us = 2.0 * d
        return us, -us, 0.0
    us = 2.0 - 4.0 * np.float_power(np.maximum(0.5 - 0.5 * d, 0.0), r)
    uf = 2.0 - 4.0 * np.float_power(0.5 + 0.5 * d, r)
    usq: FloatArray = 2.0 - 4.0 * np.float_power(0.5, r)
    return us, uf, usq


def _transposed(basic: _Basic) -> _Basic:
    us, uf, usq = basic
    usq_t = usq if isinstance(usq, float) else usq.transpose(0, 2, 1)
    return us.transpose(0, 2, 1), uf.transpose(0, 2, 1), usq_t


def _eu(
    basic: _Basic,
    p: FloatArray | None,
    s_lead: FloatArray,
    q: float,
    r: FloatArray | None,
    e: FloatArray | None,
    t_better: BoolArray | None,
) -> FloatArray:
    """Eqs. 5–7/25a: EU of the row actor challenging the column actor, ``(B, A, A)``.

    Args:
        basic: ``(U_s, U_f, U_sq)`` from :func:`_basic`.
        p: probability that the row actor prevails (``None``: ``P ≡ 0``).
        s_lead: the salience that leads eq. 6 (responder's or challenger's).
        q: probability of the status quo.
        r: the exponents ``basic`` was computed with (``None``: all 1); for ``q < 1``.
        e: ``(|x_i − μ| + |x_i − x_j|) / R`` (only for ``q < 1``).
        t_better: ``T`` of p. 22 (only for ``q < 1``).
    """
    us, uf, usq = basic
    loss = s_lead * (us - uf) if p is None else s_lead * (1.0 - p) * (us - uf)
    out: FloatArray = us - loss
    if q == 1.0:
        return out - usq
    assert e is not None and t_better is not None
    if r is None:
        ub, uw = e, -e
    else:
        ub = 2.0 - 4.0 * np.float_power(np.maximum(0.5 - 0.25 * e, 0.0), r)
        uw = 2.0 - 4.0 * np.float_power(0.5 + 0.25 * e, r)
    return out - q * usq - (1.0 - q) * np.where(t_better, ub, uw)


def _risk(sec: FloatArray, act: BoolArray) -> FloatArray:
    """Eqs. 32–34: risk exponents from security, ``(B, A)``; 1 where undefined."""
    hi = np.where(act, sec, -np.inf).max(axis=-1, keepdims=True)
    lo = np.where(act, sec, np.inf).min(axis=-1, keepdims=True)
    span = hi - lo
    ok = act.any(axis=-1, keepdims=True) & (span > EPS)
    hi = np.where(ok, hi, 0.0)
    lo = np.where(ok, lo, 0.0)
    rr = np.where(ok, (2.0 * sec - hi - lo) / np.where(ok, span, 1.0), 0.0)
    rr = np.clip(rr, -1.0, 1.0)
    return np.where(act, (1.0 - rr / 3.0) / (1.0 + rr / 3.0), 1.0)


def _select(
    keys: list[tuple[FloatArray, float]], ok: BoolArray, target: FloatArray
) -> tuple[BoolArray, IntArray]:
    """Pick one offer per mover.

    Lexicographic ``keys`` (each minimised, with its tie tolerance), then the lowest
    target. Returns (the mover has an offer, index of the chosen offer).
    """
    for key, tol in keys:
        k = np.where(ok, key, np.inf)
        best = k.min(axis=-1, keepdims=True)
        ok = ok & (k <= best + tol)
    idx: IntArray = np.where(ok, target, np.inf).argmin(axis=-1).astype(np.int64)
    has: BoolArray = np.asarray(ok.any(axis=-1))
    return has, idx


def _offers(
    al: FloatArray, be: FloatArray, side: str, opt: _Options, kinds: bool
) -> tuple[BoolArray, FloatArray, FloatArray, BoolArray, NDArray[np.int8] | None]:
    """The octant rules of Fig. 6 for one block of offers to movers (rows).

    Args:
        al: the proposing view's own EU ``a`` per (mover, partner).
        be: the proposing view's estimate of the other side's EU ``b``.
        side: ``"plus"`` (the view of the partner: the opponent moves),
            ``"minus"`` (the mover's own view: the viewer moves) or ``"minus_text"``
            (only the compromise of eq. 36 as printed, for ``octants="text"``).
        opt: the settings.
        kinds: also return the event kind codes (0 confrontation, 1 compromise, 2 compel).

    Returns:
        (an offer exists, fraction of the way to the partner for a compromise, the
        proposer's EU, the offer is a compromise, event kind code or ``None``).
    """
    ap, an = al > EPS, al < -EPS
    bp, bn = be > EPS, be < -EPS
    a_abs, b_abs = np.abs(al), np.abs(be)
    conflict = opt.conflict == "move"
    if side == "plus":
        cf = ap & bp & (al - be > EPS) & conflict
        cp = ap & bn & (a_abs - b_abs > EPS)
        cl = ap & bn & (b_abs - a_abs > EPS)
        ratio = b_abs / np.where(cp, a_abs, 1.0)
        peu = al
    else:
        if opt.octants == "figure":
            cp = an & bp & (b_abs - a_abs > EPS)
        else:  # eq. 36's condition as printed: E^j < 0
            cp = an & bn & (b_abs - a_abs > EPS)
        if side == "minus":
            cf = ap & bp & (be - al > EPS) & conflict
            cl = an & bp & (a_abs - b_abs > EPS)
        else:
            cf = cl = np.zeros_like(cp)
        ratio = a_abs / np.where(cp, b_abs, 1.0)
        peu = be
    kind = np.where(cp, 1, np.where(cf, 0, 2)).astype(np.int8) if kinds else None
    return cf | cp | cl, ratio, peu, cp, kind


# --------------------------------------------------------------------------------------
# the round loop
# --------------------------------------------------------------------------------------


@dataclass
class _Run:
    """Arrays of one chunk of rows after the loop."""

    history: FloatArray  # (B, T, A)
    median: FloatArray  # (B, T)
    mean: FloatArray  # (B, T)
    risk: FloatArray  # (B, T, A)
    n_rounds: IntArray  # (B,)
    events: list[list[tuple[int, int, int, int, float, float]]]  # per round, draw-0 rows


def _simulate(
    x0: FloatArray,
    w: FloatArray,
    s: FloatArray,
    act: BoolArray,
    fallback: FloatArray,
    opt: _Options,
    event_rows: int,
) -> _Run:
    """Play the rounds on rows ``(B, A)``; record events for the first ``event_rows``."""
    b_rows, n = x0.shape
    t_max = opt.rounds
    eye = np.eye(n, dtype=bool)
    pair = act[:, :, None] & act[:, None, :] & ~eye
    total = w.sum(axis=-1)
    r0 = _range(x0, act)
    viewer = opt.perception == "viewer_r"
    s_lead = s[:, None, :] if opt.salience_of == "responder" else s[:, :, None]

    hist = np.empty((b_rows, t_max + 1, n))
    med = np.empty((b_rows, t_max + 1))
    mean = np.empty((b_rows, t_max + 1))
    risk = np.ones((b_rows, t_max + 1, n))
    n_rounds = np.zeros(b_rows, dtype=np.int64)
    alive = np.ones(b_rows, dtype=bool)
    events: list[list[tuple[int, int, int, int, float, float]]] = [[]]

    x = x0.copy()
    ad = np.abs(x[:, None, :] - x[:, :, None])
    cost = _cost(w, ad)
    mu = _median(x, act, cost, total, fallback)
    hist[:, 0] = x
    med[:, 0] = mu
    mean[:, 0] = _mean(x, act, w, total, fallback)
    t_done = t_max
    for t in range(1, t_max + 1):
        dx = x[:, None, :] - x[:, :, None]  # dx[b, i, j] = x_j − x_i
        big_r = r0 if opt.range_mode == "fixed" else _range(x, act)
        rs = np.where(big_r > 0, big_r, 1.0)[:, None, None]
        d = ad / rs
        valid = pair & (ad > EPS)
        p = _prevail(x, w, ad, cost, total) if opt.p_mode == "eq31" else None
        e: FloatArray | None = None
        tb: BoolArray | None = None
        if opt.q != 1.0:
            dmu = np.abs(x - mu[:, None])[:, :, None]
            e = (dmu + ad) / rs
            tb = ad - dmu > EPS

        e1 = np.where(valid, _eu(_basic(d, None), p, s_lead, opt.q, None, e, tb), 0.0)
        if opt.risk:
            sec = e1.sum(axis=1) if opt.security == "adversary" else e1.sum(axis=2)
            r = _risk(sec, act)
            basic = _basic(d, r[:, :, None])
            a2 = np.where(valid, _eu(basic, p, s_lead, opt.q, r[:, :, None], e, tb), 0.0)
            if viewer:
                # E(c → t) with the responder t's exponent: the transposed utilities
                b2t = _eu(_transposed(basic), p, s_lead, opt.q, r[:, None, :], e, tb)
                b2 = np.where(valid, b2t, 0.0).transpose(0, 2, 1)
            else:
                b2 = a2.transpose(0, 2, 1)
        else:
            r = np.ones_like(x)
            a2 = e1
            b2 = e1.transpose(0, 2, 1)

        # Offers to mover k (rows) from partner m (columns). "Plus": the partner's view
        # (alpha = m's EU of challenging k, beta = m's estimate of k's EU) moves k;
        # "minus": k's own view (alpha = k's EU, beta = k's estimate of m's EU) moves k.
        # Under own_r the minus offers of Fig. 6 duplicate the partner's plus offers.
        rec = event_rows > 0
        blocks = [_offers(a2.transpose(0, 2, 1), b2.transpose(0, 2, 1), "plus", opt, rec)]
        if viewer or opt.octants == "text":
            side = "minus" if viewer else "minus_text"
            blocks.append(_offers(a2, b2, side, opt, rec))
        ok = np.concatenate([valid & blk[0] for blk in blocks], axis=-1)
        ratio = np.concatenate([blk[1] for blk in blocks], axis=-1)
        peu = np.concatenate([blk[2] for blk in blocks], axis=-1)
        partial = np.concatenate([blk[3] for blk in blocks], axis=-1)
        nb = len(blocks)
        x_m = np.broadcast_to(np.concatenate([x] * nb, axis=-1)[:, None, :], ratio.shape)
        tgt = np.where(partial, x[:, :, None] + np.concatenate([dx] * nb, axis=-1) * ratio, x_m)
        move = np.abs(tgt - x[:, :, None])
        keys: list[tuple[FloatArray, float]]
        if opt.offer_rule == "least_move":
            keys = [(move, EPS), (-peu, EPS)]
        elif opt.offer_rule == "max_proposer_eu":
            keys = [(-peu, EPS), (move, EPS)]
        else:
            keys = [(np.where(partial, 0.0, 1.0), 0.5), (move, EPS), (-peu, EPS)]
        has, idx = _select(keys, ok, tgt)
        chosen = np.take_along_axis(tgt, idx[:, :, None], axis=-1)[:, :, 0]
        x_new = np.where(has & alive[:, None], chosen, x)

        if event_rows:
            kinds = np.concatenate([blk[4] for blk in blocks if blk[4] is not None], axis=-1)
            evs = []
            for row in range(min(event_rows, b_rows)):
                if not alive[row]:
                    continue
                for k in np.flatnonzero(has[row]):
                    j = int(idx[row, k])
                    evs.append(
                        (
                            row, int(k), j % n, int(kinds[row, k, j]),
                            float(x[row, k]), float(x_new[row, k]),
                        )
                    )
            events.append(evs)

        x = x_new
        ad = np.abs(x[:, None, :] - x[:, :, None])
        cost = _cost(w, ad)
        mu_new = _median(x, act, cost, total, fallback)
        hist[:, t] = x
        med[:, t] = np.where(alive, mu_new, med[:, t - 1])
        mean[:, t] = _mean(x, act, w, total, fallback)
        risk[:, t] = np.where(alive[:, None], r, risk[:, t - 1])
        n_rounds += alive
        if opt.stop == "median_shift":
            alive &= np.abs(mu_new - mu) > opt.tol + EPS
        mu = mu_new
        if not alive.any():
            t_done = t
            break
    if t_done < t_max:
        hist[:, t_done + 1 :] = hist[:, t_done : t_done + 1]
        med[:, t_done + 1 :] = med[:, t_done : t_done + 1]
        mean[:, t_done + 1 :] = mean[:, t_done : t_done + 1]
        risk[:, t_done + 1 :] = risk[:, t_done : t_done + 1]
    return _Run(hist, med, mean, risk, n_rounds, events)


_Events = list[list[tuple[int, int, int, int, float, float]]]
#: history, median, mean, risk (the first ``H`` draws), final median ``(D, I)``,
#: n_rounds per row, events of draw 0
_Result = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, IntArray, _Events]


def _simulate_numpy(
    x: FloatArray,
    w: FloatArray,
    s: FloatArray,
    act: BoolArray,
    fallback: FloatArray,
    opt: _Options,
    n_d: int,
    n_i: int,
    per_draw: int,
    n_hist: int,
) -> _Result:
    """:func:`_simulate` over chunks of draws that keep the temporaries small.

    Returns ``history (H, T, A, I)``, ``median``, ``mean`` ``(H, T, I)``, ``risk``
    ``(H, T, A, I)`` of the first ``H = n_hist`` draws, the final median ``(D, I)``,
    ``n_rounds`` per row ``(D·I,)`` and the events of draw 0.
    """
    n_a = x.shape[1]
    step = max(1, _CHUNK_ELEMENTS // max(per_draw, 1))
    parts: list[_Run] = []
    for start in range(0, n_d, step):
        lo, hi = start * n_i, min(n_d, start + step) * n_i
        parts.append(
            _simulate(
                x[lo:hi], w[lo:hi], s[lo:hi], act[lo:hi], fallback[lo:hi], opt,
                event_rows=n_i if start == 0 else 0,
            )
        )

    def head(name: str) -> FloatArray:
        """The rows of the first ``n_hist`` draws (in the first parts only)."""
        arrs = [getattr(p, name) for p in parts[: -(-n_hist // step)]]
        out: FloatArray = arrs[0] if len(arrs) == 1 else np.concatenate(arrs)
        return out[: n_hist * n_i]

    t = opt.rounds + 1
    hist = head("history").reshape(n_hist, n_i, t, n_a).transpose(0, 2, 3, 1)
    med = head("median").reshape(n_hist, n_i, t).transpose(0, 2, 1)
    mean = head("mean").reshape(n_hist, n_i, t).transpose(0, 2, 1)
    risk = head("risk").reshape(n_hist, n_i, t, n_a).transpose(0, 2, 3, 1)
    final = np.concatenate([p.median[:, -1] for p in parts]).reshape(n_d, n_i)
    n_rounds: IntArray = np.concatenate([p.n_rounds for p in parts])
    return hist, med, mean, risk, final, n_rounds, parts[0].events


def _simulate_numba(
    x: FloatArray,
    w: FloatArray,
    s: FloatArray,
    act: BoolArray,
    fallback: FloatArray,
    opt: _Options,
    n_i: int,
    n_hist: int,
) -> _Result:
    """:func:`_simulate_numpy` on the Numba kernel (:mod:`._challenge_numba`): same bits."""
    from summitry.models import _challenge_numba

    hist, med, mean, risk, final, n_rounds, ev_has, ev_idx, ev_kind = (
        _challenge_numba.simulate(x, w, s, act, fallback, opt, n_i, n_hist)
    )
    n = x.shape[1]
    events: _Events = [[]]
    for t in range(1, opt.rounds + 1):
        evs = []
        for row, k in zip(*np.nonzero(ev_has[:, t]), strict=True):
            j = int(ev_idx[row, t, k])
            evs.append((int(row), int(k), j % n, int(ev_kind[row, t, k]),
                        float(hist[0, t - 1, k, row]), float(hist[0, t, k, row])))
        events.append(evs)
    return hist, med, mean, risk, final, n_rounds, events


# --------------------------------------------------------------------------------------
# public helpers (single formulas, for checks and for users who want the numbers)
# --------------------------------------------------------------------------------------


def _rows(a: NDArray[Any]) -> NDArray[Any]:
    arr = np.asarray(a, dtype=np.float64)
    return arr.reshape(-1, arr.shape[-1])


def prevail_probability(positions: FloatArray, weights: FloatArray) -> FloatArray:
    """Eq. 31: ``P[..., i, j]``, the probability that actor i prevails over actor j.

    Args:
        positions: ``(..., A)`` positions.
        weights: ``(..., A)`` weights ``c_k s_k`` (zero for actors that take no part).

    Returns:
        ``(..., A, A)``; 0.5 where nobody prefers either (e.g. ``x_i = x_j``).
    """
    x = _rows(positions)
    w = _rows(weights)
    ad = np.abs(x[:, None, :] - x[:, :, None])
    out = _prevail(x, w, ad, _cost(w, ad), w.sum(axis=-1))
    return out.reshape(*np.shape(positions), x.shape[-1])


def expected_utilities(
    positions: FloatArray,
    salience: FloatArray,
    weights: FloatArray,
    r: FloatArray | None = None,
    *,
    p_mode: str = "eq31",
    salience_of: str = "responder",
) -> FloatArray:
    """``E[..., i, j] = E^i(U_ij)`` (eqs. 5–7, 25a with ``Q = 1``), ``R`` = current range.

    Args:
        positions: ``(..., A)``.
        salience: ``(..., A)`` in [0, 1] (used as a probability).
        weights: ``(..., A)`` weights ``c s`` for eq. 31.
        r: ``(..., A)`` risk exponents of the challengers (``None``: all 1).
        p_mode: ``"eq31"`` or ``"zero"`` (reading S).
        salience_of: ``"responder"`` (eq. 6) or ``"challenger"``.

    Returns:
        ``(..., A, A)``, zero on the diagonal and between actors at one position.
    """
    x = _rows(positions)
    s = _rows(salience)
    w = _rows(weights)
    act = np.ones(x.shape, dtype=bool)
    ad = np.abs(x[:, None, :] - x[:, :, None])
    big_r = _range(x, act)
    d = ad / np.where(big_r > 0, big_r, 1.0)[:, None, None]
    p = _prevail(x, w, ad, _cost(w, ad), w.sum(axis=-1)) if p_mode == "eq31" else None
    lead = s[:, None, :] if salience_of == "responder" else s[:, :, None]
    rr = None if r is None else _rows(r)[:, :, None]
    out = np.where(ad > EPS, _eu(_basic(d, rr), p, lead, 1.0, rr, None, None), 0.0)
    return out.reshape(*np.shape(positions), x.shape[-1])


def risk_exponents(eu: FloatArray, *, security: str = "adversary") -> FloatArray:
    """Eqs. 32–34: risk exponents ``(..., A)`` from first-pass EUs ``(..., A, A)``.

    Args:
        eu: ``E[..., i, j]`` = EU of i challenging j (diagonal ignored).
        security: ``"adversary"`` (``Sec_i = Σ_j E[j, i]``, p. 24) or ``"own_row"``
            (``Sec_i = Σ_j E[i, j]``, the appendix's superscript).
    """
    e = np.asarray(eu, dtype=np.float64)
    n = e.shape[-1]
    e = np.where(np.eye(n, dtype=bool), 0.0, e).reshape(-1, n, n)
    sec = e.sum(axis=1) if security == "adversary" else e.sum(axis=2)
    out = _risk(sec, np.ones(sec.shape, dtype=bool))
    return out.reshape(np.shape(eu)[:-1])


# --------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------


@register
class Challenge(BaseModel):
    """Bueno de Mesquita's expected-utility (challenge) model, after Scholz et al. (2011).

    Actors challenge one another, compromise or give in according to their expected
    utilities; the forecast is the weighted median (Condorcet winner) after the last
    round. One-dimensional: each issue is solved on its own (issues are folded into the
    batch axis with the draws).

    Args:
        rounds: rounds to play (``stop="fixed"``; Scholz's Table 2 has 8), or the hard
            cap on rounds (``stop="median_shift"``).
        reading: ``"L"`` (eq. 31 literally; the default) or ``"S"`` (``P ≡ 0`` with the
            viewer's exponent, matched to Scholz's Figs. 7–9). Sets the four options
            below that are left at ``None``.
        p_mode: ``"eq31"`` (L) or ``"zero"`` (S): the probability of prevailing.
        perception: ``"own_r"`` (L: each actor's EU with its own exponent, BDM 1985 as
            quoted p. 23) or ``"viewer_r"`` (S: both EUs of a dyad with the viewer's).
        conflict: ambiguity A4. ``"no_move"`` (L) or ``"move"`` (S: in a conflict the
            side with the lower EU moves to the other, Fig. 6 "Confrontation").
        offer_rule: ``"max_proposer_eu"`` (L: the offer of the proposer with the highest
            EU, ties by least movement), ``"least_move"`` (S: least movement, ties by the
            proposer's EU) or ``"category_then_least"`` (compromises before full moves,
            then least movement).
        salience_of: ambiguity A1, the salience leading eq. 6: ``"responder"`` (s_j,
            the paper's) or ``"challenger"``.
        security: ambiguity A2: ``"adversary"`` (``Sec_i = Σ_j E^j(U_ji)``, the prose
            of p. 24) or ``"own_row"`` (``Σ_j E^i(U_ij)``, the appendix's superscript).
        octants: ambiguity A3: ``"figure"`` (Fig. 6) or ``"text"`` (eq. 36's condition
            as printed, ``E^j < 0``).
        range_mode: ``"current"`` (R = range of the current active positions) or
            ``"fixed"`` (R of round 0).
        q: probability of the status quo ``Q`` (eq. 25a); 1.0 as in Scholz (p. 27).
        risk: compute risk exponents (eqs. 32–34); ``False`` keeps every ``r = 1``.
        stop: ``"fixed"`` (play ``rounds``) or ``"median_shift"`` (BDM 2002: stop
            once the median moves by at most ``tol`` in a round; ``rounds`` caps it).
        tol: the median-shift tolerance on the 0–100 scale.
        engine: ``"numba"`` (the compiled kernel of :mod:`._challenge_numba`, extra
            ``summitry[fast]``; ~100× faster), ``"numpy"`` (the vectorised NumPy path) or
            ``"auto"`` (Numba when it is installed and already imported, or when the batch
            is large enough to repay importing it). Both give the same bits.

    ``Solution.extra`` holds ``median`` and ``mean`` per round ``(D, T, I)``, ``risk``
    (the exponents each round used, ``(D, T, A, I)``, 1 at round 0) and ``options``
    (the resolved settings). ``events`` lists the accepted moves of draw 0 per round.
    With ``problem.meta["history"] = "first"`` (Monte Carlo chunks) ``history``,
    ``history_outcome`` and the per-round ``extra`` arrays hold draw 0 only (leading axis
    1); ``outcome`` and ``n_rounds`` keep every draw.
    """

    name: ClassVar[str] = "challenge"
    title: ClassVar[str] = "Challenge (Bueno de Mesquita expected utility)"
    source: ClassVar[str] = (
        "Scholz, Calbert & Smith (2011), ICAART pp. 18–30; Bueno de Mesquita (1994); "
        "specs/challenge.md"
    )
    dynamic: ClassVar[bool] = True

    def __init__(
        self,
        *,
        rounds: int = 8,
        reading: str = "L",
        p_mode: str | None = None,
        perception: str | None = None,
        conflict: str | None = None,
        offer_rule: str | None = None,
        salience_of: str = "responder",
        security: str = "adversary",
        octants: str = "figure",
        range_mode: str = "current",
        q: float = 1.0,
        risk: bool = True,
        stop: str = "fixed",
        tol: float = 1.0,
        engine: str = "auto",
    ) -> None:
        self.rounds = rounds
        self.reading = reading
        self.p_mode = p_mode
        self.perception = perception
        self.conflict = conflict
        self.offer_rule = offer_rule
        self.salience_of = salience_of
        self.security = security
        self.octants = octants
        self.range_mode = range_mode
        self.q = q
        self.risk = risk
        self.stop = stop
        self.tol = tol
        self.engine = engine

    def options(self) -> dict[str, Any]:
        """The settings with the reading applied, validated.

        Raises:
            UnknownNameError: an option value that does not exist.
            SummitryError: a number out of range.
        """
        return asdict(self._options())

    def _options(self) -> _Options:
        reading = self._choice("reading", self.reading)
        preset = READINGS[reading]
        values: dict[str, Any] = {"reading": reading}
        for key in CHOICES:
            if key == "reading":
                continue
            given = getattr(self, key)
            values[key] = self._choice(key, preset[key] if given is None else given)
        rounds = self.rounds
        if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 0:
            raise SummitryError(
                f"model 'challenge': rounds must be a whole number ≥ 0, found {rounds!r}"
            )
        q = float(self.q)
        if not 0.0 <= q <= 1.0:
            raise SummitryError(f"model 'challenge': q must lie in [0, 1], found {self.q!r}")
        tol = float(self.tol)
        if not (np.isfinite(tol) and tol >= 0.0):
            raise SummitryError(f"model 'challenge': tol must be ≥ 0, found {self.tol!r}")
        return _Options(
            rounds=int(rounds), q=q, risk=bool(self.risk), tol=tol, **values
        )

    def _use_numba(self, work: int) -> bool:
        """Whether this solve runs the Numba kernel (see ``engine``).

        Raises:
            UnknownNameError: an unknown engine.
            MissingExtraError: ``engine="numba"`` without numba installed.
        """
        engine = self.engine
        if not isinstance(engine, str) or engine not in ENGINES:
            raise UnknownNameError("value of challenge option 'engine'", str(engine), ENGINES)
        if engine == "numpy":
            return False
        if engine == "numba":
            if not _numba_available():
                raise MissingExtraError("the numba engine of the challenge model", "fast")
            return True
        if sys.modules.get("numba") is not None:
            return True
        return work >= _NUMBA_MIN_WORK and _numba_available()

    @staticmethod
    def _choice(key: str, value: object) -> str:
        if not isinstance(value, str) or value not in CHOICES[key]:
            raise UnknownNameError(f"value of challenge option {key!r}", str(value), CHOICES[key])
        return value

    def solve(self, problem: Problem) -> Solution:
        """Play the rounds on every draw and issue; see the class docstring."""
        opt = self._options()
        n_d, n_a, n_i = problem.positions.shape

        def rows(arr: NDArray[Any]) -> NDArray[Any]:
            return np.ascontiguousarray(arr.transpose(0, 2, 1)).reshape(n_d * n_i, n_a)

        act = rows(problem.active)
        x = rows(problem.positions)
        s = np.where(act, rows(problem.salience), 0.0)
        w = rows(problem.weights)
        sq = problem.status_quo.reshape(n_d * n_i)
        fallback = np.where(np.isfinite(sq), sq, 50.0)

        per_draw = n_i * max(n_a, 1) ** 3
        n_hist = problem.history_draws
        if self._use_numba(n_d * per_draw * max(opt.rounds, 1)):
            # the kernel writes the (D, T, A, I) layout of the Solution directly
            hist, med, mean, risk, final, n_rounds_rows, first_events = _simulate_numba(
                x, w, s, act, fallback, opt, n_i, n_hist
            )
        else:
            hist, med, mean, risk, final, n_rounds_rows, first_events = _simulate_numpy(
                x, w, s, act, fallback, opt, n_d, n_i, per_draw, n_hist
            )
        t = hist.shape[1]
        if opt.stop == "median_shift":
            t = int(n_rounds_rows.max(initial=0)) + 1
            hist, med, mean, risk = (arr[:, :t] for arr in (hist, med, mean, risk))
        n_rounds = n_rounds_rows.reshape(n_d, n_i).max(axis=1)

        events: list[list[dict[str, Any]]] = []
        for t_idx, evs in enumerate(first_events[:t]):
            events.append(
                [
                    {
                        "round": t_idx,
                        "issue": problem.issues[row],
                        "actor": problem.actors[k],
                        "partner": problem.actors[m],
                        "kind": _KINDS[code],
                        "from": old,
                        "to": new,
                    }
                    for row, k, m, code, old, new in evs
                ]
            )
        while len(events) < t:
            events.append([])
        return Solution(
            model=self.name,
            params=self.params(),
            outcome=final,
            history=np.ascontiguousarray(hist),
            history_outcome=np.ascontiguousarray(med),
            n_rounds=n_rounds.astype(np.int64),
            events=events,
            extra={
                "median": np.ascontiguousarray(med),
                "mean": np.ascontiguousarray(mean),
                "risk": np.ascontiguousarray(risk),
                "options": asdict(opt),
            },
        )
