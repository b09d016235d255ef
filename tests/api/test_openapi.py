"""The committed contract (openapi/openapi.json) matches the code, and the docs are served."""

from __future__ import annotations

import json
from typing import Any

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


def test_every_operation_documents_problem_errors() -> None:
    schema = json.loads(render_openapi())

    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations
    for operation in operations:
        default = operation["responses"]["default"]["content"]
        assert default == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


def _conforms(value: Any, schema: dict[str, Any], components: dict[str, Any]) -> None:
    """Enough of JSON Schema for the problem shapes: refs, objects, arrays, scalars."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    kind = schema["type"]
    if kind == "object":
        assert isinstance(value, dict)
        assert set(schema["required"]) <= set(value), (schema["title"], value)
        assert set(value) <= set(schema["properties"]), (schema["title"], value)
        for key, item in value.items():
            _conforms(item, schema["properties"][key], components)
    elif kind == "array":
        assert isinstance(value, list)
        for item in value:
            _conforms(item, schema["items"], components)
    else:
        assert isinstance(value, {"string": str, "integer": int}[kind]), (kind, value)


async def test_validation_errors_are_documented_as_they_are_answered(
    offline_client: AsyncClient,
) -> None:
    schema = (await offline_client.get("/api/v1/openapi.json")).json()
    components = schema["components"]["schemas"]
    documented = schema["paths"]["/test/items"]["post"]["responses"]["422"]["content"]

    response = await offline_client.post("/test/items", json={"name": 5})

    assert response.status_code == 422
    assert list(documented) == [response.headers["content-type"]]
    _conforms(response.json(), documented["application/problem+json"]["schema"], components)
    assert "HTTPValidationError" not in components  # FastAPI's shape is not what is answered
    assert "ValidationError" not in components


async def test_documented_default_matches_a_404(offline_client: AsyncClient) -> None:
    schema = (await offline_client.get("/api/v1/openapi.json")).json()
    documented = schema["paths"]["/test/items/{item_id}"]["get"]["responses"]["default"]

    response = await offline_client.get("/test/nothing")

    assert response.status_code == 404
    _conforms(
        response.json(),
        documented["content"]["application/problem+json"]["schema"],
        schema["components"]["schemas"],
    )
