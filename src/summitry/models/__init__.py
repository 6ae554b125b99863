"""Bargaining models, one module each, registered under a short name.

Importing this package registers the built-in models (in listing order); see
:mod:`summitry.models.base` for the contract.
"""

from __future__ import annotations

# ruff: noqa: I001 — the import order below is the order models are listed in.
from summitry.models import compromise as _compromise  # noqa: F401
from summitry.models import median as _median  # noqa: F401
from summitry.models import nash as _nash  # noqa: F401
from summitry.models import challenge as _challenge  # noqa: F401
from summitry.models import exchange as _exchange  # noqa: F401
from summitry.models import smp as _smp  # noqa: F401
from summitry.models import ensemble as _ensemble  # noqa: F401
from summitry.models.base import (
    BaseModel,
    Model,
    Solution,
    get_model,
    model_class,
    model_info,
    model_names,
    register,
    solve,
)

__all__ = [
    "BaseModel",
    "Model",
    "Solution",
    "get_model",
    "model_class",
    "model_info",
    "model_names",
    "register",
    "solve",
]
