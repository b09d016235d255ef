"""Users: people who sign in. One user may belong to several companies (memberships).

Signing keys and refresh tokens live here too (auth/keys.py, auth/tokens.py), and the sign-in
throttle's counters (auth/throttle.py, auth/service.py).

``users`` is not a tenant table and has no row-level security: a user exists across companies,
and signing in must find a user by e-mail before any company or user is known. Only the service
layer confines it (docs/database.md#row-level-security). Keep tenant data out of it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
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


class SigningKey(Base):
    """A key that signs access tokens; global, shared by every replica (auth/keys.py).

    Not a tenant table and no row-level security: every replica must find every key before any
    company is known. The private half is encrypted with a key derived from LASKUTIN_SECRET_KEY;
    the public half (a JWK) is what /.well-known/jwks.json publishes.

    Life of a key: published from ``created_at``; signs from ``activated_at`` (later than
    ``created_at`` on a rotation, so that caches of the JWKS know it first) until a newer key
    activates; verifies until ``retired_at`` (set on rotation to when the last token it can sign
    has expired), after which it is deleted.
    """

    __tablename__ = "signing_keys"

    # RFC 7638 thumbprint of the public key (base64url SHA-256).
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(20))
    # AES-256-GCM: 12-byte nonce, then the ciphertext of the private JWK (JSON); the kid is
    # the associated data, so the ciphertext of one row does not decrypt as another's.
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RefreshToken(Base):
    """A refresh token: only its SHA-256 is stored. Rotated on every use within its family.

    Not a tenant table and no row-level security, although it names the company the session
    acts for: a refresh happens before any tenant is known (like sign-in, the token itself is
    the only credential), and the service finds the row by the token's hash alone. The service
    layer confines it; it holds no company data.
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Every token rotated from one sign-in shares the family; reuse revokes all of them.
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # Hex SHA-256 of the token (256 random bits: a plain hash is enough, no salt or stretching).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("refresh_tokens.id", ondelete="SET NULL")
    )


class LoginThrottle(Base):
    """Failed sign-ins counted for one key (auth/throttle.py): the only state of the throttle,
    in PostgreSQL so that every replica sees the same counts.

    ``scope`` is ``account`` (``key`` = :func:`laskutin.auth.throttle.account_key`, a SHA-256 of
    the e-mail, registered or not) or ``address`` (``key`` = the client's IPv4 address or IPv6
    /64). An account row uses the ``AccountState`` columns, an address row the ``AddressState``
    ones. Sign-in locks both rows (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, which
    creates or locks) in that order, so concurrent sign-ins on any replica take turns.

    Not a tenant table and no row-level security: sign-in counts failures before any user or
    company is known, and the rows hold no company data and no e-mail address in clear. Rows
    whose counts are back to nothing are deleted by the sign-in that resets them.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("scope IN ('account', 'address')", name="scope"),)

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failures_in_window: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    window_started: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EmailToken(Base):
    """A one-time link sent by e-mail: verify the address, or reset the password.

    Only the SHA-256 of the token (256 random bits) is stored, and only once the mail job has
    made the token and sent it (``token_hash`` is empty until then, so the token exists in the
    mail alone, never in the job queue: laskutin.auth.tasks). Lifetimes: a verification link
    works for 7 days, a reset link for 1 hour (laskutin.auth.service); each works once
    (``used_at``).

    Not a tenant table and no row-level security: a user exists across companies, and a link
    is followed before anyone is signed in; the row is found by the token's hash alone (like a
    refresh token). It holds no company data, so there is no ``company_id``.
    """

    __tablename__ = "email_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('verify_email', 'reset_password')", name="purpose"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    purpose: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Hex SHA-256 of the token; null until the mail job has made and sent it.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The language of the mail (the requester's Accept-Language): fi, sv or en.
    language: Mapped[str] = mapped_column(String(2), default="fi", server_default="fi")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class TwoFactor(Base):
    """A user's TOTP second factor (issue 8): enrolled when ``confirmed_at`` is set.

    The shared secret is stored encrypted (AES-GCM with a key derived from the app's secret
    key, laskutin.auth.two_factor): a copy of the database alone does not give the codes.
    ``last_step`` is the time step of the last code accepted, so a code works once.
    Not a tenant table: the factor belongs to the user across companies.
    """

    __tablename__ = "user_two_factor"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    """One of a user's ten one-time recovery codes: only a keyed hash (HMAC-SHA256 with the
    app's secret key) is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginChallenge(Base):
    """A sign-in that passed the password and waits for the second factor: one-time, short-
    lived, a few attempts. Kept in PostgreSQL so the code can reach any replica. Only the
    SHA-256 of the challenge token is stored. The company signed in to is the user's
    ``last_company_id``, set when the password was right."""

    __tablename__ = "login_challenges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
