"""Two-factor authentication with TOTP (RFC 6238, by pyotp): enrolment, recovery codes, and
the sign-in challenge (issue 8).

- Enrolment: :func:`setup` makes a secret (shown once as an otpauth URI and its QR code),
  :func:`confirm` turns it on with a first code and answers ten one-time recovery codes.
- Sign-in: a user with the factor gets a challenge instead of tokens
  (:func:`create_challenge`); :func:`complete_challenge` trades it and a code (or a recovery
  code) for the token pair. A challenge lives 5 minutes, works once and dies after 5 wrong
  codes; wrong codes also count per user (:data:`CODE_GUESSES_PER_USER`), so signing in again
  and again does not give unlimited guesses.
- A code is accepted once: the time step of the last accepted code is stored and codes of that
  step or earlier are refused (RFC 6238 §5.2).
- The secret is stored encrypted with AES-GCM under a key derived from the app's secret key
  (HKDF), recovery codes as HMAC-SHA256 under another derived key: a copy of the database alone
  yields neither.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Final

import pyotp
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth.keys import KeyRing
from laskutin.auth.models import LoginChallenge, RecoveryCode, TwoFactor, User
from laskutin.auth.passwords import verify_password
from laskutin.auth.tokens import TokenPair, issue_token_pair
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.errors import (
    Conflict,
    DomainError,
    PermissionDenied,
    RuleViolation,
    TooManyRequests,
    Unauthenticated,
)
from laskutin.core.hashing import token_digest
from laskutin.core.ratelimit import RateLimit
from laskutin.core.tenancy import act_as

ISSUER_NAME: Final = "Laskutin"
RECOVERY_CODE_COUNT: Final = 10
CHALLENGE_LIFETIME: Final = dt.timedelta(minutes=5)
CHALLENGE_ATTEMPTS: Final = 5
# Wrong second-factor codes per user per 15 minutes, over all challenges (429 beyond it).
CODE_GUESSES_PER_USER: Final = RateLimit("two-factor-guesses", 10, dt.timedelta(minutes=15))
_STEP_SECONDS: Final = 30


# --- errors ----------------------------------------------------------------------------------


class TwoFactorEnabled(Conflict):
    code = "two-factor-enabled"


class TwoFactorNotSetUp(Conflict):
    code = "two-factor-not-set-up"


class CodeWrong(RuleViolation):
    code = "two-factor-code-wrong"
    messages = {
        "fi": "Koodi on väärä tai vanhentunut. Syötä sovelluksen nykyinen koodi.",
        "sv": "Koden är fel eller för gammal. Ange appens aktuella kod.",
        "en": "The code is wrong or too old. Enter the code your app shows now.",
    }

    def __init__(self, field: str = "code") -> None:
        super().__init__(field=field)


class ChallengeInvalid(Unauthenticated):
    """Unknown, expired, used, or out of attempts: sign in again (401)."""

    code = "two-factor-challenge-invalid"


class TooManyCodeGuesses(TooManyRequests):
    code = "too-many-two-factor-guesses"


class TwoFactorRequired(PermissionDenied):
    """The company requires a second factor and the user has none: enrol first (403)."""

    code = "two-factor-required"


class PasswordWrong(RuleViolation):
    code = "two-factor-password-wrong"
    messages = {
        "fi": "Salasana on väärin.",
        "sv": "Lösenordet är fel.",
        "en": "The password is wrong.",
    }

    def __init__(self) -> None:
        super().__init__(field="password")


# --- secrets at rest ---------------------------------------------------------------------------


def _derived_key(secret_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret_key.encode()
    )


def encrypt_secret(secret: str, secret_key: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_derived_key(secret_key, b"laskutin totp secret")).encrypt(
        nonce, secret.encode(), b"totp"
    )
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_secret(stored: str, secret_key: str) -> str:
    raw = base64.urlsafe_b64decode(stored.encode())
    plain = AESGCM(_derived_key(secret_key, b"laskutin totp secret")).decrypt(
        raw[:12], raw[12:], b"totp"
    )
    return plain.decode()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str, secret_key: str) -> str:
    key = _derived_key(secret_key, b"laskutin recovery codes")
    return hmac.new(key, normalise_recovery_code(code).encode(), hashlib.sha256).hexdigest()


def new_recovery_code() -> str:
    """12 characters of base32 in three groups (60 bits): ``abcd-efgh-ijkl``."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:12]
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _hash_challenge(token: str) -> str:
    return token_digest(token)


