"""Signing keys for access tokens: kept in PostgreSQL, shared by every replica, rotated.

PostgreSQL is the source of truth (table ``signing_keys``, model ``SigningKey``). Each replica
keeps a short in-process copy (:class:`KeyRing`, ``CACHE_SECONDS``) and reads them again, once,
when a token names a key id it does not know (concurrent such tokens share one read).

Algorithm: EdDSA on Ed25519, named ``Ed25519`` as RFC 9864 fully specifies it (joserfc warns on
the older polymorphic ``EdDSA`` name). The private key is stored encrypted with AES-256-GCM under
a key derived (HKDF-SHA256) from LASKUTIN_SECRET_KEY; the public JWK is stored in clear, so a
replica verifies with it without decrypting anything.

Rotation without signing anyone out (:func:`rotate_signing_key`):

1. a new key is created and published at once (JWKS), but signs only from
   ``activated_at = now + PUBLISH_LEAD``, longer than any cache of the JWKS (HTTP max-age 300 s,
   in-process 60 s), so every verifier knows it before the first token it signs;
2. the keys before it keep signing until then, and keep verifying until
   ``retired_at = activated_at + ACCESS_TOKEN_MAX_LIFETIME + CLOCK_LEEWAY``: every token they
   signed has expired by then;
3. after ``retired_at`` a key is neither used nor published, and the periodic job deletes it.

:func:`maintain_signing_keys` (the periodic job in auth/tasks.py) deletes retired keys, makes
a key when none can sign, and rotates when the signing key is older than ``ROTATE_AFTER``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import OKPKey
from sqlalchemy import delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth.models import SigningKey
from laskutin.core import clock
from laskutin.core.db import unit_of_work

log = logging.getLogger(__name__)

ALGORITHM = "Ed25519"  # RFC 9864: EdDSA with the Ed25519 parameter set
CURVE: Final[Literal["Ed25519"]] = "Ed25519"
# Access tokens live at most this long (the issue: at most 15 minutes).
ACCESS_TOKEN_MAX_LIFETIME = dt.timedelta(minutes=15)
# Allowed difference between replicas' clocks.
CLOCK_LEEWAY = dt.timedelta(seconds=30)
# A new key is published this long before it signs: more than any JWKS cache (300 s).
PUBLISH_LEAD = dt.timedelta(minutes=10)
# The periodic job rotates a signing key this old.
ROTATE_AFTER = dt.timedelta(days=30)
# How long a replica trusts its copy of the keys before reading them again.
CACHE_SECONDS = 60.0

_NONCE_BYTES = 12
_HKDF_INFO = b"laskutin signing keys v1"
# Any 64-bit number no other code takes: serialises key creation across replicas and workers.
_KEYS_LOCK = 0x6B65_7973_6C61_736B  # "keyslask"


class KeyDecryptionError(RuntimeError):
    """The private key cannot be decrypted: LASKUTIN_SECRET_KEY is not the one it was made with."""


def _encryption_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode()
    )


def encrypt_private_key(secret: str, kid: str, private_jwk: dict[str, Any]) -> bytes:
    """The private JWK, encrypted under LASKUTIN_SECRET_KEY, bound to its kid."""
    nonce = os.urandom(_NONCE_BYTES)
    plain = json.dumps(private_jwk, separators=(",", ":"), sort_keys=True).encode()
    return nonce + AESGCM(_encryption_key(secret)).encrypt(nonce, plain, kid.encode())


def decrypt_private_key(secret: str, kid: str, blob: bytes) -> dict[str, Any]:
    nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    try:
        plain = AESGCM(_encryption_key(secret)).decrypt(nonce, sealed, kid.encode())
    except InvalidTag:
        raise KeyDecryptionError(f"signing key {kid} does not decrypt with this secret") from None
    value = json.loads(plain)
    if not isinstance(value, dict):
        raise KeyDecryptionError(f"signing key {kid} is not a JWK")
    return value


def public_jwk(row: SigningKey) -> dict[str, Any]:
    """What JWKS publishes for a key: the public parameters only, with kid, alg and use."""
    public = {k: v for k, v in row.public_jwk.items() if k in ("kty", "crv", "x")}
    return {**public, "kid": row.kid, "alg": row.algorithm, "use": "sig"}


def new_signing_key(secret: str, *, now: dt.datetime, activated_at: dt.datetime) -> SigningKey:
    """A fresh Ed25519 key pair as a row (not yet added to any session)."""
    key = OKPKey.generate_key(CURVE)
    kid = key.thumbprint()
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key=encrypt_private_key(secret, kid, dict(key.as_dict(private=True))),
        public_jwk=dict(key.as_dict(private=False)),
        created_at=now,
        activated_at=activated_at,
        retired_at=None,
    )


def can_sign(row: SigningKey, now: dt.datetime) -> bool:
    """Whether ``row`` may sign a token at ``now`` (that token must expire before it retires)."""
    if row.activated_at > now:
        return False
    return row.retired_at is None or row.retired_at >= now + ACCESS_TOKEN_MAX_LIFETIME


def can_verify(row: SigningKey, now: dt.datetime) -> bool:
    """Whether ``row`` is published and verifies at ``now`` (before its activation too)."""
    return row.retired_at is None or row.retired_at > now


def choose_signing_key(rows: Sequence[SigningKey], now: dt.datetime) -> SigningKey | None:
    """The key that signs now: the most recently activated one that may sign."""
    usable = [row for row in rows if can_sign(row, now)]
    return max(usable, key=lambda row: (row.activated_at, row.kid), default=None)


async def _lock(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _KEYS_LOCK})


async def _live_keys(session: AsyncSession, now: dt.datetime) -> list[SigningKey]:
    rows = await session.scalars(
        select(SigningKey).where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > now))
    )
    return list(rows.all())


async def ensure_signing_key(
    session: AsyncSession, *, secret: str, now: dt.datetime | None = None
) -> SigningKey:
    """The key that signs now; when there is none (first start), one made and active at once.

    A key that cannot be decrypted with ``secret`` does not count (LASKUTIN_SECRET_KEY changed):
    a new one is made and the old keys keep verifying until they retire by rotation.
    """
    await _lock(session)
    now = now or clock.now()  # after the wait: a key made meanwhile is not "in the future"
    rows = [row for row in await _live_keys(session, now) if _decrypts(secret, row)]
    current = choose_signing_key(rows, now)
    if current is not None:
        return current
    # Active at once, dated back by the leeway: a replica whose clock is a little behind
    # still finds it active instead of making another.
    row = new_signing_key(secret, now=now, activated_at=now - CLOCK_LEEWAY)
    session.add(row)
    await session.flush()
    log.info("created signing key %s (no key could sign)", row.kid)
    return row


async def rotate_signing_key(
    session: AsyncSession, *, secret: str, now: dt.datetime | None = None
) -> SigningKey:
    """Make a new signing key: published now, signing from ``now + PUBLISH_LEAD``.

    Every key that has no retirement yet gets one: it signs until the new key activates and
    verifies until every token it could sign by then has expired. Nobody is signed out.
    """
    now = now or clock.now()
    await _lock(session)
    row = new_signing_key(secret, now=now, activated_at=now + PUBLISH_LEAD)
    retire_at = row.activated_at + ACCESS_TOKEN_MAX_LIFETIME + CLOCK_LEEWAY
    for old in await _live_keys(session, now):
        if old.retired_at is None or old.retired_at > retire_at:
            old.retired_at = retire_at
    session.add(row)
    await session.flush()
    log.info("rotated signing keys: %s signs from %s", row.kid, row.activated_at.isoformat())
    return row


async def maintain_signing_keys(
    session: AsyncSession, *, secret: str, now: dt.datetime | None = None
) -> SigningKey | None:
    """The periodic job's work: delete retired keys, make sure one key signs, rotate old ones.

    Returns the key made by a rotation, if there was one.
    """
    now = now or clock.now()
    await _lock(session)
    await session.execute(delete(SigningKey).where(SigningKey.retired_at <= now))
    current = await ensure_signing_key(session, secret=secret, now=now)
    live = await _live_keys(session, now)
    pending = [row for row in live if row.activated_at > now]
    if pending or current.activated_at > now - ROTATE_AFTER:
        return None
    return await rotate_signing_key(session, secret=secret, now=now)


def _decrypts(secret: str, row: SigningKey) -> bool:
    try:
        decrypt_private_key(secret, row.kid, row.private_key)
    except KeyDecryptionError:
        return False
    return True


@dataclass(frozen=True)
class LoadedKey:
    """A key as a replica holds it: the row's times, its public key, its private key if ours."""

    kid: str
    algorithm: str
    activated_at: dt.datetime
    retired_at: dt.datetime | None
    public: OKPKey
    jwk: dict[str, Any]
    private: OKPKey | None  # None: cannot be decrypted with this replica's secret

    @classmethod
    def from_row(cls, row: SigningKey, secret: str) -> LoadedKey:
        private = None
        try:
            private = OKPKey.import_key(decrypt_private_key(secret, row.kid, row.private_key))
        except KeyDecryptionError:
            log.warning("signing key %s does not decrypt with LASKUTIN_SECRET_KEY", row.kid)
        return cls(
            kid=row.kid,
            algorithm=row.algorithm,
            activated_at=row.activated_at,
            retired_at=row.retired_at,
            public=OKPKey.import_key(row.public_jwk),
            jwk=public_jwk(row),
            private=private,
        )

    @functools.cached_property
    def _row(self) -> SigningKey:
        return SigningKey(kid=self.kid, activated_at=self.activated_at, retired_at=self.retired_at)

    def as_row(self) -> SigningKey:
        """The times as a row, for :func:`can_sign` and :func:`can_verify` (made once: every
        request's token check asks for it; read it, do not change it)."""
        return self._row


