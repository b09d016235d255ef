"""Access tokens (short-lived signed JWTs) and refresh tokens (rotating, stored hashed).

Access token: a JWT signed with the current signing key (auth/keys.py), header
``{"alg": "Ed25519", "kid": ..., "typ": "at+jwt"}``, claims ``iss``, ``sub`` (user id), ``cid``
(active company id), ``role``, ``iat``, ``exp`` (at most 15 minutes later), ``jti`` and
``typ: "access"``. Any replica verifies it with the public key alone; nothing is looked up per
request. So removing a member takes effect at once for new tokens (issuing checks the
membership, and so does every refresh) and within the access-token lifetime for issued ones.

Refresh token: 256 random bits (43 characters base64url), given to the client once; PostgreSQL
keeps only its SHA-256. Every use rotates it: the used token is marked used and a new one of the
same family replaces it. A used token presented again means it was copied: the whole family is
revoked, the newest token too (no grace window; the web app serialises refreshes across tabs).
The row is locked (``SELECT ... FOR UPDATE``), so two replicas refreshing the same token at the
same moment cannot both succeed: the second sees it used and revokes the family.

A reuse must revoke the family AND refuse the request. :func:`refresh` therefore runs in a
transaction of its own that commits the revocation before raising; a route calls it rather
than :func:`rotate_refresh_token`, whose revocation a request's rollback would undo.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import ExpiredTokenError, JoseError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth.keys import ACCESS_TOKEN_MAX_LIFETIME, ALGORITHM, CLOCK_LEEWAY, KeyRing
from laskutin.auth.models import RefreshToken
from laskutin.companies.domain import Role
from laskutin.companies.models import Membership
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.errors import Unauthenticated
from laskutin.core.hashing import token_digest
from laskutin.core.tenancy import act_as

ACCESS_TOKEN_LIFETIME = ACCESS_TOKEN_MAX_LIFETIME
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=30)
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
JWT_HEADER_TYPE = "at+jwt"  # RFC 9068
TOKEN_TYPE = "Bearer"  # noqa: S105 - the OAuth token_type
_REFRESH_TOKEN_BYTES = 32  # 256 bits


class TokenError(Unauthenticated):
    """A token that does not authenticate (the API answers 401 problem+json)."""

    code = "invalid-token"


class InvalidAccessToken(TokenError):
    """Malformed, tampered with, signed by an unknown key, another issuer or another type."""

    code = "invalid-token"


class AccessTokenExpired(InvalidAccessToken):
    code = "token-expired"


class InvalidRefreshToken(TokenError):
    """Unknown refresh token."""

    code = "invalid-refresh-token"


class RefreshTokenExpired(InvalidRefreshToken):
    code = "refresh-token-expired"


class RefreshTokenRevoked(InvalidRefreshToken):
    """Its family was revoked: sign-out, or a reuse detected earlier."""

    code = "refresh-token-revoked"


class RefreshTokenReused(RefreshTokenRevoked):
    """A used refresh token came back: the whole family has just been revoked."""

    code = "refresh-token-reused"


class NotAMember(TokenError):
    """The user is not (or no longer) a member of the company the token would name."""

    code = "not-a-member"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    company_id: uuid.UUID
    role: Role
    issued_at: dt.datetime
    expires_at: dt.datetime
    jti: str
    kid: str
    # Set when the request carries an API key (laskutin.apikeys): it acts as the key's maker,
    # within the key's scopes.
    api_key_id: uuid.UUID | None = None
    scopes: frozenset[str] | None = None


@dataclass(frozen=True)
class AccessToken:
    token: str
    claims: AccessClaims

    @property
    def expires_in(self) -> int:
        return int((self.claims.expires_at - self.claims.issued_at).total_seconds())


@dataclass(frozen=True)
class TokenPair:
    """What sign-in and refresh answer (the API's ``access_token``, ``refresh_token``, ...)."""

    access_token: str
    refresh_token: str
    expires_in: int
    claims: AccessClaims
    family_id: uuid.UUID
    token_type: str = TOKEN_TYPE


def hash_refresh_token(token: str) -> str:
    return token_digest(token)


def _timestamp(instant: dt.datetime) -> int:
    return int(instant.timestamp())


def _instant(value: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC)


# --- access tokens -------------------------------------------------------------------------


async def issue_access_token(
    keyring: KeyRing,
    *,
    issuer: str,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
    role: Role,
    lifetime: dt.timedelta = ACCESS_TOKEN_LIFETIME,
) -> AccessToken:
    """Sign an access token with the current key. The caller has checked the membership
    (:func:`issue_token_pair` and :func:`rotate_refresh_token` do)."""
    if not dt.timedelta(0) < lifetime <= ACCESS_TOKEN_MAX_LIFETIME:
        raise ValueError(f"an access token lives at most {ACCESS_TOKEN_MAX_LIFETIME}")
    key = await keyring.signing_key()
    assert key.private is not None  # signing_key() only answers keys it can decrypt
    iat = _timestamp(clock.now())
    exp = iat + int(lifetime.total_seconds())
    jti = secrets.token_urlsafe(16)
    claims = {
        "iss": issuer,
        "sub": str(user_id),
        "cid": str(company_id),
        "role": role.value,
        "iat": iat,
        "exp": exp,
        "jti": jti,
        "typ": ACCESS_TOKEN_TYPE,
    }
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": JWT_HEADER_TYPE}
    token = jwt.encode(header, claims, key.private, algorithms=[ALGORITHM])
    return AccessToken(
        token,
        AccessClaims(user_id, company_id, role, _instant(iat), _instant(exp), jti, key.kid),
    )


async def verify_access_token(keyring: KeyRing, token: str, *, issuer: str) -> AccessClaims:
    """The claims of a valid access token; :class:`InvalidAccessToken` (or
    :class:`AccessTokenExpired`) otherwise. Checks the signature by the key the token names,
    the algorithm, ``typ`` (header and claim), ``iss``, ``exp``, ``iat`` and the lifetime.

    A token verified before by this process is not parsed and its signature not checked
    again (every request of a client presents the same token for 15 minutes); what can change
    since is: the key it names must still verify now, and its ``exp`` and ``iat`` are checked
    against the clock as on the first time."""
    verified = _VERIFIED.get((token, issuer))
    if verified is not None:
        claims_seen, key_seen = verified
        key = await keyring.verification_key(claims_seen.kid)
        if key is None:
            raise InvalidAccessToken()
        if key.public is key_seen:  # else the keys were reloaded: verify again
            now = _timestamp(clock.now())
            leeway = int(CLOCK_LEEWAY.total_seconds())
            if _timestamp(claims_seen.expires_at) <= now - leeway:
                raise AccessTokenExpired()
            if _timestamp(claims_seen.issued_at) > now + leeway:
                raise InvalidAccessToken()
            return claims_seen
    claims = await _verify_access_token(keyring, token, issuer=issuer)
    key = await keyring.verification_key(claims.kid)
    if key is not None:
        if len(_VERIFIED) >= _VERIFIED_KEPT:
            _VERIFIED.clear()
        _VERIFIED[token, issuer] = (claims, key.public)
    return claims


# Tokens this process verified, by (token, issuer): their claims and the key that verified.
_VERIFIED: dict[tuple[str, str], tuple[AccessClaims, Any]] = {}
_VERIFIED_KEPT = 4096


async def _verify_access_token(keyring: KeyRing, token: str, *, issuer: str) -> AccessClaims:
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, TypeError, KeyError):
        raise InvalidAccessToken() from None
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or header.get("typ") != JWT_HEADER_TYPE:
        raise InvalidAccessToken()
    if not isinstance(kid, str) or not kid:
        raise InvalidAccessToken()
    key = await keyring.verification_key(kid)
    if key is None:
        raise InvalidAccessToken()
    try:
        claims = jwt.decode(token, key.public, algorithms=[ALGORITHM]).claims
        now = _timestamp(clock.now())
        leeway = int(CLOCK_LEEWAY.total_seconds())
        jwt.JWTClaimsRegistry(
            now=now,
            leeway=leeway,
            iss={"essential": True, "value": issuer},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            typ={"essential": True, "value": ACCESS_TOKEN_TYPE},
            cid={"essential": True},
            role={"essential": True},
        ).validate(claims)
    except ExpiredTokenError:
        raise AccessTokenExpired() from None
    except (JoseError, ValueError, TypeError):
        raise InvalidAccessToken() from None
    try:
        iat, exp = claims["iat"], claims["exp"]
        if not isinstance(iat, int) or not isinstance(exp, int):
            raise InvalidAccessToken()
        if iat > now + leeway or exp - iat > int(ACCESS_TOKEN_MAX_LIFETIME.total_seconds()):
            raise InvalidAccessToken()
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            company_id=uuid.UUID(claims["cid"]),
            role=Role(claims["role"]),
            issued_at=_instant(iat),
            expires_at=_instant(exp),
            jti=str(claims["jti"]),
            kid=kid,
        )
    except (ValueError, TypeError, AttributeError):
        raise InvalidAccessToken() from None


