"""A draft's lines: parsed and checked from the API (products fill what a line leaves out),
rebuilt from the stored rows, totalled by finnish.totals, and written back."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    delete,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.core import clock
from laskutin.core.errors import (
    RuleViolation,
)
from laskutin.core.money import ZERO, to_decimal
from laskutin.finnish.lines import (
    DISCOUNT_PLACES,
    QUANTITY_PLACES,
    UNIT_PRICE_PLACES,
    Line,
    check_line,
)
from laskutin.finnish.totals import InvoiceTotals, invoice_totals
from laskutin.finnish.vat import (
    NoVatRateOnDate,
    RateClass,
    VatCategory,
    parse_rate_class,
    parse_vat_category,
    rates_on,
    vat_ground,
)
from laskutin.invoices import domain
from laskutin.invoices.domain import Kind
from laskutin.invoices.errors import LineValueRequired, UnknownProduct, VatRateNotInForce
from laskutin.invoices.models import Invoice, InvoiceLine
from laskutin.invoices.schemas import (
    LineIn,
)
from laskutin.products.models import Product


@dataclass(frozen=True)
class BuiltLine:
    """A line ready for the totals, with what the invoice prints besides the amounts."""

    line: Line
    description: str
    unit: str | None
    product_id: uuid.UUID | None = None
    original_position: int | None = None


def _rates_in_force(day: dt.date, field: str) -> Mapping[RateClass, Decimal]:
    try:
        return _rates_on(day)
    except NoVatRateOnDate as exc:
        raise NoVatRateOnDate(**{**exc.params, "field": field}) from None


@functools.lru_cache(maxsize=256)
def _rates_on(day: dt.date) -> Mapping[RateClass, Decimal]:
    """finnish.vat.rates_on, read-only and kept: every line of every draft asks for its day."""
    return MappingProxyType(rates_on(day))


def check_rate_in_force(
    rate: Decimal, day: dt.date, field: str, rate_class: RateClass | None = None
) -> RateClass:
    """Refuse a standard rate not in force on the tax point, naming those that are; the rate
    class the rate belongs to (``rate_class`` when it has that rate)."""
    in_force = _rates_in_force(day, field)
    if rate_class is not None and in_force.get(rate_class) == rate:
        return rate_class
    for cls, value in in_force.items():
        if value == rate:
            return cls
    distinct = sorted(set(in_force.values()), reverse=True)
    raise VatRateNotInForce(
        field=field,
        rate=domain.rate_text(rate),
        day=day.isoformat(),
        rates=", ".join(domain.rate_text(r) for r in distinct),
        general=domain.rate_text(in_force[RateClass.GENERAL]),
    )


def _product_name(product: Product, language: str) -> str | None:
    names = product.names or {}
    for key in (language, "fi", "en", "sv"):
        value = names.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def build_lines(
    lines: Sequence[LineIn],
    *,
    products: Mapping[uuid.UUID, Product],
    tax_point: dt.date,
    date_field: str,
    language: str,
    prices_include_vat: bool,
) -> list[BuiltLine]:
    """Parse and check a draft's lines (fields ``lines.N.*``), filling from products."""
    built = []
    for position, given in enumerate(lines):
        at = f"lines.{position}."
        product = None
        if given.product_id is not None:
            product = products.get(given.product_id)
            if product is None:
                raise UnknownProduct(field=at + "product_id")
        description = given.description
        if description is None and product is not None:
            description = _product_name(product, language)
        if not description:
            raise LineValueRequired(field=at + "description")
        price = given.unit_price
        if price is None and product is not None:
            price = product.unit_price
        if price is None:
            raise LineValueRequired(field=at + "unit_price")
        category = parse_vat_category(
            given.vat_category or (product.vat_category if product else "S"),
            field=at + "vat_category",
        )
        ground_key = given.vat_ground
        if ground_key is None and product is not None and product.vat_category == category:
            ground_key = product.vat_ground
        ground = vat_ground(category, ground_key, field=at + "vat_ground")
        rate_class: RateClass | None = None
        if category is VatCategory.STANDARD:
            product_class = None
            if product is not None and product.rate_class:
                product_class = parse_rate_class(product.rate_class, field=at + "product_id")
            if given.vat_rate is None:
                in_force = _rates_in_force(tax_point, date_field)
                rate_class = product_class or RateClass.GENERAL
                rate = in_force[rate_class]
            else:
                rate = to_decimal(given.vat_rate, field=at + "vat_rate")
                rate_class = check_rate_in_force(rate, tax_point, at + "vat_rate", product_class)
        else:
            rate = (
                ZERO
                if given.vat_rate is None
                else to_decimal(given.vat_rate, field=at + "vat_rate")
            )
        line = Line(
            quantity=to_decimal(given.quantity, field=at + "quantity", max_places=QUANTITY_PLACES),
            unit_price=to_decimal(
                price, field=at + "unit_price", max_places=UNIT_PRICE_PLACES, allow_negative=False
            ),
            vat_rate=rate,
            tax_point=tax_point,
            category=category,
            discount_percent=to_decimal(
                given.discount_percent, field=at + "discount_percent", max_places=DISCOUNT_PLACES
            ),
            prices_include_vat=prices_include_vat,
            ground=ground,
            rate_class=rate_class,
        )
        check_line(line, position)
        unit = given.unit if given.unit is not None else (product.unit if product else None)
        built.append(BuiltLine(line, description, unit, given.product_id))
    return built