class KeyRing:
    """One replica's view of the signing keys: read from PostgreSQL, kept ``CACHE_SECONDS``.

    Reads and the first key's creation run in transactions of their own, never in a request's:
    a key must exist (committed) before a token it signs leaves the process.
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession], secret: str) -> None:
        self._factory = factory
        self._secret = secret
        self._keys: dict[str, LoadedKey] = {}
        self._loaded_at: float | None = None
        self._generation = 0  # reads begun so far
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Forget the copy: the next use reads PostgreSQL."""
        self._loaded_at = None

    def _fresh(self, max_age: float) -> bool:
        return self._loaded_at is not None and time.monotonic() - self._loaded_at < max_age

    async def _load(self, *, unless_loaded_since: int | None = None) -> dict[str, LoadedKey]:
        """The keys, read again when the copy is older than ``CACHE_SECONDS`` or, with
        ``unless_loaded_since``, when no read has begun since that generation (so a burst of
        tokens with an unknown kid costs one read, not one each)."""
        if unless_loaded_since is None and self._fresh(CACHE_SECONDS):
            return self._keys
        async with self._lock:
            if unless_loaded_since is None:
                if self._fresh(CACHE_SECONDS):  # another task loaded them while we waited
                    return self._keys
            elif self._generation != unless_loaded_since:
                return self._keys
            self._generation += 1
            async with unit_of_work(self._factory) as session:
                rows = await _live_keys(session, clock.now())
                keys = {row.kid: self._loaded(row) for row in rows}
            self._keys, self._loaded_at = keys, time.monotonic()
            return keys

    def _loaded(self, row: SigningKey) -> LoadedKey:
        known = self._keys.get(row.kid)
        if known is not None and known.retired_at == row.retired_at:
            return known  # no need to decrypt again
        return LoadedKey.from_row(row, self._secret)

    async def signing_key(self) -> LoadedKey:
        """The key to sign with now; the first one is made when there is none."""
        now = clock.now()
        key = self._choose(await self._load(), now)
        if key is not None:
            return key
        async with unit_of_work(self._factory) as session:
            await ensure_signing_key(session, secret=self._secret)
        self.invalidate()
        key = self._choose(await self._load(), clock.now())
        if key is None:  # pragma: no cover - ensure_signing_key just made one
            raise RuntimeError("no signing key after creating one")
        return key

    def _choose(self, keys: dict[str, LoadedKey], now: dt.datetime) -> LoadedKey | None:
        ours = [key for key in keys.values() if key.private is not None]
        chosen = choose_signing_key([key.as_row() for key in ours], now)
        return None if chosen is None else keys[chosen.kid]

    async def verification_key(self, kid: str) -> LoadedKey | None:
        """The key named ``kid`` if it verifies now; an unknown kid reloads the keys once."""
        keys = await self._load()
        generation = self._generation
        if kid not in keys:
            keys = await self._load(unless_loaded_since=generation)
        key = keys.get(kid)
        if key is None or not can_verify(key.as_row(), clock.now()):
            return None
        return key

    async def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JSON Web Key Set: every published key's public parameters, newest first."""
        now = clock.now()
        keys = [key for key in (await self._load()).values() if can_verify(key.as_row(), now)]
        keys.sort(key=lambda key: (key.activated_at, key.kid), reverse=True)
        return {"keys": [dict(key.jwk) for key in keys]}
