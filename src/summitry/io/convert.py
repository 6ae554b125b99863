"""Convert a scenario file of any supported format into summitry YAML.

``convert(src, dst)`` reads ``src`` with :func:`summitry.io.load` (format detected by
content, or forced with ``format=``) and writes it with :func:`summitry.io.save`:
YAML, or JSON for a ``.json`` target, written atomically (a half-written file never
replaces the old one).

The conversion is lossless: every reader puts everything it reads into the
:class:`~summitry.scenario.Scenario` (issue bounds and anchors, per-issue capability,
model parameters, seeds), and the YAML writer is the scenario's own ``to_dict``, so
loading the written file gives a scenario equal to the one read. ``convert`` checks
this before it writes and refuses to write a file that would read back differently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from summitry.errors import SummitryError
from summitry.io._common import from_dict, save, to_yaml_text
from summitry.scenario import Scenario

__all__ = ["convert"]


def convert(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    format: str | None = None,
    **options: Any,
) -> Scenario:
    """Read ``src`` in any supported format and write it to ``dst`` as summitry YAML.

    Args:
        src: the file to read (decide, KTAB CSV/XML, tidy CSV/XLSX, DEU, YAML, JSON).
        dst: the file to write; ``.json`` writes JSON, anything else YAML.
        format: force the format of ``src`` (see :data:`summitry.io.FORMATS`).
        **options: reader options passed to :func:`summitry.io.load`.

    Returns:
        The scenario that was read and written.

    Raises:
        InputError: ``src`` cannot be read or is invalid (nothing is written then).
        SummitryError: the written file would not read back equal (never expected).
    """
    from summitry.io import load

    scenario = load(src, format=format, **options)
    if not scenario.id:
        # An empty id is not written, and the YAML reader would name the scenario after
        # the new file: keep the name of the source instead.
        scenario = scenario.evolve(id=Path(src).stem)
    target = Path(dst)
    if target.suffix.lower() == ".json":
        data = json.loads(json.dumps(scenario.to_dict()))
    else:
        data = yaml.safe_load(to_yaml_text(scenario))
    if from_dict(data, source=str(target)) != scenario:
        raise SummitryError(
            f"converting {src} would lose information; please report this as a bug"
        )
    save(scenario, target)
    return scenario
