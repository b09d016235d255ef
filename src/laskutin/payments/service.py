"""Payments recorded by hand against issued invoices. Keyword-only; nothing here commits.

Recording or removing a payment locks the invoice row first (``SELECT ... FOR UPDATE``) and
updates ``invoices.paid_amount`` and ``last_payment_date`` in the same transaction, so two
payments recorded at once on two replicas both count. Only issued invoices (kind invoice) take
payments; a payment above what is due is accepted and shown as ``overpaid_amount``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.errors import Conflict, NotFound, RuleViolation
from laskutin.core.money import to_decimal
from laskutin.invoices.domain import RESOURCE, Kind
from laskutin.invoices.models import Invoice
from laskutin.invoices.reading import find_invoice
from laskutin.payments.models import Payment
from laskutin.payments.schemas import PaymentCreate, PaymentRead

OLDEST_FIRST = Sort(
    "payments:date",
    [(Payment.payment_date, "asc"), (Payment.created_at, "asc"), (Payment.id, "asc")],
)


class NotPayable(RuleViolation, Conflict):
    code = "invoice-not-payable"
    messages = {
        "fi": "Maksun voi kirjata vain laskutetulle laskulle (ei luonnokselle eikä "
        "hyvityslaskulle).",
        "sv": "En betalning kan bara bokföras på en utfärdad faktura (inte ett utkast eller "
        "en kreditnota).",
        "en": "A payment can be recorded only on an issued invoice (not a draft, not a credit "
        "note).",
    }


class PaymentAmountNotPositive(RuleViolation):
    code = "payment-amount-not-positive"
    messages = {
        "fi": "Kenttä {field}: maksun on oltava suurempi kuin nolla.",
        "sv": "Fältet {field}: betalningen måste vara större än noll.",
        "en": "Field {field}: the payment must be greater than zero.",
    }


async def _last_payment_date(session: AsyncSession, invoice: Invoice) -> None:
    invoice.last_payment_date = await session.scalar(
        select(func.max(Payment.payment_date)).where(
            Payment.company_id == invoice.company_id, Payment.invoice_id == invoice.id
        )
    )


async def record_payment(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, data: PaymentCreate
) -> PaymentRead:
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    if invoice.state != "issued" or invoice.kind != Kind.INVOICE:
        raise NotPayable()
    amount = to_decimal(data.amount, field="amount")
    if amount <= 0:
        raise PaymentAmountNotPositive(field="amount")
    payment = Payment(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        invoice_id=invoice.id,
        payment_date=data.payment_date,
        amount=amount,
        source="manual",
        reference=data.reference,
        payer_name=data.payer_name,
        note=data.note,
        created_by=actor.user_id,
    )
    session.add(payment)
    invoice.paid_amount = invoice.paid_amount + amount
    invoice.updated_at = clock.now()
    await session.flush()
    await _last_payment_date(session, invoice)
    await session.flush()
    await session.refresh(payment)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice.id,
        action="payment_recorded",
        actor=actor,
        changes={
            "payment_id": str(payment.id),
            "amount": str(payment.amount),
            "payment_date": payment.payment_date.isoformat(),
        },
    )
    return PaymentRead.model_validate(payment)


async def _payment(
    session: AsyncSession, actor: Actor, invoice: Invoice, payment_id: uuid.UUID
) -> Payment:
    payment = await session.scalar(
        select(Payment).where(
            Payment.company_id == actor.company_id,
            Payment.invoice_id == invoice.id,
            Payment.id == payment_id,
        )
    )
    if payment is None:
        raise NotFound()
    return payment


async def get_payment(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, payment_id: uuid.UUID
) -> PaymentRead:
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id)
    return PaymentRead.model_validate(await _payment(session, actor, invoice, payment_id))


async def list_payments(
    session: AsyncSession,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[PaymentRead]:
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id)
    statement = select(Payment).where(
        Payment.company_id == actor.company_id, Payment.invoice_id == invoice.id
    )
    return await paginate(
        session,
        statement,
        sort=OLDEST_FIRST,
        limit=limit,
        cursor=cursor,
        item=PaymentRead.model_validate,
    )


async def remove_payment(
    session: AsyncSession,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    payment_id: uuid.UUID,
    if_match: str | None,
) -> None:
    """Remove a wrongly recorded payment; the invoice's paid amount follows."""
    from laskutin.api.etag import check_if_match, etag_of

    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    payment = await _payment(session, actor, invoice, payment_id)
    require(actor, Permission.WRITE)
    check_if_match(if_match, etag_of(PaymentRead.model_validate(payment)))
    invoice.paid_amount = invoice.paid_amount - payment.amount
    invoice.updated_at = clock.now()
    await session.delete(payment)
    await session.flush()
    await _last_payment_date(session, invoice)
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice.id,
        action="payment_removed",
        actor=actor,
        changes={
            "payment_id": str(payment_id),
            "amount": str(payment.amount),
            "payment_date": payment.payment_date.isoformat(),
        },
    )
