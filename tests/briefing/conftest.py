"""Fixtures of the briefing tests: the shipped Alaska 2025 example and its forecast."""

from __future__ import annotations

import pytest

import summitry
from summitry.forecast import Forecast
from summitry.scenario import Scenario

from ._briefing_fixtures import FIXTURE


@pytest.fixture(scope="session")
def alaska() -> Scenario:
    return summitry.load(summitry.examples.path("alaska-2025"))


@pytest.fixture(scope="session")
def alaska_forecast(alaska: Scenario) -> Forecast:
    """Every registered model, Monte Carlo (what ``summitry brief`` runs, fewer draws)."""
    return summitry.forecast(alaska, draws=300, seed=1)


@pytest.fixture(scope="session")
def small() -> Scenario:
    """The small Alaska-like scenario of the report tests (it has an update log)."""
    return summitry.load(FIXTURE)


@pytest.fixture(scope="session")
def small_forecast(small: Scenario) -> Forecast:
    return summitry.forecast(small, ["compromise", "median", "nash"], draws=200, seed=2)
