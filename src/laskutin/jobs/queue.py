"""The queue: enqueueing inside the caller's transaction, and the Procrastinate app for workers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Awaitable, Callable
from typing import Any

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.core import jsontext
from laskutin.core.db import driver_connection, unit_of_work
from laskutin.core.settings import Settings
from laskutin.jobs.registry import JobContext, JobSpec, load_all_jobs


def defer_expression(first: int) -> str:
    """SQL that defers one job and gives its id in an array (``bigint[]``), from five
    parameters ``$first`` on: queue, task name, queueing lock, arguments as JSON text, run-at
    time (:func:`defer_parameters`). For a hot path's statement that defers a job as it goes,
    one round trip less than :func:`enqueue` (the casts give the row type's types)."""
    queue, name, lock, arguments, run_at = (f"${first + n}" for n in range(5))
    return (
        f"procrastinate_defer_jobs_v1(ARRAY[ROW({queue}::varchar, {name}::varchar, 0, NULL, "
        f"{lock}::text, {arguments}::text::jsonb, {run_at}::timestamptz)"
        "::procrastinate_job_to_defer_v1])"
    )


def defer_parameters(
    name: str, *, queueing_lock: str | None = None, run_at: dt.datetime | None = None, **kwargs: Any
) -> tuple[str, str, str | None, str, dt.datetime | None]:
    """The five parameters of :func:`defer_expression` for job ``name`` with ``kwargs``."""
    jobs = load_all_jobs()
    if name not in jobs:
        raise KeyError(f"unknown job {name!r}")
    return jobs[name].queue, name, queueing_lock, jsontext.dumps_text(kwargs), run_at


# Lean SQL (core.db.driver_connection): prepared once per connection, in the caller's
# transaction.
_DEFER_SQL = f"SELECT unnest({defer_expression(1)})"


async def enqueue(
    session: AsyncSession,
    name: str,
    *,
    queueing_lock: str | None = None,
    run_at: dt.datetime | None = None,
    **kwargs: Any,
) -> int:
    """Put a job in the queue as part of the session's transaction: no commit, no job.

    ``queueing_lock`` keeps at most one waiting job with that lock (a second enqueue fails).
    """
    parameters = defer_parameters(name, queueing_lock=queueing_lock, run_at=run_at, **kwargs)
    job_id = await (await driver_connection(session)).fetchval(_DEFER_SQL, *parameters)
    return int(job_id)


# Seconds before retry n is 4 ** n: 4 s, 16 s, 1 min, 4 min, 17 min, ... so an outage of a
# mail server or an operator's network outlives a few retries instead of using them up at once.
RETRY_BACKOFF_BASE = 4


def retry_strategy(attempts: int) -> procrastinate.RetryStrategy | bool:
    """Exponential back-off for ``attempts`` retries; no retry for 0."""
    if attempts <= 0:
        return False
    return procrastinate.RetryStrategy(max_attempts=attempts, exponential_wait=RETRY_BACKOFF_BASE)


def build_queue_app(
    settings: Settings, factory: Callable[[], async_sessionmaker[AsyncSession]]
) -> procrastinate.App:
    """A Procrastinate app with every registered job; ``factory`` gives the worker's sessions."""
    # Bounded waits, as for the app: a worker that lost its database says so within
    # seconds and stops (to be started again) instead of hanging on the pool for half a minute.
    connector = procrastinate.PsycopgConnector(
        conninfo=settings.app_database.libpq_url(),
        kwargs={
            "application_name": "laskutin-worker",
            "connect_timeout": max(2, math.ceil(settings.db_connect_timeout_seconds)),
        },
        timeout=settings.db_pool_timeout_seconds,
        # Room for every running job to finish while the fetch loop and heartbeat also work,
        # so the short timeout above is only ever reached when the database is away.
        min_size=2,
        max_size=settings.worker_concurrency + 2,
    )
    app = procrastinate.App(connector=connector)
    for spec in load_all_jobs().values():
        _add_task(app, spec, settings, factory)
    _add_stalled_job_rescue(app)
    return app


# A worker sends a heartbeat every 10 s; one silent for a minute was killed or cut off.
STALLED_AFTER_SECONDS = 60
RETRY_STALLED_TASK = "jobs.retry_stalled"


async def retry_stalled_jobs(app: procrastinate.App) -> int:
    """Put the jobs of workers that died mid-job (SIGKILL, a lost machine) back in the queue;
    how many. Without this a killed worker's job would stay ``doing`` for ever, and sweepers
    that trust a ``doing`` job to hold its row would wait for ever too."""
    manager = app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS))
    for job in stalled:
        await manager.retry_job(job)
    return len(stalled)


def _add_stalled_job_rescue(app: procrastinate.App) -> None:
    async def rescue(context: procrastinate.JobContext, timestamp: int) -> None:
        await retry_stalled_jobs(context.app)

    task = app.task(name=RETRY_STALLED_TASK, queue="system", pass_context=True)(rescue)
    app.periodic(cron="* * * * *")(task)


async def defer_start_jobs(app: procrastinate.App) -> list[str]:
    """Queue each periodic job declared ``at_start`` once, now (a worker that starts); the
    names queued."""
    tick = int(dt.datetime.now(dt.UTC).timestamp())
    queued = []
    for spec in load_all_jobs().values():
        if spec.cron is not None and spec.at_start:
            await app.configure_task(name=spec.name, queue=spec.queue).defer_async(timestamp=tick)
            queued.append(spec.name)
    return queued


def _add_task(
    app: procrastinate.App,
    spec: JobSpec,
    settings: Settings,
    factory: Callable[[], async_sessionmaker[AsyncSession]],
) -> None:
    def wrap(periodic: bool) -> Callable[..., Awaitable[None]]:
        async def run(context: procrastinate.JobContext, *args: Any, **kwargs: Any) -> None:
            scheduled_for = None
            if periodic:
                tick = kwargs.pop("timestamp", args[0] if args else None)
                scheduled_for = dt.datetime.fromtimestamp(int(tick), dt.UTC) if tick else None
            job_id = context.job.id if context.job else None
            sessions = factory()
            if not spec.transaction:  # the job runs its own transactions (registry.py)
                async with sessions() as session:
                    ctx = JobContext(session, settings, job_id, scheduled_for, sessions)
                    await spec.function(ctx, **kwargs)
                return
            async with unit_of_work(sessions) as session:
                ctx = JobContext(session, settings, job_id, scheduled_for, sessions)
                await spec.function(ctx, **kwargs)

        run.__name__ = spec.name.replace(".", "_")
        return run

    if spec.cron is None:
        app.task(
            name=spec.name, queue=spec.queue, retry=retry_strategy(spec.retry), pass_context=True
        )(wrap(periodic=False))
    else:
        task = app.task(name=spec.name, queue=spec.queue, pass_context=True)(wrap(periodic=True))
        app.periodic(cron=spec.cron)(task)
