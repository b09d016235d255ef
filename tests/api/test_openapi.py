"""The committed contract (openapi/openapi.json) matches the code, and the docs are served."""

from __future__ import annotations

import json

from httpx import AsyncClient

from laskutin.core.settings import PROJECT_ROOT
from laskutin.openapi import render_openapi

COMMITTED = PROJECT_ROOT / "openapi" / "openapi.json"
REGENERATE = "run `make openapi` (laskutin openapi --output openapi/openapi.json) and commit it"


def test_committed_openapi_matches_the_code() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_openapi(), REGENERATE


async def test_openapi_is_served_under_the_api(client: AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    served = response.json()
    assert served == json.loads(render_openapi())
    assert served["openapi"].startswith("3.1")
    assert "/api/v1/meta" in served["paths"]


async def test_docs_are_served(client: AsyncClient) -> None:
    response = await client.get("/api/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/api/v1/openapi.json" in response.text


async def test_meta_names_the_schema_it_needs(client: AsyncClient) -> None:
    from laskutin import __version__
    from laskutin.core.migrations import code_head

    response = await client.get("/api/v1/meta")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Laskutin",
        "version": __version__,
        "schema_revision": code_head(),
    }
