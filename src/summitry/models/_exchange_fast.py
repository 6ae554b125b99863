"""The exchange model's fast engine: float64, vectorised over draws and candidate pairs.

The same algorithm as :mod:`summitry.models._exchange_exact` (specs/exchange.md §3–§8),
evaluated in binary float64 with NumPy arrays of shape ``(draws, candidates)``. Greedy
execution is sequential within a round, so the loop runs over executed exchanges; every
step (pick the best candidate, update the candidates that share an actor with it,
recompute those) is one set of array operations over all draws at once.

Binary arithmetic cannot reproduce decide's 28-digit decimal ties (§1), so four
comparisons use a tolerance that stands in for decimal's exact equalities (see
:data:`TOL`, :data:`QBITS`): gains equal to ~1e-11 relative count as tied (and ties keep
list order), outcome tests and scale bounds allow 1e-9 on the 0–100 scale.

:mod:`summitry.models._exchange_numba` compiles the same steps per draw; both engines
give bit-identical numbers (tests/models/test_exchange.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EPS",
    "QBITS",
    "TOL",
    "VARIANTS",
    "FastResult",
    "candidate_bound",
    "hash_uniform_np",
    "quantise",
    "run_numpy",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Tolerance on the 0–100 scale for "x ≤ outcome", the truncation test and the bounds.
TOL = 1e-9
#: decide's thresholds: smallest move and smallest gain (specs/exchange.md §6.5).
EPS = 1e-10
#: Gains are compared after rounding their mantissa to this many bits (≈ 1.5e-11).
QBITS = 36
#: Variant codes shared with the compiled engine.
VARIANTS = {"equal": 0, "random": 1, "rex": 2}

_C0 = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    z = z + _C0
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    out: NDArray[np.uint64] = z ^ (z >> _S31)
    return out


def hash_uniform_np(key: Any, a: Any, b: Any, c: Any, d: Any) -> FloatArray:
    """Vectorised :func:`summitry.models._exchange_exact.hash_uniform` (broadcasting)."""
    arrs = np.broadcast_arrays(*(np.asarray(v).astype(np.uint64) for v in (key, a, b, c, d)))
    z = _mix(np.array(arrs[0], dtype=np.uint64))
    for v in arrs[1:]:
        z = _mix(z ^ v)
    out: FloatArray = (z >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)
    return out


def quantise(g: FloatArray) -> FloatArray:
    """Round the mantissa of (non-negative) gains to :data:`QBITS` bits."""
    m, e = np.frexp(g)
    out: FloatArray = np.ldexp(np.floor(m * 2.0**QBITS + 0.5) / 2.0**QBITS, e)
    return out


def candidate_bound(n_actors: int, n_issues: int) -> int:
    """Most candidate exchanges one round can have: pairs × ⌊A²/4⌋."""
    return max(1, n_issues * (n_issues - 1) // 2 * (n_actors * n_actors // 4))


@dataclass
class FastResult:
    """Output of an engine run for ``D`` draws, ``T`` rounds, history of the first ``H``."""

    starts: FloatArray  # (H, T + 1, A, I) start positions of every round
    voting: FloatArray  # (H, T, A, I)
    n_exchanges: IntArray  # (D, T)
    final: FloatArray  # (D, A, I) positions after the last round (= starts[:, -1])
    events: list[FloatArray] = field(default_factory=list)  # draw 0: (n, 11) per round


# event columns: i actor, j actor, p, q, x_i, y_i, m_i, x_j, y_j, m_j, gain
EVENT_COLUMNS = 11


def _side_valid(m: FloatArray, y: FloatArray, ps: FloatArray, pn: BoolArray,
                pp: BoolArray) -> BoolArray:
    am = np.abs(m)
    ok: BoolArray = ((am <= 100.0 + TOL) & (am > EPS) & (y >= -TOL) & (y <= 100.0 + TOL)
                     & (ps + m <= 100.0 + TOL) & (((m < 0.0) & pn) | ((m > 0.0) & pp)))
    return ok


def _gain(variant: int, dp: FloatArray, dq: FloatArray, s_si: FloatArray, s_di: FloatArray,
          s_sj: FloatArray, s_dj: FloatArray) -> FloatArray:
    if variant == 0:
        out: FloatArray = np.abs(dq * s_si - dp * s_di)
        return out
    out = ((dp * s_di - dq * s_si) + (dq * s_dj - dp * s_sj)) * 0.5
    return out


def _zero_small(d: FloatArray) -> FloatArray:
    out: FloatArray = np.where(np.abs(d) <= TOL, 0.0, d)
    return out


def compute(v: dict[str, Any], variant: int) -> None:
    """§6 for a block of candidates (1-D arrays in ``v``), writing moves, gain, validity.

    Reads ``xsi xdi ssi sdi csi sti xsj xdj ssj sdj csj stj scp scq sp sq ratio psi pni
    ppi psj pnj ppj corri ui corrj uj``; writes ``mi mj yi yj gain valid``.
    """
    xsi, xdi, ssi, sdi, csi, sti = (v[k] for k in ("xsi", "xdi", "ssi", "sdi", "csi", "sti"))
    xsj, xdj, ssj, sdj, csj, stj = (v[k] for k in ("xsj", "xdj", "ssj", "sdj", "csj", "stj"))
    scp, scq, sp, sq, ratio = v["scp"], v["scq"], v["sp"], v["sq"], v["ratio"]
    usable = (csi > 0.0) & (csj > 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a_j = np.abs(xdi - xsj)
        dp = a_j * ssj * csj / scp
        if variant == 0:
            dq = (ssj + sdi) / (sdj + ssi) * dp
        else:
            dq = ratio * dp
        mi = dq * scq / (csi * ssi)
        mj = a_j
        dist_i = np.abs(xdj - xsi)
        swap = np.abs(mi) > dist_i
        dq2 = dist_i * ssi * csi / scq
        if variant == 0:
            dp2 = (ssi + sdj) / (sdi + ssj) * dq2
        else:
            dp2 = dq2 / ratio
        mj2 = dp2 * scp / (csj * ssj)
        dp = np.where(swap, dp2, dp)
        dq = np.where(swap, dq2, dq)
        mi = np.where(swap, dist_i, mi)
        mj = np.where(swap, mj2, mj)
        mi = np.where(xsi > xdj, -mi, mi)
        mj = np.where(xsj > xdi, -mj, mj)
        yi = xsi + mi
        yj = xsj + mj
        gain = _gain(variant, dp, dq, ssi, sdi, ssj, sdj)
        valid = (usable & _side_valid(mi, yi, v["psi"], v["pni"], v["ppi"])
                 & _side_valid(mj, yj, v["psj"], v["pnj"], v["ppj"]) & (gain >= EPS))
        # §6.6 truncation, first for I (supplies q), then for J (supplies p)
        for side in (0, 1):
            if side == 0:
                xs_a, st_a, s_a, c_a, sd_a, y_a = xsi, sti, ssi, csi, sdi, yi
                xs_b, xd_b, s_b, c_b, sd_b = xsj, xdj, ssj, csj, sdj
                xd_a = xdi
                base = sq + v["corri"]
                sc_a, sc_b, u_a = scq, scp, v["ui"]
            else:
                xs_a, st_a, s_a, c_a, sd_a, y_a = xsj, stj, ssj, csj, sdj, yj
                xs_b, xd_b, s_b, c_b, sd_b = xsi, xdi, ssi, csi, sdi
                xd_a = xdj
                base = sp + v["corrj"]
                sc_a, sc_b, u_a = scp, scq, v["uj"]
            w_a = s_a * c_a
            n0 = (base + (xs_a - st_a) * w_a) / sc_a
            n1 = (base + (y_a - st_a) * w_a) / sc_a
            t = xd_b
            d0 = _zero_small(t - n0)
            d1 = _zero_small(t - n1)
            keep = ((d0 >= 0.0) & (d1 >= 0.0)) | ((d0 <= 0.0) & (d1 <= 0.0))
            fire = valid & ~keep
            v_a = np.where(np.isnan(u_a), xs_a, u_a)
            tot = base + (v_a - st_a) * w_a
            a_a = np.abs((t * sc_a - tot) / (s_a * c_a))
            e_a = a_a * s_a * c_a / sc_a
            if variant == 0:
                e_b = (s_a + sd_b) / (sd_a + s_b) * e_a
            elif side == 0:
                e_b = e_a / ratio
            else:
                e_b = ratio * e_a
            m_b = np.abs(e_b * sc_b / (c_b * s_b))
            m_a = a_a
            m_b = np.where(xs_b > xd_a, -m_b, m_b)
            m_a = np.where(xs_a > xd_b, -m_a, m_a)
            if variant == 0:
                g_new = np.abs(e_b * s_b - e_a * sd_b)
            elif side == 0:
                g_new = _gain(variant, e_b, e_a, ssi, sdi, ssj, sdj)
            else:
                g_new = _gain(variant, e_a, e_b, ssi, sdi, ssj, sdj)
            if side == 0:
                mi = np.where(fire, m_a, mi)
                mj = np.where(fire, m_b, mj)
            else:
                mj = np.where(fire, m_a, mj)
                mi = np.where(fire, m_b, mi)
            yi = np.where(fire, xsi + mi, yi)
            yj = np.where(fire, xsj + mj, yj)
            gain = np.where(fire, g_new, gain)
        valid = (valid & _side_valid(mi, yi, v["psi"], v["pni"], v["ppi"])
                 & _side_valid(mj, yj, v["psj"], v["pnj"], v["ppj"]))
    v["mi"], v["mj"], v["yi"], v["yj"] = mi, mj, yi, yj
    v["gain"] = np.where(valid, gain, 0.0)
    v["valid"] = valid


def rex_ratio(ssi: FloatArray, sdi: FloatArray, ssj: FloatArray, sdj: FloatArray,
              p: float, u: FloatArray, w: FloatArray, z: FloatArray) -> FloatArray:
    """REX: the equal-gain ratio dq/dp moved by ``p·z`` towards one side's best ratio."""
    eq = (ssj + sdi) / (sdj + ssi)
    lo = ssj / sdj
    hi = sdi / ssi
    target = np.where((u < 0.5) == (w < 0.5), lo, hi)
    out: FloatArray = eq + p * z * (target - eq)
    return out


