"""``invoices`` and ``invoice_lines``: tenant tables (row-level security on company_id).

A draft is edited freely. Issuing gives it a number from the company's series
(companies.models.NumberSeries), a date, a due date and a reference, copies the seller's and
buyer's details (``seller``, ``buyer``) and the VAT breakdown onto it, and freezes it: from
then on only ``paid_amount``, ``credited_amount`` and ``sent_at`` change (payments, credit
notes, sending). A credit note is an invoice of kind ``credit_note`` that points at the
original (``credited_invoice_id``); its amounts are negative.

The status a user sees is derived (invoices.domain): draft, issued, sent, partially_paid,
paid, overdue (due date passed in Europe/Helsinki), credited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base

MONEY = Numeric(18, 2)
VAT_CATEGORY_CHECK = "vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')"


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
        CheckConstraint("state IN ('draft', 'issued')", name="state"),
        CheckConstraint("language IN ('fi', 'sv', 'en')", name="language"),
        CheckConstraint(
            "state = 'draft' OR (number IS NOT NULL AND invoice_date IS NOT NULL "
            "AND due_date IS NOT NULL AND issued_at IS NOT NULL)",
            name="issued_complete",
        ),
        CheckConstraint(
            "kind = 'invoice' OR credited_invoice_id IS NOT NULL", name="credit_note_original"
        ),
        UniqueConstraint("company_id", "number"),
        # Lists: newest first per company, by state, by customer, by due date.
        Index("ix_invoices_company_id_invoice_date", "company_id", "invoice_date", "id"),
        # The default list order (invoices.service.SORTS["invoice_date"]): drafts without a
        # date first, then newest first; a filtered page stops after its rows.
        Index(
            "ix_invoices_company_id_list_date",
            "company_id",
            text("coalesce(invoice_date, 'infinity'::date)"),
            "id",
        ),
        Index("ix_invoices_company_id_created_at", "company_id", "created_at", "id"),
        Index("ix_invoices_company_id_customer_id", "company_id", "customer_id"),
        Index("ix_invoices_company_id_due_date", "company_id", "due_date"),
        Index("ix_invoices_company_id_updated_at", "company_id", "updated_at"),
        Index("ix_invoices_credited_invoice_id", "credited_invoice_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), default="invoice", server_default="invoice")
    state: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    credited_invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"))
    # As printed: prefix + sequence number ("2026-0042", or "42"); NULL while a draft.
    number: Mapped[str | None] = mapped_column(String(40))
    sequence_number: Mapped[int | None] = mapped_column(BigInteger)
    invoice_date: Mapped[dt.date | None] = mapped_column(Date)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)  # the tax point, if not the date
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    penalty_interest_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    reference: Mapped[str | None] = mapped_column(String(35))  # machine form (digits or RF..)
    buyer_reference: Mapped[str | None] = mapped_column(String(100))
    order_reference: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="fi", server_default="fi")
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Totals, kept current on every save of a draft (lists show them) and frozen at issue.
    net_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    vat_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    vat_breakdown: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")
    # Snapshots copied at issue: the seller (company, its first bank account) and the buyer.
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    buyer: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    bank_barcode: Mapped[str | None] = mapped_column(String(54))
    # What has happened since: payments received, credit notes issued against it, sending.
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    credited_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    last_payment_date: Mapped[dt.date | None] = mapped_column(Date)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint(
            "vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')", name="vat_category"
        ),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0, 1, 2, ... as shown
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    product_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL")
    )
    # On a credit note: the line of the original it credits.
    original_position: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit: Mapped[str | None] = mapped_column(String(20))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    discount_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal(0), server_default="0"
    )
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    vat_category: Mapped[str] = mapped_column(String(2), default="S", server_default="S")
    rate_class: Mapped[str | None] = mapped_column(String(40))
    vat_ground: Mapped[str | None] = mapped_column(String(40))
    tax_point: Mapped[dt.date | None] = mapped_column(Date)  # kept from the original on credits
    net_amount: Mapped[Decimal] = mapped_column(MONEY)
    vat_amount: Mapped[Decimal] = mapped_column(MONEY)
    gross_amount: Mapped[Decimal] = mapped_column(MONEY)
