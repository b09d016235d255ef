"""Customer rules: identifiers, e-invoice addresses, duplicate warnings. Pure: no I/O.

- The business ID is a Finnish Y-tunnus, stored as ``NNNNNNN-C``
  (:func:`laskutin.finnish.business_ids.normalise_business_id`).
- The VAT number is any EU VAT number, stored compact with its prefix (``FI01162976``,
  ``SE556036079301``); typed without a prefix it takes the billing country's. A Finnish VAT
  number must be ``FI`` + the digits of the customer's Y-tunnus when both are given.
- An e-invoice address that looks like an OVT code (``0037`` + digits) is checked and
  normalised; other addresses (Peppol ids, IBAN-style Finvoice addresses) are kept as typed.
- Another customer of the company with the same business ID or VAT number is a warning, never
  a refusal: one firm may well be two customers (departments, billing addresses).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from laskutin.core.errors import Conflict, RuleViolation
from laskutin.core.i18n import Language
from laskutin.finnish.business_ids import (
    EU_VAT_PREFIXES,
    normalise_business_id,
    normalise_eu_vat_number,
    parse_ovt,
    vat_number_from_business_id,
)

MAX_CUSTOMER_NUMBER = 999_999_999


class CustomerKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class CustomerLanguage(StrEnum):
    FI = "fi"
    SV = "sv"
    EN = "en"


class CustomerVatNumberMismatch(RuleViolation):
    code = "vat-number-business-id-mismatch"
    messages = {
        "fi": "Kenttä {field}: suomalaisen ALV-numeron {value} pitää olla FI ja asiakkaan "
        "Y-tunnuksen numerot ({expected}).",
        "sv": "Fältet {field}: det finska momsnumret {value} ska vara FI och kundens FO-nummer "
        "({expected}).",
        "en": "Field {field}: the Finnish VAT number {value} must be FI followed by the "
        "customer's business ID digits ({expected}).",
    }


class CustomerNumberTaken(Conflict, RuleViolation):
    """409: the customer number is already another customer's in this company."""

    code = "customer-number-taken"
    messages = {
        "fi": "Kenttä {field}: asiakasnumero {value} on jo käytössä. Valitse toinen numero tai "
        "jätä kenttä pois, niin seuraava vapaa numero annetaan.",
        "sv": "Fältet {field}: kundnumret {value} används redan. Välj ett annat nummer eller "
        "utelämna fältet så tilldelas nästa lediga nummer.",
        "en": "Field {field}: customer number {value} is already taken. Choose another number, "
        "or leave the field out to get the next free one.",
    }


class CustomerInvoiced(Conflict, RuleViolation):
    """409: a customer with invoices (drafts included) is archived, never deleted."""

    code = "customer-invoiced"
    messages = {
        "fi": "Asiakkaalla on laskuja, joten sitä ei voi poistaa. Arkistoi asiakas "
        "(POST /api/v1/customers/{id}/archive).",
        "sv": "Kunden har fakturor och kan därför inte tas bort. Arkivera kunden i stället "
        "(POST /api/v1/customers/{id}/archive).",
        "en": "The customer has invoices, so it cannot be deleted. Archive it instead "
        "(POST /api/v1/customers/{id}/archive).",
    }


_OVT_LIKE = re.compile(r"0037[0-9]")
_PREFIX = re.compile(r"[A-Za-z]{2}")


def normalise_vat_number(value: str, *, country: str | None, field: str = "vat_number") -> str:
    """An EU VAT number in compact form; without a prefix it takes ``country``'s (if EU)."""
    stripped = value.strip()
    if not _PREFIX.match(stripped) and country is not None:
        prefix = "EL" if country.upper() == "GR" else country.upper()
        if prefix in EU_VAT_PREFIXES:
            return normalise_eu_vat_number(stripped, country=prefix, field=field)
    return normalise_eu_vat_number(stripped, field=field)


def check_identifiers(
    business_id: str | None, vat_number: str | None, *, changed_field: str = "vat_number"
) -> None:
    """A Finnish VAT number and a Y-tunnus of one customer must agree."""
    if business_id is None or vat_number is None or not vat_number.startswith("FI"):
        return
    expected = vat_number_from_business_id(business_id)
    if vat_number != expected:
        raise CustomerVatNumberMismatch(field=changed_field, value=vat_number, expected=expected)


def normalise_identifier(value: str, *, field: str = "business_id") -> str:
    return normalise_business_id(value, field=field)


def normalise_einvoice_address(value: str, *, field: str = "einvoice_address") -> str:
    """OVT codes (``0037...``) checked and written without spaces; anything else as typed."""
    cleaned = value.strip()
    compact = "".join(cleaned.split())
    if _OVT_LIKE.match(compact):
        return parse_ovt(compact, field=field).code
    return cleaned


# --- duplicate warnings ----------------------------------------------------------------------


class WarningCode(StrEnum):
    DUPLICATE_BUSINESS_ID = "duplicate-business-id"
    DUPLICATE_VAT_NUMBER = "duplicate-vat-number"


_WARNING_MESSAGES: dict[WarningCode, dict[Language, str]] = {
    WarningCode.DUPLICATE_BUSINESS_ID: {
        "fi": "Asiakkaalla {number} ({name}) on sama Y-tunnus {value}.",
        "sv": "Kunden {number} ({name}) har samma FO-nummer {value}.",
        "en": "Customer {number} ({name}) has the same business ID {value}.",
    },
    WarningCode.DUPLICATE_VAT_NUMBER: {
        "fi": "Asiakkaalla {number} ({name}) on sama ALV-numero {value}.",
        "sv": "Kunden {number} ({name}) har samma momsnummer {value}.",
        "en": "Customer {number} ({name}) has the same VAT number {value}.",
    },
}

WARNING_FIELDS: dict[WarningCode, str] = {
    WarningCode.DUPLICATE_BUSINESS_ID: "business_id",
    WarningCode.DUPLICATE_VAT_NUMBER: "vat_number",
}


@dataclass(frozen=True)
class DuplicateWarning:
    code: WarningCode
    value: str
    customer_id: uuid.UUID
    customer_number: int
    customer_name: str

    @property
    def field(self) -> str:
        return WARNING_FIELDS[self.code]

    def message(self, language: Language = "fi") -> str:
        return _WARNING_MESSAGES[self.code][language].format(
            number=self.customer_number, name=self.customer_name, value=self.value
        )


def next_customer_number(highest: int | None) -> int:
    """The next free number after the company's highest (1 for the first customer)."""
    return 1 if highest is None else highest + 1
