"""Reading invoices as the API shows them: the whole invoice with its lines, payments,
credit notes and latest delivery."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

import asyncpg
from sqlalchemy import (
    Enum,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.core.errors import (
    NotFound,
)
from laskutin.core.models import Base
from laskutin.delivery.models import InvoiceSend
from laskutin.finnish.reference import format_reference
from laskutin.invoices import domain
from laskutin.invoices.models import Invoice, InvoiceLine
from laskutin.invoices.schemas import (
    InvoiceDelivery,
    InvoiceRead,
    LineRead,
)
from laskutin.invoices.status import status_of
from laskutin.payments.models import Payment


def _line_data(row: InvoiceLine) -> dict[str, Any]:
    """A line's fields of :class:`LineRead`, for validating with the invoice in one call."""
    return {
        "position": row.position,
        "product_id": row.product_id,
        "original_position": row.original_position,
        "description": row.description,
        "quantity": row.quantity,
        "unit": row.unit,
        "unit_price": row.unit_price,
        "discount_percent": row.discount_percent,
        "vat_rate": domain.rate_text(row.vat_rate),
        "vat_category": row.vat_category,
        "vat_ground": row.vat_ground,
        "tax_point": row.tax_point,
        "net_amount": row.net_amount,
        "vat_amount": row.vat_amount,
        "gross_amount": row.gross_amount,
    }


def _line_read(row: InvoiceLine) -> LineRead:
    return LineRead.model_validate(_line_data(row))


def _printed_reference(reference: str | None) -> str | None:
    return format_reference(reference) if reference else None


def invoice_read(
    invoice: Invoice,
    *,
    lines: Sequence[InvoiceLine],
    payments: Sequence[Payment],
    credit_notes: Sequence[Invoice],
    today: dt.date,
    delivery: InvoiceSend | None = None,
) -> InvoiceRead:
    seller = invoice.seller
    # One validation of the whole tree (nested models as dicts): a model built per line and
    # per row cost a Python call each, 1.5 % of an issue (bench/README.md, invoicing).
    return InvoiceRead.model_validate(
        {
            "id": invoice.id,
            "kind": invoice.kind,
            "number": invoice.number,
            "status": status_of(invoice, today),
            "customer_id": invoice.customer_id,
            "invoice_date": invoice.invoice_date,
            "delivery_date": invoice.delivery_date,
            "due_date": invoice.due_date,
            "payment_terms_days": invoice.payment_terms_days,
            "reference": _printed_reference(invoice.reference),
            "reference_machine": invoice.reference,
            "buyer_reference": invoice.buyer_reference,
            "order_reference": invoice.order_reference,
            "notes": invoice.notes,
            "language": invoice.language,
            "currency": invoice.currency,
            "prices_include_vat": invoice.prices_include_vat,
            "net_total": invoice.net_total,
            "vat_total": invoice.vat_total,
            "total": invoice.total,
            "vat_breakdown": invoice.vat_breakdown,
            "bank_barcode": invoice.bank_barcode,
            "lines": [_line_data(row) for row in lines],
            "paid_amount": invoice.paid_amount,
            "credited_amount": invoice.credited_amount,
            "balance": domain.balance(invoice.total, invoice.paid_amount, invoice.credited_amount),
            "overpaid_amount": domain.overpaid_amount(
                invoice.total, invoice.paid_amount, invoice.credited_amount
            ),
            "last_payment_date": invoice.last_payment_date,
            "penalty_interest": seller.get("penalty_interest") if seller else None,
            "seller": seller,
            "buyer": invoice.buyer,
            "credited_invoice_id": invoice.credited_invoice_id,
            "credit_notes": [
                {
                    "id": note.id,
                    "number": note.number,
                    "status": status_of(note, today),
                    "total": note.total,
                }
                for note in credit_notes
            ],
            "payments": [
                {"id": p.id, "payment_date": p.payment_date, "amount": p.amount} for p in payments
            ],
            "sent_at": invoice.sent_at,
            "delivery": None if delivery is None else _delivery_read(delivery),
            "issued_at": invoice.issued_at,
            "issued_by": invoice.issued_by,
            "created_at": invoice.created_at,
            "updated_at": invoice.updated_at,
        }
    )


def number_fields(invoice: Invoice) -> dict[str, Any]:
    """What the number decides of an issued invoice's JSON form (``InvoiceRead``'s fields as
    ``model_dump(mode="json")`` gives them), for an answer made before the number was taken."""
    return {
        "number": invoice.number,
        "reference": _printed_reference(invoice.reference),
        "reference_machine": invoice.reference,
        "bank_barcode": invoice.bank_barcode,
    }


def _delivery_read(send: InvoiceSend) -> InvoiceDelivery:
    return InvoiceDelivery(
        send_id=send.id,
        channel=send.channel,
        state=send.state,
        recipients=list(send.recipients),
        attempts=send.attempts,
        last_error=send.last_error,
        requested_at=send.created_at,
        sent_at=send.sent_at,
    )


