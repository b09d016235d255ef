"""Routes of two-factor authentication (issue 8): finishing a sign-in with a code, and the
signed-in user's enrolment (``/me/two-factor``). Included under /api/v1 by api/router.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from laskutin.api.deps import CurrentPerson, SessionDep, SettingsDep
from laskutin.api.problem import problem_response as _problem
from laskutin.auth import two_factor
from laskutin.auth.schemas import (
    RecoveryCodes,
    TokenResponse,
    TwoFactorCode,
    TwoFactorDisable,
    TwoFactorLogin,
    TwoFactorSetup,
    TwoFactorStatus,
)
from laskutin.core.tenancy import act_as

Responses = dict[int | str, dict[str, Any]]
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
_401: Responses = {401: _problem("No valid access token")}
_409: Responses = {
    409: _problem("Already on (two-factor-enabled) or not set up (two-factor-not-set-up)")
}
_422: Responses = {422: _problem("The code is wrong or too old (two-factor-code-wrong)")}

login_router = APIRouter(prefix="/auth/login", tags=["auth"])
two_factor_router = APIRouter(prefix="/me/two-factor", tags=["me"])


@login_router.post(
    "/two-factor",
    operation_id="auth-login-two-factor",
    summary="Finish a sign-in with a code from the authenticator app or a recovery code",
    responses={
        401: _problem("The challenge is unknown, expired, used or out of attempts: sign in again"),
        422: _problem("The code is wrong (field code or recovery_code)"),
        429: _problem("Too many wrong codes for this account; wait", _RETRY_AFTER),
    },
)
async def finish_login(
    body: TwoFactorLogin, request: Request, settings: SettingsDep
) -> TokenResponse:
    """A challenge takes 5 wrong codes, then it is gone; a code works once. Without ``code``
    give ``recovery_code``: each of the ten works once."""
    pair = await two_factor.complete_challenge(
        request.app.state.session_factory,
        request.app.state.keyring,
        challenge=body.challenge,
        code=body.code,
        recovery_code=body.recovery_code,
        secret_key=settings.effective_secret_key,
        issuer=settings.jwt_issuer,
    )
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )


@two_factor_router.get(
    "", operation_id="me-two-factor-get", summary="Is two-factor sign-in on", responses=_401
)
async def get_status(claims: CurrentPerson, session: SessionDep) -> TwoFactorStatus:
    await act_as(session, company_id=None, user_id=claims.user_id)
    found = await two_factor.status(session, user_id=claims.user_id)
    return TwoFactorStatus(
        enabled=found.enabled,
        confirmed_at=found.confirmed_at,
        recovery_codes_left=found.recovery_codes_left,
    )


@two_factor_router.post(
    "/setup",
    operation_id="me-two-factor-setup",
    summary="Start enrolment: a new secret as an otpauth URI and its QR code",
    responses={**_401, **_409},
)
async def start_setup(
    claims: CurrentPerson, session: SessionDep, settings: SettingsDep
) -> TwoFactorSetup:
    """Nothing changes at sign-in until the first code is confirmed; starting again replaces
    an unconfirmed secret."""
    await act_as(session, company_id=None, user_id=claims.user_id)
    made = await two_factor.setup(
        session, user_id=claims.user_id, secret_key=settings.effective_secret_key
    )
    return TwoFactorSetup(secret=made.secret, otpauth_uri=made.otpauth_uri, qr_svg=made.qr_svg)


@two_factor_router.post(
    "/confirm",
    operation_id="me-two-factor-confirm",
    summary="Turn two-factor sign-in on with a first code; ten recovery codes, shown once",
    responses={**_401, **_409, **_422},
)
async def confirm(
    body: TwoFactorCode, claims: CurrentPerson, session: SessionDep, settings: SettingsDep
) -> RecoveryCodes:
    await act_as(session, company_id=None, user_id=claims.user_id)
    codes = await two_factor.confirm(
        session, user_id=claims.user_id, code=body.code, secret_key=settings.effective_secret_key
    )
    return RecoveryCodes(recovery_codes=codes)


@two_factor_router.post(
    "/recovery-codes",
    operation_id="me-two-factor-recovery-codes",
    summary="Ten new recovery codes for a current code (the old ones stop working)",
    responses={**_401, **_409, **_422},
)
async def new_recovery_codes(
    body: TwoFactorCode, claims: CurrentPerson, session: SessionDep, settings: SettingsDep
) -> RecoveryCodes:
    await act_as(session, company_id=None, user_id=claims.user_id)
    codes = await two_factor.regenerate_recovery_codes(
        session, user_id=claims.user_id, code=body.code, secret_key=settings.effective_secret_key
    )
    return RecoveryCodes(recovery_codes=codes)


@two_factor_router.post(
    "/disable",
    operation_id="me-two-factor-disable",
    status_code=204,
    summary="Turn two-factor sign-in off (your password)",
    responses={**_401, **_409, 422: _problem("The password is wrong")},
)
async def disable(body: TwoFactorDisable, claims: CurrentPerson, session: SessionDep) -> Response:
    await act_as(session, company_id=None, user_id=claims.user_id)
    await two_factor.disable(session, user_id=claims.user_id, password=body.password)
    return Response(status_code=204)
