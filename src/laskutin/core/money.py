"""Money: ``Decimal`` euros, and the one place that rounds.

Policy: amounts are rounded to whole cents, half up ("kaupallinen pyöristys"), and only where a
rule says so (a line's net amount, a VAT amount per rate). EN 16931 prescribes no rounding mode;
half up is the Finnish commercial convention (../shared/domain/finnish-invoicing.md §11).
Floats are refused everywhere: 0.1 + 0.2 is not 0.3 in binary.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from laskutin.core.errors import RuleViolation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CURRENCY = "EUR"


class NotANumber(RuleViolation):
    code = "not-a-number"
    messages = {
        "fi": "Kenttä {field}: {value!r} ei ole luku.",
        "sv": "Fältet {field}: {value!r} är inte ett tal.",
        "en": "Field {field}: {value!r} is not a number.",
    }


class TooManyDecimals(RuleViolation):
    code = "too-many-decimals"
    messages = {
        "fi": "Kenttä {field}: {value} – enintään {places} desimaalia.",
        "sv": "Fältet {field}: {value} – högst {places} decimaler.",
        "en": "Field {field}: {value} has more than {places} decimal places.",
    }


class NegativeNotAllowed(RuleViolation):
    code = "negative-not-allowed"
    messages = {
        "fi": "Kenttä {field}: {value} ei voi olla negatiivinen.",
        "sv": "Fältet {field}: {value} får inte vara negativt.",
        "en": "Field {field}: {value} cannot be negative.",
    }


def to_decimal(
    value: Decimal | int | str,
    *,
    field: str = "amount",
    max_places: int | None = 2,
    allow_negative: bool = True,
) -> Decimal:
    """Parse a user amount exactly; refuse floats, NaN, infinities and excess decimals."""
    if isinstance(value, (float, bool)):
        raise NotANumber(field=field, value=value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise NotANumber(field=field, value=value) from None
    if not number.is_finite():
        raise NotANumber(field=field, value=value)
    # An exponent within the places needs no normalising (most stored amounts: 10.00).
    if (
        max_places is not None
        and _exponent(number) < -max_places
        and decimal_places(number) > max_places
    ):
        raise TooManyDecimals(field=field, value=value, places=max_places)
    if not allow_negative and number < 0:
        raise NegativeNotAllowed(field=field, value=value)
    return number


def _exponent(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number's
    return exponent


def decimal_places(number: Decimal) -> int:
    """Significant decimal places: 1.50 has one, 2 has none."""
    normalized = number.normalize()
    exponent = normalized.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def round_cents(amount: Decimal) -> Decimal:
    """Round to whole cents, half up: the only rounding of money in Laskutin."""
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else ZERO  # never "-0.00"


def cents(amount: Decimal) -> int:
    """An amount of whole cents as an integer (e.g. for the bank barcode)."""
    rounded = round_cents(amount)
    if rounded != amount:
        raise TooManyDecimals(field="amount", value=amount, places=2)
    return int(rounded * 100)


def format_plain(amount: Decimal) -> str:
    """Two decimals, dot separator, no grouping: "1250.00" (API, QR code, e-invoices)."""
    return f"{round_cents(amount):.2f}"
