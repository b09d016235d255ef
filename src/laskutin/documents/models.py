"""``invoice_documents``: the bytes of an issued invoice's documents, made once and kept.

A tenant table (row-level security on company_id). One row per invoice and format (``pdf``,
``finvoice``, ``peppol``): the first request or job that renders an issued invoice's document
stores it (``INSERT ... ON CONFLICT DO NOTHING``, then read back), and every later request is
served those bytes, identical ever after. Drafts are never stored.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base

FORMATS = ("pdf", "finvoice", "peppol")


class InvoiceDocumentFile(Base):
    __tablename__ = "invoice_documents"
    __table_args__ = (CheckConstraint("format IN ('pdf', 'finvoice', 'peppol')", name="format"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(10), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    media_type: Mapped[str] = mapped_column(String(60))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # Which renderer made it (e.g. "pdf-1"), so a later change of layout can be told apart.
    renderer: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
