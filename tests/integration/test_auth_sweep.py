"""The auth sweeper: lost link mails are queued again; stale counters and old links go."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth.service import SEND_ACCOUNT_MAIL, signup
from laskutin.auth.tasks import sweep_job
from laskutin.core import clock
from laskutin.core.db import create_engine, session_factory, unit_of_work
from laskutin.core.settings import Settings
from laskutin.jobs.registry import JobContext


@pytest.fixture
async def factory(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _sweep(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    async with unit_of_work(factory) as session:
        await sweep_job(JobContext(session, settings, None))


async def _scalar(factory: async_sessionmaker[AsyncSession], sql: str, **params: object) -> object:
    async with unit_of_work(factory) as session:
        return await session.scalar(text(sql), params)


async def test_a_link_whose_job_was_lost_is_queued_again_once(
    factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with unit_of_work(factory) as session:
        await signup(
            session,
            email="sweep@example.com",
            password="Kuukausiraportti-Heinäkuu-77",
            name="Sweep Tester",
            company_name="Sweep Oy",
        )
    token_id = await _scalar(factory, "SELECT id::text FROM email_tokens")
    jobs = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t AND args->>'token_id' = :i"

    await _sweep(factory, settings)  # the job is there and the row is new: nothing to do
    assert await _scalar(factory, jobs, t=SEND_ACCOUNT_MAIL, i=token_id) == 1

    async with unit_of_work(factory) as session:  # the job is lost, the row is old
        await session.execute(text("DELETE FROM procrastinate_jobs"))
        await session.execute(
            text("UPDATE email_tokens SET created_at = created_at - interval '20 minutes'")
        )
    await _sweep(factory, settings)
    await _sweep(factory, settings)

    assert await _scalar(factory, jobs, t=SEND_ACCOUNT_MAIL, i=token_id) == 1


async def test_stale_counters_and_old_links_are_deleted(
    factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    now = clock.now()
    async with unit_of_work(factory) as session:
        for key, at in (("stale", now - dt.timedelta(days=2)), ("fresh", now)):
            await session.execute(
                text(
                    "INSERT INTO login_throttle (scope, key, consecutive_failures, "
                    "last_failure_at) VALUES ('account', :k, 2, :at)"
                ),
                {"k": key, "at": at},
            )

    await _sweep(factory, settings)

    assert await _scalar(factory, "SELECT string_agg(key, ',') FROM login_throttle") == "fresh"
