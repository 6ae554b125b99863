"""Parameter sweeps: the Monte Carlo forecast over a grid of settings, resumable.

A sweep runs the forecast of :func:`summitry.simulate.simulate` for every combination of
a few settings — model parameters (``challenge.q=0.5,0.75,1.0``) and scenario values
(``China.sanctions.salience=0.5:0.9:5``, see :func:`summitry.whatif.set_value`) — and
summarises each as tidy rows: one per setting × model × issue × statistic (mean,
standard deviation, the quantiles of :data:`summitry.forecast.QUANTILES`) plus the
probability of every named outcome per model and combined (a linear pool,
:mod:`summitry.outcomes`).

**Grid syntax** (``--grid`` on the command line, strings here):

- ``MODEL.PARAM=v1,v2,…`` — a setting of a registered model (values parsed as numbers,
  ``true``/``false`` or text);
- ``ACTOR.ISSUE.FIELD=v1,v2,…`` or ``ACTOR.capability=…`` — a scenario input in its own
  units (the issue's units, the salience scale, capability); its uncertainty is removed;
- ``a:b:n`` instead of a list — ``n`` evenly spaced values from ``a`` to ``b``
  (``numpy.linspace``).

The product of the items is the list of settings (the last item varies fastest).

**Chunks, seeds and resuming.** Each setting's draws are split into chunks of
``chunk_size`` seeded ``SeedSequence(seed).spawn(n_chunks)`` — the seeds of
:func:`summitry.simulate.run_batch`, so a setting's numbers equal those of
``summitry forecast --draws N --seed S`` on the changed scenario, and every setting sees
the same random numbers (common random numbers: differences between settings are the
settings' effect, not sampling noise). Every (setting, chunk) pair is one task on the
executor (:mod:`summitry.executors`); the driver saves each finished chunk's outcomes in a
directory beside the output (``out.parquet.parts/``, with a manifest naming the sweep).
Re-running an interrupted sweep with the same inputs reuses the saved chunks and runs only
the missing ones; since chunks are deterministic, the result is bit-identical to an
uninterrupted run. The directory is removed once the Parquet file is written.

>>> [item.values for item in parse_grid(["challenge.q=0.5,1", "a.x.position=0:10:3"])]
[(0.5, 1), (0.0, 5.0, 10.0)]
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from summitry.errors import MissingExtraError, SummitryError
from summitry.models.base import parse_setting

if TYPE_CHECKING:
    import pandas as pd

    from summitry.scenario import Scenario

__all__ = [
    "GridItem",
    "SweepResult",
    "SweepTask",
    "parse_grid",
    "run_sweep",
    "run_sweep_task",
    "settings",
]

ProgressFn = Callable[[int, int], None]
FloatArray = NDArray[np.float64]

#: The statistics of every setting × model × issue, before the named outcomes.
STATISTICS = ("mean", "sd", "q05", "q25", "q50", "q75", "q95")

_MANIFEST = "manifest.json"


# --- the grid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GridItem:
    """One ``--grid`` item: what it sets and the values it takes.

    Attributes:
        text: the item as given (error messages name it).
        key: the part left of ``=`` (the column name in the output).
        kind: ``"model"`` (a model parameter) or ``"scenario"`` (a scenario input).
        model: the model name (``kind="model"``).
        name: the parameter name, or the scenario path (``ACTOR.ISSUE.FIELD``).
        values: the values, in order.
    """

    text: str
    key: str
    kind: str
    model: str | None
    name: str
    values: tuple[Any, ...]


def _number(text: str) -> int | float | None:
    for conv in (int, float):
        try:
            value = conv(text)
        except ValueError:
            continue
        return value
    return None


def _values(item: str, text: str, numeric: bool) -> tuple[Any, ...]:
    text = text.strip()
    if not text:
        raise SummitryError(f"--grid {item!r}: no values after '='")
    if ":" in text:
        parts = text.split(":")
        nums = [_number(p.strip()) for p in parts]
        if len(parts) != 3 or any(v is None for v in nums) or not isinstance(nums[2], int):
            raise SummitryError(
                f"--grid {item!r}: expected a range START:STOP:COUNT of numbers with a whole "
                f"COUNT (e.g. 0.5:0.9:5), found {text!r}"
            )
        start, stop, count = float(nums[0]), float(nums[1]), int(nums[2])  # type: ignore[arg-type]
        if count < 1 or not (math.isfinite(start) and math.isfinite(stop)):
            raise SummitryError(f"--grid {item!r}: the range needs finite ends and COUNT ≥ 1")
        return tuple(float(v) for v in np.linspace(start, stop, count))
    raw = [v.strip() for v in text.split(",")]
    if any(not v for v in raw):
        raise SummitryError(f"--grid {item!r}: an empty value in the list {text!r}")
    if not numeric:
        return tuple(parse_setting(v) for v in raw)
    out: list[float] = []
    for v in raw:
        num = _number(v)
        if num is None or not math.isfinite(num):
            raise SummitryError(f"--grid {item!r}: {v!r} is not a number (a scenario input "
                                "takes numbers)")
        out.append(float(num))
    return tuple(out)


def parse_grid(items: Sequence[str], scenario: Scenario | None = None) -> list[GridItem]:
    """Parse ``--grid`` items (see the module docstring).

    An item whose first dotted part is a registered model name sets that model's
    parameter; any other sets a scenario input. With ``scenario`` given, every scenario
    value is applied once (:func:`summitry.whatif.set_value`) so that an unknown actor,
    issue or field, or a value out of range, fails now rather than halfway through.

    Raises:
        SummitryError: a malformed item, an unknown model parameter, a key given twice
            or a bad scenario value; the message names the ``--grid`` item.
    """
    from summitry.models import model_class, model_names

    names = set(model_names())
    out: list[GridItem] = []
    seen: set[str] = set()
    for text in items:
        key, sep, rhs = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SummitryError(f"--grid {text!r}: expected KEY=VALUES, e.g. "
                                "challenge.q=0.5,0.75,1.0 or ACTOR.ISSUE.salience=0.5:0.9:5")
        if key in seen:
            raise SummitryError(f"--grid {text!r}: {key!r} is swept twice")
        seen.add(key)
        parts = key.split(".")
        if any(not p for p in parts) or len(parts) < 2:
            raise SummitryError(f"--grid {text!r}: expected MODEL.PARAM or ACTOR.ISSUE.FIELD "
                                f"left of '=', found {key!r}")
        if parts[0] in names:
            if len(parts) != 2:
                raise SummitryError(f"--grid {text!r}: a model setting is MODEL.PARAM")
            allowed = model_class(parts[0]).param_names()
            if parts[1] not in allowed:
                raise SummitryError(f"--grid {text!r}: model {parts[0]!r} has no parameter "
                                    f"{parts[1]!r}; expected one of: {', '.join(allowed)}")
            item = GridItem(text, key, "model", parts[0], parts[1],
                            _values(text, rhs, numeric=False))
            if scenario is not None:
                _check_model_values(item, scenario)
            out.append(item)
        else:
            item = GridItem(text, key, "scenario", None, key, _values(text, rhs, numeric=True))
            if scenario is not None:
                from summitry.whatif import set_value

                for v in item.values:
                    try:
                        set_value(scenario, key, float(v))
                    except SummitryError as exc:
                        raise SummitryError(f"--grid {text!r}: {exc}") from None
            out.append(item)
    return out


def _check_model_values(item: GridItem, scenario: Scenario) -> None:
    """Solve the point problem with each value, so a bad one fails before the sweep."""
    from summitry.forecast import resolve_models

    assert item.model is not None
    problem = scenario.problem()
    for v in item.values:
        try:
            (model,) = resolve_models([item.model], scenario, {item.model: {item.name: v}})
            model.solve(problem)
        except (SummitryError, ValueError, TypeError) as exc:
            raise SummitryError(f"--grid {item.text!r}: {item.name}={v!r} is not a valid "
                                f"setting of model {item.model!r}: {exc}") from None


def settings(grid: Sequence[GridItem]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, ``{key: value}`` (the last item fastest)."""
    keys = [g.key for g in grid]
    return [dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(g.values for g in grid))]


