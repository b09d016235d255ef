"""``recurring_invoices`` (templates) and ``recurring_invoice_runs`` (one row per period made).

Both are tenant tables: row-level security enabled and forced, the policy on ``company_id``
(migration 20261206_0018). One more policy, read-only, on the templates: the job runs with no
company active and finds due templates of every company when the transaction-local setting
``laskutin.sweep`` is ``recurring_invoices`` (it sees active templates and can write nothing);
it then acts as each template's company to make its invoice.

A template's progress is ``next_sequence`` (the number ``k`` of the next occurrence of its
calendar rule, recurring.schedule) and ``next_run`` (that occurrence's date; NULL when the rule
has ended). Both change only under the template's row lock, in the transaction that writes the
period's run row and its invoice; ``UNIQUE (template_id, sequence)`` of the runs backs it, so
each period's invoice is made exactly once however many workers run the job.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base


class RecurringInvoice(Base):
    __tablename__ = "recurring_invoices"
    __table_args__ = (
        CheckConstraint("unit IN ('day', 'week', 'month')", name="unit"),
        CheckConstraint("every BETWEEN 1 AND 366", name="every"),
        CheckConstraint("day_of_month IS NULL OR day_of_month BETWEEN 1 AND 31", name="day"),
        CheckConstraint("weekend IN ('keep', 'friday', 'monday')", name="weekend"),
        CheckConstraint("action IN ('draft', 'issue', 'send')", name="action"),
        CheckConstraint("count IS NULL OR count >= 1", name="count"),
        CheckConstraint("next_sequence >= 0", name="next_sequence"),
        Index("ix_recurring_invoices_company_created", "company_id", "created_at", "id"),
        # The job's look-up: active templates that are due.
        Index(
            "ix_recurring_invoices_due",
            "next_run",
            postgresql_where=text("paused_at IS NULL AND next_run IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # A customer can be deleted only while no invoice names it (customers.service): its
    # templates, which then have made no invoice that still exists, go with it.
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # The lines as the API took them (invoices.schemas.LineIn, JSON): a product's price and the
    # VAT rate in force are looked up again for each invoice.
    lines: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")
    notes: Mapped[str | None] = mapped_column(Text)
    buyer_reference: Mapped[str | None] = mapped_column(String(100))
    order_reference: Mapped[str | None] = mapped_column(String(100))
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    language: Mapped[str | None] = mapped_column(String(2))
    # The calendar rule (recurring.schedule.Rule).
    unit: Mapped[str] = mapped_column(String(5))
    every: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    day_of_month: Mapped[int | None] = mapped_column(Integer)
    weekend: Mapped[str] = mapped_column(String(6), default="keep", server_default="keep")
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column(Integer)
    # What each period's invoice becomes: a draft, issued, or issued and sent by e-mail.
    action: Mapped[str] = mapped_column(String(5), default="draft", server_default="draft")
    recipients: Mapped[list[str] | None] = mapped_column(JSONB)
    wait_for_payment: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    paused_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_run: Mapped[dt.date | None] = mapped_column(Date)
    # Whose invoices these are: the job issues and sends as this member of the company.
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class RecurringInvoiceRun(Base):
    __tablename__ = "recurring_invoice_runs"
    __table_args__ = (
        UniqueConstraint("template_id", "sequence"),
        CheckConstraint("outcome IN ('draft', 'issued', 'sent', 'failed')", name="outcome"),
        Index("ix_recurring_invoice_runs_company_template", "company_id", "template_id"),
        Index("ix_recurring_invoice_runs_invoice_id", "invoice_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recurring_invoices.id", ondelete="CASCADE")
    )
    sequence: Mapped[int] = mapped_column(Integer)  # the occurrence number k
    period_date: Mapped[dt.date] = mapped_column(Date)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL")
    )
    # What the run achieved: the invoice left as a draft, issued, sent (its send requested),
    # or failed (``error`` says why; the invoice, if any, is left as a draft).
    outcome: Mapped[str] = mapped_column(String(6))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
