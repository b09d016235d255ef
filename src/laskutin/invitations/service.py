"""Invitations: an owner or admin invites someone by e-mail in a role; following the link signs
the person up or adds the company to their account (issue 8).

The link's token is made by the mail job (laskutin.invitations.tasks) and only its SHA-256 is
kept, like the account mails' links. An invitation works once, for
:data:`INVITATION_LIFETIME`, and can be revoked while it is open; sending it again makes a new
link (the old one stops working) and starts its lifetime again. Inviting an address that has an
open invitation replaces that one. Everything is on the company's audit trail.

Accepting (:func:`accept`) runs with no company active: the invitation is found by its token's
hash alone (the ``invitations_by_token`` row-level policy), then its company becomes the active
one for the writes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Final, cast

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.etag import check_if_match, etag_of
from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.auth.models import User
from laskutin.auth.passwords import (
    check_password,
    email_lookup_key,
    hash_password,
    normalise_email,
)
from laskutin.companies import domain
from laskutin.companies.domain import Permission, Role
from laskutin.companies.models import Company, Membership
from laskutin.companies.service import COMPANY_RESOURCE, Actor, require
from laskutin.core import clock
from laskutin.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    TooManyRequests,
)
from laskutin.core.hashing import token_digest
from laskutin.core.i18n import Language
from laskutin.core.ratelimit import RateLimit
from laskutin.core.tenancy import act_as
from laskutin.invitations.models import Invitation
from laskutin.invitations.schemas import InvitationPreview, InvitationRead, InvitationState
from laskutin.jobs.queue import enqueue

INVITATION_LIFETIME: Final = dt.timedelta(days=7)
SEND_INVITATION: Final = "invitations.send"
TOKEN_SETTING: Final = "laskutin.invitation_token"  # noqa: S105 - a setting's name
# Invitation mails a company may cause per day (new ones and re-sends): enough for onboarding
# an accounting firm's staff, too few for using the service to send mail to strangers.
MAILS_PER_COMPANY: Final = RateLimit("invitation-mails", 50, dt.timedelta(days=1))

SORT = Sort("created", ((Invitation.created_at, "desc"), (Invitation.id, "desc")))


# --- errors ----------------------------------------------------------------------------------


class InvitationInvalid(DomainError):
    """An unknown invitation link (400)."""

    code = "invitation-invalid"


class InvitationExpired(InvitationInvalid):
    code = "invitation-expired"


class InvitationUsed(InvitationInvalid):
    """The invitation was accepted already: each works once."""

    code = "invitation-used"


class InvitationRevoked(InvitationInvalid):
    code = "invitation-revoked"


class InvitationClosed(Conflict):
    """Revoking or re-sending an invitation that was accepted or revoked already (409)."""

    code = "invitation-closed"


class AlreadyMember(RuleViolation):
    code = "invitation-already-member"
    messages = {
        "fi": "Osoitteella {value} on jo pääsy tähän yritykseen.",
        "sv": "Adressen {value} har redan tillgång till det här företaget.",
        "en": "{value} is already a member of this company.",
    }

    def __init__(self, value: str) -> None:
        super().__init__(field="email", value=value)


class InvitationForAnotherAddress(PermissionDenied):
    """Signed in as someone else than the invitation's address (403)."""

    code = "invitation-other-address"


class SignInToAccept(Conflict):
    """The address has an account: sign in with it, then accept (409)."""

    code = "invitation-sign-in"


class RequiredToSignUp(RuleViolation):
    """Accepting without an account: a name and a password make one (422 naming the field)."""

    code = "invitation-signup-field-required"
    messages = {
        "fi": "Kenttä {field} tarvitaan tilin luomiseen.",
        "sv": "Fältet {field} behövs för att skapa kontot.",
        "en": "{field} is needed to create your account.",
    }


class TooManyInvitations(TooManyRequests):
    code = "too-many-invitations"


# --- reading -----------------------------------------------------------------------------------


def state_of(row: Invitation, now: dt.datetime) -> InvitationState:
    if row.accepted_at is not None:
        return "accepted"
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= now:
        return "expired"
    return "pending"


def _read(row: Invitation, inviter: str | None) -> InvitationRead:
    return InvitationRead(
        id=row.id,
        email=row.email,
        role=row.role,
        state=state_of(row, clock.now()),
        language=row.language,
        invited_by_name=inviter,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        sent_at=row.sent_at,
        accepted_at=row.accepted_at,
        revoked_at=row.revoked_at,
    )


