"""Numerical kernels of KTAB's Spatial Model of Politics (see :mod:`summitry.models.smp`).

Every function works on arrays with a leading draw axis ``D`` and is vectorised over
draws and over actor pairs; section numbers refer to ``specs/smp.md``. All positions and
saliences are on KTAB's internal [0, 1] scale here.

Conventions: ``x`` positions ``(D, A, I)``, ``y`` ideals ``(D, A, I)``, ``s`` saliences
``(D, A, I)``, ``cap`` capabilities ``(D, A)``, ``present`` ``(D, A)`` actors taking part
in the draw. Option indices are the last axes of utility tables ``u[..., voter, option]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

__all__ = [
    "BARGAIN",
    "BARGAIN_MODEL",
    "PCE",
    "RISK_ADJUST",
    "RISK_RANGE",
    "THIRD_PARTY",
    "TRANSITION",
    "VICTORY",
    "VOTING",
    "Config",
]

#: Allowed values of each option (first = KTAB default), specs/smp.md §12.
VOTING = ("proportional", "binary", "prop_bin", "prop_cbc", "cubic", "asym_prosp")
VICTORY = ("linear", "square", "quartic", "octic", "binary")
PCE = ("conditional", "markov_uniform", "markov_incentive")
RISK_RANGE = ("mid", "min", "max")
RISK_ADJUST = ("one_third", "none", "half", "two_thirds", "full")
THIRD_PARTY = ("semi_commit", "full_commit", "no_commit")
BARGAIN = ("s2p2", "s1p1", "s2pmax")
BARGAIN_MODEL = ("init_only", "init_rcvr", "pw_comp")
TRANSITION = ("deterministic", "stochastic")

# constants, specs/smp.md §11
MIN_COALITION = 1e-8
MIN_PRINCIPAL = 1e-10
MIN_GAIN = 1e-5
BARGAIN_EPS = 1e-6
POS_TOL = 1e-3
BINARY_SLOPE = 1e-8
BINARY_VICTORY = 1.10
MARKOV_TOL = {"markov_uniform": 1e-6, "markov_incentive": 1e-8}
MARKOV_CAP = 1000


@dataclass(frozen=True)
class Config:
    """Resolved option values of one solve (validated strings)."""

    voting: str = "proportional"
    victory: str = "linear"
    pce: str = "conditional"
    risk_range: str = "mid"
    risk_adjust: str = "one_third"
    third_party: str = "semi_commit"
    bargain: str = "s2p2"
    bargain_model: str = "init_only"
    transition: str = "deterministic"
    numba: bool = False  # use the Numba kernels of :mod:`._smp_numba` (same numbers)


# --------------------------------------------------------------------------------------
# §3 votes, coalitions, victory probabilities, PCE
# --------------------------------------------------------------------------------------
def vote(rule: str, w: Any, delta: Any) -> FloatArray:
    """Vote of weight ``w`` for option a over b when ``delta = u_a − u_b`` (``Model::vote``)."""
    w = np.asarray(w, dtype=np.float64)
    d = np.asarray(delta, dtype=np.float64)
    if rule == "proportional":
        return np.asarray(w * d)
    if rule == "binary":
        return np.asarray(w * np.clip(d / BINARY_SLOPE, -1.0, 1.0))
    if rule == "prop_bin":
        return np.asarray(w * (0.8 * d + 0.2 * np.clip(d / BINARY_SLOPE, -1.0, 1.0)))
    if rule == "prop_cbc":
        return np.asarray(w * (0.5 * d + 0.5 * d * d * d))
    if rule == "cubic":
        return np.asarray(w * (d * d * d))
    if rule == "asym_prosp":
        return np.asarray(np.where(d < 0.0, w * d, (2.0 / 3.0) * w * d))
    raise ValueError(rule)  # pragma: no cover - validated by the model


def victory(model: str, s1: FloatArray, s2: FloatArray) -> FloatArray:
    """Probability that strength ``s1`` beats ``s2`` (``Model::vProb``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if model == "linear":
            return s1 / (s1 + s2)
        if model in ("square", "quartic", "octic"):
            # s², s⁴, s⁸ by exact repeated squaring: NumPy's array power of a float uses the
            # CPU's vector math library (e.g. SVML with AVX-512), whose last bit differs from
            # libm's pow and between machines; squaring is the same everywhere, in the Numba
            # kernel too
            a, b = s1 * s1, s2 * s2
            for _ in range({"square": 0, "quartic": 1, "octic": 2}[model]):
                a, b = a * a, b * b
            return np.asarray(a / (a + b))
        if model == "binary":
            r = s1 / (s1 + s2)
            ramp = np.clip((2.1 * r - 1.0) / 0.1, 0.0, 1.0)
            hi = 1.0 / (1.0 + 1e-6)
            lo = 1e-6 / (1.0 + 1e-6)
            low = np.where(s2 >= BINARY_VICTORY * s1, lo, ramp)
            return np.asarray(np.where(s1 >= BINARY_VICTORY * s2, hi, low))
    raise ValueError(model)  # pragma: no cover


def coalitions(rule: str, w: FloatArray, u: FloatArray) -> FloatArray:
    """Coalition strengths ``C[..., a, b] = 1e−8 + Σ_k max(0, v_k(a:b))`` (``Model::coalitions``).

    Args:
        rule: voting rule.
        w: voter weights ``(..., K)``.
        u: utilities ``(..., K, O)`` of each voter for each option.
    """
    delta = u[..., :, :, None] - u[..., :, None, :]
    v = vote(rule, w[..., :, None, None], delta)
    if rule == "asym_prosp":
        # KTAB computes v(a:b) for b < a only and uses v(b:a) = −v(a:b)
        o = u.shape[-1]
        lower = np.tri(o, o, -1, dtype=bool)
        v = np.where(lower, v, -np.swapaxes(v, -1, -2))
    c = np.maximum(v, 0.0).sum(axis=-3) + MIN_COALITION
    o = u.shape[-1]
    idx = np.arange(o)
    c[..., idx, idx] = MIN_COALITION
    return np.asarray(c)


def coalitions_cfg(cfg: Config, w: FloatArray, u: FloatArray) -> FloatArray:
    """:func:`coalitions` with the model's voting rule, by the configured engine."""
    if cfg.numba:
        from summitry.models import _smp_numba

        return _smp_numba.coalitions(cfg.voting, w, u)
    return coalitions(cfg.voting, w, u)


def victory_matrix(model: str, c: FloatArray) -> FloatArray:
    """``P[..., a, b]`` = probability option a beats b; 0.5 on the diagonal."""
    p = victory(model, c, np.swapaxes(c, -1, -2))
    idx = np.arange(c.shape[-1])
    p[..., idx, idx] = 0.5
    return p


def pce(model: str, p: FloatArray, c: FloatArray, mask: BoolArray) -> FloatArray:
    """Probabilistic Condorcet election over the options where ``mask`` (``Model::probCE2``).

    Args:
        model: PCE model.
        p: pairwise victory probabilities ``(..., O, O)``.
        c: coalition strengths ``(..., O, O)`` (used by ``markov_incentive``).
        mask: valid options ``(..., O)``; invalid ones get probability 0.

    Returns:
        ``(..., O)`` probabilities summing to 1 over the valid options.
    """
    o = p.shape[-1]
    eye = np.eye(o, dtype=bool)
    pair = mask[..., :, None] & mask[..., None, :]
    if model == "conditional":
        pm = np.where(pair & ~eye, p, 1.0)
        q = np.where(mask, np.prod(pm, axis=-1), 0.0)
        tot = q.sum(axis=-1, keepdims=True)
        bad = ~(tot > 0.0) | ~np.isfinite(tot)
        if bad.any():  # every product underflowed: redo in logs (never in the references)
            with np.errstate(divide="ignore"):
                lq = np.where(mask, np.log(pm).sum(axis=-1), -np.inf)
            lq = lq - lq.max(axis=-1, keepdims=True)
            q = np.where(bad, np.exp(lq), q)
            tot = q.sum(axis=-1, keepdims=True)
        return np.asarray(q / tot)
    m = mask.sum(axis=-1, keepdims=True).astype(np.float64)
    pz = np.where(pair, p, 0.0)
    prob = np.where(mask, 1.0 / np.maximum(m, 1.0), 0.0)
    if model == "markov_uniform":
        a_in, a_out = pz, pz  # q_a = (1/m) Σ_b P(a>b)(p_a + p_b)
        scale = 1.0 / m
    elif model == "markov_incentive":
        n = np.where(pair, c * p, 0.0) + np.where(eye & mask[..., :, None], 1e-10, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            chi = n / n.sum(axis=-2, keepdims=True)
        chi = np.where(pair, chi, 0.0)
        # q_a = Σ_b P(a>b)(p_a·χ(b, a) + p_b·χ(a, b))
        a_in, a_out = pz * np.swapaxes(chi, -1, -2), pz * chi
        scale = np.ones_like(m)
    else:  # pragma: no cover
        raise ValueError(model)
    tol = MARKOV_TOL[model]
    keep = a_in.sum(axis=-1)
    out = np.zeros_like(prob)
    done = np.zeros(prob.shape[:-1], dtype=bool)
    q = prob
    for _ in range(MARKOV_CAP):
        q = (prob * keep + (a_out * prob[..., None, :]).sum(axis=-1)) * scale
        conv = np.max(np.abs(q - prob), axis=-1) <= tol
        new = conv & ~done
        out[new] = q[new]  # each election stops at its own convergence (batch = loop)
        done |= conv
        if done.all():
            return out
        prob = np.where(done[..., None], prob, 0.5 * (prob + q))
    out[~done] = q[~done]
    return out


def scalar_pce(cfg: Config, w: FloatArray, u: FloatArray, mask: BoolArray) -> FloatArray:
    """Scalar PCE: coalitions → victory probabilities → PCE (``Model::scalarPCE``)."""
    c = coalitions_cfg(cfg, w, u)
    return pce(cfg.pce, victory_matrix(cfg.victory, c), c, mask)


# --------------------------------------------------------------------------------------
# §2 distance and utility, §4 risk attitudes
# --------------------------------------------------------------------------------------
def distance(y: FloatArray, s: FloatArray, pts: FloatArray) -> FloatArray:
    """Salience-weighted distance from each ideal to each point (``SMPModel::bvDiff``).

    Args:
        y: ideals ``(D, A, I)``.
        s: the same actors' saliences ``(D, A, I)`` (not all zero).
        pts: points ``(D, B, I)``.

    Returns:
        ``(D, A, B)``.
    """
    d = y[:, :, None, :] - pts[:, None, :, :]
    sd = s[:, :, None, :] * d
    num = (sd * sd).sum(axis=-1)
    den = (s * s).sum(axis=-1)
    return np.asarray(np.sqrt(num / den[:, :, None]))


def utility(dist: FloatArray, r: FloatArray) -> FloatArray:
    """``U(D, R) = (1 − D)(1 + D·R)`` for ``D ≤ 1``, else ``(1 − D)(1 + R)`` (``bsUtil``)."""
    return np.asarray((1.0 - dist) * (1.0 + np.minimum(dist, 1.0) * r))


def risk_from_prob(rng: str, p: FloatArray, mask: BoolArray) -> FloatArray:
    """Risk attitudes from the risk-neutral win probabilities (``Model::bigRfromProb``).

    When every option is equally likely (e.g. unanimity) KTAB divides 0 by 0; here every
    actor is then risk neutral (R = 0).
    """
    pmax = np.where(mask, p, -np.inf).max(axis=-1, keepdims=True)
    pmin = np.where(mask, p, np.inf).min(axis=-1, keepdims=True)
    span = pmax - pmin
    flat = ~(span > 1e-12)
    span = np.where(flat, 1.0, span)
    if rng == "mid":
        r = (3.0 * p - pmax - 2.0 * pmin) / (2.0 * span)
    elif rng == "min":
        r = (p - pmin) / span
    elif rng == "max":
        r = (2.0 * p - pmax - pmin) / span
    else:  # pragma: no cover
        raise ValueError(rng)
    return np.asarray(np.where(flat | ~mask, 0.0, r))


def risk_estimate(adjust: str, r: FloatArray) -> FloatArray:
    """``est[..., h, i]``: h's estimate of i's risk attitude (``Model::estNRA``)."""
    rh = r[..., :, None]
    ri = r[..., None, :]
    if adjust == "one_third":
        return np.asarray((2.0 * rh + ri) / 3.0)
    if adjust == "none":
        return np.asarray(np.broadcast_to(rh, (*rh.shape[:-1], r.shape[-1])).copy())
    if adjust == "half":
        return np.asarray((rh + ri) / 2.0)
    if adjust == "two_thirds":
        return np.asarray((rh + 2.0 * ri) / 3.0)
    if adjust == "full":
        return np.asarray(np.broadcast_to(ri, (*ri.shape[:-2], r.shape[-1], r.shape[-1])).copy())
    raise ValueError(adjust)  # pragma: no cover


@dataclass
class StateSetup:
    """Everything derived from one state's positions (specs/smp.md §4)."""

    dist: FloatArray  # V[d, i, j] = D_i(x_j), (D, A, A)
    risk: FloatArray  # R (D, A)
    true_util: FloatArray  # U(V[i, j], R_i), (D, A, A)
    persp: FloatArray  # A_h(i, j) = U(V[i, j], r_hi), (D, H, A, A)


def setup_state(
    cfg: Config, x: FloatArray, y: FloatArray, s: FloatArray, cap: FloatArray,
    present: BoolArray, *, perspectives: bool = True,
) -> StateSetup:
    """Distances, risk attitudes and perceived utilities of a state (``setAllAUtil``).

    ``perspectives=False`` skips the ``(D, A, A, A)`` perceived utilities (``persp`` is then
    empty, ``(D, 0, A, A)``): forecasts of a state do not need them.
    """
    v = distance(y, s, x)
    u0 = 1.0 - v
    p = scalar_pce(cfg, cap, u0, present)
    r = risk_from_prob(cfg.risk_range, p, present)
    if perspectives:
        est = risk_estimate(cfg.risk_adjust, r)  # (D, H, A)
        persp = utility(v[:, None, :, :], est[:, :, :, None])
    else:
        persp = np.empty((v.shape[0], 0, *v.shape[1:]))
    true = utility(v, r[:, :, None])
    return StateSetup(v, r, true, persp)


# --------------------------------------------------------------------------------------
# §5 challenges
# --------------------------------------------------------------------------------------
def contest(
    cfg: Config,
    aii: FloatArray, aij: FloatArray, aji: FloatArray, ajj: FloatArray,
    wi: FloatArray, wj: FloatArray,
    ui: FloatArray, uj: FloatArray, um: FloatArray, wm: FloatArray, tp: BoolArray,
) -> FloatArray:
    """φ: one perspective's probability that i defeats j (``SMPState::probEduChlg``).

    Principal arrays have shape ``S``; third-party arrays ``S + (M,)``, ``tp`` marks the
    third parties that take part (m ∉ {i, j}, present).
    """
    # every vote here uses the model's voting rule (checked against the PropCbc reference)
    a_i = vote(cfg.voting, wi, aii - aij)
    a_j = vote(cfg.voting, wj, aji - ajj)
    p_i = MIN_PRINCIPAL + np.maximum(a_i, 0.0) + np.maximum(a_j, 0.0)
    p_j = MIN_PRINCIPAL + np.maximum(-a_i, 0.0) + np.maximum(-a_j, 0.0)
    pi_, pj_ = p_i[..., None], p_j[..., None]
    v = vote(cfg.voting, wm, ui - uj)
    vp, vn = np.maximum(v, 0.0), np.maximum(-v, 0.0)
    prob = (pi_ + vp) / (pi_ + vp + pj_ + vn)
    if cfg.third_party == "semi_commit":
        join_i = prob * (2.0 * ui + um) + (1.0 - prob) * (3.0 * uj)
        join_j = prob * (3.0 * ui) + (1.0 - prob) * (2.0 * uj + um)
    elif cfg.third_party == "full_commit":
        join_i = prob * (3.0 * ui) + (1.0 - prob) * (3.0 * uj)
        join_j = prob * (3.0 * ui) + (1.0 - prob) * (3.0 * uj)
    else:  # no_commit
        join_i = prob * (2.0 * ui + um) + (1.0 - prob) * (2.0 * uj + um)
        join_j = prob * (2.0 * ui + um) + (1.0 - prob) * (2.0 * uj + um)
    t = np.where(tp, vote(cfg.voting, wm, join_i - join_j), 0.0)
    # KTAB adds the third parties' votes one by one, in index order, to the principals'
    # strengths; a cumulative sum keeps exactly that order (and matches the Numba kernel)
    s_ij = np.cumsum(np.concatenate([p_i[..., None], np.maximum(t, 0.0)], axis=-1), axis=-1)
    s_ji = np.cumsum(np.concatenate([p_j[..., None], np.maximum(-t, 0.0)], axis=-1), axis=-1)
    return np.asarray(s_ij[..., -1] / (s_ij[..., -1] + s_ji[..., -1]))


def expected_gain(a: FloatArray, b: FloatArray, phi: FloatArray, sig_j: FloatArray) -> FloatArray:
    """E = EU_Ch − EU_SQ with a = A(k,i), b = A(k,j) (specs/smp.md §5 step 4)."""
    eu_sq = a + b
    eu_v = 2.0 * a
    eu_c = phi * 2.0 * a + (1.0 - phi) * 2.0 * b
    eu_ch = (1.0 - sig_j) * eu_v + sig_j * eu_c
    return np.asarray(eu_ch - eu_sq)


def all_challenges(
    cfg: Config, persp: FloatArray, w: FloatArray, sig: FloatArray, present: BoolArray,
    block: int = 0,
) -> tuple[FloatArray, FloatArray]:
    """φ[d, i, j] and E(i, i, i, j)[d, i, j] for every challenger i and target j.

    ``block`` bounds memory: challengers are processed ``block`` at a time (0 = automatic).
    With ``cfg.numba`` the Numba kernel computes the same numbers.
    """
    if cfg.numba:
        from summitry.models import _smp_numba

        return _smp_numba.all_challenges(cfg, persp, w, sig, present)
    dd, a = persp.shape[0], persp.shape[1]
    ar = np.arange(a)
    if block <= 0:
        block = max(1, min(a, 2_000_000 // max(1, dd * a * a)))
    phi = np.empty((dd, a, a))
    gain = np.empty((dd, a, a))
    pres_m = present[:, None, None, :]
    for lo in range(0, a, block):
        ii = ar[lo : lo + block]
        ah = persp[:, ii]  # (D, b, A, A): A_i(m, l)
        bi = np.arange(len(ii))
        aii = ah[:, bi, ii, ii][:, :, None]  # A_i(i, i)
        aij = ah[:, bi, ii, :]  # A_i(i, j)
        aji = ah[:, bi[:, None], ar[None, :], ii[:, None]]  # A_i(j, i)
        ajj = ah[:, :, ar, ar]  # A_i(j, j)
        ui = aji[:, :, None, :]  # A_i(m, i)
        uj = np.swapaxes(ah, -1, -2)  # [d, i, j, m] = A_i(m, j)
        um = ajj[:, :, None, :]  # A_i(m, m)
        wi = w[:, ii][:, :, None]
        wj = w[:, None, :]
        wm = w[:, None, None, :]
        tp = (
            (ar[None, None, :] != ii[:, None, None])
            & (ar[None, None, :] != ar[None, :, None])
        )[None] & pres_m
        ph = contest(cfg, aii, aij, aji, ajj, wi, wj, ui, uj, um, wm, tp)
        phi[:, ii] = ph
        gain[:, ii] = expected_gain(aii, aij, ph, sig[:, None, :])
    return phi, gain


def best_targets(gain: FloatArray, present: BoolArray) -> tuple[IntArray, FloatArray]:
    """Each actor's target (−1: none) and gain (``SMPState::bestChallenge``).

    Keeps the first target of largest gain above 1e−5 (ties go to the lowest index).
    """
    a = gain.shape[-1]
    ok = present[:, None, :] & present[:, :, None] & ~np.eye(a, dtype=bool)[None]
    g = np.where(ok, gain, -np.inf)
    j = np.argmax(g, axis=-1)
    best = np.take_along_axis(g, j[..., None], axis=-1)[..., 0]
    target = np.where(best > MIN_GAIN, j, -1)
    return target.astype(np.intp), best


def pair_phi(
    cfg: Config, persp: FloatArray, h: IntArray, i: IntArray, j: IntArray, w: FloatArray,
    present: BoolArray,
) -> FloatArray:
    """φ for given pairs: h's estimate that i beats j, ``(D, P)`` (h, i, j are ``(D, P)``)."""
    dd, a = persp.shape[0], persp.shape[1]
    d_ix = np.arange(dd)[:, None]
    ah = persp[d_ix, h]  # (D, P, A, A): A_h(m, l)
    p_ix = np.arange(h.shape[1])[None, :]
    aii = ah[d_ix, p_ix, i, i]
    aij = ah[d_ix, p_ix, i, j]
    aji = ah[d_ix, p_ix, j, i]
    ajj = ah[d_ix, p_ix, j, j]
    ar = np.arange(a)
    ui = np.take_along_axis(ah, i[:, :, None, None], axis=-1)[..., 0]  # A_h(m, i)
    uj = np.take_along_axis(ah, j[:, :, None, None], axis=-1)[..., 0]  # A_h(m, j)
    um = ah[:, :, ar, ar]  # A_h(m, m)
    tp = (ar[None, None, :] != i[:, :, None]) & (ar[None, None, :] != j[:, :, None])
    tp &= present[:, None, :]
    wi = np.take_along_axis(w, i, axis=1)
    wj = np.take_along_axis(w, j, axis=1)
    return contest(cfg, aii, aij, aji, ajj, wi, wj, ui, uj, um, w[:, None, :], tp)


# --------------------------------------------------------------------------------------
# §6 bargains
# --------------------------------------------------------------------------------------
def round4(v: FloatArray) -> FloatArray:
    """KTAB's rounding to 4 decimals on the [0, 1] scale: ⌊10⁴·v + ½⌋ / 10⁴ (v ≥ 0)."""
    return np.asarray(np.trunc(10000.0 * v + 0.5) / 10000.0)


def interpolate(
    kind: str, ti: FloatArray, tj: FloatArray, si: FloatArray, sj: FloatArray, prb_i: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Bargain positions of initiator and receiver (``SMPActor::interpolateBrgn``).

    Args:
        kind: ``s2p2``, ``s1p1`` or ``s2pmax``.
        ti: the initiator's current position ``(..., I)``.
        tj: the receiver's current position ``(..., I)``.
        si: the initiator's saliences ``(..., I)``.
        sj: the receiver's saliences ``(..., I)``.
        prb_i: the perspective's probability that the initiator wins ``(...)``.
    """
    pi_ = prb_i[..., None]
    pj_ = 1.0 - pi_
    if kind in ("s2p2", "s1p1"):
        if kind == "s2p2":
            wi = si * si * (pi_ * pi_)
            wj = sj * sj * (pj_ * pj_)
        else:
            wi = si * pi_
            wj = sj * pj_
        den = wi + BARGAIN_EPS + wj
        bi = ((wi + BARGAIN_EPS) * ti + wj * tj) / den
        bj = (wi * ti + (wj + BARGAIN_EPS) * tj) / den
        return round4(bi), round4(bj)
    if kind == "s2pmax":
        di = np.maximum(0.0, pj_ - pi_)
        dj = np.maximum(0.0, pi_ - pj_)
        fi = di * sj * sj / (di * sj * sj + BARGAIN_EPS + (1.0 - di) * si * si)
        fj = dj * si * si / (dj * si * si + BARGAIN_EPS + (1.0 - dj) * sj * sj)
        return np.asarray(ti + fi * (tj - ti)), np.asarray(tj + fj * (ti - tj))
    raise ValueError(kind)  # pragma: no cover


def pw_compromise(
    bi_i: FloatArray, bi_j: FloatArray, bj_i: FloatArray, bj_j: FloatArray,
    cap_i: FloatArray, sig_i: FloatArray, sig_j: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """PWCompInterp: weighted mean of the two perspectives' bargains, not rounded.

    ``bi_*`` is the initiator's-perspective bargain, ``bj_*`` the receiver's (positions for
    the initiator ``_i`` and the receiver ``_j``, ``(..., I)``). Weights ``c_i·σ_i`` and
    ``c_i·σ_j``: KTAB uses the initiator's capability in both (specs/smp.md §12); equal
    weights if both are zero.
    """
    wi = (cap_i * sig_i)[..., None]
    wj = (cap_i * sig_j)[..., None]
    tot = wi + wj
    safe = np.where(tot > 0, tot, 1.0)
    fi = np.where(tot > 0, wi / safe, 0.5)
    fj = np.where(tot > 0, wj / safe, 0.5)
    return np.asarray(fi * bi_i + fj * bj_i), np.asarray(fi * bi_j + fj * bj_j)


# --------------------------------------------------------------------------------------
# §7 queues
# --------------------------------------------------------------------------------------
@dataclass
class QueueResult:
    """The resolved bargain queues of one turn."""

    new_x: FloatArray  # (D, A, I)
    options: IntArray  # (D, A, L) option ids in queue order (0 = status quo)
    mask: BoolArray  # (D, A, L) valid queue entries
    prob: FloatArray  # (D, A, L) PCE probability of each entry
    chosen: IntArray  # (D, A) chosen option id (0 = status quo, 1 + i·B + v = bargain)


def resolve_queues(
    cfg: Config,
    x: FloatArray, y: FloatArray, s: FloatArray, cap: FloatArray, present: BoolArray,
    st: StateSetup, target: IntArray, b_init: FloatArray, b_recv: FloatArray,
    uniforms: FloatArray | None = None, force: IntArray | None = None,
) -> QueueResult:
    """Resolve every actor's bargain queue against the old state (``updateBestBrgnPositions``).

    Args:
        cfg: options.
        x: positions ``(D, A, I)``.
        y: ideals ``(D, A, I)``.
        s: saliences for distances ``(D, A, I)``.
        cap: capabilities (the voters' weights) ``(D, A)``.
        present: actors taking part ``(D, A)``.
        st: the state's setup.
        target: ``(D, A)`` each actor's target, −1 for none.
        b_init: ``(D, A, B, I)`` the position bargain (i, v) proposes to its initiator i.
        b_recv: ``(D, A, B, I)`` the position it proposes to the receiver ``target[i]``.
        uniforms: ``(D, A)`` uniform draws for the stochastic transition (None: deterministic).
        force: ``(D, A)`` option ids to adopt instead (tests replaying a reference run).
    """
    dd, a, nb, ni = b_init.shape
    no = a * nb
    valid = target >= 0  # (D, A)
    init_of = np.repeat(np.arange(a), nb)  # (O,)
    recv_of = np.where(valid, target, np.arange(a)[None, :])[:, init_of]  # (D, O)
    ok = valid[:, init_of]  # (D, O)
    # utility to each actor a of the state after bargain o alone, averaged over positions
    n_pres = present.sum(axis=1).astype(np.float64)
    base = np.where(present[:, None, :], st.true_util, 0.0)  # (D, A_eval, A_l)
    r = st.risk[:, :, None]
    u_bi = utility(distance(y, s, b_init.reshape(dd, no, ni)), r)  # (D, A_eval, O)
    u_bj = utility(distance(y, s, b_recv.reshape(dd, no, ni)), r)
    full = np.repeat(base[:, :, None, :], no, axis=2)  # (D, A_eval, O, A_l)
    d_ix = np.arange(dd)[:, None, None]
    e_ix = np.arange(a)[None, :, None]
    o_ix = np.arange(no)[None, None, :]
    full[d_ix, e_ix, o_ix, init_of[None, None, :]] = np.where(
        ok[:, None, :], u_bi, full[d_ix, e_ix, o_ix, init_of[None, None, :]])
    full[d_ix, e_ix, o_ix, recv_of[:, None, :]] = np.where(
        ok[:, None, :], u_bj, full[d_ix, e_ix, o_ix, recv_of[:, None, :]])
    u_opt = full.sum(axis=-1) / n_pres[:, None, None]
    u_sq = base.sum(axis=-1) / n_pres[:, None]
    u_all = np.concatenate([u_sq[:, :, None], u_opt], axis=-1)  # (D, A_eval, 1 + O)
    c = coalitions_cfg(cfg, cap, u_all)
    p = victory_matrix(cfg.victory, c)
    # queue membership: status quo, own challenge, bargains of challengers targeting k
    k_ix = np.arange(a)[None, :, None]
    member_b = ok[:, None, :] & (
        (init_of[None, None, :] == k_ix) | (recv_of[:, None, :] == k_ix)
    )  # (D, A_k, O)
    member = np.concatenate([np.ones((dd, a, 1), dtype=bool), member_b], axis=-1)
    length = int(member.sum(axis=-1).max())
    order = np.argsort(~member, axis=-1, kind="stable")[..., :length]  # (D, A, L)
    qmask = np.take_along_axis(member, order, axis=-1)
    dq = np.arange(dd)[:, None, None, None]
    psub = p[dq, order[..., :, None], order[..., None, :]]
    csub = c[dq, order[..., :, None], order[..., None, :]]
    prob = pce(cfg.pce, psub, csub, qmask)
    if force is not None:
        chosen = force.astype(np.intp)
    else:
        if uniforms is None:
            pick = np.argmax(np.where(qmask, prob, -np.inf), axis=-1)
        else:
            cum = np.cumsum(np.where(qmask, prob, 0.0), axis=-1)
            pick = (cum <= uniforms[..., None] * cum[..., -1:]).sum(axis=-1)
            pick = np.minimum(pick, qmask.sum(axis=-1) - 1)
        chosen = np.take_along_axis(order, pick[..., None], axis=-1)[..., 0]
    # the chosen bargain's position for each actor
    o = np.maximum(chosen - 1, 0)
    ci, cv = o // nb, o % nb
    d2 = np.arange(dd)[:, None]
    pos_i = b_init[d2, ci, cv]  # (D, A, I)
    pos_j = b_recv[d2, ci, cv]
    mine = (ci == np.arange(a)[None, :])[..., None]
    new_x = np.where((chosen == 0)[..., None], x, np.where(mine, pos_i, pos_j))
    return QueueResult(new_x, order, qmask, prob, chosen)


# --------------------------------------------------------------------------------------
# §10 reported winning probabilities
# --------------------------------------------------------------------------------------
def unique_positions(x: FloatArray, present: BoolArray) -> tuple[BoolArray, IntArray]:
    """KTAB's merge of equivalent positions (``State::setUENdx``, ``posProb``).

    Scanning actors in order, an actor joins the first earlier unique position within
    Euclidean distance 1e−3, else starts a new one. Returns the representatives ``(D, A)``
    and, for each actor, the last representative within tolerance ``(D, A)``.
    """
    a = x.shape[1]
    diff = x[:, :, None, :] - x[:, None, :, :]
    close = np.sqrt((diff * diff).sum(axis=-1)) < POS_TOL
    close &= present[:, :, None] & present[:, None, :]
    earlier = close & np.tri(a, a, -1, dtype=bool)[None]  # earlier[d, a, b]: b < a, close
    rep = present & ~earlier.any(axis=-1)  # no earlier close actor at all: surely a rep
    known = rep | ~present
    for _ in range(a):  # resolve chains; usually done after the first pass
        if known.all():
            break
        has_rep = (earlier & rep[:, None, :]).any(axis=-1)
        open_ = (earlier & ~known[:, None, :]).any(axis=-1)
        newly_non = ~known & has_rep
        newly_rep = ~known & ~has_rep & ~open_
        rep |= newly_rep
        known |= newly_non | newly_rep
    match = close & rep[:, None, :]
    last = a - 1 - np.argmax(match[:, :, ::-1], axis=-1)
    return rep, last.astype(np.intp)


def win_probabilities(
    cfg: Config, x: FloatArray, st: StateSetup, cap: FloatArray, present: BoolArray,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Winning probability of each actor's position (``showVPHistory``, ``pDist(−1)``).

    Returns the probability reported for each actor ``(D, A)`` (0 for absent actors), the
    probability of each unique position held by its representative actor ``(D, A)``, and
    the representatives ``(D, A)``.
    """
    rep, last = unique_positions(x, present)
    p = scalar_pce(cfg, cap, st.true_util, rep)
    actor_p = np.where(present, np.take_along_axis(p, last, axis=-1), 0.0)
    return actor_p, np.where(rep, p, 0.0), rep
