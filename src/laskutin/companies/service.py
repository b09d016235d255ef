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
import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Numeric, cast, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.etag import check_if_match, etag_of
from laskutin.api.pagination import Page
from laskutin.audit import service as audit
from laskutin.audit.schemas import AuditEventRead
from laskutin.auth.models import RefreshToken, TwoFactor, User
from laskutin.auth.tokens import AccessClaims, NotAMember
from laskutin.auth.two_factor import TwoFactorRequired
from laskutin.companies import domain, logo, settings
from laskutin.companies.domain import Permission, Role
from laskutin.companies.models import (
    Company,
    CompanyBankAccount,
    CompanyLogo,
    Membership,
    NumberSeries,
)
from laskutin.companies.schemas import (
    BankAccountRead,
    CompanyRead,
    LogoSummary,
    MemberPage,
    MemberRead,
)
from laskutin.companies.settings import InvoiceLanguage, ReferenceType
from laskutin.core import clock
from laskutin.core.db import driver_connection
from laskutin.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RuleViolation,
    ValidationFailed,
)
from laskutin.finnish.bank import format_iban
from laskutin.finnish.business_ids import (
    normalise_business_id,
    normalise_finnish_vat_number,
    vat_number_from_business_id,
)
from laskutin.invoices.models import Invoice

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


class EnrolBeforeRequiring(RuleViolation):
    code = "two-factor-enrol-first"
    messages = {
        "fi": "Ota ensin kaksivaiheinen tunnistautuminen käyttöön omalle tunnuksellesi.",
        "sv": "Slå först på tvåstegsverifiering för ditt eget konto.",
        "en": "Turn on two-factor sign-in for your own account first.",
    }

    def __init__(self) -> None:
        super().__init__(field="require_two_factor")


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


_ENTERED = "laskutin.companies.entered"  # session.info: (company_id, user_id, member row)


async def act_as_member(session: AsyncSession, *, claims: AccessClaims) -> None:
    """:func:`~laskutin.core.tenancy.act_as` for the token's company and user, and their
    membership read in the same statement (migration 20261207_0020): the tenant session's
    first statement, so that :func:`acting_member` then needs none of its own."""
    row = await (await driver_connection(session)).fetchrow(
        _ACT_AS_MEMBER_SQL, claims.company_id, claims.user_id
    )
    session.info[_ENTERED] = (claims.company_id, claims.user_id, row)


async def acting_member(session: AsyncSession, *, claims: AccessClaims) -> Actor:
    """The token's user as a member of the token's company, with their current role.

    A user removed since the token was issued is :class:`NotAMember` (401): the client
    refreshes, which fails for that company too, and signs in again."""
    # Every authenticated request runs this: the row that act_as_member read (used once, so
    # a second call reads the role again), or lean SQL (core.db.driver_connection). The
    # user's name comes along for the audit trail, so recording an event needs no query.
    entered = session.info.pop(_ENTERED, None)
    if entered is not None and entered[:2] == (claims.company_id, claims.user_id):
        row = entered[2]
    else:
        row = await (await driver_connection(session)).fetchrow(
            _MEMBER_SQL, claims.company_id, claims.user_id
        )
    if row is None:
        raise NotAMember()
    audit.remember_actor_name(session, claims.user_id, row[1])
    role = Role(row[0])
    if claims.scopes is not None:  # an API key: its maker's role within the key's scopes
        role = domain.role_within(role, claims.scopes)
    elif row[2] and not row[3]:
        # The company requires two-factor sign-in and this user has none: only their own
        # resources (/me, where they enrol) answer until they do (issue 8).
        raise TwoFactorRequired()
    return Actor(user_id=claims.user_id, company_id=claims.company_id, role=role)


# The query of laskutin_act_as_member (migration 20261207_0020), for a call without that
# function's row: a change to one is a change to both (a migration is not edited afterwards).
_MEMBER_SQL = (
    "SELECT memberships.role, users.name, companies.require_two_factor, "
    "EXISTS (SELECT 1 FROM user_two_factor t "
    "WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL) "
    "FROM memberships "
    "JOIN users ON users.id = memberships.user_id "
    "JOIN companies ON companies.id = memberships.company_id "
    "WHERE memberships.company_id = $1 AND memberships.user_id = $2"
)
_ACT_AS_MEMBER_SQL = "SELECT * FROM laskutin_act_as_member($1, $2)"


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise PermissionDenied()


# --- the company -----------------------------------------------------------------------------

