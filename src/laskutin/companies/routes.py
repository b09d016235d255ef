"""Routes of the active company (its settings, logo and audit trail) and its members
(``company_router`` and ``members_router``, included under /api/v1 by api/router.py).

Authorisation is a dependency: :data:`ActorDep` reads the acting member's current role, and
:data:`ManagedMember` looks the path's member up in the active company (404 for anyone else,
whatever the caller's role) before checking that the caller may change them (403).
Adding members comes with invitations (issue 8).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from laskutin.api.authz import Reader, SettingsManager
from laskutin.api.deps import TenantSession, request_claims
from laskutin.api.etag import IfMatch, parse_etags, read_response
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.api.problem import render
from laskutin.audit.schemas import AuditEventRead
from laskutin.companies import logo, service
from laskutin.companies.schemas import (
    CompanyRead,
    CompanyUpdate,
    LogoSummary,
    MemberPage,
    MemberRead,
    MemberUpdate,
)
from laskutin.companies.service import Actor
from laskutin.core.errors import Problem, RuleViolation
from laskutin.core.i18n import negotiate_language


async def _actor(request: Request, session: TenantSession) -> Actor:
    return await service.acting_member(session, claims=request_claims(request))


ActorDep = Annotated[Actor, Depends(_actor)]


async def _managed_member(
    user_id: uuid.UUID, actor: ActorDep, session: TenantSession
) -> MemberRead:
    member = await service.get_member(session, actor=actor, user_id=user_id)
    service.authorise_member_change(actor, member)
    return member


ManagedMember = Annotated[MemberRead, Depends(_managed_member)]


Responses = dict[int | str, dict[str, Any]]
_UNAUTHENTICATED: Responses = {401: _problem("No valid access token, or no longer a member")}
_FORBIDDEN: Responses = {403: _problem("Your role may not do this")}
_NOT_FOUND: Responses = {404: _problem("No such member in the active company")}

company_router = APIRouter(prefix="/company", tags=["company"])
members_router = APIRouter(prefix="/members", tags=["members"])


_PRECONDITION: Responses = {
    412: _problem("If-Match names an older version: read the resource again and retry")
}
_INVALID: Responses = {422: _problem("A value was refused; the field is named")}
_NOT_MODIFIED: Responses = {304: {"description": "Not modified: If-None-Match names the ETag"}}
_ETAG_HEADER = {"ETag": {"description": "Strong entity tag", "schema": {"type": "string"}}}
_NO_LOGO: Responses = {404: _problem("The company has no logo")}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_LOGO_CONTENT = {media: _BINARY for media in logo.LOGO_TYPES}
LOGO_CACHE_CONTROL = "private, no-cache"


@company_router.get(
    "",
    operation_id="company-get",
    summary="The active company and its invoicing settings (every role)",
    response_model=CompanyRead,
    responses={
        200: {"description": "The company", "headers": _ETAG_HEADER},
        **_NOT_MODIFIED,
        **_UNAUTHENTICATED,
    },
)
async def get_company(actor: Reader, session: TenantSession, request: Request) -> Response:
    """With a strong ``ETag``; ``If-None-Match`` naming it answers 304. ``missing_for_issuing``
    lists what the company still needs before it can issue invoices."""
    return read_response(await service.get_company(session, actor=actor), request)


@company_router.patch(
    "",
    operation_id="company-update",
    summary="Change the active company's settings (owner, admin; the plan: owner)",
    response_model=CompanyRead,
    responses={
        200: {"description": "The changed company", "headers": _ETAG_HEADER},
        **_UNAUTHENTICATED,
        **_FORBIDDEN,
        **_PRECONDITION,
        **_INVALID,
    },
)
async def update_company(
    body: CompanyUpdate,
    actor: SettingsManager,
    session: TenantSession,
    request: Request,
    if_match: IfMatch,
) -> Response:
    """Send only the fields to change; all change or none. The Y-tunnus is checked and stored
    as ``NNNNNNN-C``; a VAT number must be ``FI`` + the digits of the Y-tunnus.
    ``bank_accounts`` replaces the whole list (IBANs checked, stored without spaces; a
    missing BIC is derived from a Finnish IBAN). ``next_invoice_number`` may not reach back
    to numbers already issued with the prefix. A bad value answers 422 naming the field (e.g.
    ``bank_accounts.0.iban``); a stale ``If-Match`` 412."""
    changes = body.model_dump(exclude_unset=True)
    company = await service.update_company(session, actor=actor, changes=changes, if_match=if_match)
    return read_response(company, request)


@company_router.get(
    "/audit",
    operation_id="company-audit",
    summary="Changes of the company's settings, newest first (every role)",
    responses=_UNAUTHENTICATED,
)
async def company_audit(
    actor: Reader,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[AuditEventRead]:
    """Actions: ``updated`` (``changes``: each changed field as ``[old, new]``),
    ``logo_updated`` and ``logo_removed``."""
    return await service.company_audit(session, actor=actor, limit=limit, cursor=cursor)


@company_router.get(
    "/logo",
    operation_id="company-logo-get",
    summary="The company's logo image (every role)",
    response_class=Response,
    responses={
        200: {
            "description": "The image, as uploaded",
            "content": _LOGO_CONTENT,
            "headers": {
                **_ETAG_HEADER,
                "Cache-Control": {"description": "private", "schema": {"type": "string"}},
            },
        },
        **_NOT_MODIFIED,
        **_UNAUTHENTICATED,
        **_NO_LOGO,
    },
)
async def get_logo(actor: Reader, session: TenantSession, request: Request) -> Response:
    """The bytes with their content type, a strong ``ETag`` (the quoted SHA-256) and
    ``Cache-Control: private, no-cache``: a browser keeps it and revalidates with
    ``If-None-Match`` (304)."""
    image = await service.get_logo(session, actor=actor)
    headers = {"ETag": image.etag, "Cache-Control": LOGO_CACHE_CONTROL}
    if _if_none_match_hits(request.headers.get("if-none-match"), image.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=image.data, media_type=image.content_type, headers=headers)


def _if_none_match_hits(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(tag == etag for _, tag in parse_etags(header) or [])


def _logoproblem_response(request: Request, exc: RuleViolation, status: int) -> Response:
    language = negotiate_language(request.headers.get("accept-language"))
    title_key = "request-too-large" if status == 413 else "http-error"
    problem = Problem(status, exc.code, title_key, exc.code, params={"status": status})
    return render(request, problem, language=language, detail=exc.message(language))


async def _read_limited(request: Request) -> bytes:
    """The body, refused (LogoTooLarge) as soon as it passes the limit: never read whole."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        logo.check_size(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        logo.check_size(size)
        chunks.append(chunk)
    return b"".join(chunks)


