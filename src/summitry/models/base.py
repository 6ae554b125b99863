"""The model contract: one method, a registry, and the :class:`Solution` it returns.

Every bargaining model is a class with a short registered ``name`` and one method,
``solve(problem) -> Solution``. Settings are keyword-only constructor arguments stored
unchanged (scikit-learn's rule: no work in ``__init__``); :meth:`BaseModel.params`
returns them for provenance. ``problem`` carries a leading batch axis of draws and a
model is vectorised over it.

Register a model with the :func:`register` decorator; the CLI and the web app list
models from :func:`model_names` / :func:`model_info` and build them with
:func:`get_model`.

>>> model_names()[:3]
['compromise', 'median', 'nash']
>>> get_model("median", tie="lower").params()
{'weighting': 'capability_salience', 'tie': 'lower'}
"""

from __future__ import annotations

import inspect
import json
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from summitry.errors import SummitryError, UnknownNameError
from summitry.problem import Problem

__all__ = [
    "BaseModel",
    "Model",
    "Solution",
    "get_model",
    "model_class",
    "model_info",
    "model_names",
    "parse_setting",
    "register",
    "solve",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Solution:
    """What a model returns. All positions and outcomes are on the 0–100 scale.

    Attributes:
        model: the registered name of the model that solved.
        params: the model's parameters (:meth:`BaseModel.params`).
        outcome: the forecast, shape ``(D, I)``.
        history: positions round by round, ``(H, T, A, I)``; round 0 is the input.
            ``None`` for static models. Draws that stopped early repeat their last round.
            ``H`` is :attr:`Problem.history_draws <summitry.problem.Problem.history_draws>`:
            every draw by default, draw 0 only in Monte Carlo chunks.
        history_outcome: the outcome (forecast) after each round, ``(H, T, I)``.
        n_rounds: rounds actually played per draw, ``(D,)`` (``None`` for static models).
        events: model-specific events per round (exchanges executed, challenges issued …)
            as a list of rounds, each a list of dicts. Recorded for the first draw only.
        extra: further model-specific arrays (risk exponents, medians and means per
            round …), documented by each model.
    """

    model: str
    params: dict[str, Any]
    outcome: FloatArray
    history: FloatArray | None = None
    history_outcome: FloatArray | None = None
    n_rounds: NDArray[np.int64] | None = None
    events: list[list[dict[str, Any]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        return int(self.outcome.shape[0])


@runtime_checkable
class Model(Protocol):
    """A bargaining model: ``solve(problem) -> Solution``, vectorised over draws."""

    name: ClassVar[str]

    def solve(self, problem: Problem) -> Solution: ...

    def params(self) -> dict[str, Any]: ...


class BaseModel:
    """Shared plumbing: parameter introspection and a readable ``repr``.

    Subclasses set ``name`` (registry key), ``title`` (human name), ``source`` (the
    publication or peer tool followed) and ``dynamic`` (whether it plays rounds), and
    declare their settings as keyword-only ``__init__`` arguments stored on ``self``
    under the same names.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    source: ClassVar[str] = ""
    dynamic: ClassVar[bool] = False

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {
            p.name: (None if p.default is inspect.Parameter.empty else p.default)
            for p in sig.parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }

    def params(self) -> dict[str, Any]:
        """The settings this model was built with (for provenance)."""
        return {k: getattr(self, k) for k in self.param_names()}

    def solve(self, problem: Problem) -> Solution:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


def solve(model: Model, problem: Problem) -> Solution:
    """``model.solve(problem)``, shared: a model with the same name and settings already
    solved on this very ``problem`` object returns that solution instead of solving again.

    This is how a model that combines others (the ensemble) reuses the components a
    forecast is running anyway. The memo lives exactly as long as ``problem`` (a weak
    reference), so a Monte Carlo chunk's solutions go with its chunk.
    """
    key = (model.name, json.dumps(model.params(), sort_keys=True, default=repr))
    with _SHARED_LOCK:
        cached = _SHARED.get(problem, {}).get(key)
    if cached is not None:
        return cached
    sol = model.solve(problem)
    with _SHARED_LOCK:
        _SHARED.setdefault(problem, {})[key] = sol
    return sol


_SHARED: weakref.WeakKeyDictionary[Problem, dict[tuple[str, str], Solution]] = (
    weakref.WeakKeyDictionary()
)
_SHARED_LOCK = threading.Lock()

_REGISTRY: dict[str, type[BaseModel]] = {}

M = TypeVar("M", bound=type[BaseModel])


def register(cls: M) -> M:
    """Class decorator: make a model available under ``cls.name``."""
    if not cls.name:
        raise TypeError(f"{cls.__name__} has no name")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise TypeError(f"model name {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _ensure_builtin() -> None:
    # importing the package registers the built-in models
    import summitry.models  # noqa: F401


def model_names() -> list[str]:
    """Registered model names, in registration order."""
    _ensure_builtin()
    return list(_REGISTRY)


def model_class(name: str) -> type[BaseModel]:
    _ensure_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("model", name, list(_REGISTRY)) from None


def get_model(name: str, **params: Any) -> BaseModel:
    """Build the registered model ``name`` with keyword ``params``.

    Raises:
        UnknownNameError: no such model.
        SummitryError: a parameter the model does not take.
    """
    cls = model_class(name)
    allowed = cls.param_names()
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise SummitryError(
            f"model {name!r} has no parameter {unknown[0]!r}; expected one of: "
            + (", ".join(allowed) or "(none)")
        )
    return cls(**params)


def model_info() -> list[dict[str, Any]]:
    """One dict per model: ``name``, ``title``, ``dynamic``, ``source``, ``parameters``."""
    out = []
    for name in model_names():
        cls = _REGISTRY[name]
        out.append(
            {
                "name": name,
                "title": cls.title,
                "dynamic": cls.dynamic,
                "source": cls.source,
                "parameters": cls.param_defaults(),
                "description": (inspect.getdoc(cls) or "").split("\n\n")[0],
            }
        )
    return out


def parse_setting(text: str) -> Any:
    """A model setting written as text (``--param``, ``--grid``) as a Python value.

    >>> [parse_setting(t) for t in ("8", "0.5", "yes", "off", "null", " q ")]
    [8, 0.5, True, False, None, 'q']
    """
    word = text.strip()
    low = word.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("none", "null"):
        return None
    for conv in (int, float):
        try:
            return conv(word)
        except ValueError:
            pass
    return word
