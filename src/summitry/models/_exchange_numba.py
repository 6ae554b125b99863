"""Compiled kernel of the exchange model's fast engine (Numba, one draw per iteration).

The same steps as :func:`summitry.models._exchange_fast.run_numpy` written as scalar
loops, so a round costs O(candidates) per executed exchange without array temporaries.
Every floating-point operation is the NumPy engine's, in the same order, so the two
engines give bit-identical results (tests/models/test_exchange.py pins this). Imported
only when numba is installed (``Exchange(engine="auto"|"numba")``).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from summitry.models._exchange_fast import EPS, EVENT_COLUMNS, QBITS, TOL, FastResult

__all__ = ["run_numba"]

_Q = 2.0**QBITS
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)

# float fields of the candidate table
(XSI, XDI, SSI, SDI, CSI, STI, XSJ, XDJ, SSJ, SDJ, CSJ, STJ, MI, MJ, YI, YJ, GAIN, QG,
 PSI, PSJ, RATIO, SCP, SCQ, SP, SQ) = range(25)
_NF = 25
# integer fields
(P, Q, IA, JA, PNI, PPI, PNJ, PPJ, SKEY, NCALC, UID) = range(11)
_NI = 11


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _mix(z: Any) -> Any:  # pragma: no cover - compiled
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True)  # type: ignore[misc]
def _uniform(key: Any, a: int, b: int, c: int, d: int) -> float:  # pragma: no cover
    z = _mix(np.uint64(key))
    z = _mix(z ^ np.uint64(a))
    z = _mix(z ^ np.uint64(b))
    z = _mix(z ^ np.uint64(c))
    z = _mix(z ^ np.uint64(d))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _quantise(g: float) -> float:  # pragma: no cover - compiled
    m, e = math.frexp(g)
    return math.ldexp(math.floor(m * _Q + 0.5) / _Q, e)


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _side_valid(m: float, y: float, ps: float, pn: int, pp: int) -> bool:  # pragma: no cover
    am = abs(m)
    return ((am <= 100.0 + TOL) and (am > EPS) and (y >= -TOL) and (y <= 100.0 + TOL)
            and (ps + m <= 100.0 + TOL) and ((m < 0.0 and pn != 0) or (m > 0.0 and pp != 0)))


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _gain(variant: int, dp: float, dq: float, s_si: float, s_di: float, s_sj: float,
          s_dj: float) -> float:  # pragma: no cover - compiled
    if variant == 0:
        return abs(dq * s_si - dp * s_di)
    return ((dp * s_di - dq * s_si) + (dq * s_dj - dp * s_sj)) * 0.5


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _zero_small(d: float) -> float:  # pragma: no cover - compiled
    return 0.0 if abs(d) <= TOL else d


@numba.njit(cache=True)  # type: ignore[misc]
def _compute(f: Any, g: Any, k: int, variant: int, corri: float, ui: float, corrj: float,
             uj: float) -> bool:  # pragma: no cover - compiled
    """§6 for candidate ``k``; mirrors :func:`summitry.models._exchange_fast.compute`."""
    xsi, xdi, ssi, sdi, csi, sti = f[k, XSI], f[k, XDI], f[k, SSI], f[k, SDI], f[k, CSI], f[k, STI]
    xsj, xdj, ssj, sdj, csj, stj = f[k, XSJ], f[k, XDJ], f[k, SSJ], f[k, SDJ], f[k, CSJ], f[k, STJ]
    scp, scq, sp, sq, ratio = f[k, SCP], f[k, SCQ], f[k, SP], f[k, SQ], f[k, RATIO]
    if not (csi > 0.0 and csj > 0.0):
        f[k, GAIN] = 0.0
        return False
    a_j = abs(xdi - xsj)
    dp = a_j * ssj * csj / scp
    if variant == 0:
        dq = (ssj + sdi) / (sdj + ssi) * dp
    else:
        dq = ratio * dp
    mi = dq * scq / (csi * ssi)
    mj = a_j
    dist_i = abs(xdj - xsi)
    if abs(mi) > dist_i:
        dq = dist_i * ssi * csi / scq
        if variant == 0:
            dp = (ssi + sdj) / (sdi + ssj) * dq
        else:
            dp = dq / ratio
        mj = dp * scp / (csj * ssj)
        mi = dist_i
    if xsi > xdj:
        mi = -mi
    if xsj > xdi:
        mj = -mj
    yi = xsi + mi
    yj = xsj + mj
    gain = _gain(variant, dp, dq, ssi, sdi, ssj, sdj)
    psi, psj = f[k, PSI], f[k, PSJ]
    pni, ppi, pnj, ppj = g[k, PNI], g[k, PPI], g[k, PNJ], g[k, PPJ]
    valid = (_side_valid(mi, yi, psi, pni, ppi) and _side_valid(mj, yj, psj, pnj, ppj)
             and gain >= EPS)
    if valid:
        for side in range(2):
            if side == 0:
                xs_a, st_a, s_a, c_a, sd_a, y_a = xsi, sti, ssi, csi, sdi, yi
                xs_b, xd_b, s_b, c_b, sd_b = xsj, xdj, ssj, csj, sdj
                xd_a = xdi
                base = sq + corri
                sc_a, sc_b, u_a = scq, scp, ui
            else:
                xs_a, st_a, s_a, c_a, sd_a, y_a = xsj, stj, ssj, csj, sdj, yj
                xs_b, xd_b, s_b, c_b, sd_b = xsi, xdi, ssi, csi, sdi
                xd_a = xdj
                base = sp + corrj
                sc_a, sc_b, u_a = scp, scq, uj
            w_a = s_a * c_a
            n0 = (base + (xs_a - st_a) * w_a) / sc_a
            n1 = (base + (y_a - st_a) * w_a) / sc_a
            t = xd_b
            d0 = _zero_small(t - n0)
            d1 = _zero_small(t - n1)
            if (d0 >= 0.0 and d1 >= 0.0) or (d0 <= 0.0 and d1 <= 0.0):
                continue
            v_a = xs_a if math.isnan(u_a) else u_a
            tot = base + (v_a - st_a) * w_a
            a_a = abs((t * sc_a - tot) / (s_a * c_a))
            e_a = a_a * s_a * c_a / sc_a
            if variant == 0:
                e_b = (s_a + sd_b) / (sd_a + s_b) * e_a
            elif side == 0:
                e_b = e_a / ratio
            else:
                e_b = ratio * e_a
            m_b = abs(e_b * sc_b / (c_b * s_b))
            m_a = a_a
            if xs_b > xd_a:
                m_b = -m_b
            if xs_a > xd_b:
                m_a = -m_a
            if variant == 0:
                gain = abs(e_b * s_b - e_a * sd_b)
            elif side == 0:
                gain = _gain(variant, e_b, e_a, ssi, sdi, ssj, sdj)
            else:
                gain = _gain(variant, e_a, e_b, ssi, sdi, ssj, sdj)
            if side == 0:
                mi, mj = m_a, m_b
            else:
                mj, mi = m_a, m_b
            yi = xsi + mi
            yj = xsj + mj
        valid = _side_valid(mi, yi, psi, pni, ppi) and _side_valid(mj, yj, psj, pnj, ppj)
    f[k, MI], f[k, MJ], f[k, YI], f[k, YJ] = mi, mj, yi, yj
    f[k, GAIN] = gain if valid else 0.0
    return valid


@numba.njit(cache=True)  # type: ignore[misc]
def _rex(f: Any, k: int, p: float, key: Any, t: int, uid: int, ncalc: int) -> float:
    # pragma: no cover - compiled
    u = _uniform(key, t, uid, ncalc, 2)
    w = _uniform(key, t, uid, ncalc, 3)
    z = _uniform(key, t, uid, ncalc, 4)
    ssi, sdi, ssj, sdj = f[k, SSI], f[k, SDI], f[k, SSJ], f[k, SDJ]
    eq = (ssj + sdi) / (sdj + ssi)
    target = ssj / sdj if (u < 0.5) == (w < 0.5) else sdi / ssi
    out: float = eq + p * z * (target - eq)
    return out


@numba.njit(cache=True)  # type: ignore[misc]
def _record(tab: Any, k: int, slot: int, actor: int, y: float, start: float) -> None:
    # pragma: no cover - compiled
    e = tab[k, slot, actor]
    if math.isnan(e):
        tab[k, slot, actor] = y
    elif start <= e:
        tab[k, slot, actor] = e if e < y else y
    else:
        tab[k, slot, actor] = e if e > y else y


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _before(q1: float, s1: int, q2: float, s2: int) -> bool:  # pragma: no cover - compiled
    """List order of §7.1: larger (quantised) gain first, then smaller list key."""
    return q1 > q2 or (q1 == q2 and s1 < s2)


@numba.njit(cache=True)  # type: ignore[misc]
def _push(hq: Any, hs: Any, hk: Any, size: int, q: float, sk: int, k: int) -> int:
    # pragma: no cover - compiled
    i = size
    hq[i], hs[i], hk[i] = q, sk, k
    while i > 0:
        par = (i - 1) // 2
        if not _before(hq[i], hs[i], hq[par], hs[par]):
            break
        hq[i], hq[par] = hq[par], hq[i]
        hs[i], hs[par] = hs[par], hs[i]
        hk[i], hk[par] = hk[par], hk[i]
        i = par
    return size + 1


@numba.njit(cache=True)  # type: ignore[misc]
def _pop(hq: Any, hs: Any, hk: Any, size: int) -> int:  # pragma: no cover - compiled
    size -= 1
    hq[0], hs[0], hk[0] = hq[size], hs[size], hk[size]
    i = 0
    while True:
        best = i
        for ch in (2 * i + 1, 2 * i + 2):
            if ch < size and _before(hq[ch], hs[ch], hq[best], hs[best]):
                best = ch
        if best == i:
            break
        hq[i], hq[best] = hq[best], hq[i]
        hs[i], hs[best] = hs[best], hs[i]
        hk[i], hk[best] = hk[best], hk[i]
        i = best
    return size


@numba.njit(cache=True)  # type: ignore[misc]
def _clean(hq: Any, hs: Any, hk: Any, size: int, f: Any, g: Any, dead: Any) -> int:
    """Drop heap entries of executed, dropped or re-keyed candidates from the top."""
    # pragma: no cover - compiled
    while size > 0:
        k = hk[0]
        if not dead[k] and hq[0] == f[k, QG] and hs[0] == g[k, SKEY]:
            break
        size = _pop(hq, hs, hk, size)
    return size


@numba.njit(cache=True)  # type: ignore[misc]
def _grow(hq: Any, hs: Any, hk: Any, size: int, need: int) -> Any:  # pragma: no cover
    cap = 2 * hq.shape[0] + need
    hq2 = np.empty(cap)
    hs2 = np.empty(cap, dtype=np.int64)
    hk2 = np.empty(cap, dtype=np.int64)
    hq2[:size] = hq[:size]
    hs2[:size] = hs[:size]
    hk2[:size] = hk[:size]
    return hq2, hs2, hk2


@numba.njit(cache=True)  # type: ignore[misc]
def _draw(
    x0: Any, s: Any, c: Any, part: Any, rounds: int, variant: int, p: float,
    random_ties: bool, key: Any, w_s: float, w_f: float, max_ex: int, nb: int,
    starts: Any, voting: Any, counts: Any, record: bool, ev: Any, ev_n: Any,
) -> None:  # pragma: no cover - compiled
    n_a, n_i = x0.shape
    f = np.empty((nb, _NF))
    g = np.zeros((nb, _NI), dtype=np.int64)
    tab = np.empty((nb, 2, n_a))
    dead = np.zeros(nb, dtype=np.bool_)
    alist = np.empty((n_a, nb), dtype=np.int64)
    alen = np.zeros(n_a, dtype=np.int64)
    hq = np.empty(nb + 8)
    hs = np.empty(nb + 8, dtype=np.int64)
    hk = np.empty(nb + 8, dtype=np.int64)
    moved = np.empty(nb, dtype=np.int64)
    mq = np.empty(nb)
    mk = np.empty(nb, dtype=np.int64)
    w = np.zeros((n_a, n_i))
    for a in range(n_a):
        for i in range(n_i):
            if part[a, i]:
                w[a, i] = s[a, i] * c[a, i]
    x = x0.copy()
    starts[0] = x
    sc = np.empty(n_i)
    sx = np.empty(n_i)
    out = np.empty(n_i)
    left = np.empty((n_a, n_i), dtype=np.bool_)
    for t in range(rounds):
        for i in range(n_i):
            a_sc = 0.0
            a_sx = 0.0
            for a in range(n_a):
                a_sc = a_sc + w[a, i]
                a_sx = a_sx + x[a, i] * w[a, i]
            sc[i] = a_sc
            sx[i] = a_sx
            out[i] = a_sx / a_sc if a_sc > 0.0 else 0.0
        for a in range(n_a):
            for i in range(n_i):
                left[a, i] = x[a, i] <= out[i] + TOL
        vote = x.copy()
        new = x.copy()
        # §5 candidates in generation order
        n = 0
        for pi in range(n_i):
            for qi in range(pi + 1, n_i):
                for blk in range(2):
                    for u in range(n_a):
                        if not (part[u, pi] and part[u, qi]):
                            continue
                        if blk == 0 and (left[u, pi] or left[u, qi]):
                            continue
                        if blk == 1 and not (left[u, pi] and not left[u, qi]):
                            continue
                        for v in range(n_a):
                            if not (part[v, pi] and part[v, qi]):
                                continue
                            if blk == 0 and not (left[v, pi] and left[v, qi]):
                                continue
                            if blk == 1 and not (not left[v, pi] and left[v, qi]):
                                continue
                            if s[u, pi] / s[u, qi] < s[v, pi] / s[v, qi]:
                                ia, ja = v, u
                            else:
                                ia, ja = u, v
                            g[n, P], g[n, Q], g[n, IA], g[n, JA] = pi, qi, ia, ja
                            f[n, SSI], f[n, SDI], f[n, CSI] = s[ia, qi], s[ia, pi], c[ia, qi]
                            f[n, STI], f[n, XDI], f[n, XSI] = x[ia, qi], x[ia, pi], x[ia, qi]
                            f[n, SSJ], f[n, SDJ], f[n, CSJ] = s[ja, pi], s[ja, qi], c[ja, pi]
                            f[n, STJ], f[n, XDJ], f[n, XSJ] = x[ja, pi], x[ja, qi], x[ja, pi]
                            f[n, SCP], f[n, SCQ] = sc[pi], sc[qi]
                            f[n, SP], f[n, SQ] = sx[pi], sx[qi]
                            f[n, PSI] = 0.0
                            f[n, PSJ] = 0.0
                            g[n, PNI], g[n, PPI], g[n, PNJ], g[n, PPJ] = 1, 1, 1, 1
                            g[n, SKEY], g[n, NCALC], g[n, UID] = n, 0, n
                            if variant == 1:
                                z = _uniform(key, t, n, 0, 1)
                                lo = f[n, SSJ] / f[n, SDJ]
                                hi = f[n, SDI] / f[n, SSI]
                                f[n, RATIO] = lo + z * (hi - lo)
                            else:
                                f[n, RATIO] = 1.0
                            n += 1
        # candidates by actor (the walk only visits those sharing an actor with X)
        for a in range(n_a):
            alen[a] = 0
        hsize = 0
        if hq.shape[0] < n + 8:
            hq = np.empty(2 * n + 8)
            hs = np.empty(2 * n + 8, dtype=np.int64)
            hk = np.empty(2 * n + 8, dtype=np.int64)
        for k in range(n):
            if variant == 2:
                f[k, RATIO] = _rex(f, k, p, key, t, k, 0)
            ok = _compute(f, g, k, variant, 0.0, np.nan, 0.0, np.nan)
            g[k, NCALC] += 1
            dead[k] = not ok
            if ok:
                f[k, QG] = _quantise(f[k, GAIN])
                hsize = _push(hq, hs, hk, hsize, f[k, QG], g[k, SKEY], k)
                for a in (g[k, IA], g[k, JA]):
                    alist[a, alen[a]] = k
                    alen[a] += 1
            for a in range(n_a):
                tab[k, 0, a] = np.nan
                tab[k, 1, a] = np.nan
        lo_ctr = -1
        hi_ctr = n
        step = 0
        n_ex = 0
        while n_ex < max_ex:
            # §7.1 head of the stably sorted list: the heap's top (stale entries skipped)
            hsize = _clean(hq, hs, hk, hsize, f, g, dead)
            if hsize == 0:
                break
            xk = hk[0]
            hsize = _pop(hq, hs, hk, hsize)
            if random_ties:
                hsize = _clean(hq, hs, hk, hsize, f, g, dead)
                if (hsize > 0 and hq[0] == f[xk, QG]
                        and _uniform(key, t, step, 0, 5) >= 0.5):
                    g[xk, SKEY] = hi_ctr  # the head goes to the end of the list
                    hi_ctr += 1
                    sk = hk[0]
                    hsize = _pop(hq, hs, hk, hsize)
                    if hsize + 1 > hq.shape[0]:
                        hq, hs, hk = _grow(hq, hs, hk, hsize, 1)
                    hsize = _push(hq, hs, hk, hsize, f[xk, QG], g[xk, SKEY], xk)
                    xk = sk
            step += 1
            dead[xk] = True
            n_ex += 1
            bi, bj, bp, bq = g[xk, IA], g[xk, JA], g[xk, P], g[xk, Q]
            byi, byj = f[xk, YI], f[xk, YJ]
            bsti, bstj = f[xk, STI], f[xk, STJ]
            if record:
                row = ev_n[t]
                ev[t, row, 0], ev[t, row, 1], ev[t, row, 2], ev[t, row, 3] = bi, bj, bp, bq
                ev[t, row, 4], ev[t, row, 5], ev[t, row, 6] = f[xk, XSI], byi, f[xk, MI]
                ev[t, row, 7], ev[t, row, 8], ev[t, row, 9] = f[xk, XSJ], byj, f[xk, MJ]
                ev[t, row, 10] = f[xk, GAIN]
                ev_n[t] = row + 1
            vote[bi, bq] = byi
            vote[bj, bp] = byj
            ss = s[bi, bq]
            new[bi, bq] = (1.0 - ss) * w_s * byi + w_f * byi + (1.0 - (1.0 - ss) * w_s - w_f) * bsti
            ss = s[bj, bp]
            new[bj, bp] = (1.0 - ss) * w_s * byj + w_f * byj + (1.0 - (1.0 - ss) * w_s - w_f) * bstj
            # §7.1–7.3 walk the remaining candidates that share an actor with X
            n_mv = 0
            for who in range(2):
                actor = bi if who == 0 else bj
                w_len = 0
                for r in range(alen[actor]):
                    k = alist[actor, r]
                    if dead[k]:
                        continue
                    alist[actor, w_len] = k  # compact the list as we go
                    w_len += 1
                    ia, ja, cp_, cq_ = g[k, IA], g[k, JA], g[k, P], g[k, Q]
                    if who == 1 and (ia == bi or ja == bi):
                        continue  # already visited through X.I's actor
                    i_xi = ia == bi and cq_ == bq
                    i_xj = ia == bj and cq_ == bp
                    j_xi = ja == bi and cp_ == bq
                    j_xj = ja == bj and cp_ == bp
                    cond_a = (bj == ja and bq == cq_) or (bj == ia and bq == cp_)
                    cond_b = (bi == ja and bp == cq_) or (bi == ia and bp == cp_)
                    if not (i_xi or i_xj or j_xi or j_xj or cond_a or cond_b):
                        continue
                    if i_xi or i_xj:
                        m_old = f[k, MI]
                        f[k, PSI] = f[k, PSI] + m_old
                        g[k, PNI] = 1 if (g[k, PNI] != 0 and m_old < 0.0) else 0
                        g[k, PPI] = 1 if (g[k, PPI] != 0 and m_old > 0.0) else 0
                        f[k, XSI] = byi if i_xi else byj
                    if j_xi or j_xj:
                        m_old = f[k, MJ]
                        f[k, PSJ] = f[k, PSJ] + m_old
                        g[k, PNJ] = 1 if (g[k, PNJ] != 0 and m_old < 0.0) else 0
                        g[k, PPJ] = 1 if (g[k, PPJ] != 0 and m_old > 0.0) else 0
                        f[k, XSJ] = byi if j_xi else byj
                    if cond_a:
                        _record(tab, k, 1 if bq == cq_ else 0, bi, byi, bsti)
                    if cond_b:
                        _record(tab, k, 1 if bp == cq_ else 0, bj, byj, bstj)
                    corri = 0.0
                    corrj = 0.0
                    for a in range(n_a):
                        e = tab[k, 1, a]
                        if a != ia and not math.isnan(e):
                            corri = corri + (e - x[a, cq_]) * w[a, cq_]
                        e = tab[k, 0, a]
                        if a != ja and not math.isnan(e):
                            corrj = corrj + (e - x[a, cp_]) * w[a, cp_]
                    if variant == 2:
                        f[k, RATIO] = _rex(f, k, p, key, t, g[k, UID], g[k, NCALC])
                    ok = _compute(f, g, k, variant, corri, tab[k, 1, ia], corrj, tab[k, 0, ja])
                    g[k, NCALC] += 1
                    if not ok:
                        dead[k] = True
                        w_len -= 1
                        continue
                    q_new = _quantise(f[k, GAIN])
                    if q_new != f[k, QG]:
                        moved[n_mv] = k
                        mq[n_mv] = f[k, QG]
                        mk[n_mv] = g[k, SKEY]
                        n_mv += 1
                        f[k, QG] = q_new
                alen[actor] = w_len
            if n_mv > 0:
                # order the moved candidates by their old list position (insertion sort)
                for a in range(1, n_mv):
                    kk, qq, ky = moved[a], mq[a], mk[a]
                    b = a - 1
                    while b >= 0 and (mq[b] < qq or (mq[b] == qq and mk[b] > ky)):
                        moved[b + 1], mq[b + 1], mk[b + 1] = moved[b], mq[b], mk[b]
                        b -= 1
                    moved[b + 1], mq[b + 1], mk[b + 1] = kk, qq, ky
                n_down = 0
                for a in range(n_mv):
                    if mq[a] > f[moved[a], QG]:
                        n_down += 1
                rank = 0
                for a in range(n_mv):
                    k = moved[a]
                    if mq[a] > f[k, QG]:
                        g[k, SKEY] = lo_ctr - n_down + 1 + rank
                        rank += 1
                lo_ctr -= n_down
                for a in range(n_mv):
                    k = moved[a]
                    if mq[a] < f[k, QG]:
                        g[k, SKEY] = hi_ctr
                        hi_ctr += 1
                if hsize + n_mv > hq.shape[0]:
                    hq, hs, hk = _grow(hq, hs, hk, hsize, n_mv)
                for a in range(n_mv):
                    k = moved[a]
                    hsize = _push(hq, hs, hk, hsize, f[k, QG], g[k, SKEY], k)
        counts[t] = n_ex
        voting[t] = vote
        x = new
        starts[t + 1] = x


@numba.njit(cache=True, parallel=True)  # type: ignore[misc]
def _batch(
    x: Any, s: Any, c: Any, part: Any, rounds: int, variant: int, p: float, random_ties: bool,
    keys: Any, w_s: float, w_f: float, max_ex: int, nb: int, starts: Any, voting: Any,
    counts: Any, record: bool, ev: Any, ev_n: Any,
) -> None:  # pragma: no cover - compiled
    for d in numba.prange(x.shape[0]):
        _draw(x[d], s[d], c[d], part[d], rounds, variant, p, random_ties, keys[d], w_s, w_f,
              max_ex, nb, starts[d], voting[d], counts[d], record and d == 0, ev, ev_n)


@numba.njit(cache=True)  # type: ignore[misc]
def _single(
    x: Any, s: Any, c: Any, part: Any, rounds: int, variant: int, p: float, random_ties: bool,
    keys: Any, w_s: float, w_f: float, max_ex: int, nb: int, starts: Any, voting: Any,
    counts: Any, record: bool, ev: Any, ev_n: Any,
) -> None:  # pragma: no cover - compiled
    """One draw without the thread pool (a lone draw gains nothing from it)."""
    _draw(x[0], s[0], c[0], part[0], rounds, variant, p, random_ties, keys[0], w_s, w_f,
          max_ex, nb, starts[0], voting[0], counts[0], record, ev, ev_n)


def run_numba(
    x: Any, s: Any, c: Any, part: Any, *, rounds: int, variant: int, p: float,
    random_ties: bool, keys: Any, salience_weight: float, fixed_weight: float,
    max_exchanges: int, record: bool,
) -> FastResult:
    """Same contract as :func:`summitry.models._exchange_fast.run_numpy`."""
    n_d, n_a, n_i = x.shape
    nb = max(1, n_i * (n_i - 1) // 2 * (n_a * n_a // 4))
    starts = np.empty((n_d, rounds + 1, n_a, n_i))
    voting = np.empty((n_d, rounds, n_a, n_i))
    counts = np.zeros((n_d, rounds), dtype=np.int64)
    ev = np.zeros((rounds, nb if record else 1, EVENT_COLUMNS))
    ev_n = np.zeros(rounds, dtype=np.int64)
    kernel = _single if n_d == 1 else _batch
    kernel(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(s, dtype=np.float64),
           np.ascontiguousarray(c, dtype=np.float64), np.ascontiguousarray(part, dtype=np.bool_),
           rounds, variant, p, random_ties, np.ascontiguousarray(keys, dtype=np.uint64),
           salience_weight, fixed_weight, max_exchanges, nb, starts, voting, counts, record,
           ev, ev_n)
    events = [ev[t, : ev_n[t]].copy() for t in range(rounds)] if record else []
    return FastResult(starts, voting, counts, events)