def _line_from_row(row: InvoiceLine, prices_include_vat: bool, tax_point: dt.date) -> Line:
    category = VatCategory(row.vat_category)
    return Line(
        quantity=row.quantity,
        unit_price=row.unit_price,
        vat_rate=row.vat_rate,
        tax_point=tax_point,
        category=category,
        discount_percent=row.discount_percent,
        prices_include_vat=prices_include_vat,
        ground=vat_ground(category, row.vat_ground) if row.vat_ground else None,
        rate_class=RateClass(row.rate_class) if row.rate_class else None,
    )


def rebuild_lines(
    rows: Sequence[InvoiceLine], invoice: Invoice, *, tax_point: dt.date | None
) -> list[BuiltLine]:
    """A saved draft's lines again: an invoice's on a (possibly new) tax point, its standard
    rates checked to be in force then; a credit note's with the tax points they keep."""
    built = []
    for row in rows:
        point = tax_point if tax_point is not None else (row.tax_point or clock.today())
        line = _line_from_row(row, invoice.prices_include_vat, point)
        if tax_point is not None and line.category is VatCategory.STANDARD:
            check_rate_in_force(
                line.vat_rate, point, f"lines.{row.position}.vat_rate", line.rate_class
            )
        built.append(
            BuiltLine(line, row.description, row.unit, row.product_id, row.original_position)
        )
    return built


def compute_totals(built: Sequence[BuiltLine], *, credit_note: bool = False) -> InvoiceTotals:
    """finnish.totals over the lines; a field named ``.category`` there is ``.vat_category``
    in this API."""
    try:
        return invoice_totals([b.line for b in built], credit_note=credit_note)
    except RuleViolation as exc:
        field = exc.params.get("field")
        if isinstance(field, str) and field.endswith(".category"):
            renamed = field[: -len("category")] + "vat_category"
            raise type(exc)(**{**exc.params, "field": renamed}) from None
        raise


def _breakdown_json(totals: InvoiceTotals, language: str) -> list[dict[str, Any]]:
    return [
        {
            "vat_category": row.category.value,
            "vat_rate": domain.rate_text(row.rate),
            "taxable_amount": str(row.taxable_amount),
            "vat_amount": str(row.vat_amount),
            "vat_ground": row.ground.key if row.ground else None,
            "note": row.note(language),
        }
        for row in totals.breakdown
    ]


def _line_values(
    invoice: Invoice, built: Sequence[BuiltLine], totals: InvoiceTotals
) -> Iterator[dict[str, Any]]:
    """Each line's columns, as a dict."""
    return (
        {
            "invoice_id": invoice.id,
            "position": position,
            "company_id": invoice.company_id,
            "product_id": b.product_id,
            "original_position": b.original_position,
            "description": b.description,
            "quantity": b.line.quantity,
            "unit": b.unit,
            "unit_price": b.line.unit_price,
            "discount_percent": b.line.discount_percent,
            "vat_rate": b.line.vat_rate,
            "vat_category": b.line.category.value,
            "rate_class": b.line.rate_class.value if b.line.rate_class else None,
            "vat_ground": b.line.ground.key if b.line.ground else None,
            "tax_point": b.line.tax_point,
            "net_amount": amounts.net,
            "vat_amount": amounts.vat,
            "gross_amount": amounts.gross,
        }
        for position, (b, amounts) in enumerate(zip(built, totals.lines, strict=True))
    )


def _line_rows(
    invoice: Invoice, built: Sequence[BuiltLine], totals: InvoiceTotals
) -> list[InvoiceLine]:
    return [InvoiceLine(**values) for values in _line_values(invoice, built, totals)]


_LINE_FIELDS = tuple(column.key for column in sa_inspect(InvoiceLine).column_attrs)
# Every column of a line at once, as a tuple (one call each instead of one per column).
_STORED_COLUMNS = operator.attrgetter(*_LINE_FIELDS)
_NEW_COLUMNS = operator.itemgetter(*_LINE_FIELDS)


def _same_lines(stored: Sequence[InvoiceLine], new: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the stored lines have exactly the columns ``new`` gives (no ORM objects are
    made to compare: issuing compares on every issue)."""
    return len(stored) == len(new) and all(
        _STORED_COLUMNS(old) == _NEW_COLUMNS(row) for old, row in zip(stored, new, strict=True)
    )


async def _replace_lines(
    session: AsyncSession,
    invoice: Invoice,
    built: Sequence[BuiltLine],
    *,
    stored: Sequence[InvoiceLine] | None = None,
) -> bool:
    """Write the lines and the invoice's totals; True when the lines were written. With
    ``stored`` (the lines as read in this transaction), lines equal to them are kept as
    they are instead of being deleted and inserted again."""
    totals = compute_totals(built, credit_note=invoice.kind == Kind.CREDIT_NOTE)
    values = list(_line_values(invoice, built, totals))
    invoice.net_total = totals.net_total
    invoice.vat_total = totals.vat_total
    invoice.total = totals.gross_total
    invoice.vat_breakdown = _breakdown_json(totals, invoice.language)
    if stored is not None and _same_lines(stored, values):
        return False
    await session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    session.add_all(InvoiceLine(**each) for each in values)
    return True
