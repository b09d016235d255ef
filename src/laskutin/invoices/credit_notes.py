"""Credit notes: a draft for an issued invoice, crediting all of it, chosen lines, or an
amount split over its VAT rates. Issued like any invoice (service.issue)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.audit import service as audit
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.money import to_decimal
from laskutin.finnish.lines import (
    Line,
    credit_lines,
)
from laskutin.finnish.vat import (
    RateClass,
    VatCategory,
    vat_ground,
)
from laskutin.invoices import domain
from laskutin.invoices.domain import RESOURCE, Kind
from laskutin.invoices.errors import (
    AmountNotPositive,
    CreditChoiceAmbiguous,
    CreditExceedsRemaining,
    NotCreditable,
)
from laskutin.invoices.lines import BuiltLine, _line_from_row, _replace_lines, compute_totals
from laskutin.invoices.models import Invoice, InvoiceLine
from laskutin.invoices.reading import _lines_of, find_invoice, read_invoice
from laskutin.invoices.schemas import (
    CreditNoteRequest,
    InvoiceRead,
)

_CREDIT_TEXT = {
    "fi": "Hyvitys laskulle {number}",
    "sv": "Kreditering av faktura {number}",
    "en": "Credit for invoice {number}",
}


def amount_credit_lines(
    amount: Decimal,
    breakdown: Sequence[Mapping[str, Any]],
    rows: Sequence[InvoiceLine],
    description: str,
) -> list[BuiltLine]:
    """An amount credit: one VAT-inclusive line per VAT breakdown row of the original, the
    gross amount split in proportion to each row's gross (domain.split_amount)."""
    weights = [Decimal(r["taxable_amount"]) + Decimal(r["vat_amount"]) for r in breakdown]
    parts = domain.split_amount(amount, weights)
    built = []
    for row, part in zip(breakdown, parts, strict=True):
        if part == 0:
            continue
        category = VatCategory(row["vat_category"])
        rate = Decimal(row["vat_rate"])
        source = next(r for r in rows if r.vat_category == category.value and r.vat_rate == rate)
        line = Line(
            quantity=Decimal(-1),
            unit_price=part,
            vat_rate=rate,
            tax_point=source.tax_point or clock.today(),
            category=category,
            prices_include_vat=True,
            ground=vat_ground(category, row["vat_ground"]) if row["vat_ground"] else None,
            rate_class=RateClass(source.rate_class) if source.rate_class else None,
        )
        built.append(BuiltLine(line, description, None))
    return built


async def create_credit_note(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, data: CreditNoteRequest
) -> InvoiceRead:
    """A draft credit note for an issued invoice: all of it, chosen lines, or an amount."""
    original = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    if original.state != "issued" or original.kind != Kind.INVOICE:
        raise NotCreditable()
    if data.lines is not None and data.amount is not None:
        raise CreditChoiceAmbiguous(field="amount")
    rows = await _lines_of(session, original)
    description = _CREDIT_TEXT.get(original.language, _CREDIT_TEXT["en"]).format(
        number=original.number
    )
    remaining = original.total - original.credited_amount
    prices_include_vat = original.prices_include_vat
    if data.amount is not None:
        amount = to_decimal(data.amount, field="amount")
        if amount <= 0:
            raise AmountNotPositive(field="amount")
        if amount > remaining:
            raise CreditExceedsRemaining(field="amount", amount=amount, remaining=remaining)
        built = amount_credit_lines(amount, original.vat_breakdown, rows, description)
        prices_include_vat = True
    else:
        originals = [
            _line_from_row(row, original.prices_include_vat, row.tax_point or clock.today())
            for row in rows
        ]
        quantities = None
        if data.lines is not None:
            quantities = {chosen.position: chosen.quantity for chosen in data.lines}
        credited = credit_lines(originals, quantities)
        positions = sorted(quantities) if quantities is not None else list(range(len(rows)))
        built = [
            BuiltLine(
                line,
                rows[p].description,
                rows[p].unit,
                rows[p].product_id,
                original_position=p,
            )
            for line, p in zip(credited, positions, strict=True)
        ]
        field = "lines" if data.lines is not None else "body"
        total = -compute_totals(built, credit_note=True).gross_total
        if total > remaining:
            raise CreditExceedsRemaining(field=field, amount=total, remaining=remaining)
    note = Invoice(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        kind=Kind.CREDIT_NOTE.value,
        state="draft",
        customer_id=original.customer_id,
        credited_invoice_id=original.id,
        buyer_reference=original.buyer_reference,
        order_reference=original.order_reference,
        notes=data.notes if data.notes is not None else description,
        language=original.language,
        currency=original.currency,
        prices_include_vat=prices_include_vat,
    )
    session.add(note)
    await session.flush()
    await _replace_lines(session, note, built)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=note.id,
        action="created",
        actor=actor,
        changes={"credited_invoice_id": str(original.id)},
    )
    return await read_invoice(session, note)
