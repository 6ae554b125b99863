"""How the models import Numba: the command line skips its BLAS probe, a library user's
process keeps it (summitry.models._numba)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("numba")

#: Loads a compiled kernel in a fresh interpreter and reports whether SciPy's linear
#: algebra got imported on the way (Numba's BLAS probe imports it).
_PROBE = textwrap.dedent("""
    import sys
    from summitry.models import _numba
    if sys.argv[1] == "skip":
        _numba.skip_blas_probe()
    assert _numba.available()
    from summitry.models._pairwise import psum
    import numpy as np
    assert psum(np.arange(10.0), 0, 10) == 45.0
    import numba.np.arraymath as am
    print("scipy.linalg" in sys.modules, am._HAVE_BLAS)
""")


def _run(mode: str) -> str:
    proc = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True,
                          text=True, timeout=300, check=True)
    return proc.stdout.strip()


def test_a_process_that_skips_the_probe_never_imports_scipy_linalg() -> None:
    assert _run("skip") == "False False"


def test_a_library_process_keeps_numbas_blas_probe() -> None:
    assert _run("keep") == "True True"


def test_the_command_line_asks_to_skip_the_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    from summitry.cli import main
    from summitry.models import _numba

    monkeypatch.setattr(_numba, "_skip_probe", False)
    assert main(["models"]) == 0
    assert _numba._skip_probe

