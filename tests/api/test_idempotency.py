"""Idempotency-Key on a test-only POST route, against the real database (issue 5).

The test router is mounted on the real app only here: its POST appends an audit event (the
"effect", a tenant-table row written in the request's transaction) and answers with Location
and ETag, through ``idem.respond``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Response
from httpx import AsyncClient
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.api import idempotency
from laskutin.api.authz import Writer
from laskutin.api.deps import TenantSession
from laskutin.api.etag import etag_of
from laskutin.api.idempotency import IdempotencyDep, IdempotencyKey
from laskutin.app import create_app
from laskutin.audit import service as audit
from laskutin.audit.models import AuditEvent
from laskutin.companies.domain import Role
from laskutin.core import errors
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from tests.api.conftest import serve
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company

THINGS = "/test/things"
PROBLEM = "application/problem+json"


class ThingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    fail: bool = False


class ThingRead(BaseModel):
    id: uuid.UUID
    name: str


def things_router(gate: dict[str, asyncio.Event]) -> APIRouter:
    router = APIRouter(prefix=THINGS)

    @router.post("", status_code=201, response_model=ThingRead)
    async def create_thing(
        body: ThingCreate, actor: Writer, session: TenantSession, idem: IdempotencyDep
    ) -> Response:
        thing = ThingRead(id=uuid.uuid4(), name=body.name)
        await audit.record(
            session, resource_type="thing", resource_id=thing.id, action="created", actor=actor
        )
        if body.fail:
            raise errors.Conflict()
        if body.name in gate:  # the concurrency test holds the first request here
            gate["entered"].set()
            await gate[body.name].wait()
        return await idem.respond(
            201, thing, headers={"Location": f"{THINGS}/{thing.id}", "ETag": etag_of(thing)}
        )

    @router.post("/forgetful", status_code=201)
    async def forgetful(actor: Writer, idem: IdempotencyDep) -> dict[str, str]:
        return {"answered": "without respond"}

    return router


@pytest.fixture
def gate() -> dict[str, asyncio.Event]:
    return {"entered": asyncio.Event()}


@pytest.fixture
def things_app(settings: Settings, gate: dict[str, asyncio.Event]) -> FastAPI:
    app = create_app(settings.model_copy(update={"db_pool_size": 10}))
    app.include_router(things_router(gate))
    return app


@pytest.fixture
async def http(things_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with serve(things_app) as client:
        yield client


@pytest.fixture
async def auth(things_app: FastAPI, http: AsyncClient) -> TokenAuth:  # http: lifespan runs
    return TokenAuth(things_app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    return await auth.new_company("A")


async def headers(
    auth: TokenAuth, company: Company, key: str | None, **more: str
) -> dict[str, str]:
    result = {**(await auth.as_role(company, Role.OWNER)), **more}
    if key is not None:
        result["Idempotency-Key"] = key
    return result


async def effects(app: FastAPI, company: Company) -> int:
    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    async with sessions() as session, session.begin():
        await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
        count = await session.scalar(select(func.count()).select_from(AuditEvent))
    return int(count or 0)


async def keys(app: FastAPI) -> list[tuple[Any, ...]]:
    """Every stored key of every company, read as the owner with row-level security lifted."""
    from sqlalchemy import create_engine

    settings: Settings = app.state.settings
    engine = create_engine(settings.migration_database.psycopg_url())
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE idempotency_keys NO FORCE ROW LEVEL SECURITY"))
            rows = conn.execute(
                text(
                    "SELECT company_id::text, credential, key, status_code "
                    "FROM idempotency_keys ORDER BY created_at"
                )
            ).all()
            conn.execute(text("ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY"))
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


async def test_a_replay_answers_the_first_answer_and_does_nothing_again(
    things_app: FastAPI, http: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    sent = await headers(auth, company, "order-1")

    first = await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)
    again = await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)

    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await effects(things_app, company) == 1


async def test_the_same_key_with_another_body_is_refused(
    things_app: FastAPI, http: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    sent = await headers(auth, company, "order-2")
    await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)

    other = await http.post(THINGS, json={"name": "Mutteri"}, headers=sent)

    assert other.status_code == 422
    assert other.headers["content-type"].startswith(PROBLEM)
    body = other.json()
    assert body["type"] == "/problems/idempotency-key-reused"
    assert body["errors"][0]["field"] == "header.Idempotency-Key"
    assert "Idempotency-Key" in body["detail"]
    assert await effects(things_app, company) == 1


async def test_without_the_header_nothing_is_stored_and_each_post_acts(
    things_app: FastAPI, http: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    sent = await headers(auth, company, None)

    one = await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)
    two = await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)

    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["id"] != two.json()["id"]
    assert await effects(things_app, company) == 2
    assert await keys(things_app) == []


async def test_a_failed_request_stores_no_key_and_a_retry_runs_again(
    things_app: FastAPI, http: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    sent = await headers(auth, company, "order-3")

    failed = await http.post(THINGS, json={"name": "Ruuvi", "fail": True}, headers=sent)
    assert failed.status_code == 409
    assert await keys(things_app) == []

    # The same key with the same (failing) body runs again; a corrected body is a new request
    # only if it is sent with a new key, so the client retries the failed one as it was.
    again = await http.post(THINGS, json={"name": "Ruuvi", "fail": True}, headers=sent)
    assert again.status_code == 409
    assert await effects(things_app, company) == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "ääkkönen"])
async def test_a_malformed_key_is_refused_naming_the_header(
    http: AsyncClient, auth: TokenAuth, company: Company, key: str
) -> None:
    sent: dict[str, str | bytes] = {**(await headers(auth, company, None))}
    sent["Idempotency-Key"] = key.encode()

    answer = await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)

    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_keys_are_scoped_to_the_company_and_the_credential(
    things_app: FastAPI, http: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    other_company = await auth.new_company("B")
    as_owner = await headers(auth, company, "shared")
    as_member = {**(await auth.as_role(company, Role.MEMBER)), "Idempotency-Key": "shared"}
    elsewhere = await headers(auth, other_company, "shared")

    answers = [
        await http.post(THINGS, json={"name": "Ruuvi"}, headers=h)
        for h in (as_owner, as_member, elsewhere)
    ]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 3
    assert not any("idempotent-replayed" in a.headers for a in answers)
    stored = await keys(things_app)
    assert len(stored) == 3
    owner = auth.members[(company.id, Role.OWNER)]
    assert (company.id, f"user:{owner}", "shared", 201) in stored


async def test_a_concurrent_duplicate_waits_then_replays(
    things_app: FastAPI,
    http: AsyncClient,
    auth: TokenAuth,
    company: Company,
    gate: dict[str, asyncio.Event],
) -> None:
    gate["Hidas"] = asyncio.Event()
    sent = await headers(auth, company, "order-4")

    first = asyncio.create_task(http.post(THINGS, json={"name": "Hidas"}, headers=sent))
    await asyncio.wait_for(gate["entered"].wait(), 10)
    second = asyncio.create_task(http.post(THINGS, json={"name": "Hidas"}, headers=sent))
    await asyncio.sleep(0.5)  # the second is waiting on the first's uncommitted key
    assert not second.done()
    gate["Hidas"].set()
    one, two = await asyncio.wait_for(asyncio.gather(first, second), 20)

    assert (one.status_code, two.status_code) == (201, 201), (one.text, two.text)
    assert two.json() == one.json()
    assert two.headers["idempotent-replayed"] == "true"
    assert await effects(things_app, company) == 1


async def test_a_route_that_does_not_respond_forgets_the_key(
    things_app: FastAPI, http: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    sent = await headers(auth, company, "forgetful")

    one = await http.post(f"{THINGS}/forgetful", headers=sent)
    two = await http.post(f"{THINGS}/forgetful", headers=sent)

    assert (one.status_code, two.status_code) == (201, 201)
    assert "idempotent-replayed" not in two.headers
    assert await keys(things_app) == []


async def test_expired_keys_are_swept_and_an_expired_key_starts_again(
    things_app: FastAPI, http: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    sent = await headers(auth, company, "old")
    await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)
    await http.post(THINGS, json={"name": "Ruuvi"}, headers=await headers(auth, company, "new"))
    sessions: async_sessionmaker[AsyncSession] = things_app.state.session_factory
    async with sessions() as session, session.begin():
        await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(expires_at=func.now() - text("interval '1 second'"))
        )

    # Before the sweep: the expired key is a new request (no replay).
    again = await http.post(THINGS, json={"name": "Ruuvi"}, headers=sent)
    assert "idempotent-replayed" not in again.headers
    async with sessions() as session, session.begin():
        await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
        await session.execute(
            update(IdempotencyKey).values(expires_at=func.now() - text("interval '1 second'"))
        )
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "new")
            .values(expires_at=func.now() + text("interval '1 hour'"))
        )

    # The sweeper runs with no company active (as jobs do).
    async with sessions() as session, session.begin():
        assert await idempotency.sweep(session) == 1

    assert [row[2] for row in await keys(things_app)] == ["new"]


def test_the_header_is_documented_on_the_post(things_app: FastAPI) -> None:
    operation = things_app.openapi()["paths"][THINGS]["post"]
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key"
    assert header["required"] is False


def test_request_hash_covers_method_path_and_body() -> None:
    base = idempotency.request_hash("POST", "/a", b"{}")
    assert base == idempotency.request_hash("post", "/a", b"{}")
    assert base != idempotency.request_hash("POST", "/b", b"{}")
    assert base != idempotency.request_hash("POST", "/a", b"{ }")
    assert base != idempotency.request_hash("PUT", "/a", b"{}")


def test_the_replay_handler_is_installed_on_the_app() -> None:
    app = create_app(Settings.model_construct())
    assert idempotency.IdempotentReplay in app.exception_handlers
