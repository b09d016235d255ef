"""Use cases of customers. Keyword-only, nothing here commits (the request's unit of work does).

Every query names the active company (``actor.company_id``) besides row-level security. A
customer of another company is :class:`~laskutin.core.errors.NotFound` before any role check
(404 for every role); writing needs ``Permission.WRITE`` (owner, admin, member).

Changes lock the customer's row (``SELECT ... FOR UPDATE``) before comparing ``If-Match``, so
two writers with the same ETag cannot both win. Customer numbers are assigned under a
transaction-scoped advisory lock per company: concurrent creates on any number of replicas
queue for it, each sees the previous one's committed number, and the unique constraint
``(company_id, customer_number)`` backs it.

Every create, update, archive, unarchive and delete appends an audit event (``customer``) in
the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from typing import Any, Literal

from sqlalchemy import Text, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.etag import check_if_match, etag_of
from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.audit.schemas import AuditEventRead
from laskutin.auth.passwords import normalise_email
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.errors import NotFound, RuleViolation
from laskutin.core.i18n import Language
from laskutin.customers import domain
from laskutin.customers.domain import CustomerInvoiced, CustomerNumberTaken, DuplicateWarning
from laskutin.customers.models import Customer
from laskutin.customers.schemas import (
    BillingAddressRead,
    CustomerCreate,
    CustomerRead,
    CustomerSaved,
    CustomerWarning,
    DeliveryAddressRead,
)
from laskutin.finnish.business_ids import normalise_business_id
from laskutin.invoices.models import Invoice

RESOURCE = "customer"
CustomerSort = Literal[
    "name", "-name", "customer_number", "-customer_number", "created_at", "-created_at"
]


def _sort(name: str, column: Any) -> dict[str, Sort]:
    return {
        name: Sort(f"customers:{name}", [(column, "asc"), (Customer.id, "asc")]),
        f"-{name}": Sort(f"customers:-{name}", [(column, "desc"), (Customer.id, "desc")]),
    }


SORTS: dict[str, Sort] = {
    **_sort("name", func.lower(Customer.name, type_=Text)),
    **_sort("customer_number", Customer.customer_number),
    **_sort("created_at", Customer.created_at),
}

_NUMBERING_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('laskutin.customer_numbers'), hashtext(:company))"
)


# --- reading ---------------------------------------------------------------------------------


def to_read(row: Customer) -> CustomerRead:
    delivery_parts = (
        row.delivery_name,
        row.delivery_street,
        row.delivery_postal_code,
        row.delivery_city,
        row.delivery_country,
    )
    delivery = None
    if any(part is not None for part in delivery_parts):
        delivery = DeliveryAddressRead(
            name=row.delivery_name,
            street=row.delivery_street,
            postal_code=row.delivery_postal_code,
            city=row.delivery_city,
            country=row.delivery_country,
        )
    return CustomerRead(
        id=row.id,
        customer_number=row.customer_number,
        kind=domain.CustomerKind(row.kind),
        name=row.name,
        business_id=row.business_id,
        vat_number=row.vat_number,
        email=row.email,
        phone=row.phone,
        contact_person=row.contact_person,
        language=domain.CustomerLanguage(row.language),
        billing_address=BillingAddressRead(
            street=row.billing_street,
            postal_code=row.billing_postal_code,
            city=row.billing_city,
            country=row.billing_country,
        ),
        delivery_address=delivery,
        einvoice_address=row.einvoice_address,
        einvoice_operator=row.einvoice_operator,
        payment_terms_days=row.payment_terms_days,
        notes=row.notes,
        archived=row.archived_at is not None,
        archived_at=row.archived_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _customer(
    session: AsyncSession, actor: Actor, customer_id: uuid.UUID, *, lock: bool = False
) -> Customer:
    statement = select(Customer).where(
        Customer.company_id == actor.company_id, Customer.id == customer_id
    )
    if lock:
        statement = statement.with_for_update()
    row = await session.scalar(statement)
    if row is None:
        raise NotFound()
    return row


async def get_customer(
    session: AsyncSession, *, actor: Actor, customer_id: uuid.UUID
) -> CustomerRead:
    require(actor, Permission.READ)
    return to_read(await _customer(session, actor, customer_id))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_customers(
    session: AsyncSession,
    *,
    actor: Actor,
    q: str | None = None,
    archived: bool = False,
    updated_since: dt.datetime | None = None,
    sort: CustomerSort = "name",
    limit: int,
    cursor: str | None,
) -> Page[CustomerRead]:
    """The company's customers: active ones (or, with ``archived``, the archived ones),
    matching ``q`` in the name (case-insensitive substring), the customer number or the
    business ID / VAT number."""
    require(actor, Permission.READ)
    statement = select(Customer).where(Customer.company_id == actor.company_id)
    if archived:
        statement = statement.where(Customer.archived_at.is_not(None))
    else:
        statement = statement.where(Customer.archived_at.is_(None))
    if updated_since is not None:
        statement = statement.where(Customer.updated_at >= updated_since)
    term = (q or "").replace("\x00", "").strip()
    if term:
        pattern = f"%{_escape_like(term.lower())}%"
        conditions: list[Any] = [
            func.lower(Customer.name).like(pattern, escape="\\"),
            func.lower(Customer.business_id).like(pattern, escape="\\"),
            func.lower(Customer.vat_number).like(pattern, escape="\\"),
        ]
        if term.isascii() and term.isdigit() and len(term) <= 9:
            conditions.append(Customer.customer_number == int(term))
        with contextlib.suppress(RuleViolation):
            conditions.append(Customer.business_id == normalise_business_id(term))
        statement = statement.where(or_(*conditions))
    return await paginate(
        session, statement, sort=SORTS[sort], limit=limit, cursor=cursor, item=to_read
    )


# --- writing ---------------------------------------------------------------------------------


async def _lock_numbering(session: AsyncSession, actor: Actor) -> None:
    await session.execute(_NUMBERING_LOCK, {"company": str(actor.company_id)})


async def _check_number_free(
    session: AsyncSession, actor: Actor, number: int, *, own_id: uuid.UUID | None
) -> None:
    statement = select(Customer.id).where(
        Customer.company_id == actor.company_id, Customer.customer_number == number
    )
    if own_id is not None:
        statement = statement.where(Customer.id != own_id)
    if await session.scalar(statement) is not None:
        raise CustomerNumberTaken(field="customer_number", value=number)


async def _next_number(session: AsyncSession, actor: Actor) -> int:
    return domain.next_customer_number(await highest_number(session, actor))


_SIMPLE = (
    "name",
    "kind",
    "phone",
    "contact_person",
    "language",
    "einvoice_operator",
    "payment_terms_days",
    "notes",
)


def _apply(row: Customer, changes: dict[str, Any]) -> None:
    """Set the columns of the fields in ``changes`` (only those), normalising identifiers.

    Field errors name the field (422); the row is left as it was where a rule refuses, and the
    request's transaction is rolled back anyway."""
    values: dict[str, Any] = {}
    for field in _SIMPLE:
        if field in changes:
            value = changes[field]
            values[field] = value.value if hasattr(value, "value") else value
    if "billing_address" in changes:
        address = changes["billing_address"] or {}
        values["billing_street"] = address.get("street")
        values["billing_postal_code"] = address.get("postal_code")
        values["billing_city"] = address.get("city")
        values["billing_country"] = address.get("country") or "FI"
    if "delivery_address" in changes:
        address = changes["delivery_address"] or {}
        for part in ("name", "street", "postal_code", "city", "country"):
            values[f"delivery_{part}"] = address.get(part)
    if "email" in changes:
        email = changes["email"]
        values["email"] = normalise_email(email) if email else None
    if "einvoice_address" in changes:
        address_text = changes["einvoice_address"]
        values["einvoice_address"] = (
            domain.normalise_einvoice_address(address_text) if address_text else None
        )
    if "business_id" in changes:
        business_id = changes["business_id"]
        values["business_id"] = domain.normalise_identifier(business_id) if business_id else None
    country = values.get("billing_country", row.billing_country) or "FI"
    if "vat_number" in changes:
        vat_number = changes["vat_number"]
        values["vat_number"] = (
            domain.normalise_vat_number(vat_number, country=country) if vat_number else None
        )
    domain.check_identifiers(
        values.get("business_id", row.business_id),
        values.get("vat_number", row.vat_number),
        changed_field="vat_number" if "vat_number" in changes else "business_id",
    )
    for column, value in values.items():
        setattr(row, column, value)


