"""``api_keys``: a company's keys for web shops and scripts.

A tenant table (row-level security enabled and forced, the policy on ``company_id``). One more
read-only policy: a request carrying a key is not yet acting for any company, so a transaction
that sets ``laskutin.api_key`` to the SHA-256 of the key sees that one key's row and nothing
else (migration 20261206_0016). Only the hash is stored; the key itself is shown once.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_company_created", "company_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # "read" and/or "write".
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(10)))
    # Hex SHA-256 of the key (256 random bits: a plain hash is enough).
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, to tell keys apart in a list.
    prefix: Mapped[str] = mapped_column(String(16))
    # The member who made the key: requests with it act as them, within the key's scopes, and
    # stop working if they leave the company.
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
