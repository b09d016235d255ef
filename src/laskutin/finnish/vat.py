"""Finnish VAT: rates by date and rate class, VAT categories and the notes an invoice prints.

Rates are dated rows (finnish-invoicing.md §5: "keep rates as dated rows, never hard-code
24/14/10"). A product picks a ``RateClass``; the tax point (delivery or performance date, else
the invoice date) picks the row. Categories are the EN 16931 codes (UNCL5305); a line that is not
standard-rated names a ``VatGround``: its legal note in Finnish, Swedish and English (AVL 209 e §
11-12 kohta), the VATEX code for e-invoices and the party ids the invoice then needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from laskutin.core.errors import RuleViolation


class RateClass(StrEnum):
    """What a product is, for VAT: the class stays, the date picks the rate (§5)."""

    GENERAL = "general"
    FOODSTUFFS_RESTAURANTS = "foodstuffs_restaurants"  # food, feed, restaurant and catering
    # Books, medicines, passenger transport, accommodation, guest harbours, culture and sports
    # admissions, sports services, performing artists, art, copyright fees: 10 % -> 14 % in 2025.
    BOOKS_MEDICINES_CULTURE_TRANSPORT = "books_medicines_culture_transport"
    NEWSPAPERS_PERIODICALS = "newspapers_periodicals"
    PUBLIC_BROADCASTING = "public_broadcasting"  # Yle
    ELECTRICITY = "electricity"  # general rate, except 10 % from 2022-12-01 to 2023-04-30
    # Menstrual and incontinence products, baby diapers: general rate -> 14 % in 2025.
    MENSTRUAL_INCONTINENCE_DIAPERS = "menstrual_incontinence_diapers"


@dataclass(frozen=True)
class DatedVatRate:
    """One row of the rate table: ``rate`` percent from ``valid_from`` to ``valid_to`` inclusive."""

    rate_class: RateClass
    rate: Decimal
    valid_from: date
    valid_to: date | None = None

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def _rows(rate_class: RateClass, *periods: tuple[str, str, str | None]) -> list[DatedVatRate]:
    return [
        DatedVatRate(rate_class, Decimal(rate), date.fromisoformat(start), _day(end))
        for rate, start, end in periods
    ]


# finnish-invoicing.md §5 (HE 141/2024, HE 93/2025, HE 194/2022). The table starts when the
# 24/14/10 rates took effect on 2013-01-01; earlier tax points raise NoVatRateOnDate.
# Unverified moves (confectionery to the general rate, tax-free passenger transport 2023) are
# not in the table.
_GENERAL = (("24", "2013-01-01", "2024-08-31"), ("25.5", "2024-09-01", None))
VAT_RATES: tuple[DatedVatRate, ...] = tuple(
    _rows(RateClass.GENERAL, *_GENERAL)
    + _rows(
        RateClass.FOODSTUFFS_RESTAURANTS,
        ("14", "2013-01-01", "2025-12-31"),
        ("13.5", "2026-01-01", None),
    )
    + _rows(
        RateClass.BOOKS_MEDICINES_CULTURE_TRANSPORT,
        ("10", "2013-01-01", "2024-12-31"),
        ("14", "2025-01-01", "2025-12-31"),
        ("13.5", "2026-01-01", None),
    )
    + _rows(RateClass.NEWSPAPERS_PERIODICALS, ("10", "2013-01-01", None))
    + _rows(
        RateClass.PUBLIC_BROADCASTING,
        ("10", "2013-01-01", "2025-12-31"),
        ("13.5", "2026-01-01", None),
    )
    + _rows(
        RateClass.ELECTRICITY,
        ("24", "2013-01-01", "2022-11-30"),
        ("10", "2022-12-01", "2023-04-30"),
        ("24", "2023-05-01", "2024-08-31"),
        ("25.5", "2024-09-01", None),
    )
    + _rows(
        RateClass.MENSTRUAL_INCONTINENCE_DIAPERS,
        *_GENERAL[:1],
        ("25.5", "2024-09-01", "2024-12-31"),
        ("14", "2025-01-01", "2025-12-31"),
        ("13.5", "2026-01-01", None),
    )
)


class UnknownRateClass(RuleViolation):
    code = "unknown-vat-rate-class"
    messages = {
        "fi": "Kenttä {field}: tuntematon verokantaluokka {value!r}.",
        "sv": "Fältet {field}: okänd skattesatsklass {value!r}.",
        "en": "Field {field}: unknown VAT rate class {value!r}.",
    }


class NoVatRateOnDate(RuleViolation):
    code = "no-vat-rate-on-date"
    messages = {
        "fi": "Kenttä {field}: verokantaa ({rate_class}) ei tunneta päivälle {day}.",
        "sv": "Fältet {field}: ingen känd skattesats ({rate_class}) för dagen {day}.",
        "en": "Field {field}: no known VAT rate ({rate_class}) for the date {day}.",
    }


class UnknownVatCategory(RuleViolation):
    code = "unknown-vat-category"
    messages = {
        "fi": "Kenttä {field}: tuntematon ALV-luokka {value!r}.",
        "sv": "Fältet {field}: okänd momskategori {value!r}.",
        "en": "Field {field}: unknown VAT category {value!r}.",
    }


class UnknownVatGround(RuleViolation):
    code = "unknown-vat-ground"
    messages = {
        "fi": "Kenttä {field}: tuntematon verottomuuden peruste {value!r}.",
        "sv": "Fältet {field}: okänd grund för skattefrihet {value!r}.",
        "en": "Field {field}: unknown VAT exemption ground {value!r}.",
    }


class VatGroundRequired(RuleViolation):
    code = "vat-ground-required"
    messages = {
        "fi": "Kenttä {field}: ALV-luokalle {category} on valittava peruste, "
        "joka tulostuu laskulle.",
        "sv": "Fältet {field}: momskategori {category} kräver en grund som skrivs ut på fakturan.",
        "en": "Field {field}: VAT category {category} needs a ground to print on the invoice.",
    }


class VatGroundMismatch(RuleViolation):
    code = "vat-ground-category-mismatch"
    messages = {
        "fi": "Kenttä {field}: peruste {ground} ei kuulu ALV-luokkaan {category}.",
        "sv": "Fältet {field}: grunden {ground} hör inte till momskategori {category}.",
        "en": "Field {field}: the ground {ground} does not belong to VAT category {category}.",
    }


def parse_rate_class(value: RateClass | str, *, field: str = "rate_class") -> RateClass:
    """A rate class from its name (§5 rate classes); unknown names raise UnknownRateClass."""
    try:
        return RateClass(value)
    except ValueError:
        raise UnknownRateClass(field=field, value=value) from None


def vat_rate(rate_class: RateClass | str, day: date, *, field: str = "tax_point") -> Decimal:
    """The VAT rate in percent for a rate class on a tax point (§5: "the date the goods are
    delivered or the service is performed"; advance payments: the date the payment is received).
    """
    cls = parse_rate_class(rate_class)
    for row in VAT_RATES:
        if row.rate_class is cls and row.applies_on(day):
            return row.rate
    raise NoVatRateOnDate(field=field, rate_class=cls.value, day=day.isoformat())


def rates_on(day: date) -> dict[RateClass, Decimal]:
    """Every rate class with its rate on a day (§5), e.g. for a product form's rate picker."""
    return {cls: vat_rate(cls, day) for cls in RateClass}


def tax_point(invoice_date: date, delivery_date: date | None = None) -> date:
    """The date that picks the rate: delivery/performance date, else the invoice date (§5;
    AVL 209 e § 7 kohta puts that date on the invoice)."""
    return delivery_date or invoice_date


class VatCategory(StrEnum):
    """EN 16931 VAT category codes (BT-151/BT-118, UNCL5305 subset)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY_SUPPLY = "K"
    EXPORT_OUTSIDE_EU = "G"
    NOT_SUBJECT_TO_VAT = "O"


def parse_vat_category(value: VatCategory | str, *, field: str = "category") -> VatCategory:
    """A VAT category from its EN 16931 code ("S", "AE", ...) or raise UnknownVatCategory."""
    try:
        return VatCategory(value)
    except ValueError:
        raise UnknownVatCategory(field=field, value=value) from None


class PartyId(StrEnum):
    BUSINESS_ID = "business_id"  # Y-tunnus
    VAT_ID = "vat_id"  # EU VAT number (FI12345678, SE...)


@dataclass(frozen=True)
class VatGround:
    """Why a line is not standard-rated: the note the invoice prints (AVL 209 e § 11-12 kohta),
    the VATEX code for BT-121 (None: EN 16931 forbids a reason, BR-Z-10), and the ids the
    invoice must then show (AVL 209 e § 3-4 kohta)."""

    key: str
    category: VatCategory
    notes: Mapping[str, str]
    vatex: str | None
    buyer_ids: frozenset[PartyId] = frozenset()
    seller_ids: frozenset[PartyId] = frozenset({PartyId.BUSINESS_ID})

    def note(self, language: str = "fi") -> str:
        return self.notes.get(language) or self.notes["en"]


def _ground(
    key: str,
    category: VatCategory,
    fi: str,
    sv: str,
    en: str,
    vatex: str | None,
    **ids: frozenset[PartyId],
) -> VatGround:
    return VatGround(key, category, {"fi": fi, "sv": sv, "en": en}, vatex, **ids)


_VAT_ID = frozenset({PartyId.VAT_ID})
_ID = frozenset({PartyId.BUSINESS_ID})
_E = VatCategory.EXEMPT
_ART = ("arvonlisäverodirektiivi art.", "mervärdesskattedirektivet art.", "VAT Directive art.")


def _exempt(
    key: str, section: str, article: str, fi: str, sv: str, en: str, vatex: str
) -> VatGround:
    """An AVL chapter 4 exemption: "Veroton myynti" with the AVL section and Directive article."""
    return _ground(
        key,
        _E,
        f"Veroton myynti: {fi} (AVL {section}; {_ART[0]} {article})",
        f"Skattefri försäljning: {sv} (ML {section}; {_ART[1]} {article})",
        f"VAT exempt: {en} (Finnish VAT Act {section}; {_ART[2]} {article})",
        vatex,
    )


# Notes follow finnish-invoicing.md §4 and the cited sections. The export wording (§4 marks it
# unverified) follows AVL 70 § and VAT Directive art. 146. Swedish cites the Finnish act as
# "ML" (mervärdesskattelagen), as Verohallinto's Swedish pages do.
VAT_GROUNDS: Mapping[str, VatGround] = {
    ground.key: ground
    for ground in (
        _ground(
            "zero_rated",
            VatCategory.ZERO_RATED,
            "Verokanta 0 %",
            "Skattesats 0 %",
            "Zero-rated (VAT 0 %)",
            None,
        ),
        _exempt(
            "health_care",
            "34 §",
            "132(1)(b)-(c)",
            "terveyden- ja sairaanhoito",
            "hälso- och sjukvård",
            "health care",
            "VATEX-EU-132",
        ),
        _exempt(
            "social_welfare",
            "37 §",
            "132(1)(g)",
            "sosiaalihuolto",
            "socialvård",
            "social welfare",
            "VATEX-EU-132-1G",
        ),
        _exempt(
            "education",
            "39 §",
            "132(1)(i)",
            "koulutuspalvelu",
            "utbildningstjänst",
            "education",
            "VATEX-EU-132-1I",
        ),
        _exempt(
            "financial_services",
            "41 §",
            "135(1)(b)-(g)",
            "rahoituspalvelu",
            "finansiell tjänst",
            "financial services",
            "VATEX-EU-135-1",
        ),
        _exempt(
            "insurance",
            "44 §",
            "135(1)(a)",
            "vakuutuspalvelu",
            "försäkringstjänst",
            "insurance",
            "VATEX-EU-135-1",
        ),
        _exempt(
            "real_estate",
            "27 §",
            "135(1)(j)-(l)",
            "kiinteistön luovutus tai vuokraus",
            "överlåtelse eller uthyrning av fastighet",
            "real estate supply or letting",
            "VATEX-EU-135-1",
        ),
        _ground(
            "construction_reverse_charge",
            VatCategory.REVERSE_CHARGE,
            "Käännetty verovelvollisuus (AVL 8 c §)",
            "Omvänd skattskyldighet (ML 8 c §)",
            "Reverse charge (Finnish VAT Act 8 c §)",
            "VATEX-EU-AE",
            buyer_ids=_ID,
        ),
        _ground(
            "eu_services_reverse_charge",
            VatCategory.REVERSE_CHARGE,
            f"Käännetty verovelvollisuus (AVL 65 §; {_ART[0]} 44 ja 196)",
            f"Omvänd skattskyldighet (ML 65 §; {_ART[1]} 44 och 196)",
            f"Reverse charge (Finnish VAT Act 65 §; {_ART[2]} 44 and 196)",
            "VATEX-EU-AE",
            buyer_ids=_VAT_ID,
            seller_ids=_VAT_ID,
        ),
        _ground(
            "intra_community_supply",
            VatCategory.INTRA_COMMUNITY_SUPPLY,
            f"Veroton yhteisömyynti (AVL 72 a §; {_ART[0]} 138)",
            f"Skattefri gemenskapsintern försäljning (ML 72 a §; {_ART[1]} 138)",
            f"Intra-Community supply of goods, VAT exempt (Finnish VAT Act 72 a §; {_ART[2]} 138)",
            "VATEX-EU-IC",
            buyer_ids=_VAT_ID,
            seller_ids=_VAT_ID,
        ),
        _ground(
            "export_outside_eu",
            VatCategory.EXPORT_OUTSIDE_EU,
            f"Veroton vienti EU:n ulkopuolelle (AVL 70 §; {_ART[0]} 146)",
            f"Skattefri export utanför EU (ML 70 §; {_ART[1]} 146)",
            f"Export outside the EU, VAT exempt (Finnish VAT Act 70 §; {_ART[2]} 146)",
            "VATEX-EU-G",
        ),
        _ground(
            "small_business",
            VatCategory.NOT_SUBJECT_TO_VAT,
            f"Myyjä ei ole arvonlisäverovelvollinen: vähäinen toiminta (AVL 3 §; {_ART[0]} 284)",
            f"Säljaren är inte momsskyldig: verksamhet i liten skala (ML 3 §; {_ART[1]} 284)",
            "Seller not liable for VAT: small-business exemption "
            f"(Finnish VAT Act 3 §; {_ART[2]} 284)",
            "VATEX-EU-O",
        ),
    )
}

# Categories with a single ground use it by default; E and AE have several, so a line must say.
DEFAULT_GROUNDS: Mapping[VatCategory, VatGround] = {
    VatCategory.ZERO_RATED: VAT_GROUNDS["zero_rated"],
    VatCategory.INTRA_COMMUNITY_SUPPLY: VAT_GROUNDS["intra_community_supply"],
    VatCategory.EXPORT_OUTSIDE_EU: VAT_GROUNDS["export_outside_eu"],
    VatCategory.NOT_SUBJECT_TO_VAT: VAT_GROUNDS["small_business"],
}


def vat_ground(
    category: VatCategory, key: str | None = None, *, field: str = "vat_ground"
) -> VatGround | None:
    """The ground printed for a category (AVL 209 e § 11-12 kohta): None for S, the named one,
    or the category's only ground; raises when it is unknown, missing or of another category."""
    if key is None:
        if category is VatCategory.STANDARD:
            return None
        if category not in DEFAULT_GROUNDS:
            raise VatGroundRequired(field=field, category=category.value)
        return DEFAULT_GROUNDS[category]
    ground = VAT_GROUNDS.get(key)
    if ground is None:
        raise UnknownVatGround(field=field, value=key)
    if ground.category is not category:
        raise VatGroundMismatch(field=field, ground=key, category=category.value)
    return ground
