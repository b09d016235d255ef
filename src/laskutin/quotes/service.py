"""Use cases of quotes. Keyword-only; nothing here commits.

Every query names the active company (``actor.company_id``) besides row-level security. A
path's quote of another company is a 404 (:class:`NotFound`), looked up before the role is
checked (api/authz.py: 404 before 403). Changes lock the quote row (``SELECT ... FOR UPDATE``)
before comparing ``If-Match`` and before changing it.

Numbers: a quote is numbered when it is created, from the company's ``number_series`` row of
kind ``quote`` (made on first use, as the invoice series is)::

    UPDATE number_series SET next_number = next_number + 1
        WHERE company_id = :company AND kind = 'quote' RETURNING prefix, next_number - 1;

A quote is no bookkeeping document, so a deleted draft may leave a gap; numbering at creation
gives the draft the number people use while they talk it over (and print on its preview).

Lock order: the quote, then the series row (at creation only), then an invoice made from it.
Amounts come only from finnish.lines and finnish.totals (through invoices.lines).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.etag import check_if_match, etag_of
from laskutin.audit import service as audit
from laskutin.companies.domain import Permission
from laskutin.companies.models import Company, CompanyBankAccount
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.db import driver_connection
from laskutin.core.errors import NotFound
from laskutin.customers.models import Customer
from laskutin.finnish.vat import NoVatRateOnDate, RateClass, VatCategory, rates_on
from laskutin.invoices import service as invoices
from laskutin.invoices.domain import rate_text
from laskutin.invoices.errors import UnknownCustomer
from laskutin.invoices.models import Invoice
from laskutin.invoices.schemas import InvoiceCreate, InvoiceRead, LineIn, VatBreakdownRow
from laskutin.quotes import domain
from laskutin.quotes.domain import RESOURCE, SERIES_KIND, State, Status
from laskutin.quotes.errors import (
    QuoteAlreadyAccepted,
    QuoteAlreadyDeclined,
    QuoteAlreadyInvoiced,
    QuoteAlreadySent,
    QuoteExpired,
    QuoteHasNoLines,
    QuoteNotAccepted,
    QuoteNotDraft,
    QuoteSentFixed,
    ValidUntilBeforeQuoteDate,
)
from laskutin.quotes.lines import built_from_input, lines_of, rebuild, replace_lines
from laskutin.quotes.models import Quote, QuoteLine
from laskutin.quotes.schemas import QuoteCreate, QuoteLineRead, QuoteRead

# --- reading ---------------------------------------------------------------------------------


def _line_read(row: QuoteLine) -> QuoteLineRead:
    return QuoteLineRead(
        position=row.position,
        product_id=row.product_id,
        description=row.description,
        quantity=row.quantity,
        unit=row.unit,
        unit_price=row.unit_price,
        discount_percent=row.discount_percent,
        vat_rate=rate_text(row.vat_rate),
        vat_category=row.vat_category,
        vat_ground=row.vat_ground,
        tax_point=row.tax_point,
        net_amount=row.net_amount,
        vat_amount=row.vat_amount,
        gross_amount=row.gross_amount,
    )


def status_of(quote: Quote, today: dt.date) -> Status:
    return domain.derive_status(quote.state, quote.valid_until, today)


def quote_read(quote: Quote, lines: Sequence[QuoteLine], today: dt.date) -> QuoteRead:
    return QuoteRead(
        id=quote.id,
        number=quote.number,
        status=status_of(quote, today),
        customer_id=quote.customer_id,
        quote_date=quote.quote_date,
        valid_until=quote.valid_until,
        buyer_reference=quote.buyer_reference,
        notes=quote.notes,
        language=quote.language,
        currency=quote.currency,
        prices_include_vat=quote.prices_include_vat,
        net_total=quote.net_total,
        vat_total=quote.vat_total,
        total=quote.total,
        vat_breakdown=[VatBreakdownRow.model_validate(r) for r in quote.vat_breakdown],
        lines=[_line_read(row) for row in lines],
        seller=quote.seller,
        buyer=quote.buyer,
        sent_at=quote.sent_at,
        accepted_at=quote.accepted_at,
        declined_at=quote.declined_at,
        invoice_id=quote.invoice_id,
        created_by=quote.created_by,
        created_at=quote.created_at,
        updated_at=quote.updated_at,
    )


async def find_quote(
    session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID, lock: bool = False
) -> Quote:
    """The active company's quote (fresh from the database), or NotFound."""
    statement = (
        select(Quote)
        .where(Quote.company_id == actor.company_id, Quote.id == quote_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update()
    quote = await session.scalar(statement)
    if quote is None:
        raise NotFound()
    return quote


async def read_quote(session: AsyncSession, quote: Quote) -> QuoteRead:
    """The quote as the API shows it, as stored (written and read back)."""
    await session.flush()
    await session.refresh(quote)
    return quote_read(quote, await lines_of(session, quote), clock.today())


async def get_quote(session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID) -> QuoteRead:
    quote = await find_quote(session, actor=actor, quote_id=quote_id)
    return quote_read(quote, await lines_of(session, quote), clock.today())


# --- drafts ----------------------------------------------------------------------------------


async def _customer(session: AsyncSession, actor: Actor, customer_id: uuid.UUID) -> Customer:
    customer = await session.scalar(
        select(Customer).where(Customer.company_id == actor.company_id, Customer.id == customer_id)
    )
    if customer is None:
        raise UnknownCustomer(field="customer_id")
    return customer


def _check_validity(quote_date: dt.date, valid_until: dt.date) -> None:
    if valid_until < quote_date:
        raise ValidUntilBeforeQuoteDate(field="valid_until", quote_date=quote_date.isoformat())


_TAKE_NUMBER = (
    "UPDATE number_series SET next_number = next_number + 1 "
    "WHERE company_id = $1 AND kind = $2 "
    "RETURNING prefix, next_number - 1 AS sequence_number"
)
_MAKE_SERIES = "INSERT INTO number_series (company_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING"


async def next_number(session: AsyncSession, *, company_id: uuid.UUID) -> tuple[str, int]:
    """The next number of the company's quote series (prefix + sequence number), under the
    series row's lock until the transaction ends (as invoices.service.next_number)."""
    db = await driver_connection(session)
    row = await db.fetchrow(_TAKE_NUMBER, company_id, SERIES_KIND)
    if row is None:  # the company's first quote: make its series, then take from it
        await db.execute(_MAKE_SERIES, company_id, SERIES_KIND)
        row = await db.fetchrow(_TAKE_NUMBER, company_id, SERIES_KIND)
        assert row is not None
    prefix, sequence = row
    return f"{prefix}{sequence}", int(sequence)


async def create_quote(session: AsyncSession, *, actor: Actor, data: QuoteCreate) -> QuoteRead:
    require(actor, Permission.WRITE)
    customer = await _customer(session, actor, data.customer_id)
    language = data.language or customer.language
    quote_date = data.quote_date or clock.today()
    valid_until = data.valid_until or domain.default_valid_until(quote_date)
    _check_validity(quote_date, valid_until)
    built = await built_from_input(
        session,
        actor,
        data.lines,
        quote_date=quote_date,
        language=language,
        prices_include_vat=data.prices_include_vat,
    )
    number, sequence = await next_number(session, company_id=actor.company_id)
    quote = Quote(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        state=State.DRAFT.value,
        customer_id=customer.id,
        number=number,
        sequence_number=sequence,
        quote_date=quote_date,
        valid_until=valid_until,
        buyer_reference=data.buyer_reference,
        notes=data.notes,
        language=language,
        currency="EUR",
        prices_include_vat=data.prices_include_vat,
        created_by=actor.user_id,
    )
    session.add(quote)
    await session.flush()
    await replace_lines(session, quote, built)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=quote.id,
        action="created",
        actor=actor,
        changes={"number": number},
    )
    return await read_quote(session, quote)


def _refuse_closed(quote: Quote) -> None:
    if quote.state == State.ACCEPTED:
        raise QuoteAlreadyAccepted()
    if quote.state == State.DECLINED:
        raise QuoteAlreadyDeclined()


_FIELDS = ("quote_date", "valid_until", "buyer_reference", "notes")


async def update_quote(
    session: AsyncSession,
    *,
    actor: Actor,
    quote_id: uuid.UUID,
    changes: Mapping[str, Any],
    lines: Sequence[LineIn] | None,
    if_match: str | None,
) -> QuoteRead:
    """Change a draft (the fields in ``changes``; ``lines``, when given, replace all lines), or
    a sent quote's ``valid_until``. A new date or price basis recomputes the lines."""
    quote = await find_quote(session, actor=actor, quote_id=quote_id, lock=True)
    require(actor, Permission.WRITE)
    before = quote_read(quote, await lines_of(session, quote), clock.today())
    check_if_match(if_match, etag_of(before))
    _refuse_closed(quote)
    if quote.state == State.SENT:
        for field in [*changes, *(["lines"] if lines is not None else [])]:
            if field != "valid_until":
                raise QuoteSentFixed(field=field)
    if changes.get("customer_id") is not None:
        quote.customer_id = (await _customer(session, actor, changes["customer_id"])).id
    for field in ("buyer_reference", "notes"):
        if field in changes:
            setattr(quote, field, changes[field])
    for field in ("quote_date", "valid_until", "prices_include_vat", "language"):
        if changes.get(field) is not None:
            setattr(quote, field, changes[field])
    _check_validity(quote.quote_date, quote.valid_until)
    if lines is not None:
        built = await built_from_input(
            session,
            actor,
            lines,
            quote_date=quote.quote_date,
            language=quote.language,
            prices_include_vat=quote.prices_include_vat,
        )
        await replace_lines(session, quote, built)
    elif quote.state == State.DRAFT:
        await replace_lines(session, quote, rebuild(await lines_of(session, quote), quote))
    quote.updated_at = clock.now()
    after = await read_quote(session, quote)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=quote.id,
        action="updated",
        actor=actor,
        changes=audit.diff(
            before.model_dump(mode="json", exclude={"updated_at", "status"}),
            after.model_dump(mode="json", exclude={"updated_at", "status"}),
        ),
    )
    return after