async def _warnings(
    session: AsyncSession, actor: Actor, row: Customer, language: Language
) -> list[CustomerWarning]:
    """Other customers of the company with the same business ID or VAT number."""
    conditions = []
    if row.business_id is not None:
        conditions.append(Customer.business_id == row.business_id)
    if row.vat_number is not None:
        conditions.append(Customer.vat_number == row.vat_number)
    if not conditions:
        return []
    others = (
        await session.scalars(
            select(Customer)
            .where(Customer.company_id == actor.company_id, Customer.id != row.id, or_(*conditions))
            .order_by(Customer.customer_number)
            .limit(20)
        )
    ).all()
    found: list[DuplicateWarning] = []
    for other in others:
        for code, mine, theirs in (
            (domain.WarningCode.DUPLICATE_BUSINESS_ID, row.business_id, other.business_id),
            (domain.WarningCode.DUPLICATE_VAT_NUMBER, row.vat_number, other.vat_number),
        ):
            if mine is not None and mine == theirs:
                found.append(
                    DuplicateWarning(code, mine, other.id, other.customer_number, other.name)
                )
    return [
        CustomerWarning(
            code=warning.code,
            field=warning.field,
            message=warning.message(language),
            customer_id=warning.customer_id,
        )
        for warning in found
    ]


async def _saved(
    session: AsyncSession, actor: Actor, row: Customer, language: Language
) -> tuple[CustomerRead, CustomerSaved]:
    read = to_read(row)
    warnings = await _warnings(session, actor, row, language)
    return read, CustomerSaved(**read.model_dump(), warnings=warnings)