_STATIC = ("ssi", "sdi", "csi", "sti", "xdi", "ssj", "sdj", "csj", "stj", "xdj",
           "scp", "scq", "sp", "sq")
_STATE_F = ("xsi", "xsj", "mi", "mj", "yi", "yj", "gain", "psi", "psj", "ratio")
_STATE_B = ("alive", "pni", "ppi", "pnj", "ppj")


def run_numpy(
    x: FloatArray, s: FloatArray, c: FloatArray, part: BoolArray, *, rounds: int,
    variant: int, p: float, random_ties: bool, keys: NDArray[np.uint64],
    salience_weight: float, fixed_weight: float, max_exchanges: int, record: bool,
    history_draws: int | None = None,
) -> FastResult:
    """Run ``rounds`` rounds for every draw of ``x`` (D, A, I) at once.

    ``history_draws`` (default: all) is how many leading draws keep their round-by-round
    ``starts`` and ``voting``; ``final`` and ``n_exchanges`` cover every draw.
    """
    n_d, n_a, n_i = x.shape
    starts = np.empty((n_d, rounds + 1, n_a, n_i))
    voting = np.empty((n_d, rounds, n_a, n_i))
    counts = np.zeros((n_d, rounds), dtype=np.int64)
    events: list[FloatArray] = []
    w = np.where(part, s * c, 0.0)
    cur = x.copy()
    starts[:, 0] = cur
    pairs = [(pi, qi) for pi in range(n_i) for qi in range(pi + 1, n_i)]
    for t in range(rounds):
        vote, new, ev = _round(cur, s, c, w, part, pairs, t, variant, p, random_ties, keys,
                               salience_weight, fixed_weight, max_exchanges, record, counts)
        voting[:, t] = vote
        starts[:, t + 1] = new
        if record:
            events.append(ev)
        cur = new
    n_hist = n_d if history_draws is None else min(history_draws, n_d)
    return FastResult(starts[:n_hist], voting[:n_hist], counts, cur, events)


