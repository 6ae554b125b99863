"""Numba kernel of the challenge model (optional extra ``summitry[fast]``).

:func:`simulate` plays the rounds of :func:`summitry.models.challenge._simulate` row by
row — one issue of one draw at a time, every round of Scholz, Calbert & Smith (2011),
Appendix steps 3–12 (votes and median, eqs. 26–29; basic utilities, eqs. 15, 16, 22–24;
probability of prevailing, eq. 31; expected utility, eqs. 5–7 and 25a; risk, eqs. 32–34;
the octants of Fig. 6 and the offers of §6.2) — on scratch arrays of ``A × A`` that stay
in the cache, instead of the NumPy path's ``(rows, A, A)`` temporaries.

**Bit for bit.** The model's dynamics amplify rounding differences (a compromise moves
by the ratio of two EUs that may nearly cancel): a last-bit difference in round 1 can be
1e-8 by round 8. So every formula is written as in the NumPy path, with the same order
of operations: powers are the C library's ``pow`` (``x ** r`` here, ``np.float_power``
there), sums over a last axis follow NumPy's pairwise order (:func:`_psum`) and sums over
a middle axis run in index order. Both paths give identical bits
(tests/models/test_challenge_numba.py).

**Work skipped, bits kept.** Two shortcuts leave every output as the NumPy path computes
it. (1) Reading L proper (``Q = 1``, own exponents, no move in a conflict, Fig. 6 octants):
an offer needs ``a > EPS`` in one view of a pair and ``b < −EPS`` in the other, so the
four powers of a pair are taken only when :func:`_sign_bounds` (concavity of the EU in the
exponent, no powers) cannot rule that out; the EUs of the other pairs are never read and
are stored as 0. About two pairs in three are skipped on the 1994 case. (2) A round is a
function of the positions alone (risk restarts from ``r = 1`` every round), so once a round
moves nobody (bit for bit) every later round repeats it: its state and offers are copied
(``stop="fixed"``; ``median_shift`` stops there anyway).

Rows are split into blocks run in parallel (``prange``); a block allocates its scratch
arrays once. Only the first ``history_draws`` draws' rounds are written (Monte Carlo asks
for draw 0's). Imported only when numba is installed (``Challenge(engine="auto"|"numba")``).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import prange
from numpy.typing import NDArray

from summitry.models._pairwise import psum as _psum

__all__ = ["simulate"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Offer rules, in the order of ``challenge.CHOICES["offer_rule"]``.
LEAST_MOVE, MAX_PROPOSER_EU, CATEGORY_THEN_LEAST = 0, 1, 2

EPS = 1e-9  # = challenge.EPS (a literal here: numba freezes module globals anyway)

#: How far a bound of :func:`_sign_bounds` must clear ``±EPS`` to settle the sign of an EU
#: without its powers: the computed EU and the computed bounds are within ~1e-14 of the
#: exact values (a few roundings of numbers below 4), so 1e-12 leaves a wide berth.
MARGIN = 1e-12


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _pair_sums(
    terms: Any, n: int, n_pair: int, acc: Any, buf: Any, out: Any
) -> None:  # pragma: no cover - compiled
    """``out[q] = Σ_k terms[k, q]`` for ``q < n_pair``, each in :func:`_psum`'s order.

    The columns are summed side by side (the loops run over the pairs, which the compiler
    vectorises) with the same partial sums as :func:`._pairwise.leaf`; ``acc`` is
    ``(8, ≥ n_pair)`` scratch and ``buf`` scratch of ``n`` (for ``n > 128`` only).
    """
    if n < 8:
        for q in range(n_pair):
            out[q] = 0.0
        for k in range(n):
            for q in range(n_pair):
                out[q] += terms[k, q]
    elif n <= 128:
        for j in range(8):
            for q in range(n_pair):
                acc[j, q] = terms[j, q]
        m8 = n - n % 8
        for i in range(8, m8, 8):
            for j in range(8):
                for q in range(n_pair):
                    acc[j, q] += terms[i + j, q]
        for q in range(n_pair):
            out[q] = ((acc[0, q] + acc[1, q]) + (acc[2, q] + acc[3, q])) + (
                (acc[4, q] + acc[5, q]) + (acc[6, q] + acc[7, q])
            )
        for k in range(m8, n):
            for q in range(n_pair):
                out[q] += terms[k, q]
    else:
        for q in range(n_pair):
            for k in range(n):
                buf[k] = terms[k, q]
            out[q] = _psum(buf, 0, n)


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _median_mean(
    x: Any, act: Any, w: Any, cost: Any, total: float, fallback: float, buf: Any
) -> tuple[float, float]:  # pragma: no cover - compiled
    """``_median`` and ``_mean`` of challenge.py for one row (``buf``: scratch of A)."""
    n = x.shape[0]
    best = math.inf
    for k in range(n):
        if act[k] and cost[k] < best:
            best = cost[k]
    lim = best + EPS * total
    lo, hi = math.inf, -math.inf
    has = False
    for k in range(n):
        if act[k] and cost[k] <= lim:
            has = True
            lo = min(lo, x[k])
            hi = max(hi, x[k])
    med = 0.5 * (lo + hi) if has else fallback
    cnt = 0
    for k in range(n):
        if act[k]:
            cnt += 1
        buf[k] = x[k] if act[k] else 0.0
    plain = _psum(buf, 0, n)
    for k in range(n):
        buf[k] = w[k] * x[k]
    wx = _psum(buf, 0, n)
    if total > 0:
        mean = wx / total
    elif cnt > 0:
        mean = plain / max(cnt, 1)
    else:
        mean = fallback
    return med, mean


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _distances(x: Any, w: Any, ad: Any, cost: Any) -> None:  # pragma: no cover - compiled
    """``ad[i, j] = |x_j − x_i|`` and the Condorcet costs ``C_j = Σ_k w_k ad[k, j]``."""
    n = x.shape[0]
    for i in range(n):
        for j in range(n):
            ad[i, j] = abs(x[j] - x[i])
    for j in range(n):
        cost[j] = 0.0
    for k in range(n):  # each C_j summed in index order; the inner loop runs over j
        wk = w[k]
        for j in range(n):
            cost[j] += wk * ad[k, j]


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _offer(
    al: float, be: float, side: int, conflict: bool, figure: bool
) -> tuple[bool, float, float, bool, int]:  # pragma: no cover - compiled
    """``_offers`` of challenge.py for one offer: (exists, ratio, proposer EU, partial, kind).

    ``side``: 0 plus, 1 minus, 2 minus_text.
    """
    ap, an = al > EPS, al < -EPS
    bp, bn = be > EPS, be < -EPS
    a_abs, b_abs = abs(al), abs(be)
    if side == 0:
        cf = ap and bp and (al - be > EPS) and conflict
        cp = ap and bn and (a_abs - b_abs > EPS)
        cl = ap and bn and (b_abs - a_abs > EPS)
        ratio = b_abs / a_abs if cp else b_abs  # only used for a compromise
        peu = al
    else:
        if figure:
            cp = an and bp and (b_abs - a_abs > EPS)
        else:
            cp = an and bn and (b_abs - a_abs > EPS)
        if side == 1:
            cf = ap and bp and (be - al > EPS) and conflict
            cl = an and bp and (a_abs - b_abs > EPS)
        else:
            cf = False
            cl = False
        ratio = a_abs / b_abs if cp else a_abs
        peu = be
    kind = 1 if cp else (0 if cf else 2)
    return cf or cp or cl, ratio, peu, cp, kind


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _same(a: float, b: float) -> bool:  # pragma: no cover - compiled
    """``a`` and ``b`` are the same float (equal, and of the same sign if zero)."""
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _sign_bounds(
    dd: Any, facs: Any, r: Any, c4: Any, no_pos: Any, no_neg: Any
) -> None:  # pragma: no cover - compiled
    """Which second-pass EUs of reading L are certainly ``≤ EPS`` / certainly ``≥ −EPS``.

    With ``Q = 1`` the EU ``E = U_s − f (U_s − U_f) − U_sq`` of eqs. 6, 15, 16, 24 of row
    actor ``i`` against ``j`` (loss factor ``f = s (1 − P)``, exponent ``r = r_i``) equals
    ``4 · 0.5^r · g(r)`` (``c4[i] = 4 · 0.5^r``), where
    ``g(r) = 1 − (1 − f)(1 − d)^r − f (1 + d)^r``. For ``f ∈ [0, 1]`` and ``d ≤ 1`` ``g``
    is concave in ``r`` (``g'' = −(1 − f)(1 − d)^r ln²(1 − d) − f (1 + d)^r ln²(1 + d)``),
    so between two knots it lies above the chord and below the secants of the
    neighbouring intervals. The knots ``r = 0, 1, 2, 3`` are polynomials in ``d``
    (``g(0) = 0``, ``g(1) = d (1 − 2f)``, ``g(2) = 2 g(1) − d²``,
    ``g(3) = 3 g(1) − 3 d² + d² g(1)``): no powers, no branches inside a row, so the
    compiler vectorises the loop. The bounds cover ``0 ≤ r ≤ 2`` (eq. 34 gives
    ``0.5 ≤ r ≤ 2``). A bound decides only when it clears ``±EPS`` by ``MARGIN``, far
    above the rounding of the computed EU and of the bounds, so the answer is the one the
    computed EU would give.
    """
    n = dd.shape[0]
    for i in range(n):
        ri = r[i]
        c = c4[i]
        inside = 0.0 <= ri <= 2.0
        low = ri <= 1.0
        for j in range(n):
            d = dd[i, j]
            d2 = d * d
            g1 = d * (1.0 - 2.0 * facs[i, j])
            g2 = 2.0 * g1 - d2
            if low:  # chord 0–1 below, secant 1–2 above
                lower = g1 * ri
                upper = g1 - (g2 - g1) * (1.0 - ri)
            else:  # chord 1–2 below, secants 0–1 and 2–3 above
                g3 = 3.0 * g1 - 3.0 * d2 + d2 * g1
                lower = g1 + (g2 - g1) * (ri - 1.0)
                left = g1 * ri
                right = g2 - (g3 - g2) * (2.0 - ri)
                upper = right if right < left else left
            ok = inside & (d <= 1.0)
            no_pos[i, j] = ok & (c * upper < EPS - MARGIN)
            no_neg[i, j] = ok & (c * lower > MARGIN - EPS)


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _rows(
    x0: Any, w: Any, s: Any, act: Any, fallback: Any, lo: int, hi: int,
    rounds: int, p_eq31: bool, viewer: bool, conflict: bool, offer_rule: int,
    responder: bool, adversary: bool, figure: bool, range_fixed: bool, q: float,
    use_risk: bool, stop_shift: bool, tol: float, event_rows: int, one_half: float,
    hist: Any, med: Any, mean: Any, risk: Any, outcome: Any, n_rounds: Any,
    ev_has: Any, ev_idx: Any, ev_kind: Any,
) -> None:  # pragma: no cover - compiled
    """Play every round of rows ``lo:hi`` (see :func:`simulate`)."""
    n = x0.shape[1]
    nb = 2 if (viewer or not figure) else 1
    minus_side = 1 if viewer else 2
    simple = q == 1.0 and not viewer  # the second pass of reading L in one loop
    # reading L proper: an offer needs a > EPS in one view and b < −EPS in the other, so
    # the powers are taken only for pairs whose signs the bounds cannot settle
    bounded = simple and not conflict and figure
    x = np.empty(n)
    x2 = np.empty(n)
    xn = np.empty(n)
    ad = np.empty((n, n))
    dd = np.zeros((n, n))  # d = |x_i − x_j| / R
    cost = np.empty(n)
    buf = np.empty(max(n, 1))
    p = np.full((n, n), 0.5)
    n_pairs = max(n * (n - 1) // 2, 1)
    pair_i = np.empty(n_pairs, dtype=np.int64)
    pair_j = np.empty(n_pairs, dtype=np.int64)
    pair_s = np.empty(n_pairs)  # x_i + x_j
    pair_d = np.empty(n_pairs)  # |x_i − x_j|
    terms = np.empty((n, n_pairs))  # w_k · min(|x_i + x_j − 2 x_k|, |x_i − x_j|)
    acc8 = np.empty((8, n_pairs))
    dens = np.empty(n_pairs)
    valid = np.zeros((n, n), dtype=np.bool_)
    e1 = np.zeros((n, n))
    facs = np.zeros((n, n))  # s_lead (1 − P), the loss factor of eq. 6
    a2 = np.zeros((n, n))
    b2 = np.zeros((n, n))
    us_ = np.zeros((n, n))  # U_s of the row actor with its own exponent (eq. 15)
    uf_ = np.zeros((n, n))  # U_f likewise (eq. 16)
    sec = np.empty(n)
    r = np.ones(n)
    usq = np.empty(n)
    c4 = np.empty(n)  # 4 · 0.5^r, the scale of the EU in _sign_bounds
    no_pos = np.zeros((n, n), dtype=np.bool_)
    no_neg = np.zeros((n, n), dtype=np.bool_)
    dmu = np.empty(n)
    m_nb = nb * n
    ok = np.zeros(m_nb, dtype=np.bool_)
    tgt = np.empty(m_nb)
    mv = np.empty(m_nb)
    peu = np.empty(m_nb)
    part = np.zeros(m_nb, dtype=np.bool_)
    kind = np.zeros(m_nb, dtype=np.int8)
    keys = np.empty(3, dtype=np.int64)  # 0: move, 1: −proposer EU, 2: category
    tols = np.empty(3)
    if offer_rule == LEAST_MOVE:
        n_keys = 2
        keys[0], keys[1] = 0, 1
    elif offer_rule == MAX_PROPOSER_EU:
        n_keys = 2
        keys[0], keys[1] = 1, 0
    else:
        n_keys = 3
        keys[0], keys[1], keys[2] = 2, 0, 1
    for key in range(3):
        tols[key] = 0.5 if keys[key] == 2 else EPS
    n_hist = hist.shape[0]
    n_i = hist.shape[3]
    for row in range(lo, hi):
        dr = row // n_i  # the draw and the issue of this row
        ir = row - dr * n_i
        rec = dr < n_hist  # this draw's rounds are recorded
        xa = act[row]
        wr = w[row]
        sr = s[row]
        total = _psum(wr, 0, n)
        fb = fallback[row]
        # the bounds need loss factors in [0, 1]: saliences in [0, 1] (as validated)
        bounded_row = bounded
        for k in range(n):
            bounded_row = bounded_row and 0.0 <= sr[k] <= 1.0
        anyact = False
        rhi, rlo = -math.inf, math.inf
        for k in range(n):
            x[k] = x0[row, k]
            r[k] = 1.0
            if xa[k]:
                anyact = True
                rhi = max(rhi, x[k])
                rlo = min(rlo, x[k])
        r0 = rhi - rlo if anyact else 0.0  # the range of round 0 (range_mode="fixed")
        _distances(x, wr, ad, cost)
        mu, mn = _median_mean(x, xa, wr, cost, total, fb, buf)
        if rec:
            for k in range(n):
                hist[dr, 0, k, ir] = x[k]
                risk[dr, 0, k, ir] = 1.0
            med[dr, 0, ir] = mu
            mean[dr, 0, ir] = mn
        alive = True
        settled = False  # a round moved nobody: every later round repeats it
        nr = 0
        t = 1
        while t <= rounds and alive:
            if range_fixed:
                big_r = r0
            else:
                rhi, rlo = -math.inf, math.inf
                for k in range(n):
                    if xa[k]:
                        rhi = max(rhi, x[k])
                        rlo = min(rlo, x[k])
                big_r = rhi - rlo if anyact else 0.0
            rs = big_r if big_r > 0 else 1.0
            for k in range(n):
                x2[k] = 2.0 * x[k]
            for i in range(n):
                ai = xa[i]
                for j in range(n):  # ad is symmetric, so are valid and dd
                    valid[i, j] = ai & xa[j] & (ad[i, j] > EPS)
                    dd[i, j] = ad[i, j] / rs
            # eq. 31 (only where a pair can act: elsewhere P is never used); the terms
            # of all pairs first, then the sums, each loop running over the pairs
            if p_eq31:
                n_pair = 0
                for i in range(n):
                    for j in range(i + 1, n):
                        if valid[i, j]:
                            pair_i[n_pair] = i
                            pair_j[n_pair] = j
                            pair_s[n_pair] = x[i] + x[j]
                            pair_d[n_pair] = ad[i, j]
                            n_pair += 1
                for k in range(n):
                    xk2 = x2[k]
                    wk = wr[k]
                    for q_ in range(n_pair):
                        terms[k, q_] = min(abs(pair_s[q_] - xk2), pair_d[q_]) * wk
                _pair_sums(terms, n, n_pair, acc8, buf, dens)
                for q_ in range(n_pair):
                    i, j = pair_i[q_], pair_j[q_]
                    den = dens[q_]
                    if den > EPS * total * pair_d[q_]:
                        pij = 0.5 * (den + cost[j] - cost[i]) / den
                        pji = 0.5 * (den + cost[i] - cost[j]) / den
                        p[i, j] = min(max(pij, 0.0), 1.0)
                        p[j, i] = min(max(pji, 0.0), 1.0)
                    else:
                        p[i, j] = 0.5
                        p[j, i] = 0.5
            if q != 1.0:
                for i in range(n):
                    dmu[i] = abs(x[i] - mu)
            # first pass (every r = 1), eqs. 5–7 and 25a; the loss factors of every
            # pair (P of an invalid pair is stale, but its factor is never read)
            for i in range(n):
                for j in range(n):
                    lead = sr[j] if responder else sr[i]
                    facs[i, j] = lead * (1.0 - p[i, j]) if p_eq31 else lead
            for i in range(n):
                for j in range(n):
                    us = 2.0 * dd[i, j]
                    uf = -us
                    out = us - facs[i, j] * (us - uf)
                    if q == 1.0:
                        val = out - 0.0
                    else:
                        e = (dmu[i] + ad[i, j]) / rs
                        sel = e if ad[i, j] - dmu[i] > EPS else -e
                        val = out - q * 0.0 - (1.0 - q) * sel
                    e1[i, j] = val if valid[i, j] else 0.0
            if use_risk:
                # eqs. 32–34
                if adversary:  # a middle-axis sum in NumPy: index order
                    for k in range(n):
                        sec[k] = 0.0
                    for m in range(n):
                        for k in range(n):
                            sec[k] += e1[m, k]
                else:  # a last-axis sum: pairwise
                    for k in range(n):
                        sec[k] = _psum(e1[k], 0, n)
                shi, slo = -math.inf, math.inf
                for k in range(n):
                    if xa[k]:
                        shi = max(shi, sec[k])
                        slo = min(slo, sec[k])
                span = shi - slo
                okr = anyact and span > EPS
                for k in range(n):
                    if not xa[k]:
                        r[k] = 1.0
                        continue
                    rr = (2.0 * sec[k] - shi - slo) / span if okr else 0.0
                    rr = min(max(rr, -1.0), 1.0)
                    r[k] = (1.0 - rr / 3.0) / (1.0 + rr / 3.0)
                for k in range(n):
                    # one_half = 0.5 comes in as an argument: with a literal base LLVM
                    # rewrites pow(0.5, r) as exp2(−r), which differs in the last bit
                    half_r = one_half ** r[k]
                    usq[k] = 2.0 - 4.0 * half_r
                    c4[k] = 4.0 * half_r
                if simple:
                    # the second pass right here (reading L): U_s, U_f with the row
                    # actor's exponent, the powers that dominate the round
                    if bounded_row:
                        _sign_bounds(dd, facs, r, c4, no_pos, no_neg)
                    for i in range(n):
                        a2[i, i] = 0.0
                        for j in range(i + 1, n):
                            if not valid[i, j] or (
                                # an offer needs a > EPS in one view, b < −EPS in the other
                                bounded_row
                                and (no_pos[i, j] | no_neg[j, i])
                                and (no_pos[j, i] | no_neg[i, j])
                            ):
                                a2[i, j] = 0.0  # never read (reading L, no offer)
                                a2[j, i] = 0.0
                                continue
                            dv = dd[i, j]
                            for view in range(2):
                                a, b = (i, j) if view == 0 else (j, i)
                                ra = r[a]
                                us = 2.0 - 4.0 * max(0.5 - 0.5 * dv, 0.0) ** ra
                                uf = 2.0 - 4.0 * (0.5 + 0.5 * dv) ** ra
                                a2[a, b] = us - facs[a, b] * (us - uf) - usq[a]
                else:
                    for i in range(n):
                        ri = r[i]
                        for j in range(n):
                            if valid[i, j]:
                                dv = dd[i, j]
                                us_[i, j] = 2.0 - 4.0 * max(0.5 - 0.5 * dv, 0.0) ** ri
                                uf_[i, j] = 2.0 - 4.0 * (0.5 + 0.5 * dv) ** ri
                # second pass: a2[i, j] = E(i → j) with r_i; under viewer_r b2[j, i] =
                # E(i → j) with r_j (the transposed utilities), i.e. j's view of i's EU
                for i in range(n):
                    if simple:
                        break
                    for j in range(n):
                        if not valid[i, j]:
                            a2[i, j] = 0.0
                            b2[j, i] = 0.0
                            continue
                        fac = facs[i, j]
                        e = 0.0
                        tb = False
                        if q != 1.0:
                            e = (dmu[i] + ad[i, j]) / rs
                            tb = ad[i, j] - dmu[i] > EPS
                        for view in range(2 if viewer else 1):
                            if view == 0:
                                us, uf, u0, rk = us_[i, j], uf_[i, j], usq[i], r[i]
                            else:
                                us, uf, u0, rk = us_[j, i], uf_[j, i], usq[j], r[j]
                            out = us - fac * (us - uf)
                            if q == 1.0:
                                val = out - u0
                            else:
                                if tb:
                                    uq = 2.0 - 4.0 * max(0.5 - 0.25 * e, 0.0) ** rk
                                else:
                                    uq = 2.0 - 4.0 * (0.5 + 0.25 * e) ** rk
                                val = out - q * u0 - (1.0 - q) * uq
                            if view == 0:
                                a2[i, j] = val
                            else:
                                b2[j, i] = val
                if not viewer:
                    for i in range(n):
                        for j in range(n):
                            b2[i, j] = a2[j, i]
            else:
                for i in range(n):
                    r[i] = 1.0
                    for j in range(n):
                        a2[i, j] = e1[i, j]
                        b2[i, j] = e1[j, i]
            # offers to mover k from partner m; "plus" = the partner's view,
            # "minus" = the mover's own view (viewer_r, or octants="text")
            for k in range(n):
                n_ok = 0
                last = -1
                for blk in range(nb):
                    for m in range(n):
                        c = blk * n + m
                        if not valid[k, m]:
                            ok[c] = False
                            continue
                        if blk == 0:
                            al, be, side = a2[m, k], b2[m, k], 0
                            if not al > EPS:  # every "plus" octant needs a > 0
                                ok[c] = False
                                continue
                        else:
                            al, be, side = a2[k, m], b2[k, m], minus_side
                        has, ratio, pe, cp, kd = _offer(al, be, side, conflict, figure)
                        ok[c] = has
                        if not has:
                            continue
                        n_ok += 1
                        last = c
                        part[c] = cp
                        peu[c] = pe
                        kind[c] = kd
                        tt = x[k] + (x[m] - x[k]) * ratio if cp else x[m]
                        tgt[c] = tt
                        mv[c] = abs(tt - x[k])
                idx = last if n_ok == 1 else -1
                if n_ok > 1:
                    # lexicographic keys, each minimised with its tolerance
                    for key in range(n_keys):
                        which = keys[key]
                        best = math.inf
                        for c in range(m_nb):
                            if ok[c]:
                                if which == 0:
                                    kv = mv[c]
                                elif which == 1:
                                    kv = -peu[c]
                                else:
                                    kv = 0.0 if part[c] else 1.0
                                best = min(best, kv)
                        lim = best + tols[key]
                        for c in range(m_nb):
                            if ok[c]:
                                if which == 0:
                                    kv = mv[c]
                                elif which == 1:
                                    kv = -peu[c]
                                else:
                                    kv = 0.0 if part[c] else 1.0
                                ok[c] = kv <= lim
                    bt = math.inf
                    for c in range(m_nb):  # then the lowest target, first on ties
                        if ok[c] and (idx < 0 or tgt[c] < bt):
                            idx = c
                            bt = tgt[c]
                xn[k] = tgt[idx] if idx >= 0 else x[k]
                if row < event_rows:
                    ev_has[row, t, k] = idx >= 0
                    ev_idx[row, t, k] = max(idx, 0)
                    ev_kind[row, t, k] = kind[idx] if idx >= 0 else 0
            settled = not stop_shift
            for k in range(n):
                settled = settled and _same(xn[k], x[k])
                x[k] = xn[k]
            _distances(x, wr, ad, cost)
            mu_new, mn = _median_mean(x, xa, wr, cost, total, fb, buf)
            if rec:
                for k in range(n):
                    hist[dr, t, k, ir] = x[k]
                    risk[dr, t, k, ir] = r[k]
                med[dr, t, ir] = mu_new
                mean[dr, t, ir] = mn
            nr += 1
            if stop_shift:
                alive = abs(mu_new - mu) > tol + EPS
            mu = mu_new
            t += 1
            if settled:
                # the round is a function of the positions alone, and they did not move:
                # every later round repeats this one, offers included
                for tt_ in range(t, rounds + 1):
                    if row < event_rows:
                        for k in range(n):
                            ev_has[row, tt_, k] = ev_has[row, t - 1, k]
                            ev_idx[row, tt_, k] = ev_idx[row, t - 1, k]
                            ev_kind[row, tt_, k] = ev_kind[row, t - 1, k]
                nr += rounds + 1 - t
                break
        # the rounds not played repeat the last state (a stopped or a settled row)
        if rec:
            for tt_ in range(t, rounds + 1):
                for k in range(n):
                    hist[dr, tt_, k, ir] = x[k]
                    risk[dr, tt_, k, ir] = r[k]
                med[dr, tt_, ir] = mu
                mean[dr, tt_, ir] = mn
        outcome[dr, ir] = mu
        n_rounds[row] = nr


@numba.njit(cache=True, error_model="numpy", parallel=True)  # type: ignore[misc]
def _blocks(
    x0: Any, w: Any, s: Any, act: Any, fallback: Any, n_blocks: int,
    rounds: int, p_eq31: bool, viewer: bool, conflict: bool, offer_rule: int,
    responder: bool, adversary: bool, figure: bool, range_fixed: bool, q: float,
    use_risk: bool, stop_shift: bool, tol: float, event_rows: int, one_half: float,
    hist: Any, med: Any, mean: Any, risk: Any, outcome: Any, n_rounds: Any,
    ev_has: Any, ev_idx: Any, ev_kind: Any,
) -> None:  # pragma: no cover - compiled
    n_rows = x0.shape[0]
    for b in prange(n_blocks):
        lo = b * n_rows // n_blocks
        hi = (b + 1) * n_rows // n_blocks
        _rows(x0, w, s, act, fallback, lo, hi, rounds, p_eq31, viewer, conflict,
              offer_rule, responder, adversary, figure, range_fixed, q, use_risk,
              stop_shift, tol, event_rows, one_half, hist, med, mean, risk, outcome,
              n_rounds, ev_has, ev_idx, ev_kind)


_OFFER_RULES = {"least_move": LEAST_MOVE, "max_proposer_eu": MAX_PROPOSER_EU,
                "category_then_least": CATEGORY_THEN_LEAST}


def simulate(
    x0: FloatArray, w: FloatArray, s: FloatArray, act: BoolArray, fallback: FloatArray,
    opt: Any, n_issues: int, history_draws: int | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, IntArray,
           BoolArray, IntArray, NDArray[np.int8]]:
    """Play ``opt.rounds`` rounds on rows ``(B, A)``: the kernel twin of ``_simulate``.

    Row ``b`` is issue ``b mod I`` of draw ``b // I`` (``I = n_issues``); the outputs are
    written in the layout of a :class:`~summitry.models.base.Solution`.

    Args:
        x0: positions (0–100) per row and actor.
        w: weights ``c s`` (0 for inactive actors).
        s: saliences (0 for inactive actors).
        act: the active actors.
        fallback: the outcome of a row with no active actor.
        opt: the resolved settings (``challenge._Options``).
        n_issues: issues per draw ``I``; the offers of draw 0 (rows ``< I``) are recorded.
        history_draws: record the rounds of the first ``H`` draws only (``None``: all).

    Returns:
        ``history (H, T+1, A, I)``, ``median (H, T+1, I)``, ``mean (H, T+1, I)``,
        ``risk (H, T+1, A, I)``, the final median ``(D, I)``, ``n_rounds (B,)`` per row
        and, for the rows of draw 0, per round and mover: an offer was accepted, its index
        (``block · A + partner``) and its kind code (0 confrontation, 1 compromise,
        2 compel), each ``(I, T+1, A)``.
    """
    b_rows, n = x0.shape
    n_i = max(int(n_issues), 1)
    n_d = b_rows // n_i
    n_h = n_d if history_draws is None else min(int(history_draws), n_d)
    t1 = opt.rounds + 1
    hist = np.empty((n_h, t1, n, n_i))
    med = np.empty((n_h, t1, n_i))
    mean = np.empty((n_h, t1, n_i))
    risk = np.empty((n_h, t1, n, n_i))
    outcome = np.empty((n_d, n_i))
    n_rounds = np.zeros(b_rows, dtype=np.int64)
    e = min(n_i, b_rows)
    ev_has = np.zeros((e, t1, n), dtype=np.bool_)
    ev_idx = np.zeros((e, t1, n), dtype=np.int64)
    ev_kind = np.zeros((e, t1, n), dtype=np.int8)
    if b_rows == 0:
        return hist, med, mean, risk, outcome, n_rounds, ev_has, ev_idx, ev_kind
    # a few blocks per thread balance uneven rows; a block of ≥ 64 rows repays its scratch
    n_blocks = max(1, min(4 * numba.get_num_threads(), b_rows // 64))
    _blocks(
        np.ascontiguousarray(x0, dtype=np.float64), np.ascontiguousarray(w, dtype=np.float64),
        np.ascontiguousarray(s, dtype=np.float64), np.ascontiguousarray(act, dtype=np.bool_),
        np.ascontiguousarray(fallback, dtype=np.float64), n_blocks,
        int(opt.rounds), opt.p_mode == "eq31", opt.perception == "viewer_r",
        opt.conflict == "move", _OFFER_RULES[opt.offer_rule], opt.salience_of == "responder",
        opt.security == "adversary", opt.octants == "figure", opt.range_mode == "fixed",
        float(opt.q), bool(opt.risk), opt.stop == "median_shift", float(opt.tol), e, 0.5,
        hist, med, mean, risk, outcome, n_rounds, ev_has, ev_idx, ev_kind,
    )
    return hist, med, mean, risk, outcome, n_rounds, ev_has, ev_idx, ev_kind
