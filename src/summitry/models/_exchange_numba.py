"""Compiled kernel of the exchange model's fast engine (Numba, one draw per iteration).

The same steps as :func:`summitry.models._exchange_fast.run_numpy` written as scalar
loops, so a round costs O(candidates) per executed exchange without array temporaries.
Every floating-point operation is the NumPy engine's, in the same order, so the two
engines give bit-identical results (tests/models/test_exchange.py pins this). Imported
only when numba is installed (``Exchange(engine="auto"|"numba")``).

What keeps a round cheap (Monte Carlo solves thousands of draws):

- **Scratch once per block.** Draws are split into blocks run in parallel (``prange``);
  a block allocates its candidate tables, tree and lists once and reuses them for every
  draw and round (allocation inside a parallel loop is slow).
- **Only the affected candidates are visited.** After exchange X (X.I supplies q and
  demands p, X.J the reverse) §7.1–7.2 touch exactly the candidates with a side that
  shares X.I's actor and its supply issue or its demand issue, or the same for X.J. Each
  candidate side is threaded on two linked lists, (actor, supply issue) and (actor,
  demand issue), so the walk follows four short lists instead of scanning every
  candidate of both actors. The order of the visits does not matter: each recomputation
  reads only its own candidate's state, and the re-sorted keys are assigned after the
  walk in old list order.
- **The sorted list is a tournament tree** over the candidates (a leaf per candidate,
  every node the first of its two children in list order): executing or re-keying a
  candidate repairs one path, and the root is the head of the list. A dropped (invalid)
  candidate keeps its leaf until it reaches the root, where :func:`_purge` takes it
  out: most drops never get there, and the first live leaf is the same either way. List
  keys are unique, so the head is the same whatever structure finds it.
- **Sign test first.** A side's move has the sign its positions give it (§6.3, also
  after truncation), so a candidate whose moves list no longer allows that sign (§6.5)
  is dropped before its tables are updated and §6 is evaluated: about half the drops.
- **§7.2 tables list their movers** in actor order, so the outcome corrections sum only
  the recorded entries (in the order the NumPy engine adds them).
- **Quantised gains in integer form** (:func:`_quantise`), without library calls.
- **No array arguments to helpers in the hot loops.** Numba increments and decrements
  the reference count of every array passed to a function, even an inlined one, with
  atomic instructions; its pruning pass removes the pairs only around simple code, and
  they were a quarter of the kernel's time. :func:`_compute` takes and returns scalars,
  the §7.2 table update is written out in :func:`_draw`, and arrays are reset by loops
  rather than through slices (``a[:] = v`` builds a counted view).
- **History for the first draws only** (``history_draws``): every draw returns its final
  positions and exchange counts; the round-by-round positions are written for the first
  ``history_draws`` draws.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import prange

from summitry.models._exchange_fast import EPS, EVENT_COLUMNS, QBITS, TOL, FastResult

__all__ = ["run_numba"]

_Q = 2.0**QBITS
_DROP = 53 - QBITS  # mantissa bits (of 53) a quantised gain drops
_HALF = np.uint64(1 << (_DROP - 1))
_KEEP = np.uint64(0xFFFFFFFFFFFFFFFF ^ ((1 << _DROP) - 1))
_TINY = 2.2250738585072014e-308  # smallest positive normal float
_HUGE = 1.7976931348623157e308  # largest finite float

# float fields of the candidate table
(XSI, XDI, SSI, SDI, CSI, STI, XSJ, XDJ, SSJ, SDJ, CSJ, STJ, MI, MJ, YI, YJ, GAIN, QG,
 PSI, PSJ, RATIO, SCP, SCQ, SP, SQ) = range(25)
_NF = 25
# integer fields
(P, Q, IA, JA, PNI, PPI, PNJ, PPJ, SKEY, NCALC, UID) = range(11)
_NI = 11
# a candidate's four list links: I by (actor, supply issue q), J by (actor, supply p),
# I by (actor, demand issue p), J by (actor, demand q)
_LINKS = 4


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
def _quantise(g: float, cell: Any, cell_bits: Any) -> float:  # pragma: no cover - compiled
    """:func:`summitry.models._exchange_fast.quantise` of one gain.

    For a positive normal float, ``frexp``/``floor(m·2^QBITS + 0.5)``/``ldexp`` adds half
    a unit of the last kept bit to the stored mantissa and clears the dropped bits (a
    carry into the exponent is the round-up to the next power of two); the integer form
    gives the same bits without the library calls. Other values take the library path
    (non-finite ones come back unchanged, as through NumPy's).
    ``cell`` is a one-float scratch array and ``cell_bits`` its ``uint64`` view.
    """
    if g >= _TINY and g <= _HUGE:
        cell[0] = g
        cell_bits[0] = (cell_bits[0] + _HALF) & _KEEP
        out: float = cell[0]
        return out
    if not math.isfinite(g):
        return g  # as NumPy's frexp/ldexp
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


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _compute(variant: int, xsi: float, xdi: float, ssi: float, sdi: float, csi: float,
             sti: float, xsj: float, xdj: float, ssj: float, sdj: float, csj: float,
             stj: float, scp: float, scq: float, sp: float, sq: float, ratio: float,
             psi: float, psj: float, pni: int, ppi: int, pnj: int, ppj: int, corri: float,
             ui: float, corrj: float, uj: float) -> tuple[bool, float, float, float, float,
                                                          float]:  # pragma: no cover
    """§6 for one candidate; mirrors :func:`summitry.models._exchange_fast.compute`.

    Takes the candidate's fields as scalars and returns ``(valid, mi, mj, yi, yj, gain)``
    (gain 0 when invalid; the moves only matter for a valid candidate). Scalars rather
    than the candidate tables: an array argument of an inlined function costs an atomic
    reference-count pair per call, which was a quarter of the kernel's time.
    """
    if not (csi > 0.0 and csj > 0.0):
        return False, 0.0, 0.0, 0.0, 0.0, 0.0
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
    return valid, mi, mj, yi, yj, (gain if valid else 0.0)


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
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


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _correction(tab: Any, who: Any, n_who: Any, k: int, slot: int, own: int, x: Any,
                w: Any, iss: int) -> tuple[float, float]:  # pragma: no cover - compiled
    """The table's outcome shift from the other movers (summed in actor order) and the
    own recorded position (NaN: none)."""
    corr = 0.0
    own_y = np.nan
    for r in range(n_who[k, slot]):
        a = who[k, slot, r]
        if a == own:
            own_y = tab[k, slot, a]
        else:
            corr = corr + (tab[k, slot, a] - x[a, iss]) * w[a, iss]
    return corr, own_y


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _before(q1: float, s1: int, q2: float, s2: int) -> bool:  # pragma: no cover - compiled
    """List order of §7.1: larger (quantised) gain first, then smaller list key."""
    return q1 > q2 or (q1 == q2 and s1 < s2)


#: Sort key of a leaf without a live candidate (after every live one).
_NONE_Q = -math.inf
_NONE_S = np.iinfo(np.int64).max


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _settle(tq: Any, ts: Any, tk: Any, i: int) -> None:  # pragma: no cover - compiled
    """Tree node ``i`` takes the first (in list order) of its two children."""
    lft = 2 * i
    if _before(tq[lft + 1], ts[lft + 1], tq[lft], ts[lft]):
        lft += 1
    tq[i], ts[i], tk[i] = tq[lft], ts[lft], tk[lft]


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _set_leaf(tq: Any, ts: Any, tk: Any, n_leaves: int, k: int, q: float,
              sk: int) -> None:  # pragma: no cover - compiled
    """Give candidate ``k`` the key (q, sk) and repair the path to the root."""
    i = n_leaves + k
    tq[i], ts[i], tk[i] = q, sk, k
    i >>= 1
    while i >= 1:
        _settle(tq, ts, tk, i)
        i >>= 1


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _purge(tq: Any, ts: Any, tk: Any, n_leaves: int, dead: Any) -> None:  # pragma: no cover
    """Take dropped candidates off the top of the tree until a live one heads it.

    A candidate found invalid keeps its leaf (re-keying it would cost a path repair per
    drop); the root is the head of the list only once no dropped candidate is above it.
    """
    while tq[1] != _NONE_Q and dead[tk[1]]:
        _set_leaf(tq, ts, tk, n_leaves, tk[1], _NONE_Q, _NONE_S)


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _link(head: Any, nxt: Any, lst: int, k: int, slot: int) -> None:  # pragma: no cover
    node = k * _LINKS + slot
    nxt[node] = head[lst]
    head[lst] = node


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _leaves(n: int) -> int:  # pragma: no cover - compiled
    """Leaves of the tournament tree: the smallest power of two ≥ ``n``."""
    size = 1
    while size < n:
        size *= 2
    return size


@numba.njit(cache=True)  # type: ignore[misc]
def _scratch(nb: int, n_a: int, n_i: int) -> Any:  # pragma: no cover - compiled
    """The working arrays of one draw, allocated once per block of draws (see _draw)."""
    cap = 2 * _leaves(nb)
    return (
        np.empty((nb, _NF)),  # f: float fields of the candidates
        np.zeros((nb, _NI), dtype=np.int64),  # g: integer fields
        np.empty((nb, 2, n_a)),  # tab: §7.2 update tables (slot 0: issue p, 1: q)
        np.empty((nb, 2, n_a), dtype=np.int64),  # who: recorded actors, in actor order
        np.zeros((nb, 2), dtype=np.int64),  # n_who
        np.zeros(nb, dtype=np.bool_),  # dead: executed or dropped
        np.zeros(nb, dtype=np.int64),  # mark: overlap flags during a walk
        np.empty(nb, dtype=np.int64),  # visit: candidates reached by a walk
        np.empty(2 * n_a * n_i, dtype=np.int64),  # head: first node of each list
        np.empty(nb * _LINKS, dtype=np.int64),  # nxt: next node of each list
        np.empty(cap), np.empty(cap, dtype=np.int64),  # tq, ts: tree keys (gain, list key)
        np.empty(cap, dtype=np.int64),  # tk: tree candidate
        np.empty(nb, dtype=np.int64), np.empty(nb), np.empty(nb, dtype=np.int64),  # moved
        np.empty((n_a, n_i)), np.empty((n_a, n_i)), np.empty((n_a, n_i)),  # w, x, new
        np.empty((n_a, n_i), dtype=np.bool_),  # left
        np.empty(n_i), np.empty(n_i), np.empty(n_i),  # sc, sx, out
        np.empty((4, n_a), dtype=np.int64), np.empty(4, dtype=np.int64),  # actor classes
        np.empty(1),  # cell: bit view for _quantise
    )


@numba.njit(cache=True)  # type: ignore[misc]
def _draw(
    x0: Any, s: Any, c: Any, part: Any, rounds: int, variant: int, p: float,
    random_ties: bool, key: Any, w_s: float, w_f: float, max_ex: int, scr: Any,
    history: bool, starts: Any, voting: Any, final: Any, counts: Any, record: bool, ev: Any,
    ev_n: Any,
) -> None:  # pragma: no cover - compiled
    """All rounds of one draw on the block's scratch ``scr``.

    Writes ``final`` (positions after the last round) and ``counts``; with ``history``
    also the round starts (``starts``) and voting positions (``voting``); with ``record``
    the executed exchanges (``ev``, ``ev_n``).
    """
    (f, g, tab, who, n_who, dead, mark, visit, head, nxt, tq, ts, tk, moved, mq, mk,
     w, x, new, left, sc, sx, out, cls, n_cls, cell) = scr
    cell_bits = cell.view(np.uint64)
    n_a, n_i = x0.shape
    for a in range(n_a):
        for i in range(n_i):
            w[a, i] = s[a, i] * c[a, i] if part[a, i] else 0.0
            x[a, i] = x0[a, i]
    if history:
        starts[0] = x
    for t in range(rounds):
        # §3 outcomes, summed in actor order
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
                new[a, i] = x[a, i]
        if history:
            voting[t] = x
        for lst in range(2 * n_a * n_i):
            head[lst] = -1
        # §5 candidates in generation order: per pair, right-right × left-left, then
        # left-right × right-left, each by actor order
        n = 0
        for pi in range(n_i):
            for qi in range(pi + 1, n_i):
                for k_cls in range(4):
                    n_cls[k_cls] = 0
                for a in range(n_a):
                    if part[a, pi] and part[a, qi]:
                        k_cls = (0 if not left[a, pi] else 1) + (0 if not left[a, qi] else 2)
                        # 0: right on both, 3: left on both, 1: left p right q, 2: the reverse
                        cls[k_cls, n_cls[k_cls]] = a
                        n_cls[k_cls] += 1
                for blk in range(2):
                    cu, cv = (0, 3) if blk == 0 else (1, 2)
                    for r_u in range(n_cls[cu]):
                        u = cls[cu, r_u]
                        for r_v in range(n_cls[cv]):
                            v = cls[cv, r_v]
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
        # first calculation of every candidate; the valid ones enter the tree and the
        # lists the walk follows: (role, actor, issue) with role 0 = supplies, 1 = demands
        n_leaves = _leaves(n)
        for k in range(n):
            if variant == 2:
                f[k, RATIO] = _rex(f, k, p, key, t, k, 0)
            ok, mi, mj, yi, yj, gain = _compute(
                variant, f[k, XSI], f[k, XDI], f[k, SSI], f[k, SDI], f[k, CSI], f[k, STI],
                f[k, XSJ], f[k, XDJ], f[k, SSJ], f[k, SDJ], f[k, CSJ], f[k, STJ], f[k, SCP],
                f[k, SCQ], f[k, SP], f[k, SQ], f[k, RATIO], f[k, PSI], f[k, PSJ], g[k, PNI],
                g[k, PPI], g[k, PNJ], g[k, PPJ], 0.0, np.nan, 0.0, np.nan)
            f[k, MI], f[k, MJ], f[k, YI], f[k, YJ], f[k, GAIN] = mi, mj, yi, yj, gain
            g[k, NCALC] += 1
            dead[k] = not ok
            n_who[k, 0] = 0
            n_who[k, 1] = 0
            mark[k] = 0
            leaf = n_leaves + k
            if ok:
                f[k, QG] = _quantise(f[k, GAIN], cell, cell_bits)
                tq[leaf], ts[leaf], tk[leaf] = f[k, QG], g[k, SKEY], k
                ia, ja, cp_, cq_ = g[k, IA], g[k, JA], g[k, P], g[k, Q]
                _link(head, nxt, ia * n_i + cq_, k, 0)
                _link(head, nxt, ja * n_i + cp_, k, 1)
                _link(head, nxt, (n_a + ia) * n_i + cp_, k, 2)
                _link(head, nxt, (n_a + ja) * n_i + cq_, k, 3)
            else:
                tq[leaf], ts[leaf], tk[leaf] = _NONE_Q, _NONE_S, k
        for leaf in range(n_leaves + n, 2 * n_leaves):
            tq[leaf], ts[leaf], tk[leaf] = _NONE_Q, _NONE_S, -1
        for i in range(n_leaves - 1, 0, -1):
            _settle(tq, ts, tk, i)
        lo_ctr = -1
        hi_ctr = n
        step = 0
        n_ex = 0
        while n_ex < max_ex:
            # §7.1 head of the stably sorted list: the tree's root, once the dropped
            # candidates above it are taken out
            if n == 0:
                break
            _purge(tq, ts, tk, n_leaves, dead)
            if tq[1] == _NONE_Q:
                break
            xk = tk[1]
            _set_leaf(tq, ts, tk, n_leaves, xk, _NONE_Q, _NONE_S)
            _purge(tq, ts, tk, n_leaves, dead)
            if (random_ties and tq[1] != _NONE_Q and tq[1] == f[xk, QG]
                    and _uniform(key, t, step, 0, 5) >= 0.5):
                # a tie with the next one: on heads the head goes to the end of the list
                g[xk, SKEY] = hi_ctr
                hi_ctr += 1
                _set_leaf(tq, ts, tk, n_leaves, xk, f[xk, QG], g[xk, SKEY])
                xk = tk[1]
                _set_leaf(tq, ts, tk, n_leaves, xk, _NONE_Q, _NONE_S)
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
            if history:
                voting[t, bi, bq] = byi
                voting[t, bj, bp] = byj
            ss = s[bi, bq]
            new[bi, bq] = (1.0 - ss) * w_s * byi + w_f * byi + (1.0 - (1.0 - ss) * w_s - w_f) * bsti
            ss = s[bj, bp]
            new[bj, bp] = (1.0 - ss) * w_s * byj + w_f * byj + (1.0 - (1.0 - ss) * w_s - w_f) * bstj
            # §7.1–7.2: the live candidates with a side sharing X.I's actor and supply
            # issue (7.1) or demand issue (7.2), or X.J's. The list and the side it
            # threads tell which overlap: bit 0 E.I–X.I, 1 E.J–X.I, 2 E.I–X.J, 3 E.J–X.J
            # (supply, 7.1), 4 demand overlap with X.J (cond. a), 5 with X.I (cond. b).
            # Dead entries are unlinked on the way.
            n_vis = 0
            for which in range(4):
                if which == 0:
                    lst = bi * n_i + bq
                elif which == 1:
                    lst = (n_a + bi) * n_i + bp
                elif which == 2:
                    lst = bj * n_i + bp
                else:
                    lst = (n_a + bj) * n_i + bq
                prev = -1
                node = head[lst]
                while node >= 0:
                    k = node // _LINKS
                    following = nxt[node]
                    if dead[k]:
                        if prev < 0:
                            head[lst] = following
                        else:
                            nxt[prev] = following
                        node = following
                        continue
                    if mark[k] == 0:
                        visit[n_vis] = k
                        n_vis += 1
                    if which == 0:
                        mark[k] |= 1 << (node % _LINKS)
                    elif which == 2:
                        mark[k] |= 4 << (node % _LINKS)
                    elif which == 3:
                        mark[k] |= 16
                    else:
                        mark[k] |= 32
                    prev = node
                    node = following
            # §7.3 recompute them
            n_mv = 0
            for r in range(n_vis):
                k = visit[r]
                flags = mark[k]
                mark[k] = 0
                ia, ja, cp_, cq_ = g[k, IA], g[k, JA], g[k, P], g[k, Q]
                if flags & 5:  # E.I supplied what X.I or X.J supplied
                    m_old = f[k, MI]
                    f[k, PSI] = f[k, PSI] + m_old
                    g[k, PNI] = 1 if (g[k, PNI] != 0 and m_old < 0.0) else 0
                    g[k, PPI] = 1 if (g[k, PPI] != 0 and m_old > 0.0) else 0
                    f[k, XSI] = byi if flags & 1 else byj
                if flags & 10:
                    m_old = f[k, MJ]
                    f[k, PSJ] = f[k, PSJ] + m_old
                    g[k, PNJ] = 1 if (g[k, PNJ] != 0 and m_old < 0.0) else 0
                    g[k, PPJ] = 1 if (g[k, PPJ] != 0 and m_old > 0.0) else 0
                    f[k, XSJ] = byi if flags & 2 else byj
                if ((g[k, PNI] if f[k, XSI] > f[k, XDJ] else g[k, PPI]) == 0
                        or (g[k, PNJ] if f[k, XSJ] > f[k, XDI] else g[k, PPJ]) == 0):
                    # §6.5: a side's move has the sign fixed by its positions, and its
                    # moves list no longer allows that sign: invalid whatever §6 gives
                    dead[k] = True
                    continue
                # §7.2: enter the movers' voting positions in the update tables.
                # who[k, slot, :n_who[k, slot]] lists the recorded actors in actor order
                # (the order of the sums that read the table), tab[k, slot, actor] their
                # entries. Written out here: as a helper taking the arrays it cost an
                # atomic reference-count pair per call (see the module docstring).
                for mover in range(2):
                    if mover == 0:
                        if not flags & 16:
                            continue
                        slot, actor, y, start = (1 if bq == cq_ else 0), bi, byi, bsti
                    else:
                        if not flags & 32:
                            continue
                        slot, actor, y, start = (1 if bp == cq_ else 0), bj, byj, bstj
                    n_rec = n_who[k, slot]
                    r = 0
                    while r < n_rec and who[k, slot, r] < actor:
                        r += 1
                    if r < n_rec and who[k, slot, r] == actor:
                        e = tab[k, slot, actor]
                        if start <= e:
                            tab[k, slot, actor] = e if e < y else y
                        else:
                            tab[k, slot, actor] = e if e > y else y
                    else:
                        for j in range(n_rec, r, -1):
                            who[k, slot, j] = who[k, slot, j - 1]
                        who[k, slot, r] = actor
                        n_who[k, slot] = n_rec + 1
                        tab[k, slot, actor] = y
                corri, ui = _correction(tab, who, n_who, k, 1, ia, x, w, cq_)
                corrj, uj = _correction(tab, who, n_who, k, 0, ja, x, w, cp_)
                if variant == 2:
                    f[k, RATIO] = _rex(f, k, p, key, t, g[k, UID], g[k, NCALC])
                ok, mi, mj, yi, yj, gain = _compute(
                    variant, f[k, XSI], f[k, XDI], f[k, SSI], f[k, SDI], f[k, CSI], f[k, STI],
                    f[k, XSJ], f[k, XDJ], f[k, SSJ], f[k, SDJ], f[k, CSJ], f[k, STJ], f[k, SCP],
                    f[k, SCQ], f[k, SP], f[k, SQ], f[k, RATIO], f[k, PSI], f[k, PSJ], g[k, PNI],
                    g[k, PPI], g[k, PNJ], g[k, PPJ], corri, ui, corrj, uj)
                f[k, MI], f[k, MJ], f[k, YI], f[k, YJ], f[k, GAIN] = mi, mj, yi, yj, gain
                g[k, NCALC] += 1
                if not ok:
                    dead[k] = True  # its leaf goes when it reaches the root (_purge)
                    continue
                q_new = _quantise(f[k, GAIN], cell, cell_bits)
                if q_new != f[k, QG]:
                    moved[n_mv] = k
                    mq[n_mv] = f[k, QG]
                    mk[n_mv] = g[k, SKEY]
                    n_mv += 1
                    f[k, QG] = q_new
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
                    _set_leaf(tq, ts, tk, n_leaves, k, f[k, QG], g[k, SKEY])
        counts[t] = n_ex
        for a in range(n_a):
            for i in range(n_i):
                x[a, i] = new[a, i]
        if history:
            starts[t + 1] = x
    for a in range(n_a):
        for i in range(n_i):
            final[a, i] = x[a, i]


@numba.njit(cache=True, parallel=True)  # type: ignore[misc]
def _batch(
    x: Any, s: Any, c: Any, part: Any, rounds: int, variant: int, p: float, random_ties: bool,
    keys: Any, w_s: float, w_f: float, max_ex: int, nb: int, n_blocks: int, n_hist: int,
    starts: Any, voting: Any, final: Any, counts: Any, record: bool, ev: Any, ev_n: Any,
) -> None:  # pragma: no cover - compiled
    n_d, n_a, n_i = x.shape
    for blk in prange(n_blocks):
        scr = _scratch(nb, n_a, n_i)
        for d in range(blk * n_d // n_blocks, (blk + 1) * n_d // n_blocks):
            h = min(d, starts.shape[0] - 1)
            _draw(x[d], s[d], c[d], part[d], rounds, variant, p, random_ties, keys[d], w_s,
                  w_f, max_ex, scr, d < n_hist, starts[h], voting[h], final[d], counts[d],
                  record and d == 0, ev, ev_n)


def run_numba(
    x: Any, s: Any, c: Any, part: Any, *, rounds: int, variant: int, p: float,
    random_ties: bool, keys: Any, salience_weight: float, fixed_weight: float,
    max_exchanges: int, record: bool, history_draws: int | None = None,
) -> FastResult:
    """Same contract as :func:`summitry.models._exchange_fast.run_numpy`."""
    n_d, n_a, n_i = x.shape
    n_hist = n_d if history_draws is None else min(history_draws, n_d)
    nb = max(1, n_i * (n_i - 1) // 2 * (n_a * n_a // 4))
    # at least one history row: the kernel takes a (never written) row for other draws
    starts = np.empty((max(n_hist, 1), rounds + 1, n_a, n_i))
    voting = np.empty((max(n_hist, 1), rounds, n_a, n_i))
    final = np.empty((n_d, n_a, n_i))
    counts = np.zeros((n_d, rounds), dtype=np.int64)
    ev = np.zeros((rounds, nb if record else 1, EVENT_COLUMNS))
    ev_n = np.zeros(rounds, dtype=np.int64)
    # a few blocks per thread balance uneven draws; each block allocates its scratch once
    n_blocks = max(1, min(n_d, 4 * numba.get_num_threads()))
    _batch(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(s, dtype=np.float64),
           np.ascontiguousarray(c, dtype=np.float64), np.ascontiguousarray(part, dtype=np.bool_),
           rounds, variant, p, random_ties, np.ascontiguousarray(keys, dtype=np.uint64),
           salience_weight, fixed_weight, max_exchanges, nb, n_blocks, n_hist, starts, voting,
           final, counts, record, ev, ev_n)
    events = [ev[t, : ev_n[t]].copy() for t in range(rounds)] if record else []
    return FastResult(starts[:n_hist], voting[:n_hist], counts, final, events)
