"""Use cases of invoices and credit notes. Keyword-only; nothing here commits.

Every query names the active company (``actor.company_id``) besides row-level security. A
path's invoice of another company is a 404 (:class:`NotFound`), looked up before the role is
checked (api/authz.py: 404 before 403). Changes lock the invoice row (``SELECT ... FOR
UPDATE``) before comparing ``If-Match`` and before changing it.

Issuing takes the next number of the company's series inside the issuing transaction::

    UPDATE number_series SET next_number = next_number + 1
        WHERE company_id = :company AND kind = 'invoice' RETURNING prefix, next_number - 1;

(for the company's first number, when that finds no row: ``INSERT INTO number_series
(company_id, kind) VALUES (:company, 'invoice') ON CONFLICT DO NOTHING`` and the UPDATE again).

The UPDATE's row lock makes concurrent issuers on every replica take turns; a rolled-back
issue gives its number back, so the numbers have no gaps; the unique (company_id, number) of
invoices backs it. Lock order everywhere: the invoice (or credit note), the series row, then
a credit note's original, so issuers and payers never deadlock.

Amounts come only from finnish.lines and finnish.totals (rounding in core.money).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    delete,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from laskutin.audit import service as audit
from laskutin.audit.service import AUDIT_COLUMNS
from laskutin.companies.domain import Permission
from laskutin.companies.models import Company, CompanyBankAccount
from laskutin.companies.service import Actor, require
from laskutin.core import clock, jsontext
from laskutin.core.db import driver_connection
from laskutin.core.errors import (
    NotFound,
    RuleViolation,
)
from laskutin.customers.models import Customer
from laskutin.finnish import barcode as bank_barcode
from laskutin.invoices import domain
from laskutin.invoices.domain import RESOURCE, Kind
from laskutin.invoices.errors import (
    AlreadyIssued,
    BankAccountMissing,
    BusinessIdMissing,
    CreditExceedsRemaining,
    CreditNoteLinesFixed,
    CustomerArchived,
    InvoiceImmutable,
    NoLines,
    NotIssuable,
    UnknownCustomer,
)
from laskutin.invoices.lines import (
    BuiltLine,
    _breakdown_json,
    _line_rows,
    _replace_lines,
    build_lines,
    compute_totals,
    rebuild_lines,
)
from laskutin.invoices.models import Invoice, InvoiceLine
from laskutin.invoices.reading import (
    _line_read,
    _lines_of,
    columns_of,
    detached,
    detached_record,
    find_invoice,
    invoice_read,
    number_fields,
    read_invoice,
    row_of,
)
from laskutin.invoices.schemas import (
    InvoiceCreate,
    InvoicePreview,
    InvoiceRead,
    LineIn,
    VatBreakdownRow,
)
from laskutin.jobs.queue import defer_expression, defer_parameters
from laskutin.products.models import Product

SERIES_KIND = "invoice"

# --- drafts ----------------------------------------------------------------------------------


async def _customer(
    session: AsyncSession, actor: Actor, customer_id: uuid.UUID, field: str = "customer_id"
) -> Customer:
    customer = await session.scalar(
        select(Customer).where(Customer.company_id == actor.company_id, Customer.id == customer_id)
    )
    if customer is None:
        raise UnknownCustomer(field=field)
    return customer


async def _products(
    session: AsyncSession, actor: Actor, lines: Iterable[LineIn]
) -> dict[uuid.UUID, Product]:
    ids = {line.product_id for line in lines if line.product_id is not None}
    if not ids:
        return {}
    rows = await session.scalars(
        select(Product).where(Product.company_id == actor.company_id, Product.id.in_(ids))
    )
    return {row.id: row for row in rows}


def _tax_point(invoice_date: dt.date | None, delivery_date: dt.date | None) -> tuple[dt.date, str]:
    """The tax point for rate checks and the field it came from (a draft without dates: today
    in Europe/Helsinki, re-checked at issue)."""
    if delivery_date is not None:
        return delivery_date, "delivery_date"
    if invoice_date is not None:
        return invoice_date, "invoice_date"
    return clock.today(), "invoice_date"


async def _built_from_input(
    session: AsyncSession,
    actor: Actor,
    lines: Sequence[LineIn],
    *,
    invoice_date: dt.date | None,
    delivery_date: dt.date | None,
    language: str,
    prices_include_vat: bool,
) -> list[BuiltLine]:
    point, date_field = _tax_point(invoice_date, delivery_date)
    return build_lines(
        lines,
        products=await _products(session, actor, lines),
        tax_point=point,
        date_field=date_field,
        language=language,
        prices_include_vat=prices_include_vat,
    )


async def preview(session: AsyncSession, *, actor: Actor, data: InvoiceCreate) -> InvoicePreview:
    """Lines, totals and breakdown of a would-be draft; nothing is saved."""
    customer = await _customer(session, actor, data.customer_id)
    language = data.language or customer.language
    built = await _built_from_input(
        session,
        actor,
        data.lines,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        language=language,
        prices_include_vat=data.prices_include_vat,
    )
    totals = compute_totals(built)
    point, _ = _tax_point(data.invoice_date, data.delivery_date)
    rows = _line_rows(Invoice(id=uuid.uuid4(), company_id=actor.company_id), built, totals)
    return InvoicePreview(
        language=language,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        tax_point=point,
        prices_include_vat=data.prices_include_vat,
        lines=[_line_read(row) for row in rows],
        net_total=totals.net_total,
        vat_total=totals.vat_total,
        total=totals.gross_total,
        vat_breakdown=[
            VatBreakdownRow.model_validate(r) for r in _breakdown_json(totals, language)
        ],
    )


async def create_draft(session: AsyncSession, *, actor: Actor, data: InvoiceCreate) -> InvoiceRead:
    require(actor, Permission.WRITE)
    customer = await _customer(session, actor, data.customer_id)
    language = data.language or customer.language
    built = await _built_from_input(
        session,
        actor,
        data.lines,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        language=language,
        prices_include_vat=data.prices_include_vat,
    )
    invoice = Invoice(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        kind=Kind.INVOICE.value,
        state="draft",
        customer_id=customer.id,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        buyer_reference=data.buyer_reference,
        order_reference=data.order_reference,
        notes=data.notes,
        language=language,
        currency="EUR",
        prices_include_vat=data.prices_include_vat,
    )
    session.add(invoice)
    await session.flush()
    await _replace_lines(session, invoice, built)
    await audit.record(
        session, resource_type=RESOURCE, resource_id=invoice.id, action="created", actor=actor
    )
    return await read_invoice(session, invoice)


def _authorise_change(actor: Actor, invoice: Invoice) -> None:
    require(actor, Permission.WRITE)
    if invoice.state != "draft":
        raise InvoiceImmutable()


async def update_draft(
    session: AsyncSession,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    changes: Mapping[str, Any],
    lines: Sequence[LineIn] | None,
    if_match: str | None,
) -> InvoiceRead:
    """Change a draft: the fields in ``changes``; ``lines`` (when given) replace all lines.
    Dates or the price basis changing re-check and recompute the lines."""
    from laskutin.api.etag import check_if_match, etag_of

    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    before = await read_invoice(session, invoice)
    check_if_match(if_match, etag_of(before))
    _authorise_change(actor, invoice)
    credit_note = invoice.kind == Kind.CREDIT_NOTE
    if credit_note:
        for field in ("customer_id", "prices_include_vat", "delivery_date"):
            if field in changes:
                raise CreditNoteLinesFixed(field=field)
        if lines is not None:
            raise CreditNoteLinesFixed(field="lines")
    if changes.get("customer_id") is not None:
        customer = await _customer(session, actor, changes["customer_id"])
        invoice.customer_id = customer.id
    for field in ("invoice_date", "delivery_date", "buyer_reference", "order_reference", "notes"):
        if field in changes:
            setattr(invoice, field, changes[field])
    if changes.get("prices_include_vat") is not None:
        invoice.prices_include_vat = changes["prices_include_vat"]
    if changes.get("language") is not None:
        invoice.language = changes["language"]
    if lines is not None:
        built = await _built_from_input(
            session,
            actor,
            lines,
            invoice_date=invoice.invoice_date,
            delivery_date=invoice.delivery_date,
            language=invoice.language,
            prices_include_vat=invoice.prices_include_vat,
        )
        await _replace_lines(session, invoice, built)
    else:
        rows = await _lines_of(session, invoice)
        point = None if credit_note else _tax_point(invoice.invoice_date, invoice.delivery_date)[0]
        await _replace_lines(session, invoice, rebuild_lines(rows, invoice, tax_point=point))
    invoice.updated_at = clock.now()
    after = await read_invoice(session, invoice)
    changed = audit.diff(
        before.model_dump(mode="json", exclude={"updated_at", "status"}),
        after.model_dump(mode="json", exclude={"updated_at", "status"}),
    )
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice.id,
        action="updated",
        actor=actor,
        changes=changed,
    )
    return after


async def delete_draft(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, if_match: str | None
) -> None:
    from laskutin.api.etag import check_if_match, etag_of

    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    check_if_match(if_match, etag_of(await read_invoice(session, invoice)))
    _authorise_change(actor, invoice)
    await session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    await session.delete(invoice)
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice_id,
        action="deleted",
        actor=actor,
        changes={"kind": invoice.kind},
    )


# --- issuing ---------------------------------------------------------------------------------


_TAKE_NUMBER = (
    "UPDATE number_series SET next_number = next_number + 1 "
    "WHERE company_id = $1 AND kind = $2 "
    "RETURNING prefix, next_number - 1 AS sequence_number"
)
_MAKE_SERIES = "INSERT INTO number_series (company_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING"


async def next_number(session: AsyncSession, *, company_id: uuid.UUID) -> tuple[str, int]:
    """The next number of the company's invoice series (prefix + sequence number), under the
    series row's lock until the transaction ends (module docstring)."""
    db = await driver_connection(session)
    row = await db.fetchrow(_TAKE_NUMBER, company_id, SERIES_KIND)
    if row is None:  # the company's first number: make its series, then take from it
        await db.execute(_MAKE_SERIES, company_id, SERIES_KIND)
        row = await db.fetchrow(_TAKE_NUMBER, company_id, SERIES_KIND)
        assert row is not None
    prefix, sequence = row
    return f"{prefix}{sequence}", int(sequence)


