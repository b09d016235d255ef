"""The ``products`` table: a tenant table (row-level security on company_id)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base

VAT_CATEGORY_CHECK = "vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')"


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="unit_price"),
        CheckConstraint(
            "vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')", name="vat_category"
        ),
        Index("ix_products_company_id_code", "company_id", "code"),
        # A code is unique among the company's active products (migration 20261125_0009).
        Index(
            "uq_products_company_id_active_code",
            "company_id",
            text("lower(code)"),
            unique=True,
            postgresql_where=text("archived_at IS NULL AND code IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str | None] = mapped_column(String(50))
    # Names per language: {"fi": "Suunnittelu", "sv": "Planering", "en": "Design"}; at least one.
    names: Mapped[dict[str, Any]] = mapped_column(JSONB)
    unit: Mapped[str] = mapped_column(String(20), default="kpl", server_default="kpl")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    vat_category: Mapped[str] = mapped_column(String(2), default="S", server_default="S")
    # finnish.vat.RateClass for category S (general, foodstuffs, ...); the rate follows the date.
    rate_class: Mapped[str | None] = mapped_column(String(40))
    vat_ground: Mapped[str | None] = mapped_column(String(40))  # finnish.vat ground key, non-S
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
