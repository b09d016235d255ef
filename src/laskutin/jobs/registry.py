"""What domains use to declare jobs, with no knowledge of the queue library.

A job function takes a ``JobContext`` (a database session inside the job's one transaction, and
the settings) and JSON-serialisable keyword arguments. It must be idempotent: a job may run again
after a crash, so it carries out a row's intent by id rather than trusting it ran once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.core.settings import Settings


@dataclass(frozen=True)
class JobContext:
    session: AsyncSession
    settings: Settings
    job_id: int | None
    scheduled_for: dt.datetime | None = None  # the tick of a periodic job


JobFunction = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    queue: str
    retry: int
    cron: str | None = None  # periodic: a cron line, optionally with a 6th column for seconds


JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, queue: str = "default", retry: int = 5
) -> Callable[[JobFunction], JobFunction]:
    return _register(name, queue=queue, retry=retry, cron=None)


def periodic(
    name: str, *, cron: str, queue: str = "default"
) -> Callable[[JobFunction], JobFunction]:
    """A job the worker enqueues on a schedule; each tick runs once across all workers."""
    return _register(name, queue=queue, retry=0, cron=cron)


def _register(
    name: str, *, queue: str, retry: int, cron: str | None
) -> Callable[[JobFunction], JobFunction]:
    def decorator(function: JobFunction) -> JobFunction:
        if name in JOBS and JOBS[name].function is not function:
            raise ValueError(f"job name {name!r} is used twice")
        JOBS[name] = JobSpec(name, function, queue, retry, cron)
        return function

    return decorator


def load_all_jobs() -> dict[str, JobSpec]:
    """Import every domain's tasks module so their jobs are registered."""
    import laskutin.api.tasks
    import laskutin.auth.tasks
    import laskutin.system.tasks  # noqa: F401

    return JOBS