async def _find(
    session: AsyncSession, actor: Actor, invitation_id: uuid.UUID, *, lock: bool = False
) -> tuple[Invitation, str | None]:
    statement = (
        select(Invitation, User.name)
        .outerjoin(User, User.id == Invitation.invited_by)
        .where(Invitation.company_id == actor.company_id, Invitation.id == invitation_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update(of=Invitation)
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        raise NotFound()
    return row[0], row[1]


async def get_invitation(
    session: AsyncSession, *, actor: Actor, invitation_id: uuid.UUID
) -> InvitationRead:
    row, inviter = await _find(session, actor, invitation_id)  # 404 before 403
    require(actor, Permission.MANAGE_MEMBERS)
    return _read(row, inviter)


async def list_invitations(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    state: InvitationState | None = None,
) -> Page[InvitationRead]:
    """Newest first; ``state`` filters (pending, accepted, revoked, expired)."""
    require(actor, Permission.MANAGE_MEMBERS)
    statement = cast(
        "Select[Any]",
        select(Invitation, User.name)
        .outerjoin(User, User.id == Invitation.invited_by)
        .where(Invitation.company_id == actor.company_id),
    )
    now = clock.now()
    if state == "accepted":
        statement = statement.where(Invitation.accepted_at.is_not(None))
    elif state == "revoked":
        statement = statement.where(Invitation.revoked_at.is_not(None))
    elif state is not None:
        statement = statement.where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at <= now if state == "expired" else Invitation.expires_at > now,
        )
    return await paginate(
        session, statement, sort=SORT, limit=limit, cursor=cursor, item=lambda r: _read(r[0], r[1])
    )


# --- inviting ----------------------------------------------------------------------------------


async def _take_mail(session: AsyncSession, actor: Actor) -> None:
    decision = await MAILS_PER_COMPANY.take(session, str(actor.company_id))
    if not decision.allowed:
        raise TooManyInvitations(retry_after_seconds=decision.retry_after_seconds)


async def _queue_mail(session: AsyncSession, row: Invitation) -> None:
    await enqueue(
        session, SEND_INVITATION, company_id=str(row.company_id), invitation_id=str(row.id)
    )


async def invite(
    session: AsyncSession, *, actor: Actor, email: str, role: Role, language: Language
) -> InvitationRead:
    """Invite ``email`` in ``role`` and queue the mail; an open invitation of the same address
    is replaced (revoked). Refuses a member's address (422) and a role the actor may not give
    (403: only an owner invites owners)."""
    require(actor, Permission.MANAGE_MEMBERS)
    address = normalise_email(email)
    if not domain.can_assign(actor.role, role):
        raise PermissionDenied()
    member = await session.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.company_id == actor.company_id,
            func.lower(User.email) == email_lookup_key(address),
        )
    )
    if member is not None:
        raise AlreadyMember(address)
    await _take_mail(session, actor)
    now = clock.now()
    replaced = await session.scalars(
        update(Invitation)
        .where(
            Invitation.company_id == actor.company_id,
            func.lower(Invitation.email) == email_lookup_key(address),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now, updated_at=now)
        .returning(Invitation.id)
    )
    for old in replaced.all():
        await _audit(session, actor, "invitation_revoked", old, address, replaced_by_new=True)
    row = Invitation(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        email=address,
        role=role,
        language=language,
        invited_by=actor.user_id,
        created_at=now,
        updated_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(row)
    await session.flush()
    await _queue_mail(session, row)
    await _audit(session, actor, "member_invited", row.id, address, role=role.value)
    return await get_invitation(session, actor=actor, invitation_id=row.id)


async def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    invitation_id: uuid.UUID,
    email: str,
    **more: object,
) -> None:
    await audit.record(
        session,
        resource_type=COMPANY_RESOURCE,
        resource_id=actor.company_id,
        action=action,
        actor=actor,
        changes={"invitation_id": str(invitation_id), "email": email, **more},
    )


async def _open(
    session: AsyncSession, actor: Actor, invitation_id: uuid.UUID, if_match: str | None
) -> Invitation:
    row, inviter = await _find(session, actor, invitation_id, lock=True)  # 404 before 403
    require(actor, Permission.MANAGE_MEMBERS)
    check_if_match(if_match, etag_of(_read(row, inviter)))
    if row.accepted_at is not None or row.revoked_at is not None:
        raise InvitationClosed()
    if not domain.can_assign(actor.role, row.role):
        raise PermissionDenied()
    return row


async def revoke(
    session: AsyncSession, *, actor: Actor, invitation_id: uuid.UUID, if_match: str | None
) -> None:
    """The link stops working at once (an expired invitation can be revoked too)."""
    row = await _open(session, actor, invitation_id, if_match)
    row.revoked_at = row.updated_at = clock.now()
    await session.flush()
    await _audit(session, actor, "invitation_revoked", row.id, row.email)