COMPANY_RESOURCE = "company"
LOGO_URL = "/api/v1/company/logo"
# Derived from the other fields: not a change of its own in the audit trail.
_NOT_AUDITED = frozenset({"missing_for_issuing"})
_OPTIONAL_TEXT = ("street_address", "city", "sender_name")
_NORMALISED: dict[str, Callable[[Any], Any]] = {
    "email": settings.normalise_email,
    "reply_to_email": functools.partial(settings.normalise_email, field="reply_to_email"),
    "phone": settings.normalise_phone,
    "website": settings.normalise_website,
    "penalty_interest_percent": settings.normalise_penalty_interest,
    "einvoice_address": settings.normalise_einvoice_address,
    "einvoice_operator": settings.normalise_einvoice_operator,
}


async def _bank_accounts(session: AsyncSession, company_id: uuid.UUID) -> list[BankAccountRead]:
    rows = await session.execute(
        select(CompanyBankAccount.iban, CompanyBankAccount.bic)
        .where(CompanyBankAccount.company_id == company_id)
        .order_by(CompanyBankAccount.position)
    )
    return [
        BankAccountRead(iban=iban, iban_formatted=format_iban(iban), bic=bic)
        for iban, bic in rows.all()
    ]


async def _series(session: AsyncSession, company_id: uuid.UUID) -> tuple[str, int]:
    row = (
        await session.execute(
            select(NumberSeries.prefix, NumberSeries.next_number).where(
                NumberSeries.company_id == company_id,
                NumberSeries.kind == settings.INVOICE_SERIES,
            )
        )
    ).one_or_none()
    return ("", 1) if row is None else (row[0], row[1])


async def _logo_summary(session: AsyncSession, company_id: uuid.UUID) -> LogoSummary | None:
    """The logo's facts without loading the image (octet_length reads the stored size)."""
    row = (
        await session.execute(
            select(
                CompanyLogo.content_type,
                func.octet_length(CompanyLogo.data),
                CompanyLogo.sha256,
                CompanyLogo.updated_at,
            ).where(CompanyLogo.company_id == company_id)
        )
    ).one_or_none()
    if row is None:
        return None
    content_type, size, sha256, updated_at = row
    return LogoSummary(
        content_type=content_type, size=size, sha256=sha256, url=LOGO_URL, updated_at=updated_at
    )