async def delete_quote(
    session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID, if_match: str | None
) -> None:
    quote = await find_quote(session, actor=actor, quote_id=quote_id, lock=True)
    require(actor, Permission.WRITE)
    check_if_match(
        if_match, etag_of(quote_read(quote, await lines_of(session, quote), clock.today()))
    )
    if quote.state != State.DRAFT:
        raise QuoteNotDraft()
    await session.execute(delete(QuoteLine).where(QuoteLine.quote_id == quote.id))
    await session.delete(quote)
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=quote_id,
        action="deleted",
        actor=actor,
        changes={"number": quote.number},
    )


# --- answers ---------------------------------------------------------------------------------


async def _locked_for_action(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, if_match: str | None
) -> tuple[Quote, list[QuoteLine]]:
    quote = await find_quote(session, actor=actor, quote_id=quote_id, lock=True)
    require(actor, Permission.WRITE)
    rows = await lines_of(session, quote)
    check_if_match(if_match, etag_of(quote_read(quote, rows, clock.today())))
    return quote, rows


async def _take_snapshots(session: AsyncSession, actor: Actor, quote: Quote) -> None:
    """The seller and the buyer as they are now, copied onto the quote."""
    company = await session.scalar(select(Company).where(Company.id == actor.company_id))
    assert company is not None  # the actor's company (row-level security)
    accounts = list(
        await session.scalars(
            select(CompanyBankAccount)
            .where(CompanyBankAccount.company_id == actor.company_id)
            .order_by(CompanyBankAccount.position)
        )
    )
    customer = await _customer(session, actor, quote.customer_id)
    quote.seller = invoices.seller_snapshot(company, accounts, quote.language)
    quote.buyer = invoices.buyer_snapshot(customer)


