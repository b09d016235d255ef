"""Lists of invoices: filters (status, customer, dates, overdue, text, updated_since, kind),
sorts and keyset pages; and an invoice's audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    Date,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.audit.schemas import AuditEventRead
from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.customers.models import Customer
from laskutin.invoices import domain
from laskutin.invoices.domain import RESOURCE, Kind, Status
from laskutin.invoices.models import Invoice
from laskutin.invoices.reading import _printed_reference, find_invoice
from laskutin.invoices.schemas import (
    InvoiceSummary,
)
from laskutin.invoices.status import status_condition, status_of

# Where an invoice without a date sorts: after every date. A literal rather than a bound
# parameter, so that PostgreSQL matches the list's ORDER BY with the expression of the index
# ix_invoices_company_id_list_date (migration 20261206_0012). asyncpg reads 'infinity' back as
# date.max, the value a cursor then carries, and binds date.max as 'infinity' again.
_NO_DATE = literal_column("'infinity'::date", Date)
_NO_NUMBER = 2**63 - 1

SortName = Literal["invoice_date", "number", "due_date", "total", "created_at"]
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")  # until the commit

SORTS: dict[str, Sort] = {
    # Drafts without a date first, then newest first.
    "invoice_date": Sort(
        "invoices:invoice_date",
        [
            (func.coalesce(Invoice.invoice_date, _NO_DATE), "desc"),
            (Invoice.id, "desc"),
        ],
    ),
    # Highest number first; drafts (no number) first.
    "number": Sort(
        "invoices:number",
        [(func.coalesce(Invoice.sequence_number, _NO_NUMBER), "desc"), (Invoice.id, "desc")],
    ),
    # Soonest due first; drafts (no due date) last.
    "due_date": Sort(
        "invoices:due_date",
        [
            (func.coalesce(Invoice.due_date, _NO_DATE), "asc"),
            (Invoice.id, "asc"),
        ],
    ),
    "total": Sort("invoices:total", [(Invoice.total, "desc"), (Invoice.id, "desc")]),
    "created_at": Sort("invoices:created_at", [(Invoice.created_at, "desc"), (Invoice.id, "desc")]),
}
# SORTS["invoice_date"] when every listed invoice has a date (a date filter): the same order and
# cursors, on the date itself, so that the index (company_id, invoice_date, id) reads just the
# range in order (the sort expression's index can only filter: row-level security keeps
# coalesce() out of index conditions).
_DATED = Sort("invoices:invoice_date", [(Invoice.invoice_date, "desc"), (Invoice.id, "desc")])


@dataclass(frozen=True)
class ListFilters:
    statuses: Sequence[Status] = ()
    customer_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue: bool | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None
    kind: Kind | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_invoices(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: ListFilters,
    sort: SortName,
    limit: int,
    cursor: str | None,
) -> Page[InvoiceSummary]:
    today = clock.today()
    # Plan with this request's values, not with the generic plan PostgreSQL keeps for a
    # prepared statement after five runs: that plan assumes a company of average size, and for
    # a company with 100,000 invoices it sorts them all instead of reading the list's index in
    # order and stopping after the page (160 ms instead of 2 ms, bench/invoicing.py).
    await session.execute(_CUSTOM_PLANS)
    statement: Any = (
        select(Invoice, Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.company_id == actor.company_id)
    )
    if filters.statuses:
        statement = statement.where(
            or_(*(status_condition(s, Invoice, today) for s in set(filters.statuses)))
        )
    if filters.overdue is not None:
        overdue = status_condition(Status.OVERDUE, Invoice, today)
        statement = statement.where(overdue if filters.overdue else ~overdue)
    if filters.customer_id is not None:
        statement = statement.where(Invoice.customer_id == filters.customer_id)
    if filters.date_from is not None:
        statement = statement.where(Invoice.invoice_date >= filters.date_from)
    if filters.date_to is not None:
        statement = statement.where(Invoice.invoice_date <= filters.date_to)
    if filters.updated_since is not None:
        statement = statement.where(Invoice.updated_at >= filters.updated_since)
    if filters.kind is not None:
        statement = statement.where(Invoice.kind == filters.kind.value)
    if filters.q:
        words = filters.q.strip()
        pattern = f"%{_escape_like(words)}%"
        compact = "".join(words.split())
        # The customer's name is matched once per customer, not once per invoice (the same
        # rows as matching the joined name: the join is on the invoice's customer).
        named = select(Customer.id).where(
            Customer.company_id == actor.company_id, Customer.name.ilike(pattern)
        )
        conditions = [
            Invoice.number.ilike(pattern),
            Invoice.customer_id.in_(named),
            Invoice.buyer_reference.ilike(pattern),
            Invoice.order_reference.ilike(pattern),
        ]
        if compact:
            conditions.append(Invoice.reference.ilike(f"%{_escape_like(compact)}%"))
        statement = statement.where(or_(*conditions) if conditions else false())

    def item(row: tuple[Invoice, str]) -> InvoiceSummary:
        invoice, customer_name = row
        return InvoiceSummary(
            id=invoice.id,
            kind=Kind(invoice.kind),
            number=invoice.number,
            status=status_of(invoice, today),
            customer_id=invoice.customer_id,
            customer_name=(invoice.buyer or {}).get("name") or customer_name,
            invoice_date=invoice.invoice_date,
            due_date=invoice.due_date,
            reference=_printed_reference(invoice.reference),
            net_total=invoice.net_total,
            vat_total=invoice.vat_total,
            total=invoice.total,
            paid_amount=invoice.paid_amount,
            credited_amount=invoice.credited_amount,
            balance=domain.balance(invoice.total, invoice.paid_amount, invoice.credited_amount),
            credited_invoice_id=invoice.credited_invoice_id,
            created_at=invoice.created_at,
            updated_at=invoice.updated_at,
        )

    order = SORTS[sort]
    if sort == "invoice_date" and (filters.date_from is not None or filters.date_to is not None):
        order = _DATED
    return await paginate(session, statement, sort=order, limit=limit, cursor=cursor, item=item)


async def invoice_audit(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[AuditEventRead]:
    """The invoice's trail, newest first. A deleted draft's trail stays readable only through
    reports (its id answers 404 here, like everywhere)."""
    await find_invoice(session, actor=actor, invoice_id=invoice_id)
    return await audit.list_events(
        session, resource_type=RESOURCE, resource_id=invoice_id, limit=limit, cursor=cursor
    )