def new_customer_row(company_id: uuid.UUID, data: CustomerCreate) -> Customer:
    """A customer checked by the rules (422 naming the field), not yet added to a session and
    without its number: creating one, and each row of a CSV import."""
    row = Customer(company_id=company_id)
    row.billing_country = "FI"
    _apply(row, data.model_dump(exclude={"customer_number"}))
    return row


async def lock_numbering(session: AsyncSession, actor: Actor) -> None:
    """Serialise customer numbering in the company until the transaction ends."""
    await _lock_numbering(session, actor)


async def highest_number(session: AsyncSession, actor: Actor) -> int | None:
    return await session.scalar(
        select(func.max(Customer.customer_number)).where(Customer.company_id == actor.company_id)
    )


async def create_customer(
    session: AsyncSession, *, actor: Actor, data: CustomerCreate, language: Language = "fi"
) -> tuple[CustomerRead, CustomerSaved]:
    """A new customer; ``customer_number`` is the next free one unless given (409 if taken).

    Answers the customer (for the ETag) and the customer with duplicate warnings."""
    require(actor, Permission.WRITE)
    row = new_customer_row(actor.company_id, data)
    await _lock_numbering(session, actor)
    if data.customer_number is not None:
        await _check_number_free(session, actor, data.customer_number, own_id=None)
        row.customer_number = data.customer_number
    else:
        row.customer_number = await _next_number(session, actor)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    read, saved = await _saved(session, actor, row, language)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="created",
        actor=actor,
        changes=audit.diff({}, read.model_dump(mode="json", exclude=_NOT_AUDITED)),
    )
    return read, saved


_NOT_AUDITED = {"id", "created_at", "updated_at"}


async def update_customer(
    session: AsyncSession,
    *,
    actor: Actor,
    customer_id: uuid.UUID,
    changes: dict[str, Any],
    if_match: str | None = None,
    language: Language = "fi",
) -> tuple[CustomerRead, CustomerSaved]:
    """Change the fields in ``changes`` (those the client sent); 412 when ``if_match`` is
    stale, 409 when a new ``customer_number`` is taken."""
    row = await _customer(session, actor, customer_id, lock=True)
    require(actor, Permission.WRITE)
    before = to_read(row)
    check_if_match(if_match, etag_of(before))
    number = changes.pop("customer_number", None)
    _apply(row, changes)
    if number is not None and number != row.customer_number:
        await _lock_numbering(session, actor)
        await _check_number_free(session, actor, number, own_id=row.id)
        row.customer_number = number
    await session.flush()
    await session.refresh(row)
    read, saved = await _saved(session, actor, row, language)
    changed = audit.diff(
        before.model_dump(mode="json", exclude=_NOT_AUDITED),
        read.model_dump(mode="json", exclude=_NOT_AUDITED),
    )
    if changed:
        await audit.record(
            session,
            resource_type=RESOURCE,
            resource_id=row.id,
            action="updated",
            actor=actor,
            changes=changed,
        )
    return read, saved


async def set_archived(
    session: AsyncSession,
    *,
    actor: Actor,
    customer_id: uuid.UUID,
    archived: bool,
    if_match: str | None = None,
) -> CustomerRead:
    """Archive (hidden from lists by default, kept for invoices and reports) or bring back.
    Doing it twice changes nothing the second time."""
    row = await _customer(session, actor, customer_id, lock=True)
    require(actor, Permission.WRITE)
    before = to_read(row)
    check_if_match(if_match, etag_of(before))
    if before.archived == archived:
        return before
    row.archived_at = clock.now() if archived else None
    await session.flush()
    await session.refresh(row)
    read = to_read(row)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="archived" if archived else "unarchived",
        actor=actor,
        changes={"archived": [before.archived, archived]},
    )
    return read


async def delete_customer(
    session: AsyncSession, *, actor: Actor, customer_id: uuid.UUID, if_match: str | None = None
) -> None:
    """Delete a customer that has never been invoiced (no invoice, draft or issued, names it);
    otherwise 409: archive it instead.

    The row lock also holds off a concurrent invoice for this customer (its foreign key check
    needs a share lock on the row) until this transaction ends."""
    row = await _customer(session, actor, customer_id, lock=True)
    require(actor, Permission.WRITE)
    before = to_read(row)
    check_if_match(if_match, etag_of(before))
    invoiced = await session.scalar(
        select(
            exists().where(Invoice.company_id == actor.company_id, Invoice.customer_id == row.id)
        )
    )
    if invoiced:
        raise CustomerInvoiced(id=row.id)
    await session.delete(row)
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=customer_id,
        action="deleted",
        actor=actor,
        changes={"name": [before.name, None], "customer_number": [before.customer_number, None]},
    )


async def customer_audit(
    session: AsyncSession, *, actor: Actor, customer_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[AuditEventRead]:
    await _customer(session, actor, customer_id)
    require(actor, Permission.READ)
    return await audit.list_events(
        session, resource_type=RESOURCE, resource_id=customer_id, limit=limit, cursor=cursor
    )
