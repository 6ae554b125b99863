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

Rows are split into blocks run in parallel (``prange``); a block allocates its scratch
arrays once. Imported only when numba is installed (``Challenge(engine="auto"|"numba")``).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import prange
from numpy.typing import NDArray

__all__ = ["simulate"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Offer rules, in the order of ``challenge.CHOICES["offer_rule"]``.
LEAST_MOVE, MAX_PROPOSER_EU, CATEGORY_THEN_LEAST = 0, 1, 2

EPS = 1e-9  # = challenge.EPS (a literal here: numba freezes module globals anyway)


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _leaf(a: Any, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """:func:`_psum` for ``n ≤ 128``."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = 8
        while i < n - (n % 8):
            r0 += a[lo + i]
            r1 += a[lo + i + 1]
            r2 += a[lo + i + 2]
            r3 += a[lo + i + 3]
            r4 += a[lo + i + 4]
            r5 += a[lo + i + 5]
            r6 += a[lo + i + 6]
            r7 += a[lo + i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return float(res)
    return 0.0


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _psum(a: Any, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """``a[lo:lo + n].sum()`` in NumPy's pairwise order (numpy/_core/src/umath/loops_utils.h).

    NumPy sums a contiguous last axis this way: sequentially below 8 terms, with 8
    interleaved partial sums up to 128, and above that as the sum of two halves (cut at
    a multiple of 8). The halving is walked with an explicit stack (no recursion, which
    Numba's cache does not handle).
    """
    if n <= 128:
        return _leaf(a, lo, n)
    s_lo = np.empty(64, dtype=np.int64)
    s_n = np.empty(64, dtype=np.int64)
    s_stage = np.empty(64, dtype=np.int64)
    s_left = np.empty(64)
    top = 0
    s_lo[0], s_n[0], s_stage[0] = lo, n, 0
    ret = 0.0
    while top >= 0:
        m = s_n[top]
        if m <= 128:
            ret = _leaf(a, s_lo[top], m)
            top -= 1
            continue
        n2 = m // 2
        n2 -= n2 % 8
        if s_stage[top] == 0:  # first the left half
            s_stage[top] = 1
            top += 1
            s_lo[top], s_n[top], s_stage[top] = s_lo[top - 1], n2, 0
        elif s_stage[top] == 1:  # then the right half
            s_left[top] = ret
            s_stage[top] = 2
            top += 1
            s_lo[top], s_n[top], s_stage[top] = s_lo[top - 1] + n2, m - n2, 0
        else:
            ret = s_left[top] + ret
            top -= 1
    return ret


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _psum_rows(a: Any, rows: int, out: Any) -> None:  # pragma: no cover - compiled
    """``out[q] = a[q].sum()`` for ``q < rows``, in NumPy's pairwise order."""
    n = a.shape[1]
    flat = a.reshape(-1)
    for q in range(rows):
        out[q] = _psum(flat, q * n, n)


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
        c = 0.0
        for k in range(n):
            c += w[k] * ad[k, j]
        cost[j] = c


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


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _rows(
    x0: Any, w: Any, s: Any, act: Any, fallback: Any, lo: int, hi: int,
    rounds: int, p_eq31: bool, viewer: bool, conflict: bool, offer_rule: int,
    responder: bool, adversary: bool, figure: bool, range_fixed: bool, q: float,
    use_risk: bool, stop_shift: bool, tol: float, event_rows: int, one_half: float,
    hist: Any, med: Any, mean: Any, risk: Any, n_rounds: Any,
    ev_has: Any, ev_idx: Any, ev_kind: Any,
) -> None:  # pragma: no cover - compiled
    """Play every round of rows ``lo:hi`` (see :func:`simulate`)."""
    n = x0.shape[1]
    nb = 2 if (viewer or not figure) else 1
    minus_side = 1 if viewer else 2
    x = np.empty(n)
    x2 = np.empty(n)
    xn = np.empty(n)
    ad = np.empty((n, n))
    dd = np.zeros((n, n))  # d = |x_i − x_j| / R
    cost = np.empty(n)
    buf = np.empty(n)
    p = np.full((n, n), 0.5)
    n_pairs = max(n * (n - 1) // 2, 1)
    prod = np.empty((n_pairs, n))  # w_k · min(|x_i + x_j − 2 x_k|, |x_i − x_j|)
    dens = np.empty(n_pairs)
    pair_i = np.empty(n_pairs, dtype=np.int64)
    pair_j = np.empty(n_pairs, dtype=np.int64)
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
    n_i = hist.shape[3]
    for row in range(lo, hi):
        dr = row // n_i  # the draw and the issue of this row
        ir = row - dr * n_i
        xa = act[row]
        wr = w[row]
        sr = s[row]
        total = _psum(wr, 0, n)
        fb = fallback[row]
        anyact = False
        rhi, rlo = -math.inf, math.inf
        for k in range(n):
            x[k] = x0[row, k]
            if xa[k]:
                anyact = True
                rhi = max(rhi, x[k])
                rlo = min(rlo, x[k])
        r0 = rhi - rlo if anyact else 0.0  # the range of round 0 (range_mode="fixed")
        _distances(x, wr, ad, cost)
        mu, mn = _median_mean(x, xa, wr, cost, total, fb, buf)
        for k in range(n):
            hist[dr, 0, k, ir] = x[k]
            risk[dr, 0, k, ir] = 1.0
        med[dr, 0, ir] = mu
        mean[dr, 0, ir] = mn
        alive = True
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
                for j in range(i + 1, n):
                    v = xa[i] and xa[j] and ad[i, j] > EPS
                    valid[i, j] = v
                    valid[j, i] = v
                    if v:
                        dv = ad[i, j] / rs
                        dd[i, j] = dv
                        dd[j, i] = dv
            # eq. 31 (only where a pair can act: elsewhere P is never used)
            if p_eq31:
                n_pair = 0
                for i in range(n):
                    for j in range(i + 1, n):
                        if not valid[i, j]:
                            continue
                        dij = ad[i, j]
                        xs = x[i] + x[j]
                        for k in range(n):
                            prod[n_pair, k] = min(abs(xs - x2[k]), dij) * wr[k]
                        pair_i[n_pair] = i
                        pair_j[n_pair] = j
                        n_pair += 1
                _psum_rows(prod, n_pair, dens)  # one call: no reference counting per pair
                for q_ in range(n_pair):
                    i, j = pair_i[q_], pair_j[q_]
                    den = dens[q_]
                    if den > EPS * total * ad[i, j]:
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
            # first pass (every r = 1), eqs. 5–7 and 25a
            for i in range(n):
                for j in range(n):
                    if not valid[i, j]:
                        e1[i, j] = 0.0
                        continue
                    us = 2.0 * dd[i, j]
                    uf = -us
                    lead = sr[j] if responder else sr[i]
                    fac = lead * (1.0 - p[i, j]) if p_eq31 else lead
                    facs[i, j] = fac
                    out = us - fac * (us - uf)
                    if q == 1.0:
                        e1[i, j] = out - 0.0
                    else:
                        e = (dmu[i] + ad[i, j]) / rs
                        sel = e if ad[i, j] - dmu[i] > EPS else -e
                        e1[i, j] = out - q * 0.0 - (1.0 - q) * sel
            if use_risk:
                # eqs. 32–34
                for k in range(n):
                    if adversary:  # a middle-axis sum in NumPy: index order
                        acc = 0.0
                        for m in range(n):
                            acc += e1[m, k]
                        sec[k] = acc
                    else:  # a last-axis sum: pairwise
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
                    usq[k] = 2.0 - 4.0 * one_half**r[k]
                # U_s, U_f with the row actor's exponent; the powers dominate the round
                simple = q == 1.0 and not viewer
                for i in range(n):
                    ri = r[i]
                    u0 = usq[i]
                    for j in range(n):
                        if valid[i, j]:
                            dv = dd[i, j]
                            us = 2.0 - 4.0 * max(0.5 - 0.5 * dv, 0.0) ** ri
                            uf = 2.0 - 4.0 * (0.5 + 0.5 * dv) ** ri
                            if simple:  # the second pass right here (reading L)
                                a2[i, j] = us - facs[i, j] * (us - uf) - u0
                            else:
                                us_[i, j] = us
                                uf_[i, j] = uf
                        elif simple:
                            a2[i, j] = 0.0
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
            for k in range(n):
                x[k] = xn[k]
            _distances(x, wr, ad, cost)
            mu_new, mn = _median_mean(x, xa, wr, cost, total, fb, buf)
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
        # a finished row keeps its last state
        for tt_ in range(t, rounds + 1):
            for k in range(n):
                hist[dr, tt_, k, ir] = x[k]
                risk[dr, tt_, k, ir] = risk[dr, t - 1, k, ir]
            med[dr, tt_, ir] = med[dr, t - 1, ir]
            mean[dr, tt_, ir] = mean[dr, t - 1, ir]
        n_rounds[row] = nr


@numba.njit(cache=True, error_model="numpy", parallel=True)  # type: ignore[misc]
def _blocks(
    x0: Any, w: Any, s: Any, act: Any, fallback: Any, n_blocks: int,
    rounds: int, p_eq31: bool, viewer: bool, conflict: bool, offer_rule: int,
    responder: bool, adversary: bool, figure: bool, range_fixed: bool, q: float,
    use_risk: bool, stop_shift: bool, tol: float, event_rows: int, one_half: float,
    hist: Any, med: Any, mean: Any, risk: Any, n_rounds: Any,
    ev_has: Any, ev_idx: Any, ev_kind: Any,
) -> None:  # pragma: no cover - compiled
    n_rows = x0.shape[0]
    for b in prange(n_blocks):
        lo = b * n_rows // n_blocks
        hi = (b + 1) * n_rows // n_blocks
        _rows(x0, w, s, act, fallback, lo, hi, rounds, p_eq31, viewer, conflict,
              offer_rule, responder, adversary, figure, range_fixed, q, use_risk,
              stop_shift, tol, event_rows, one_half, hist, med, mean, risk, n_rounds,
              ev_has, ev_idx, ev_kind)


_OFFER_RULES = {"least_move": LEAST_MOVE, "max_proposer_eu": MAX_PROPOSER_EU,
                "category_then_least": CATEGORY_THEN_LEAST}


def simulate(
    x0: FloatArray, w: FloatArray, s: FloatArray, act: BoolArray, fallback: FloatArray,
    opt: Any, n_issues: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray,
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

    Returns:
        ``history (D, T+1, A, I)``, ``median (D, T+1, I)``, ``mean (D, T+1, I)``,
        ``risk (D, T+1, A, I)``, ``n_rounds (B,)`` per row and, for the rows of draw 0,
        per round and mover: an offer was accepted, its index (``block · A + partner``)
        and its kind code (0 confrontation, 1 compromise, 2 compel), each ``(I, T+1, A)``.
    """
    b_rows, n = x0.shape
    n_i = max(int(n_issues), 1)
    n_d = b_rows // n_i
    t1 = opt.rounds + 1
    hist = np.empty((n_d, t1, n, n_i))
    med = np.empty((n_d, t1, n_i))
    mean = np.empty((n_d, t1, n_i))
    risk = np.empty((n_d, t1, n, n_i))
    n_rounds = np.zeros(b_rows, dtype=np.int64)
    e = min(n_i, b_rows)
    ev_has = np.zeros((e, t1, n), dtype=np.bool_)
    ev_idx = np.zeros((e, t1, n), dtype=np.int64)
    ev_kind = np.zeros((e, t1, n), dtype=np.int8)
    if b_rows == 0:
        return hist, med, mean, risk, n_rounds, ev_has, ev_idx, ev_kind
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
        hist, med, mean, risk, n_rounds, ev_has, ev_idx, ev_kind,
    )
    return hist, med, mean, risk, n_rounds, ev_has, ev_idx, ev_kind
