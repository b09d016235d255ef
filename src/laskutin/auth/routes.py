"""Routes of accounts and sessions: the JSON Web Key Set (outside /api/v1), and sign-up,
sign-in, refresh, sign-out, me and switching company (``auth_router`` and ``me_router``,
included under /api/v1 by api/router.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from laskutin.api.deps import CurrentPerson, KeyRingDep, SessionDep, SettingsDep, TenantSession
from laskutin.api.problem import problem_response as _problem
from laskutin.auth import service
from laskutin.auth.keys import KeyRing
from laskutin.auth.schemas import (
    LoginRequest,
    LogoutRequest,
    MailAccepted,
    MeRead,
    PasswordChangeRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    SignupAccepted,
    SignupRequest,
    SwitchCompanyRequest,
    TokenResponse,
    TwoFactorChallenge,
    VerifyEmailRequest,
)
from laskutin.auth.tokens import TokenPair
from laskutin.core.i18n import Language, negotiate_language

well_known_router = APIRouter(tags=["auth"])

# Verifiers may keep the key set this long; a new key is published PUBLISH_LEAD (10 minutes)
# before it signs, so a cached copy always knows every key that signs (auth/keys.py).
JWKS_MAX_AGE_SECONDS = 300


class JsonWebKey(BaseModel):
    """A public key that verifies access tokens (RFC 7517, RFC 8037)."""

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    x: str = Field(description="The public key, base64url")
    kid: str = Field(description="Key id: the JWT header's kid names it (RFC 7638 thumbprint)")
    alg: str = Field(examples=["Ed25519"])
    use: str = Field(examples=["sig"])


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]


@well_known_router.get(
    "/.well-known/jwks.json",
    operation_id="jwks-get",
    response_model=JsonWebKeySet,
    summary="Public keys that verify access tokens",
)
async def jwks(request: Request) -> JSONResponse:
    """Every key that signs or may still verify an access token, newest first; public
    parameters only. Cacheable for 5 minutes: a new key appears here 10 minutes before it
    signs, and an old one stays until every token it signed has expired."""
    keyring: KeyRing = request.app.state.keyring
    await keyring.signing_key()  # a fresh installation publishes its first key at once
    return JSONResponse(
        await keyring.jwks(),
        headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"},
    )


# --- /api/v1/auth and /api/v1/me ---------------------------------------------------------------

auth_router = APIRouter(prefix="/auth", tags=["auth"])
me_router = APIRouter(prefix="/me", tags=["me"])

_BEARER_CHALLENGE = {"WWW-Authenticate": {"schema": {"type": "string"}}}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}


def _tokens(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )


def _language(request: Request) -> Language:
    """The language of mails a request causes: the caller's Accept-Language (fi by default)."""
    return negotiate_language(request.headers.get("accept-language"))


def _client_host(request: Request) -> str:
    # The peer address as the server sees it; behind a load balancer, run the server with
    # its proxy-headers setting for the balancer's address so that this is the real client.
    return request.client.host if request.client is not None else "unknown"


@auth_router.post(
    "/signup",
    operation_id="auth-signup",
    status_code=201,
    summary="Sign up: a user, their first company, and ownership of it",
    responses={
        429: _problem("Too many sign-ups from this address (too-many-signups); wait", _RETRY_AFTER),
    },
)
async def signup(body: SignupRequest, request: Request, session: SessionDep) -> SignupAccepted:
    """Creates the user, the company and the owner membership at once; bad input creates
    nothing and answers 422 naming the field. The answer is the same whether or not the e-mail
    was already registered (nothing is created then). Sign in with POST /api/v1/auth/login.
    A verification mail follows (in the Accept-Language); the owner of an address that was
    already registered gets a mail saying someone tried to sign up with it (at most 3 a day;
    then none, with the same answer). At most 20 sign-ups per client address per hour: then
    429 with Retry-After."""
    result = await service.signup(
        session,
        email=body.email,
        password=body.password,
        name=body.name,
        company_name=body.company_name,
        language=_language(request),
        client_host=_client_host(request),
    )
    return SignupAccepted(email=result.email)


@auth_router.post(
    "/login",
    operation_id="auth-login",
    summary="Sign in: a token pair for the only or last-used company",
    responses={
        401: _problem("Wrong e-mail or password (the same answer for both)", _BEARER_CHALLENGE),
        423: _problem("Too many failed sign-ins for this account; wait", _RETRY_AFTER),
        429: _problem("Too many failed sign-ins from this address; wait", _RETRY_AFTER),
    },
)
async def login(
    body: LoginRequest, request: Request, settings: SettingsDep
) -> TokenResponse | TwoFactorChallenge:
    """After 5 failed sign-ins in a row an account is locked for a while (423 with
    Retry-After); an address with too many failures gets 429 with Retry-After. An account
    with two-factor sign-in answers a challenge (``two_factor_required``) instead of tokens:
    finish it at POST /api/v1/auth/login/two-factor."""
    pair = await service.login(
        request.app.state.session_factory,
        request.app.state.keyring,
        email=body.email,
        password=body.password,
        client_host=_client_host(request),
        issuer=settings.jwt_issuer,
    )
    if isinstance(pair, service.SecondFactorNeeded):
        return TwoFactorChallenge(challenge=pair.challenge, expires_in=pair.expires_in)
    return _tokens(pair)


@auth_router.post(
    "/refresh",
    operation_id="auth-refresh",
    summary="Trade a refresh token for a new token pair",
    responses={401: _problem("Unknown, expired, revoked or reused refresh token")},
)
async def refresh(body: RefreshRequest, request: Request, settings: SettingsDep) -> TokenResponse:
    """Each refresh token works once. Presenting a used one again ends the whole session
    (every token rotated from the same sign-in): refresh one request at a time."""
    pair = await service.refresh_session(
        request.app.state.session_factory,
        request.app.state.keyring,
        refresh_token=body.refresh_token,
        issuer=settings.jwt_issuer,
    )
    return _tokens(pair)