def seller_snapshot(
    company: Company, accounts: Sequence[CompanyBankAccount], language: str
) -> dict[str, Any]:
    percent = company.penalty_interest_percent
    return {
        "name": company.name,
        "business_id": company.business_id,
        "vat_number": company.vat_number,
        "street_address": company.street_address,
        "postal_code": company.postal_code,
        "city": company.city,
        "country_code": company.country_code,
        "email": company.email,
        "phone": company.phone,
        "website": company.website,
        "bank_accounts": [{"iban": a.iban, "bic": a.bic} for a in accounts],
        "penalty_interest_percent": None if percent is None else str(percent),
        "penalty_interest": domain.penalty_interest_text(percent, language),
        "einvoice_address": company.einvoice_address,
        "einvoice_operator": company.einvoice_operator,
    }


def buyer_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "customer_number": customer.customer_number,
        "kind": customer.kind,
        "name": customer.name,
        "business_id": customer.business_id,
        "vat_number": customer.vat_number,
        "email": customer.email,
        "phone": customer.phone,
        "contact_person": customer.contact_person,
        "language": customer.language,
        "street_address": customer.billing_street,
        "postal_code": customer.billing_postal_code,
        "city": customer.billing_city,
        "country_code": customer.billing_country,
        "delivery_name": customer.delivery_name,
        "delivery_street": customer.delivery_street,
        "delivery_postal_code": customer.delivery_postal_code,
        "delivery_city": customer.delivery_city,
        "delivery_country": customer.delivery_country,
        "einvoice_address": customer.einvoice_address,
        "einvoice_operator": customer.einvoice_operator,
    }


