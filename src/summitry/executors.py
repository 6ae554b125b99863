"""Where Monte Carlo chunks run: in this process, on a process pool, or on a Dask cluster.

An :class:`Executor` is a small backend with one method, ``map(fn, items, progress=None)``,
that applies a top-level (picklable) function to every item and returns the results *in
the order of the items*, calling ``progress(done, total)`` as items finish; it is a
context manager and has ``close()``. The executors here also have ``imap(fn, items)``,
which yields ``(index, result)`` pairs as items finish, so that a caller can keep each
result at once (the sweeps of :mod:`summitry.sweep` save every finished chunk, which is
what lets an interrupted sweep resume). :func:`summitry.simulate.run_batch` hands it one
:class:`~summitry.simulate.ChunkTask` per chunk. Because every chunk carries its own seed
(``SeedSequence(seed).spawn(n)``, fixed chunk size), the draws — and so the results — are
bit-identical on every executor.

- :class:`SerialExecutor` — a plain loop (the default; no start-up cost).
- :class:`ProcessExecutor` — :class:`concurrent.futures.ProcessPoolExecutor` with the
  ``spawn`` start method (safe with threads, and the same on Linux, macOS and Windows).
- :class:`DaskExecutor` — a :class:`distributed.Client` on a cluster's scheduler, or a
  local cluster; needs the optional extra ``summitry[dask]``.

>>> with get_executor("serial") as ex:
...     ex.map(abs, [-1, 2, -3])
[1, 2, 3]
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

from summitry.errors import MissingExtraError, SummitryError, UnknownNameError

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "get_executor",
]

T = TypeVar("T")
R = TypeVar("R")
ProgressFn = Callable[[int, int], None]

#: Executor names accepted by :func:`get_executor` (and the CLI's ``--executor``).
EXECUTORS = ("serial", "process", "dask")


@runtime_checkable
class Executor(Protocol):
    """Runs a picklable function over items; results come back in the items' order."""

    def map(self, fn: Callable[[T], R], items: Sequence[T], *,
            progress: ProgressFn | None = None) -> list[R]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class _Base:
    def close(self) -> None:
        """Release the workers (a no-op for the serial executor)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class SerialExecutor(_Base):
    """Run every item in this process, one after the other."""

    def map(self, fn: Callable[[T], R], items: Sequence[T], *,
            progress: ProgressFn | None = None) -> list[R]:
        """``[fn(item) for item in items]``, reporting progress after each item."""
        out: list[R] = []
        total = len(items)
        for k, item in enumerate(items):
            out.append(fn(item))
            if progress is not None:
                progress(k + 1, total)
        return out

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Yield ``(index, fn(item))`` item after item."""
        for k, item in enumerate(items):
            yield k, fn(item)

    def __repr__(self) -> str:
        return "SerialExecutor()"


class ProcessExecutor(_Base):
    """Run items on a pool of worker processes (started on first use).

    Args:
        workers: number of processes (default: the number of CPUs).
        start_method: the :mod:`multiprocessing` start method; ``"spawn"`` (default)
            starts clean interpreters, so ``fn`` must be importable (a top-level function
            of an installed module) and items picklable.
    """

    def __init__(self, workers: int | None = None, *, start_method: str = "spawn") -> None:
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise SummitryError(f"workers must be a whole number ≥ 1, found {workers!r}")
        self.workers = workers
        self.start_method = start_method
        self._pool: ProcessPoolExecutor | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context(self.start_method)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool

    def map(self, fn: Callable[[T], R], items: Sequence[T], *,
            progress: ProgressFn | None = None) -> list[R]:
        """Submit every item, report progress as they finish, return results in order.

        The first failing item's exception is raised (the others are cancelled).
        """
        pool = self._ensure()
        futures: list[Future[R]] = [pool.submit(fn, item) for item in items]
        total = len(futures)
        try:
            for done, fut in enumerate(as_completed(futures), start=1):
                fut.result()  # raise the first failure now
                if progress is not None:
                    progress(done, total)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
        return [f.result() for f in futures]

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Yield ``(index, result)`` as items finish (any order).

        The first failing item's exception is raised; the items not yet started are
        cancelled, also when the caller stops iterating early.
        """
        pool = self._ensure()
        futures: list[Future[R]] = [pool.submit(fn, item) for item in items]
        index = {id(f): k for k, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                yield index[id(fut)], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        """Shut the pool down (waits for running items)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __repr__(self) -> str:
        return f"ProcessExecutor(workers={self.workers!r})"


