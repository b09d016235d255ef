"""``imports``: an uploaded CSV file, its check (the dry run) and its import (issue 9).

A tenant table (row-level security forced on company_id). The file itself is kept until the
import ran (``content`` is cleared then), so the worker imports exactly what was checked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base


class Import(Base):
    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_company_created", "company_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # customers | products
    # checked (ready), invalid (bad rows), queued, running, done, failed
    state: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str] = mapped_column(String(2))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # The first errors by line, column and field; the warnings (duplicates of existing ones).
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # {"field": "CSV header"} used, and the headers that were ignored.
    columns: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
