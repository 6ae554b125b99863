"""Numba, the optional compiled engine (extra ``fast``): whether it is there, and how the
command line imports it quickly.

Every model with a compiled engine asks :func:`available` before it loads a kernel, so
this is the one place that first imports Numba for the models.

Start-up of the command line. When Numba loads its first kernel it imports
``numba.np.arraymath``, which probes for a BLAS by importing ``scipy.linalg``: 0.13–0.2 s of
every forecast from the command line. The probe only decides whether compiled
``np.convolve``/``np.correlate`` call BLAS's dot or a plain loop, and no summitry kernel
uses either. A process that calls :func:`skip_blas_probe` (the command line does) makes
the probe find no BLAS. A library user's process is left alone: importing summitry never
changes what Numba does for other code.
"""

from __future__ import annotations

import sys

__all__ = ["available", "skip_blas_probe"]

#: The module Numba's BLAS probe imports (``numba.np.linalg.ensure_blas``).
_PROBED = "scipy.linalg.cython_blas"
_skip_probe = False


def skip_blas_probe() -> None:
    """Let this process load Numba without its BLAS probe (see the module docstring)."""
    global _skip_probe
    _skip_probe = True


def available() -> bool:
    """Whether Numba is installed; imports it (about 0.3 s the first time)."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is installed in development
        return False
    if _skip_probe and "numba.np.arraymath" not in sys.modules and _PROBED not in sys.modules:
        # a None entry makes the import fail at once, before its package is imported
        sys.modules[_PROBED] = None  # type: ignore[assignment]
        try:
            import numba.np.arraymath  # noqa: F401
        finally:
            del sys.modules[_PROBED]
    return True