def _barcode(iban: str, total: Decimal, reference: str, due: dt.date) -> str | None:
    """The virtual barcode, or None where none can be printed (a foreign IBAN, a date out of
    the barcode's range)."""
    try:
        return bank_barcode.compose_virtual_barcode(
            iban=iban, amount=total, reference=reference, due_date=due
        )
    except RuleViolation:
        return None


# Issuing is the hot write path (issue 5's budget: a third of pgbench running its SQL), so it
# reads and writes with lean SQL (core.db.driver_connection) in the request's transaction:
# asyncpg prepares each statement once per connection, and no SQLAlchemy statement is built,
# compiled or loaded into ORM objects per request. Rows become plain objects typed as their
# models (reading.detached), so the rules below read them as they read models elsewhere.
_LOCK_INVOICE = (
    f"SELECT {columns_of(Invoice)} FROM invoices WHERE company_id = $1 AND id = $2 FOR UPDATE"
)
# The rest of what issuing reads, in one statement (one round trip instead of four: about
# 0.1 ms of the server's CPU each, bench/README.md, invoicing): the customer, the lines, the
# company and its bank accounts in order; it also defers the PDF's render job. Run after
# _LOCK_INVOICE, so that its snapshot is taken once the draft is locked and sees the lines as
# the last edit committed them (in the locking statement itself a waited-for lock would leave
# the lines as they were before).
_ISSUE_CONTEXT = (
    f"SELECT (SELECT {row_of(Customer)} FROM customers WHERE company_id = $1 AND id = $2), "
    f"ARRAY(SELECT {row_of(InvoiceLine)} FROM invoice_lines WHERE invoice_id = $3 "
    "ORDER BY position), "
    f"(SELECT {row_of(Company)} FROM companies WHERE id = $1), "
    "ARRAY(SELECT ROW(iban, bic) FROM company_bank_accounts WHERE company_id = $1 "
    "ORDER BY position), "
    # The PDF's render job (documents.tasks), so the first download needs no render: deferred
    # here, one round trip less; a refusal below rolls it back with the rest.
    f"{defer_expression(4)}"
)
_ISSUED = (
    "WITH issued AS (UPDATE invoices SET state = 'issued', number = $3, sequence_number = $4, "
    "invoice_date = $5, due_date = $6, payment_terms_days = $7, reference = $8, "
    "penalty_interest_percent = $9, seller = $10, buyer = $11, bank_barcode = $12, "
    "net_total = $13, vat_total = $14, total = $15, vat_breakdown = $16, issued_at = $17, "
    "issued_by = $18, updated_at = $19 WHERE company_id = $1 AND id = $2 RETURNING id) "
    f"INSERT INTO audit_events ({AUDIT_COLUMNS}) "
    "SELECT $1, $20::text, id, 'issued', $18, $21::text, $22::jsonb FROM issued"
)
_REREAD_INVOICE = f"SELECT {columns_of(Invoice)} FROM invoices WHERE company_id = $1 AND id = $2"


