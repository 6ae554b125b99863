"""NumPy's pairwise summation, compiled (shared by the Numba kernels; extra ``fast``).

The compiled kernels of the challenge and SMP models give the same bits as their NumPy
paths, so every sum they take over a contiguous last axis must add in the order NumPy
does (``numpy/_core/src/umath/loops_utils.h``): sequentially below 8 terms, with 8
interleaved partial sums up to 128 terms, and above that as the sum of two halves cut at
a multiple of 8. :func:`psum` is that order. (Numba's on-disk cache of a kernel does not
notice edits of the functions it calls from here: clear the kernels' ``__pycache__``
after changing this module.)
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = ["leaf", "psum"]


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def leaf(a: Any, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """``a[lo:lo + n].sum()`` for ``n ≤ 128`` (8 lanes from 8 terms on)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
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


@numba.njit(cache=True, error_model="numpy", inline="always")  # type: ignore[misc]
def psum(a: Any, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """``a[lo:lo + n].sum()`` in NumPy's pairwise order, for any ``n``.

    The halving above 128 terms is walked with an explicit stack (Numba's cache does not
    take recursive functions).
    """
    if n <= 128:
        return leaf(a, lo, n)
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
            ret = leaf(a, s_lo[top], m)
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