# --- enrolment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    secret: str
    otpauth_uri: str
    qr_svg: str  # a data: URI of the QR code of otpauth_uri


@dataclass(frozen=True)
class Status:
    enabled: bool
    confirmed_at: dt.datetime | None
    recovery_codes_left: int


async def status(session: AsyncSession, *, user_id: uuid.UUID) -> Status:
    row = await session.get(TwoFactor, user_id, populate_existing=True)
    left = 0
    if row is not None and row.confirmed_at is not None:
        left = len(
            (
                await session.scalars(
                    select(RecoveryCode.id).where(
                        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
                    )
                )
            ).all()
        )
    confirmed = None if row is None else row.confirmed_at
    return Status(enabled=confirmed is not None, confirmed_at=confirmed, recovery_codes_left=left)


async def is_enabled(session: AsyncSession, user_id: uuid.UUID) -> bool:
    confirmed = await session.scalar(
        select(TwoFactor.confirmed_at).where(TwoFactor.user_id == user_id)
    )
    return confirmed is not None


async def setup(session: AsyncSession, *, user_id: uuid.UUID, secret_key: str) -> Setup:
    """A new secret, not yet in force (a previous unconfirmed one is replaced)."""
    user = await session.get_one(User, user_id)
    row = await session.get(TwoFactor, user_id, with_for_update=True, populate_existing=True)
    if row is not None and row.confirmed_at is not None:
        raise TwoFactorEnabled()
    secret = pyotp.random_base32()
    sealed = encrypt_secret(secret, secret_key)
    if row is None:
        session.add(TwoFactor(user_id=user_id, secret_encrypted=sealed, created_at=clock.now()))
    else:
        row.secret_encrypted, row.created_at, row.last_step = sealed, clock.now(), None
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER_NAME)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return Setup(secret=secret, otpauth_uri=uri, qr_svg=qr)


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step (now ±1, for clock drift) whose code is ``code``, later than ``after``."""
    digits = "".join(code.split())
    if not digits.isdigit() or len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(clock.now().timestamp()) // _STEP_SECONDS
    for step in (now_step - 1, now_step, now_step + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


async def _new_recovery_codes(
    session: AsyncSession, user_id: uuid.UUID, secret_key: str
) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    now = clock.now()
    session.add_all(
        RecoveryCode(user_id=user_id, code_hash=hash_recovery_code(c, secret_key), created_at=now)
        for c in codes
    )
    await session.flush()
    return codes


async def _enabled_row(session: AsyncSession, user_id: uuid.UUID) -> TwoFactor:
    row = await session.get(TwoFactor, user_id, with_for_update=True, populate_existing=True)
    if row is None or row.confirmed_at is None:
        raise TwoFactorNotSetUp()
    return row


def _check_totp(row: TwoFactor, code: str, secret_key: str, field: str = "code") -> None:
    step = _matching_step(decrypt_secret(row.secret_encrypted, secret_key), code, row.last_step)
    if step is None:
        raise CodeWrong(field)
    row.last_step = step


async def confirm(
    session: AsyncSession, *, user_id: uuid.UUID, code: str, secret_key: str
) -> list[str]:
    """Turn the factor on with a first code; the ten recovery codes (shown once)."""
    row = await session.get(TwoFactor, user_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise TwoFactorNotSetUp()
    if row.confirmed_at is not None:
        raise TwoFactorEnabled()
    _check_totp(row, code, secret_key)
    row.confirmed_at = clock.now()
    await session.flush()
    return await _new_recovery_codes(session, user_id, secret_key)


async def regenerate_recovery_codes(
    session: AsyncSession, *, user_id: uuid.UUID, code: str, secret_key: str
) -> list[str]:
    """Ten new recovery codes for a current code; the old ones stop working."""
    row = await _enabled_row(session, user_id)
    _check_totp(row, code, secret_key)
    await session.flush()
    return await _new_recovery_codes(session, user_id, secret_key)


async def disable(session: AsyncSession, *, user_id: uuid.UUID, password: str) -> None:
    """Turn the factor off (the password again, as a check that it is the user)."""
    user = await session.get_one(User, user_id)
    if not await asyncio.to_thread(verify_password, user.password_hash, password):
        raise PasswordWrong()
    await _enabled_row(session, user_id)
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await session.execute(delete(TwoFactor).where(TwoFactor.user_id == user_id))


# --- the sign-in challenge ---------------------------------------------------------------------


async def create_challenge(session: AsyncSession, *, user_id: uuid.UUID) -> str:
    """A challenge for a user whose password was right (their ``last_company_id`` is the
    company the sign-in continues to)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        LoginChallenge(
            user_id=user_id,
            token_hash=_hash_challenge(token),
            created_at=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    )
    await session.flush()
    return token