def _refuse_expired(quote: Quote) -> None:
    if status_of(quote, clock.today()) is Status.EXPIRED:
        raise QuoteExpired(valid_until=quote.valid_until.isoformat())


async def _record(
    session: AsyncSession, actor: Actor, quote: Quote, action: str, **changes: Any
) -> QuoteRead:
    quote.updated_at = clock.now()
    answer = await read_quote(session, quote)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=quote.id,
        action=action,
        actor=actor,
        changes=changes or None,
    )
    return answer


async def send(
    session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID, if_match: str | None
) -> QuoteRead:
    """Mark a draft sent: the customer has it (e-mailed by the user, for now). The seller and
    the buyer are copied onto it, so its PDF stays what the customer got."""
    quote, rows = await _locked_for_action(session, actor, quote_id, if_match)
    _refuse_closed(quote)
    if quote.state == State.SENT:
        raise QuoteAlreadySent()
    _refuse_expired(quote)
    if not rows:
        raise QuoteHasNoLines(field="lines")
    await _take_snapshots(session, actor, quote)
    quote.state = State.SENT.value
    quote.sent_at = clock.now()
    return await _record(session, actor, quote, "sent")


async def accept(
    session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID, if_match: str | None
) -> QuoteRead:
    """The customer said yes: a draft (accepted before it was sent) or a sent quote, while it
    is valid."""
    quote, rows = await _locked_for_action(session, actor, quote_id, if_match)
    _refuse_closed(quote)
    _refuse_expired(quote)
    if not rows:
        raise QuoteHasNoLines(field="lines")
    if quote.buyer is None:
        await _take_snapshots(session, actor, quote)
    quote.state = State.ACCEPTED.value
    quote.accepted_at = clock.now()
    return await _record(session, actor, quote, "accepted")


