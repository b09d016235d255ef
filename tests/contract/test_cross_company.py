"""Another company's id answers 404 on every operation of the real API, for every role.

The harness (tests/contract/harness.py) walks the app's OpenAPI document; the resources and
the exemptions live in tests/contract/resources.py. An operation that takes an id and has
neither a factory nor an exemption fails here, naming the factory to write.
"""

from __future__ import annotations

import json
import uuid

from fastapi import FastAPI
from httpx import AsyncClient

from laskutin.app import create_app
from laskutin.auth import tokens
from laskutin.companies.domain import Role
from laskutin.core.settings import PROJECT_ROOT, Settings
from tests.contract.auth import TokenAuth
from tests.contract.harness import assert_cross_company_404, coverage, id_operations
from tests.contract.resources import REGISTRY

COMMITTED = PROJECT_ROOT / "openapi" / "openapi.json"


def test_every_operation_that_takes_an_id_is_covered() -> None:
    schema = create_app(Settings.model_construct()).openapi()

    result = coverage(schema, REGISTRY)

    assert result.problems == []
    operations = {o.key for o in id_operations(schema)}
    assert {o.key for o in result.checked} | {o.key for o in result.exempted} == operations
    # The committed contract lists the same operations (test_openapi.py proves it equal).
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert {o.key for o in id_operations(committed)} == operations


async def test_another_companys_id_answers_404_for_every_role(
    app: FastAPI, client: AsyncClient
) -> None:
    report = await assert_cross_company_404(client, app.openapi(), REGISTRY, TokenAuth(app))

    assert report.cases == len(report.coverage.checked) * len(Role)


async def test_the_token_provider_acts_for_each_role_of_its_company(
    app: FastAPI, client: AsyncClient
) -> None:
    auth = TokenAuth(app)
    company = await auth.new_company("A")
    other = await auth.new_company("B")

    for role in Role:
        header = (await auth.as_role(company, role))["Authorization"]
        assert header.startswith("Bearer ")
        claims = await tokens.verify_access_token(
            app.state.keyring, header.removeprefix("Bearer "), issuer=app.state.settings.jwt_issuer
        )
        assert (claims.company_id, claims.role) == (uuid.UUID(company.id), role)
    assert auth.members[(company.id, Role.OWNER)] != auth.members[(other.id, Role.OWNER)]
