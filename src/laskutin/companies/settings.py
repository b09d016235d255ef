"""The company's invoicing settings as pure rules: no I/O, no web, no database (issue 5).

Each ``normalise_*`` function takes what a user typed and returns the stored form, or raises a
:class:`~laskutin.core.errors.RuleViolation` naming the field (``field=...``) in words a user
understands, in Finnish, Swedish and English. The Finnish identifiers (Y-tunnus, VAT number,
IBAN, BIC, OVT) are :mod:`laskutin.finnish`'s rules; this module only decides which rule
applies to which setting.

Facts: ../shared/domain/finnish-invoicing.md §6 (business ids) and §9 (e-invoice addresses:
an OVT code ``0037`` + Y-tunnus digits + extension, or for consumer e-invoices an IBAN; the
operator ("intermediator") is an OVT-style id such as Maventa ``003721291126`` or a bank's
BIC such as ``NDEAFIHH``; a Peppol participant id is ``<scheme>:<id>``, e.g.
``0037:003701162976``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from urllib.parse import urlsplit

import email_validator
from babel import Locale

from laskutin.core.errors import RuleViolation
from laskutin.finnish.bank import bic_for_iban, format_iban, normalize_bic, normalize_iban
from laskutin.finnish.business_ids import parse_ovt

MAX_BANK_ACCOUNTS = 5
PAYMENT_TERMS_MAX_DAYS = 365
PENALTY_INTEREST_MAX = Decimal(100)
INVOICE_NUMBER_PREFIX_MAX = 20
# Numbers stay well inside PostgreSQL's bigint and a 40-character invoice number.
NEXT_INVOICE_NUMBER_MAX = 999_999_999_999
INVOICE_SERIES = "invoice"


class ReferenceType(StrEnum):
    NATIONAL = "national"  # Finnish reference number (viitenumero), e.g. 1232
    RF = "rf"  # ISO 11649 creditor reference, e.g. RF97 1232


class InvoiceLanguage(StrEnum):
    FI = "fi"
    SV = "sv"
    EN = "en"


# --- errors ----------------------------------------------------------------------------------


class DuplicateBankAccount(RuleViolation):
    code = "bank-account-duplicate"
    messages = {
        "fi": "Tilinumero {value} on listassa jo kerran (tili {first}).",
        "sv": "Kontonumret {value} finns redan i listan (konto {first}).",
        "en": "Account {value} is already in the list (account {first}).",
    }


class CountryCodeUnknown(RuleViolation):
    code = "country-code-unknown"
    messages = {
        "fi": "Maatunnus {value!r} ei ole ISO 3166 -maatunnus, esim. FI tai SE.",
        "sv": "Landskoden {value!r} är inte en ISO 3166-landskod, t.ex. FI eller SE.",
        "en": "Country code {value!r} is not an ISO 3166 country code, e.g. FI or SE.",
    }


class PostalCodeFormat(RuleViolation):
    code = "postal-code-format"
    messages = {
        "fi": "Postinumero {value!r} ei kelpaa: suomalaisessa postinumerossa on 5 numeroa, "
        "esim. 00100.",
        "sv": "Postnumret {value!r} är ogiltigt: ett finskt postnummer har 5 siffror, t.ex. 00100.",
        "en": "Postal code {value!r} is not valid: a Finnish postal code has 5 digits, e.g. 00100.",
    }


class EmailInvalid(RuleViolation):
    code = "email-invalid"
    messages = {
        "fi": "Sähköpostiosoite {value!r} ei kelpaa, esim. laskutus@yritys.fi.",
        "sv": "E-postadressen {value!r} är ogiltig, t.ex. fakturering@foretag.fi.",
        "en": "E-mail address {value!r} is not valid, e.g. billing@company.fi.",
    }


class PhoneInvalid(RuleViolation):
    code = "phone-invalid"
    messages = {
        "fi": "Puhelinnumero {value!r} ei kelpaa: numeroita, välilyöntejä ja merkit + - ( ), "
        "esim. +358 40 123 4567.",
        "sv": "Telefonnumret {value!r} är ogiltigt: siffror, mellanslag och tecknen + - ( ), "
        "t.ex. +358 40 123 4567.",
        "en": "Phone number {value!r} is not valid: digits, spaces and + - ( ), "
        "e.g. +358 40 123 4567.",
    }


class WebsiteInvalid(RuleViolation):
    code = "website-invalid"
    messages = {
        "fi": "Verkkosivun osoite {value!r} ei kelpaa, esim. https://www.yritys.fi.",
        "sv": "Webbadressen {value!r} är ogiltig, t.ex. https://www.foretag.fi.",
        "en": "Website {value!r} is not a valid address, e.g. https://www.company.fi.",
    }


class PenaltyInterestRange(RuleViolation):
    code = "penalty-interest-range"
    messages = {
        "fi": "Viivästyskoron {value} pitää olla 0–100 prosenttia ja enintään kaksi desimaalia; "
        "tyhjä tarkoittaa korkolain mukaista korkoa.",
        "sv": "Dröjsmålsräntan {value} ska vara 0–100 procent med högst två decimaler; "
        "tomt betyder räntan enligt räntelagen.",
        "en": "Penalty interest {value} must be 0–100 percent with at most two decimals; "
        "empty means the statutory rate.",
    }


class EinvoiceAddressFormat(RuleViolation):
    code = "einvoice-address-format"
    messages = {
        "fi": "Verkkolaskuosoite {value!r} ei kelpaa: anna OVT-tunnus (esim. 003701162976), "
        "IBAN-tilinumero tai Peppol-tunnus (esim. 0037:003701162976).",
        "sv": "E-fakturaadressen {value!r} är ogiltig: ange en OVT-kod (t.ex. 003701162976), "
        "ett IBAN eller ett Peppol-ID (t.ex. 0037:003701162976).",
        "en": "E-invoice address {value!r} is not valid: give an OVT code (e.g. 003701162976), "
        "an IBAN or a Peppol id (e.g. 0037:003701162976).",
    }


class EinvoiceOperatorFormat(RuleViolation):
    code = "einvoice-operator-format"
    messages = {
        "fi": "Välittäjätunnus {value!r} ei kelpaa: anna operaattorin OVT-muotoinen tunnus "
        "(esim. Maventa 003721291126) tai pankin BIC (esim. NDEAFIHH).",
        "sv": "Förmedlar-ID {value!r} är ogiltigt: ange operatörens OVT-kod (t.ex. Maventa "
        "003721291126) eller bankens BIC (t.ex. NDEAFIHH).",
        "en": "E-invoice operator {value!r} is not valid: give the operator's OVT-style id "
        "(e.g. Maventa 003721291126) or a bank's BIC (e.g. NDEAFIHH).",
    }


class InvoiceNumberPrefixFormat(RuleViolation):
    code = "invoice-number-prefix-format"
    messages = {
        "fi": "Laskunumeron etuliite {value!r} ei kelpaa: enintään 20 kirjainta (A–Z), numeroa "
        "tai merkkiä - / . _ , esim. 2026-.",
        "sv": "Prefixet {value!r} för fakturanummer är ogiltigt: högst 20 bokstäver (A–Z), "
        "siffror eller tecknen - / . _ , t.ex. 2026-.",
        "en": "Invoice number prefix {value!r} is not valid: up to 20 letters (A–Z), digits or "
        "- / . _ , e.g. 2026-.",
    }


class InvoiceNumberTaken(RuleViolation):
    code = "invoice-number-taken"
    messages = {
        "fi": "Seuraava laskunumero {number} voisi olla jo käytössä: numerolla {prefix}{highest} "
        "on jo laskutettu. Anna vähintään {minimum}.",
        "sv": "Nästa fakturanummer {number} kan redan vara använt: faktura {prefix}{highest} "
        "finns redan. Ange minst {minimum}.",
        "en": "Next invoice number {number} could already be taken: invoice {prefix}{highest} "
        "has been issued. Give at least {minimum}.",
    }


# --- rules -----------------------------------------------------------------------------------


def clean_text(value: str | None) -> str | None:
    """Surrounding white space off; an empty text is no value (None)."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