def _accounts(company: Company, records: Sequence[Sequence[Any]]) -> list[CompanyBankAccount]:
    return [
        detached(CompanyBankAccount, {"company_id": company.id, "iban": iban, "bic": bic})
        for iban, bic in records
    ]


_INVOICE_KEYS = tuple(column.key for column in sa_inspect(Invoice).column_attrs)


def _written(session: AsyncSession, invoice: Invoice) -> None:
    """The session may hold the invoice already (a draft made through the ORM earlier in this
    transaction: a recurring run, the demo data): its instance takes the values just written,
    as after the ORM's own UPDATE, so later reads in the transaction see the issued invoice."""
    held_instances = session.sync_session.identity_map
    if not held_instances:  # as when issuing through the API: nothing to look up
        return
    held = held_instances.get(identity_key(Invoice, (invoice.id,)))
    if held is not None:
        for key in _INVOICE_KEYS:
            set_committed_value(held, key, invoice.__dict__[key])


def _as_jsonb(value: Any) -> Any:
    """``value`` as it reads back from a jsonb column: object keys shortest first, then in
    byte order (PostgreSQL's jsonb order), so the answer is the same as after a re-read."""
    if isinstance(value, dict):
        return {key: _as_jsonb(value[key]) for key in _jsonb_order(tuple(value))}
    if isinstance(value, list):
        return [_as_jsonb(item) for item in value]
    return value


