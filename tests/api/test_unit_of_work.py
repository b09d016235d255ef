"""SessionDep: one transaction per request, committed before the answer leaves."""

from __future__ import annotations

import psycopg
from httpx import AsyncClient

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