async def latest_send(session: AsyncSession, invoice: Invoice) -> InvoiceSend | None:
    """The invoice's newest send request (laskutin.delivery), if it was ever sent."""
    return await session.scalar(
        select(InvoiceSend)
        .where(InvoiceSend.company_id == invoice.company_id, InvoiceSend.invoice_id == invoice.id)
        .order_by(InvoiceSend.created_at.desc(), InvoiceSend.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


M = TypeVar("M", bound=Base)


def detached(model: type[M], record: Mapping[str, Any] | asyncpg.Record) -> M:
    """A row read by lean SQL (core.db.driver_connection) as a plain object with ``model``'s
    column attributes, for the rules that read them: read it and change it freely, it belongs
    to no session and nothing of it is flushed (the caller writes what must be written).

    Not an instance of ``model`` (typed as one for its readers): an ORM instance's attribute
    reads go through SQLAlchemy's instrumentation, about 600 of them per issued invoice of 10
    lines, which with the instances' state cost a fifth of its instructions
    (bench/README.md, invoicing). So don't give it to a session."""
    instance = _plain_class(model)()
    instance.__dict__.update(record.items())
    return cast(M, instance)


@functools.cache
def _plain_class(model: type[Base]) -> type:
    return type(f"{model.__name__}Row", (), {"__module__": __name__})


def columns_of(model: type[Base], table: str | None = None) -> str:
    """The model's columns for a lean SELECT (qualified by ``table`` when given)."""
    prefix = f"{table}." if table else ""
    return ", ".join(prefix + name for name in _column_names(model))


def row_of(model: type[Base]) -> str:
    """The model's columns as one anonymous record, ``ROW(a, b, ...)``, for reading a row (or
    with ``ARRAY(SELECT ...)`` rows) of another table in the same statement; give the record
    to :func:`detached_record`. Enum columns are read as text: the driver decodes a record's
    fields by their types alone, and an enum's would have to be looked up first."""
    return "ROW(" + ", ".join(_record_field(column) for column in model.__table__.columns) + ")"


def _record_field(column: Any) -> str:
    return f"{column.name}::text" if isinstance(column.type, Enum) else str(column.name)


@functools.cache
def _column_names(model: type[Base]) -> tuple[str, ...]:
    return tuple(column.name for column in model.__table__.columns)


def detached_record(model: type[M], record: Sequence[Any]) -> M:
    """:func:`detached` for a record read with :func:`row_of` (a tuple of the columns)."""
    return detached(model, dict(zip(_column_names(model), record, strict=True)))


async def find_invoice(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, lock: bool = False
) -> Invoice:
    """The active company's invoice (fresh from the database), or NotFound."""
    statement = (
        select(Invoice)
        .where(Invoice.company_id == actor.company_id, Invoice.id == invoice_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update()
    invoice = await session.scalar(statement)
    if invoice is None:
        raise NotFound()
    return invoice


async def _lines_of(session: AsyncSession, invoice: Invoice) -> list[InvoiceLine]:
    rows = await session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(InvoiceLine.position)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def read_invoice(
    session: AsyncSession,
    invoice: Invoice,
    *,
    fresh: bool = False,
    lines: Sequence[InvoiceLine] | None = None,
    unsettled: bool = False,
) -> InvoiceRead:
    """The whole invoice as the API shows it (lines, payments, credit notes).

    What the caller knows spares queries: ``fresh``, the invoice was just read from the
    database and has not changed since (else it is written and read back); ``lines``, its
    lines as read in this transaction, unchanged since; ``unsettled``, it was a draft when it
    was locked in this transaction, so it has no payments and no credit notes (both need an
    issued invoice, and lock it first)."""
    if not fresh:
        await session.flush()
        await session.refresh(invoice)
    if lines is None:
        lines = await _lines_of(session, invoice)
    payments: list[Payment] = []
    notes: list[Invoice] = []
    if not unsettled:
        payments = list(
            await session.scalars(
                select(Payment)
                .where(Payment.company_id == invoice.company_id, Payment.invoice_id == invoice.id)
                .order_by(Payment.payment_date, Payment.created_at, Payment.id)
            )
        )
        notes = list(
            await session.scalars(
                select(Invoice)
                .where(
                    Invoice.company_id == invoice.company_id,
                    Invoice.credited_invoice_id == invoice.id,
                )
                .order_by(Invoice.created_at, Invoice.id)
            )
        )
    return invoice_read(
        invoice,
        lines=lines,
        payments=payments,
        credit_notes=notes,
        today=clock.today(),
        delivery=await latest_send(session, invoice),
    )


async def get_invoice(session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID) -> InvoiceRead:
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id)
    return await read_invoice(session, invoice, fresh=True)
