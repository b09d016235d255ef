"""A database outage: quick 503s instead of hanging requests, and recovery without a restart.

The app runs against a cluster of its own (stopping the shared test cluster would break every
other test).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from laskutin.api.deps import SessionDep
from laskutin.app import create_app
from laskutin.core import migrations
from laskutin.core.dburl import DatabaseUrl
from laskutin.core.embedded_pg import PORT, EmbeddedPostgres
from laskutin.core.settings import (
    EMBEDDED_APP_ROLE,
    EMBEDDED_DATABASE,
    EMBEDDED_OWNER_ROLE,
    Settings,
)
from laskutin.system.ping import ping_worker
from tests.conftest import FAST_UNSAFE, make_temp_dir
from tests.integration.procs import (
    STOP_DEADLINE,
    children_of,
    kill_postgres_of,
    laskutin_env,
    postgres_of,
    remove_tree,
    spawn,
)

# The bound for "does not hang"; a healthy answer during an outage comes within a few seconds.
CLIENT_TIMEOUT = 15.0


@pytest.fixture
def own_cluster() -> Iterator[EmbeddedPostgres]:
    folder = make_temp_dir("laskutin-outage-")
    server = EmbeddedPostgres.create(folder / "data", settings=FAST_UNSAFE)
    try:
        server.start(tie_to_parent=True)
        server.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
        yield server
    finally:
        server.stop()
        kill_postgres_of(server.data_dir)
        remove_tree(folder)


@pytest.fixture
def outage_settings(own_cluster: EmbeddedPostgres) -> Settings:
    def url(role: str) -> str:
        return DatabaseUrl(
            user=role, host=str(own_cluster.socket_dir), port=PORT, database=EMBEDDED_DATABASE
        ).libpq_url()

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=own_cluster.data_dir,
        database_url=url(EMBEDDED_APP_ROLE),
        migration_database_url=url(EMBEDDED_OWNER_ROLE),
        log_format="text",
        db_pool_size=2,
        db_max_overflow=0,
    )
    migrations.upgrade(settings)
    return settings


@pytest.fixture
async def outage_client(outage_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(outage_settings)

    @app.get("/test-only/metadata-count")
    async def metadata_count(session: SessionDep) -> dict[str, int]:
        count = await session.scalar(text("SELECT count(*) FROM instance_metadata"))
        return {"count": int(count or 0)}

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=CLIENT_TIMEOUT
        ) as client:
            yield client


async def _get(client: httpx.AsyncClient, path: str) -> httpx.Response:
    # The in-process transport ignores client timeouts, so bound the request here.
    async with asyncio.timeout(CLIENT_TIMEOUT):
        return await client.get(path)


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/database-unavailable"
    assert "retry-after" in response.headers


@pytest.mark.slow
async def test_outage_answers_503_and_recovers_without_restart(
    own_cluster: EmbeddedPostgres, outage_client: httpx.AsyncClient
) -> None:
    route = "/test-only/metadata-count"
    assert (await _get(outage_client, route)).status_code == 200
    assert (await _get(outage_client, "/readyz")).status_code == 200

    own_cluster.stop()
    assert postgres_of(own_cluster.data_dir) == []

    for _ in range(2):  # a second request must not hang on what the first one left behind
        _assert_unavailable(await _get(outage_client, route))
        _assert_unavailable(await _get(outage_client, "/readyz"))
    assert (await _get(outage_client, "/healthz")).status_code == 200

    own_cluster.start(tie_to_parent=True)

    response = await _get(outage_client, route)
    assert response.status_code == 200, response.text
    assert response.json() == {"count": 0}
    assert (await _get(outage_client, "/readyz")).status_code == 200


@pytest.mark.slow
async def test_worker_that_loses_its_database_stops_with_one_line(
    own_cluster: EmbeddedPostgres, outage_settings: Settings, workdir: Path
) -> None:
    """No hanging on a dead pool: the worker says what happened and ends, to be restarted."""
    env = laskutin_env(
        database_url=outage_settings.app_database.libpq_url(),
        migration_database_url=outage_settings.migration_database.libpq_url(),
    )
    with spawn("worker", env=env, cwd=workdir, name="worker") as worker:
        assert await ping_worker(outage_settings, timeout=90) is not None, worker.output()
        own_cluster.stop()
        code = worker.wait(timeout=STOP_DEADLINE)
        assert code not in (0, None), worker.output()
        last = [line for line in worker.output().splitlines() if line.strip()][-1]
        assert last.startswith("laskutin: "), worker.output()
        assert "database" in last


@pytest.mark.slow
async def test_readyz_on_a_frozen_database_is_503(
    own_cluster: EmbeddedPostgres, outage_client: httpx.AsyncClient
) -> None:
    """A database that stops answering (a frozen host, a network partition) rather than
    refusing: the probe gives up after its timeout and says "not ready", and a request that
    needs the database answers 503 within the client's bound instead of hanging."""
    route = "/test-only/metadata-count"
    assert (await _get(outage_client, route)).status_code == 200
    assert (await _get(outage_client, "/readyz")).status_code == 200
    assert own_cluster.process is not None
    frozen = [own_cluster.process.pid, *children_of(own_cluster.process.pid)]
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        _assert_unavailable(await _get(outage_client, "/readyz"))
        _assert_unavailable(await _get(outage_client, route))
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
    assert (await _get(outage_client, route)).status_code == 200
