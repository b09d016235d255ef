"""IBAN and BIC: validation, normal forms and the BIC of a Finnish account, with schwifty.

Sources: ISO 13616 (IBAN) and ECBS EBS204 for the two forms: the electronic form without spaces
(``FI2112345600000785``) and the paper form in groups of four, optionally after the word IBAN
(``IBAN FI21 1234 5600 0007 85``). ISO 9362 for the BIC. schwifty carries the country formats (the
SWIFT IBAN registry), the SEPA membership of each country and the banks' BICs.

Policy:
- An IBAN must belong to a SEPA country unless the caller says otherwise: Laskutin's invoices are
  paid by SEPA credit transfer.
- Finnish IBANs also have their national check digit verified (the last BBAN digit, Luhn, which
  schwifty implements for FI). For other countries only the IBAN's own mod-97 check digits are
  verified: schwifty warns that it has no national algorithm for many of them, and a missing
  algorithm must not reject a real account.
"""

from __future__ import annotations

import re

from schwifty import BIC, IBAN, exceptions

from laskutin.core.errors import RuleViolation

FINLAND = "FI"

_IBAN_PREFIX = re.compile(r"^IBAN:?", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")


# --- errors -------------------------------------------------------------------------------------


class InvalidIban(RuleViolation):
    """Any refused IBAN; the subclasses say why."""

    code = "iban-invalid"
    messages = {
        "fi": "Tilinumero {value} ei ole kelvollinen IBAN.",
        "sv": "Kontonumret {value} är inte ett giltigt IBAN.",
        "en": "Account number {value} is not a valid IBAN.",
    }


class IbanMalformed(InvalidIban):
    code = "iban-malformed"
    messages = {
        "fi": (
            "Tilinumero {value} ei ole IBAN-muotoinen: maatunnus, kaksi tarkistenumeroa ja "
            "tilin numerot, esim. FI21 1234 5600 0007 85."
        ),
        "sv": (
            "Kontonumret {value} är inte i IBAN-form: landskod, två kontrollsiffror och "
            "kontots siffror, t.ex. FI21 1234 5600 0007 85."
        ),
        "en": (
            "Account number {value} is not in IBAN form: a country code, two check digits "
            "and the account, e.g. FI21 1234 5600 0007 85."
        ),
    }


class IbanUnknownCountry(InvalidIban):
    code = "iban-unknown-country"
    messages = {
        "fi": "IBAN {value}: maatunnuksella {country} ei ole IBAN-tilinumeroita.",
        "sv": "IBAN {value}: landskoden {country} har inga IBAN-kontonummer.",
        "en": "IBAN {value}: there are no IBANs with the country code {country}.",
    }


class IbanWrongLength(InvalidIban):
    code = "iban-wrong-length"
    messages = {
        "fi": "IBAN {value}: maan {country} IBANissa on {expected} merkkiä, tässä {actual}.",
        "sv": "IBAN {value}: ett IBAN för {country} har {expected} tecken, detta har {actual}.",
        "en": "IBAN {value}: an IBAN of {country} has {expected} characters, this one {actual}.",
    }


class IbanWrongCheckDigits(InvalidIban):
    code = "iban-wrong-check-digits"
    messages = {
        "fi": "IBANin {value} tarkistenumerot eivät täsmää: tarkista tilinumero.",
        "sv": "Kontrollsiffrorna i IBAN {value} stämmer inte: kontrollera kontonumret.",
        "en": "The check digits of IBAN {value} do not match: check the account number.",
    }


class IbanInvalidAccount(InvalidIban):
    code = "iban-invalid-account"
    messages = {
        "fi": "IBAN {value}: tilin numero ei ole maan {country} muodon mukainen.",
        "sv": "IBAN {value}: kontots nummer följer inte formatet för {country}.",
        "en": "IBAN {value}: the account part does not follow the format of {country}.",
    }


class IbanNotSepa(InvalidIban):
    code = "iban-not-sepa"
    messages = {
        "fi": "IBAN {value}: maa {country} ei kuulu SEPA-alueeseen.",
        "sv": "IBAN {value}: landet {country} hör inte till SEPA-området.",
        "en": "IBAN {value}: country {country} is not in the SEPA area.",
    }


class IbanNotFinnish(InvalidIban):
    code = "iban-not-finnish"
    messages = {
        "fi": "Tähän tarvitaan suomalainen tilinumero (FI), ei {value}.",
        "sv": "Här behövs ett finländskt kontonummer (FI), inte {value}.",
        "en": "A Finnish account number (FI) is needed here, not {value}.",
    }


class InvalidBic(RuleViolation):
    code = "bic-invalid"
    messages = {
        "fi": "BIC {value} ei kelpaa: 8 tai 11 kirjainta ja numeroa, esim. OKOYFIHH.",
        "sv": "BIC {value} är ogiltig: 8 eller 11 bokstäver och siffror, t.ex. OKOYFIHH.",
        "en": "BIC {value} is not valid: 8 or 11 letters and digits, e.g. OKOYFIHH.",
    }


class BicUnknownCountry(InvalidBic):
    code = "bic-unknown-country"
    messages = {
        "fi": "BIC {value}: maatunnusta {country} ei ole.",
        "sv": "BIC {value}: landskoden {country} finns inte.",
        "en": "BIC {value}: there is no country code {country}.",
    }


# --- IBAN ---------------------------------------------------------------------------------------


def _compact_iban(value: str) -> str:
    text = _WHITESPACE.sub("", value).upper()
    return _IBAN_PREFIX.sub("", text)


def normalize_iban(value: str, *, field: str = "iban", sepa_only: bool = True) -> str:
    """Validate an IBAN in electronic or paper form; return the electronic form.

    ISO 13616 via schwifty: country format and length, mod-97 check digits; for Finland also the
    national check digit. ``sepa_only`` (default) refuses countries outside SEPA.
    ``normalize_iban("IBAN FI21 1234 5600 0007 85") == "FI2112345600000785"``.
    """
    known = _VALID_IBANS.get((value, sepa_only))
    if known is not None:
        return known
    compact = _compact_iban(value)
    if not _IBAN_SHAPE.fullmatch(compact):
        raise IbanMalformed(field=field, value=value)
    country = compact[:2]
    try:
        iban = IBAN(compact, validate_bban=False)
    except exceptions.InvalidCountryCode:
        raise IbanUnknownCountry(field=field, value=value, country=country) from None
    except exceptions.InvalidLength:
        expected = IBAN(compact, allow_invalid=True).spec.iban_length
        raise IbanWrongLength(
            field=field, value=value, country=country, expected=expected, actual=len(compact)
        ) from None
    except exceptions.InvalidChecksumDigits:
        raise IbanWrongCheckDigits(field=field, value=value) from None
    except exceptions.SchwiftyException:
        raise IbanInvalidAccount(field=field, value=value, country=country) from None
    if country == FINLAND:
        try:
            iban.validate(validate_bban=True)
        except exceptions.SchwiftyException:
            raise IbanInvalidAccount(field=field, value=value, country=country) from None
    if sepa_only and not iban.in_sepa_zone:
        raise IbanNotSepa(field=field, value=value, country=country)
    if len(_VALID_IBANS) >= _VALID_IBANS_KEPT:
        _VALID_IBANS.clear()
    _VALID_IBANS[value, sepa_only] = normal = str(iban)
    return normal


# IBANs found valid, by (value, sepa_only): a company's own account is checked on every
# issue (the bank barcode), and schwifty's check is the slow part of that.
_VALID_IBANS: dict[tuple[str, bool], str] = {}
_VALID_IBANS_KEPT = 1024


def normalize_finnish_iban(value: str, *, field: str = "iban") -> str:
    """Validate a Finnish IBAN (``FI`` + 16 digits); return the electronic form.

    For rules that exist only for Finnish accounts, such as the bank barcode (FFI Bank Bar Code
    Guide §2, via tilisiirto-and-terms.md §1.4).
    """
    iban = normalize_iban(value, field=field)
    if not iban.startswith(FINLAND):
        raise IbanNotFinnish(field=field, value=value)
    return iban


def is_valid_iban(value: str, *, sepa_only: bool = True) -> bool:
    """True if ``normalize_iban`` accepts ``value``."""
    try:
        normalize_iban(value, sepa_only=sepa_only)
    except InvalidIban:
        return False
    return True


def format_iban(value: str) -> str:
    """Paper form: groups of four characters (EBS204), e.g. ``"FI21 1234 5600 0007 85"``.

    Accepts any form ``normalize_iban`` accepts, in any IBAN country.
    """
    return IBAN(normalize_iban(value, sepa_only=False)).formatted


def bic_for_iban(value: str) -> str | None:
    """The BIC of a Finnish IBAN's bank, from schwifty's registry; None if unknown or not Finnish.

    Finnish bank codes map to one BIC each (Finance Finland's list, which schwifty's FI registry
    follows). For other countries a bank code can have several BICs, so none is guessed here:
    the user gives it.
    """
    iban = IBAN(normalize_iban(value, sepa_only=False))
    if iban.country_code != FINLAND:
        return None
    bic = iban.bic
    return None if bic is None else str(bic)


# --- BIC ----------------------------------------------------------------------------------------


def normalize_bic(value: str, *, field: str = "bic") -> str:
    """Validate a BIC (ISO 9362: 4 + 2 country + 2 location [+ 3 branch]) with schwifty.

    Returns it compact and upper-case: ``normalize_bic("okoy fi hh") == "OKOYFIHH"``.
    """
    compact = _WHITESPACE.sub("", value).upper()
    try:
        bic = BIC(compact)
    except exceptions.InvalidCountryCode:
        raise BicUnknownCountry(field=field, value=value, country=compact[4:6]) from None
    except exceptions.SchwiftyException:
        raise InvalidBic(field=field, value=value) from None
    return str(bic)


def is_valid_bic(value: str) -> bool:
    """True if ``normalize_bic`` accepts ``value``."""
    try:
        normalize_bic(value)
    except InvalidBic:
        return False
    return True