async def decline(
    session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID, if_match: str | None
) -> QuoteRead:
    """The customer said no (an expired quote too: the answer is worth keeping)."""
    quote, _ = await _locked_for_action(session, actor, quote_id, if_match)
    _refuse_closed(quote)
    quote.state = State.DECLINED.value
    quote.declined_at = clock.now()
    return await _record(session, actor, quote, "declined")


# --- the invoice -----------------------------------------------------------------------------


def _invoice_line(row: QuoteLine, rates: Mapping[RateClass, Any] | None) -> LineIn:
    """The quote's line as an invoice line: the same values; a standard rate at its rate
    class's rate on the invoice's tax point (the same unless the law changed in between)."""
    rate = row.vat_rate
    if row.vat_category == VatCategory.STANDARD.value and row.rate_class and rates is not None:
        rate = rates.get(RateClass(row.rate_class), rate)
    return LineIn(
        product_id=row.product_id,
        description=row.description,
        quantity=row.quantity,
        unit=row.unit,
        unit_price=row.unit_price,
        discount_percent=row.discount_percent,
        vat_rate=rate,
        vat_category=row.vat_category,  # checked by the table
        vat_ground=row.vat_ground,
    )


async def make_invoice(session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID) -> InvoiceRead:
    """An invoice draft from an accepted quote (POST /api/v1/invoices with its customer,
    lines, language, price basis and buyer reference), remembered on the quote."""
    quote = await find_quote(session, actor=actor, quote_id=quote_id, lock=True)
    require(actor, Permission.WRITE)
    if quote.state != State.ACCEPTED:
        raise QuoteNotAccepted()
    if quote.invoice_id is not None:
        existing = await session.scalar(
            select(Invoice).where(
                Invoice.company_id == actor.company_id, Invoice.id == quote.invoice_id
            )
        )
        number = existing.number if existing is not None else None
        raise QuoteAlreadyInvoiced(
            invoice=number or str(quote.invoice_id), invoice_id=str(quote.invoice_id)
        )
    try:
        rates = rates_on(clock.today())
    except NoVatRateOnDate:
        rates = None
    rows = await lines_of(session, quote)
    invoice = await invoices.create_draft(
        session,
        actor=actor,
        data=InvoiceCreate(
            customer_id=quote.customer_id,
            buyer_reference=quote.buyer_reference,
            prices_include_vat=quote.prices_include_vat,
            language=quote.language,  # checked by the table
            lines=[_invoice_line(row, rates) for row in rows],
        ),
    )
    quote.invoice_id = invoice.id
    quote.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=quote.id,
        action="invoiced",
        actor=actor,
        changes={"invoice_id": str(invoice.id)},
    )
    return invoice
