"""Fixtures of the report tests: a small Alaska-like scenario and its forecasts."""

from __future__ import annotations

import pytest

import summitry
from summitry.forecast import Forecast
from summitry.scenario import Scenario

from ._report_fixtures import evil_scenario, load_fixture, with_fake_dynamic


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return load_fixture()


@pytest.fixture(scope="session")
def point_forecast(scenario: Scenario) -> Forecast:
    return with_fake_dynamic(summitry.forecast(scenario, ["compromise", "median", "nash"]))


@pytest.fixture(scope="session")
def mc_forecast(scenario: Scenario) -> Forecast:
    return summitry.forecast(scenario, ["compromise", "median"], draws=200, seed=3)


@pytest.fixture(scope="session")
def evil() -> Scenario:
    return evil_scenario()


@pytest.fixture(scope="session")
def evil_forecast(evil: Scenario) -> Forecast:
    return with_fake_dynamic(summitry.forecast(evil, ["compromise", "median", "nash"]))