class DaskExecutor(_Base):
    """Run items on a Dask cluster through :mod:`dask.distributed`.

    Args:
        address: the scheduler's address (``"tcp://10.0.0.5:8786"``); ``None`` starts a
            local cluster on this machine (closed again by :meth:`close`).
        client: an existing :class:`distributed.Client` to use instead (not closed here).
        **cluster: options of the local cluster (``n_workers``, ``processes``,
            ``threads_per_worker`` …) when neither ``address`` nor ``client`` is given.

    Raises:
        MissingExtraError: ``dask``/``distributed`` is not installed
            (``pip install 'summitry[dask]'``).
    """

    def __init__(self, address: str | None = None, *, client: Any = None,
                 **cluster: Any) -> None:
        self.address = address
        self.cluster = cluster
        self._client = client
        self._own = client is None
        _distributed()  # fail early and clearly when the extra is missing

    def _ensure(self) -> Any:
        if self._client is None:
            dist = _distributed()
            if self.address is not None:
                self._client = dist.Client(self.address)
            else:
                # a local cluster on loopback; its HTTP server on a free port, never the
                # fixed 8787 another cluster (or anything else) may hold
                options = {"host": "127.0.0.1", "dashboard_address": ":0", **self.cluster}
                if options.get("processes") is False:
                    options.pop("host")
                self._client = dist.Client(**options)
        return self._client

    def map(self, fn: Callable[[T], R], items: Sequence[T], *,
            progress: ProgressFn | None = None) -> list[R]:
        """Submit every item to the cluster, report progress, gather results in order."""
        dist = _distributed()
        client = self._ensure()
        futures = client.map(fn, list(items), pure=False)
        total = len(futures)
        try:
            for done, fut in enumerate(dist.as_completed(futures), start=1):
                fut.result()
                if progress is not None:
                    progress(done, total)
            results: list[R] = client.gather(futures)
        except BaseException:
            client.cancel(futures)
            raise
        return results

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Yield ``(index, result)`` as items finish on the cluster (any order).

        The first failing item's exception is raised; the others are cancelled, also
        when the caller stops iterating early.
        """
        dist = _distributed()
        client = self._ensure()
        futures = client.map(fn, list(items), pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        try:
            for fut in dist.as_completed(futures):
                yield index[fut.key], fut.result()
        finally:
            client.cancel(futures)

    def close(self) -> None:
        """Close the client (and the local cluster it started), if this executor owns it."""
        if self._client is not None and self._own:
            self._client.close()
            cluster = getattr(self._client, "cluster", None)
            if cluster is not None and self.address is None:
                cluster.close()
            self._client = None

    def __repr__(self) -> str:
        return f"DaskExecutor(address={self.address!r})"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingExtraError("the Dask executor", "dask") from None
    return distributed


def get_executor(name: str, **options: Any) -> Executor:
    """The executor called ``name`` (``"serial"``, ``"process"`` or ``"dask"``).

    ``options`` go to its constructor (``workers=`` for ``process``; ``address=``,
    ``n_workers=`` … for ``dask``).

    Raises:
        UnknownNameError: an unknown name.
        MissingExtraError: ``"dask"`` without the ``summitry[dask]`` extra.
    """
    key = name.strip().lower()
    if key == "serial":
        if options:
            raise SummitryError("the serial executor takes no options, found "
                                + ", ".join(sorted(options)))
        return SerialExecutor()
    if key == "process":
        return ProcessExecutor(**options)
    if key == "dask":
        return DaskExecutor(**options)
    raise UnknownNameError("executor", name, EXECUTORS)
