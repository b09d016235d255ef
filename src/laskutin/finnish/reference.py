"""Payment references: the Finnish national reference (viitenumero) and the RF creditor reference.

Rules and worked examples: ../shared/domain/finnish-invoicing.md §1.

- National reference (FFI "Kotimaisen viitteen rakenneohje", quoted at
  https://knowledge.xmldation.com/finnish-reference-number): a base of 3–19 digits plus one check
  digit; weights 7, 3, 1, 7, 3, 1, … from the right; check = (10 − sum mod 10) mod 10. Shown in
  groups of five from the right, leading zeros not printed; the machine form is zero-padded to 20.
- RF creditor reference (ISO 11649): ``RF`` + two check digits (ISO 7064 mod 97-10) + a reference
  part of 1–21 letters or digits, shown in groups of four from the left. Finance Finland builds the
  reference part from a national reference that has its own check digit (FFI RF guide, example
  2348236 -> RF33 2348 236), and the bank barcode (§2) carries numeric RF references only, so
  Laskutin generates numeric ones.

Input forms accepted everywhere: the printed form with spaces, the machine form with leading zeros,
and lower-case ``rf``. Outputs are compact: ``"1234561"`` and ``"RF341234561"``.
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

from laskutin.core.errors import RuleViolation

NATIONAL_BASE_MIN_DIGITS = 3
NATIONAL_BASE_MAX_DIGITS = 19
NATIONAL_MIN_DIGITS = NATIONAL_BASE_MIN_DIGITS + 1
NATIONAL_MAX_DIGITS = NATIONAL_BASE_MAX_DIGITS + 1
NATIONAL_MACHINE_DIGITS = 20
RF_PART_MAX_CHARS = 21

_WEIGHTS = (7, 3, 1)
_WHITESPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]+")
_RF = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")


# --- errors -------------------------------------------------------------------------------------


class InvalidReference(RuleViolation):
    """Any refused payment reference; the subclasses say why."""

    code = "reference-invalid"
    messages = {
        "fi": "Viite {value} ei kelpaa.",
        "sv": "Referensen {value} är ogiltig.",
        "en": "Reference {value} is not valid.",
    }


class ReferenceMalformed(InvalidReference):
    code = "reference-malformed"
    messages = {
        "fi": "Viitenumerossa {value} saa olla vain numeroita (ja välilyöntejä).",
        "sv": "Referensnumret {value} får bara innehålla siffror (och mellanslag).",
        "en": "Reference number {value} may contain only digits (and spaces).",
    }


class ReferenceBaseLength(InvalidReference):
    code = "reference-base-length"
    messages = {
        "fi": "Viitteen perusosassa {value} pitää olla {min}–{max} numeroa (ilman etunollia).",
        "sv": "Referensens grunddel {value} ska ha {min}–{max} siffror (utan inledande nollor).",
        "en": "The reference base {value} must have {min}–{max} digits (without leading zeros).",
    }


class ReferenceLength(InvalidReference):
    code = "reference-length"
    messages = {
        "fi": "Viitenumerossa {value} pitää olla {min}–{max} numeroa (ilman etunollia).",
        "sv": "Referensnumret {value} ska ha {min}–{max} siffror (utan inledande nollor).",
        "en": "Reference number {value} must have {min}–{max} digits (without leading zeros).",
    }


class ReferenceWrongCheckDigit(InvalidReference):
    code = "reference-wrong-check-digit"
    messages = {
        "fi": "Viitenumeron {value} tarkiste ei täsmää: tarkista numero.",
        "sv": "Kontrollsiffran i referensnumret {value} stämmer inte: kontrollera numret.",
        "en": "The check digit of reference number {value} does not match: check the number.",
    }


class RfReferenceMalformed(InvalidReference):
    code = "rf-reference-malformed"
    messages = {
        "fi": (
            "RF-viite {value} ei ole oikeaa muotoa: RF, kaksi tarkistenumeroa ja "
            "1–21 kirjainta tai numeroa."
        ),
        "sv": (
            "RF-referensen {value} har fel form: RF, två kontrollsiffror och "
            "1–21 bokstäver eller siffror."
        ),
        "en": (
            "RF reference {value} is malformed: RF, two check digits and 1–21 letters or digits."
        ),
    }


class RfReferenceWrongCheckDigits(InvalidReference):
    code = "rf-reference-wrong-check-digits"
    messages = {
        "fi": "RF-viitteen {value} tarkistenumerot eivät täsmää: tarkista viite.",
        "sv": "Kontrollsiffrorna i RF-referensen {value} stämmer inte: kontrollera referensen.",
        "en": "The check digits of RF reference {value} do not match: check the reference.",
    }


class RfReferencePartInvalid(InvalidReference):
    code = "rf-reference-part-invalid"
    messages = {
        "fi": "RF-viitteen pohjaksi {value} kelpaa 1–{max} numeroa.",
        "sv": "Som grund för en RF-referens duger 1–{max} siffror, inte {value}.",
        "en": "An RF reference is built from 1–{max} digits, not {value}.",
    }


class RfReferenceNotNational(InvalidReference):
    code = "rf-reference-not-national"
    messages = {
        "fi": "RF-viitettä {value} ei ole muodostettu kotimaisesta viitenumerosta.",
        "sv": "RF-referensen {value} är inte bildad av ett inhemskt referensnummer.",
        "en": "RF reference {value} is not built from a Finnish national reference.",
    }


# --- national reference -------------------------------------------------------------------------


def _digits(value: str | int, field: str) -> str:
    """Digits of a reference typed with or without spaces; leading zeros dropped."""
    text = _WHITESPACE.sub("", str(value))
    if not _DIGITS.fullmatch(text):
        raise ReferenceMalformed(field=field, value=str(value))
    return text.lstrip("0")


def national_check_digit(base: str) -> int:
    """Check digit of a national reference base: weights 7, 3, 1 from the right (FFI).

    Hand-written on purpose: python-stdnum 2.2 has no Finnish reference module (stdnum.fi has
    alv, associationid, hetu, veronumero and ytunnus only), and its one 7-3-1 scheme,
    stdnum.md.idno, weighs a fixed 12 digits from the left, so it does not fit.
    """
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def make_national_reference(base: str | int, *, field: str = "reference") -> str:
    """National reference from a base of 3–19 digits: the base plus its 7-3-1 check digit.

    ``make_national_reference("123456") == "1234561"`` (finnish-invoicing.md §1a, FFI).
    Leading zeros of the base are dropped: they are never printed.
    """
    digits = _digits(base, field)
    if not NATIONAL_BASE_MIN_DIGITS <= len(digits) <= NATIONAL_BASE_MAX_DIGITS:
        raise ReferenceBaseLength(
            field=field,
            value=str(base),
            min=NATIONAL_BASE_MIN_DIGITS,
            max=NATIONAL_BASE_MAX_DIGITS,
        )
    return digits + str(national_check_digit(digits))


def validate_national_reference(value: str | int, *, field: str = "reference") -> str:
    """Check a national reference (4–20 digits, 7-3-1 check digit, FFI); return it compact.

    Spaces and leading zeros are accepted and removed: ``"00000000000001234561"`` and
    ``"12 34561"`` both give ``"1234561"``.
    """
    digits = _digits(value, field)
    if not NATIONAL_MIN_DIGITS <= len(digits) <= NATIONAL_MAX_DIGITS:
        raise ReferenceLength(
            field=field, value=str(value), min=NATIONAL_MIN_DIGITS, max=NATIONAL_MAX_DIGITS
        )
    if national_check_digit(digits[:-1]) != int(digits[-1]):
        raise ReferenceWrongCheckDigit(field=field, value=str(value))
    return digits


def is_valid_national_reference(value: str) -> bool:
    """True if ``value`` is a national reference (see ``validate_national_reference``)."""
    try:
        validate_national_reference(value)
    except InvalidReference:
        return False
    return True


def format_national_reference(value: str | int) -> str:
    """Print form: groups of five digits from the right, no leading zeros (FFI).

    ``format_national_reference("1234567123456784") == "1 23456 71234 56784"``.
    """
    digits = validate_national_reference(value)
    head = len(digits) % 5
    groups = [digits[:head]] if head else []
    groups += [digits[i : i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


def national_reference_machine_form(value: str | int) -> str:
    """Machine form: zero-padded to 20 digits, e.g. ``"00000000000001234561"`` (FFI)."""
    return validate_national_reference(value).zfill(NATIONAL_MACHINE_DIGITS)


# --- RF creditor reference ----------------------------------------------------------------------


def _compact_rf(value: str) -> str:
    return _WHITESPACE.sub("", value).upper()


def _rf_check_digits(part: str) -> str:
    # ISO 11649: the check digits make "<part>RF<cc>" ≡ 1 (mod 97); python-stdnum's
    # ISO 7064 mod 97-10 computes them (stdnum.iso11649 itself only validates).
    return str(mod_97_10.calc_check_digits(part + "RF"))


def make_rf_reference(part: str | int, *, field: str = "reference") -> str:
    """RF creditor reference (ISO 11649) for a numeric reference part of 1–21 digits.

    ``make_rf_reference("2348236") == "RF332348236"`` (FFI RF guide example; §1b). Only digits
    are accepted, so the result fits bank barcode version 5. Leading zeros are kept as given.
    """
    text = _WHITESPACE.sub("", str(part))
    if not _DIGITS.fullmatch(text) or len(text) > RF_PART_MAX_CHARS:
        raise RfReferencePartInvalid(field=field, value=str(part), max=RF_PART_MAX_CHARS)
    return "RF" + _rf_check_digits(text) + text


def validate_rf_reference(value: str, *, field: str = "reference") -> str:
    """Check an RF creditor reference (ISO 11649, mod 97); return it compact and upper-case.

    Uses python-stdnum's ``iso11649.validate``; check digits outside 02–98 (which mod 97 alone
    would let through as aliases, e.g. RF99 for RF02) are refused, as no generator makes them.
    """
    compact = _compact_rf(value)
    if not _RF.fullmatch(compact):
        raise RfReferenceMalformed(field=field, value=value)
    try:
        iso11649.validate(compact)
    except ValidationError:
        raise RfReferenceWrongCheckDigits(field=field, value=value) from None
    if compact[2:4] != _rf_check_digits(compact[4:]):
        raise RfReferenceWrongCheckDigits(field=field, value=value)
    return compact


def is_valid_rf_reference(value: str) -> bool:
    """True if ``value`` is an RF creditor reference (see ``validate_rf_reference``)."""
    try:
        validate_rf_reference(value)
    except InvalidReference:
        return False
    return True


def format_rf_reference(value: str) -> str:
    """Print form: groups of four characters from the left, e.g. ``"RF33 2348 236"`` (ISO 11649)."""
    return str(iso11649.format(validate_rf_reference(value)))


def rf_from_national(value: str | int, *, field: str = "reference") -> str:
    """The RF form of a national reference: RF + check digits + the national reference.

    This is how Finance Finland builds RF references (FFI RF guide; §1b):
    ``rf_from_national("1234561") == "RF341234561"``. Leading zeros are dropped first.
    """
    return make_rf_reference(validate_national_reference(value, field=field), field=field)


def national_from_rf(value: str, *, field: str = "reference") -> str:
    """The national reference inside an RF reference built by ``rf_from_national``.

    ``national_from_rf("RF34 1234 561") == "1234561"``. Raises ``RfReferenceNotNational`` when
    the reference part is not a valid national reference.
    """
    compact = validate_rf_reference(value, field=field)
    part = compact[4:]
    if not is_valid_national_reference(part):
        raise RfReferenceNotNational(field=field, value=value)
    return validate_national_reference(part, field=field)


# --- either kind --------------------------------------------------------------------------------


def is_rf_reference(value: str) -> bool:
    """True if ``value`` is written as an RF reference (starts with RF), valid or not."""
    return _compact_rf(value).startswith("RF")


def validate_reference(value: str, *, field: str = "reference") -> str:
    """Check a payment reference of either kind; return its compact form.

    Starting with ``RF`` it is an RF creditor reference (ISO 11649), otherwise a national
    reference (FFI 7-3-1).
    """
    if is_rf_reference(value):
        return validate_rf_reference(value, field=field)
    return validate_national_reference(value, field=field)


def format_reference(value: str) -> str:
    """Print form of a payment reference of either kind (see the two ``format_*`` functions)."""
    if is_rf_reference(value):
        return format_rf_reference(value)
    return format_national_reference(value)