_COUNTRIES = frozenset(
    code
    for code in Locale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha()
)


def normalise_country_code(value: str, *, field: str = "country_code") -> str:
    """ISO 3166-1 alpha-2, upper case (Babel's CLDR territory list)."""
    code = value.strip().upper()
    if code not in _COUNTRIES:
        raise CountryCodeUnknown(field=field, value=value)
    return code


_FI_POSTAL = re.compile(r"[0-9]{5}")


def normalise_postal_code(
    value: str | None, *, country_code: str, field: str = "postal_code"
) -> str | None:
    """A Finnish postal code is five digits (Åland's 22xxx too); others are kept as typed."""
    code = clean_text(value)
    if code is None:
        return None
    if country_code == "FI" and not _FI_POSTAL.fullmatch(code):
        raise PostalCodeFormat(field=field, value=value)
    return code


def normalise_email(value: str | None, *, field: str = "email") -> str | None:
    """Syntax only (email-validator, no DNS): an invoice's contact address."""
    address = clean_text(value)
    if address is None:
        return None
    try:
        return email_validator.validate_email(address, check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        raise EmailInvalid(field=field, value=value) from None


_PHONE = re.compile(r"\+?[0-9 ()\-]{5,40}")


def normalise_phone(value: str | None, *, field: str = "phone") -> str | None:
    """Digits, spaces and ``+ - ( )`` with at least five digits; kept as typed (spacing)."""
    phone = clean_text(value)
    if phone is None:
        return None
    if not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 5:
        raise PhoneInvalid(field=field, value=value)
    return " ".join(phone.split())


def normalise_website(value: str | None, *, field: str = "website") -> str | None:
    """An http(s) address; ``www.yritys.fi`` becomes ``https://www.yritys.fi``."""
    text = clean_text(value)
    if text is None:
        return None
    url = text if "://" in text else f"https://{text}"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise WebsiteInvalid(field=field, value=value) from None
    if (
        parts.scheme not in ("http", "https")
        or "." not in host
        or any(c.isspace() for c in url)
        or host.startswith(".")
        or host.endswith(".")
    ):
        raise WebsiteInvalid(field=field, value=value)
    return url


def normalise_penalty_interest(
    value: Decimal | None, *, field: str = "penalty_interest_percent"
) -> Decimal | None:
    """Percent a year, 0..100 with at most two decimals; None: the statutory rate."""
    if value is None:
        return None
    if (
        not value.is_finite()
        or value < 0
        or value > PENALTY_INTEREST_MAX
        or value != value.quantize(Decimal("0.01"))
    ):
        raise PenaltyInterestRange(field=field, value=str(value))
    return value.quantize(Decimal("0.01"))


_PEPPOL_ID = re.compile(r"(?P<scheme>[0-9]{4}):(?P<id>[0-9A-Za-z.\-_]{1,50})")
_OVT_LIKE = re.compile(r"0037[0-9A-Za-z]*")
_IBAN_LIKE = re.compile(r"[A-Z]{2}[0-9]{2}[0-9A-Z ]+")


def normalise_einvoice_address(value: str | None, *, field: str = "einvoice_address") -> str | None:
    """An OVT code (validated: prefix 0037, a valid Y-tunnus, extension), an IBAN (consumer
    e-invoices go to the payer's bank account) or a Peppol participant id ``NNNN:id`` (an OVT
    under scheme 0037 is validated too). Stored compact (no spaces)."""
    text = clean_text(value)
    if text is None:
        return None
    compact = "".join(text.split())
    peppol = _PEPPOL_ID.fullmatch(compact)
    if peppol is not None:
        if peppol["scheme"] == "0037":
            return f"0037:{parse_ovt(peppol['id'], field=field).code}"
        return compact
    if _OVT_LIKE.fullmatch(compact):
        return parse_ovt(compact, field=field).code
    if _IBAN_LIKE.fullmatch(text.upper()):
        return normalize_iban(text, field=field)
    raise EinvoiceAddressFormat(field=field, value=value)


_BIC_LIKE = re.compile(r"[A-Za-z]{6}[0-9A-Za-z]{2}([0-9A-Za-z]{3})?")


def normalise_einvoice_operator(
    value: str | None, *, field: str = "einvoice_operator"
) -> str | None:
    """The e-invoice operator (Finvoice intermediator): an OVT-style operator id, validated
    like an OVT code (Maventa ``003721291126``, Apix ``003723327487``), or a bank's BIC
    (``NDEAFIHH``, ``OKOYFIHH``) for e-invoices through the banks (finnish-invoicing.md §9)."""
    text = clean_text(value)
    if text is None:
        return None
    compact = "".join(text.split())
    if _OVT_LIKE.fullmatch(compact):
        return parse_ovt(compact, field=field).code
    if _BIC_LIKE.fullmatch(compact):
        return normalize_bic(compact, field=field)
    raise EinvoiceOperatorFormat(field=field, value=value)


_PREFIX = re.compile(r"[A-Za-z0-9\-/._]{0,20}")


def normalise_invoice_number_prefix(value: str, *, field: str = "invoice_number_prefix") -> str:
    """Letters A–Z, digits and ``- / . _``, at most 20 (Finvoice InvoiceNumber is at most 20
    characters with the number; keep prefixes short)."""
    prefix = value.strip()
    if not _PREFIX.fullmatch(prefix):
        raise InvoiceNumberPrefixFormat(field=field, value=value)
    return prefix


def invoice_number(prefix: str, sequence: int) -> str:
    """The number printed on an invoice: the prefix, then the sequence number (``2026-42``)."""
    return f"{prefix}{sequence}"


def sequence_of(number: str, prefix: str) -> int | None:
    """The sequence number inside ``number`` if it is ``prefix`` + a number with no leading
    zero (what :func:`invoice_number` makes), else None. ``sequence_of("2026-42", "2026-")``
    is 42; ``sequence_of("2026-042", "2026-")`` is None."""
    if not number.startswith(prefix):
        return None
    rest = number[len(prefix) :]
    if not rest.isascii() or not rest.isdigit() or rest.startswith("0"):
        return None
    return int(rest)


@dataclass(frozen=True)
class BankAccount:
    """One account in its stored form: IBAN electronic, BIC upper case or None."""

    iban: str
    bic: str | None

    @property
    def iban_formatted(self) -> str:
        return format_iban(self.iban)


def normalise_bank_accounts(
    accounts: Sequence[tuple[str, str | None]], *, field: str = "bank_accounts"
) -> list[BankAccount]:
    """Validate the whole list, in order: each IBAN (SEPA, mod-97, the Finnish national check
    digit), each BIC if given, else the BIC of a Finnish IBAN's bank (None when unknown or not
    Finnish), no IBAN twice. Errors name ``bank_accounts.<index>.iban`` or ``.bic``."""
    result: list[BankAccount] = []
    seen: dict[str, int] = {}
    for index, (iban_text, bic_text) in enumerate(accounts):
        iban = normalize_iban(iban_text, field=f"{field}.{index}.iban")
        if iban in seen:
            raise DuplicateBankAccount(
                field=f"{field}.{index}.iban", value=format_iban(iban), first=seen[iban] + 1
            )
        seen[iban] = index
        bic_clean = clean_text(bic_text)
        bic = (
            bic_for_iban(iban)
            if bic_clean is None
            else normalize_bic(bic_clean, field=f"{field}.{index}.bic")
        )
        result.append(BankAccount(iban=iban, bic=bic))
    return result


def missing_for_issuing(*, business_id: str | None, bank_account_count: int) -> list[str]:
    """What a company still lacks before it may issue an invoice (issue 5), as field names in
    a stable order: ``business_id`` (a Y-tunnus), ``bank_accounts`` (at least one)."""
    missing: list[str] = []
    if business_id is None:
        missing.append("business_id")
    if bank_account_count == 0:
        missing.append("bank_accounts")
    return missing