# --- membership ----------------------------------------------------------------------------


async def membership_role(
    session: AsyncSession, *, user_id: uuid.UUID, company_id: uuid.UUID
) -> Role:
    """The user's role in the company, or :class:`NotAMember`.

    Makes the company and the user the tenant of the session's transaction (``act_as``): the
    token being issued will act as exactly them.
    """
    await act_as(session, company_id=company_id, user_id=user_id)
    role = await session.scalar(
        select(Membership.role).where(
            Membership.company_id == company_id, Membership.user_id == user_id
        )
    )
    if role is None:
        raise NotAMember()
    return role


# --- refresh tokens ------------------------------------------------------------------------


async def issue_refresh_token(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
    family_id: uuid.UUID | None = None,
) -> tuple[str, RefreshToken]:
    """A new refresh token (the plain value, given out once) and its row, added to the session.

    No ``family_id``: a new family (a sign-in)."""
    token = secrets.token_urlsafe(_REFRESH_TOKEN_BYTES)
    now = clock.now()
    row = RefreshToken(
        id=uuid.uuid4(),
        family_id=family_id or uuid.uuid4(),
        user_id=user_id,
        company_id=company_id,
        token_hash=hash_refresh_token(token),
        created_at=now,
        expires_at=now + REFRESH_TOKEN_LIFETIME,
    )
    session.add(row)
    await session.flush()
    return token, row


