"""Tables of sign-in with OpenID Connect: flows under way, one-time sign-in codes, and the
external identities linked to users.

None is a tenant table and none has row-level security: like refresh tokens, they belong to
users, not companies, and they are found before anyone is signed in (by the hash of the state or
of the code alone) or by the signed-in user's id. None holds company data or a company id.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base


class OidcFlow(Base):
    """One trip to a provider and back: created by ``start``, taken once by the callback.

    Kept in PostgreSQL so that the callback can land on any replica. Only the SHA-256 of the
    ``state`` (256 random bits) is stored; the nonce and the PKCE verifier are stored as they
    are (the provider's answer is checked against them), and the row dies in 10 minutes.
    """

    __tablename__ = "oidc_flows"
    __table_args__ = (CheckConstraint("intent IN ('login', 'link')", name="intent"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    # SHA-256 of the browser key: a secret that start gave the browser that started the flow,
    # which the one-time code is bound to (a code sent to another browser is worth nothing:
    # login cross-site request forgery).
    browser_hash: Mapped[str] = mapped_column(String(64))
    intent: Mapped[str] = mapped_column(String(8))
    # Linking: the signed-in user who asked; null for a sign-in.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OidcLoginCode(Base):
    """The one-time code the callback hands the browser (in the web app's URL fragment) for
    the token pair: 60 seconds, once. Only its SHA-256 is stored."""

    __tablename__ = "oidc_login_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The flow's browser key (its SHA-256): the exchange must present the key.
    browser_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ExternalIdentity(Base):
    """An account at a provider (its ``sub``) that signs a user in. One identity, one user."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The provider's id in LASKUTIN_OIDC_PROVIDERS.
    provider: Mapped[str] = mapped_column(String(40))
    # The ID token's ``sub`` (for Microsoft's multi-tenant endpoints: ``{tid}:{sub}``).
    subject: Mapped[str] = mapped_column(String(300))
    # The address the provider gave when the identity was linked (shown in the settings).
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
