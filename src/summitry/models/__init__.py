"""Bargaining models, one module each, registered under a short name.

Importing this package registers the built-in models; see :mod:`summitry.models.base`
for the contract.
"""

from __future__ import annotations

# Built-in models register themselves on import (order = listing order).
import importlib as _importlib

from summitry.models.base import (
    BaseModel,
    Model,
    Solution,
    get_model,
    model_class,
    model_info,
    model_names,
    register,
)

for _name in ("compromise", "median", "nash", "challenge", "exchange", "smp", "ensemble"):
    try:
        _importlib.import_module(f"summitry.models.{_name}")
    except ModuleNotFoundError as _exc:  # pragma: no cover - only while a model is being built
        if _exc.name != f"summitry.models.{_name}":
            raise

__all__ = [
    "BaseModel",
    "Model",
    "Solution",
    "get_model",
    "model_class",
    "model_info",
    "model_names",
    "register",
]
