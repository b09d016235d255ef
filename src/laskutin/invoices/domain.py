"""Invoices: pure rules. No web, no database, no settings.

Status (what a user sees) is derived from stored columns, so that lists can filter on it in SQL
(``invoices.service.status_sql`` is the same rule as a SQL expression; a property test proves
that both agree). Priority, first match wins:

1. ``draft``: not issued yet.
2. credit notes: ``sent`` once sent, else ``issued`` (nothing is paid on a credit note).
3. ``credited``: credited in full (``credited_amount >= total``, something credited).
4. ``paid``: nothing left to pay (``balance <= 0``: total - paid - credited), including
   invoices that are partly credited and paid for the rest, and overpaid ones.
5. ``overdue``: something left to pay and the due date has passed (due date < today, today
   being the calendar day in Europe/Helsinki). A partly paid invoice past its due date is
   overdue: chasing it matters more than the part received.
6. ``partially_paid``: something paid, something left, not yet due.
7. ``sent``: sent (``sent_at`` set by the sending issue), nothing paid.
8. ``issued``.

Reference numbers (finnish-invoicing.md §1): the national reference is built from the
invoice's sequence number. finnish.reference drops leading zeros and needs a base of at least
three digits, so the base is ``"1"`` followed by the sequence number padded to at least two
digits: number 1 -> base 101 -> reference 1012, number 42 -> 142 -> 1423, number 1234 ->
11234 -> 112341. The mapping is one-to-one, so references are unique in the company's series.
With ``reference_type == "rf"`` the RF form of that national reference is used
(finnish.reference.rf_from_national).

Amount credits (``{"amount": "50.00"}``): the amount is the gross the customer gets back. It
is split over the original's VAT breakdown in proportion to each row's gross (largest
remainder in cents, so the parts add up exactly), and each part becomes one VAT-inclusive
credit line at that row's category, rate, ground and tax point: a mixed-rate invoice is
credited proportionally at each of its rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from laskutin.core.money import CENT, ZERO, round_cents
from laskutin.finnish.reference import make_national_reference, rf_from_national

# The audit trail's resource type of invoices and credit notes.
RESOURCE = "invoice"


class Status(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    SENT = "sent"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"


class Kind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True)
class StatusInputs:
    """The stored columns the status is derived from."""

    kind: str
    state: str
    total: Decimal
    paid_amount: Decimal
    credited_amount: Decimal
    due_date: dt.date | None
    sent_at: dt.datetime | None


def balance(total: Decimal, paid_amount: Decimal, credited_amount: Decimal) -> Decimal:
    """What is still to be paid: total - paid - credited (negative when overpaid)."""
    return total - paid_amount - credited_amount


def overpaid_amount(total: Decimal, paid_amount: Decimal, credited_amount: Decimal) -> Decimal:
    """How much more was paid than was due (total less credits); zero when not overpaid."""
    due = total - credited_amount
    return paid_amount - due if paid_amount > due and paid_amount > 0 else ZERO


def derive_status(inputs: StatusInputs, today: dt.date) -> Status:
    """The status a user sees (priority in the module docstring)."""
    if inputs.state == "draft":
        return Status.DRAFT
    if inputs.kind == Kind.CREDIT_NOTE:
        return Status.SENT if inputs.sent_at is not None else Status.ISSUED
    left = balance(inputs.total, inputs.paid_amount, inputs.credited_amount)
    if inputs.credited_amount > 0 and inputs.credited_amount >= inputs.total:
        return Status.CREDITED
    if left <= 0:
        return Status.PAID
    if inputs.due_date is not None and inputs.due_date < today:
        return Status.OVERDUE
    if inputs.paid_amount > 0:
        return Status.PARTIALLY_PAID
    if inputs.sent_at is not None:
        return Status.SENT
    return Status.ISSUED


def reference_base(sequence_number: int) -> str:
    """The national reference base of a sequence number (see the module docstring)."""
    if sequence_number < 1:
        raise ValueError("sequence numbers start at 1")
    return "1" + str(sequence_number).zfill(2)


def invoice_reference(sequence_number: int, reference_type: str) -> str:
    """The machine form of the invoice's payment reference: national, or RF of it."""
    national = make_national_reference(reference_base(sequence_number))
    return rf_from_national(national) if reference_type == "rf" else national


def due_date(invoice_date: dt.date, payment_terms_days: int) -> dt.date:
    return invoice_date + dt.timedelta(days=payment_terms_days)


def split_amount(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` (whole cents) in proportion to ``weights`` (all of one sign, not all
    zero): each part rounded to cents, then the cents rounding lost or gained go one by one to
    the parts that rounding moved furthest (largest remainder). The parts add up to ``amount``.
    """
    whole = sum(weights, ZERO)
    if whole == 0:
        raise ValueError("nothing to split over")
    exact = [amount * weight / whole for weight in weights]
    parts = [round_cents(share) for share in exact]
    missing = int((amount - sum(parts, ZERO)) / CENT)
    if missing:
        step = CENT if missing > 0 else -CENT
        order = sorted(
            range(len(parts)),
            key=lambda i: (-(exact[i] - parts[i]) * (1 if missing > 0 else -1), i),
        )
        for i in order[: abs(missing)]:
            parts[i] += step
    return parts


def rate_text(rate: Decimal) -> str:
    """A VAT rate as people write it: 25.5, 14, 0 (no trailing zeros)."""
    text = format(rate.normalize(), "f")
    return text


def penalty_interest_text(percent: Decimal | None, language: str) -> str:
    """The late-interest line printed on an invoice."""
    if percent is None:
        return {
            "fi": "Viivästyskorko korkolain mukaan",
            "sv": "Dröjsmålsränta enligt räntelagen",
            "en": "Late payment interest as set by the Finnish Interest Act",
        }.get(language, "Late payment interest as set by the Finnish Interest Act")
    rate = rate_text(percent)
    return {
        "fi": f"Viivästyskorko {rate} %",
        "sv": f"Dröjsmålsränta {rate} %",
        "en": f"Late payment interest {rate} %",
    }.get(language, f"Late payment interest {rate} %")
