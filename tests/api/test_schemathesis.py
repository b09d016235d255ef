"""Property-based fuzzing of the whole API contract with schemathesis (issue 5).

Every operation in the OpenAPI document (read from the real app, as ``make openapi`` writes it)
becomes one test: schemathesis generates valid and invalid requests from the schema, sends them
in-process to the real app on a real (throwaway) database, signed in as a freshly signed-up
owner, and checks each answer: no 5xx, only statuses the operation documents, the documented
content type, body and headers. New routes are picked up without touching this file.

Nothing a generated request can do ends the session for the rest of the run: random refresh
tokens (logout, refresh), random passwords (password change), random ids (member removal,
company switch) never match the real ones. Each operation gets a fresh access token anyway.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import UndefinedStatusCode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from laskutin.app import create_app
from laskutin.openapi import render_openapi
from tests.conftest import TEMPLATE, Cluster
from tests.integration.accounts import LOGIN, PASSWORD, SIGNUP, signup_body

# Examples per operation: 25 keeps the whole file well under 90 s on the 2-core CI machine.
MAX_EXAMPLES = int(os.environ.get("LASKUTIN_FUZZ_EXAMPLES", "25"))
OWNER = "fuzz-owner@example.fi"


def status_code_is_listed(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Stricter than status_code_conformance: every status is listed by number.

    Each operation also documents a ``default`` problem response, which makes schemathesis's own
    check accept any status; clients need to know which errors to expect, so here ``default``
    covers nothing.
    """
    if case.method.upper() != case.operation.method.upper():
        return None  # a negative case with a method the path lacks: 405, not this operation's
    listed = [code for code in case.operation.responses.status_codes if code != "default"]
    status = response.status_code
    if str(status) in listed or f"{status // 100}XX" in listed:
        return None
    raise UndefinedStatusCode(
        operation=case.operation.label,
        status_code=status,
        defined_status_codes=listed,
        allowed_status_codes=[int(code) for code in listed if code.isdigit()],
        message=f"Received: {status}\nListed: {', '.join(listed)} (default does not count)",
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    status_code_is_listed,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_dict(json.loads(render_openapi()))


@pytest.fixture(scope="module")
def fuzz_app(cluster: Cluster) -> Iterator[FastAPI]:
    """The real app on a database of its own, shared by every operation of this module."""
    name = f"fuzz_{os.getpid()}"
    cluster.create_database(name, template=TEMPLATE)
    app = create_app(cluster.settings_for(name))
    try:
        with asgi.get_client(app) as http:  # starts the lifespan, kept until shutdown_lifespans
            response = http.post(SIGNUP, json=signup_body(OWNER))
            assert response.status_code == 201, response.text
        yield app
    finally:
        asgi.shutdown_lifespans()
        cluster.drop_database(name)


@pytest.fixture
def auth_headers(fuzz_app: FastAPI) -> dict[str, str]:
    """A fresh access token (valid 15 minutes) for the owner, per operation."""
    with asgi.get_client(fuzz_app) as http:
        response = http.post(LOGIN, json={"email": OWNER, "password": PASSWORD})
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same cases on every run: CI is stable
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure shows its case as is
    suppress_health_check=list(HealthCheck),
    deadline=None,
)
def test_api_conforms_to_its_contract(
    case: schemathesis.Case, fuzz_app: FastAPI, auth_headers: dict[str, str]
) -> None:
    case.call_and_validate(app=fuzz_app, headers=auth_headers, checks=CHECKS)
