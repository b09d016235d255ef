"""Use cases of sign-in with OpenID Connect (issue 8): start a flow, take the provider's answer,
trade the one-time code for tokens, and the signed-in user's linked identities.

The flow (authorization code with PKCE, OpenID Connect Core §3.1):

1. :func:`start` writes an ``oidc_flows`` row (the SHA-256 of ``state``, the ``nonce``, the PKCE
   ``code_verifier``, the intent, 10 minutes) and answers the provider's authorization URL.
2. The provider sends the browser to the callback; :func:`callback` takes the flow once (its own
   transaction, committed before anything else: a replayed ``state`` is refused whatever happens
   next), trades the code with the verifier, checks the ID token (nonce included), then signs in,
   links or signs up (another transaction) and answers where to send the browser: the web app
   with a one-time code (``#/oidc?code=``), or with a problem code (``oidc_error=``). No
   connection is held while the provider is asked.
3. :func:`exchange` trades the one-time code (60 seconds, once) for the token pair, or for the
   two-factor challenge that the password sign-in answers (laskutin.auth.two_factor).

Linking an external identity to an existing account by e-mail happens only when the provider
marks the address verified, the provider is one whose mark means that (not Microsoft's), and the
account's own address is verified (else someone who signed up with another person's address
and a password would receive that person's sign-in). Otherwise the person signs in with their
password and links the provider from the settings (intent ``link``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth import throttle, two_factor
from laskutin.auth.keys import KeyRing
from laskutin.auth.models import User
from laskutin.auth.passwords import email_lookup_key, normalise_email
from laskutin.auth.service import VERIFY_EMAIL, SecondFactorNeeded, request_email_token
from laskutin.auth.tokens import AccessClaims, NotAMember, TokenPair, issue_token_pair
from laskutin.companies.domain import Role
from laskutin.companies.models import Company, Membership
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.errors import Conflict, DomainError, NotFound, TooManyRequests, Unauthenticated
from laskutin.core.hashing import token_digest
from laskutin.core.i18n import DEFAULT_LANGUAGE, Language
from laskutin.core.ratelimit import RateLimit
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from laskutin.oidc import client
from laskutin.oidc.models import ExternalIdentity, OidcFlow, OidcLoginCode
from laskutin.oidc.providers import Provider, configured
from laskutin.oidc.schemas import IdentityList, IdentityRead, ProviderRead

log = logging.getLogger(__name__)

FLOW_LIFETIME: Final = dt.timedelta(minutes=10)
# Flows started per client address (each writes a row before anyone is signed in); an office
# behind one address signing in at the same time stays well under it.
STARTS_PER_ADDRESS: Final = RateLimit("oidc.start.address", 60, dt.timedelta(minutes=10))
CODE_LIFETIME: Final = dt.timedelta(seconds=60)
LOGIN: Final = "login"
LINK: Final = "link"


# --- errors ----------------------------------------------------------------------------------


class ProviderUnknown(NotFound):
    """No provider with that id is configured (404)."""

    code = "oidc-provider-unknown"


class TooManyStarts(TooManyRequests):
    """Too many sign-ins started from this client address (429 with Retry-After)."""

    code = "too-many-oidc-starts"


class StateInvalid(DomainError):
    """The provider's answer names no flow we started (a tampered or foreign ``state``)."""

    code = "oidc-state-invalid"


class StateExpired(StateInvalid):
    code = "oidc-state-expired"


class StateUsed(StateInvalid):
    """The provider's answer came a second time (a replayed ``state``)."""

    code = "oidc-state-used"


class Denied(DomainError):
    """The person cancelled at the provider, or the provider refused them."""

    code = "oidc-denied"


class EmailMissing(DomainError):
    """The provider gave no e-mail address: nothing to sign up or link with."""

    code = "oidc-email-missing"


class AccountExists(Conflict):
    """An account has the provider's address but it cannot be linked by itself (the address
    is not verified by the provider, or the account's own is not): sign in with the password
    and link the provider in the settings."""

    code = "oidc-account-exists"


class IdentityTaken(Conflict):
    """The external identity is linked to another account already."""

    code = "oidc-identity-taken"


class LoginCodeInvalid(DomainError):
    """An unknown one-time sign-in code (400)."""

    code = "oidc-code-invalid"


class LoginCodeExpired(LoginCodeInvalid):
    code = "oidc-code-expired"


class LoginCodeUsed(LoginCodeInvalid):
    code = "oidc-code-used"


