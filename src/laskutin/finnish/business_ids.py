"""Business identifiers: Y-tunnus, Finnish and EU VAT numbers, OVT e-invoice addresses.

Pure rules, no I/O. Facts: ../shared/domain/finnish-invoicing.md §6 (business ID, VAT numbers)
and §9 (OVT addresses). Check digits are python-stdnum's (``stdnum.fi.ytunnus``,
``stdnum.fi.alv``, ``stdnum.eu.vat``), never recomputed here. Whether an EU VAT number is
actually registered is a VIES question; that is I/O and lives elsewhere.

Canonical forms returned by this module:

- business ID (Y-tunnus): ``NNNNNNN-C``, e.g. ``0116297-6``;
- Finnish VAT number: ``FI`` + 8 digits, e.g. ``FI01162976``;
- EU VAT number: country prefix + national part as stdnum compacts it (``DE136695976``,
  ``BE0697449992``); Greece uses its VAT prefix ``EL``, never ``GR``;
- OVT code: ``0037`` + 8 digits + optional extension, e.g. ``003701162976``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fi import alv, ytunnus

from laskutin.core.errors import RuleViolation

__all__ = [
    "EU_VAT_PREFIXES",
    "OVT_PREFIX",
    "BusinessIdCheckDigit",
    "BusinessIdFormat",
    "BusinessIdNeverIssued",
    "OvtCode",
    "OvtCodeCheckDigit",
    "OvtCodeFormat",
    "OvtExtensionFormat",
    "VatNumberCheckDigit",
    "VatNumberCountryMismatch",
    "VatNumberFormat",
    "VatNumberNotFinnish",
    "VatNumberUnknownCountry",
    "business_id_check_digit",
    "business_id_from_vat_number",
    "complete_business_id",
    "is_valid_business_id",
    "normalise_business_id",
    "normalise_eu_vat_number",
    "normalise_finnish_vat_number",
    "ovt_from_business_id",
    "parse_ovt",
    "vat_number_from_business_id",
]

# --- errors ----------------------------------------------------------------------------------


class BusinessIdFormat(RuleViolation):
    code = "business-id-format"
    messages = {
        "fi": "Kenttä {field}: {value!r} ei ole Y-tunnus. Muoto on 1234567-8.",
        "sv": "Fältet {field}: {value!r} är inte ett FO-nummer. Formatet är 1234567-8.",
        "en": "Field {field}: {value!r} is not a Finnish business ID. The format is 1234567-8.",
    }


class BusinessIdCheckDigit(RuleViolation):
    code = "business-id-check-digit"
    messages = {
        "fi": "Kenttä {field}: Y-tunnuksen {value} tarkistusnumero on väärä. Tarkista tunnus.",
        "sv": "Fältet {field}: kontrollsiffran i FO-numret {value} stämmer inte. Kontrollera "
        "numret.",
        "en": "Field {field}: the check digit of business ID {value} is wrong. Please check the "
        "number.",
    }


class BusinessIdNeverIssued(RuleViolation):
    code = "business-id-never-issued"
    messages = {
        "fi": "Kenttä {field}: numerolle {value} ei ole kelvollista tarkistusnumeroa, joten "
        "sellaista Y-tunnusta ei anneta.",
        "sv": "Fältet {field}: numret {value} har ingen giltig kontrollsiffra, så något sådant "
        "FO-nummer ges inte ut.",
        "en": "Field {field}: no check digit makes {value} valid, so no such business ID is ever "
        "issued.",
    }


class VatNumberFormat(RuleViolation):
    code = "vat-number-format"
    messages = {
        "fi": "Kenttä {field}: {value!r} ei ole muodoltaan kelvollinen ALV-numero (maa {country}).",
        "sv": "Fältet {field}: {value!r} har inte formen av ett giltigt momsregistreringsnummer "
        "(land {country}).",
        "en": "Field {field}: {value!r} is not a well-formed VAT number for country {country}.",
    }


class VatNumberCheckDigit(RuleViolation):
    code = "vat-number-check-digit"
    messages = {
        "fi": "Kenttä {field}: ALV-numeron {value} tarkistusnumero on väärä (maa {country}).",
        "sv": "Fältet {field}: kontrollsiffran i momsregistreringsnumret {value} stämmer inte "
        "(land {country}).",
        "en": "Field {field}: the check digits of VAT number {value} are wrong (country "
        "{country}).",
    }


class VatNumberUnknownCountry(RuleViolation):
    code = "vat-number-unknown-country"
    messages = {
        "fi": "Kenttä {field}: {value!r} ei ala EU-maan ALV-tunnuksella (esim. FI, SE, DE, EL).",
        "sv": "Fältet {field}: {value!r} börjar inte med ett EU-lands momsprefix (t.ex. FI, SE, "
        "DE, EL).",
        "en": "Field {field}: {value!r} does not start with an EU member state's VAT prefix "
        "(e.g. FI, SE, DE, EL).",
    }


class VatNumberCountryMismatch(RuleViolation):
    code = "vat-number-country-mismatch"
    messages = {
        "fi": "Kenttä {field}: ALV-numero {value} kuuluu maahan {actual}, ei maahan {expected}.",
        "sv": "Fältet {field}: momsregistreringsnumret {value} hör till {actual}, inte till "
        "{expected}.",
        "en": "Field {field}: VAT number {value} belongs to {actual}, not to {expected}.",
    }


class VatNumberNotFinnish(RuleViolation):
    code = "vat-number-not-finnish"
    messages = {
        "fi": "Kenttä {field}: {value!r} ei ole suomalainen ALV-numero (FI ja 8 numeroa).",
        "sv": "Fältet {field}: {value!r} är inte ett finskt momsregistreringsnummer (FI och 8 "
        "siffror).",
        "en": "Field {field}: {value!r} is not a Finnish VAT number (FI and 8 digits).",
    }


class OvtCodeFormat(RuleViolation):
    code = "ovt-code-format"
    messages = {
        "fi": "Kenttä {field}: {value!r} ei ole OVT-tunnus. Muoto on 0037, Y-tunnus ilman "
        "väliviivaa ja enintään 5 merkin lisäosa, esim. 003701162976.",
        "sv": "Fältet {field}: {value!r} är inte en OVT-kod. Formatet är 0037, FO-numret utan "
        "bindestreck och ett tillägg på högst 5 tecken, t.ex. 003701162976.",
        "en": "Field {field}: {value!r} is not an OVT code. The format is 0037, the business ID "
        "without hyphen and an optional extension of up to 5 characters, e.g. 003701162976.",
    }


class OvtCodeCheckDigit(RuleViolation):
    code = "ovt-code-check-digit"
    messages = {
        "fi": "Kenttä {field}: OVT-tunnuksen {value} sisältämän Y-tunnuksen tarkistusnumero on "
        "väärä.",
        "sv": "Fältet {field}: kontrollsiffran i FO-numret inuti OVT-koden {value} stämmer inte.",
        "en": "Field {field}: the business ID inside OVT code {value} has a wrong check digit.",
    }


class OvtExtensionFormat(RuleViolation):
    code = "ovt-extension-format"
    messages = {
        "fi": "Kenttä {field}: OVT-tunnuksen lisäosa {value!r} voi olla enintään 5 kirjainta tai "
        "numeroa (A–Z, 0–9).",
        "sv": "Fältet {field}: tillägget {value!r} till OVT-koden får vara högst 5 bokstäver "
        "eller siffror (A–Z, 0–9).",
        "en": "Field {field}: the OVT extension {value!r} may be at most 5 letters or digits "
        "(A–Z, 0–9).",
    }


# --- Y-tunnus (business ID) ------------------------------------------------------------------

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_BUSINESS_ID = re.compile(r"(?P<base>[0-9]{6,7})-(?P<check>[0-9])|(?P<compact>[0-9]{8})")
_BASE = re.compile(r"[0-9]{6,7}")


def _clean(value: str) -> str:
    """Drop all whitespace and turn typographic dashes (as pasted from PDFs) into '-'."""
    return "".join(value.split()).translate(_DASHES)


def _compact_business_id(value: object, field: str) -> str:
    """Eight digits (base + check digit) from an accepted spelling, or BusinessIdFormat."""
    if not isinstance(value, str):
        raise BusinessIdFormat(field=field, value=value)
    match = _BUSINESS_ID.fullmatch(_clean(value))
    if match is None:
        raise BusinessIdFormat(field=field, value=value)
    if match["compact"] is not None:
        return match["compact"]
    return match["base"].rjust(7, "0") + match["check"]


def _format_business_id(compact: str) -> str:
    return ytunnus.format(compact)


def normalise_business_id(value: str, *, field: str = "business_id") -> str:
    """Validate a Y-tunnus and return it as ``NNNNNNN-C`` (finnish-invoicing.md §6).

    Accepted spellings: ``0116297-6``, ``01162976`` and the older short form ``116297-6``
    (left-padded with a zero), with surrounding or inner spaces. The check digit (weights
    7, 9, 10, 5, 8, 4, 2, mod 11; remainder 1 is never issued) is verified by
    ``stdnum.fi.ytunnus``. A value with a country prefix (``FI01162976``) is a VAT number, not a
    business ID, and is refused here: use :func:`business_id_from_vat_number`.
    """
    compact = _compact_business_id(value, field)
    try:
        ytunnus.validate(compact)
    except ValidationError:
        raise BusinessIdCheckDigit(field=field, value=_format_business_id(compact)) from None
    return _format_business_id(compact)


def is_valid_business_id(value: str) -> bool:
    """True when :func:`normalise_business_id` accepts the value (finnish-invoicing.md §6)."""
    try:
        normalise_business_id(value)
    except RuleViolation:
        return False
    return True


def business_id_check_digit(base: str, *, field: str = "business_id") -> int:
    """The check digit of a 7-digit Y-tunnus base (a 6-digit one is left-padded), §6.

    ``0116297`` gives 6. A base whose weighted sum leaves remainder 1 has no check digit
    (``1000008``): such IDs are never issued, and BusinessIdNeverIssued says so. The digit is
    the one that ``stdnum.fi.alv`` accepts; at most one can, since the check digit's weight is 1.
    """
    cleaned = _clean(base) if isinstance(base, str) else None
    if cleaned is None or not _BASE.fullmatch(cleaned):
        raise BusinessIdFormat(field=field, value=base)
    padded = cleaned.rjust(7, "0")
    for digit in range(10):
        if alv.is_valid(f"{padded}{digit}"):
            return digit
    raise BusinessIdNeverIssued(field=field, value=padded)


def complete_business_id(base: str, *, field: str = "business_id") -> str:
    """A 7-digit base with its check digit appended: ``0116297`` -> ``0116297-6`` (§6)."""
    digit = business_id_check_digit(base, field=field)
    return f"{_clean(base).rjust(7, '0')}-{digit}"


# --- VAT numbers -----------------------------------------------------------------------------

EU_VAT_PREFIXES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
    }
)  # fmt: skip
"""VAT prefixes of the 27 member states (Greece is EL) plus XI, Northern Ireland, which VIES
also answers for (goods under the Windsor Framework). The OSS-only prefixes EU and IM that
stdnum also knows are not member-state VAT numbers and are refused."""

_ISO_TO_VAT_PREFIX = {"GR": "EL"}


def vat_number_from_business_id(business_id: str, *, field: str = "business_id") -> str:
    """The Finnish VAT number of a Y-tunnus: ``FI`` + its 8 digits (§6): ``FI01162976``.

    The result is a well-formed VAT number; whether the business is VAT-registered is a VIES
    question, not answered here.
    """
    return "FI" + normalise_business_id(business_id, field=field).replace("-", "")


def normalise_finnish_vat_number(value: str, *, field: str = "vat_number") -> str:
    """Validate a Finnish VAT number (ALV-numero) and return ``FI`` + 8 digits (§6).

    Spaces and a hyphen are tolerated (``FI 0116297-6``); the ``FI`` prefix is required, so a
    bare business ID is refused (VatNumberNotFinnish). Check digit: ``stdnum.fi.alv``.
    """
    cleaned = _clean(value).upper() if isinstance(value, str) else ""
    if not cleaned.startswith("FI"):
        raise VatNumberNotFinnish(field=field, value=value)
    digits = cleaned[2:].replace("-", "")
    if not (len(digits) == 8 and digits.isascii() and digits.isdigit()):
        raise VatNumberFormat(field=field, value=value, country="FI")
    try:
        alv.validate(digits)
    except ValidationError:
        raise VatNumberCheckDigit(field=field, value="FI" + digits, country="FI") from None
    return "FI" + digits


def business_id_from_vat_number(vat_number: str, *, field: str = "vat_number") -> str:
    """The Y-tunnus inside a Finnish VAT number: ``FI01162976`` -> ``0116297-6`` (§6)."""
    return _format_business_id(normalise_finnish_vat_number(vat_number, field=field)[2:])


def normalise_eu_vat_number(
    value: str, *, country: str | None = None, field: str = "vat_number"
) -> str:
    """Validate the format and check digits of an EU VAT number; return its compact form.

    Rule: each member state's own format and check digits, as implemented by python-stdnum's
    ``stdnum.eu.vat`` (finnish-invoicing.md §6: the number on an intra-EU B2B invoice). This is
    offline validation only; a VIES check that the number is registered is I/O, done elsewhere.

    ``country`` (optional) is the party's country, as an ISO 3166 code or VAT prefix; a number
    typed without a prefix gets it, and a number with another prefix is refused
    (VatNumberCountryMismatch). ``GR`` is accepted for Greece and written as ``EL``.
    """
    cleaned = _clean(value).upper() if isinstance(value, str) else ""
    expected = None
    if country is not None:
        expected = _ISO_TO_VAT_PREFIX.get(country.strip().upper(), country.strip().upper())
        if expected not in EU_VAT_PREFIXES:
            raise VatNumberUnknownCountry(field=field, value=country)
        if _ISO_TO_VAT_PREFIX.get(cleaned[:2], cleaned[:2]) not in EU_VAT_PREFIXES:
            cleaned = expected + cleaned  # typed without its prefix
    prefix = _ISO_TO_VAT_PREFIX.get(cleaned[:2], cleaned[:2])
    if prefix not in EU_VAT_PREFIXES:
        raise VatNumberUnknownCountry(field=field, value=value)
    if expected is not None and prefix != expected:
        raise VatNumberCountryMismatch(field=field, value=value, actual=prefix, expected=expected)
    number = prefix + cleaned[2:]
    try:
        compact: str = eu_vat.validate(number)
    except InvalidChecksum:
        raise VatNumberCheckDigit(field=field, value=number, country=prefix) from None
    except ValidationError:
        raise VatNumberFormat(field=field, value=value, country=prefix) from None
    return compact


# --- OVT e-invoice addresses -----------------------------------------------------------------

OVT_PREFIX = "0037"
"""ISO 6523 ICD 0037: Finnish OVT codes (finnish-invoicing.md §9; Peppol scheme 0037)."""

_OVT = re.compile(r"0037(?P<digits>[0-9]{8})(?P<extension>[0-9A-Za-z]{0,5})")
_EXTENSION = re.compile(r"[0-9A-Za-z]{0,5}")


@dataclass(frozen=True)
class OvtCode:
    """An OVT e-invoice address: a business ID plus an optional extension (§9).

    The extension (up to 5 letters or digits) tells apart several addresses of one business,
    e.g. departments; it is kept exactly as given (no case change), since it is a routing key.
    """

    business_id: str
    extension: str = ""

    @property
    def code(self) -> str:
        """``0037`` + the 8 digits of the business ID + the extension: ``003701162976``."""
        return OVT_PREFIX + self.business_id.replace("-", "") + self.extension

    def __str__(self) -> str:
        return self.code


def ovt_from_business_id(
    business_id: str, extension: str = "", *, field: str = "einvoice_address"
) -> str:
    """The OVT code of a business: ``0037`` + Y-tunnus digits + extension (§9).

    ``0116297-6`` -> ``003701162976``; with extension ``001`` -> ``003701162976001``.
    """
    if not isinstance(extension, str) or not _EXTENSION.fullmatch(extension):
        raise OvtExtensionFormat(field=field, value=extension)
    return OvtCode(normalise_business_id(business_id, field=field), extension).code


def parse_ovt(value: str, *, field: str = "einvoice_address") -> OvtCode:
    """Parse and validate an OVT code: prefix 0037, a valid Y-tunnus, extension of 0–5 (§9).

    Operators' intermediator IDs are OVT codes too and parse the same way (Maventa
    ``003721291126`` is business ID ``2129112-6``). Spaces are ignored; nothing else is.
    """
    cleaned = "".join(value.split()) if isinstance(value, str) else ""
    match = _OVT.fullmatch(cleaned)
    if match is None:
        raise OvtCodeFormat(field=field, value=value)
    digits = match["digits"]
    if not ytunnus.is_valid(digits):
        raise OvtCodeCheckDigit(field=field, value=cleaned)
    return OvtCode(_format_business_id(digits), match["extension"])
