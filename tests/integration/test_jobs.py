"""The job queue: transactional enqueue, a real worker, the periodic prune."""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import procrastinate
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.core import clock
from laskutin.core.db import create_engine, session_factory, unit_of_work
from laskutin.core.models import InstanceMetadata
from laskutin.core.settings import Settings
from laskutin.jobs.queue import (
    RETRY_STALLED_TASK,
    STALLED_AFTER_SECONDS,
    build_queue_app,
    enqueue,
    retry_stalled_jobs,
)
from laskutin.jobs.registry import JobContext
from laskutin.system.ping import ping_worker
from laskutin.system.tasks import PING_KEY, prune_finished_jobs
from tests.integration.procs import laskutin_env, spawn, wait_until


@pytest.fixture
async def factory(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _jobs(factory: async_sessionmaker[AsyncSession]) -> list[tuple[int, str, str, str]]:
    async with unit_of_work(factory) as session:
        rows = await session.execute(
            text(
                "SELECT id, task_name, queue_name, status::text FROM procrastinate_jobs ORDER BY id"
            )
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


class Boom(Exception):
    pass


async def test_enqueue_belongs_to_the_callers_transaction(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    async def enqueue_then_fail() -> None:
        async with unit_of_work(factory) as session:
            assert await enqueue(session, "system.ping", token="rolled-back") > 0
            raise Boom

    with pytest.raises(Boom):
        await enqueue_then_fail()
    assert await _jobs(factory) == []

    async with unit_of_work(factory) as session:
        job_id = await enqueue(session, "system.ping", token="kept")
    assert await _jobs(factory) == [(job_id, "system.ping", "system", "todo")]


async def test_enqueue_of_an_unknown_job_fails(factory: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(KeyError):
        async with unit_of_work(factory) as session:
            await enqueue(session, "no.such.job")
    assert await _jobs(factory) == []


async def test_queue_app_registers_jobs_and_the_periodic_prune(
    settings: Settings, factory: async_sessionmaker[AsyncSession]
) -> None:
    app = build_queue_app(settings, lambda: factory)
    assert {"system.ping", "system.prune_finished_jobs"} <= set(app.tasks)
    periodic = {name: task.cron for (name, _), task in app.periodic_registry.periodic_tasks.items()}
    assert "system.prune_finished_jobs" in periodic
    assert periodic["system.prune_finished_jobs"].split()  # a cron line


async def test_prune_deletes_old_finished_jobs_but_keeps_failed_ones(
    settings: Settings, factory: async_sessionmaker[AsyncSession]
) -> None:
    now = clock.now()
    long_ago = now - dt.timedelta(hours=settings.job_retention_hours + 1)
    recently = now - dt.timedelta(hours=1)
    cases = {
        "old-succeeded": ("succeeded", long_ago),
        "old-cancelled": ("cancelled", long_ago),
        "old-aborted": ("aborted", long_ago),
        "old-failed": ("failed", long_ago),
        "old-todo": ("todo", long_ago),
        "new-succeeded": ("succeeded", recently),
    }
    ids: dict[str, int] = {}
    async with unit_of_work(factory) as session:
        for name, (status, at) in cases.items():
            job_id = await session.scalar(
                text(
                    "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
                    "VALUES ('system', :task, '{}') RETURNING id"
                ),
                {"task": name},
            )
            assert job_id is not None
            ids[name] = int(job_id)
            # The way Procrastinate moves a job, so that its triggers write the events.
            path = {
                "succeeded": ["doing", "succeeded"],
                "failed": ["doing", "failed"],
                "aborted": ["doing", "aborted"],
            }
            for step in path.get(status, [status] if status != "todo" else []):
                await session.execute(
                    text(
                        "UPDATE procrastinate_jobs SET status = "
                        "CAST(:status AS procrastinate_job_status) WHERE id = :id"
                    ),
                    {"status": step, "id": job_id},
                )
            await session.execute(
                text("UPDATE procrastinate_events SET at = :at WHERE job_id = :id"),
                {"at": at, "id": job_id},
            )
        # A periodic job's defer row points at its job; pruning must not trip over it.
        await session.execute(
            text(
                "INSERT INTO procrastinate_periodic_defers (task_name, defer_timestamp, job_id) "
                "VALUES ('old-succeeded', 1, :id)"
            ),
            {"id": ids["old-succeeded"]},
        )

    async with unit_of_work(factory) as session:
        await prune_finished_jobs(JobContext(session, settings, None))

    remaining = {task for _, task, _, _ in await _jobs(factory)}
    assert remaining == {"old-failed", "old-todo", "new-succeeded"}
    async with unit_of_work(factory) as session:
        defer = await session.scalar(
            text(
                "SELECT job_id FROM procrastinate_periodic_defers WHERE task_name = 'old-succeeded'"
            )
        )
        orphans = await session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_events e WHERE NOT EXISTS "
                "(SELECT 1 FROM procrastinate_jobs j WHERE j.id = e.job_id)"
            )
        )
    assert defer is None
    assert orphans == 0


@pytest.mark.slow
async def test_worker_process_runs_a_ping_and_stops_on_sigterm(
    settings: Settings, workdir: Path
) -> None:
    env = laskutin_env(
        database_url=settings.app_database.libpq_url(),
        migration_database_url=settings.migration_database.libpq_url(),
    )
    with spawn("worker", "--name", "it-worker", env=env, cwd=workdir, name="worker") as worker:
        elapsed = await ping_worker(settings, timeout=90)
        assert elapsed is not None, worker.output()

        engine = create_engine(settings)
        try:
            factory = session_factory(engine)
            async with unit_of_work(factory) as session:
                ping = await session.get(InstanceMetadata, PING_KEY)
                statuses = (
                    await session.execute(
                        text(
                            "SELECT status::text FROM procrastinate_jobs "
                            "WHERE task_name = 'system.ping'"
                        )
                    )
                ).all()
            assert ping is not None
            assert ping.value["job_id"] is not None
            assert [s for (s,) in statuses] == ["succeeded"]
        finally:
            await engine.dispose()

        worker.signal(signal.SIGTERM)
        assert worker.wait() == 0, worker.output()
        assert "Traceback" not in worker.output()

    # The worker signed off: no worker row is left for the stalled-worker sweep.
    def no_workers_left() -> bool:
        with psycopg.connect(settings.app_database.libpq_url()) as conn:
            row = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
        return row == (0,)

    wait_until(no_workers_left, deadline=10, what="the worker to unregister")


async def test_procrastinate_tasks_run_the_jobs_in_one_transaction(
    settings: Settings, factory: async_sessionmaker[AsyncSession]
) -> None:
    """What the worker calls: the registered wrapper opens the job's transaction and passes
    the job id (and, for a periodic job, the tick) on."""
    app = build_queue_app(settings, lambda: factory)

    def context(task: str, **kwargs: object) -> procrastinate.JobContext:
        job = procrastinate.jobs.Job(
            id=4242,
            queue="system",
            lock=None,
            queueing_lock=None,
            task_name=task,
            task_kwargs=kwargs,  # type: ignore[arg-type]
        )
        return procrastinate.JobContext(
            app=app, job=job, start_timestamp=time.time(), abort_reason=lambda: None
        )

    await app.tasks["system.ping"].func(context("system.ping"), token="via-wrapper")
    async with unit_of_work(factory) as session:
        row = await session.get(InstanceMetadata, PING_KEY)
    assert row is not None
    assert row.value["token"] == "via-wrapper"
    assert row.value["job_id"] == 4242

    tick = int(clock.now().timestamp())
    await app.tasks["system.prune_finished_jobs"].func(
        context("system.prune_finished_jobs"), timestamp=tick
    )


async def test_jobs_of_a_dead_worker_go_back_to_the_queue(
    settings: Settings, factory: async_sessionmaker[AsyncSession]
) -> None:
    """A worker killed mid-job leaves its job 'doing'; once its heartbeat is a minute old the
    periodic rescue queues the job again. A live worker's job is left alone."""
    async with unit_of_work(factory) as session:
        workers = []
        for age in (STALLED_AFTER_SECONDS * 5, 1):
            workers.append(
                await session.scalar(
                    text(
                        "INSERT INTO procrastinate_workers (last_heartbeat) "
                        "VALUES (now() - make_interval(secs => :age)) RETURNING id"
                    ),
                    {"age": age},
                )
            )
        dead, alive = workers
        orphan = await enqueue(session, "system.ping", token="orphan")
        running = await enqueue(session, "system.ping", token="running")
        for job_id, worker_id in ((orphan, dead), (running, alive)):
            await session.execute(
                text(
                    "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :j"
                ),
                {"w": worker_id, "j": job_id},
            )
    app = build_queue_app(settings, lambda: factory)
    assert RETRY_STALLED_TASK in app.tasks
    async with app.open_async():
        assert await retry_stalled_jobs(app) == 1
    status = {job_id: state for job_id, _, _, state in await _jobs(factory)}
    assert (status[orphan], status[running]) == ("todo", "doing")