class LastSignInMethod(Conflict):
    """Removing the identity would leave the account with no way to sign in (409)."""

    code = "oidc-last-sign-in-method"


# --- helpers ---------------------------------------------------------------------------------


def _hash(value: str) -> str:
    """Hex SHA-256: states and codes have 256 random bits, so no salt or stretching."""
    return token_digest(value)


def _provider(settings: Settings, provider_id: str) -> Provider:
    provider = configured(settings).get(provider_id)
    if provider is None:
        raise ProviderUnknown()
    return provider


def providers(settings: Settings) -> list[ProviderRead]:
    return [ProviderRead(id=p.id, name=p.name) for p in configured(settings).values()]


def _web(settings: Settings, route: str, **params: str) -> str:
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items())
    return f"{settings.public_url.rstrip('/')}/#/{route}" + (f"?{query}" if query else "")


# --- 1. start --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    authorization_url: str
    # The browser keeps it (sessionStorage) and sends it with the one-time code.
    browser_key: str


async def start(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    provider_id: str,
    intent: str,
    user_id: uuid.UUID | None,
    client_host: str,
) -> Started:
    """Begin a flow: the provider's authorization URL to send the browser to, and the browser
    key that the sign-in's one-time code will need. ``user_id`` is the signed-in user for
    ``link``. Discovery is read before a connection is taken."""
    provider = _provider(settings, provider_id)
    document = await client.metadata(provider)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters (RFC 7636 §4.1: 43 to 128)
    browser_key = secrets.token_urlsafe(32)
    now = clock.now()
    async with unit_of_work(factory) as session:
        decision = await STARTS_PER_ADDRESS.take(session, throttle.address_key(client_host))
        if not decision.allowed:
            raise TooManyStarts(retry_after_seconds=decision.retry_after_seconds)
        session.add(
            OidcFlow(
                state_hash=_hash(state),
                provider=provider.id,
                nonce=nonce,
                code_verifier=verifier,
                browser_hash=_hash(browser_key),
                intent=intent,
                user_id=user_id if intent == LINK else None,
                created_at=now,
                expires_at=now + FLOW_LIFETIME,
            )
        )
    url = client.authorization_url(
        document,
        provider,
        redirect_uri=settings.oidc_effective_callback_url,
        state=state,
        nonce=nonce,
        code_verifier=verifier,
    )
    return Started(authorization_url=url, browser_key=browser_key)


# --- 2. the provider's answer ----------------------------------------------------------------


@dataclass(frozen=True)
class _TakenFlow:
    provider: str
    nonce: str
    code_verifier: str
    browser_hash: str
    intent: str
    user_id: uuid.UUID | None