async def issue_token_pair(
    session: AsyncSession,
    keyring: KeyRing,
    *,
    issuer: str,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
) -> TokenPair:
    """Sign-in (or switching company): a new family, checked against the membership."""
    role = await membership_role(session, user_id=user_id, company_id=company_id)
    refresh_token, row = await issue_refresh_token(session, user_id=user_id, company_id=company_id)
    access = await issue_access_token(
        keyring, issuer=issuer, user_id=user_id, company_id=company_id, role=role
    )
    return TokenPair(access.token, refresh_token, access.expires_in, access.claims, row.family_id)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> int:
    """Revoke every token of the family not revoked yet (sign-out, reuse); how many."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_refresh_token(session: AsyncSession, token: str) -> bool:
    """Sign-out with a refresh token: its whole family is revoked. False for an unknown token
    (sign-out answers the same either way)."""
    family_id = await session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == hash_refresh_token(token))
    )
    if family_id is None:
        return False
    await revoke_family(session, family_id)
    return True


async def rotate_refresh_token(
    session: AsyncSession, keyring: KeyRing, token: str, *, issuer: str
) -> TokenPair:
    """Trade a refresh token for a new pair of the same family.

    Refuses an unknown (:class:`InvalidRefreshToken`), expired or revoked token; a used one
    revokes its family first and raises :class:`RefreshTokenReused` -- that revocation is in
    the session's transaction and must be committed (use :func:`refresh`). The membership is
    checked again, so a removed member gets no new token.
    """
    row = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_refresh_token(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise InvalidRefreshToken()
    now = clock.now()
    if row.revoked_at is not None:
        raise RefreshTokenRevoked()
    if row.used_at is not None:
        await revoke_family(session, row.family_id)
        raise RefreshTokenReused()
    if row.expires_at <= now:
        raise RefreshTokenExpired()
    role = await membership_role(session, user_id=row.user_id, company_id=row.company_id)
    new_token, new_row = await issue_refresh_token(
        session, user_id=row.user_id, company_id=row.company_id, family_id=row.family_id
    )
    row.used_at = now
    row.replaced_by = new_row.id
    await session.flush()
    access = await issue_access_token(
        keyring, issuer=issuer, user_id=row.user_id, company_id=row.company_id, role=role
    )
    return TokenPair(access.token, new_token, access.expires_in, access.claims, row.family_id)


async def refresh(
    factory: async_sessionmaker[AsyncSession], keyring: KeyRing, token: str, *, issuer: str
) -> TokenPair:
    """:func:`rotate_refresh_token` in a transaction of its own: a detected reuse is committed
    (the family stays revoked) before the error reaches the caller."""
    reused: RefreshTokenReused | None = None
    async with unit_of_work(factory) as session:
        try:
            return await rotate_refresh_token(session, keyring, token, issuer=issuer)
        except RefreshTokenReused as exc:
            reused = exc  # leave the block normally: the revocation commits
    if reused is None:  # pragma: no cover - the block either returned or caught a reuse
        raise RuntimeError("refresh ended without an answer")
    raise reused
