"""/healthz (the process lives) and /readyz (send me traffic)."""

from __future__ import annotations

import psycopg
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from laskutin.app import create_app
from laskutin.core.migrations import code_head
from laskutin.core.settings import EMBEDDED_OWNER_ROLE
from tests.api.conftest import NO_DATABASE, serve
from tests.api.test_problems import assert_problem
from tests.conftest import Cluster


def owner_connection(cluster: Cluster, database: str) -> psycopg.Connection:
    return psycopg.connect(cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url(), autocommit=True)


async def test_healthz(client: AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_on_a_migrated_database(client: AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ready"}


async def test_readyz_on_a_database_without_migrations(
    cluster: Cluster, empty_database: str
) -> None:
    async with serve(create_app(cluster.settings_for(empty_database))) as client:
        response = await client.get("/readyz", headers={"Accept-Language": "en"})
        health = await client.get("/healthz")

    body = assert_problem(response, 503, "/problems/schema-outdated")
    assert code_head() in body["detail"]
    assert "laskutin migrate upgrade" in body["detail"]
    assert int(response.headers["retry-after"]) > 0
    assert health.status_code == 200  # alive, just not ready


async def test_readyz_when_our_migration_is_missing_from_the_history(
    cluster: Cluster, database: str
) -> None:
    with owner_connection(cluster, database) as conn:
        conn.execute("DELETE FROM schema_history WHERE revision = %s", (code_head(),))
        conn.execute("INSERT INTO schema_history (revision) VALUES ('19991231_0001')")

    async with serve(create_app(cluster.settings_for(database))) as client:
        response = await client.get("/readyz")

    body = assert_problem(response, 503, "/problems/schema-outdated")
    assert code_head() in body["detail"]
    assert response.headers["content-language"] == "fi"


async def test_readyz_accepts_a_newer_schema(cluster: Cluster, database: str) -> None:
    # A newer release migrated the database first (expand/contract): it stays ready for us.
    with owner_connection(cluster, database) as conn:
        conn.execute("INSERT INTO schema_history (revision) VALUES ('29991231_0001_future')")
        conn.execute("UPDATE alembic_version SET version_num = '29991231_0001_future'")

    async with serve(create_app(cluster.settings_for(database))) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200, response.text


async def test_readyz_while_draining(client: AsyncClient, app: FastAPI) -> None:
    assert (await client.get("/readyz")).status_code == 200

    app.state.lifecycle.begin_drain()
    response = await client.get("/readyz", headers={"Accept-Language": "sv"})

    body = assert_problem(response, 503, "/problems/shutting-down")
    assert body["title"] == "Tjänsten stängs av"
    assert int(response.headers["retry-after"]) > 0
    # Draining still serves everything else.
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/api/v1/meta")).status_code == 200


async def test_readyz_when_the_database_is_unreachable(cluster: Cluster, database: str) -> None:
    settings = cluster.settings_for(database, database_url=NO_DATABASE)

    async with serve(create_app(settings)) as client:
        response = await client.get("/readyz", headers={"Accept-Language": "en"})
        health = await client.get("/healthz")

    body = assert_problem(response, 503, "/problems/database-unavailable")
    assert body["title"] == "Database unavailable"
    assert "nonexistent" not in response.text  # where the database lives is not the caller's
    assert int(response.headers["retry-after"]) > 0
    assert health.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
async def test_probes_are_not_in_the_api_contract(client: AsyncClient, path: str) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()

    assert path not in schema["paths"]
