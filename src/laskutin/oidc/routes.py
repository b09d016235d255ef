"""Routes of sign-in with OpenID Connect: the providers, starting a flow, the provider's
callback, trading the one-time code (``oidc_router``, under /api/v1/auth/oidc), and the
signed-in user's linked identities (``identities_router``, under /api/v1/me/identities).
Included under /api/v1 by api/router.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from laskutin.api.deps import CurrentUser, KeyRingDep, SessionDep, SettingsDep, TenantSession
from laskutin.api.problem import problem_response as _problem
from laskutin.auth.schemas import TokenResponse, TwoFactorChallenge
from laskutin.auth.service import SecondFactorNeeded
from laskutin.auth.tokens import AccessClaims, verify_access_token
from laskutin.core.errors import Unauthenticated
from laskutin.core.i18n import negotiate_language
from laskutin.oidc import service
from laskutin.oidc.schemas import (
    IdentityList,
    OidcExchange,
    OidcRedirect,
    OidcStart,
    ProviderList,
)

Responses = dict[int | str, dict[str, Any]]
_401: Responses = {401: _problem("No valid access token")}

oidc_router = APIRouter(prefix="/auth/oidc", tags=["auth"])
identities_router = APIRouter(prefix="/me/identities", tags=["me"])

_optional_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="For intent link only: the account the provider joins.",
)


async def _optional_user(
    settings: SettingsDep,
    keyring: KeyRingDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
) -> AccessClaims | None:
    if credentials is None:
        return None
    if not credentials.credentials:
        raise Unauthenticated()
    return await verify_access_token(keyring, credentials.credentials, issuer=settings.jwt_issuer)


@oidc_router.get(
    "/providers",
    operation_id="oidc-providers-list",
    summary="The OpenID providers one can sign in with",
)
async def list_providers(settings: SettingsDep) -> ProviderList:
    """In the order of the installation's setting (LASKUTIN_OIDC_PROVIDERS); none when none
    is configured."""
    return ProviderList(items=service.providers(settings))


@oidc_router.post(
    "/{provider}/start",
    operation_id="oidc-start",
    summary="Start signing in (or linking) with an OpenID provider: where to send the browser",
    responses={
        401: _problem("Intent link without a valid access token"),
        404: _problem("No such provider (oidc-provider-unknown)"),
        429: _problem(
            "Too many sign-ins started from this address (too-many-oidc-starts); wait",
            {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        ),
        503: _problem("The provider's discovery document cannot be read"),
    },
)
async def start(
    provider: str,
    request: Request,
    settings: SettingsDep,
    claims: Annotated[AccessClaims | None, Depends(_optional_user)],
    body: OidcStart | None = None,
) -> OidcRedirect:
    """Send the browser to ``authorization_url``; the provider sends it back to GET
    /api/v1/auth/oidc/callback, which ends at the web app. The trip must end within 10
    minutes and works once. Intent ``link`` needs the signed-in user's Bearer token. At most
    60 starts per client address in 10 minutes: then 429 with Retry-After."""
    intent = body.intent if body is not None else service.LOGIN
    if intent == service.LINK and claims is None:
        raise Unauthenticated()
    started = await service.start(
        request.app.state.session_factory,
        settings,
        provider_id=provider,
        intent=intent,
        user_id=claims.user_id if claims is not None else None,
        # The peer as the server sees it (behind a load balancer: its proxy-headers setting).
        client_host=request.client.host if request.client is not None else "unknown",
    )
    return OidcRedirect(
        authorization_url=started.authorization_url, browser_key=started.browser_key
    )


@oidc_router.get(
    "/callback",
    operation_id="oidc-callback",
    status_code=303,
    summary="Where the provider sends the browser back (not for API clients)",
    response_class=RedirectResponse,
    responses={
        303: {
            "description": "To the web app: {public_url}/#/oidc?code=<one-time code> after a "
            "sign-in, #/settings?oidc_linked=<provider> after a link, or #/login (#/settings "
            "for a link) with ?oidc_error=<problem code>",
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    },
)
async def callback(
    request: Request,
    settings: SettingsDep,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    iss: Annotated[str | None, Query(max_length=500)] = None,
) -> RedirectResponse:
    """Always a redirect, never tokens in a URL: the web app trades the one-time code (60
    seconds, once) at POST /api/v1/auth/oidc/exchange. Problem codes: oidc-state-invalid,
    oidc-state-expired, oidc-state-used, oidc-denied, oidc-provider-refused,
    oidc-provider-unavailable, oidc-id-token-invalid, oidc-email-missing, oidc-account-exists
    (sign in with the password and link the provider in the settings), oidc-identity-taken."""
    location = await service.callback(
        request.app.state.session_factory,
        settings,
        state=state,
        code=code,
        error=error,
        issuer=iss,
        language=negotiate_language(request.headers.get("accept-language")),
    )
    return RedirectResponse(
        location,
        status_code=303,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@oidc_router.post(
    "/exchange",
    operation_id="oidc-exchange",
    summary="Trade the callback's one-time code for a token pair (or a two-factor challenge)",
    responses={
        400: _problem(
            "The code is unknown (oidc-code-invalid), expired (oidc-code-expired) or used "
            "already (oidc-code-used)"
        ),
    },
)
async def exchange(
    body: OidcExchange, session: SessionDep, keyring: KeyRingDep, settings: SettingsDep
) -> TokenResponse | TwoFactorChallenge:
    """``browser_key`` is the one start gave the browser that began the sign-in: a code
    that reached another browser is refused (oidc-code-invalid). A user with two-factor
    sign-in gets the challenge that the password sign-in answers
    (``two_factor_required``): finish it at POST /api/v1/auth/login/two-factor."""
    outcome = await service.exchange(
        session, keyring, code=body.code, browser_key=body.browser_key, issuer=settings.jwt_issuer
    )
    if isinstance(outcome, SecondFactorNeeded):
        return TwoFactorChallenge(challenge=outcome.challenge, expires_in=outcome.expires_in)
    return TokenResponse(
        access_token=outcome.access_token,
        refresh_token=outcome.refresh_token,
        expires_in=outcome.expires_in,
    )


@identities_router.get(
    "",
    operation_id="me-identities-list",
    summary="Your linked sign-in providers",
    responses=_401,
)
async def list_identities(
    claims: CurrentUser, session: TenantSession, settings: SettingsDep
) -> IdentityList:
    """Link another with POST /api/v1/auth/oidc/{provider}/start, intent ``link``."""
    return await service.identities(session, settings, claims=claims)


@identities_router.delete(
    "/{identity_id}",
    operation_id="me-identities-delete",
    status_code=204,
    summary="Unlink a sign-in provider",
    responses={
        **_401,
        404: _problem("No such identity of yours"),
        409: _problem("Your last way to sign in: set a password first (oidc-last-sign-in-method)"),
    },
)
async def delete_identity(
    identity_id: uuid.UUID, claims: CurrentUser, session: TenantSession
) -> Response:
    await service.remove_identity(session, claims=claims, identity_id=identity_id)
    return Response(status_code=204)
