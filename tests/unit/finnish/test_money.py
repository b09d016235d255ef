"""core/money: exact parsing and the one rounding policy (cents, half up)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.core import money


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        ("0.005", "0.01"),  # half up, not banker's rounding (which gives 0.00)
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("-0.005", "-0.01"),  # half away from zero for negative amounts (credit notes)
        ("0.85425", "0.85"),  # finnish-invoicing.md §11: 3.35 × 25.5 %
        ("2.0349", "2.03"),
    ],
)
def test_round_cents_half_up(raw: str, rounded: str) -> None:
    assert money.round_cents(Decimal(raw)) == Decimal(rounded)


def test_floats_are_refused() -> None:
    with pytest.raises(money.NotANumber):
        money.to_decimal(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "", "1,5"])
def test_not_numbers_are_refused(raw: str) -> None:
    with pytest.raises(money.NotANumber):
        money.to_decimal(raw)


def test_too_many_decimals_is_refused_with_the_field_named() -> None:
    with pytest.raises(money.TooManyDecimals) as caught:
        money.to_decimal("12.345", field="unit_price")
    assert caught.value.params["field"] == "unit_price"


def test_trailing_zeros_do_not_count_as_decimals() -> None:
    assert money.to_decimal("12.3400") == Decimal("12.34")


def test_negative_refused_where_not_allowed() -> None:
    with pytest.raises(money.NegativeNotAllowed):
        money.to_decimal("-1", field="quantity", allow_negative=False, max_places=4)


def test_cents_of_an_exact_amount() -> None:
    assert money.cents(Decimal("1250.00")) == 125000


def test_format_plain() -> None:
    assert money.format_plain(Decimal("1250")) == "1250.00"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False))
def test_rounding_moves_at_most_half_a_cent(amount: Decimal) -> None:
    rounded = money.round_cents(amount)
    assert abs(rounded - amount) <= Decimal("0.005")
    assert money.decimal_places(rounded) <= 2


def test_rounding_never_gives_negative_zero() -> None:
    assert str(money.round_cents(Decimal("-0.001"))) == "0.00"
