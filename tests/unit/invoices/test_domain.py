"""Invoices' pure rules: status priority, references, splitting an amount credit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.finnish.reference import format_reference, validate_national_reference
from laskutin.invoices.domain import (
    Status,
    StatusInputs,
    derive_status,
    invoice_reference,
    overpaid_amount,
    reference_base,
    split_amount,
)

TODAY = dt.date(2026, 3, 15)


def inputs(**changes: object) -> StatusInputs:
    values: dict[str, object] = {
        "kind": "invoice",
        "state": "issued",
        "total": Decimal("100.00"),
        "paid_amount": Decimal("0.00"),
        "credited_amount": Decimal("0.00"),
        "due_date": dt.date(2026, 3, 20),
        "sent_at": None,
    }
    values.update(changes)
    return StatusInputs(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"state": "draft", "due_date": None}, Status.DRAFT),
        ({}, Status.ISSUED),
        ({"sent_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC)}, Status.SENT),
        ({"paid_amount": Decimal("40.00")}, Status.PARTIALLY_PAID),
        ({"paid_amount": Decimal("100.00")}, Status.PAID),
        ({"paid_amount": Decimal("150.00")}, Status.PAID),
        ({"due_date": dt.date(2026, 3, 14)}, Status.OVERDUE),
        ({"due_date": dt.date(2026, 3, 15)}, Status.ISSUED),  # due today: not yet overdue
        ({"due_date": dt.date(2026, 3, 14), "paid_amount": Decimal("40.00")}, Status.OVERDUE),
        ({"credited_amount": Decimal("100.00")}, Status.CREDITED),
        ({"credited_amount": Decimal("100.00"), "paid_amount": Decimal("5")}, Status.CREDITED),
        ({"credited_amount": Decimal("60.00"), "paid_amount": Decimal("40")}, Status.PAID),
        ({"credited_amount": Decimal("60.00")}, Status.ISSUED),
        ({"kind": "credit_note", "total": Decimal("-100.00")}, Status.ISSUED),
        (
            {"kind": "credit_note", "sent_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC)},
            Status.SENT,
        ),
    ],
)
def test_status_priority(changes: dict[str, object], status: Status) -> None:
    assert derive_status(inputs(**changes), TODAY) is status


def test_overpaid_amount_is_what_was_paid_above_what_is_due() -> None:
    assert overpaid_amount(Decimal("100.00"), Decimal("120.00"), Decimal(0)) == Decimal("20.00")
    assert overpaid_amount(Decimal("100.00"), Decimal("50.00"), Decimal("60")) == Decimal("10.00")
    assert overpaid_amount(Decimal("100.00"), Decimal("100.00"), Decimal(0)) == 0


@pytest.mark.parametrize(
    ("sequence", "base", "national"),
    [(1, "101", "1012"), (42, "142", "1423"), (1234, "11234", "112341")],
)
def test_reference_from_sequence_number(sequence: int, base: str, national: str) -> None:
    assert reference_base(sequence) == base
    assert invoice_reference(sequence, "national") == national
    assert invoice_reference(sequence, "rf").startswith("RF")
    assert invoice_reference(sequence, "rf").endswith(national)


@given(st.integers(min_value=1, max_value=10**17))
def test_every_sequence_number_gives_a_valid_unique_reference(sequence: int) -> None:
    reference = invoice_reference(sequence, "national")
    assert validate_national_reference(reference) == reference
    assert reference[:-1] == reference_base(sequence)
    assert format_reference(reference).replace(" ", "") == reference


@given(
    st.integers(min_value=1, max_value=10**8).map(lambda c: Decimal(c) / 100),
    st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=6).filter(any),
)
def test_split_amount_adds_up_exactly(amount: Decimal, weights: list[int]) -> None:
    parts = split_amount(amount, [Decimal(w) / 100 for w in weights])
    assert sum(parts) == amount
    assert all(part == part.quantize(Decimal("0.01")) for part in parts)
    assert all(part >= 0 for part in parts)


def test_split_amount_in_proportion() -> None:
    assert split_amount(Decimal("50.00"), [Decimal("125.50"), Decimal("125.50")]) == [
        Decimal("25.00"),
        Decimal("25.00"),
    ]
    assert sorted(split_amount(Decimal("0.01"), [Decimal(1), Decimal(1)])) == [
        Decimal("0.00"),
        Decimal("0.01"),
    ]
