"""Shared fixtures: small problems built from published cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from summitry.problem import Problem

DATA = Path(__file__).parent / "data"

# Bueno de Mesquita (1994) car-emissions case as reconstructed by Scholz, Calbert & Smith
# (2011), Table 1: capability, position (years), salience (0–100).
BDM1994 = {
    "Netherlands": (0.08, 4, 80),
    "Belgium": (0.08, 7, 40),
    "Luxembourg": (0.03, 4, 20),
    "Germany": (0.16, 4, 80),
    "France": (0.16, 10, 60),
    "Italy": (0.16, 10, 60),
    "UK": (0.16, 10, 90),
    "Ireland": (0.05, 7, 10),
    "Denmark": (0.05, 4, 100),
    "Greece": (0.08, 7, 70),
}


def bdm1994_problem() -> Problem:
    cap = np.array([v[0] for v in BDM1994.values()])
    pos = np.array([[float(v[1])] for v in BDM1994.values()])
    sal = np.array([[v[2] / 100] for v in BDM1994.values()])
    return Problem.from_arrays(
        positions=pos, salience=sal, capability=cap, lower=[4.0], upper=[10.0],
        actors=tuple(BDM1994), issues=("year",),
    )


@pytest.fixture
def bdm1994() -> Problem:
    return bdm1994_problem()
