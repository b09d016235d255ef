"""An invoice's derived status as SQL (list filters) and in Python, agreeing with
invoices.domain.derive_status (a test checks both on random rows)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    literal,
    or_,
)

from laskutin.invoices import domain
from laskutin.invoices.domain import Kind, Status, StatusInputs
from laskutin.invoices.models import Invoice


def _balance_sql(c: Any) -> ColumnElement[Decimal]:
    result: ColumnElement[Decimal] = c.total - c.paid_amount - c.credited_amount
    return result


def _status_parts(c: Any, today: dt.date) -> dict[Status, ColumnElement[bool]]:
    """One SQL predicate per status over the stored columns ``c`` (the Invoice model, or any
    selectable's ``.c`` with the same names); exactly one holds for every row (domain.py)."""
    issued = c.state == "issued"
    note = and_(issued, c.kind == Kind.CREDIT_NOTE.value)
    invoice = and_(issued, c.kind == Kind.INVOICE.value)
    left = _balance_sql(c)
    credited = and_(c.credited_amount > 0, c.credited_amount >= c.total)
    open_ = and_(invoice, ~credited, left > 0)
    past_due = and_(c.due_date.is_not(None), c.due_date < today)
    not_due = or_(c.due_date.is_(None), c.due_date >= today)
    unpaid_open = and_(open_, not_due, c.paid_amount <= 0)
    return {
        Status.DRAFT: c.state == "draft",
        Status.CREDITED: and_(invoice, credited),
        Status.PAID: and_(invoice, ~credited, left <= 0),
        Status.OVERDUE: and_(open_, past_due),
        Status.PARTIALLY_PAID: and_(open_, not_due, c.paid_amount > 0),
        Status.SENT: or_(
            and_(note, c.sent_at.is_not(None)), and_(unpaid_open, c.sent_at.is_not(None))
        ),
        Status.ISSUED: or_(and_(note, c.sent_at.is_(None)), and_(unpaid_open, c.sent_at.is_(None))),
    }


def status_condition(status: Status, c: Any, today: dt.date) -> ColumnElement[bool]:
    """The SQL predicate "this row has ``status``" (for list filters)."""
    return _status_parts(c, today)[status]


def status_sql(c: Any, today: dt.date) -> ColumnElement[str]:
    """The status as one SQL CASE expression, in domain.derive_status's priority."""
    issued = c.state == "issued"
    return case(
        (c.state == "draft", literal(Status.DRAFT.value)),
        (and_(issued, c.kind == Kind.CREDIT_NOTE.value, c.sent_at.is_not(None)), "sent"),
        (c.kind == Kind.CREDIT_NOTE.value, "issued"),
        (and_(c.credited_amount > 0, c.credited_amount >= c.total), "credited"),
        (_balance_sql(c) <= 0, "paid"),
        (and_(c.due_date.is_not(None), c.due_date < today), "overdue"),
        (c.paid_amount > 0, "partially_paid"),
        (c.sent_at.is_not(None), "sent"),
        else_="issued",
    )


def status_of(invoice: Invoice, today: dt.date) -> Status:
    return domain.derive_status(
        StatusInputs(
            kind=invoice.kind,
            state=invoice.state,
            total=invoice.total,
            paid_amount=invoice.paid_amount,
            credited_amount=invoice.credited_amount,
            due_date=invoice.due_date,
            sent_at=invoice.sent_at,
        ),
        today,
    )