@functools.lru_cache(maxsize=256)
def _jsonb_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys in jsonb's order; remembered, since the snapshots of every issue have the same
    few key sets."""
    return tuple(sorted(keys, key=lambda key: (len(key.encode()), key.encode())))


async def issue(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, invoice_date: dt.date | None
) -> dict[str, Any]:
    """Number, date, reference, snapshots and totals; then the invoice is frozen. The issued
    invoice as the API shows it, in its JSON form (``InvoiceRead.model_dump(mode="json")``)."""
    db = await driver_connection(session)
    found = await db.fetchrow(_LOCK_INVOICE, actor.company_id, invoice_id)
    if found is None:
        raise NotFound()
    invoice = detached(Invoice, found)
    require(actor, Permission.WRITE)
    if invoice.state != "draft":
        raise AlreadyIssued(number=invoice.number)
    credit_note = invoice.kind == Kind.CREDIT_NOTE
    render_pdf = defer_parameters(
        "documents.render_pdf",
        company_id=str(actor.company_id),
        invoice_id=str(invoice.id),
        user_id=str(actor.user_id),
    )
    context = await db.fetchrow(
        _ISSUE_CONTEXT, actor.company_id, invoice.customer_id, invoice.id, *render_pdf
    )
    assert context is not None
    customer_record, line_records, company_record, account_records, _ = context
    if customer_record is None:
        raise UnknownCustomer(field="customer_id")
    customer = detached_record(Customer, customer_record)
    rows = [detached_record(InvoiceLine, record) for record in line_records]
    company = detached_record(Company, company_record)
    accounts = _accounts(company, account_records)
    missing: list[tuple[str, RuleViolation]] = []
    if not company.business_id:
        missing.append(("company.business_id", BusinessIdMissing()))
    if not accounts:
        missing.append(("company.bank_accounts", BankAccountMissing()))
    if not rows:
        missing.append(("lines", NoLines()))
    if customer.archived_at is not None and not credit_note:
        missing.append(("customer_id", CustomerArchived()))
    if missing:
        raise NotIssuable(missing)
    day = invoice_date or invoice.invoice_date or clock.today()
    invoice.invoice_date = day
    point = None if credit_note else _tax_point(day, invoice.delivery_date)[0]
    stored_totals = (invoice.net_total, invoice.vat_total, invoice.total, invoice.vat_breakdown)
    built = rebuild_lines(rows, invoice, tax_point=point)
    rewritten = await _replace_lines(session, invoice, built, stored=rows)
    if rewritten:
        await session.flush()  # before the series row is locked: it is held until the commit
    # The totals as stored (as a re-read gives them) when the recomputation agrees with them.
    exact = (
        not rewritten
        and (
            invoice.net_total,
            invoice.vat_total,
            invoice.total,
            invoice.vat_breakdown,
        )
        == stored_totals
    )
    if exact:
        invoice.net_total, invoice.vat_total, invoice.total, invoice.vat_breakdown = stored_totals
    terms = (
        0
        if credit_note
        else (
            customer.payment_terms_days
            if customer.payment_terms_days is not None
            else company.payment_terms_days
        )
    )
    invoice.payment_terms_days = terms
    invoice.due_date = domain.due_date(day, terms)
    invoice.penalty_interest_percent = company.penalty_interest_percent
    invoice.seller = _as_jsonb(seller_snapshot(company, accounts, invoice.language))
    invoice.buyer = _as_jsonb(buyer_snapshot(customer))
    snapshots = (jsontext.dumps_text(invoice.seller), jsontext.dumps_text(invoice.buyer))
    breakdown = jsontext.dumps_text(invoice.vat_breakdown)
    invoice.state = "issued"
    invoice.issued_at = invoice.updated_at = clock.now().astimezone(dt.UTC)
    invoice.issued_by = actor.user_id
    lines = rows if not rewritten else await _lines_of(session, invoice)
    # Just issued from a draft locked above: no payments, no credit notes and no sends yet
    # (each needs an issued invoice and locks it first), so none is read. The answer is made
    # and dumped here, all but what the number decides, because from the next statement on
    # the series row stays locked until the commit and every issuer of the company waits for
    # it (with 4 or more clients issuing is bound by that lock: bench/README.md, invoicing).
    today = clock.today()

    def answer_of(issued: Invoice) -> dict[str, Any]:
        read = invoice_read(issued, lines=lines, payments=[], credit_notes=[], today=today)
        return read.model_dump(mode="json")

    answer = answer_of(invoice)
    actor_name = await audit.actor_name(session, actor.user_id)
    number, sequence = await next_number(session, company_id=actor.company_id)
    invoice.number = number
    invoice.sequence_number = sequence
    invoice.reference = domain.invoice_reference(sequence, company.reference_type)
    invoice.bank_barcode = (
        None
        if credit_note
        else _barcode(accounts[0].iban, invoice.total, invoice.reference, invoice.due_date)
    )
    # The invoice and its "issued" audit event in one statement (one round trip less under
    # the series lock).
    await db.execute(
        _ISSUED,
        actor.company_id,
        invoice.id,
        invoice.number,
        invoice.sequence_number,
        invoice.invoice_date,
        invoice.due_date,
        invoice.payment_terms_days,
        invoice.reference,
        invoice.penalty_interest_percent,
        *snapshots,
        invoice.bank_barcode,
        invoice.net_total,
        invoice.vat_total,
        invoice.total,
        breakdown,
        invoice.issued_at,
        invoice.issued_by,
        invoice.updated_at,
        RESOURCE,
        actor_name,
        jsontext.dumps_text(
            {"number": number, "invoice_date": str(day), "total": str(invoice.total)}
        ),
    )
    if credit_note:
        assert invoice.credited_invoice_id is not None
        original = await find_invoice(
            session, actor=actor, invoice_id=invoice.credited_invoice_id, lock=True
        )
        amount = -invoice.total
        remaining = original.total - original.credited_amount
        if amount > remaining:
            raise CreditExceedsRemaining(field="lines", amount=amount, remaining=remaining)
        original.credited_amount += amount
        original.updated_at = clock.now()
        await session.flush()
        await audit.record(
            session,
            resource_type=RESOURCE,
            resource_id=original.id,
            action="credited",
            actor=actor,
            changes={"credit_note_id": str(invoice.id), "number": number, "amount": str(amount)},
        )
    if not exact:  # amounts as the database rounded and stored them
        reread = await db.fetchrow(_REREAD_INVOICE, actor.company_id, invoice.id)
        assert reread is not None
        invoice = detached(Invoice, reread)
        answer = answer_of(invoice)
    _written(session, invoice)
    answer.update(number_fields(invoice))
    return answer