async def resend(
    session: AsyncSession, *, actor: Actor, invitation_id: uuid.UUID, if_match: str | None
) -> InvitationRead:
    """A new link by mail (the old one stops working) valid for a new lifetime."""
    row = await _open(session, actor, invitation_id, if_match)
    await _take_mail(session, actor)
    now = clock.now()
    row.token_hash = None
    row.sent_at = None
    row.expires_at = now + INVITATION_LIFETIME
    row.updated_at = now
    await session.flush()
    await _queue_mail(session, row)
    await _audit(session, actor, "invitation_resent", row.id, row.email)
    return await get_invitation(session, actor=actor, invitation_id=row.id)


# --- following the link ------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """Hex SHA-256: the token has 256 random bits, so no salt or stretching is needed."""
    return token_digest(token)


async def _by_token(session: AsyncSession, token: str) -> Invitation:
    """The token's invitation (no company active), or :class:`InvitationInvalid`."""
    await session.execute(
        text("SELECT set_config(:name, :value, true)"),
        {"name": TOKEN_SETTING, "value": hash_token(token)},
    )
    row = await session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == hash_token(token))
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise InvitationInvalid()
    return row


def _check_open(row: Invitation) -> None:
    if row.accepted_at is not None:
        raise InvitationUsed()
    if row.revoked_at is not None:
        raise InvitationRevoked()
    if row.expires_at <= clock.now():
        raise InvitationExpired()


async def preview(session: AsyncSession, *, token: str) -> InvitationPreview:
    """What the link invites to, for the page that accepts it."""
    await act_as(session, company_id=None, user_id=None)
    row = await _by_token(session, token)
    _check_open(row)
    await act_as(session, company_id=row.company_id, user_id=None)
    company = await session.get_one(Company, row.company_id)
    inviter = None if row.invited_by is None else await session.get(User, row.invited_by)
    exists = await session.scalar(
        select(User.id).where(func.lower(User.email) == email_lookup_key(row.email))
    )
    return InvitationPreview(
        company_name=company.name,
        email=row.email,
        role=row.role,
        invited_by_name=None if inviter is None else inviter.name,
        expires_at=row.expires_at,
        account_exists=exists is not None,
    )


@dataclass(frozen=True)
class Accepted:
    user_id: uuid.UUID
    company_id: uuid.UUID


async def accept(
    session: AsyncSession,
    *,
    token: str,
    signed_in_user: uuid.UUID | None,
    name: str | None,
    password: str | None,
) -> Accepted:
    """Join the invitation's company in its role, once.

    Signed in: the account's address must be the invited one (403 otherwise). Not signed in:
    an address with an account must sign in first (409); otherwise ``name`` and ``password``
    make the account, its address verified by the link. Bad input changes nothing."""
    await act_as(session, company_id=None, user_id=signed_in_user)
    row = await _by_token(session, token)
    _check_open(row)
    company_id = row.company_id
    if signed_in_user is not None:
        user = await session.get_one(User, signed_in_user)
        if email_lookup_key(user.email) != email_lookup_key(row.email):
            raise InvitationForAnotherAddress()
        user_id = user.id
    else:
        existing = await session.scalar(
            select(User.id).where(func.lower(User.email) == email_lookup_key(row.email))
        )
        if existing is not None:
            raise SignInToAccept()
        user_id = await _new_user(session, email=row.email, name=name, password=password)
    await act_as(session, company_id=company_id, user_id=user_id)
    # Lock the row now that the company is active (the token policy only lets it be read), so
    # two tabs accepting at once cannot both pass.
    locked = await session.scalar(
        select(Invitation)
        .where(Invitation.id == row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    _check_open(locked)
    now = clock.now()
    locked.accepted_at = locked.updated_at = now
    locked.accepted_by = user_id
    already = await session.scalar(
        select(Membership.role).where(
            Membership.company_id == company_id, Membership.user_id == user_id
        )
    )
    if already is None:
        session.add(Membership(company_id=company_id, user_id=user_id, role=locked.role))
    user_row = await session.get_one(User, user_id)
    user_row.last_company_id = company_id
    await session.flush()
    acting = Actor(user_id=user_id, company_id=company_id, role=already or locked.role)
    await _audit(session, acting, "member_joined", locked.id, locked.email, role=locked.role.value)
    return Accepted(user_id=user_id, company_id=company_id)


async def _new_user(
    session: AsyncSession, *, email: str, name: str | None, password: str | None
) -> uuid.UUID:
    for field, value in (("name", name), ("password", password)):
        if not (value or "").strip():
            raise RequiredToSignUp(field=field)
    assert name is not None
    assert password is not None
    check_password(password, email=email, name=name)
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    password_hash = await asyncio.to_thread(hash_password, password)
    now = clock.now()
    user = User(
        id=uuid.uuid4(),
        email=email,
        name=name.strip(),
        password_hash=password_hash,
        email_verified_at=now,  # the link reached this address
    )
    session.add(user)
    await session.flush()
    return user.id
