"""summitry: forecast and brief high-stakes negotiations.

>>> import summitry
>>> scenario = summitry.load(summitry.examples.path("bdm1994-car-emissions"))
>>> fc = summitry.forecast(scenario, models=["compromise"])
>>> round(float(fc["compromise"].point()[0]), 2)
7.39
"""

from __future__ import annotations

from summitry import examples
from summitry.errors import (
    InputError,
    MissingExtraError,
    ModelError,
    ParseError,
    SummitryError,
    UnknownNameError,
    ValidationError,
)
from summitry.forecast import Forecast, ModelForecast, forecast
from summitry.io import load, save
from summitry.models import Model, Solution, get_model, model_info, model_names, register
from summitry.problem import Problem
from summitry.scenario import (
    Actor,
    Distribution,
    Issue,
    Meta,
    OutcomeRule,
    Scenario,
    Signal,
    Stance,
    Uncertainty,
)
from summitry.simulate import simulate

__version__ = "0.1.0"

__all__ = [
    "Actor",
    "Distribution",
    "Forecast",
    "InputError",
    "Issue",
    "Meta",
    "MissingExtraError",
    "Model",
    "ModelError",
    "ModelForecast",
    "OutcomeRule",
    "ParseError",
    "Problem",
    "Scenario",
    "Signal",
    "Solution",
    "Stance",
    "SummitryError",
    "Uncertainty",
    "UnknownNameError",
    "ValidationError",
    "__version__",
    "examples",
    "forecast",
    "get_model",
    "load",
    "model_info",
    "model_names",
    "register",
    "save",
    "simulate",
]
