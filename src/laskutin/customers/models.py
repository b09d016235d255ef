"""The ``customers`` table: a tenant table (row-level security on company_id).

A customer that has been invoiced is archived, never deleted: issued invoices keep a copy of
the buyer's details anyway, but the customer stays findable for credit notes and reports.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    CheckConstraint,
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
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("kind IN ('company', 'person')", name="kind"),
        CheckConstraint("language IN ('fi', 'sv', 'en')", name="language"),
        CheckConstraint(
            "payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 365",
            name="payment_terms_days",
        ),
        UniqueConstraint("company_id", "customer_number"),
        Index("ix_customers_company_id_name", "company_id", text("lower(name)")),
        Index("ix_customers_company_id_business_id", "company_id", "business_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # Assigned per company (1, 2, 3, ...) unless given; unique within the company.
    customer_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="company", server_default="company")
    name: Mapped[str] = mapped_column(String(200))
    business_id: Mapped[str | None] = mapped_column(String(20))  # Y-tunnus, normalised
    vat_number: Mapped[str | None] = mapped_column(String(20))  # EU VAT number, normalised
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="fi", server_default="fi")
    billing_street: Mapped[str | None] = mapped_column(String(200))
    billing_postal_code: Mapped[str | None] = mapped_column(String(20))
    billing_city: Mapped[str | None] = mapped_column(String(100))
    billing_country: Mapped[str] = mapped_column(String(2), default="FI", server_default="FI")
    delivery_name: Mapped[str | None] = mapped_column(String(200))
    delivery_street: Mapped[str | None] = mapped_column(String(200))
    delivery_postal_code: Mapped[str | None] = mapped_column(String(20))
    delivery_city: Mapped[str | None] = mapped_column(String(100))
    delivery_country: Mapped[str | None] = mapped_column(String(2))
    einvoice_address: Mapped[str | None] = mapped_column(String(64))
    einvoice_operator: Mapped[str | None] = mapped_column(String(64))
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
