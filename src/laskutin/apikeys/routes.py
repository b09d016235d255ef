"""Routes of API keys (``/api/v1/api-keys``; owners and admins of a pro-plan company)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from laskutin.api.authz import Member, require
from laskutin.api.deps import TenantSession
from laskutin.api.etag import etag_of, read_response
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam
from laskutin.api.problem import problem_response as _problem
from laskutin.apikeys import service
from laskutin.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyRead
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor

Responses = dict[int | str, dict[str, Any]]
_ETAG = {"ETag": {"description": "Strong entity tag", "schema": {"type": "string"}}}
_401: Responses = {401: _problem("No valid access token, or no longer a member")}
_403: Responses = {
    403: _problem(
        "Only owners and admins manage keys, and only on the pro plan (pro-plan-required)"
    )
}
_404: Responses = {404: _problem("No such key in the active company")}

api_keys_router = APIRouter(prefix="/api-keys", tags=["api-keys"])
SettingsManager = Annotated[Actor, Depends(require(Permission.MANAGE_SETTINGS))]


@api_keys_router.post(
    "",
    status_code=201,
    operation_id="api-keys-create",
    summary="Make an API key (owner, admin; pro plan); the key is shown once",
    response_model=ApiKeyCreated,
    responses={201: {"headers": _ETAG}, **_401, **_403, 422: _problem("A value was refused")},
)
async def create_key(
    body: ApiKeyCreate, actor: SettingsManager, session: TenantSession
) -> Response:
    """Send the key as `Authorization: Bearer <key>`. Requests with it act as you, within its
    scopes (read: read and export; write: also business data; never settings, members, keys
    or /me), and stop working if you leave the company. Each key may make
    600 requests a minute (429 with Retry-After beyond it).

    No Idempotency-Key here: the answer holds the secret, which is never stored. A retry
    after a lost answer makes a second key; revoke the one you did not get."""
    created = await service.create(session, actor=actor, name=body.name, scopes=body.scopes)
    # The ETag is the key's as GET shows it (without the secret).
    tag = etag_of(ApiKeyRead(**created.model_dump(exclude={"key"})))
    return JSONResponse(
        created.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/api/v1/api-keys/{created.id}", "ETag": tag},
    )


@api_keys_router.get(
    "",
    operation_id="api-keys-list",
    summary="The active company's API keys, newest first (owner, admin)",
    responses={**_401, **_403, 422: _problem("A bad cursor")},
)
async def list_keys(
    actor: SettingsManager,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> ApiKeyPage:
    page = await service.list_keys(session, actor=actor, limit=limit, cursor=cursor)
    return ApiKeyPage(items=page.items, next_cursor=page.next_cursor)


@api_keys_router.get(
    "/{key_id}",
    operation_id="api-keys-get",
    summary="One API key, without the secret (owner, admin)",
    response_model=ApiKeyRead,
    responses={200: {"headers": _ETAG}, **_401, **_403, **_404},
)
async def get_key(
    key_id: uuid.UUID, actor: Member, session: TenantSession, request: Request
) -> Response:
    return read_response(await service.get(session, actor=actor, key_id=key_id), request)


@api_keys_router.delete(
    "/{key_id}",
    status_code=204,
    operation_id="api-keys-revoke",
    summary="Revoke an API key: it stops working at once (owner, admin)",
    responses={**_401, **_403, **_404, 409: _problem("Revoked already (api-key-revoked)")},
)
async def revoke_key(key_id: uuid.UUID, actor: Member, session: TenantSession) -> Response:
    await service.revoke(session, actor=actor, key_id=key_id)
    return Response(status_code=204)
