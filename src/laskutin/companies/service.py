"""Use cases of the company (the tenant) and its members.

Keyword-only arguments; nothing here commits. Every query names the active company
(``actor.company_id``) although row-level security confines the session to it too: the
memberships policy also shows the acting user's memberships of OTHER companies, so a query
without the filter would see them.

Authorisation is :mod:`laskutin.companies.domain`'s, on the role read from the database for
this request (:func:`acting_member`), not the role in the access token: a role change or a
removal takes effect on the next request for everything that goes through it. A member's id of
another company is a 404 (:class:`~laskutin.core.errors.NotFound`), looked up before any role
check, so no role learns that the id exists elsewhere.

Changes to members lock the company's memberships (``SELECT ... FOR UPDATE``) first, so two
owners removing each other at the same moment on two replicas cannot leave the company with
none: the second waits and then sees that it would remove the last owner.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.auth.models import RefreshToken, User
from laskutin.auth.tokens import AccessClaims, NotAMember
from laskutin.companies import domain
from laskutin.companies.domain import Permission, Role
from laskutin.companies.models import Company, Membership
from laskutin.companies.schemas import CompanyRead, MemberPage, MemberRead
from laskutin.core import clock
from laskutin.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationFailed,
)
from laskutin.finnish.business_ids import (
    normalise_business_id,
    normalise_finnish_vat_number,
    vat_number_from_business_id,
)

MEMBERS_DEFAULT_LIMIT = 50
MEMBERS_MAX_LIMIT = 200


class LastOwner(RuleViolation):
    """The change would leave the company without an owner."""

    code = "last-owner"
    messages = {
        "fi": "Yrityksellä on oltava vähintään yksi omistaja. Lisää ensin toinen omistaja.",
        "sv": "Företaget måste ha minst en ägare. Lägg först till en annan ägare.",
        "en": "A company must keep at least one owner. Make someone else an owner first.",
    }


class VatNumberMismatch(RuleViolation):
    """A Finnish VAT number is FI + the digits of the company's own Y-tunnus."""

    code = "vat-number-business-id-mismatch"
    messages = {
        "fi": "Kenttä {field}: ALV-numeron {value} pitää olla FI ja yrityksen Y-tunnuksen "
        "numerot ({expected}).",
        "sv": "Fält {field}: momsnumret {value} ska vara FI och företagets FO-nummer ({expected}).",
        "en": "Field {field}: VAT number {value} must be FI followed by the company's "
        "business ID digits ({expected}).",
    }


@dataclass(frozen=True)
class Actor:
    """Who acts, for which company, in which role (read from the database this request)."""

    user_id: uuid.UUID
    company_id: uuid.UUID
    role: Role

    def can(self, permission: Permission) -> bool:
        return domain.can(self.role, permission)


async def acting_member(session: AsyncSession, *, claims: AccessClaims) -> Actor:
    """The token's user as a member of the token's company, with their current role.

    A user removed since the token was issued is :class:`NotAMember` (401): the client
    refreshes, which fails for that company too, and signs in again."""
    role = await session.scalar(
        select(Membership.role).where(
            Membership.company_id == claims.company_id, Membership.user_id == claims.user_id
        )
    )
    if role is None:
        raise NotAMember()
    return Actor(user_id=claims.user_id, company_id=claims.company_id, role=role)


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise PermissionDenied()


# --- the company -----------------------------------------------------------------------------


def _company_read(company: Company) -> CompanyRead:
    return CompanyRead(
        id=company.id,
        name=company.name,
        business_id=company.business_id,
        vat_number=company.vat_number,
        plan=company.plan,
    )


async def _company(session: AsyncSession, company_id: uuid.UUID, *, lock: bool = False) -> Company:
    statement = select(Company).where(Company.id == company_id)
    if lock:
        statement = statement.with_for_update()
    company = await session.scalar(statement)
    if company is None:  # pragma: no cover - the actor's membership names it
        raise NotFound()
    return company


async def get_company(session: AsyncSession, *, actor: Actor) -> CompanyRead:
    return _company_read(await _company(session, actor.company_id))


async def update_company(
    session: AsyncSession, *, actor: Actor, changes: dict[str, Any]
) -> CompanyRead:
    """Change the fields in ``changes`` (only those the client sent).

    Needs MANAGE_SETTINGS (owner, admin); changing the plan needs MANAGE_OWNERSHIP (owner).
    The Y-tunnus and VAT number are normalised; a VAT number must belong to the Y-tunnus
    (``FI`` + its digits) when both are set. Field errors name the field (422).
    """
    require(actor, Permission.MANAGE_SETTINGS)
    company = await _company(session, actor.company_id, lock=True)
    if "plan" in changes and changes["plan"] is not None and changes["plan"] != company.plan:
        require(actor, Permission.MANAGE_OWNERSHIP)
    if changes.get("name") is not None:  # the schema refuses null: a company keeps a name
        company.name = changes["name"]
    if "business_id" in changes:
        value = changes["business_id"]
        company.business_id = None if value is None else normalise_business_id(value)
    if "vat_number" in changes:
        value = changes["vat_number"]
        company.vat_number = None if value is None else normalise_finnish_vat_number(value)
    if company.vat_number is not None and company.business_id is not None:
        expected = vat_number_from_business_id(company.business_id)
        if company.vat_number != expected:
            field = "vat_number" if "vat_number" in changes else "business_id"
            raise VatNumberMismatch(field=field, value=company.vat_number, expected=expected)
    if changes.get("plan") is not None:
        company.plan = changes["plan"]
    await session.flush()
    await session.refresh(company)
    return _company_read(company)


