"""Routes of invitations: the active company's (``invitations_router``, owners and admins) and
the invited person's (``accept_router``: no company, the link's token in the body so that it
stays out of URLs and logs). Included under /api/v1 by api/router.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from laskutin.api.authz import Member, require
from laskutin.api.deps import KeyRingDep, SessionDep, SettingsDep, TenantSession
from laskutin.api.etag import IfMatch, etag_of, read_response
from laskutin.api.idempotency import IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam
from laskutin.api.problem import problem_response as _problem
from laskutin.auth.schemas import TokenResponse
from laskutin.auth.tokens import AccessClaims, issue_token_pair, verify_access_token
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor
from laskutin.core.errors import Unauthenticated
from laskutin.core.i18n import negotiate_language
from laskutin.invitations import service
from laskutin.invitations.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationPage,
    InvitationPreview,
    InvitationRead,
    InvitationState,
    InvitationToken,
)

Responses = dict[int | str, dict[str, Any]]
_ETAG = {"ETag": {"description": "Strong entity tag", "schema": {"type": "string"}}}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
_401: Responses = {401: _problem("No valid access token, or no longer a member")}
_403: Responses = {403: _problem("Only owners and admins manage invitations; owners invite owners")}
_404: Responses = {404: _problem("No such invitation in the active company")}
_409: Responses = {409: _problem("The invitation was accepted or revoked already")}
_412: Responses = {412: _problem("If-Match names an older version: read it again and retry")}
_422: Responses = {422: _problem("A value was refused; the field is named")}
_429: Responses = {429: _problem("Too many invitation mails today", _RETRY_AFTER)}
_LINK: Responses = {
    400: _problem(
        "The link is unknown (invitation-invalid), expired (invitation-expired), accepted "
        "already (invitation-used) or revoked (invitation-revoked)"
    )
}

invitations_router = APIRouter(prefix="/invitations", tags=["invitations"])
accept_router = APIRouter(prefix="/auth/invitations", tags=["auth"])

MemberManager = Annotated[Actor, Depends(require(Permission.MANAGE_MEMBERS))]


@invitations_router.post(
    "",
    status_code=201,
    operation_id="invitations-create",
    summary="Invite someone by e-mail in a role (owner, admin)",
    response_model=InvitationRead,
    responses={
        201: {"description": "Invited; the mail is on its way", "headers": _ETAG},
        **_401,
        **_403,
        **_422,
        **_429,
    },
)
async def create_invitation(
    body: InvitationCreate,
    actor: MemberManager,
    session: TenantSession,
    idem: IdempotencyDep,
    request: Request,
) -> Response:
    """The mail carries a link that works once, for 7 days. An open invitation of the same
    address is replaced (the old link stops working). A member's address is refused (422,
    field ``email``); only an owner invites an owner (403). At most 50 invitation mails per
    company per day (429 with Retry-After)."""
    language = body.language or negotiate_language(request.headers.get("accept-language"))
    read = await service.invite(
        session, actor=actor, email=body.email, role=body.role, language=language
    )
    return await idem.respond(
        201, read, headers={"Location": f"/api/v1/invitations/{read.id}", "ETag": etag_of(read)}
    )


@invitations_router.get(
    "",
    operation_id="invitations-list",
    summary="The active company's invitations, newest first (owner, admin)",
    responses={**_401, **_403, **_422},
)
async def list_invitations(
    actor: MemberManager,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    state: Annotated[InvitationState | None, Query()] = None,
) -> InvitationPage:
    page = await service.list_invitations(
        session, actor=actor, limit=limit, cursor=cursor, state=state
    )
    return InvitationPage(items=page.items, next_cursor=page.next_cursor)


@invitations_router.get(
    "/{invitation_id}",
    operation_id="invitations-get",
    summary="One invitation (owner, admin)",
    response_model=InvitationRead,
    responses={200: {"headers": _ETAG}, **_401, **_403, **_404},
)
async def get_invitation(
    invitation_id: uuid.UUID, actor: Member, session: TenantSession, request: Request
) -> Response:
    read = await service.get_invitation(session, actor=actor, invitation_id=invitation_id)
    return read_response(read, request)


@invitations_router.delete(
    "/{invitation_id}",
    status_code=204,
    operation_id="invitations-revoke",
    summary="Revoke an invitation: its link stops working (owner, admin)",
    responses={**_401, **_403, **_404, **_409, **_412},
)
async def revoke_invitation(
    invitation_id: uuid.UUID, actor: Member, session: TenantSession, if_match: IfMatch
) -> Response:
    await service.revoke(session, actor=actor, invitation_id=invitation_id, if_match=if_match)
    return Response(status_code=204)


@invitations_router.post(
    "/{invitation_id}/resend",
    operation_id="invitations-resend",
    summary="Send the invitation again with a new link, valid for 7 days (owner, admin)",
    response_model=InvitationRead,
    responses={200: {"headers": _ETAG}, **_401, **_403, **_404, **_409, **_412, **_429},
)
async def resend_invitation(
    invitation_id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
    if_match: IfMatch,
) -> Response:
    read = await service.resend(
        session, actor=actor, invitation_id=invitation_id, if_match=if_match
    )
    return await idem.respond(200, read, headers={"ETag": etag_of(read)})


# --- the invited person ------------------------------------------------------------------------

_optional_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="Optional: signed in, the invitation joins this account.",
)


async def _optional_user(
    request: Request,
    settings: SettingsDep,
    keyring: KeyRingDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
) -> AccessClaims | None:
    if credentials is None:
        return None
    if not credentials.credentials:
        raise Unauthenticated()
    return await verify_access_token(keyring, credentials.credentials, issuer=settings.jwt_issuer)


@accept_router.post(
    "/lookup",
    operation_id="invitations-lookup",
    summary="What an invitation link invites to (no sign-in needed)",
    responses=_LINK,
)
async def lookup_invitation(body: InvitationToken, session: SessionDep) -> InvitationPreview:
    return await service.preview(session, token=body.token)


@accept_router.post(
    "/accept",
    operation_id="invitations-accept",
    summary="Accept an invitation: join the company, signing up if needed; a token pair",
    responses={
        **_LINK,
        401: _problem("The access token sent is not valid"),
        403: _problem("Signed in with another address than the invited one"),
        409: _problem("The address has an account: sign in first, then accept"),
        **_422,
    },
)
async def accept_invitation(
    body: InvitationAccept,
    session: SessionDep,
    settings: SettingsDep,
    keyring: KeyRingDep,
    claims: Annotated[AccessClaims | None, Depends(_optional_user)],
) -> TokenResponse:
    """Signed in (with the invited address): the company joins the account. Not signed in:
    ``name`` and ``password`` make the account (its address counts as verified: the link
    reached it). Either way the answer is a token pair for the invited company. The link
    works once."""
    accepted = await service.accept(
        session,
        token=body.token,
        signed_in_user=None if claims is None else claims.user_id,
        name=body.name,
        password=body.password,
    )
    pair = await issue_token_pair(
        session,
        keyring,
        issuer=settings.jwt_issuer,
        user_id=accepted.user_id,
        company_id=accepted.company_id,
    )
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )
