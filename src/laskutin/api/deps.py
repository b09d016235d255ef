"""Typed dependencies for routes.

- ``SessionDep``: the request's unit of work, with no tenant (sign-up, sign-out).
- ``CurrentUser``: the claims of the request's access token (``Authorization: Bearer <jwt>``),
  verified with the replica's key ring, or an API key (laskutin.apikeys); a missing or invalid
  token answers 401 problem+json with ``WWW-Authenticate: Bearer``.
- ``CurrentPerson``: the same, refusing API keys (403): a user's own resources.
- ``TenantSession``: the request's unit of work acting for the token's company and user
  (:func:`laskutin.core.tenancy.act_as` first, by :func:`laskutin.companies.service.act_as_member`,
  which reads the acting member in the same statement), so row-level security holds for every
  statement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.apikeys import service as apikeys
from laskutin.auth.keys import KeyRing
from laskutin.auth.tokens import AccessClaims, verify_access_token
from laskutin.companies import service as companies
from laskutin.core.db import unit_of_work
from laskutin.core.errors import Unauthenticated
from laskutin.core.settings import Settings


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    settings: Settings = request.app.state.settings
    bound = settings.db_connect_timeout_seconds + settings.db_pool_timeout_seconds
    async with unit_of_work(request.app.state.session_factory, acquire_timeout=bound) as session:
        yield session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _keyring(request: Request) -> KeyRing:
    keyring: KeyRing = request.app.state.keyring
    return keyring


# auto_error=False: a missing or non-Bearer header is ours to answer (401 problem+json); the
# scheme still documents the operation's security in OpenAPI.
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token from POST /api/v1/auth/login or /api/v1/auth/refresh, or an "
    "API key (lsk_...) made at POST /api/v1/api-keys.",
)


_CLAIMS = "laskutin.claims"  # the request scope's key of the verified claims


async def _authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> AccessClaims:
    """The request's claims, verified once per request (remembered in its scope)."""
    claims: AccessClaims | None = request.scope.get(_CLAIMS)
    if claims is not None:
        return claims
    if credentials is None or not credentials.credentials:
        raise Unauthenticated()
    if apikeys.is_api_key(credentials.credentials):
        claims = await apikeys.authenticate(
            request.app.state.session_factory, credentials.credentials
        )
    else:
        settings: Settings = request.app.state.settings
        claims = await verify_access_token(
            _keyring(request), credentials.credentials, issuer=settings.jwt_issuer
        )
    request.scope[_CLAIMS] = claims
    return claims


def request_claims(request: Request) -> AccessClaims:
    """The claims that :data:`TenantSession` (or :data:`CurrentUser`) verified for this
    request: for dependencies that take the session, so that they need no ``CurrentUser``
    of their own."""
    claims: AccessClaims = request.scope[_CLAIMS]
    return claims


async def _current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    return await _authenticated(request, credentials)


async def _current_person(claims: Annotated[AccessClaims, Depends(_current_user)]) -> AccessClaims:
    """A user's own sign-in, not an API key (the user's own resources: /me and the like)."""
    if claims.api_key_id is not None:
        raise apikeys.NotWithApiKey()
    return claims


async def _tenant_session(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AsyncIterator[AsyncSession]:
    # The token is checked here rather than through CurrentUser: FastAPI solves every
    # dependency's sub-dependencies again for each parameter that names it, even when cached,
    # and the tenant session is named up to three times per request (route, Member,
    # Idempotency): about 0.2 ms per request (bench/README.md, invoicing).
    claims = await _authenticated(request, credentials)
    settings: Settings = request.app.state.settings
    bound = settings.db_connect_timeout_seconds + settings.db_pool_timeout_seconds
    async with unit_of_work(request.app.state.session_factory, acquire_timeout=bound) as session:
        # act_as, and the acting member read in the same round trip (api.authz.Member).
        await companies.act_as_member(session, claims=claims)
        yield session


# scope="function": the transaction commits before the response is sent, so a failed commit
# answers an error instead of a 200 for work that was never saved.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(_settings)]
KeyRingDep = Annotated[KeyRing, Depends(_keyring)]
CurrentUser = Annotated[AccessClaims, Depends(_current_user)]
# For the user's own resources: an API key answers 403 (not-with-api-key).
CurrentPerson = Annotated[AccessClaims, Depends(_current_person)]
TenantSession = Annotated[AsyncSession, Depends(_tenant_session, scope="function")]