# --- one task ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepTask:
    """One chunk of one setting (picklable: it travels to process and Dask workers).

    Attributes:
        setting: the setting's index.
        chunk: the chunk's index.
        scenario: the scenario with the setting's scenario values applied.
        models: ``(model name, params)`` pairs with the setting's model parameters.
        seed: the chunk's seed sequence.
        size: draws in this chunk.
    """

    setting: int
    chunk: int
    scenario: Scenario
    models: tuple[tuple[str, dict[str, Any]], ...]
    seed: np.random.SeedSequence
    size: int


def run_sweep_task(task: SweepTask) -> dict[str, FloatArray]:
    """Solve one chunk: ``{model: outcome (size, I) in user units}`` (the unit of work)."""
    from summitry.simulate import ChunkTask, run_chunk

    specs = tuple((name, dict(params)) for name, params in task.models)
    sols = run_chunk(ChunkTask(task.scenario, specs, task.seed, task.size))
    point = task.scenario.problem()
    return {name: np.ascontiguousarray(point.to_user(sol.outcome), dtype=np.float64)
            for (name, _), sol in zip(task.models, sols, strict=True)}


# --- the saved chunks --------------------------------------------------------------------


def _parts_dir(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _chunk_file(parts: Path, setting: int, chunk: int) -> Path:
    return parts / f"s{setting:05d}-c{chunk:05d}.npz"


def _save_chunk(parts: Path, setting: int, chunk: int, result: Mapping[str, FloatArray]) -> None:
    path = _chunk_file(parts, setting, chunk)
    tmp = path.with_name(path.name + ".tmp")
    arrays: dict[str, Any] = {f"m{k}": v for k, v in enumerate(result.values())}
    with tmp.open("wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, path)  # a chunk file is either complete or absent


def _load_chunk(parts: Path, setting: int, chunk: int, models: Sequence[str]
                ) -> dict[str, FloatArray]:
    with np.load(_chunk_file(parts, setting, chunk)) as data:
        return {m: np.asarray(data[f"m{k}"]) for k, m in enumerate(models)}


def _prepare_parts(parts: Path, manifest: dict[str, Any], resume: bool) -> set[tuple[int, int]]:
    """Create or reuse the chunk directory; the finished (setting, chunk) pairs."""
    found = parts / _MANIFEST
    if parts.exists() and resume and found.exists():
        try:
            old = json.loads(found.read_text())
        except (OSError, ValueError):
            old = None
        if old == manifest:
            done = set()
            for f in parts.glob("s*-c*.npz"):
                s, c = f.stem[1:].split("-c")
                done.add((int(s), int(c)))
            return done
        raise SummitryError(
            f"{parts} holds the chunks of a different sweep (other scenario, grid, models, "
            "draws, seed or chunk size); run with --fresh to discard them, or choose another "
            "output file with -o"
        )
    if parts.exists():
        shutil.rmtree(parts)
    parts.mkdir(parents=True)
    (parts / _MANIFEST).write_text(json.dumps(manifest, indent=1))
    return set()


# --- statistics --------------------------------------------------------------------------


def _rows(
    scenario: Scenario, setting: int, values: Mapping[str, Any],
    outcomes: Mapping[str, FloatArray], weights: Mapping[str, float] | None,
) -> list[dict[str, Any]]:
    from summitry.forecast import QUANTILES
    from summitry.outcomes import combine, probabilities

    rows: list[dict[str, Any]] = []
    qnames = [f"q{round(q * 100):02d}" for q in QUANTILES]

    def row(model: str, issue: str | None, stat: str, value: float) -> None:
        rows.append({"setting": setting, **values, "model": model, "issue": issue,
                     "statistic": stat, "value": float(value)})

    for model, out in outcomes.items():
        mean = out.mean(axis=0)
        sd = out.std(axis=0)
        qs = np.quantile(out, list(QUANTILES), axis=0)
        for k, issue in enumerate(scenario.issue_ids):
            row(model, issue, "mean", mean[k])
            row(model, issue, "sd", sd[k])
            for j, name in enumerate(qnames):
                row(model, issue, name, qs[j, k])
    if scenario.outcomes:
        per = {m: probabilities(scenario, out) for m, out in outcomes.items()}
        for model, probs in [*per.items(), ("combined", combine(per, weights))]:
            for name, p in probs.items():
                row(model, None, f"p:{name}", p)
    return rows


# --- the sweep ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep.

    Attributes:
        frame: the tidy rows (``setting``, one column per grid key, ``model``,
            ``issue`` (null for outcome probabilities), ``statistic``, ``value``).
        grid: the parsed grid.
        settings: the settings, in the order of their index.
        path: the Parquet file written (``None`` when not asked for).
        ran: chunks computed by this call.
        reused: chunks taken from an interrupted earlier run.
        provenance: scenario hash, models, draws, seed, chunk size, version, time.
    """

    frame: pd.DataFrame
    grid: tuple[GridItem, ...]
    settings: tuple[dict[str, Any], ...]
    path: Path | None
    ran: int
    reused: int
    provenance: dict[str, Any] = field(default_factory=dict)

    def summary_frame(self) -> pd.DataFrame:
        """One row per setting: the grid values, the median (``q50``) of every issue
        averaged over the models, and the combined named-outcome probabilities."""
        import pandas as pd

        keys = [g.key for g in self.grid]
        f = self.frame
        models = [m for m in dict.fromkeys(f["model"]) if m != "combined"]
        med = f[(f["statistic"] == "q50") & f["model"].isin(models)]
        wide = med.pivot_table(index="setting", columns="issue", values="value",
                               aggfunc="mean", sort=False)
        out = pd.DataFrame(list(self.settings))[keys] if keys else pd.DataFrame(
            index=range(len(self.settings)))
        out.insert(0, "setting", range(len(self.settings)))
        for issue in wide.columns:
            out[f"{issue} (q50)"] = wide[issue].to_numpy()
        prob = f[(f["model"] == "combined") & f["statistic"].str.startswith("p:")]
        if not prob.empty:
            pw = prob.pivot_table(index="setting", columns="statistic", values="value",
                                  sort=False)
            for col in pw.columns:
                out[f"P({col[2:]})"] = pw[col].to_numpy()
        return out


def _write_parquet(frame: pd.DataFrame, path: Path, provenance: dict[str, Any]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("writing a sweep to Parquet", "sweep") from None
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"summitry"] = json.dumps(provenance).encode()
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table.replace_schema_metadata(meta), tmp)
    os.replace(tmp, path)


def _setting_columns(frame: pd.DataFrame, grid: Sequence[GridItem]) -> pd.DataFrame:
    """Grid columns of mixed types (e.g. ``3`` and ``"auto"``) become text for Parquet."""
    for g in grid:
        kinds = {type(v) for v in g.values}
        if len(kinds) > 1 and not kinds <= {int, float}:
            frame[g.key] = frame[g.key].astype(str)
    return frame


def run_sweep(
    scenario: Scenario,
    grid: Sequence[str] | Sequence[GridItem],
    *,
    models: str | Sequence[str] | None = None,
    draws: int = 10_000,
    seed: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    weights: Mapping[str, float] | None = None,
    executor: Any = None,
    out: str | Path | None = None,
    resume: bool = True,
    progress: ProgressFn | None = None,
    chunk_size: int | None = None,
) -> SweepResult:
    """Run the Monte Carlo forecast for every setting of ``grid`` (``summitry sweep``).

    Args:
        scenario: the scenario.
        grid: ``--grid`` strings (see the module docstring) or parsed items.
        models: model names (default: every registered model, as ``summitry forecast``).
        draws: Monte Carlo draws per setting (≥ 1).
        seed: the seed; every setting uses the same chunk seeds.
        params: model settings applied to every setting, ``{model: {param: value}}``
            (``"*"`` for all models); the grid's model parameters override them.
        weights: model weights of the combined named-outcome probabilities.
        executor: an executor of :mod:`summitry.executors`, its name, or ``None``
            (serial). An executor given by name is closed afterwards.
        out: the Parquet file to write; its chunks are saved in ``out.parts/`` while the
            sweep runs. ``None``: nothing is written and nothing can be resumed.
        resume: reuse the chunks an interrupted run of the same sweep saved
            (``False``: discard them and start over).
        progress: ``progress(done, total)`` over chunks (reused chunks count as done).
        chunk_size: draws per chunk (default :data:`summitry.simulate.CHUNK_SIZE`).

    Raises:
        SummitryError: a bad grid item (the message names it), bad draws or seed, a model
            setting for a model not being run, or a chunk directory of another sweep.
        MissingExtraError: ``out`` without pyarrow (``summitry[sweep]``).
    """
    import pandas as pd

    from summitry import __version__
    from summitry.executors import Executor, SerialExecutor, get_executor
    from summitry.forecast import resolve_models
    from summitry.simulate import CHUNK_SIZE, _check_draws, _seed_sequence
    from summitry.whatif import set_value

    n = _check_draws(draws)
    size = CHUNK_SIZE if chunk_size is None else _check_draws(chunk_size, "chunk_size")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SummitryError(f"seed must be a whole number ≥ 0, found {seed!r}")
    given = list(grid)
    parsed = ([g for g in given if isinstance(g, GridItem)]
              if all(isinstance(g, GridItem) for g in given)
              else parse_grid([g.text if isinstance(g, GridItem) else str(g) for g in given],
                              scenario))
    base_models = resolve_models(models, scenario, params)
    run_names = [m.name for m in base_models]
    for g in parsed:
        if g.kind == "model" and g.model not in run_names:
            raise SummitryError(f"--grid {g.text!r}: model {g.model!r} is not being run; "
                                f"the models are: {', '.join(run_names)}")
    combos = settings(parsed)
    n_chunks = -(-n // size)
    seeds = _seed_sequence(int(seed)).spawn(n_chunks)
    sizes = [min(size, n - k * size) for k in range(n_chunks)]

    # the tasks: one scenario and one set of model settings per setting
    tasks: list[SweepTask] = []
    scenarios: list[Scenario] = []
    model_specs: list[tuple[tuple[str, dict[str, Any]], ...]] = []
    for s, values in enumerate(combos):
        sc = scenario
        extra: dict[str, dict[str, Any]] = {}
        for g in parsed:
            if g.kind == "scenario":
                sc = set_value(sc, g.name, float(values[g.key]))
            else:
                assert g.model is not None
                extra.setdefault(g.model, {})[g.name] = values[g.key]
        merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (params or {}).items()}
        for m, kv in extra.items():
            merged.setdefault(m, {}).update(kv)
        try:
            insts = resolve_models(run_names, sc, merged)
        except SummitryError as exc:
            raise SummitryError(f"setting {s} ({_describe(values)}): {exc}") from None
        spec = tuple((m.name, dict(m.params())) for m in insts)
        scenarios.append(sc)
        model_specs.append(spec)
        tasks.extend(SweepTask(s, c, sc, spec, seeds[c], sizes[c]) for c in range(n_chunks))

    provenance: dict[str, Any] = {
        "scenario": scenario.id,
        "input_hash": scenario.input_hash(),
        "grid": [g.text for g in parsed],
        "models": run_names,
        "params": _jsonable(params or {}),
        "weights": dict(weights or {}),
        "draws": n,
        "seed": int(seed),
        "chunk_size": size,
        "version": __version__,
    }
    path = None if out is None else Path(out)
    done: set[tuple[int, int]] = set()
    parts: Path | None = None
    if path is not None:
        parts = _parts_dir(path)
        manifest = {k: v for k, v in provenance.items() if k != "version"}
        manifest["settings"] = [[s.input_hash(), _jsonable(m)]
                                for s, m in zip(scenarios, model_specs, strict=True)]
        done = _prepare_parts(parts, manifest, resume)
    todo = [t for t in tasks if (t.setting, t.chunk) not in done]
    memory: dict[tuple[int, int], dict[str, FloatArray]] = {}
    total = len(tasks)
    finished = total - len(todo)
    if progress is not None:
        progress(finished, total)
    own = executor is None or isinstance(executor, str)
    ex: Executor = (SerialExecutor() if executor is None
                    else get_executor(executor) if isinstance(executor, str) else executor)
    try:
        for k, result in _imap(ex, todo):
            t = todo[k]
            if parts is not None:
                _save_chunk(parts, t.setting, t.chunk, result)
            else:
                memory[(t.setting, t.chunk)] = result
            finished += 1
            if progress is not None:
                progress(finished, total)
    finally:
        if own:
            ex.close()

    rows: list[dict[str, Any]] = []
    for s, values in enumerate(combos):
        names = [m for m, _ in model_specs[s]]
        chunks = [memory.pop((s, c)) if parts is None else _load_chunk(parts, s, c, names)
                  for c in range(n_chunks)]
        outcomes = {m: np.concatenate([ch[m] for ch in chunks]) for m in names}
        rows.extend(_rows(scenarios[s], s, values, outcomes, weights))
    frame = _setting_columns(pd.DataFrame(rows), parsed)
    provenance["created"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    frame.attrs["provenance"] = provenance
    if path is not None:
        _write_parquet(frame, path, provenance)
        if parts is not None:
            shutil.rmtree(parts, ignore_errors=True)
    return SweepResult(frame=frame, grid=tuple(parsed), settings=tuple(combos), path=path,
                       ran=len(todo), reused=total - len(todo), provenance=provenance)


def _imap(ex: Any, tasks: Sequence[SweepTask]) -> Any:
    """``(index, result)`` as tasks finish; batches of ``map`` for an executor without
    ``imap`` (each batch is saved before the next starts)."""
    if hasattr(ex, "imap"):
        yield from ex.imap(run_sweep_task, tasks)
        return
    batch = 8
    for lo in range(0, len(tasks), batch):
        for k, r in enumerate(ex.map(run_sweep_task, tasks[lo:lo + batch])):
            yield lo + k, r


def _describe(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "no grid"


def _jsonable(value: Any) -> Any:
    from summitry.forecast import _jsonable as conv

    return conv(value)
