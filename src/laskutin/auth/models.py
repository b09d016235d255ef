"""Users: people who sign in. One user may belong to several companies (memberships).

``users`` is not a tenant table and has no row-level security: a user exists across companies,
and signing in must find a user by e-mail before any company or user is known. Only the service
layer confines it (docs/database.md#row-level-security). Keep tenant data out of it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # E-mail addresses are unique whatever their case: Matti@x.fi and matti@x.fi are one user.
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    email: Mapped[str] = mapped_column(String(320))
    # argon2id hash; null for a user who only signs in through an external provider.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The company chosen last: sign-in gives a token for it.
    last_company_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
