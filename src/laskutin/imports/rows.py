"""A CSV row as the body the API's create endpoint would take (CustomerCreate, ProductCreate).
Pure: no I/O. Values are read leniently where exports differ (a decimal comma, "Suomi" for FI,
"25,5 %" for a VAT rate); anything else is left for the schema and the domain rules to judge,
exactly as if it had come through POST /api/v1/customers or /api/v1/products.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from laskutin.finnish.vat import RateClass, rates_on

LANGUAGES = {
    "fi": "fi", "suomi": "fi", "finska": "fi", "finnish": "fi",
    "sv": "sv", "ruotsi": "sv", "svenska": "sv", "swedish": "sv",
    "en": "en", "englanti": "en", "engelska": "en", "english": "en",
}  # fmt: skip
COUNTRIES = {"suomi": "FI", "finland": "FI", "ruotsi": "SE", "sverige": "SE", "sweden": "SE"}
KINDS = {
    "company": "company", "yritys": "company", "företag": "company", "organisaatio": "company",
    "person": "person", "henkilö": "person", "yksityishenkilö": "person", "kuluttaja": "person",
    "privatperson": "person", "privat": "person",
}  # fmt: skip
# A VAT rate names its class by today's rates; where two classes share a rate, the first here
# wins (a rate_class column chooses otherwise).
RATE_CLASS_ORDER = (
    RateClass.GENERAL,
    RateClass.FOODSTUFFS_RESTAURANTS,
    RateClass.NEWSPAPERS_PERIODICALS,
    RateClass.BOOKS_MEDICINES_CULTURE_TRANSPORT,
    RateClass.PUBLIC_BROADCASTING,
)


def decimal_text(value: str) -> str:
    """ "1 234,50" / "1234.5" / "12,5 %" -> "1234.50"-style text (the schema parses it)."""
    cleaned = value.replace("\u00a0", "").replace(" ", "").replace("%", "").replace("€", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")  # "1.234,50"
    return cleaned.replace(",", ".")


def _whole(value: str) -> Any:
    text = decimal_text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return value  # the schema names the field
    return int(number) if number == number.to_integral_value() else value


def customer_body(values: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in (
        "name", "business_id", "vat_number", "email", "phone", "contact_person",
        "einvoice_address", "einvoice_operator", "notes",
    ):  # fmt: skip
        if field in values:
            body[field] = values[field]
    if "customer_number" in values:
        body["customer_number"] = _whole(values["customer_number"])
    if "payment_terms_days" in values:
        body["payment_terms_days"] = _whole(values["payment_terms_days"])
    if "kind" in values:
        body["kind"] = KINDS.get(values["kind"].lower(), values["kind"])
    if "language" in values:
        body["language"] = LANGUAGES.get(values["language"].lower(), values["language"])
    address = {
        part: values[f"billing_{part}"]
        for part in ("street", "postal_code", "city")
        if f"billing_{part}" in values
    }
    if "billing_country" in values:
        country = values["billing_country"]
        address["country"] = COUNTRIES.get(country.lower(), country.upper())
    if address:
        body["billing_address"] = address
    return body


def rate_class_for(rate: str, day: dt.date) -> str | None:
    """The rate class whose rate on ``day`` is ``rate`` (None: no class has it)."""
    try:
        wanted = Decimal(decimal_text(rate))
    except InvalidOperation:
        return None
    rates = rates_on(day)
    for rate_class in RATE_CLASS_ORDER:
        if rates[rate_class] == wanted:
            return rate_class.value
    return None


def _is_zero(rate: str) -> bool:
    try:
        return Decimal(decimal_text(rate)) == 0
    except InvalidOperation:
        return False


def product_body(values: Mapping[str, str], day: dt.date) -> tuple[dict[str, Any], str | None]:
    """The body, and ``"vat_rate"`` when the VAT rate matches no rate class (0 % too: which
    category, Z, E, AE, K, G or O, it is cannot be told) or does not fit the category."""
    body: dict[str, Any] = {}
    names = {
        lang: values[f"name_{lang}"] for lang in ("fi", "sv", "en") if f"name_{lang}" in values
    }
    if names:
        body["names"] = names
    for field in ("code", "unit", "vat_ground"):
        if field in values:
            body[field] = values[field]
    if "vat_category" in values:
        body["vat_category"] = values["vat_category"].upper()
    if "unit_price" in values:
        body["unit_price"] = decimal_text(values["unit_price"])
    elif "unit_price_with_vat" in values:
        body["unit_price"] = decimal_text(values["unit_price_with_vat"])
        body["prices_include_vat"] = True
    bad_rate = None
    if "rate_class" in values:
        body["rate_class"] = values["rate_class"]
    elif "vat_rate" in values:
        category = body.get("vat_category", "S")
        if category == "S":
            found = rate_class_for(values["vat_rate"], day)
            if found is None:
                bad_rate = "vat_rate"
            else:
                body["rate_class"] = found
        elif not _is_zero(values["vat_rate"]):
            bad_rate = "vat_rate"  # a rate with a category other than S
    return body, bad_rate