@company_router.put(
    "/logo",
    operation_id="company-logo-put",
    summary="Upload or replace the logo: PNG or JPEG, at most 512 KiB (owner, admin)",
    response_model=LogoSummary,
    responses={
        **_UNAUTHENTICATED,
        **_FORBIDDEN,
        **_PRECONDITION,
        413: _problem("The file is over 512 KiB"),
        415: _problem("Not image/png or image/jpeg"),
        422: _problem("Not a readable image of the declared type, or over 8000 pixels a side"),
    },
    openapi_extra={"requestBody": {"required": True, "content": _LOGO_CONTENT}},
)
async def put_logo(
    actor: SettingsManager, session: TenantSession, request: Request, if_match: IfMatch
) -> Any:
    """The raw image is the body, with ``Content-Type: image/png`` or ``image/jpeg``. The
    bytes must be that format (magic bytes) with a readable size (PNG IHDR, JPEG SOF). Kept
    in the database; ``If-Match`` (the logo's ETag) is optional."""
    try:
        logo.check_type(request.headers.get("content-type"))
        data = await _read_limited(request)
    except logo.LogoUnsupportedType as exc:
        return _logoproblem_response(request, exc, 415)
    except logo.LogoTooLarge as exc:
        return _logoproblem_response(request, exc, 413)
    return await service.put_logo(
        session,
        actor=actor,
        content_type=request.headers.get("content-type"),
        data=data,
        if_match=if_match,
    )


@company_router.delete(
    "/logo",
    operation_id="company-logo-delete",
    status_code=204,
    summary="Remove the logo (owner, admin)",
    responses={**_UNAUTHENTICATED, **_FORBIDDEN, **_NO_LOGO, **_PRECONDITION},
)
async def delete_logo(
    actor: SettingsManager, session: TenantSession, if_match: IfMatch
) -> Response:
    await service.delete_logo(session, actor=actor, if_match=if_match)
    return Response(status_code=204)


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
    response_model=MemberRead,
    responses={
        200: {"headers": _ETAG_HEADER},
        **_NOT_MODIFIED,
        **_UNAUTHENTICATED,
        **_NOT_FOUND,
    },
)
async def get_member(
    user_id: uuid.UUID, actor: ActorDep, session: TenantSession, request: Request
) -> Response:
    return read_response(await service.get_member(session, actor=actor, user_id=user_id), request)


@members_router.patch(
    "/{user_id}",
    operation_id="members-update",
    summary="Change a member's role (owner, admin; owners only by an owner)",
    response_model=MemberRead,
    responses={
        200: {"headers": _ETAG_HEADER},
        **_UNAUTHENTICATED,
        **_FORBIDDEN,
        **_NOT_FOUND,
        **_PRECONDITION,
    },
)
async def change_role(
    body: MemberUpdate,
    member: ManagedMember,
    actor: ActorDep,
    session: TenantSession,
    request: Request,
    if_match: IfMatch,
) -> Response:
    """Only an owner makes someone an owner or changes an owner's role. The company keeps at
    least one owner: the last one cannot step down (422, ``/problems/last-owner``). The new
    role applies to the member's next request."""
    changed = await service.change_role(
        session, actor=actor, user_id=member.user_id, role=body.role, if_match=if_match
    )
    return read_response(changed, request)


@members_router.delete(
    "/{user_id}",
    operation_id="members-remove",
    status_code=204,
    summary="Remove a member (owner, admin), or leave the company yourself",
    responses={**_UNAUTHENTICATED, **_FORBIDDEN, **_NOT_FOUND, **_PRECONDITION},
)
async def remove_member(
    member: ManagedMember, actor: ActorDep, session: TenantSession, if_match: IfMatch
) -> Response:
    """Never the last owner (422, ``/problems/last-owner``). Takes effect at once: the member's
    sessions in this company end (refresh answers 401), the company leaves their
    /api/v1/me, and their next request to it answers 401. An access token already issued is
    refused wherever the membership is read, and expires within 15 minutes anyway."""
    await service.remove_member(session, actor=actor, user_id=member.user_id, if_match=if_match)
    return Response(status_code=204)
