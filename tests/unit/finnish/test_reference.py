"""finnish/reference: national references (7-3-1) and RF creditor references (ISO 11649).

Worked examples: ../shared/domain/finnish-invoicing.md §1 and issue #3.

What the national check digit catches, exactly
-----------------------------------------------
Seen from the right end of the full reference, the check digit has weight 1 and the base digits
7, 3, 1, 7, 3, 1, …; a reference is valid when the weighted sum ends in 0.

- A single wrong digit changes the sum by w·(a − b) with w ∈ {1, 3, 7} and 0 < |a − b| ≤ 9.
  1, 3 and 7 are prime to 10, so the change is never a multiple of 10: **every single-digit
  error is caught**, at every position, the check digit included.
- Swapping two adjacent digits a ≠ b changes the sum by (a − b)·(w − w'), and the weights of
  neighbours differ by 1 − 7 = −6, 7 − 3 = 4 or 3 − 1 = 2. (a − b)·2k is a multiple of 10 exactly
  when a − b is a multiple of 5 (k = 1, 2, 3 is prime to 5). So **an adjacent transposition is
  caught unless the two digits differ by exactly 5** (0↔5, 1↔6, 2↔7, 3↔8, 4↔9), at every
  position, the check digit included. The issue's "catches every adjacent transposition" does not
  hold for those five pairs; the tests below assert the exact rule, not the claim.
- A transposition can also move a 0 to the front; leading zeros are not part of the reference,
  so a 4-digit reference can shrink to 3 digits and be refused for its length.

RF references (mod 97): a numeric reference is one number N with N ≡ 1 (mod 97) when
``<part>2715<cc>`` is read as digits (R = 27, F = 15). A single wrong digit changes N by
d·10^k (0 < |d| ≤ 9), a swap of two digits by (a − b)·10^i·(10^j − 1) with 0 < j < 96; 97 is prime,
10 has order 96 modulo 97 and the string has at most 27 digits, so neither change is ever a
multiple of 97: **every single-digit error and every transposition of two different digits
(adjacent or not, check digits included) is caught**.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.finnish import reference as ref

bases = st.text(alphabet="0123456789", min_size=3, max_size=19).filter(
    lambda base: len(base.lstrip("0")) >= 3
)
national_references = bases.map(ref.make_national_reference)
rf_parts = st.text(alphabet="0123456789", min_size=1, max_size=21)
rf_references = rf_parts.map(ref.make_rf_reference)


def _swap(text: str, i: int) -> str:
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _replace(text: str, i: int, digit: str) -> str:
    return text[:i] + digit + text[i + 1 :]


def _short_references(max_base: int = 10_000) -> list[str]:
    """Every national reference of 4 (and 5) digits.

    The 4-digit ones already hold every weight (1, 7, 3 from the right) with every digit, and
    every neighbouring weight pair but (1, 7) at the front, which the 5-digit ones add.
    """
    return [ref.make_national_reference(str(base)) for base in range(100, max_base)]


# --- worked examples ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "reference", "shown"),
    [
        ("123456", "1234561", "12 34561"),  # §1a: sum 89, check digit 1
        ("123456712345678", "1234567123456784", "1 23456 71234 56784"),  # §1a: sum 246
    ],
)
def test_national_worked_examples(base: str, reference: str, shown: str) -> None:
    assert ref.make_national_reference(base) == reference
    assert ref.format_national_reference(reference) == shown
    assert ref.validate_national_reference(shown) == reference


@pytest.mark.parametrize(
    ("part", "rf", "shown"),
    [
        ("2348236", "RF332348236", "RF33 2348 236"),  # FFI RF guide's input; §1b
        ("1234561", "RF341234561", "RF34 1234 561"),
        ("11112", "RF9811112", "RF98 1111 2"),  # agrees with the npm virtuaaliviivakoodi README
    ],
)
def test_rf_worked_examples(part: str, rf: str, shown: str) -> None:
    assert ref.make_rf_reference(part) == rf
    assert ref.rf_from_national(part) == rf  # each of these parts is a national reference
    assert ref.format_rf_reference(rf) == shown
    assert ref.validate_rf_reference(shown) == rf
    assert ref.national_from_rf(shown) == part


def test_machine_form_is_zero_padded_to_20_digits() -> None:
    assert ref.national_reference_machine_form("12 34561") == "00000000000001234561"
    assert ref.validate_national_reference("00000000000001234561") == "1234561"


def test_check_digit_zero_when_the_sum_ends_in_zero() -> None:
    # base 550, weights 7, 3, 1 from the right: 0·7 + 5·3 + 5·1 = 20, so the check digit is 0
    assert ref.national_check_digit("550") == 0
    assert ref.make_national_reference("550") == "5500"


# --- national reference: input and limits --------------------------------------------------------


def test_base_length_limits() -> None:
    assert ref.make_national_reference("100") == "1009"
    assert len(ref.make_national_reference("9" * 19)) == 20
    with pytest.raises(ref.ReferenceBaseLength) as caught:
        ref.make_national_reference("12")
    assert caught.value.params["field"] == "reference"
    with pytest.raises(ref.ReferenceBaseLength):
        ref.make_national_reference("1" * 20)
    with pytest.raises(ref.ReferenceBaseLength):
        ref.make_national_reference("00012")  # leading zeros do not count: 2 digits


def test_base_may_be_an_integer() -> None:
    assert ref.make_national_reference(123456) == "1234561"


@pytest.mark.parametrize("value", ["12a4561", "1234-561", "", "RX341234561", "-1234561", "١٢٣٤٥٦١"])
def test_malformed_national_references(value: str) -> None:
    with pytest.raises(ref.ReferenceMalformed):
        ref.validate_reference(value)


def test_national_reference_length_limits() -> None:
    with pytest.raises(ref.ReferenceLength):
        ref.validate_national_reference("123")
    with pytest.raises(ref.ReferenceLength):
        ref.validate_national_reference("1" * 21)
    with pytest.raises(ref.ReferenceLength):
        ref.validate_national_reference("0000123")  # leading zeros do not count: 3 digits
    # base 123: 3·7 + 2·3 + 1·1 = 28, check digit 2; leading zeros are dropped
    assert ref.validate_national_reference("0001232") == "1232"
    assert ref.validate_national_reference("1" * 19 + "7") == "1" * 19 + "7"


def test_wrong_check_digit_is_named() -> None:
    with pytest.raises(ref.ReferenceWrongCheckDigit) as caught:
        ref.validate_national_reference("1234562", field="invoice_reference")
    assert caught.value.params == {"field": "invoice_reference", "value": "1234562"}
    assert "1234562" in caught.value.message("fi")


@given(bases)
def test_national_round_trip(base: str) -> None:
    reference = ref.make_national_reference(base)
    assert reference == base.lstrip("0") + reference[-1]
    assert ref.validate_national_reference(ref.format_national_reference(reference)) == reference
    assert ref.validate_national_reference(ref.national_reference_machine_form(reference)) == (
        reference
    )
    groups = ref.format_national_reference(reference).split(" ")
    assert all(len(group) == 5 for group in groups[1:])
    assert 1 <= len(groups[0]) <= 5


# --- national reference: what the check digit catches -------------------------------------------


def _transposition_is_valid(reference: str, i: int) -> bool:
    """The exact rule of the module docstring for swapping positions i and i + 1."""
    a, b = int(reference[i]), int(reference[i + 1])
    swapped = _swap(reference, i)
    return abs(a - b) == 5 and len(swapped.lstrip("0")) >= ref.NATIONAL_MIN_DIGITS


def test_every_single_digit_error_is_caught_exhaustively() -> None:
    """All 4-digit references, every position, every wrong digit: 32 400 cases."""
    for reference in _short_references(max_base=1_000):
        for i, digit in itertools.product(range(len(reference)), "0123456789"):
            if digit != reference[i]:
                assert not ref.is_valid_national_reference(_replace(reference, i, digit))


def test_adjacent_transpositions_exhaustively() -> None:
    """All 4- and 5-digit references: caught unless the digits differ by 5 (module docstring)."""
    missed: set[tuple[int, int]] = set()
    for reference in _short_references():
        for i in range(len(reference) - 1):
            if reference[i] == reference[i + 1]:
                continue
            swapped = _swap(reference, i)
            valid = ref.is_valid_national_reference(swapped)
            assert valid == _transposition_is_valid(reference, i), (reference, swapped)
            if valid:
                low, high = sorted((int(reference[i]), int(reference[i + 1])))
                missed.add((low, high))
    assert missed == {(0, 5), (1, 6), (2, 7), (3, 8), (4, 9)}


@given(national_references, st.data())
def test_single_digit_errors_are_caught(reference: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(reference) - 1))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != reference[i]))
    assert not ref.is_valid_national_reference(_replace(reference, i, digit))


@given(national_references, st.data())
def test_adjacent_transpositions_caught_unless_digits_differ_by_five(
    reference: str, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(reference) - 2))
    if reference[i] == reference[i + 1]:
        return  # swapping equal digits changes nothing
    swapped = _swap(reference, i)
    assert ref.is_valid_national_reference(swapped) == _transposition_is_valid(reference, i)


# --- RF references --------------------------------------------------------------------------------


def test_rf_accepts_letters_in_validation() -> None:
    # ISO 11649 allows letters; python-stdnum's own examples
    assert ref.validate_rf_reference("RF18 5390 0754 70Y") == "RF185390075470Y"
    assert ref.validate_rf_reference("rf18 5390 0754 7034") == "RF18539007547034"
    assert ref.is_rf_reference("rf18")
    assert ref.format_reference("RF18539007547034") == "RF18 5390 0754 7034"
    assert ref.format_reference("1234561") == "12 34561"


@pytest.mark.parametrize(
    "value",
    ["RF", "RF34", "RF3X1234561", "RF34 1234-561", "RF34" + "1" * 22, "RF34 12345ä", "RF34１２３"],
)
def test_rf_malformed(value: str) -> None:
    with pytest.raises(ref.RfReferenceMalformed):
        ref.validate_rf_reference(value)


def test_rf_wrong_check_digits() -> None:
    with pytest.raises(ref.RfReferenceWrongCheckDigits):
        ref.validate_rf_reference("RF35 1234 561")


@pytest.mark.parametrize("alias", ["RF00", "RF01", "RF99"])
def test_rf_check_digit_aliases_are_refused(alias: str) -> None:
    """mod 97 alone accepts 99 for 02 (and 00/01 for 97/98); ISO 7064 never makes them."""
    part = next(str(n) for n in itertools.count(1) if ref.make_rf_reference(str(n))[2:4] == "02")
    assert ref.is_valid_rf_reference("RF02" + part)
    assert not ref.is_valid_rf_reference(alias + part)


def test_rf_part_must_be_1_to_21_digits() -> None:
    assert ref.make_rf_reference("1" * 21).startswith("RF")
    with pytest.raises(ref.RfReferencePartInvalid):
        ref.make_rf_reference("1" * 22)
    with pytest.raises(ref.RfReferencePartInvalid):
        ref.make_rf_reference("12A")
    with pytest.raises(ref.RfReferencePartInvalid):
        ref.make_rf_reference("")


def test_rf_not_built_from_a_national_reference() -> None:
    with pytest.raises(ref.RfReferenceNotNational):
        ref.national_from_rf("RF18 5390 0754 7034")
    with pytest.raises(ref.RfReferenceNotNational):
        ref.national_from_rf("RF18 5390 0754 70Y")


def test_rf_from_national_refuses_a_bad_national_reference() -> None:
    with pytest.raises(ref.ReferenceWrongCheckDigit):
        ref.rf_from_national("1234562")


@given(bases)
def test_rf_of_national_round_trip(base: str) -> None:
    national = ref.make_national_reference(base)
    rf = ref.rf_from_national(national)
    assert ref.validate_reference(rf) == rf
    assert ref.national_from_rf(ref.format_rf_reference(rf)) == national


@given(rf_references)
def test_rf_format_is_groups_of_four(rf: str) -> None:
    shown = ref.format_rf_reference(rf)
    groups = shown.split(" ")
    assert all(len(group) == 4 for group in groups[:-1])
    assert 1 <= len(groups[-1]) <= 4
    assert ref.validate_rf_reference(shown) == rf


@given(rf_references, st.data())
def test_rf_single_digit_errors_are_caught(rf: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(2, len(rf) - 1))  # every digit, check digits included
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != rf[i]))
    assert not ref.is_valid_rf_reference(_replace(rf, i, digit))


@given(rf_references, st.data())
def test_rf_adjacent_transpositions_are_caught(rf: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(2, len(rf) - 2))
    if rf[i] == rf[i + 1]:
        return
    assert not ref.is_valid_rf_reference(_swap(rf, i))


@given(rf_references, st.data())
def test_rf_any_transposition_is_caught(rf: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(2, len(rf) - 2))
    j = data.draw(st.integers(i + 1, len(rf) - 1))
    if rf[i] == rf[j]:
        return
    swapped = rf[:i] + rf[j] + rf[i + 1 : j] + rf[i] + rf[j + 1 :]
    assert not ref.is_valid_rf_reference(swapped)


def test_validate_reference_dispatches_on_the_prefix() -> None:
    assert ref.validate_reference(" 12 34561 ") == "1234561"
    assert ref.validate_reference("RF34 1234 561") == "RF341234561"
    with pytest.raises(ref.InvalidReference):
        ref.validate_reference("RF34 1234 562")
