"""Helpers shared by several models."""

from __future__ import annotations

import numpy as np

from summitry.errors import SummitryError
from summitry.problem import Problem

__all__ = ["WEIGHTINGS", "apply_weighting"]

#: Ablations of the weight c·s that published work compares against (models.md §1a).
WEIGHTINGS = ("capability_salience", "salience", "capability", "equal")


def apply_weighting(problem: Problem, weighting: str, *, model: str) -> Problem:
    """Replace capability/salience so that ``problem.weights`` is the chosen weight."""
    if weighting == "capability_salience":
        return problem
    if weighting not in WEIGHTINGS:
        raise SummitryError(
            f"model {model!r}: unknown weighting {weighting!r}; expected one of: "
            + ", ".join(WEIGHTINGS)
        )
    act = problem.active
    ones = np.where(act, 1.0, 0.0)
    cap = problem.capability if weighting == "capability" else ones
    sal = problem.salience if weighting == "salience" else ones
    return problem.replace(capability=cap, salience=sal)
