"""Background jobs: long Monte Carlo runs on a thread pool, polled for progress.

A :class:`JobRegistry` owns a :class:`~concurrent.futures.ThreadPoolExecutor` with a few
workers. :meth:`JobRegistry.submit` queues a function ``fn(job)``; the function reports
progress with :meth:`Job.report` (done/total steps), which also raises
:class:`JobCancelled` once the job was cancelled, so a cancelled or shut-down run stops at
its next step. The registry keeps the last :attr:`JobRegistry.keep` finished jobs for
polling and refuses new work (:class:`QueueFull`) while :attr:`JobRegistry.max_pending`
jobs wait or run, so a burst of requests cannot queue unbounded work.

A job's state moves ``queued → running → done | failed | cancelled``. A
:class:`~summitry.errors.SummitryError` raised by the function is the user's to fix and
is kept as the job's ``error`` message; any other exception is logged and reported as an
internal failure without its details.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from summitry.errors import SummitryError

__all__ = ["Job", "JobCancelled", "JobRegistry", "QueueFull", "Status"]

log = logging.getLogger("summitry.web")

Status = Literal["queued", "running", "done", "failed", "cancelled"]


class JobCancelled(Exception):
    """Raised inside a job's function when the job was cancelled."""


class QueueFull(Exception):
    """Too many jobs are waiting or running; try again later."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(eq=False)
class Job:
    """One background job and its progress."""

    id: str
    kind: str
    target: dict[str, Any]
    params: dict[str, Any]
    status: Status = "queued"
    done: int = 0
    total: int = 1
    created: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    error: str | None = None
    result: Any = None
    #: small JSON-ready facts about the result (e.g. the stored run id)
    info: dict[str, Any] = field(default_factory=dict)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def progress(self) -> float:
        """Share of the work done, 0–1."""
        if self.status == "done":
            return 1.0
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)

    @property
    def finished_state(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    def report(self, done: int, total: int) -> None:
        """Record progress; raise :class:`JobCancelled` if the job was cancelled."""
        self.done, self.total = int(done), max(int(total), 1)
        if self._cancel.is_set():
            raise JobCancelled(self.id)

    def cancel(self) -> bool:
        """Ask the job to stop; ``False`` when it had finished already."""
        if self.finished_state:
            return False
        self._cancel.set()
        if self.status == "queued":
            self.status = "cancelled"
            self.finished = _now()
        return True

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class JobRegistry:
    """A thread pool and the jobs it runs (see the module docstring)."""

    def __init__(self, workers: int = 2, *, max_pending: int = 16, keep: int = 200) -> None:
        self.workers = max(1, workers)
        self.max_pending = max_pending
        self.keep = keep
        self._pool = ThreadPoolExecutor(max_workers=self.workers,
                                        thread_name_prefix="summitry-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, kind: str, fn: Callable[[Job], Any], *,
               target: dict[str, Any] | None = None,
               params: dict[str, Any] | None = None) -> Job:
        """Queue ``fn(job)``; its return value becomes ``job.result``.

        Raises:
            QueueFull: :attr:`max_pending` jobs are waiting or running already.
            RuntimeError: the registry was shut down.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the job registry is shut down")
            pending = sum(1 for j in self._jobs.values() if not j.finished_state)
            if pending >= self.max_pending:
                raise QueueFull(f"{pending} jobs are waiting or running")
            job = Job(id=uuid.uuid4().hex, kind=kind, target=dict(target or {}),
                      params=dict(params or {}))
            self._jobs[job.id] = job
            self._prune()
        self._pool.submit(self._run, job, fn)
        return job

    def _prune(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.finished_state]
        for key in finished[: max(0, len(self._jobs) - self.keep)]:
            del self._jobs[key]

    def _run(self, job: Job, fn: Callable[[Job], Any]) -> None:
        if job.cancelled:
            job.status = "cancelled"
            job.finished = job.finished or _now()
            return
        job.status = "running"
        job.started = _now()
        try:
            job.result = fn(job)
        except JobCancelled:
            job.status = "cancelled"
        except SummitryError as exc:
            job.error = " ".join(str(exc).split())
            job.status = "failed"
        except Exception:  # a bug, not the user's input: log it, do not leak it
            log.exception("job %s (%s) failed", job.id, job.kind)
            job.error = "the run failed with an internal error (see the server log)"
            job.status = "failed"
        else:
            job.done = job.total
            job.status = "done"
        finally:
            job.finished = _now()

    @property
    def closed(self) -> bool:
        return self._closed

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def shutdown(self, *, wait: bool = True) -> None:
        """Cancel every unfinished job and stop the workers."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=True)
