"""Copying an invoice or a credit note into a new draft, for the same or another customer
(issue 9).

The copy is a plain invoice draft made through :func:`service.create_draft`, so it is checked
like any new draft. Decisions:

- Lines keep their text, quantity, unit, unit price, discount, VAT category and ground. The VAT
  rate is today's rate of the line's rate class (a copy of a 2024 invoice at 24 % gets 25.5 %);
  a line without a class keeps its rate, which the draft checks is in force.
- A credit note's lines are credits (negative quantities): the copy turns them back into
  charges, which is what copying a credit note is for (re-invoicing to the right customer).
- Dates, number, references to payments and snapshots are not copied; the buyer reference,
  order reference, notes and "prices include VAT" are, and the language follows the new
  customer unless the copy is for the same customer.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.finnish.vat import RateClass, rates_on
from laskutin.invoices import service
from laskutin.invoices.domain import Kind
from laskutin.invoices.models import InvoiceLine
from laskutin.invoices.reading import find_invoice
from laskutin.invoices.schemas import InvoiceCreate, InvoiceRead, LineIn
from laskutin.products.models import Product


async def copy_invoice(
    session: AsyncSession,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    customer_id: uuid.UUID | None,
) -> InvoiceRead:
    original = await find_invoice(session, actor=actor, invoice_id=invoice_id)
    rows = (
        await session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == original.id)
            .order_by(InvoiceLine.position)
        )
    ).all()
    active_products = set(
        (
            await session.scalars(
                select(Product.id).where(
                    Product.company_id == actor.company_id,
                    Product.id.in_([r.product_id for r in rows if r.product_id]),
                    Product.archived_at.is_(None),
                )
            )
        ).all()
    )
    rates = rates_on(clock.today())
    sign = -1 if original.kind == Kind.CREDIT_NOTE else 1
    lines = [
        LineIn(
            product_id=row.product_id if row.product_id in active_products else None,
            description=row.description,
            quantity=row.quantity * sign,
            unit=row.unit,
            unit_price=row.unit_price,
            discount_percent=row.discount_percent,
            vat_rate=rates[RateClass(row.rate_class)] if row.rate_class else row.vat_rate,
            vat_category=row.vat_category,
            vat_ground=row.vat_ground,
        )
        for row in rows
    ]
    same_customer = customer_id is None or customer_id == original.customer_id
    data = InvoiceCreate(
        customer_id=original.customer_id if customer_id is None else customer_id,
        buyer_reference=original.buyer_reference,
        order_reference=original.order_reference,
        notes=original.notes,
        prices_include_vat=original.prices_include_vat,
        language=original.language if same_customer else None,
        lines=lines,
    )
    return await service.create_draft(session, actor=actor, data=data)
