"""Which CSV column is which field: the header names other Finnish invoicing services export
(Finnish, Swedish and English variants), plus our own field names. Pure: no I/O.

A header is compared case-insensitively with spaces, dots, dashes, slashes, underscores and
parentheses removed, so "Y-tunnus", "y tunnus" and "YTUNNUS" are one name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["customers", "products"]

CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "nimi",
        "asiakas",
        "asiakkaan nimi",
        "yritys",
        "yrityksen nimi",
        "namn",
        "kund",
        "company name",
        "customer name",
        "customer",
    ),
    "customer_number": (
        "customer_number",
        "asiakasnumero",
        "asiakasnro",
        "asiakas nro",
        "kundnummer",
        "customer number",
        "number",
        "nro",
    ),
    "kind": ("kind", "tyyppi", "asiakastyyppi", "typ", "type"),
    "business_id": (
        "business_id",
        "y-tunnus",
        "ytunnus",
        "y tunnus",
        "yritystunnus",
        "fo-nummer",
        "business id",
        "company id",
    ),
    "vat_number": (
        "vat_number",
        "alv-numero",
        "alv numero",
        "alv-tunniste",
        "alv tunnus",
        "vat-tunniste",
        "momsnummer",
        "vat number",
        "vat id",
    ),
    "email": (
        "email",
        "sähköposti",
        "sähköpostiosoite",
        "e-mail",
        "e-post",
        "laskutusosoite email",
    ),
    "phone": ("phone", "puhelin", "puhelinnumero", "gsm", "telefon", "telephone"),
    "contact_person": (
        "contact_person",
        "yhteyshenkilö",
        "kontaktperson",
        "contact person",
        "contact",
    ),
    "language": ("language", "kieli", "laskutuskieli", "språk"),
    "billing_street": (
        "billing_street",
        "katuosoite",
        "osoite",
        "lähiosoite",
        "laskutusosoite",
        "gatuadress",
        "adress",
        "street",
        "address",
    ),
    "billing_postal_code": (
        "billing_postal_code",
        "postinumero",
        "postinro",
        "postnummer",
        "postal code",
        "zip",
        "zip code",
    ),
    "billing_city": (
        "billing_city",
        "postitoimipaikka",
        "kaupunki",
        "paikkakunta",
        "postanstalt",
        "ort",
        "city",
        "town",
    ),
    "billing_country": ("billing_country", "maa", "maakoodi", "land", "country"),
    "einvoice_address": (
        "einvoice_address",
        "verkkolaskuosoite",
        "verkkolaskutusosoite",
        "ovt",
        "ovt-tunnus",
        "e-fakturaadress",
        "e-invoice address",
        "einvoice address",
    ),
    "einvoice_operator": (
        "einvoice_operator",
        "välittäjä",
        "välittäjätunnus",
        "verkkolaskuoperaattori",
        "operaattori",
        "operatör",
        "förmedlare",
        "operator",
        "e-invoice operator",
    ),
    "payment_terms_days": (
        "payment_terms_days",
        "maksuehto",
        "maksuaika",
        "maksuehto pv",
        "maksuehto (pv)",
        "betalningsvillkor",
        "payment terms",
        "payment terms days",
    ),
    "notes": ("notes", "lisätiedot", "huomautukset", "muistiinpanot", "anteckningar", "notes"),
}

PRODUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "tuotekoodi",
        "koodi",
        "tuotenumero",
        "tuote nro",
        "artikkelinumero",
        "produktkod",
        "artikelnummer",
        "product code",
        "sku",
    ),
    "name_fi": (
        "name_fi",
        "nimi",
        "tuote",
        "tuotteen nimi",
        "nimike",
        "nimi fi",
        "name",
        "product",
        "product name",
    ),
    "name_sv": ("name_sv", "nimi ruotsiksi", "nimi sv", "namn", "produktnamn"),
    "name_en": ("name_en", "nimi englanniksi", "nimi en", "name en", "english name"),
    "unit": ("unit", "yksikkö", "enhet"),
    "unit_price": (
        "unit_price",
        "hinta",
        "à-hinta",
        "a-hinta",
        "yksikköhinta",
        "myyntihinta",
        "veroton hinta",
        "hinta alv 0",
        "pris",
        "à-pris",
        "price",
        "unit price",
    ),
    "unit_price_with_vat": (
        "unit_price_with_vat",
        "verollinen hinta",
        "hinta sis alv",
        "hinta sis. alv",
        "verollinen yksikköhinta",
        "pris inkl moms",
        "price incl vat",
        "gross price",
    ),
    "vat_rate": (
        "vat_rate",
        "alv",
        "alv %",
        "alv-%",
        "alv prosentti",
        "alv-kanta",
        "verokanta",
        "moms",
        "moms %",
        "vat",
        "vat %",
        "vat rate",
    ),
    "vat_category": (
        "vat_category",
        "alv-luokka",
        "alv luokka",
        "verokoodi",
        "momskategori",
        "vat category",
    ),
    "rate_class": ("rate_class", "verokantaluokka", "rate class"),
    "vat_ground": ("vat_ground", "alv-peruste", "verottomuuden peruste", "vat ground"),
}

COLUMNS: dict[Kind, dict[str, tuple[str, ...]]] = {
    "customers": CUSTOMER_COLUMNS,
    "products": PRODUCT_COLUMNS,
}


def normalise(header: str) -> str:
    return re.sub(r"[\s._\-/()%]+", "", header.strip().lower())


@dataclass(frozen=True)
class ColumnMap:
    """Field -> column index, and the headers nothing uses (ignored, listed in the report)."""

    fields: dict[str, int]
    ignored: list[str]


def map_columns(kind: Kind, header: Sequence[str]) -> ColumnMap:
    """The first column whose header names a field wins; later ones with the same meaning
    are ignored (and listed)."""
    lookup: dict[str, str] = {}
    for field, names in COLUMNS[kind].items():
        for name in names:
            lookup.setdefault(normalise(name), field)
    fields: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        found = lookup.get(normalise(title))
        if found is None or found in fields:
            ignored.append(title)
        else:
            fields[found] = index
    return ColumnMap(fields=fields, ignored=ignored)


def cells_of(column_map: ColumnMap, cells: Sequence[str]) -> Mapping[str, str]:
    """The row's non-empty values by field."""
    values: dict[str, str] = {}
    for field, index in column_map.fields.items():
        if index < len(cells):
            value = cells[index].strip()
            if value:
                values[field] = value
    return values
