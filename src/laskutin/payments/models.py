"""The ``payments`` table: a tenant table (row-level security on company_id).

Each payment belongs to one issued invoice; ``invoices.paid_amount`` is the sum of its
payments, updated in the same transaction as a payment is recorded or removed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base
from laskutin.invoices.models import MONEY


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount"),
        CheckConstraint("source IN ('manual', 'bank_file')", name="source"),
        Index("ix_payments_company_id_invoice_id", "company_id", "invoice_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    payment_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)  # negative: a refund to the customer
    source: Mapped[str] = mapped_column(String(12), default="manual", server_default="manual")
    reference: Mapped[str | None] = mapped_column(String(35))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
