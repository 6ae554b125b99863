"""Scenarios shipped with summitry, each smoke-tested (tests/test_examples.py).

- ``alaska-2025`` (the default) — the US–Russia summit in Anchorage, 15 August 2025: four
  agenda pillars plus the Arctic, seven stakeholders, three named outcomes, the pre-summit
  signals and the precedents; built only from what was public before the summit.
- ``bdm1994-car-emissions`` — the 1994 EU car-emission-standards case (Bueno de Mesquita
  1994; Scholz, Calbert & Smith 2011, Table 1), the regression case of the models.
- ``cop21`` — COP21 Paris 2015 (15 actors × 13 issues), converted from the
  decide-exchange-model input file, when present.

:data:`EXAMPLES` is computed from the files present in this package, so an example appears
exactly when its file ships. Sources and licences: ``README.md`` beside this module.

>>> from summitry import examples, load
>>> examples.DEFAULT
'alaska-2025'
>>> load(examples.path("bdm1994-car-emissions")).actor_ids[:3]
('Netherlands', 'Belgium', 'Luxembourg')
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from summitry.errors import UnknownNameError

__all__ = ["DEFAULT", "EXAMPLES", "names", "path"]

#: The example used when no scenario is given (CLI, web app).
DEFAULT = "alaska-2025"

#: Preferred order of the known examples; any other ``*.yaml`` here follows alphabetically.
_ORDER = ("alaska-2025", "bdm1994-car-emissions", "cop21")
_SUFFIX = ".yaml"


def _discover() -> dict[str, str]:
    """``{name: file name}`` of the example files in this package, in :data:`_ORDER`."""
    found = sorted(
        entry.name[: -len(_SUFFIX)]
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(_SUFFIX) and entry.is_file()
    )
    ordered = [n for n in _ORDER if n in found] + [n for n in found if n not in _ORDER]
    return {n: n + _SUFFIX for n in ordered}


#: Example name → file name (in this package), for the example files that are present.
EXAMPLES: dict[str, str] = _discover()

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def names() -> tuple[str, ...]:
    """The names of the shipped examples, the default first."""
    return tuple(EXAMPLES)


def path(name: str) -> Path:
    """The file of the example ``name``.

    From a zipped install the file is extracted to a temporary file that lives until the
    interpreter exits.

    Raises:
        UnknownNameError: ``name`` is not a shipped example.
    """
    try:
        fname = EXAMPLES[name]
    except KeyError:
        raise UnknownNameError("example", name, names()) from None
    res: Traversable = resources.files(__name__).joinpath(fname)
    if isinstance(res, Path):
        return res
    return _extracted.enter_context(resources.as_file(res))  # pragma: no cover - zip installs