# --- members ---------------------------------------------------------------------------------


def _members_query(company_id: uuid.UUID) -> Any:
    return (
        select(Membership.user_id, User.name, User.email, Membership.role, Membership.created_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.company_id == company_id)
    )


def _member_read(row: Any) -> MemberRead:
    user_id, name, email, role, joined_at = row
    return MemberRead(user_id=user_id, name=name, email=email, role=role, joined_at=joined_at)


def _encode_cursor(member: MemberRead) -> str:
    raw = json.dumps([member.joined_at.isoformat(), str(member.user_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        joined, user_id = json.loads(raw)
        return dt.datetime.fromisoformat(joined), uuid.UUID(user_id)
    except (binascii.Error, ValueError, TypeError):
        raise ValidationFailed(
            [
                FieldError(
                    field="query.cursor",
                    code="cursor-invalid",
                    message="Not a cursor from this list; start again without one.",
                )
            ]
        ) from None


async def list_members(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> MemberPage:
    """The company's members, oldest membership first (any role may read them)."""
    require(actor, Permission.READ)
    statement = _members_query(actor.company_id)
    if cursor is not None:
        joined, user_id = _decode_cursor(cursor)
        statement = statement.where(
            tuple_(Membership.created_at, Membership.user_id) > tuple_(joined, user_id)
        )
    statement = statement.order_by(Membership.created_at, Membership.user_id).limit(limit + 1)
    rows = (await session.execute(statement)).all()
    items = [_member_read(row) for row in rows[:limit]]
    next_cursor = _encode_cursor(items[-1]) if len(rows) > limit else None
    return MemberPage(items=items, next_cursor=next_cursor)


async def get_member(session: AsyncSession, *, actor: Actor, user_id: uuid.UUID) -> MemberRead:
    """One member of the active company; anyone else's id (of any company) is NotFound."""
    row = (
        await session.execute(_members_query(actor.company_id).where(Membership.user_id == user_id))
    ).one_or_none()
    if row is None:
        raise NotFound()
    return _member_read(row)


def authorise_member_change(actor: Actor, member: MemberRead) -> None:
    """May ``actor`` change or remove ``member`` at all (leaving aside the new role)? A member
    removing themself always may (the last-owner rule still applies)."""
    if member.user_id == actor.user_id:
        return
    if not domain.can_manage_member(actor.role, member.role):
        raise PermissionDenied()


async def _locked_roles(session: AsyncSession, company_id: uuid.UUID) -> dict[uuid.UUID, Role]:
    """Every member's role, with the company's memberships locked until the transaction ends."""
    rows = await session.execute(
        select(Membership.user_id, Membership.role)
        .where(Membership.company_id == company_id)
        .order_by(Membership.user_id)
        .with_for_update()
    )
    return {user_id: role for user_id, role in rows.all()}


async def change_role(
    session: AsyncSession, *, actor: Actor, user_id: uuid.UUID, role: Role
) -> MemberRead:
    """Give a member another role. Owners and admins manage members; only an owner makes or
    changes owners; the company keeps an owner (an owner may step down only if another owner
    remains). Changing one's own role needs the same rights as changing anyone's."""
    roles = await _locked_roles(session, actor.company_id)
    if user_id not in roles:
        raise NotFound()
    actor_role = roles.get(actor.user_id)
    if actor_role is None:
        raise NotAMember()
    current = roles[user_id]
    if not (domain.can_manage_member(actor_role, current) and domain.can_assign(actor_role, role)):
        raise PermissionDenied()
    if not domain.leaves_an_owner({**roles, user_id: role}.values()):
        raise LastOwner(field="role")
    if role is not current:
        await session.execute(
            update(Membership)
            .where(Membership.company_id == actor.company_id, Membership.user_id == user_id)
            .values(role=role)
        )
    return await get_member(session, actor=actor, user_id=user_id)


async def remove_member(session: AsyncSession, *, actor: Actor, user_id: uuid.UUID) -> None:
    """Remove a member (owners and admins; any member may leave). Never the last owner.

    Takes effect at once for new tokens: the removed user's refresh tokens for this company are
    revoked (and a refresh checks the membership anyway), sign-in and switching company no
    longer offer the company, and every request that reads the acting member answers 401. An
    access token already issued expires within its lifetime (at most 15 minutes)."""
    roles = await _locked_roles(session, actor.company_id)
    if user_id not in roles:
        raise NotFound()
    actor_role = roles.get(actor.user_id)
    if actor_role is None:
        raise NotAMember()
    if user_id != actor.user_id and not domain.can_manage_member(actor_role, roles[user_id]):
        raise PermissionDenied()
    remaining = {member: role for member, role in roles.items() if member != user_id}
    if not domain.leaves_an_owner(remaining.values()):
        raise LastOwner()
    await session.execute(
        delete(Membership).where(
            Membership.company_id == actor.company_id, Membership.user_id == user_id
        )
    )
    await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.company_id == actor.company_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
