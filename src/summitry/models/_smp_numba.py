"""Numba kernels of the SMP (optional extra ``summitry[fast]``).

:func:`all_challenges` and :func:`coalitions` compute the same numbers, bit for bit, as
their NumPy twins in :mod:`summitry.models._smp_core` — operation by operation, third
parties and voters added in index order — without the ``(D, A, A, A)`` temporaries of the
NumPy versions. They are serial: a parallel kernel lost to the NumPy path on a loaded
two-core machine, and Monte Carlo runs parallelise over draws anyway. Imported only when
numba is installed (``SMP(engine="auto"|"numba")``).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from summitry.models import _smp_core as core

__all__ = ["all_challenges", "coalitions", "coalitions_of"]

FloatArray = NDArray[np.float64]

_VOTE = {name: k for k, name in enumerate(core.VOTING)}
_THIRD = {name: k for k, name in enumerate(core.THIRD_PARTY)}
_P = _VOTE["proportional"]
_B = _VOTE["binary"]
_PB = _VOTE["prop_bin"]
_PC = _VOTE["prop_cbc"]
_C = _VOTE["cubic"]
_A = _VOTE["asym_prosp"]
_SEMI = _THIRD["semi_commit"]
_FULL = _THIRD["full_commit"]


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _clip1(v: float) -> float:
    return min(max(v, -1.0), 1.0)


@numba.njit(cache=True, inline="always")  # type: ignore[misc]
def _vote(rule: int, w: float, d: float) -> float:
    # mirrors _smp_core.vote, including NumPy's left-to-right evaluation order
    if rule == _P:
        return w * d
    if rule == _B:
        return w * _clip1(d / core.BINARY_SLOPE)
    if rule == _PB:
        return w * (0.8 * d + 0.2 * _clip1(d / core.BINARY_SLOPE))
    if rule == _PC:
        return w * (0.5 * d + 0.5 * d * d * d)
    if rule == _C:
        return w * (d * d * d)
    if d < 0.0:  # asym_prosp
        return w * d
    return (2.0 / 3.0) * w * d


# inlined into the callers' loops: a Numba call costs about as much as the φ of 7 actors
@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def _phi_pair(
    ah: Any, w: Any, present: Any, i: int, j: int, rule: int, third: int,
) -> float:  # pragma: no cover - compiled
    """φ: the perspective ``ah`` (A_h(m, l)) of i defeating j (``_smp_core.contest``)."""
    a = ah.shape[0]
    a_i = _vote(rule, w[i], ah[i, i] - ah[i, j])
    a_j = _vote(rule, w[j], ah[j, i] - ah[j, j])
    p_i = core.MIN_PRINCIPAL + max(a_i, 0.0) + max(a_j, 0.0)
    p_j = core.MIN_PRINCIPAL + max(-a_i, 0.0) + max(-a_j, 0.0)
    s_ij = p_i
    s_ji = p_j
    for m in range(a):
        if m == i or m == j or not present[m]:  # noqa: SIM109
            continue
        ui = ah[m, i]
        uj = ah[m, j]
        um = ah[m, m]
        wm = w[m]
        v = _vote(rule, wm, ui - uj)
        vp = max(v, 0.0)
        vn = max(-v, 0.0)
        prob = (p_i + vp) / (p_i + vp + p_j + vn)
        if third == _SEMI:
            join_i = prob * (2.0 * ui + um) + (1.0 - prob) * (3.0 * uj)
            join_j = prob * (3.0 * ui) + (1.0 - prob) * (2.0 * uj + um)
        elif third == _FULL:
            join_i = prob * (3.0 * ui) + (1.0 - prob) * (3.0 * uj)
            join_j = prob * (3.0 * ui) + (1.0 - prob) * (3.0 * uj)
        else:
            join_i = prob * (2.0 * ui + um) + (1.0 - prob) * (2.0 * uj + um)
            join_j = prob * (2.0 * ui + um) + (1.0 - prob) * (2.0 * uj + um)
        t = _vote(rule, wm, join_i - join_j)
        s_ij += max(t, 0.0)
        s_ji += max(-t, 0.0)
    return s_ij / (s_ij + s_ji)


@numba.njit(cache=True)  # type: ignore[misc]
def _kernel(
    persp: Any, w: Any, sig: Any, present: Any, rule: int, third: int,
    phi: Any, gain: Any,
) -> None:  # pragma: no cover - compiled
    dd, a = persp.shape[0], persp.shape[1]
    for d in range(dd):
        for i in range(a):
            ah = persp[d, i]
            aii = ah[i, i]
            for j in range(a):
                aij = ah[i, j]
                ph = _phi_pair(ah, w[d], present[d], i, j, rule, third)
                phi[d, i, j] = ph
                sj = sig[d, j]
                eu_sq = aii + aij
                eu_v = 2.0 * aii
                eu_c = ph * 2.0 * aii + (1.0 - ph) * 2.0 * aij
                gain[d, i, j] = ((1.0 - sj) * eu_v + sj * eu_c) - eu_sq


def all_challenges(
    cfg: core.Config, persp: FloatArray, w: FloatArray, sig: FloatArray,
    present: NDArray[np.bool_],
) -> tuple[FloatArray, FloatArray]:
    """φ[d, i, j] and E(i, i, i, j)[d, i, j], as :func:`_smp_core.all_challenges`."""
    dd, a = persp.shape[0], persp.shape[1]
    phi = np.empty((dd, a, a))
    gain = np.empty((dd, a, a))
    _kernel(
        np.ascontiguousarray(persp), np.ascontiguousarray(w), np.ascontiguousarray(sig),
        np.ascontiguousarray(present), _VOTE[cfg.voting], _THIRD[cfg.third_party], phi, gain,
    )
    return phi, gain


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def coalitions_of(rule: int, w: Any, u: Any, no: int, c: Any) -> None:  # pragma: no cover
    """:func:`_smp_core.coalitions` of one state: voters ``w`` over the first ``no``
    options of ``u`` (``(voters, options)``), into ``c``. Shared by :func:`coalitions`
    and the turn kernel (:mod:`._smp_kernel`)."""
    nk = u.shape[0]
    if rule == _P:  # the default, written out so that the loop has no branches
        for a in range(no):
            c[a, a] = core.MIN_COALITION
            for b in range(no):
                if b != a:
                    s = 0.0
                    for k in range(nk):
                        s += max(w[k] * (u[k, a] - u[k, b]), 0.0)
                    c[a, b] = s + core.MIN_COALITION
        return
    for a in range(no):
        c[a, a] = core.MIN_COALITION
        for b in range(no):
            if b == a:
                continue
            s = 0.0
            for k in range(nk):
                if rule == _A and a < b:
                    # KTAB: v(a:b) = −v(b:a) for b > a (matters for asym_prosp only)
                    v = -_vote(rule, w[k], u[k, b] - u[k, a])
                else:
                    v = _vote(rule, w[k], u[k, a] - u[k, b])
                s += max(v, 0.0)
            c[a, b] = s + core.MIN_COALITION


@numba.njit(cache=True)  # type: ignore[misc]
def _coalitions_kernel(rule: int, w: Any, u: Any, out: Any) -> None:  # pragma: no cover
    n, _, o = u.shape
    for d in range(n):
        coalitions_of(rule, w[d], u[d], o, out[d])


def coalitions(rule: str, w: FloatArray, u: FloatArray) -> FloatArray:
    """Coalition strengths, as :func:`_smp_core.coalitions` (voters summed in order)."""
    lead = u.shape[:-2]
    k_n, o = u.shape[-2:]
    uf = np.ascontiguousarray(u.reshape(-1, k_n, o))
    wf = np.ascontiguousarray(np.broadcast_to(w, (*lead, k_n)).reshape(-1, k_n))
    out = np.empty((uf.shape[0], o, o))
    _coalitions_kernel(_VOTE[rule], wf, uf, out)
    return out.reshape(*lead, o, o)
