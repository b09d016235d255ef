"""A quote's lines: built and totalled by the invoices' code (invoices.lines, finnish.totals),
VAT by the quote date, and written to ``quote_lines``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.companies.service import Actor
from laskutin.finnish.lines import Line
from laskutin.finnish.totals import InvoiceTotals
from laskutin.finnish.vat import RateClass, VatCategory, vat_ground
from laskutin.invoices.lines import (
    BuiltLine,
    _breakdown_json,
    build_lines,
    check_rate_in_force,
    compute_totals,
)
from laskutin.invoices.schemas import LineIn
from laskutin.products.models import Product
from laskutin.quotes.models import Quote, QuoteLine

DATE_FIELD = "quote_date"


async def products_of(
    session: AsyncSession, actor: Actor, lines: Iterable[LineIn]
) -> dict[uuid.UUID, Product]:
    ids = {line.product_id for line in lines if line.product_id is not None}
    if not ids:
        return {}
    rows = await session.scalars(
        select(Product).where(Product.company_id == actor.company_id, Product.id.in_(ids))
    )
    return {row.id: row for row in rows}


async def built_from_input(
    session: AsyncSession,
    actor: Actor,
    lines: Sequence[LineIn],
    *,
    quote_date: dt.date,
    language: str,
    prices_include_vat: bool,
) -> list[BuiltLine]:
    """The lines as an invoice dated ``quote_date`` would have them (fields ``lines.N.*``)."""
    return build_lines(
        lines,
        products=await products_of(session, actor, lines),
        tax_point=quote_date,
        date_field=DATE_FIELD,
        language=language,
        prices_include_vat=prices_include_vat,
    )


def rebuild(rows: Sequence[QuoteLine], quote: Quote) -> list[BuiltLine]:
    """Saved lines again on the quote's (possibly new) date and price basis; standard rates
    checked to be in force on that date."""
    built = []
    for row in rows:
        category = VatCategory(row.vat_category)
        line = Line(
            quantity=row.quantity,
            unit_price=row.unit_price,
            vat_rate=row.vat_rate,
            tax_point=quote.quote_date,
            category=category,
            discount_percent=row.discount_percent,
            prices_include_vat=quote.prices_include_vat,
            ground=vat_ground(category, row.vat_ground) if row.vat_ground else None,
            rate_class=RateClass(row.rate_class) if row.rate_class else None,
        )
        if category is VatCategory.STANDARD:
            check_rate_in_force(
                line.vat_rate, quote.quote_date, f"lines.{row.position}.vat_rate", line.rate_class
            )
        built.append(BuiltLine(line, row.description, row.unit, row.product_id))
    return built


def line_values(quote: Quote, built: Sequence[BuiltLine], totals: InvoiceTotals) -> list[QuoteLine]:
    return [
        QuoteLine(
            quote_id=quote.id,
            position=position,
            company_id=quote.company_id,
            product_id=b.product_id,
            description=b.description,
            quantity=b.line.quantity,
            unit=b.unit,
            unit_price=b.line.unit_price,
            discount_percent=b.line.discount_percent,
            vat_rate=b.line.vat_rate,
            vat_category=b.line.category.value,
            rate_class=b.line.rate_class.value if b.line.rate_class else None,
            vat_ground=b.line.ground.key if b.line.ground else None,
            tax_point=b.line.tax_point,
            net_amount=amounts.net,
            vat_amount=amounts.vat,
            gross_amount=amounts.gross,
        )
        for position, (b, amounts) in enumerate(zip(built, totals.lines, strict=True))
    ]


def breakdown(totals: InvoiceTotals, language: str) -> list[dict[str, Any]]:
    return _breakdown_json(totals, language)


async def replace_lines(session: AsyncSession, quote: Quote, built: Sequence[BuiltLine]) -> None:
    """Write the lines and the quote's totals (finnish.totals via invoices.lines)."""
    totals = compute_totals(built)
    quote.net_total = totals.net_total
    quote.vat_total = totals.vat_total
    quote.total = totals.gross_total
    quote.vat_breakdown = breakdown(totals, quote.language)
    await session.execute(delete(QuoteLine).where(QuoteLine.quote_id == quote.id))
    session.add_all(line_values(quote, built, totals))


async def lines_of(session: AsyncSession, quote: Quote) -> list[QuoteLine]:
    rows = await session.scalars(
        select(QuoteLine)
        .where(QuoteLine.quote_id == quote.id)
        .order_by(QuoteLine.position)
        .execution_options(populate_existing=True)
    )
    return list(rows)
