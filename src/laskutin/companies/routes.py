"""Routes of the active company and its members (``company_router`` and ``members_router``,
included under /api/v1 by api/router.py).

Authorisation is a dependency: :data:`ActorDep` reads the acting member's current role, and
:data:`ManagedMember` looks the path's member up in the active company (404 for anyone else,
whatever the caller's role) before checking that the caller may change them (403).
Adding members comes with invitations (issue 8).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from laskutin.api.deps import CurrentUser, TenantSession
from laskutin.api.problem import PROBLEM_JSON
from laskutin.companies import service
from laskutin.companies.schemas import (
    CompanyRead,
    CompanyUpdate,
    MemberPage,
    MemberRead,
    MemberUpdate,
)
from laskutin.companies.service import Actor


async def _actor(claims: CurrentUser, session: TenantSession) -> Actor:
    return await service.acting_member(session, claims=claims)


ActorDep = Annotated[Actor, Depends(_actor)]


async def _managed_member(
    user_id: uuid.UUID, actor: ActorDep, session: TenantSession
) -> MemberRead:
    member = await service.get_member(session, actor=actor, user_id=user_id)
    service.authorise_member_change(actor, member)
    return member


ManagedMember = Annotated[MemberRead, Depends(_managed_member)]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


Responses = dict[int | str, dict[str, Any]]
_UNAUTHENTICATED: Responses = {401: _problem("No valid access token, or no longer a member")}
_FORBIDDEN: Responses = {403: _problem("Your role may not do this")}
_NOT_FOUND: Responses = {404: _problem("No such member in the active company")}

company_router = APIRouter(prefix="/company", tags=["company"])
members_router = APIRouter(prefix="/members", tags=["members"])


@company_router.get(
    "",
    operation_id="company-get",
    summary="The active company",
    responses=_UNAUTHENTICATED,
)
async def get_company(actor: ActorDep, session: TenantSession) -> CompanyRead:
    return await service.get_company(session, actor=actor)


@company_router.patch(
    "",
    operation_id="company-update",
    summary="Change the active company's details (owner, admin; the plan: owner)",
    responses={**_UNAUTHENTICATED, **_FORBIDDEN},
)
async def update_company(
    body: CompanyUpdate, actor: ActorDep, session: TenantSession
) -> CompanyRead:
    """Send only the fields to change. The Y-tunnus is checked and stored as ``NNNNNNN-C``; a
    VAT number must be ``FI`` + the digits of the Y-tunnus. A bad value answers 422 naming the
    field."""
    changes = body.model_dump(exclude_unset=True)
    return await service.update_company(session, actor=actor, changes=changes)


@members_router.get(
    "",
    operation_id="members-list",
    summary="The active company's members and their roles",
    responses=_UNAUTHENTICATED,
)
async def list_members(
    actor: ActorDep,
    session: TenantSession,
    limit: Annotated[
        int, Query(ge=1, le=service.MEMBERS_MAX_LIMIT)
    ] = service.MEMBERS_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> MemberPage:
    """Oldest membership first; follow ``next_cursor`` for the next page."""
    return await service.list_members(session, actor=actor, limit=limit, cursor=cursor)


@members_router.get(
    "/{user_id}",
    operation_id="members-get",
    summary="One member of the active company",
    responses={**_UNAUTHENTICATED, **_NOT_FOUND},
)
async def get_member(user_id: uuid.UUID, actor: ActorDep, session: TenantSession) -> MemberRead:
    return await service.get_member(session, actor=actor, user_id=user_id)


@members_router.patch(
    "/{user_id}",
    operation_id="members-update",
    summary="Change a member's role (owner, admin; owners only by an owner)",
    responses={**_UNAUTHENTICATED, **_FORBIDDEN, **_NOT_FOUND},
)
async def change_role(
    body: MemberUpdate, member: ManagedMember, actor: ActorDep, session: TenantSession
) -> MemberRead:
    """Only an owner makes someone an owner or changes an owner's role. The company keeps at
    least one owner: the last one cannot step down (422, ``/problems/last-owner``). The new
    role applies to the member's next request."""
    return await service.change_role(session, actor=actor, user_id=member.user_id, role=body.role)


@members_router.delete(
    "/{user_id}",
    operation_id="members-remove",
    status_code=204,
    summary="Remove a member (owner, admin), or leave the company yourself",
    responses={**_UNAUTHENTICATED, **_FORBIDDEN, **_NOT_FOUND},
)
async def remove_member(member: ManagedMember, actor: ActorDep, session: TenantSession) -> Response:
    """Never the last owner (422, ``/problems/last-owner``). Takes effect at once: the member's
    sessions in this company end (refresh answers 401), the company leaves their
    /api/v1/me, and their next request to it answers 401. An access token already issued is
    refused wherever the membership is read, and expires within 15 minutes anyway."""
    await service.remove_member(session, actor=actor, user_id=member.user_id)
    return Response(status_code=204)
