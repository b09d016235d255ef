"""``audit_events``: one row per change of a company's resource; append-only.

Tenant table (row-level security on company_id, migration 20261125_0007) with SELECT and INSERT
policies only; the app role may only SELECT and INSERT, and a trigger refuses UPDATE and DELETE
for every role. Rows go only with their company (ON DELETE CASCADE). ``actor_user_id`` has no
foreign key and ``actor_name`` is a copy: the trail outlives the user.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_resource", "company_id", "resource_type", "resource_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    resource_type: Mapped[str] = mapped_column(Text)  # "invoice", "customer", "product", ...
    resource_id: Mapped[uuid.UUID]
    action: Mapped[str] = mapped_column(Text)  # "created", "updated", "issued", ...
    actor_user_id: Mapped[uuid.UUID | None]  # None: the system (a job)
    actor_name: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
