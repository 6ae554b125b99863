"""What the pages and the API do, without HTTP: sources, forecasts, what-ifs, signals.

The routes in :mod:`summitry.web.api` and :mod:`summitry.web.pages` are thin: they parse
the request, call a function here and render the result. This module holds:

- :class:`StoreProvider` — one :class:`~summitry.store.Store` (one SQLite connection) per
  thread. The store's connection is not shared between threads: FastAPI runs the routes on
  a thread pool, and a transaction on a shared connection would interleave with another
  thread's. SQLite in WAL mode lets readers run beside the one writer; writers queue on
  the database lock (``busy_timeout``).
- :class:`Source` — what a page shows: a shipped example (read-only) or a stored scenario
  at one version.
- :class:`LRU` — small thread-safe caches of forecasts and rendered documents, keyed by the
  scenario's input hash and the run settings (the same inputs give the same numbers).
- :func:`run_forecast` — a forecast run model by model so that a background job can report
  progress after each model and chunk; the numbers equal one :func:`summitry.forecast`
  call with all models (the Monte Carlo draws depend on the scenario and seed, not on the
  models solved with them).
- :func:`slider_changes` / :func:`whatif` — what-if analysis from the slider form.
- :func:`record_signal` — mark a signal observed/absent and log the update, with
  :func:`summitry.signals.record` (the same arithmetic as ``summitry signal``).
- :func:`article_document` / :func:`report_document` — the briefing and the report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from summitry.errors import SummitryError, UnknownNameError
from summitry.forecast import Forecast, forecast, resolve_models
from summitry.scenario import Scenario, SignalUpdate
from summitry.store import Store, VersionInfo

__all__ = [
    "LRU",
    "Source",
    "StoreProvider",
    "article_document",
    "check_models",
    "example_scenario",
    "forecast_key",
    "record_signal",
    "report_document",
    "run_forecast",
    "slider_changes",
    "whatif",
]

T = TypeVar("T")
Kind = Literal["example", "scenario"]


# --- the store, one connection per thread ---------------------------------------------------


class StoreProvider:
    """A :class:`Store` per thread on one database file (see the module docstring).

    :meth:`close` closes every connection; a later :meth:`get` opens a fresh one, so the
    app survives being started and stopped more than once (test clients do that).
    """

    def __init__(self, path: str | Path | None) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Store] = []
        self._generation = 0
        first = Store(path)  # creates and migrates the database once, before any thread
        self.path = first.path
        self._local.store = first
        self._local.generation = 0
        self._all.append(first)

    def get(self) -> Store:
        """This thread's store (opened on first use)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None or getattr(self._local, "generation", -1) != self._generation:
            store = Store(self.path)
            self._local.store = store
            self._local.generation = self._generation
            with self._lock:
                self._all.append(store)
        return store

    def close(self) -> None:
        """Close every connection opened so far."""
        with self._lock:
            stores, self._all = self._all, []
            self._generation += 1
        for store in stores:
            with contextlib.suppress(Exception):  # closing is best effort
                store.close()


# --- caches -----------------------------------------------------------------------------------


