"""API keys: made by an owner or admin of a pro-plan company, shown once, stored hashed, used
as a bearer token, revocable (issue 8).

A request with a key acts as the member who made it, within the key's scopes: ``read`` gives
what the accountant role may do (read, export), ``write`` what the member role may (also create
and change business data); a key never manages settings, members or keys, and never reaches the
user's own resources (/me). If its maker leaves the company the key stops working (the
membership is read on every request). Each key may make :data:`REQUESTS_PER_MINUTE` requests
per minute, counted in PostgreSQL across replicas; beyond it the answer is 429 with
Retry-After.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Collection
from typing import Any, Final, cast

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.apikeys.models import ApiKey
from laskutin.apikeys.schemas import ApiKeyCreated, ApiKeyRead, Scope
from laskutin.audit import service as audit
from laskutin.auth.models import User
from laskutin.auth.tokens import AccessClaims, InvalidAccessToken
from laskutin.companies import domain
from laskutin.companies.domain import Permission, Plan, Role
from laskutin.companies.models import Company
from laskutin.companies.service import COMPANY_RESOURCE, Actor, require
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.errors import Conflict, NotFound, PermissionDenied, TooManyRequests
from laskutin.core.hashing import token_digest
from laskutin.core.ratelimit import RateLimit
from laskutin.core.tenancy import act_as

KEY_PREFIX: Final = "lsk_"
REQUESTS_PER_MINUTE: Final = 600
PER_KEY: Final = RateLimit("api-key-requests", REQUESTS_PER_MINUTE, dt.timedelta(minutes=1))
KEY_SETTING: Final = "laskutin.api_key"
# last_used_at is written at most this often, so that reads stay reads.
LAST_USED_PRECISION: Final = dt.timedelta(minutes=1)
SORT = Sort("created", ((ApiKey.created_at, "desc"), (ApiKey.id, "desc")))


class ProPlanRequired(PermissionDenied):
    code = "pro-plan-required"


class ApiKeyRevoked(Conflict):
    code = "api-key-revoked"


class TooManyApiKeyRequests(TooManyRequests):
    code = "too-many-api-key-requests"


class NotWithApiKey(PermissionDenied):
    """A user's own resources (/me, switching company, two-factor) take a user's sign-in."""

    code = "not-with-api-key"


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def hash_key(key: str) -> str:
    """Hex SHA-256: a key has 256 random bits, so no salt or stretching is needed."""
    return token_digest(key)


def _read(row: ApiKey, maker: str | None) -> ApiKeyRead:
    return ApiKeyRead(
        id=row.id,
        name=row.name,
        scopes=cast(list[Scope], sorted(row.scopes)),
        prefix=row.prefix,
        state="revoked" if row.revoked_at is not None else "active",
        created_by_name=maker,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _with_maker() -> Select[Any]:
    return cast(
        "Select[Any]",
        select(ApiKey, User.name).outerjoin(User, User.id == ApiKey.created_by),
    )


async def create(
    session: AsyncSession, *, actor: Actor, name: str, scopes: Collection[Scope]
) -> ApiKeyCreated:
    require(actor, Permission.MANAGE_SETTINGS)
    plan = await session.scalar(select(Company.plan).where(Company.id == actor.company_id))
    if plan != Plan.PRO:
        raise ProPlanRequired()
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        name=name,
        scopes=sorted(set(scopes)),
        key_hash=hash_key(key),
        prefix=key[: len(KEY_PREFIX) + 6],
        created_by=actor.user_id,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    await _audit(session, actor, "api_key_created", row, scopes=row.scopes)
    read = await get(session, actor=actor, key_id=row.id)
    return ApiKeyCreated(**read.model_dump(), key=key)


async def _audit(
    session: AsyncSession, actor: Actor, action: str, row: ApiKey, **more: object
) -> None:
    await audit.record(
        session,
        resource_type=COMPANY_RESOURCE,
        resource_id=actor.company_id,
        action=action,
        actor=actor,
        changes={"api_key_id": str(row.id), "name": row.name, **more},
    )


async def _find(
    session: AsyncSession, actor: Actor, key_id: uuid.UUID, *, lock: bool = False
) -> tuple[ApiKey, str | None]:
    statement = _with_maker().where(ApiKey.company_id == actor.company_id, ApiKey.id == key_id)
    if lock:
        statement = statement.with_for_update(of=ApiKey)
    found = (await session.execute(statement.execution_options(populate_existing=True))).first()
    if found is None:
        raise NotFound()
    return found[0], found[1]


async def get(session: AsyncSession, *, actor: Actor, key_id: uuid.UUID) -> ApiKeyRead:
    row, maker = await _find(session, actor, key_id)  # 404 before 403
    require(actor, Permission.MANAGE_SETTINGS)
    return _read(row, maker)


async def list_keys(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> Page[ApiKeyRead]:
    require(actor, Permission.MANAGE_SETTINGS)
    statement = _with_maker().where(ApiKey.company_id == actor.company_id)
    return await paginate(
        session, statement, sort=SORT, limit=limit, cursor=cursor, item=lambda r: _read(*r)
    )


async def revoke(session: AsyncSession, *, actor: Actor, key_id: uuid.UUID) -> None:
    """The key stops working at once (the next request with it answers 401)."""
    row, _ = await _find(session, actor, key_id, lock=True)
    require(actor, Permission.MANAGE_SETTINGS)
    if row.revoked_at is not None:
        raise ApiKeyRevoked()
    row.revoked_at = clock.now()
    await session.flush()
    await _audit(session, actor, "api_key_revoked", row)


# --- using a key -------------------------------------------------------------------------------

_FIND_KEY = text(
    "SELECT id, company_id, created_by, scopes, revoked_at, last_used_at FROM api_keys "
    "WHERE key_hash = :hash"
)
_TOUCH = text("UPDATE api_keys SET last_used_at = :now WHERE id = :id")


async def authenticate(factory: async_sessionmaker[AsyncSession], key: str) -> AccessClaims:
    """The claims a request with ``key`` acts with, in a short transaction of its own that
    counts the request against the key's limit (committed even when the request then fails):
    :class:`InvalidAccessToken` (401) for an unknown or revoked key,
    :class:`TooManyApiKeyRequests` (429) beyond the limit."""
    digest = hash_key(key)
    async with unit_of_work(factory) as session:
        await session.execute(
            text("SELECT set_config(:name, :value, true)"), {"name": KEY_SETTING, "value": digest}
        )
        found = (await session.execute(_FIND_KEY, {"hash": digest})).first()
        if found is None or found.revoked_at is not None:
            raise InvalidAccessToken()
        decision = await PER_KEY.take(session, str(found.id))
        if not decision.allowed:
            raise TooManyApiKeyRequests(retry_after_seconds=decision.retry_after_seconds)
        now = clock.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
            await act_as(session, company_id=found.company_id, user_id=None)
            await session.execute(_TOUCH, {"now": now, "id": found.id})
    scopes = frozenset(found.scopes)
    return AccessClaims(
        user_id=found.created_by,
        company_id=found.company_id,
        role=domain.role_within(Role.MEMBER, scopes),
        issued_at=now,
        expires_at=now,
        jti=f"key:{found.id}",
        kid="api-key",
        api_key_id=found.id,
        scopes=scopes,
    )
