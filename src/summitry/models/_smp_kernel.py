"""Numba kernel running the whole SMP turn loop of every draw (optional extra ``fast``).

:func:`run` plays each draw's turns — risk attitudes, challenges, bargains, queues and
the stopping rule of ``specs/smp.md`` §4–§8 — in compiled code, draws in parallel
(``prange``), and returns the final positions, the turn counts and stopping ratios and the
forecasts of the final state (PCE mean, modal position; §10, as
:func:`summitry.models.smp._forecasts`), plus the positions and forecasts of every turn
for the first ``n_hist`` draws and draw 0's challenges, bargains and adoptions when asked.

It follows :mod:`summitry.models._smp_core` operation by operation, including NumPy's
order of summation (:func:`._pairwise.psum` reproduces NumPy's pairwise sum along a
contiguous last axis; sums along other axes and products are sequential), so a draw's
trajectory is the NumPy path's bit for bit. The one place where the NumPy path's own
last bit depends on the batch is the normalisation of a queue's probabilities when a
queue of another draw in the batch has more than 8 entries (NumPy pads queues to the
longest one); there the kernel sums the draw's own queue.

Supported: every option of :class:`summitry.models.smp.SMP` except the identity-free
ideal accommodation (ideals = positions here). Option values are passed as their index in
the tuples of :mod:`summitry.models._smp_core`.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import prange

from summitry.models import _smp_core as core
from summitry.models._pairwise import psum as _psum
from summitry.models._smp_numba import _phi_pair
from summitry.models._smp_numba import coalitions_of as _coalitions

__all__ = ["run"]

_VICTORY = {name: k for k, name in enumerate(core.VICTORY)}
_V_LIN = _VICTORY["linear"]
_V_SQ = _VICTORY["square"]
_V_QUART = _VICTORY["quartic"]
_V_OCT = _VICTORY["octic"]
_PCE = {name: k for k, name in enumerate(core.PCE)}
_PCE_COND = _PCE["conditional"]
_PCE_UNIF = _PCE["markov_uniform"]
_RANGE = {name: k for k, name in enumerate(core.RISK_RANGE)}
_R_MID = _RANGE["mid"]
_R_MIN = _RANGE["min"]
_ADJ = {name: k for k, name in enumerate(core.RISK_ADJUST)}
_ADJ_THIRD = _ADJ["one_third"]
_ADJ_NONE = _ADJ["none"]
_ADJ_HALF = _ADJ["half"]
_ADJ_TWO = _ADJ["two_thirds"]
_BARG = {name: k for k, name in enumerate(core.BARGAIN)}
_B_S2P2 = _BARG["s2p2"]
_B_S1P1 = _BARG["s1p1"]
_BMOD = {name: k for k, name in enumerate(core.BARGAIN_MODEL)}
_BM_INIT = _BMOD["init_only"]
_BM_RCVR = _BMOD["init_rcvr"]
_TOL_UNIF = core.MARKOV_TOL["markov_uniform"]
_TOL_INC = core.MARKOV_TOL["markov_incentive"]
_LO = 1e-6 / (1.0 + 1e-6)
_HI = 1.0 / (1.0 + 1e-6)


def codes(cfg: core.Config) -> tuple[int, ...]:
    """The option indices :func:`run` takes, from a :class:`~._smp_core.Config`."""
    return (
        core.VOTING.index(cfg.voting), _VICTORY[cfg.victory], _PCE[cfg.pce],
        _RANGE[cfg.risk_range], _ADJ[cfg.risk_adjust],
        core.THIRD_PARTY.index(cfg.third_party), _BARG[cfg.bargain],
        _BMOD[cfg.bargain_model],
    )


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _utility(dist: float, r: float) -> float:
    return (1.0 - dist) * (1.0 + min(dist, 1.0) * r)


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _distances_long(
    y: Any, i: int, s: Any, den: Any, pts: Any, need: Any, out: Any, buf: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`_distances` for more than 128 issues (NumPy's sum then halves the terms)."""
    n = y.shape[1]
    for j in range(pts.shape[0]):
        if need[j]:
            for k in range(n):
                e = s[i, k] * (y[i, k] - pts[j, k])
                buf[k] = e * e
            out[j] = math.sqrt(_psum(buf, 0, n) / den[i])


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _distances(
    y: Any, i: int, s: Any, den: Any, pts: Any, need: Any, out: Any, buf: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`_smp_core.distance` from ideal ``y[i]`` (saliences ``s[i]``) to ``pts[j]``.

    Into ``out[j]`` for every j where ``need[j]``; ``den[i] = Σ_k s_ik²``. The squares are
    summed in NumPy's pairwise order (8 lanes as :func:`._pairwise.leaf`; the lanes start at 0,
    which changes nothing for squares), written out without slicing the arrays: this is
    the innermost loop of the kernel. Inlined into its callers (a Numba call costs about
    as much as the distances of a 9-issue problem), with the rare case of more than 128
    issues in a separate function so that it does not weigh on the common one.
    """
    n = y.shape[1]
    if n > 128:
        _distances_long(y, i, s, den, pts, need, out, buf)
        return
    for j in range(pts.shape[0]):
        if not need[j]:
            continue
        if n < 8:
            num = 0.0
            for k in range(n):
                e = s[i, k] * (y[i, k] - pts[j, k])
                num += e * e
        else:
            r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = 0.0
            for k in range(0, n - n % 8, 8):
                e0 = s[i, k + 0] * (y[i, k + 0] - pts[j, k + 0])
                r0 += e0 * e0
                e1 = s[i, k + 1] * (y[i, k + 1] - pts[j, k + 1])
                r1 += e1 * e1
                e2 = s[i, k + 2] * (y[i, k + 2] - pts[j, k + 2])
                r2 += e2 * e2
                e3 = s[i, k + 3] * (y[i, k + 3] - pts[j, k + 3])
                r3 += e3 * e3
                e4 = s[i, k + 4] * (y[i, k + 4] - pts[j, k + 4])
                r4 += e4 * e4
                e5 = s[i, k + 5] * (y[i, k + 5] - pts[j, k + 5])
                r5 += e5 * e5
                e6 = s[i, k + 6] * (y[i, k + 6] - pts[j, k + 6])
                r6 += e6 * e6
                e7 = s[i, k + 7] * (y[i, k + 7] - pts[j, k + 7])
                r7 += e7 * e7
            num = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            for k in range(n - n % 8, n):
                e = s[i, k] * (y[i, k] - pts[j, k])
                num += e * e
        out[j] = math.sqrt(num / den[i])


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _distance_rows(
    y: Any, s: Any, den: Any, pts: Any, rows: Any, need: Any, out: Any, buf: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`_distances` from every ideal ``y[i]`` with ``rows[i]``, into ``out[i]``.

    One call per table: the loops over ideals and points then optimise as one (several
    times faster than a call per ideal inside the turn loop).
    """
    for i in range(y.shape[0]):
        if rows[i]:
            _distances(y, i, s, den, pts, need, out[i], buf)


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _victory(model: int, s1: float, s2: float) -> float:  # pragma: no cover - compiled
    if model == _V_LIN:
        return s1 / (s1 + s2)
    if model in (_V_SQ, _V_QUART, _V_OCT):  # exact repeated squaring, as the NumPy code
        a, b = s1 * s1, s2 * s2
        if model != _V_SQ:
            a, b = a * a, b * b
        if model == _V_OCT:
            a, b = a * a, b * b
        return a / (a + b)
    # binary
    if s1 >= core.BINARY_VICTORY * s2:
        return _HI
    if s2 >= core.BINARY_VICTORY * s1:
        return _LO
    r = s1 / (s1 + s2)
    return min(max((2.1 * r - 1.0) / 0.1, 0.0), 1.0)


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _victories(model: int, c: Any, no: int, p: Any) -> None:  # pragma: no cover - compiled
    for a in range(no):
        for b in range(no):
            p[a, b] = 0.5 if a == b else _victory(model, c[a, b], c[b, a])


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _pce(
    model: int, p: Any, c: Any, opt: Any, valid: Any, n: int, out: Any, ws: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`_smp_core.pce` of the election over options ``opt[:n]`` (``valid[:n]``).

    ``p`` and ``c`` are indexed by option id; ``out[:n]`` gets the probabilities (0 for
    invalid entries). ``ws`` is an ``(n, n + 4)`` work array. The common case, conditional
    products that do not underflow, is inlined into the callers; the rest are calls.
    """
    if model != _PCE_COND:
        _pce_markov(model, p, c, opt, valid, n, out, ws)
        return
    for a in range(n):
        q = 0.0
        if valid[a]:
            q = 1.0
            for b in range(n):
                if b != a and valid[b]:
                    q *= p[opt[a], opt[b]]
        out[a] = q
    tot = _psum(out, 0, n)
    if not (tot > 0.0) or not math.isfinite(tot):
        tot = _pce_logs(p, opt, valid, n, out, ws)
    for a in range(n):
        out[a] = out[a] / tot


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _pce_logs(
    p: Any, opt: Any, valid: Any, n: int, out: Any, ws: Any,
) -> float:  # pragma: no cover - compiled
    """Conditional PCE whose products all underflowed: redone in logarithms, as the NumPy
    code; ``out`` gets the unnormalised probabilities, the return value is their sum."""
    lg = ws[:, n + 1]
    mx = -np.inf
    for a in range(n):
        if valid[a]:
            for b in range(n):
                ws[a, b] = math.log(p[opt[a], opt[b]]) if (b != a and valid[b]) else 0.0
            lg[a] = _psum(ws[a], 0, n)
        else:
            lg[a] = -np.inf
        mx = max(mx, lg[a])
    for a in range(n):
        out[a] = math.exp(lg[a] - mx)
    return float(_psum(out, 0, n))


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _pce_markov(
    model: int, p: Any, c: Any, opt: Any, valid: Any, n: int, out: Any, ws: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`_pce` of the Markov models (specs/smp.md §12), each election stopping at its
    own convergence."""
    m = 0.0
    for a in range(n):
        if valid[a]:
            m += 1.0
    prob = ws[:, n]
    keep = ws[:, n + 1]
    q = ws[:, n + 2]
    tmp = ws[:, n + 3]
    a_in = np.empty((n, n))
    a_out = np.empty((n, n))
    if model == _PCE_UNIF:
        for a in range(n):
            for b in range(n):
                v = p[opt[a], opt[b]] if (valid[a] and valid[b]) else 0.0
                a_in[a, b] = v
                a_out[a, b] = v
        scale = 1.0 / m
        tol = _TOL_UNIF
    else:
        chi = np.empty((n, n))
        for a in range(n):
            for b in range(n):
                v = c[opt[a], opt[b]] * p[opt[a], opt[b]] if (valid[a] and valid[b]) else 0.0
                chi[a, b] = v + (1e-10 if (a == b and valid[a]) else 0.0)
        for b in range(n):
            col = 0.0
            for a in range(n):
                col += chi[a, b]
            tmp[b] = col
        for a in range(n):
            for b in range(n):
                chi[a, b] = chi[a, b] / tmp[b] if (valid[a] and valid[b]) else 0.0
        for a in range(n):
            for b in range(n):
                pz = p[opt[a], opt[b]] if (valid[a] and valid[b]) else 0.0
                a_in[a, b] = pz * chi[b, a]
                a_out[a, b] = pz * chi[a, b]
        scale = 1.0
        tol = _TOL_INC
    for a in range(n):
        prob[a] = 1.0 / max(m, 1.0) if valid[a] else 0.0
        keep[a] = _psum(a_in[a], 0, n)
    for _ in range(core.MARKOV_CAP):
        diff = 0.0
        for a in range(n):
            for b in range(n):
                tmp[b] = a_out[a, b] * prob[b]
            q[a] = (prob[a] * keep[a] + _psum(tmp, 0, n)) * scale
            diff = max(diff, abs(q[a] - prob[a]))
        if diff <= tol:
            break
        for a in range(n):
            prob[a] = 0.5 * (prob[a] + q[a])
    for a in range(n):
        out[a] = q[a]


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _interpolate(
    kind: int, x: Any, i: int, j: int, s: Any, pi: float, bi: Any, bj: Any, o: int,
) -> None:  # pragma: no cover - compiled
    """:func:`_smp_core.interpolate` of initiator i and receiver j into ``bi[o]``, ``bj[o]``."""
    pj = 1.0 - pi
    for k in range(x.shape[1]):
        ti, tj, si, sj = x[i, k], x[j, k], s[i, k], s[j, k]
        if kind in (_B_S2P2, _B_S1P1):
            if kind == _B_S2P2:
                wi = si * si * (pi * pi)
                wj = sj * sj * (pj * pj)
            else:
                wi = si * pi
                wj = sj * pj
            den = wi + core.BARGAIN_EPS + wj
            vi = ((wi + core.BARGAIN_EPS) * ti + wj * tj) / den
            vj = (wi * ti + (wj + core.BARGAIN_EPS) * tj) / den
            bi[o, k] = np.trunc(10000.0 * vi + 0.5) / 10000.0
            bj[o, k] = np.trunc(10000.0 * vj + 0.5) / 10000.0
        else:  # s2pmax
            di = max(0.0, pj - pi)
            dj = max(0.0, pi - pj)
            fi = di * sj * sj / (di * sj * sj + core.BARGAIN_EPS + (1.0 - di) * si * si)
            fj = dj * si * si / (dj * si * si + core.BARGAIN_EPS + (1.0 - dj) * sj * sj)
            bi[o, k] = ti + fi * (tj - ti)
            bj[o, k] = tj + fj * (ti - tj)


# --------------------------------------------------------------------------------------
# one state's set-up (§4) and forecasts (§10), one turn (§5–§7)
# --------------------------------------------------------------------------------------
@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _setup(
    op: Any, x: Any, s: Any, den: Any, cap: Any, present: Any, moved: Any, every: Any,
    v: Any, u0: Any, c: Any, p: Any, prob: Any, r: Any, persp: Any, true: Any,
    idx: Any, ws: Any, buf: Any, perspectives: bool,
) -> None:  # pragma: no cover - compiled
    """:func:`_smp_core.setup_state` of one draw (ideals = positions).

    The distances ``v`` are recomputed only from the actors that ``moved`` (``every`` is all
    true); the caller has updated the other rows' distances to the actors that moved (the
    same numbers). ``perspectives=False`` skips the perceived utilities (a final state
    needs only the forecasts).
    """
    a_n = x.shape[0]
    _distance_rows(x, s, den, x, moved, every, v, buf)
    for i in range(a_n):
        for j in range(a_n):
            if moved[i] or moved[j]:
                u0[i, j] = 1.0 - v[i, j]
    _coalitions(op[0], cap, u0, a_n, c)
    _victories(op[1], c, a_n, p)
    _pce(op[2], p, c, idx, present, a_n, prob, ws)
    pmax = -np.inf
    pmin = np.inf
    for i in range(a_n):
        if present[i]:
            pmax = max(pmax, prob[i])
            pmin = min(pmin, prob[i])
    span = pmax - pmin
    flat = not (span > 1e-12)
    if flat:
        span = 1.0
    for i in range(a_n):
        if flat or not present[i]:
            r[i] = 0.0
        elif op[3] == _R_MID:
            r[i] = (3.0 * prob[i] - pmax - 2.0 * pmin) / (2.0 * span)
        elif op[3] == _R_MIN:
            r[i] = (prob[i] - pmin) / span
        else:
            r[i] = (2.0 * prob[i] - pmax - pmin) / span
    if perspectives:
        for h in range(a_n):
            for i in range(a_n):
                adj = op[4]
                if adj == _ADJ_THIRD:
                    est = (2.0 * r[h] + r[i]) / 3.0
                elif adj == _ADJ_NONE:
                    est = r[h]
                elif adj == _ADJ_HALF:
                    est = (r[h] + r[i]) / 2.0
                elif adj == _ADJ_TWO:
                    est = (r[h] + 2.0 * r[i]) / 3.0
                else:
                    est = r[i]
                for j in range(a_n):
                    persp[h, i, j] = _utility(v[i, j], est)
    for i in range(a_n):
        for j in range(a_n):
            true[i, j] = _utility(v[i, j], r[i])


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _merged_pce(
    op: Any, true: Any, cap: Any, present: Any, close: Any, idx: Any, rep: Any, last: Any,
    c: Any, p: Any, prob: Any, ws: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`_smp_core.win_probabilities` of one state, up to the per-actor look-up.

    KTAB's merge of positions (:func:`_smp_core.unique_positions`): scanning the actors in
    order, an actor is a representative ``rep`` unless an earlier representative lies within
    tolerance (``close``: within 1e−3, both present); ``last`` is each actor's last
    representative within tolerance. ``prob``: the PCE among the representatives (true
    utilities ``true``, capability votes ``cap``).
    """
    a_n = true.shape[0]
    for a in range(a_n):
        rep[a] = present[a]
        for b in range(a):
            if rep[b] and close[a, b]:
                rep[a] = False
                break
    for a in range(a_n):
        last[a] = a_n - 1  # absent actors: as NumPy's argmax of nothing (never used)
        for b in range(a_n - 1, -1, -1):
            if rep[b] and close[a, b]:
                last[a] = b
                break
    _coalitions(op[0], cap, true, a_n, c)
    _victories(op[1], c, a_n, p)
    _pce(op[2], p, c, idx, rep, a_n, prob, ws)


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _listed_before(x: Any, s: Any, cap: Any, a: int, b: int) -> bool:  # pragma: no cover
    """Whether actor a strictly precedes b in :func:`summitry.models.smp._canonical_order`.

    Lexicographic on the positions (first issue first), then the saliences, then the
    capability.
    """
    for k in range(x.shape[1]):
        if x[a, k] != x[b, k]:
            return bool(x[a, k] < x[b, k])
    for k in range(s.shape[1]):
        if s[a, k] != s[b, k]:
            return bool(s[a, k] < s[b, k])
    return bool(cap[a] < cap[b])


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _forecast(
    op: Any, x: Any, s: Any, cap: Any, present: Any, true: Any, idx: Any,
    close: Any, sub_close: Any, sub_true: Any, sub_cap: Any, sub_pres: Any,
    rep: Any, last: Any, order: Any, c: Any, p: Any, prob: Any, pc: Any, ws: Any, buf: Any,
    win: Any, mean: Any, modal: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`summitry.models.smp._forecasts` of one set-up state (``true``: its utilities).

    Writes each actor's winning probability into ``win``, the PCE mean into ``mean`` and
    the modal position into ``modal``; the other arrays are work space. As the NumPy code,
    the merge of positions is redone with the actors in canonical order when two distinct
    positions lie within tolerance, and the mean adds the positions in canonical order
    (sequentially; pairwise along the actors for a single issue, as NumPy's sum then runs
    along them).
    """
    a_n, n_i = x.shape
    near = False
    for a in range(a_n):
        close[a, a] = bool(present[a])
        for b in range(a):
            for k in range(n_i):
                e = x[a, k] - x[b, k]
                buf[k] = e * e
            dist = math.sqrt(_psum(buf, 0, n_i))
            cl = dist < core.POS_TOL and present[a] and present[b]
            close[a, b] = cl
            close[b, a] = cl
            near = near or (cl and dist > 0.0)
    _merged_pce(op, true, cap, present, close, idx, rep, last, c, p, prob, ws)
    for a in range(a_n):
        win[a] = prob[last[a]] if present[a] else 0.0
    for n in range(a_n):  # stable insertion sort into the canonical order
        o = n
        m = n
        while m > 0 and _listed_before(x, s, cap, o, order[m - 1]):
            order[m] = order[m - 1]
            m -= 1
        order[m] = o
    if near:
        for a in range(a_n):
            sub_cap[a] = cap[order[a]]
            sub_pres[a] = present[order[a]]
            for b in range(a_n):
                sub_true[a, b] = true[order[a], order[b]]
                sub_close[a, b] = close[order[a], order[b]]
        _merged_pce(op, sub_true, sub_cap, sub_pres, sub_close, idx, rep, last, c, p, prob, ws)
        for n in range(a_n):
            pc[n] = prob[n] if rep[n] else 0.0
    else:
        for n in range(a_n):
            pc[n] = prob[order[n]] if rep[order[n]] else 0.0
    if n_i == 1:
        for n in range(a_n):
            buf[n] = pc[n] * x[order[n], 0]
        mean[0] = 0.0 + _psum(buf, 0, a_n)  # NumPy's sum starts from +0.0
    else:
        for k in range(n_i):
            tot = 0.0
            for n in range(a_n):
                tot += pc[n] * x[order[n], k]
            mean[k] = tot
    top = 0
    for n in range(1, a_n):
        if pc[n] > pc[top]:
            top = n
    for k in range(n_i):
        modal[k] = x[order[top], k]


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _sum_replaced(
    base: Any, n: int, i: int, ui: float, j: int, uj: float, buf: Any,
) -> float:  # pragma: no cover - compiled
    """``base[:n].sum()`` in NumPy's order with entries i ≠ j replaced by ``ui``, ``uj``."""
    if n < 8:  # NumPy adds fewer than 8 terms one by one
        tot = 0.0
        for m in range(n):
            tot += ui if m == i else (uj if m == j else base[m])
        return tot
    for m in range(n):
        buf[m] = base[m]
    buf[i] = ui
    buf[j] = uj
    return _psum(buf, 0, n)


@numba.njit(cache=True, error_model="numpy")  # type: ignore[misc]
def _draw(
    d: Any, x0: Any, s: Any, s_dist: Any, sig: Any, cap: Any, present: Any, op: Any,
    rounds: int, uniforms: Any, x_out: Any, n_rounds: Any, ratio: Any, f_mean: Any,
    f_modal: Any, hist: Any, h_risk: Any, h_win: Any, h_mean: Any, h_modal: Any,
    ev_target: Any, ev_gain: Any, ev_phi: Any, ev_bi: Any, ev_bj: Any, ev_chosen: Any,
    ev_prob: Any,
) -> None:  # pragma: no cover - compiled
    """Play draw ``d``'s turns and forecast its states (see :func:`run` for the arguments)."""
    _, a_n, n_i = x0.shape
    nb = 2 if op[7] == _BM_RCVR else 1
    n_o = a_n * nb
    n_h = hist.shape[0]
    stochastic = uniforms.shape[0] > 0
    n_ev = ev_target.shape[0]
    n_rounds[d] = 0
    ratio[d] = 0.0
    x = x0[d].copy()
    pres = present[d]
    n_pres = 0
    for i in range(a_n):
        if pres[i]:
            n_pres += 1
    if d < n_h:
        hist[d, 0] = x
    if n_pres == 0:  # nothing happens; the forecasts keep the caller's defaults
        x_out[d] = x
        for t in range(1, rounds + 1):
            if d < n_h:
                hist[d, t] = x
        return
    sd = s_dist[d]
    cp = cap[d]
    sg = sig[d]
    w = np.empty(a_n)
    den = np.empty(a_n)
    buf = np.empty(max(n_i, a_n, n_o + 1) + 1)
    for i in range(a_n):
        w[i] = sg[i] * cp[i]
        for k in range(n_i):
            buf[k] = sd[i, k] * sd[i, k]
        den[i] = _psum(buf, 0, n_i)
    v = np.empty((a_n, a_n))
    u0 = np.empty((a_n, a_n))
    cc = np.empty((a_n, a_n))
    pp = np.empty((a_n, a_n))
    prob = np.empty(a_n)
    r = np.empty(a_n)
    persp = np.empty((a_n, a_n, a_n))
    true = np.empty((a_n, a_n))
    idx = np.arange(a_n)
    ws = np.empty((n_o + 1, n_o + 5))
    target = np.empty(a_n, dtype=np.int64)
    best = np.empty(a_n)
    phi_t = np.empty(a_n)
    s_d = s[d]
    b_i = np.empty((n_o, n_i))  # row i·nb + v: bargain (i, v)
    b_j = np.empty((n_o, n_i))
    r_i = np.empty((1, n_i))
    r_j = np.empty((1, n_i))
    moved = np.ones(a_n, dtype=np.bool_)
    every = np.ones(a_n, dtype=np.bool_)
    valid_o = np.empty(n_o, dtype=np.bool_)
    opt_ids = np.empty(n_o, dtype=np.int64)
    dist_i = np.empty((a_n, n_o))  # [e, o]: from e's ideal to bargain o's positions
    dist_j = np.empty((a_n, n_o))
    u_all = np.empty((a_n, n_o + 1))
    cq = np.empty((n_o + 1, n_o + 1))
    pq = np.empty((n_o + 1, n_o + 1))
    members = np.empty(n_o + 1, dtype=np.int64)
    mvalid = np.ones(n_o + 1, dtype=np.bool_)
    qprob = np.empty(n_o + 1)
    chosen = np.empty(a_n, dtype=np.int64)
    new_x = np.empty((a_n, n_i))
    base = np.empty(a_n)
    step_a = np.empty(a_n)
    # work space of the forecasts
    close = np.empty((a_n, a_n), dtype=np.bool_)
    sub_close = np.empty((a_n, a_n), dtype=np.bool_)
    sub_true = np.empty((a_n, a_n))
    sub_cap = np.empty(a_n)
    sub_pres = np.empty(a_n, dtype=np.bool_)
    rep = np.empty(a_n, dtype=np.bool_)
    last = np.empty(a_n, dtype=np.int64)
    order = np.empty(a_n, dtype=np.int64)
    pc = np.empty(a_n)
    win = np.empty(a_n)
    d01 = 0.0
    _setup(op, x, sd, den, cp, pres, moved, every, v, u0, cc, pp, prob, r, persp, true, idx,
           ws, buf, True)
    if d < n_h:
        h_risk[d, 0] = r
        _forecast(op, x, s_d, cp, pres, true, idx, close, sub_close, sub_true, sub_cap,
                  sub_pres, rep, last, order, cc, pp, prob, pc, ws, buf, h_win[d, 0],
                  h_mean[d, 0], h_modal[d, 0])
    for it in range(1, rounds + 1):
        # §5 challenges: each actor's best target
        for i in range(a_n):
            target[i] = -1
            best[i] = -np.inf
            phi_t[i] = 0.0
            if not pres[i]:
                continue
            ah = persp[i]
            bj_ = -1
            for j in range(a_n):
                if j == i or not pres[j]:
                    continue
                ph = _phi_pair(ah, w, pres, i, j, op[0], op[5])
                aii = ah[i, i]
                aij = ah[i, j]
                eu_sq = aii + aij
                eu_v = 2.0 * aii
                eu_c = ph * 2.0 * aii + (1.0 - ph) * 2.0 * aij
                g = ((1.0 - sg[j]) * eu_v + sg[j] * eu_c) - eu_sq
                if g > best[i]:
                    best[i] = g
                    bj_ = j
                    phi_t[i] = ph
            if bj_ >= 0 and best[i] > core.MIN_GAIN:
                target[i] = bj_
        # §6 bargains
        for i in range(a_n):
            t = target[i]
            if t < 0:
                continue
            _interpolate(op[6], x, i, t, s_d, phi_t[i], b_i, b_j, i * nb)
            if op[7] != _BM_INIT:
                # the receiver's perspective: its estimate that i wins
                ph_r = _phi_pair(persp[t], w, pres, i, t, op[0], op[5])
                if op[7] == _BM_RCVR:
                    _interpolate(op[6], x, i, t, s_d, ph_r, b_i, b_j, i * nb + 1)
                else:  # pw_comp
                    _interpolate(op[6], x, i, t, s_d, ph_r, r_i, r_j, 0)
                    wi = cp[i] * sg[i]
                    wj = cp[i] * sg[t]
                    tot = wi + wj
                    fi = wi / tot if tot > 0 else 0.5
                    fj = wj / tot if tot > 0 else 0.5
                    for k in range(n_i):
                        ci = fi * b_i[i, k] + fj * r_i[0, k]
                        b_j[i, k] = fi * b_j[i, k] + fj * r_j[0, k]
                        b_i[i, k] = ci
        # §7 queues: every evaluator's average utility of the status quo and of each
        # bargain's state; only the bargains actually proposed (opt_ids) are elected on,
        # column 1 + q of u_all standing for bargain opt_ids[q]
        n_v = 0
        for o in range(n_o):
            valid_o[o] = target[o // nb] >= 0
            if valid_o[o]:
                opt_ids[n_v] = o
                n_v += 1
        _distance_rows(x, sd, den, b_i, every, valid_o, dist_i, buf)
        _distance_rows(x, sd, den, b_j, every, valid_o, dist_j, buf)
        for e in range(a_n):
            for m in range(a_n):
                base[m] = true[e, m] if pres[m] else 0.0
            u_all[e, 0] = _psum(base, 0, a_n) / n_pres
            for q in range(n_v):
                o = opt_ids[q]
                i = o // nb
                u_all[e, 1 + q] = _sum_replaced(
                    base, a_n, i, _utility(dist_i[e, o], r[e]), target[i],
                    _utility(dist_j[e, o], r[e]), buf) / n_pres
        _coalitions(op[0], cp, u_all, n_v + 1, cq)
        _victories(op[1], cq, n_v + 1, pq)
        for k in range(a_n):
            n_m = 1
            members[0] = 0
            for q in range(n_v):
                i = opt_ids[q] // nb
                if i == k or target[i] == k:
                    members[n_m] = 1 + q
                    n_m += 1
            _pce(op[2], pq, cq, members, mvalid, n_m, qprob, ws)
            if stochastic:
                u = uniforms[d, it - 1, k]
                cum = 0.0
                for q in range(n_m):
                    cum += qprob[q]
                    buf[q] = cum
                pick = 0
                for q in range(n_m):
                    if buf[q] <= u * cum:
                        pick += 1
                pick = min(pick, n_m - 1)
            else:
                pick = 0
                for q in range(1, n_m):
                    if qprob[q] > qprob[pick]:
                        pick = q
            opt = 0 if pick == 0 else 1 + opt_ids[members[pick] - 1]
            chosen[k] = opt
            if d == 0 and it < n_ev:
                ev_prob[it, k] = qprob[pick]
            moved[k] = False
            for kk in range(n_i):
                if opt == 0:
                    val = x[k, kk]
                elif (opt - 1) // nb == k:
                    val = b_i[opt - 1, kk]
                else:
                    val = b_j[opt - 1, kk]
                new_x[k, kk] = val
                if val != x[k, kk]:
                    moved[k] = True
        if d == 0 and it < n_ev:
            for i in range(a_n):
                ev_target[it, i] = target[i]
                ev_gain[it, i] = best[i]
                ev_phi[it, i] = phi_t[i]
                ev_chosen[it, i] = chosen[i]
                for vv in range(nb):
                    for k in range(n_i):
                        ev_bi[it, i, vv, k] = b_i[i * nb + vv, k]
                        ev_bj[it, i, vv, k] = b_j[i * nb + vv, k]
        # §8 stopping rule
        for i in range(a_n):
            for k in range(n_i):
                dx = new_x[i, k] - x[i, k]
                buf[k] = dx * dx
            step_a[i] = math.sqrt(_psum(buf, 0, n_i))
        step = _psum(step_a, 0, a_n)
        # the distances from the actors that stay to those that moved: computed above
        for e in range(a_n):
            if not moved[e]:
                for k in range(a_n):
                    if moved[k]:
                        o = chosen[k] - 1
                        v[e, k] = dist_i[e, o] if o // nb == k else dist_j[e, o]
        x[:] = new_x
        n_rounds[d] = it
        if it == 1:
            d01 = step + 1e-4
        rat = step / d01
        ratio[d] = rat
        stop = it >= rounds or (it >= 2 and rat < 0.02)
        _setup(op, x, sd, den, cp, pres, moved, every, v, u0, cc, pp, prob, r, persp, true,
               idx, ws, buf, not stop)
        if d < n_h:
            hist[d, it] = x
            h_risk[d, it] = r
            _forecast(op, x, s_d, cp, pres, true, idx, close, sub_close, sub_true, sub_cap,
                      sub_pres, rep, last, order, cc, pp, prob, pc, ws, buf, h_win[d, it],
                      h_mean[d, it], h_modal[d, it])
        if stop:
            break
    x_out[d] = x
    if d < n_h:
        f_mean[d] = h_mean[d, n_rounds[d]]
        f_modal[d] = h_modal[d, n_rounds[d]]
        for t in range(n_rounds[d] + 1, rounds + 1):  # stopped draws repeat their last turn
            hist[d, t] = x
            h_risk[d, t] = r
            h_win[d, t] = h_win[d, n_rounds[d]]
            h_mean[d, t] = f_mean[d]
            h_modal[d, t] = f_modal[d]
    else:
        _forecast(op, x, s_d, cp, pres, true, idx, close, sub_close, sub_true, sub_cap,
                  sub_pres, rep, last, order, cc, pp, prob, pc, ws, buf, win, f_mean[d],
                  f_modal[d])


@numba.njit(cache=True, parallel=True, error_model="numpy")  # type: ignore[misc]
def run(
    x0: Any, s: Any, s_dist: Any, sig: Any, cap: Any, present: Any, op: Any,
    rounds: int, uniforms: Any, x_out: Any, n_rounds: Any, ratio: Any, f_mean: Any,
    f_modal: Any, hist: Any, h_risk: Any, h_win: Any, h_mean: Any, h_modal: Any,
    ev_target: Any, ev_gain: Any, ev_phi: Any, ev_bi: Any, ev_bj: Any, ev_chosen: Any,
    ev_prob: Any,
) -> None:  # pragma: no cover - compiled
    """Play every draw's turns and forecast its states; see the module docstring.

    Args:
        x0: initial positions ``(D, A, I)``.
        s: saliences (of bargains) ``(D, A, I)``.
        s_dist: saliences of distances ``(D, A, I)``.
        sig: salience sums ``(D, A)``.
        cap: capabilities ``(D, A)``.
        present: actors taking part ``(D, A)``.
        op: option indices (:func:`codes`), int64 ``(8,)``.
        rounds: the maximum number of turns.
        uniforms: ``(D, rounds, A)`` uniforms of the stochastic transition, or ``(0, 0, 0)``
            for the deterministic one.
        x_out: out, final positions ``(D, A, I)``.
        n_rounds: out, turns played ``(D,)`` int64.
        ratio: out, the last stopping ratio ``(D,)``.
        f_mean: out, the PCE mean of the final state ``(D, I)`` (draws without actors:
            left as given).
        f_modal: out, the modal position of the final state ``(D, I)`` (idem).
        hist: out, ``(H, rounds + 1, A, I)`` positions of every turn of the first H draws
            (stopped draws repeat their last turn).
        h_risk: out, their risk attitudes ``(H, rounds + 1, A)`` (draws without actors:
            left as given, as for all ``h_*``).
        h_win: out, their actors' winning probabilities ``(H, rounds + 1, A)``.
        h_mean: out, their PCE means ``(H, rounds + 1, I)``.
        h_modal: out, their modal positions ``(H, rounds + 1, I)``.
        ev_target: out, draw 0's challengers' targets per turn ``(T, A)`` (row t = turn t;
            ``T = 0`` records nothing, as for all ``ev_*``).
        ev_gain: out, the challengers' best gains ``(T, A)``.
        ev_phi: out, their φ against that target ``(T, A)``.
        ev_bi: out, the bargains' initiator positions ``(T, A, B, I)``.
        ev_bj: out, the bargains' receiver positions ``(T, A, B, I)``.
        ev_chosen: out, each actor's adopted option id ``(T, A)``.
        ev_prob: out, that option's probability in the actor's queue ``(T, A)``.
    """
    for d in prange(x0.shape[0]):
        # an int64 index: the parallel loop's own index type would compile _draw twice
        _draw(np.int64(d), x0, s, s_dist, sig, cap, present, op, rounds, uniforms, x_out,
              n_rounds, ratio, f_mean, f_modal, hist, h_risk, h_win, h_mean, h_modal,
              ev_target, ev_gain, ev_phi, ev_bi, ev_bj, ev_chosen, ev_prob)
