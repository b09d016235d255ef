"""Product rules: names per language, units, prices and VAT. Pure: no I/O.

- ``names``: ``{"fi": ..., "sv": ..., "en": ...}``, at least one non-empty; empty ones dropped.
- ``unit``: one of :data:`SUGGESTED_UNITS` or any text of up to 20 characters.
- ``unit_price``: a decimal of up to 6 decimals, at least 0, below 10^12 (the column is
  NUMERIC(18, 6)); net or VAT-inclusive as ``prices_include_vat`` says.
- VAT: the category (EN 16931 code) and, for S, a :class:`~laskutin.finnish.vat.RateClass`
  (the rate follows the tax point's date); for any other category a ground from
  :data:`laskutin.finnish.vat.VAT_GROUNDS` of that category (Z, K, G and O have one ground,
  filled in when left out; E and AE must name theirs). A rate class outside S is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from laskutin.core.errors import Conflict, RuleViolation
from laskutin.core.money import decimal_places, to_decimal
from laskutin.finnish.vat import (
    RateClass,
    VatCategory,
    parse_rate_class,
    parse_vat_category,
    vat_ground,
    vat_rate,
)

SUGGESTED_UNITS: tuple[str, ...] = (
    "kpl",
    "h",
    "min",
    "pv",
    "vk",
    "kk",
    "v",
    "km",
    "m",
    "m²",
    "m³",
    "kg",
    "t",
    "l",
    "erä",
    "pkt",
    "rs",
)
PRICE_PLACES = 6
PRICE_LIMIT = Decimal(10) ** 12
LANGUAGES = ("fi", "sv", "en")


class ProductNameRequired(RuleViolation):
    code = "product-name-required"
    messages = {
        "fi": "Kenttä {field}: anna tuotteelle nimi ainakin yhdellä kielellä (fi, sv tai en).",
        "sv": "Fältet {field}: ge produkten ett namn på minst ett språk (fi, sv eller en).",
        "en": "Field {field}: give the product a name in at least one language (fi, sv or en).",
    }


class PriceTooLarge(RuleViolation):
    code = "price-too-large"
    messages = {
        "fi": "Kenttä {field}: {value} on liian suuri (enintään 12 numeroa ennen "
        "desimaalipistettä).",
        "sv": "Fältet {field}: {value} är för stort (högst 12 siffror före decimalpunkten).",
        "en": "Field {field}: {value} is too large (at most 12 digits before the decimal point).",
    }


class RateClassRequired(RuleViolation):
    code = "rate-class-required"
    messages = {
        "fi": "Kenttä {field}: ALV-luokka S (yleinen verollinen myynti) tarvitsee verokantaluokan, "
        "esim. general.",
        "sv": "Fältet {field}: momskategori S (skattepliktig försäljning) kräver en "
        "skattesatsklass, t.ex. general.",
        "en": "Field {field}: VAT category S (standard rated) needs a rate class, e.g. general.",
    }


class RateClassNotAllowed(RuleViolation):
    code = "rate-class-not-allowed"
    messages = {
        "fi": "Kenttä {field}: verokantaluokka kuuluu vain ALV-luokkaan S, ei luokkaan {category}. "
        "Jätä kenttä pois.",
        "sv": "Fältet {field}: skattesatsklass hör bara till momskategori S, inte till "
        "{category}. Utelämna fältet.",
        "en": "Field {field}: a rate class belongs to VAT category S only, not to {category}. "
        "Leave the field out.",
    }


class VatGroundNotAllowed(RuleViolation):
    code = "vat-ground-not-allowed"
    messages = {
        "fi": "Kenttä {field}: ALV-luokassa S ei ole verottomuuden perustetta. Jätä kenttä pois.",
        "sv": "Fältet {field}: momskategori S har ingen grund för skattefrihet. Utelämna fältet.",
        "en": "Field {field}: VAT category S has no exemption ground. Leave the field out.",
    }


class ProductCodeTaken(Conflict, RuleViolation):
    """409: another active product of the company has this code."""

    code = "product-code-taken"
    messages = {
        "fi": "Kenttä {field}: tuotekoodi {value} on jo toisella tuotteella. Valitse toinen koodi.",
        "sv": "Fältet {field}: produktkoden {value} används redan av en annan produkt. Välj en "
        "annan kod.",
        "en": "Field {field}: product code {value} is already used by another product. Choose "
        "another code.",
    }


class ProductInUse(Conflict, RuleViolation):
    """409: a product on an invoice line is archived, never deleted."""

    code = "product-in-use"
    messages = {
        "fi": "Tuote on laskulla, joten sitä ei voi poistaa. Arkistoi tuote "
        "(POST /api/v1/products/{id}/archive).",
        "sv": "Produkten finns på en faktura och kan därför inte tas bort. Arkivera den i stället "
        "(POST /api/v1/products/{id}/archive).",
        "en": "The product is on an invoice, so it cannot be deleted. Archive it instead "
        "(POST /api/v1/products/{id}/archive).",
    }


def clean_names(names: dict[str, str | None], *, field: str = "names") -> dict[str, str]:
    """The non-empty names, trimmed; at least one is needed."""
    cleaned = {
        language: value.strip()
        for language, value in names.items()
        if language in LANGUAGES and value is not None and value.strip()
    }
    if not cleaned:
        raise ProductNameRequired(field=field)
    return cleaned


def parse_unit_price(value: str | int | Decimal, *, field: str = "unit_price") -> Decimal:
    """An exact price: no floats, up to 6 decimals, not negative, below 10^12."""
    price = to_decimal(value, field=field, max_places=PRICE_PLACES, allow_negative=False)
    if abs(price) >= PRICE_LIMIT:
        raise PriceTooLarge(field=field, value=value)
    return price + Decimal(0)  # -0 becomes 0


def format_price(price: Decimal) -> str:
    """At least two decimals, no trailing zeros beyond: ``12.50``, ``0.125``, ``10.00``."""
    places = max(2, decimal_places(price))
    return f"{price:.{places}f}"


@dataclass(frozen=True)
class VatTreatment:
    category: VatCategory
    rate_class: RateClass | None
    vat_ground: str | None


def vat_treatment(category: str, rate_class: str | None, ground: str | None) -> VatTreatment:
    """Check a product's VAT fields together (finnish.vat rules) and fill a default ground."""
    parsed = parse_vat_category(category, field="vat_category")
    if parsed is VatCategory.STANDARD:
        if rate_class is None:
            raise RateClassRequired(field="rate_class")
        if ground is not None:
            raise VatGroundNotAllowed(field="vat_ground")
        return VatTreatment(parsed, parse_rate_class(rate_class, field="rate_class"), None)
    if rate_class is not None:
        raise RateClassNotAllowed(field="rate_class", category=parsed.value)
    found = vat_ground(parsed, ground, field="vat_ground")
    assert found is not None  # only S has none
    return VatTreatment(parsed, None, found.key)


def rate_today(rate_class: str | None, today: dt.date) -> Decimal | None:
    """The rate in force on ``today`` for a standard-rated product; None for other categories."""
    if rate_class is None:
        return None
    return vat_rate(rate_class, today)
