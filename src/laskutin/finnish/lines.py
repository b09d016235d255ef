"""Invoice lines: checking them, their amount (rounded once), and credit lines from originals.

Decisions (finnish-invoicing.md §4, §8, §11; EN 16931):
- quantity: up to 4 decimals (1.5 h, 12.345 kWh); never negative on an invoice, because a
  return or refund is a credit note that refers to the original invoice (AVL 209 e § 14 kohta).
  Credit-note lines may have any sign; credit_lines() makes them negative.
- unit price: up to 6 decimals (0.0125 €/kWh), never negative (EN 16931 BR-27); the sign of a
  line lives in its quantity.
- discount: percent, 0..100, up to 2 decimals.
- the line amount q × p × (1 − d/100) is rounded to cents once (§11, BT-131). It is the net
  amount, or for a line whose prices include VAT the gross the customer saw; totals.py derives
  the net of such lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, localcontext

from laskutin.core.errors import RuleViolation
from laskutin.core.money import ZERO, round_cents, to_decimal
from laskutin.finnish.vat import (
    RateClass,
    VatCategory,
    VatGround,
    VatGroundMismatch,
    VatGroundRequired,
    parse_rate_class,
    parse_vat_category,
    tax_point,
    vat_ground,
    vat_rate,
)

QUANTITY_PLACES = 4
UNIT_PRICE_PLACES = 6
DISCOUNT_PLACES = 2
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Line:
    """One invoice or credit-note line as the totals see it.

    ``vat_rate`` is in percent and fixed when the line is made, from the rate class on the tax
    point; a credit line copies it (§8: credit with the original rate).
    """

    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    tax_point: date
    category: VatCategory = VatCategory.STANDARD
    discount_percent: Decimal = ZERO
    prices_include_vat: bool = False
    ground: VatGround | None = None
    rate_class: RateClass | None = None


class NegativeQuantityOnInvoice(RuleViolation):
    code = "negative-quantity-on-invoice"
    messages = {
        "fi": "Kenttä {field}: määrä {value} ei voi olla negatiivinen laskulla; tee hyvityslasku.",
        "sv": "Fältet {field}: antalet {value} kan inte vara negativt på en faktura; "
        "gör en kreditnota.",
        "en": "Field {field}: quantity {value} cannot be negative on an invoice; "
        "issue a credit note.",
    }


class DiscountOutOfRange(RuleViolation):
    code = "discount-out-of-range"
    messages = {
        "fi": "Kenttä {field}: alennuksen {value} % on oltava välillä 0–100 %.",
        "sv": "Fältet {field}: rabatten {value} % måste vara mellan 0 och 100 %.",
        "en": "Field {field}: the discount {value} % must be between 0 and 100 %.",
    }


class VatRateNotAllowed(RuleViolation):
    code = "vat-rate-not-allowed-for-category"
    messages = {
        "fi": "Kenttä {field}: verokanta {rate} % ei sovi ALV-luokkaan {category} "
        "(S vaatii verokannan yli 0 %, muut luokat 0 %).",
        "sv": "Fältet {field}: skattesatsen {rate} % passar inte momskategori {category} "
        "(S kräver en skattesats över 0 %, övriga kategorier 0 %).",
        "en": "Field {field}: the VAT rate {rate} % does not fit VAT category {category} "
        "(S needs a rate above 0 %, every other category 0 %).",
    }


class UnknownOriginalLine(RuleViolation):
    code = "unknown-original-line"
    messages = {
        "fi": "Kenttä {field}: alkuperäisellä laskulla ei ole riviä {position}.",
        "sv": "Fältet {field}: den ursprungliga fakturan har ingen rad {position}.",
        "en": "Field {field}: the original invoice has no line {position}.",
    }


class CreditQuantityOutOfRange(RuleViolation):
    code = "credit-quantity-out-of-range"
    messages = {
        "fi": "Kenttä {field}: hyvitettävän määrän {value} on oltava yli 0 ja enintään {maximum}.",
        "sv": "Fältet {field}: krediterat antal {value} måste vara över 0 och högst {maximum}.",
        "en": "Field {field}: the quantity to credit, {value}, must be above 0 "
        "and at most {maximum}.",
    }


def check_line(line: Line, position: int, *, credit_note: bool = False) -> None:
    """Refuse a line the totals must not see (decisions in the module docstring; EN 16931
    BR-27 price not negative, BR-S-05 S rate above zero, BR-Z/E/AE/IC/G/O-05 other rates zero,
    BR-E/AE/IC/G/O-10 exemption reason present)."""
    at = f"lines.{position}."
    to_decimal(line.quantity, field=at + "quantity", max_places=QUANTITY_PLACES)
    if line.quantity < 0 and not credit_note:
        raise NegativeQuantityOnInvoice(field=at + "quantity", value=line.quantity)
    to_decimal(
        line.unit_price, field=at + "unit_price", max_places=UNIT_PRICE_PLACES, allow_negative=False
    )
    discount = to_decimal(
        line.discount_percent, field=at + "discount_percent", max_places=DISCOUNT_PLACES
    )
    if not ZERO <= discount <= _HUNDRED:
        raise DiscountOutOfRange(field=at + "discount_percent", value=discount)
    standard = line.category is VatCategory.STANDARD
    if (line.vat_rate > 0) != standard or line.vat_rate < 0:
        raise VatRateNotAllowed(
            field=at + "vat_rate", rate=line.vat_rate, category=line.category.value
        )
    if line.ground is None and not standard:
        raise VatGroundRequired(field=at + "vat_ground", category=line.category.value)
    if line.ground is not None and line.ground.category is not line.category:
        raise VatGroundMismatch(
            field=at + "vat_ground", ground=line.ground.key, category=line.category.value
        )


def line_amount(line: Line) -> Decimal:
    """quantity × unit price × (1 − discount / 100), rounded to cents once (§11, EN 16931 BT-131).

    The product is taken exactly (a wide decimal context), so the only rounding is round_cents.
    """
    with localcontext() as exact:
        exact.prec = 60
        amount = line.quantity * line.unit_price * (_HUNDRED - line.discount_percent) / _HUNDRED
    return round_cents(amount) + ZERO  # + ZERO turns -0.00 into 0.00


def build_line(
    *,
    quantity: Decimal | int | str,
    unit_price: Decimal | int | str,
    invoice_date: date,
    delivery_date: date | None = None,
    rate_class: RateClass | str = RateClass.GENERAL,
    category: VatCategory | str = VatCategory.STANDARD,
    vat_ground_key: str | None = None,
    discount_percent: Decimal | int | str = 0,
    prices_include_vat: bool = False,
    position: int = 0,
    credit_note: bool = False,
) -> Line:
    """Parse and check a line from user input; the rate class (default: general) and the tax
    point pick the VAT rate (§5). Non-S categories get rate 0 and their ground (§4)."""
    at = f"lines.{position}."
    kind = parse_vat_category(category, field=at + "category")
    ground = vat_ground(kind, vat_ground_key, field=at + "vat_ground")
    point = tax_point(invoice_date, delivery_date)
    date_field = "invoice_date" if delivery_date is None else "delivery_date"
    cls = (
        parse_rate_class(rate_class, field=at + "rate_class")
        if kind is VatCategory.STANDARD
        else None
    )
    line = Line(
        quantity=to_decimal(quantity, field=at + "quantity", max_places=QUANTITY_PLACES),
        unit_price=to_decimal(unit_price, field=at + "unit_price", max_places=UNIT_PRICE_PLACES),
        vat_rate=ZERO if cls is None else vat_rate(cls, point, field=at + date_field),
        tax_point=point,
        category=kind,
        discount_percent=to_decimal(
            discount_percent, field=at + "discount_percent", max_places=DISCOUNT_PLACES
        ),
        prices_include_vat=prices_include_vat,
        ground=ground,
        rate_class=cls,
    )
    check_line(line, position, credit_note=credit_note)
    return line


def credit_lines(
    original: Sequence[Line],
    quantities: Mapping[int, Decimal | int | str | None] | None = None,
) -> list[Line]:
    """Lines of a credit note for an invoice (§8: negative amounts with the original rate).

    Each credit line keeps the original's price, discount, VAT rate, category, ground and tax
    point, with the quantity negated. Without ``quantities`` every line is credited in full;
    otherwise only the lines named by position, each with the quantity given (None: all of it).
    """
    for position, line in enumerate(original):
        check_line(line, position)
    chosen: Mapping[int, Decimal | int | str | None] = quantities or {}
    if quantities is None:
        chosen = dict.fromkeys(range(len(original)))
    credited: list[Line] = []
    for position, wanted in sorted(chosen.items()):
        field = f"lines.{position}.quantity"
        if not 0 <= position < len(original):
            raise UnknownOriginalLine(field=field, position=position)
        line = original[position]
        quantity = line.quantity
        if wanted is not None:
            quantity = to_decimal(wanted, field=field, max_places=QUANTITY_PLACES)
            if not ZERO < quantity <= line.quantity:
                raise CreditQuantityOutOfRange(field=field, value=quantity, maximum=line.quantity)
        credited.append(replace(line, quantity=-quantity if quantity else quantity))
    return credited