def _round(
    x: FloatArray, s: FloatArray, c: FloatArray, w: FloatArray, part: BoolArray,
    pairs: list[tuple[int, int]], t: int, variant: int, p: float, random_ties: bool,
    keys: NDArray[np.uint64], w_s: float, w_f: float, max_exchanges: int, record: bool,
    counts: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    n_d, n_a, n_i = x.shape
    # §3: outcomes, summed in actor order
    sc = np.zeros((n_d, n_i))
    sx = np.zeros((n_d, n_i))
    for k in range(n_a):  # a reduction in a fixed order (the compiled engine's order)
        sc = sc + w[:, k]
        sx = sx + x[:, k] * w[:, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(sc > 0.0, sx / np.where(sc > 0.0, sc, 1.0), 0.0)
    left = x <= out[:, None, :] + TOL
    # §5: candidates in generation order: per pair, a×d then b×c, each by actor order
    pa = np.array([pq[0] for pq in pairs], dtype=np.int64)
    qa = np.array([pq[1] for pq in pairs], dtype=np.int64)
    n_pairs = len(pairs)
    both = part[:, :, pa] & part[:, :, qa]  # (D, A, P)
    lp, lq = left[:, :, pa], left[:, :, qa]
    g_a = both & ~lp & ~lq
    g_b = both & lp & ~lq
    g_c = both & ~lp & lq
    g_d = both & lp & lq
    blk1 = g_a.transpose(0, 2, 1)[:, :, :, None] & g_d.transpose(0, 2, 1)[:, :, None, :]
    blk2 = g_b.transpose(0, 2, 1)[:, :, :, None] & g_c.transpose(0, 2, 1)[:, :, None, :]
    exists = np.stack([blk1, blk2], axis=2).reshape(n_d, n_pairs * 2 * n_a * n_a)
    rows, slots = np.nonzero(exists)
    n_per = exists.sum(axis=1)
    n_c = int(n_per.max()) if n_d else 0
    vote = x.copy()
    new = x.copy()
    ev_rows: list[list[float]] = []
    if n_c == 0:
        return vote, new, np.zeros((0, EVENT_COLUMNS))
    offs = np.concatenate([[0], np.cumsum(n_per)[:-1]])
    cols = np.arange(rows.size) - offs[rows]
    pair_k = slots // (2 * n_a * n_a)
    u = (slots // n_a) % n_a
    vv = slots % n_a
    cp = np.zeros((n_d, n_c), dtype=np.int64)
    cq = np.zeros((n_d, n_c), dtype=np.int64)
    cu = np.zeros((n_d, n_c), dtype=np.int64)
    cv = np.zeros((n_d, n_c), dtype=np.int64)
    cp[rows, cols] = pa[pair_k]
    cq[rows, cols] = qa[pair_k]
    cu[rows, cols] = u
    cv[rows, cols] = vv
    exist = np.zeros((n_d, n_c), dtype=bool)
    exist[rows, cols] = True
    dd = np.broadcast_to(np.arange(n_d)[:, None], (n_d, n_c))
    with np.errstate(divide="ignore", invalid="ignore"):
        ru = s[dd, cu, cp] / s[dd, cu, cq]
        rv = s[dd, cv, cp] / s[dd, cv, cq]
    swap = ru < rv
    ia = np.where(swap, cv, cu)
    ja = np.where(swap, cu, cv)
    v: dict[str, Any] = {
        "ssi": s[dd, ia, cq], "sdi": s[dd, ia, cp], "csi": c[dd, ia, cq],
        "sti": x[dd, ia, cq], "xdi": x[dd, ia, cp],
        "ssj": s[dd, ja, cp], "sdj": s[dd, ja, cq], "csj": c[dd, ja, cp],
        "stj": x[dd, ja, cp], "xdj": x[dd, ja, cq],
        "scp": sc[dd, cp], "scq": sc[dd, cq], "sp": sx[dd, cp], "sq": sx[dd, cq],
    }
    # padding rows: harmless numbers (they are never alive)
    for name in ("ssi", "sdi", "csi", "ssj", "sdj", "csj", "scp", "scq"):
        v[name] = np.where(exist, v[name], 1.0)
    v["xsi"] = v["sti"].copy()
    v["xsj"] = v["stj"].copy()
    uid = np.broadcast_to(np.arange(n_c, dtype=np.int64)[None, :], (n_d, n_c))
    keys_b = keys[:, None]
    if variant == 1:
        z = hash_uniform_np(keys_b, t, uid, 0, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = v["ssj"] / v["sdj"]
            hi = v["sdi"] / v["ssi"]
        v["ratio"] = lo + z * (hi - lo)
    else:
        v["ratio"] = np.ones((n_d, n_c))
    ncalc = np.zeros((n_d, n_c), dtype=np.int64)
    zeros = np.zeros((n_d, n_c))
    v.update(psi=zeros.copy(), psj=zeros.copy(), pni=np.ones((n_d, n_c), dtype=bool),
             ppi=np.ones((n_d, n_c), dtype=bool), pnj=np.ones((n_d, n_c), dtype=bool),
             ppj=np.ones((n_d, n_c), dtype=bool), corri=zeros, corrj=zeros,
             ui=np.full((n_d, n_c), np.nan), uj=np.full((n_d, n_c), np.nan))
    if variant == 2:
        v["ratio"] = _rex(v, p, keys_b, t, uid, ncalc)
    compute(v, variant)
    ncalc += 1
    alive = v["valid"] & exist
    qg = quantise(v["gain"])
    skey = uid.copy()
    lo_ctr = np.full(n_d, -1, dtype=np.int64)
    hi_ctr = np.full(n_d, n_c, dtype=np.int64)
    table = np.full((n_d, n_c, 2, n_a), np.nan)
    ia_, ja_ = ia, ja
    dr = np.arange(n_d)
    step = 0
    big = np.iinfo(np.int64).max
    while True:
        active = alive.any(axis=1) & (counts[:, t] < max_exchanges)
        if not active.any():
            break
        # §7.1: the head of the stably sorted list = max quantised gain, then min key
        qm = np.where(alive, qg, -np.inf)
        best = qm.max(axis=1)
        head = np.where(alive & (qm == best[:, None]), skey, big).argmin(axis=1)
        chosen = head
        if random_ties:
            qm2 = qm.copy()
            qm2[dr, head] = -np.inf
            best2 = qm2.max(axis=1)
            second = np.where(alive & (qm2 == best2[:, None]), skey, big).argmin(axis=1)
            coin = hash_uniform_np(keys, t, step, 0, 5) >= 0.5
            flip = active & (best2 == best) & np.isfinite(best2) & coin
            skey[dr[flip], head[flip]] = hi_ctr[flip]
            hi_ctr = hi_ctr + flip
            chosen = np.where(flip, second, head)
        step += 1
        da = dr[active]
        ch = chosen[active]
        alive[da, ch] = False
        counts[da, t] += 1
        xi_a, xj_a = ia_[da, ch], ja_[da, ch]
        xp, xq = cp[da, ch], cq[da, ch]
        xyi, xyj = v["yi"][da, ch], v["yj"][da, ch]
        xmi, xmj = v["mi"][da, ch], v["mj"][da, ch]
        xsti, xstj = v["sti"][da, ch], v["stj"][da, ch]
        if record and active[0]:
            ev_rows.append([float(xi_a[0]), float(xj_a[0]), float(xp[0]), float(xq[0]),
                            float(v["xsi"][0, ch[0]]), float(xyi[0]), float(xmi[0]),
                            float(v["xsj"][0, ch[0]]), float(xyj[0]), float(xmj[0]),
                            float(v["gain"][0, ch[0]])])
        # §8: voting positions and next start positions (the last exchange wins)
        vote[da, xi_a, xq] = xyi
        vote[da, xj_a, xp] = xyj
        for who, iss, yy, st in ((xi_a, xq, xyi, xsti), (xj_a, xp, xyj, xstj)):
            ss = s[da, who, iss]
            new[da, who, iss] = ((1.0 - ss) * w_s * yy + w_f * yy
                                 + (1.0 - (1.0 - ss) * w_s - w_f) * st)
        _walk(v, alive, active, da, xi_a, xj_a, xp, xq, xyi, xyj, xsti, xstj,
              ia_, ja_, cp, cq, table, x, w, variant, p, keys_b, t, uid, ncalc, qg, skey,
              lo_ctr, hi_ctr)
    ev = np.array(ev_rows, dtype=np.float64).reshape(-1, EVENT_COLUMNS)
    return vote, new, ev


def _rex(v: dict[str, Any], p: float, keys: Any, t: int, uid: Any, ncalc: Any) -> FloatArray:
    u = hash_uniform_np(keys, t, uid, ncalc, 2)
    ww = hash_uniform_np(keys, t, uid, ncalc, 3)
    z = hash_uniform_np(keys, t, uid, ncalc, 4)
    with np.errstate(divide="ignore", invalid="ignore"):
        return rex_ratio(v["ssi"], v["sdi"], v["ssj"], v["sdj"], p, u, ww, z)


def _record(table: FloatArray, dsel: IntArray, csel: IntArray, slot: IntArray, actor: IntArray,
            y: FloatArray, start: FloatArray) -> None:
    """§7.2: enter a mover's voting position in candidates' update tables."""
    e = table[dsel, csel, slot, actor]
    keep_lo = np.where(e < y, e, y)
    keep_hi = np.where(e > y, e, y)
    table[dsel, csel, slot, actor] = np.where(np.isnan(e), y,
                                              np.where(start <= e, keep_lo, keep_hi))


def _walk(
    v: dict[str, Any], alive: BoolArray, active: BoolArray, da: IntArray,
    xi_a: IntArray, xj_a: IntArray, xp: IntArray, xq: IntArray, xyi: FloatArray,
    xyj: FloatArray, xsti: FloatArray, xstj: FloatArray,
    ia: IntArray, ja: IntArray, cp: IntArray, cq: IntArray, table: FloatArray,
    x: FloatArray, w: FloatArray, variant: int, p: float, keys: Any, t: int, uid: Any,
    ncalc: IntArray, qg: FloatArray, skey: IntArray, lo_ctr: IntArray, hi_ctr: IntArray,
) -> None:
    """§7: update every remaining candidate against the executed exchange X."""
    n_d = alive.shape[0]

    def bx(a: Any) -> Any:  # executed exchange's field broadcast over candidates
        full = np.zeros(n_d, dtype=a.dtype)
        full[da] = a
        return full[:, None]

    bi, bj, bp, bq = bx(xi_a), bx(xj_a), bx(xp), bx(xq)
    byi, byj = bx(xyi), bx(xyj)
    bsti, bstj = bx(xsti), bx(xstj)
    live = alive & active[:, None]
    # 7.1 supply overlap (E.I supplies q, E.J supplies p; X.I supplies X.q, X.J X.p)
    i_xi = live & (ia == bi) & (cq == bq)
    i_xj = live & (ia == bj) & (cq == bp)
    j_xi = live & (ja == bi) & (cp == bq)
    j_xj = live & (ja == bj) & (cp == bp)
    m_i = i_xi | i_xj
    m_j = j_xi | j_xj
    # 7.2 demand overlap: X.J shares actor and demand issue (X.q) with a side of E
    cond_a = live & (((bj == ja) & (bq == cq)) | ((bj == ia) & (bq == cp)))
    cond_b = live & (((bi == ja) & (bp == cq)) | ((bi == ia) & (bp == cp)))
    marked = m_i | m_j | cond_a | cond_b
    if not marked.any():
        return
    # stale moves kept by a side that matched in 7.1 join its history (prefix)
    v["psi"] = np.where(m_i, v["psi"] + v["mi"], v["psi"])
    v["pni"] = np.where(m_i, v["pni"] & (v["mi"] < 0.0), v["pni"])
    v["ppi"] = np.where(m_i, v["ppi"] & (v["mi"] > 0.0), v["ppi"])
    v["psj"] = np.where(m_j, v["psj"] + v["mj"], v["psj"])
    v["pnj"] = np.where(m_j, v["pnj"] & (v["mj"] < 0.0), v["pnj"])
    v["ppj"] = np.where(m_j, v["ppj"] & (v["mj"] > 0.0), v["ppj"])
    v["xsi"] = np.where(i_xi, byi, np.where(i_xj, byj, v["xsi"]))
    v["xsj"] = np.where(j_xi, byi, np.where(j_xj, byj, v["xsj"]))
    for cond, mover, iss, yy, st in ((cond_a, bi, bq, byi, bsti), (cond_b, bj, bp, byj, bstj)):
        dsel, csel = np.nonzero(cond)
        if dsel.size:
            slot = (iss[dsel, 0] == cq[dsel, csel]).astype(np.int64)
            _record(table, dsel, csel, slot, mover[dsel, 0], yy[dsel, 0], st[dsel, 0])
    # 7.3 recompute the marked candidates
    dsel, csel = np.nonzero(marked)
    sub: dict[str, Any] = {k: v[k][dsel, csel] for k in (*_STATIC, *_STATE_F, *_STATE_B[1:])}
    ia_s, ja_s = ia[dsel, csel], ja[dsel, csel]
    p_s, q_s = cp[dsel, csel], cq[dsel, csel]
    for side, own, iss, slot in (("i", ia_s, q_s, 1), ("j", ja_s, p_s, 0)):
        tab = table[dsel, csel, slot]  # (M, A)
        x0 = x[dsel, :, iss]  # (M, A)  round start positions on the issue
        w0 = w[dsel, :, iss]
        present = ~np.isnan(tab)
        others = present & (np.arange(x.shape[1])[None, :] != own[:, None])
        with np.errstate(invalid="ignore"):
            terms = np.where(others, (tab - x0) * w0, 0.0)
        sub["corr" + side] = np.cumsum(terms, axis=1)[:, -1]  # sequential, actor order
        sub["u" + side] = tab[np.arange(own.size), own]
    if variant == 2:
        sub["ratio"] = _rex(sub, p, keys[dsel, 0], t, uid[dsel, csel], ncalc[dsel, csel])
    compute(sub, variant)
    ncalc[dsel, csel] += 1
    for k in ("xsi", "xsj", "mi", "mj", "yi", "yj", "gain", "psi", "psj", "pni", "ppi",
              "pnj", "ppj"):
        v[k][dsel, csel] = sub[k]
    ok = sub["valid"]
    alive[dsel[~ok], csel[~ok]] = False
    # re-sort: a candidate whose gain changed goes before (came from above) or after
    # (came from below) every candidate of its new gain, in its old list order
    old_q = qg[dsel, csel]
    new_q = quantise(sub["gain"])
    qg[dsel, csel] = new_q
    old_key = skey[dsel, csel]
    for down in (True, False):
        moved = ok & ((old_q > new_q) if down else (old_q < new_q))
        if not moved.any():
            continue
        md, mc = dsel[moved], csel[moved]
        oq, ok_ = old_q[moved], old_key[moved]
        order = np.lexsort((ok_, -oq, md))  # by draw, then old list order
        md, mc = md[order], mc[order]
        first = np.concatenate([[True], md[1:] != md[:-1]])
        grp_start = np.maximum.accumulate(np.where(first, np.arange(md.size), 0))
        rank = np.arange(md.size) - grp_start
        n_grp = np.bincount(md, minlength=n_d)
        if down:
            skey[md, mc] = lo_ctr[md] - n_grp[md] + 1 + rank
            lo_ctr -= n_grp
        else:
            skey[md, mc] = hi_ctr[md] + rank
            hi_ctr += n_grp
