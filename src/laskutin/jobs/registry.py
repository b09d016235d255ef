"""What domains use to declare jobs, with no knowledge of the queue library.

A job function takes a ``JobContext`` (a database session inside the job's one transaction, and
the settings) and JSON-serialisable keyword arguments. It must be idempotent: a job may run again
after a crash, so it carries out a row's intent by id rather than trusting it ran once.

A job declared with ``transaction=False`` gets no transaction from the wrapper: it opens its own
short ones with ``ctx.sessions`` (``unit_of_work(ctx.sessions)``), for work that must commit a
step before it talks to the outside world and record the outcome after (delivery.tasks: a
send is marked before the SMTP server is called and recorded as sent the moment it accepted).
Its ``ctx.session`` is never committed; such a job should not use it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.core.settings import Settings


@dataclass(frozen=True)
class JobContext:
    session: AsyncSession
    settings: Settings
    job_id: int | None
    scheduled_for: dt.datetime | None = None  # the tick of a periodic job
    # The worker's session factory, for jobs that run their own transactions.
    sessions: async_sessionmaker[AsyncSession] | None = None


JobFunction = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    queue: str
    retry: int
    cron: str | None = None  # periodic: a cron line, optionally with a 6th column for seconds
    transaction: bool = True  # False: the job opens its own transactions (ctx.sessions)
    at_start: bool = False  # periodic: also queued once by each worker as it starts


JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, queue: str = "default", retry: int = 5, transaction: bool = True
) -> Callable[[JobFunction], JobFunction]:
    return _register(name, queue=queue, retry=retry, cron=None, transaction=transaction)


def periodic(
    name: str, *, cron: str, queue: str = "default", at_start: bool = False
) -> Callable[[JobFunction], JobFunction]:
    """A job the worker enqueues on a schedule; each tick runs once across all workers.

    ``at_start``: each worker also queues it once when it starts, for a sweeper that should
    not wait for its next tick to find the work a stopped (or killed) worker left behind."""
    return _register(name, queue=queue, retry=0, cron=cron, at_start=at_start)


def _register(
    name: str,
    *,
    queue: str,
    retry: int,
    cron: str | None,
    transaction: bool = True,
    at_start: bool = False,
) -> Callable[[JobFunction], JobFunction]:
    def decorator(function: JobFunction) -> JobFunction:
        if name in JOBS and JOBS[name].function is not function:
            raise ValueError(f"job name {name!r} is used twice")
        JOBS[name] = JobSpec(name, function, queue, retry, cron, transaction, at_start)
        return function

    return decorator


@functools.cache  # imported once: enqueue() asks on every request that queues a job
def load_all_jobs() -> dict[str, JobSpec]:
    """Import every domain's tasks module so their jobs are registered (the registry itself,
    so a job registered later is in it too)."""
    import laskutin.api.tasks
    import laskutin.auth.tasks
    import laskutin.delivery.tasks
    import laskutin.documents.tasks
    import laskutin.imports.tasks
    import laskutin.invitations.tasks
    import laskutin.oidc.tasks
    import laskutin.recurring.tasks
    import laskutin.system.tasks  # noqa: F401

    return JOBS
