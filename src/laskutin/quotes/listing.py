"""Lists of quotes: filters (status, customer, quote dates, text, updated_since), sorts and
keyset pages; and a quote's audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.audit.schemas import AuditEventRead
from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.customers.models import Customer
from laskutin.quotes.domain import OPEN_STATES, RESOURCE, Status
from laskutin.quotes.models import Quote
from laskutin.quotes.schemas import QuoteSummary
from laskutin.quotes.service import find_quote, status_of

SortName = Literal["quote_date", "number", "valid_until", "total", "created_at"]

SORTS: dict[str, Sort] = {
    "quote_date": Sort("quotes:quote_date", [(Quote.quote_date, "desc"), (Quote.id, "desc")]),
    "number": Sort("quotes:number", [(Quote.sequence_number, "desc"), (Quote.id, "desc")]),
    "valid_until": Sort("quotes:valid_until", [(Quote.valid_until, "asc"), (Quote.id, "asc")]),
    "total": Sort("quotes:total", [(Quote.total, "desc"), (Quote.id, "desc")]),
    "created_at": Sort("quotes:created_at", [(Quote.created_at, "desc"), (Quote.id, "desc")]),
}


def status_condition(status: Status, today: dt.date) -> ColumnElement[bool]:
    """quotes.domain.derive_status as SQL: the rows whose status is ``status`` today."""
    open_ = Quote.state.in_([s.value for s in OPEN_STATES])
    if status is Status.EXPIRED:
        return and_(open_, Quote.valid_until < today)
    if status in (Status.DRAFT, Status.SENT):
        return and_(Quote.state == status.value, Quote.valid_until >= today)
    return Quote.state == status.value


@dataclass(frozen=True)
class ListFilters:
    statuses: Sequence[Status] = ()
    customer_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None
    invoiced: bool | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_quotes(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: ListFilters,
    sort: SortName,
    limit: int,
    cursor: str | None,
) -> Page[QuoteSummary]:
    today = clock.today()
    statement: Any = (
        select(Quote, Customer.name)
        .join(Customer, Customer.id == Quote.customer_id)
        .where(Quote.company_id == actor.company_id)
    )
    if filters.statuses:
        statement = statement.where(
            or_(*(status_condition(s, today) for s in set(filters.statuses)))
        )
    if filters.customer_id is not None:
        statement = statement.where(Quote.customer_id == filters.customer_id)
    if filters.date_from is not None:
        statement = statement.where(Quote.quote_date >= filters.date_from)
    if filters.date_to is not None:
        statement = statement.where(Quote.quote_date <= filters.date_to)
    if filters.updated_since is not None:
        statement = statement.where(Quote.updated_at >= filters.updated_since)
    if filters.invoiced is not None:
        made = Quote.invoice_id.is_not(None)
        statement = statement.where(made if filters.invoiced else ~made)
    words = (filters.q or "").strip()
    if words:
        pattern = f"%{_escape_like(words)}%"
        named = select(Customer.id).where(
            Customer.company_id == actor.company_id, Customer.name.ilike(pattern)
        )
        statement = statement.where(
            or_(
                Quote.number.ilike(pattern),
                Quote.customer_id.in_(named),
                Quote.buyer_reference.ilike(pattern),
                Quote.notes.ilike(pattern),
            )
        )

    def item(row: tuple[Quote, str]) -> QuoteSummary:
        quote, customer_name = row
        return QuoteSummary(
            id=quote.id,
            number=quote.number,
            status=status_of(quote, today),
            customer_id=quote.customer_id,
            customer_name=(quote.buyer or {}).get("name") or customer_name,
            quote_date=quote.quote_date,
            valid_until=quote.valid_until,
            buyer_reference=quote.buyer_reference,
            net_total=quote.net_total,
            vat_total=quote.vat_total,
            total=quote.total,
            invoice_id=quote.invoice_id,
            created_at=quote.created_at,
            updated_at=quote.updated_at,
        )

    return await paginate(
        session, statement, sort=SORTS[sort], limit=limit, cursor=cursor, item=item
    )


async def quote_audit(
    session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[AuditEventRead]:
    """The quote's trail, newest first."""
    await find_quote(session, actor=actor, quote_id=quote_id)
    return await audit.list_events(
        session, resource_type=RESOURCE, resource_id=quote_id, limit=limit, cursor=cursor
    )
