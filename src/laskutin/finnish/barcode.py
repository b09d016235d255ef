"""The Finnish bank barcode (pankkiviivakoodi) and its text form (virtuaaliviivakoodi).

Source: FFI (Finance Finland) "Bank Bar Code Guide" / "Pankkiviivakoodi-opas" v5.3 (8.11.2012,
corrected 21.10.2019), as summarised in ../shared/domain/finnish-invoicing.md §2 and
tilisiirto-and-terms.md §1.4. The body of the guide was not available; its table of contents and
the example invoices of its §13 were (the tests reproduce all eighteen).

54 digits, 1-based positions:

====  =========================================  =========================================
pos   version 4 (national reference)             version 5 (RF reference)
====  =========================================  =========================================
1     ``4``                                      ``5``
2–17  the Finnish IBAN without ``FI``            same
18–23 euros, zero-padded                         same
24–25 cents                                      same
26–48 ``000`` + reference, 20 digits, padded     RF check digits + RF part, 21 digits, padded
49–54 due date YYMMDD, ``000000`` if none        same
====  =========================================  =========================================

Only Finnish IBANs, and only numeric RF references (the field holds digits). The barcode itself is
Code 128 set C: ``code128c`` gives the symbol values for the PDF renderer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from laskutin.core import money
from laskutin.core.errors import RuleViolation
from laskutin.finnish import bank
from laskutin.finnish import reference as refs

LENGTH = 54
VERSION_NATIONAL = 4
VERSION_RF = 5
MAX_AMOUNT = Decimal("999999.99")
NO_AMOUNT = "0" * 8
NO_DUE_DATE = "0" * 6
FIRST_YEAR = 2000  # YYMMDD holds two year digits: 00–99 are read as 2000–2099
LAST_YEAR = 2099

CODE128_START_C = 105
CODE128_STOP = 106
_CODE128_MODULUS = 103

_WHITESPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]+")


# --- errors -------------------------------------------------------------------------------------


class InvalidBarcode(RuleViolation):
    """A bank barcode could not be made or read; the subclasses say why."""

    code = "barcode-invalid"
    messages = {
        "fi": "Pankkiviivakoodi {value} ei kelpaa.",
        "sv": "Bankstreckkoden {value} är ogiltig.",
        "en": "Bank barcode {value} is not valid.",
    }


class BarcodeRfNotNumeric(InvalidBarcode):
    code = "barcode-rf-not-numeric"
    messages = {
        "fi": (
            "RF-viitteessä {value} on kirjaimia; pankkiviivakoodiin käy vain numeerinen RF-viite."
        ),
        "sv": (
            "RF-referensen {value} innehåller bokstäver; bankstreckkoden tar bara numeriska "
            "RF-referenser."
        ),
        "en": (
            "RF reference {value} contains letters; the bank barcode takes numeric RF "
            "references only."
        ),
    }


class BarcodeDueDateOutOfRange(InvalidBarcode):
    code = "barcode-due-date-out-of-range"
    messages = {
        "fi": "Eräpäivän {value} pitää olla vuosina {first}–{last} pankkiviivakoodissa.",
        "sv": "Förfallodagen {value} ska ligga mellan åren {first} och {last} i bankstreckkoden.",
        "en": "The due date {value} must be in the years {first}–{last} for the bank barcode.",
    }


class BarcodeMalformed(InvalidBarcode):
    code = "barcode-malformed"
    messages = {
        "fi": "Virtuaaliviivakoodi {value} ei ole oikeaa muotoa: {reason}.",
        "sv": "Den virtuella streckkoden {value} har fel form: {reason}.",
        "en": "Virtual barcode {value} is malformed: {reason}.",
    }


# --- composing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VirtualBarcode:
    """The parts of a bank barcode.

    ``amount`` is None when the amount field is all zeros: no amount, or one above 999 999.99 €;
    the payer types it. ``reference`` is compact: ``"1234561"`` (version 4) or ``"RF341234561"``
    (version 5). ``due_date`` is None for ``000000``.
    """

    version: int
    iban: str
    amount: Decimal | None
    reference: str
    due_date: date | None


def _amount_field(amount: Decimal | int | str | None) -> str:
    if amount is None:
        return NO_AMOUNT
    value = money.to_decimal(amount, field="amount", max_places=2, allow_negative=False)
    if value > MAX_AMOUNT:
        # Too large for 6 + 2 digits: the amount field is all zeros and the payer types the
        # amount. (unverified) The FFI guide's text on this was not found; Laskutin follows
        # finnish-invoicing.md §2 and issue #3. The nocfo and akselinurmio libraries refuse such
        # amounts instead; the guide's own example 6 (§13) shows an all-zero amount field.
        return NO_AMOUNT
    return f"{money.cents(value):08d}"


def _due_date_field(due_date: date | None) -> str:
    if due_date is None:
        return NO_DUE_DATE  # no due date: zeros (finnish-invoicing.md §2; guide §13 example 5)
    if not FIRST_YEAR <= due_date.year <= LAST_YEAR:
        raise BarcodeDueDateOutOfRange(
            field="due_date", value=due_date.isoformat(), first=FIRST_YEAR, last=LAST_YEAR
        )
    return due_date.strftime("%y%m%d")


def _reference_field(value: str) -> tuple[int, str]:
    """Version and positions 26–48 (23 digits) for a reference of either kind."""
    if refs.is_rf_reference(value):
        rf = refs.validate_rf_reference(value, field="reference")
        part = rf[4:]
        if not _DIGITS.fullmatch(part):
            raise BarcodeRfNotNumeric(field="reference", value=value)
        return VERSION_RF, rf[2:4] + part.zfill(refs.RF_PART_MAX_CHARS)
    national = refs.validate_national_reference(value, field="reference")
    return VERSION_NATIONAL, "000" + national.zfill(refs.NATIONAL_MACHINE_DIGITS)


def compose_virtual_barcode(
    *,
    iban: str,
    amount: Decimal | int | str | None,
    reference: str,
    due_date: date | None,
) -> str:
    """The 54-digit virtual barcode (FFI Bank Bar Code Guide v5.3 §9–10).

    Version 4 for a national reference, version 5 for a numeric RF reference. ``amount`` in euros
    with at most two decimals, not negative; None, or more than 999 999.99, gives an all-zero
    amount field (see ``_amount_field`` for the source). No due date gives ``000000``.

    Example (finnish-invoicing.md §2): FI21 1234 5600 0007 85, 1 250.00 €, 1234561, 2026-03-31
    -> ``421123456000007850012500000000000000000001234561260331``.
    """
    account = bank.normalize_finnish_iban(iban, field="iban")
    version, reference_digits = _reference_field(reference)
    code = (
        str(version)
        + account[2:]
        + _amount_field(amount)
        + reference_digits
        + _due_date_field(due_date)
    )
    assert len(code) == LENGTH, code
    return code


# --- parsing ------------------------------------------------------------------------------------


def parse_virtual_barcode(code: str) -> VirtualBarcode:
    """Read a virtual barcode back into its parts (the layout of ``compose_virtual_barcode``).

    Spaces are ignored. The IBAN and the reference are validated as when composing; a reference
    field of zeros, a reserve other than ``000`` in version 4, or an impossible date is refused.
    """
    digits = _WHITESPACE.sub("", code)

    def malformed(reason: str) -> BarcodeMalformed:
        return BarcodeMalformed(field="virtual_barcode", value=code, reason=reason)

    if not _DIGITS.fullmatch(digits) or len(digits) != LENGTH:
        raise malformed(f"{LENGTH} digits expected")
    version = int(digits[0])
    if version not in (VERSION_NATIONAL, VERSION_RF):
        raise malformed(f"version {version} is not 4 or 5")
    iban = bank.normalize_finnish_iban("FI" + digits[1:17], field="virtual_barcode")
    cents = int(digits[17:25])
    amount = None if cents == 0 else Decimal(cents).scaleb(-2)
    if version == VERSION_NATIONAL:
        if digits[25:28] != "000":
            raise malformed("the reserve field (positions 26–28) must be 000")
        raw_reference = digits[28:48].lstrip("0")
        if not raw_reference:
            raise malformed("no reference")
        ref = refs.validate_national_reference(raw_reference, field="virtual_barcode")
    else:
        part = digits[27:48].lstrip("0")
        if not part:
            raise malformed("no reference")
        ref = refs.validate_rf_reference("RF" + digits[25:27] + part, field="virtual_barcode")
    date_field = digits[48:54]
    due_date: date | None = None
    if date_field != NO_DUE_DATE:
        try:
            due_date = date(
                FIRST_YEAR + int(date_field[:2]), int(date_field[2:4]), int(date_field[4:])
            )
        except ValueError:
            raise malformed(f"{date_field} is not a date (YYMMDD)") from None
    return VirtualBarcode(
        version=version, iban=iban, amount=amount, reference=ref, due_date=due_date
    )


# --- Code 128 set C -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Code128C:
    """Symbol values of a Code 128 set C barcode: Start C, digit pairs, check, Stop.

    ``check = (105 + Σ i·value_i) mod 103`` with i = 1, 2, … over the data symbols (ISO/IEC
    15417). Each symbol is 11 modules wide and the stop 13: ``modules`` is the width without quiet
    zones (332 for the 54-digit bank barcode, tilisiirto-and-terms.md §1.4).
    """

    data: tuple[int, ...]
    check: int

    @property
    def symbols(self) -> tuple[int, ...]:
        """All symbol values in print order: (105, *data, check, 106)."""
        return (CODE128_START_C, *self.data, self.check, CODE128_STOP)

    @property
    def modules(self) -> int:
        """Width in modules without quiet zones: 11 per symbol, 13 for the stop."""
        return 11 * (len(self.data) + 2) + 13


def code128c(digits: str) -> Code128C:
    """Code 128 set C symbol values for an even number of digits (ISO/IEC 15417).

    For the bank barcode (FFI guide §3: Code 128, character set C) pass the 54-digit virtual
    barcode: 27 data symbols; the worked example's check value is 76 (finnish-invoicing.md §2).
    Pure computation for the PDF renderer; ReportLab's own Code128 is not relied on here.
    """
    if not _DIGITS.fullmatch(digits) or len(digits) % 2:
        raise BarcodeMalformed(
            field="virtual_barcode", value=digits, reason="an even number of digits expected"
        )
    data = tuple(int(digits[i : i + 2]) for i in range(0, len(digits), 2))
    weighted = sum(position * value for position, value in enumerate(data, start=1))
    return Code128C(data=data, check=(CODE128_START_C + weighted) % _CODE128_MODULUS)
