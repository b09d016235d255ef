"""``quotes`` and ``quote_lines``: tenant tables (row-level security on company_id).

A quote has its own number series (``number_series`` kind ``quote``), the number given when it
is created. Its lines have the columns of invoice lines and are built and totalled by the same
code (invoices.lines, finnish.totals), VAT by the quote date. The stored ``state`` is draft,
sent, accepted or declined; ``expired`` is derived (quotes.domain): past ``valid_until`` in
Europe/Helsinki while draft or sent. Sending (or accepting an unsent quote) copies the seller
and the buyer onto it (``seller``, ``buyer``), so its PDF says what the customer got. Once
accepted, ``POST /quotes/{id}/invoice`` makes an invoice draft and remembers it
(``invoice_id``; deleting that draft clears it, and the quote can be invoiced again).
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
from laskutin.invoices.models import MONEY, VAT_CATEGORY_CHECK


class Quote(Base):
    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'sent', 'accepted', 'declined')", name="state"),
        CheckConstraint("language IN ('fi', 'sv', 'en')", name="language"),
        CheckConstraint("valid_until >= quote_date", name="valid_after_date"),
        UniqueConstraint("company_id", "number"),
        Index("ix_quotes_company_id_quote_date", "company_id", "quote_date", "id"),
        Index("ix_quotes_company_id_sequence_number", "company_id", "sequence_number"),
        Index("ix_quotes_company_id_customer_id", "company_id", "customer_id"),
        Index("ix_quotes_company_id_created_at", "company_id", "created_at", "id"),
        Index("ix_quotes_invoice_id", "invoice_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    # As printed: prefix + sequence number of the company's quote series.
    number: Mapped[str] = mapped_column(String(40))
    sequence_number: Mapped[int] = mapped_column(BigInteger)
    quote_date: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    buyer_reference: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="fi", server_default="fi")
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    net_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    vat_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    vat_breakdown: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")
    # Copied when sent (or accepted unsent): the seller and the buyer as the customer saw them.
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    buyer: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    declined_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The invoice draft made from the accepted quote (null again if that draft is deleted).
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL")
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class QuoteLine(Base):
    """A quote's line: the columns of invoices.models.InvoiceLine (no credited line)."""

    __tablename__ = "quote_lines"
    __table_args__ = (CheckConstraint(VAT_CATEGORY_CHECK, name="vat_category"),)

    quote_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    product_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL")
    )
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
    tax_point: Mapped[dt.date | None] = mapped_column(Date)
    net_amount: Mapped[Decimal] = mapped_column(MONEY)
    vat_amount: Mapped[Decimal] = mapped_column(MONEY)
    gross_amount: Mapped[Decimal] = mapped_column(MONEY)