async def _take_flow(session: AsyncSession, state: str) -> _TakenFlow:
    row = await session.scalar(
        select(OidcFlow)
        .where(OidcFlow.state_hash == _hash(state))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise StateInvalid()
    if row.used_at is not None:
        raise StateUsed()
    now = clock.now()
    if row.expires_at <= now:
        raise StateExpired()
    row.used_at = now
    await session.flush()
    return _TakenFlow(
        row.provider, row.nonce, row.code_verifier, row.browser_hash, row.intent, row.user_id
    )


async def callback(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    state: str | None,
    code: str | None,
    error: str | None,
    issuer: str | None,
    language: Language = DEFAULT_LANGUAGE,
) -> str:
    """Take the provider's answer; where to send the browser (never raises a domain error: the
    web app shows the problem code it gets)."""
    if not state:
        return _web(settings, "login", oidc_error=StateInvalid.code)
    try:
        async with unit_of_work(factory) as session:
            flow = await _take_flow(session, state)
    except StateInvalid as exc:
        log.info("OpenID callback refused: %s", exc.code)
        return _web(settings, "login", oidc_error=exc.code)
    failure_route = "settings" if flow.intent == LINK else "login"
    try:
        if error:
            log.info("OpenID provider %s answered error %r", flow.provider, error[:60])
            raise Denied()
        if not code:
            raise client.ProviderRefused()
        provider = _provider(settings, flow.provider)
        document = await client.metadata(provider)
        if issuer is not None and issuer not in provider.accepted_issuers(
            str(document["issuer"]), {"tid": _tenant_of(issuer)}
        ):
            # RFC 9207: an answer that another provider issued (a mix-up attack).
            raise StateInvalid()
        tokens = await client.exchange_code(
            document,
            provider,
            code=code,
            redirect_uri=settings.oidc_effective_callback_url,
            code_verifier=flow.code_verifier,
        )
        claims = await client.verify_id_token(
            document, provider, tokens["id_token"], nonce=flow.nonce
        )
        who = await client.identity(document, provider, tokens, claims)
        async with unit_of_work(factory) as session:
            if flow.intent == LINK:
                assert flow.user_id is not None
                await _link(session, provider, who, user_id=flow.user_id)
                return _web(settings, "settings", oidc_linked=provider.id)
            user_id = await _sign_in_or_up(session, provider, who, language=language)
            login_code = await _new_login_code(session, user_id, flow.browser_hash)
        return _web(settings, "oidc", code=login_code)
    except DomainError as exc:
        log.info("OpenID sign-in with %s refused: %s", flow.provider, exc.code)
        return _web(settings, failure_route, oidc_error=exc.code)


def _tenant_of(issuer: str) -> str | None:
    """Microsoft: the tenant id in an issuer https://login.microsoftonline.com/{tid}/v2.0."""
    parts = issuer.rstrip("/").split("/")
    return parts[-2] if len(parts) >= 2 else None


async def _identity_row(
    session: AsyncSession, provider: Provider, subject: str
) -> ExternalIdentity | None:
    return await session.scalar(
        select(ExternalIdentity)
        .where(ExternalIdentity.provider == provider.id, ExternalIdentity.subject == subject)
        .with_for_update()
    )


async def _add_identity(
    session: AsyncSession, provider: Provider, who: client.Identity, user_id: uuid.UUID
) -> None:
    inserted = await session.scalar(
        pg_insert(ExternalIdentity)
        .values(
            id=uuid.uuid4(),
            user_id=user_id,
            provider=provider.id,
            subject=who.subject,
            email=who.email,
            last_used_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["provider", "subject"])
        .returning(ExternalIdentity.id)
    )
    if inserted is None:  # linked by a racing request a moment ago
        raise IdentityTaken()


async def _link(
    session: AsyncSession, provider: Provider, who: client.Identity, *, user_id: uuid.UUID
) -> None:
    """Intent ``link``: the identity joins the signed-in user who started the flow."""
    existing = await _identity_row(session, provider, who.subject)
    if existing is not None:
        if existing.user_id != user_id:
            raise IdentityTaken()
        existing.email = who.email
        return
    if await session.get(User, user_id) is None:
        raise Unauthenticated()
    await _add_identity(session, provider, who, user_id)


async def _sign_in_or_up(
    session: AsyncSession, provider: Provider, who: client.Identity, *, language: Language
) -> uuid.UUID:
    """Intent ``login``: the user the identity signs in (linked before, linked now by a
    verified address, or signed up now)."""
    existing = await _identity_row(session, provider, who.subject)
    if existing is not None:
        existing.last_used_at = clock.now()
        await session.flush()
        return existing.user_id
    if who.email is None:
        raise EmailMissing()
    address = normalise_email(who.email)
    user = await session.scalar(
        select(User).where(func.lower(User.email) == email_lookup_key(address)).with_for_update()
    )
    if user is not None:
        if not who.email_verified or user.email_verified_at is None:
            raise AccountExists()
        await _add_identity(session, provider, who, user.id)
        return user.id
    return await _sign_up(session, provider, who, address, language=language)


async def _sign_up(
    session: AsyncSession,
    provider: Provider,
    who: client.Identity,
    address: str,
    *,
    language: Language,
) -> uuid.UUID:
    """A new user with no password and their first company (its details are asked by the web
    app's onboarding). An address the provider did not verify gets the verification mail, as
    at a sign-up with a password."""
    name = who.name or address.split("@", 1)[0]
    now = clock.now()
    user_id: uuid.UUID | None = await session.scalar(
        pg_insert(User)
        .values(
            id=uuid.uuid4(),
            email=address,
            name=name,
            password_hash=None,
            email_verified_at=now if who.email_verified else None,
        )
        .on_conflict_do_nothing(index_elements=[func.lower(User.email)])
        .returning(User.id)
    )
    if user_id is None:  # signed up by a racing request a moment ago
        raise AccountExists()
    company_id = uuid.uuid4()
    await act_as(session, company_id=company_id, user_id=user_id)
    session.add(Company(id=company_id, name=name))
    await session.flush()
    session.add(Membership(company_id=company_id, user_id=user_id, role=Role.OWNER))
    await session.flush()
    user = await session.get_one(User, user_id)
    user.last_company_id = company_id
    await session.flush()
    await _add_identity(session, provider, who, user_id)
    if not who.email_verified:
        await request_email_token(session, user_id=user_id, purpose=VERIFY_EMAIL, language=language)
    log.info("signed up a user through OpenID provider %s", provider.id)
    return user_id


async def _new_login_code(session: AsyncSession, user_id: uuid.UUID, browser_hash: str) -> str:
    code = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        OidcLoginCode(
            code_hash=_hash(code),
            browser_hash=browser_hash,
            user_id=user_id,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    await session.flush()
    return code


# --- 3. the one-time code --------------------------------------------------------------------


async def _company_to_sign_in_to(session: AsyncSession, user: User) -> uuid.UUID:
    """The last-used company if the user still belongs to it, else their newest membership
    (as the password sign-in chooses)."""
    await act_as(session, company_id=None, user_id=user.id)
    rows = await session.execute(
        select(Membership.company_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at.desc(), Membership.company_id)
    )
    companies = [company_id for (company_id,) in rows.all()]
    if user.last_company_id in companies:
        assert user.last_company_id is not None
        return user.last_company_id
    if not companies:
        raise NotAMember()
    return companies[0]


async def exchange(
    session: AsyncSession, keyring: KeyRing, *, code: str, browser_key: str, issuer: str
) -> TokenPair | SecondFactorNeeded:
    """Trade the one-time code for the token pair, or the two-factor challenge of a user with
    a second factor (finish it at POST /api/v1/auth/login/two-factor). The browser key must be
    the flow's: a code that reached another browser (one an attacker got for their own account
    and slipped to someone) is :class:`LoginCodeInvalid`."""
    row = await session.scalar(
        select(OidcLoginCode)
        .where(OidcLoginCode.code_hash == _hash(code))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise LoginCodeInvalid()
    if row.used_at is not None:
        raise LoginCodeUsed()
    now = clock.now()
    if row.expires_at <= now:
        raise LoginCodeExpired()
    if not hmac.compare_digest(row.browser_hash, _hash(browser_key)):
        raise LoginCodeInvalid()
    row.used_at = now
    await session.flush()
    user = await session.get(User, row.user_id, with_for_update=True)
    if user is None:
        raise LoginCodeInvalid()
    company_id = await _company_to_sign_in_to(session, user)
    user.last_company_id = company_id
    await session.flush()
    if await two_factor.is_enabled(session, user.id):
        # The sign-in continues to the user's last_company_id (set above).
        challenge = await two_factor.create_challenge(session, user_id=user.id)
        return SecondFactorNeeded(challenge=challenge)
    return await issue_token_pair(
        session, keyring, issuer=issuer, user_id=user.id, company_id=company_id
    )


# --- the signed-in user's identities ---------------------------------------------------------


async def identities(
    session: AsyncSession, settings: Settings, *, claims: AccessClaims
) -> IdentityList:
    user = await session.get(User, claims.user_id)
    if user is None:
        raise Unauthenticated()
    names = {p.id: p.name for p in configured(settings).values()}
    rows = await session.scalars(
        select(ExternalIdentity)
        .where(ExternalIdentity.user_id == claims.user_id)
        .order_by(ExternalIdentity.created_at, ExternalIdentity.id)
    )
    return IdentityList(
        items=[
            IdentityRead(
                id=row.id,
                provider=row.provider,
                provider_name=names.get(row.provider, row.provider),
                email=row.email,
                created_at=row.created_at,
                last_used_at=row.last_used_at,
            )
            for row in rows
        ],
        has_password=user.password_hash is not None,
    )


async def remove_identity(
    session: AsyncSession, *, claims: AccessClaims, identity_id: uuid.UUID
) -> None:
    """Unlink one of the user's identities; another user's (or none) is :class:`NotFound`.
    The last way to sign in of a user with no password stays (:class:`LastSignInMethod`)."""
    user = await session.get(User, claims.user_id, with_for_update=True)
    if user is None:
        raise Unauthenticated()
    row = await session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.id == identity_id, ExternalIdentity.user_id == user.id
        )
    )
    if row is None:
        raise NotFound()
    if user.password_hash is None:
        count = await session.scalar(
            select(func.count()).where(ExternalIdentity.user_id == user.id)
        )
        if (count or 0) <= 1:
            raise LastSignInMethod()
    await session.delete(row)
    await session.flush()