async def _company_read(session: AsyncSession, company: Company) -> CompanyRead:
    accounts = await _bank_accounts(session, company.id)
    prefix, next_number = await _series(session, company.id)
    return CompanyRead(
        id=company.id,
        name=company.name,
        business_id=company.business_id,
        vat_number=company.vat_number,
        plan=company.plan,
        require_two_factor=company.require_two_factor,
        street_address=company.street_address,
        postal_code=company.postal_code,
        city=company.city,
        country_code=company.country_code,
        email=company.email,
        phone=company.phone,
        website=company.website,
        bank_accounts=accounts,
        payment_terms_days=company.payment_terms_days,
        penalty_interest_percent=company.penalty_interest_percent,
        reference_type=ReferenceType(company.reference_type),
        invoice_language=InvoiceLanguage(company.invoice_language),
        einvoice_address=company.einvoice_address,
        einvoice_operator=company.einvoice_operator,
        sender_name=company.sender_name,
        reply_to_email=company.reply_to_email,
        invoice_number_prefix=prefix,
        next_invoice_number=next_number,
        logo=await _logo_summary(session, company.id),
        missing_for_issuing=settings.missing_for_issuing(
            business_id=company.business_id, bank_account_count=len(accounts)
        ),
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
    """The active company and its settings (every role)."""
    require(actor, Permission.READ)
    return await _company_read(session, await _company(session, actor.company_id))


async def _locked_for_change(
    session: AsyncSession, actor: Actor, if_match: str | None
) -> tuple[Company, CompanyRead]:
    """Authorise, lock the company row (every settings change serialises on it, on every
    replica) and only then compare ``If-Match`` with the current ETag."""
    require(actor, Permission.MANAGE_SETTINGS)
    company = await _company(session, actor.company_id, lock=True)
    before = await _company_read(session, company)
    check_if_match(if_match, etag_of(before))
    return company, before


async def _audit_change(
    session: AsyncSession, actor: Actor, before: CompanyRead, after: CompanyRead
) -> None:
    old = {k: v for k, v in before.model_dump(mode="json").items() if k not in _NOT_AUDITED}
    new = {k: v for k, v in after.model_dump(mode="json").items() if k not in _NOT_AUDITED}
    changes = audit.diff(old, new)
    if changes:
        await audit.record(
            session,
            resource_type=COMPANY_RESOURCE,
            resource_id=actor.company_id,
            action="updated",
            actor=actor,
            changes=changes,
        )


async def update_company(
    session: AsyncSession,
    *,
    actor: Actor,
    changes: dict[str, Any],
    if_match: str | None = None,
) -> CompanyRead:
    """Change the fields in ``changes`` (only those the client sent), all or nothing.

    Needs MANAGE_SETTINGS (owner, admin); changing the plan needs MANAGE_OWNERSHIP (owner).
    Every value is checked by :mod:`laskutin.companies.settings` and the Finnish rules before
    anything is written; a refused value raises a RuleViolation naming its field (422), and
    the request's transaction rolls back, so nothing is half-changed. ``if_match`` (the
    ``If-Match`` header) must name the current ETag (else 412). A change is audited
    (``company``/``updated``, each changed field as ``[old, new]``).
    """
    company, before = await _locked_for_change(session, actor, if_match)
    if "plan" in changes and changes["plan"] is not None and changes["plan"] != company.plan:
        require(actor, Permission.MANAGE_OWNERSHIP)
    if changes.get("name") is not None:  # the schema refuses null: a company keeps a name
        company.name = changes["name"]
    if "business_id" in changes:
        value = settings.clean_text(changes["business_id"])
        company.business_id = None if value is None else normalise_business_id(value)
    if "vat_number" in changes:
        value = settings.clean_text(changes["vat_number"])
        company.vat_number = None if value is None else normalise_finnish_vat_number(value)
    if company.vat_number is not None and company.business_id is not None:
        expected = vat_number_from_business_id(company.business_id)
        if company.vat_number != expected:
            field = "vat_number" if "vat_number" in changes else "business_id"
            raise VatNumberMismatch(field=field, value=company.vat_number, expected=expected)
    if changes.get("plan") is not None:
        company.plan = changes["plan"]
    if changes.get("require_two_factor") is not None:
        await _set_two_factor_requirement(session, actor, company, changes["require_two_factor"])
    _apply_details(company, changes)
    if changes.get("bank_accounts") is not None:
        await _replace_bank_accounts(session, company.id, changes["bank_accounts"])
    if "invoice_number_prefix" in changes or "next_invoice_number" in changes:
        await _change_series(
            session,
            company.id,
            prefix=changes.get("invoice_number_prefix"),
            next_number=changes.get("next_invoice_number"),
        )
    await session.flush()
    await session.refresh(company)
    after = await _company_read(session, company)
    await _audit_change(session, actor, before, after)
    return after


async def _set_two_factor_requirement(
    session: AsyncSession, actor: Actor, company: Company, required: bool
) -> None:
    """Turning the requirement on needs the actor's own second factor: nobody locks
    themself out of the company's settings."""
    if required and not company.require_two_factor:
        enrolled = await session.scalar(
            select(TwoFactor.confirmed_at).where(TwoFactor.user_id == actor.user_id)
        )
        if enrolled is None:
            raise EnrolBeforeRequiring()
    company.require_two_factor = required


def _apply_details(company: Company, changes: dict[str, Any]) -> None:
    """Address, contact, terms, language, e-invoicing: validated, then set on the row."""
    if changes.get("country_code") is not None:
        company.country_code = settings.normalise_country_code(changes["country_code"])
    if "postal_code" in changes or "country_code" in changes:
        company.postal_code = settings.normalise_postal_code(
            changes.get("postal_code", company.postal_code),
            country_code=company.country_code,
            field="postal_code",
        )
    for name in _OPTIONAL_TEXT:
        if name in changes:
            setattr(company, name, settings.clean_text(changes[name]))
    for name, normalise in _NORMALISED.items():
        if name in changes:
            setattr(company, name, normalise(changes[name]))
    if changes.get("payment_terms_days") is not None:
        company.payment_terms_days = changes["payment_terms_days"]
    if changes.get("reference_type") is not None:
        company.reference_type = ReferenceType(changes["reference_type"]).value
    if changes.get("invoice_language") is not None:
        company.invoice_language = InvoiceLanguage(changes["invoice_language"]).value


async def _replace_bank_accounts(
    session: AsyncSession, company_id: uuid.UUID, accounts: list[dict[str, Any]]
) -> None:
    """The new list replaces the old one, position by position (0 goes on invoices)."""
    normalised = settings.normalise_bank_accounts(
        [(account["iban"], account.get("bic")) for account in accounts]
    )
    await session.execute(
        delete(CompanyBankAccount).where(CompanyBankAccount.company_id == company_id)
    )
    if normalised:
        await session.execute(
            insert(CompanyBankAccount),
            [
                {"company_id": company_id, "position": index, "iban": a.iban, "bic": a.bic}
                for index, a in enumerate(normalised)
            ],
        )


async def _highest_issued(session: AsyncSession, company_id: uuid.UUID, prefix: str) -> int | None:
    """The highest sequence number among the company's numbered invoices whose number is
    ``prefix`` + a number (what the series would print): the numbers a series with this
    prefix must never reach again. Compared on the number itself, so invoices of another
    prefix that happen to look alike count too."""
    rest = func.substr(Invoice.number, len(prefix) + 1)
    highest = await session.scalar(
        select(func.max(cast(rest, Numeric))).where(
            Invoice.company_id == company_id,
            Invoice.number.is_not(None),
            func.left(Invoice.number, len(prefix)) == prefix,
            rest.regexp_match("^[1-9][0-9]{0,30}$"),
        )
    )
    return None if highest is None else int(highest)


async def _change_series(
    session: AsyncSession, company_id: uuid.UUID, *, prefix: str | None, next_number: int | None
) -> None:
    """Set the invoice series' prefix and/or next number.

    The row is created if missing (``INSERT ... ON CONFLICT DO NOTHING``, as issuing does) and
    locked (``FOR UPDATE``) before the issued invoices are looked at, so an issue running at
    the same moment either finished first (and its number is seen) or waits for this change.
    A next number that an issued invoice of the same prefix already has, or lower, is
    refused: it would collide with the unique (company_id, number) of invoices."""
    new_prefix = None if prefix is None else settings.normalise_invoice_number_prefix(prefix)
    await session.execute(
        pg_insert(NumberSeries)
        .values(company_id=company_id, kind=settings.INVOICE_SERIES, prefix="", next_number=1)
        .on_conflict_do_nothing(index_elements=["company_id", "kind"])
    )
    series = await session.scalar(
        select(NumberSeries)
        .where(NumberSeries.company_id == company_id, NumberSeries.kind == settings.INVOICE_SERIES)
        .with_for_update()
    )
    assert series is not None  # inserted above
    target_prefix = series.prefix if new_prefix is None else new_prefix
    target_next = series.next_number if next_number is None else next_number
    highest = await _highest_issued(session, company_id, target_prefix)
    if highest is not None and target_next <= highest:
        field = "next_invoice_number" if next_number is not None else "invoice_number_prefix"
        raise settings.InvoiceNumberTaken(
            field=field,
            number=settings.invoice_number(target_prefix, target_next),
            prefix=target_prefix,
            highest=highest,
            minimum=highest + 1,
        )
    series.prefix = target_prefix
    series.next_number = target_next


# --- the logo --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogoFile:
    content_type: str
    data: bytes
    sha256: str

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'


async def get_logo(session: AsyncSession, *, actor: Actor) -> LogoFile:
    """The logo's bytes (every role); NotFound when the company has none."""
    require(actor, Permission.READ)
    row = (
        await session.execute(
            select(CompanyLogo.content_type, CompanyLogo.data, CompanyLogo.sha256).where(
                CompanyLogo.company_id == actor.company_id
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound()
    return LogoFile(content_type=row[0], data=row[1], sha256=row[2])


def _check_logo_if_match(if_match: str | None, current: LogoSummary | None) -> None:
    if current is None:
        if if_match is not None:  # nothing to match (RFC 9110 §13.1.1, also for "*")
            raise PreconditionFailed()
        return
    check_if_match(if_match, f'"{current.sha256}"')


async def put_logo(
    session: AsyncSession,
    *,
    actor: Actor,
    content_type: str | None,
    data: bytes,
    if_match: str | None = None,
) -> LogoSummary:
    """Store (or replace) the logo after :func:`laskutin.companies.logo.inspect_logo` has
    accepted it. Needs MANAGE_SETTINGS; audited as ``logo_updated``. ``if_match`` compares
    with the current logo's ETag (its quoted SHA-256)."""
    require(actor, Permission.MANAGE_SETTINGS)
    info = logo.inspect_logo(data, content_type)
    await _company(session, actor.company_id, lock=True)
    current = await _logo_summary(session, actor.company_id)
    _check_logo_if_match(if_match, current)
    digest = hashlib.sha256(data).hexdigest()
    values = {"content_type": info.content_type, "data": data, "sha256": digest}
    await session.execute(
        pg_insert(CompanyLogo)
        .values(company_id=actor.company_id, **values)
        .on_conflict_do_update(
            index_elements=["company_id"], set_={**values, "updated_at": func.now()}
        )
    )
    summary = await _logo_summary(session, actor.company_id)
    assert summary is not None
    await audit.record(
        session,
        resource_type=COMPANY_RESOURCE,
        resource_id=actor.company_id,
        action="logo_updated",
        actor=actor,
        changes={
            "content_type": info.content_type,
            "size": len(data),
            "width": info.width,
            "height": info.height,
            "sha256": digest,
            "previous_sha256": None if current is None else current.sha256,
        },
    )
    return summary


async def delete_logo(session: AsyncSession, *, actor: Actor, if_match: str | None = None) -> None:
    """Remove the logo (MANAGE_SETTINGS); NotFound when there is none. Audited as
    ``logo_removed``."""
    require(actor, Permission.MANAGE_SETTINGS)
    await _company(session, actor.company_id, lock=True)
    current = await _logo_summary(session, actor.company_id)
    if current is None:
        raise NotFound()
    _check_logo_if_match(if_match, current)
    await session.execute(delete(CompanyLogo).where(CompanyLogo.company_id == actor.company_id))
    await audit.record(
        session,
        resource_type=COMPANY_RESOURCE,
        resource_id=actor.company_id,
        action="logo_removed",
        actor=actor,
        changes={"sha256": current.sha256, "content_type": current.content_type},
    )


async def company_audit(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> Page[AuditEventRead]:
    """The company's settings changes, newest first (every role)."""
    require(actor, Permission.READ)
    return await audit.list_events(
        session,
        resource_type=COMPANY_RESOURCE,
        resource_id=actor.company_id,
        limit=limit,
        cursor=cursor,
    )


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


async def _audit_member(
    session: AsyncSession, actor: Actor, action: str, changes: dict[str, Any]
) -> None:
    """Member changes are events of the company's trail (GET /company/audit)."""
    await audit.record(
        session,
        resource_type=COMPANY_RESOURCE,
        resource_id=actor.company_id,
        action=action,
        actor=actor,
        changes=changes,
    )


async def _check_member_if_match(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, if_match: str | None
) -> MemberRead:
    """The member as now (memberships already locked), compared with ``If-Match`` (412)."""
    member = await get_member(session, actor=actor, user_id=user_id)
    check_if_match(if_match, etag_of(member))
    return member


async def change_role(
    session: AsyncSession,
    *,
    actor: Actor,
    user_id: uuid.UUID,
    role: Role,
    if_match: str | None = None,
) -> MemberRead:
    """Give a member another role. Owners and admins manage members; only an owner makes or
    changes owners; the company keeps an owner (an owner may step down only if another owner
    remains). Changing one's own role needs the same rights as changing anyone's. Audited as
    ``member_role_changed``; ``if_match`` must name the member's current ETag (else 412)."""
    roles = await _locked_roles(session, actor.company_id)
    if user_id not in roles:
        raise NotFound()
    member = await _check_member_if_match(session, actor, user_id, if_match)
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
        await _audit_member(
            session,
            actor,
            "member_role_changed",
            {"user_id": str(user_id), "email": member.email, "role": [current, role]},
        )
    return await get_member(session, actor=actor, user_id=user_id)


async def remove_member(
    session: AsyncSession, *, actor: Actor, user_id: uuid.UUID, if_match: str | None = None
) -> None:
    """Remove a member (owners and admins; any member may leave). Never the last owner.

    Takes effect at once for new tokens: the removed user's refresh tokens for this company are
    revoked (and a refresh checks the membership anyway), sign-in and switching company no
    longer offer the company, and every request that reads the acting member answers 401. An
    access token already issued expires within its lifetime (at most 15 minutes). Audited as
    ``member_removed``; ``if_match`` must name the member's current ETag (else 412)."""
    roles = await _locked_roles(session, actor.company_id)
    if user_id not in roles:
        raise NotFound()
    member = await _check_member_if_match(session, actor, user_id, if_match)
    actor_role = roles.get(actor.user_id)
    if actor_role is None:
        raise NotAMember()
    if user_id != actor.user_id and not domain.can_manage_member(actor_role, roles[user_id]):
        raise PermissionDenied()
    remaining = {other: role for other, role in roles.items() if other != user_id}
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
    await _audit_member(
        session,
        actor,
        "member_removed",
        {"user_id": str(user_id), "email": member.email, "role": [member.role, None]},
    )
