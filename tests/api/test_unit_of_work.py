"""SessionDep: one transaction per request, committed before the answer leaves."""

from __future__ import annotations

import asyncio
import logging

import psycopg
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.core.db import create_engine, driver_connection, session_factory, unit_of_work
from laskutin.core.settings import EMBEDDED_OWNER_ROLE
from tests.api.conftest import NO_DATABASE, build_test_app, serve
from tests.api.test_problems import assert_problem
from tests.conftest import Cluster


async def test_work_is_committed_before_the_response(
    test_client: AsyncClient, cluster: Cluster, database: str
) -> None:
    response = await test_client.put("/test/rows/alpha")
    assert response.status_code == 204, response.text

    # Seen from outside the app at once: the commit did not wait for anything after the answer.
    url = cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url()
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT value FROM instance_metadata WHERE key = 'alpha'").fetchone()
    assert row == ({"set": True},)


async def test_a_failed_commit_is_not_answered_with_success(test_client: AsyncClient) -> None:
    assert (await test_client.put("/test/rows/beta")).status_code == 204

    # The same key again: the primary key refuses it at commit (flush), after the route returned.
    response = await test_client.put("/test/rows/beta")

    assert_problem(response, 500, "/problems/internal-error")


async def test_a_domain_error_rolls_the_work_back(test_client: AsyncClient) -> None:
    response = await test_client.put("/test/rows/gamma", params={"fail": "true"})
    assert_problem(response, 409, "/problems/conflict")

    response = await test_client.get("/test/rows/gamma")
    assert_problem(response, 404, "/problems/not-found")


async def test_a_request_while_the_database_is_away_is_a_503(
    cluster: Cluster, database: str
) -> None:
    settings = cluster.settings_for(database, database_url=NO_DATABASE)
    async with serve(build_test_app(settings)) as client:
        response = await client.get("/test/rows/alpha", headers={"Accept-Language": "en"})

    body = assert_problem(response, 503, "/problems/database-unavailable")
    assert int(response.headers["retry-after"]) > 0
    assert "nonexistent" not in response.text
    assert body["detail"] == "The database cannot be reached. Try again in a moment."


async def test_lean_commits_return_overflow_connections_cleanly(
    cluster: Cluster, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Units of work that wrote only lean SQL commit through the driver; returning an overflow
    connection to a full pool closes it, which is I/O, and must still work (a version that
    did SQLAlchemy's part without its greenlet logged MissingGreenlet here)."""
    settings = cluster.settings_for(database, db_pool_size=1, db_max_overflow=2)
    engine = create_engine(settings)
    factory = session_factory(engine)
    all_in = asyncio.Barrier(3)

    async def work(n: int) -> int:
        async with unit_of_work(factory) as session:
            value = await (await driver_connection(session)).fetchval("SELECT $1::int", n)
            await all_in.wait()  # three connections out at once: two are overflow
            return int(value)

    try:
        with caplog.at_level(logging.ERROR, logger="sqlalchemy.pool"):
            assert sorted(await asyncio.gather(*(work(n) for n in range(3)))) == [0, 1, 2]
            assert (engine.pool.checkedin(), engine.pool.checkedout()) == (1, 0)  # 2 closed
            assert await work_alone(factory) == 7
            first, again = await backend_of(factory), await backend_of(factory)
            assert first == again, "a committed connection goes back to the pool and is reused"
    finally:
        await engine.dispose()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert engine.pool.checkedout() == 0


async def work_alone(factory: async_sessionmaker[AsyncSession]) -> int:
    async with unit_of_work(factory) as session:
        return int(await (await driver_connection(session)).fetchval("SELECT 7"))


async def backend_of(factory: async_sessionmaker[AsyncSession]) -> int:
    async with unit_of_work(factory) as session:
        return int(await (await driver_connection(session)).fetchval("SELECT pg_backend_pid()"))