@auth_router.post(
    "/logout",
    operation_id="auth-logout",
    status_code=204,
    summary="Sign out: end the session the refresh token belongs to",
)
async def logout(body: LogoutRequest, session: SessionDep) -> Response:
    """Revokes the refresh token and every token of its session. Answers 204 for an unknown
    token too. Access tokens already issued expire by themselves (within 15 minutes)."""
    await service.logout(session, refresh_token=body.refresh_token)
    return Response(status_code=204)


_BAD_LINK = _problem(
    "The link's token is unknown (email-token-invalid), expired (email-token-expired) or "
    "used already (email-token-used)"
)


@auth_router.post(
    "/password-reset",
    operation_id="auth-password-reset",
    status_code=202,
    summary="Ask for a password reset link by e-mail",
    responses={
        429: _problem(
            "Too many reset requests from this address (too-many-password-resets); wait",
            _RETRY_AFTER,
        ),
    },
)
async def password_reset(
    body: PasswordResetRequest, request: Request, session: SessionDep
) -> MailAccepted:
    """Mails a link (valid for one hour, once) to the address if it is registered. The answer
    is the same whether or not it is. An account gets at most 3 reset mails an hour; further
    requests answer the same and send nothing. At most 20 requests per client address per
    hour: then 429 with Retry-After, whatever the address asked for."""
    await service.request_password_reset(
        session,
        email=body.email,
        language=_language(request),
        client_host=_client_host(request),
    )
    return MailAccepted()


@auth_router.post(
    "/password-reset/confirm",
    operation_id="auth-password-reset-confirm",
    status_code=204,
    summary="Set a new password with the token of a reset link",
    responses={400: _BAD_LINK},
)
async def password_reset_confirm(body: PasswordResetConfirm, session: SessionDep) -> Response:
    """Sets the password (the same rules as at sign-up), spends the link, signs out every
    session and lifts a sign-in lock of the account."""
    await service.confirm_password_reset(session, token=body.token, password=body.password)
    return Response(status_code=204)


@auth_router.post(
    "/verify-email",
    operation_id="auth-verify-email",
    status_code=204,
    summary="Verify the e-mail address with the token of a verification link",
    responses={400: _BAD_LINK},
)
async def verify_email(body: VerifyEmailRequest, session: SessionDep) -> Response:
    """A verification link works once, for 7 days."""
    await service.verify_email(session, token=body.token)
    return Response(status_code=204)


@auth_router.post(
    "/verify-email/resend",
    operation_id="auth-verify-email-resend",
    status_code=202,
    summary="Send the verification mail again",
    responses={
        401: _problem("No valid access token", _BEARER_CHALLENGE),
        429: _problem("Asked too often (too-many-verification-mails); wait", _RETRY_AFTER),
    },
)
async def verify_email_resend(
    request: Request, claims: CurrentPerson, session: TenantSession
) -> MailAccepted:
    """Nothing is sent when the address is verified already; the answer is the same. At most
    3 requests per user per hour: then 429 with Retry-After."""
    await service.resend_verification(session, claims=claims, language=_language(request))
    return MailAccepted()


async def _count_password_guess(request: Request, claims: CurrentPerson) -> None:
    """Count a password change attempt (auth/limits.py) in a transaction of its own, before
    the request's session is opened (one request never holds two connections): 429 beyond the
    limit, and the password is not checked."""
    await service.count_password_guess(request.app.state.session_factory, user_id=claims.user_id)


@me_router.post(
    "/password",
    operation_id="me-password-change",
    status_code=204,
    summary="Change your password",
    responses={
        401: _problem("No valid access token", _BEARER_CHALLENGE),
        429: _problem(
            "Too many wrong current passwords (too-many-password-guesses); wait", _RETRY_AFTER
        ),
    },
)
async def change_password(
    body: PasswordChangeRequest,
    claims: CurrentPerson,
    _counted: Annotated[None, Depends(_count_password_guess)],  # before the session opens
    session: TenantSession,
) -> Response:
    """A wrong current password answers 422 naming current_password. After 5 wrong current
    passwords (or refused new ones) within 15 minutes the answer is 429 with Retry-After, and
    the password is not checked until then; a successful change starts the count afresh.
    Every other session is signed out; give this session's refresh_token to keep it."""
    await service.change_password(
        session,
        claims=claims,
        current_password=body.current_password,
        new_password=body.new_password,
        refresh_token=body.refresh_token,
    )
    return Response(status_code=204)


@me_router.get(
    "",
    operation_id="me-get",
    summary="The signed-in user, their companies and roles, and the active company",
    responses={401: _problem("No valid access token", _BEARER_CHALLENGE)},
)
async def get_me(claims: CurrentPerson, session: TenantSession) -> MeRead:
    return await service.me(session, claims=claims)


@me_router.post(
    "/company",
    operation_id="me-company-switch",
    summary="Switch company: a new token pair acting for another of your companies",
    responses={
        401: _problem("No valid access token", _BEARER_CHALLENGE),
        404: _problem("You do not belong to that company (or it does not exist)"),
    },
)
async def switch_company(
    body: SwitchCompanyRequest,
    claims: CurrentPerson,
    session: TenantSession,
    keyring: KeyRingDep,
    settings: SettingsDep,
) -> TokenResponse:
    """The company is remembered: the next sign-in acts for it. The current session stays
    valid; sign it out if it is no longer needed."""
    pair = await service.switch_company(
        session, keyring, claims=claims, company_id=body.company_id, issuer=settings.jwt_issuer
    )
    return _tokens(pair)