class LRU(Generic[T]):
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: Hashable, value: T) -> T:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value, or ``make()`` stored under ``key`` (computed outside the lock)."""
        hit = self.get(key)
        return hit if hit is not None else self.put(key, make())


def forecast_key(scenario: Scenario, models: Sequence[str], draws: int,
                 seed: int) -> tuple[str, tuple[str, ...], int, int]:
    """The cache key of a forecast: same inputs and settings, same numbers."""
    return (scenario.input_hash(), tuple(models), int(draws), int(seed) if draws > 1 else 0)


def check_models(models: Sequence[str] | None, scenario: Scenario | None = None) -> list[str]:
    """The model names to run (all registered when ``models`` is empty).

    Raises:
        UnknownNameError: an unknown model name (naming the known ones).
    """
    names = [m.strip() for m in (models or []) if m and m.strip()]
    return [m.name for m in resolve_models(names or None, scenario)]


# --- sources ----------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def example_scenario(name: str) -> Scenario:
    """The shipped example ``name`` (loaded once).

    Raises:
        UnknownNameError: not a shipped example.
    """
    from summitry import examples, load

    return load(examples.path(name))


@dataclass(frozen=True)
class Source:
    """A scenario a page shows: a shipped example or a stored scenario at a version."""

    kind: Kind
    name: str
    scenario: Scenario
    version: int | None = None
    latest: int | None = None

    @property
    def url(self) -> str:
        """The page of this source (without the version)."""
        return f"/examples/{self.name}" if self.kind == "example" else f"/scenarios/{self.name}"

    @property
    def api(self) -> str:
        return "/api" + self.url

    @property
    def title(self) -> str:
        return self.scenario.meta.title or self.scenario.id or self.name

    @property
    def is_latest(self) -> bool:
        return self.kind == "example" or self.version == self.latest

    @classmethod
    def example(cls, name: str) -> Source:
        return cls("example", name, example_scenario(name))

    @classmethod
    def stored(cls, store: Store, slug: str, version: int | None = None) -> Source:
        """A stored scenario (default: its latest version).

        Raises:
            UnknownNameError: no such scenario or version.
        """
        history = store.history(slug)
        latest = history[-1].version
        v = latest if version is None else version
        if v not in {h.version for h in history}:
            raise UnknownNameError(f"version of {slug!r}", str(v),
                                   [str(h.version) for h in history])
        return cls("scenario", slug, store.get(slug, v), v, latest)


# --- forecasts ---------------------------------------------------------------------------------


def run_forecast(
    scenario: Scenario,
    models: Sequence[str],
    *,
    draws: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> Forecast:
    """Forecast ``scenario`` model by model, reporting ``progress(done, total)`` steps.

    The result equals ``forecast(scenario, models, draws=draws, seed=seed)``.
    """
    names = list(models)
    if len(names) <= 1 or progress is None:
        return forecast(scenario, names, draws=draws, seed=seed, progress=progress)
    from summitry.simulate import CHUNK_SIZE

    per_model = 1 if draws == 1 else -(-draws // CHUNK_SIZE)
    total = per_model * len(names)
    parts: list[Forecast] = []
    for k, name in enumerate(names):
        def step(done: int, _total: int, k: int = k) -> None:
            progress(k * per_model + done, total)

        parts.append(forecast(scenario, [name], draws=draws, seed=seed, progress=step))
    first = parts[0]
    prov = dict(first.provenance)
    prov["models"] = {name: part.provenance["models"][name]
                      for name, part in zip(names, parts, strict=True)}
    return Forecast(scenario=scenario, problem=first.problem,
                    results=tuple(p.results[0] for p in parts), draws=first.draws,
                    seed=first.seed, provenance=prov, weights={})


# --- what-if -----------------------------------------------------------------------------------


def _number(form: Mapping[str, str], key: str) -> float | None:
    raw = form.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        raise SummitryError(f"{key}: expected a number, found {str(raw)[:40]!r}") from None
    if not math.isfinite(value):
        raise SummitryError(f"{key}: expected a finite number, found {raw!r}")
    return value


def slider_changes(scenario: Scenario, form: Mapping[str, str]) -> tuple[
        list[str], list[tuple[str, float]]]:
    """The drops and assignments the what-if form asks for.

    Fields: ``a{k}-drop`` (present: drop actor ``k``), ``a{k}-capability`` and
    ``a{k}-{i}-position`` / ``a{k}-{i}-salience`` for actor ``k`` on issue ``i`` (indices into
    the scenario's actors and issues). A value equal to the scenario's (within 1e-9) is no
    change; actors are named by id in the returned paths.

    Raises:
        SummitryError: a value that is not a finite number.
    """
    drops: list[str] = []
    assign: list[tuple[str, float]] = []
    div = 1.0
    for k, actor in enumerate(scenario.actors):
        if form.get(f"a{k}-drop"):
            drops.append(actor.id)
            continue
        cap = _number(form, f"a{k}-capability")
        if cap is not None and not math.isclose(cap, actor.capability, abs_tol=1e-9):
            assign.append((f"{actor.id}.capability", cap))
        for i, iss in enumerate(scenario.issues):
            st = scenario.stance(actor.id, iss.id)
            if st is None:
                continue
            for fld in ("position", "salience"):
                value = _number(form, f"a{k}-{i}-{fld}")
                if value is None:
                    continue
                old = st.position if fld == "position" else st.salience
                if not math.isclose(value, old * div, abs_tol=1e-9):
                    assign.append((f"{actor.id}.{iss.id}.{fld}", value))
    return drops, assign


def describe_change(scenario: Scenario, path: str, value: float) -> str:
    """A change in words for the page: ``Russia · sanctions · salience 0.4 → 0.9``."""
    parts = path.split(".")
    field = parts[-1]
    try:
        actor = scenario.actor(parts[0]).label
    except UnknownNameError:
        actor = parts[0]
    if len(parts) == 2:
        return f"{actor} · capability → {value:g}"
    try:
        issue = scenario.issue(".".join(parts[1:-1])).label
    except UnknownNameError:
        issue = ".".join(parts[1:-1])
    return f"{actor} · {issue} · {field} → {value:g}"


@dataclass(frozen=True)
class WhatIfResult:
    """A base and a changed forecast, with the changes in words."""

    base: Forecast
    changed: Forecast
    changes: tuple[str, ...]
    scenario: Scenario

    def to_dict(self) -> dict[str, Any]:
        from summitry.whatif import WhatIf

        return WhatIf(self.base, self.changed, self.changes).to_dict()


def whatif(
    scenario: Scenario,
    *,
    drop: Sequence[str] = (),
    assign: Sequence[tuple[str, float]] = (),
    models: Sequence[str] = (),
    draws: int = 1,
    seed: int = 0,
    cache: LRU[Forecast] | None = None,
) -> WhatIfResult:
    """Forecast ``scenario`` with and without the changes (same models, draws and seed).

    Raises:
        SummitryError: an impossible change (unknown actor, value out of range, dropping the
            only actor on an issue …), with the library's message.
    """
    from summitry.whatif import apply_changes

    names = check_models(models, scenario)
    changed, _ = apply_changes(scenario, drop=drop, assign=assign)
    words = [f"drop {scenario.actor(a).label}" for a in drop]
    words += [describe_change(scenario, p, v) for p, v in assign]

    def run(sc: Scenario) -> Forecast:
        key = forecast_key(sc, names, draws, seed)
        def make() -> Forecast:
            return forecast(sc, names, draws=draws, seed=seed)

        return make() if cache is None else cache.get_or_make(key, make)

    return WhatIfResult(run(scenario), run(changed), tuple(words), changed)


# --- signals ----------------------------------------------------------------------------------


def record_signal(
    scenario: Scenario,
    signal_id: str,
    *,
    status: Literal["observed", "absent"],
    note: str = "",
    date: dt.date | None = None,
    models: Sequence[str] = (),
    draws: int | None = None,
    seed: int = 1,
) -> tuple[Scenario, SignalUpdate]:
    """The scenario with ``signal_id`` marked and the update appended to its log.

    Uses :func:`summitry.signals.record` on a private temporary copy of the scenario, so
    the probabilities are the ones ``summitry signal FILE --observe ID`` computes.

    Raises:
        UnknownNameError: an unknown signal id.
        SummitryError: no named outcomes, or evidence impossible under every outcome.
    """
    from summitry.io import save
    from summitry.signals import DEFAULT_DRAWS, record

    ids = [s.id for s in scenario.signals]
    if signal_id not in ids:
        raise UnknownNameError("signal", signal_id, ids)
    with tempfile.TemporaryDirectory(prefix="summitry-web-") as tmp:
        path = Path(tmp) / "scenario.yaml"
        save(scenario, path)
        updated = record(path, signal_id, absent=status == "absent", note=note, date=date,
                         models=list(models) or None,
                         draws=DEFAULT_DRAWS if draws is None else draws, seed=seed)
    return updated, updated.updates[-1]


# --- documents ---------------------------------------------------------------------------------


def article_document(scenario: Scenario, fc: Forecast, *, stage: str = "before",
                     fmt: Literal["html", "md"] = "html") -> tuple[str, Any]:
    """The briefing article as a full HTML page or Markdown, and the :class:`Article`.

    Raises:
        SummitryError: an unknown stage.
    """
    from summitry.briefing.article import build_article
    from summitry.briefing.render import render_html, render_markdown

    art = build_article(scenario, fc, stage=stage)  # type: ignore[arg-type]
    return (render_html(art) if fmt == "html" else render_markdown(art)), art


def report_document(scenario: Scenario, fc: Forecast, *,
                    fmt: Literal["html", "md"] = "html") -> str:
    """The analyst's report (HTML: self-contained with inlined charts; Markdown: charts as
    embedded PNG images)."""
    from summitry.report import report

    doc = report(scenario, fc, fmt)
    return doc if isinstance(doc, str) else doc.decode("utf-8")


def version_dict(info: VersionInfo) -> dict[str, Any]:
    """A :class:`VersionInfo` as JSON."""
    return {"slug": info.slug, "version": info.version, "created": info.created,
            "title": info.title, "message": info.message, "content_hash": info.content_hash,
            "author": info.author, "based_on_stale": info.based_on_stale}