async def _use_recovery_code(
    session: AsyncSession, user_id: uuid.UUID, code: str, secret_key: str
) -> bool:
    used = await session.scalar(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == hash_recovery_code(code, secret_key),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .returning(RecoveryCode.id)
    )
    return used is not None


async def _attempt(
    session: AsyncSession,
    keyring: KeyRing,
    *,
    challenge: str,
    code: str | None,
    recovery_code: str | None,
    secret_key: str,
    issuer: str,
) -> TokenPair | DomainError:
    row = await session.scalar(
        select(LoginChallenge)
        .where(LoginChallenge.token_hash == _hash_challenge(challenge))
        .with_for_update()
    )
    now = clock.now()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return ChallengeInvalid()
    if row.failed_attempts >= CHALLENGE_ATTEMPTS:
        return ChallengeInvalid()
    factor = await _enabled_row(session, row.user_id)
    if recovery_code:
        accepted = await _use_recovery_code(session, row.user_id, recovery_code, secret_key)
        wrong: DomainError = CodeWrong("recovery_code")
    else:
        try:
            _check_totp(factor, code or "", secret_key)
            accepted = True
        except CodeWrong as exc:
            accepted, wrong = False, exc
    if not accepted:
        decision = await CODE_GUESSES_PER_USER.take(session, str(row.user_id))
        row.failed_attempts += 1
        await session.flush()
        if not decision.allowed:
            return TooManyCodeGuesses(retry_after_seconds=decision.retry_after_seconds)
        return wrong
    row.used_at = now
    await session.flush()
    user = await session.get_one(User, row.user_id)
    if user.last_company_id is None:
        return ChallengeInvalid()
    await act_as(session, company_id=None, user_id=row.user_id)
    # Checks the membership again: removed from the company meanwhile answers 401.
    return await issue_token_pair(
        session, keyring, issuer=issuer, user_id=row.user_id, company_id=user.last_company_id
    )


async def complete_challenge(
    factory: async_sessionmaker[AsyncSession],
    keyring: KeyRing,
    *,
    challenge: str,
    code: str | None,
    recovery_code: str | None,
    secret_key: str,
    issuer: str,
) -> TokenPair:
    """Trade a sign-in challenge and a code for the token pair. Its own transaction, so that
    a wrong code's count stays although the answer is an error."""
    async with unit_of_work(factory) as session:
        outcome = await _attempt(
            session,
            keyring,
            challenge=challenge,
            code=code,
            recovery_code=recovery_code,
            secret_key=secret_key,
            issuer=issuer,
        )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome
