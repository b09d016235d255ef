"""API shapes of accounts and sessions (issue 4's contract: paths and field names are stable)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from laskutin.companies.domain import Role

# Bounds the work a request can cause; the password policy (auth/passwords.py) says the rest.
_PASSWORD_INPUT_MAX = 1024
_EMAIL_MAX = 320  # RFC 5321: 64 + 1 + 255; the column's length

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignupRequest(_Request):
    email: Annotated[str, Field(min_length=1, max_length=_EMAIL_MAX, examples=["matti@example.fi"])]
    password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=_PASSWORD_INPUT_MAX,
            description="At least 15 characters, not a common password (a few words are easy "
            "to remember).",
        ),
    ]
    name: Annotated[Name, Field(description="Your name", examples=["Matti Meikäläinen"])]
    company_name: Annotated[
        Name, Field(description="Your first company's name", examples=["Matin Paja Oy"])
    ]


class SignupAccepted(BaseModel):
    """The same answer whether or not the e-mail was already registered (issue 4: answers
    never reveal that). Sign in with the e-mail and password to continue."""

    email: str = Field(description="The address, normalised as it is stored")


class LoginRequest(_Request):
    email: Annotated[str, Field(min_length=1, max_length=_EMAIL_MAX)]
    password: Annotated[str, Field(min_length=1, max_length=_PASSWORD_INPUT_MAX)]


class RefreshRequest(_Request):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class LogoutRequest(_Request):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class TokenResponse(BaseModel):
    """A token pair: send ``access_token`` as ``Authorization: Bearer``; trade
    ``refresh_token`` (once: it rotates) at /api/v1/auth/refresh before ``expires_in`` ends."""

    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token_type
    expires_in: int = Field(description="Seconds until the access token expires")


class UserRead(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    email_verified: bool


class CompanyMembershipRead(BaseModel):
    id: uuid.UUID
    name: str
    role: Role


class MeRead(BaseModel):
    user: UserRead
    companies: list[CompanyMembershipRead] = Field(
        description="Every company you belong to, with your role in it"
    )
    active_company_id: uuid.UUID = Field(description="The company your access token acts for")


class SwitchCompanyRequest(_Request):
    company_id: uuid.UUID


# --- one-time e-mail links, password change ------------------------------------------------

_TOKEN_MAX = 200
_NEW_RULES = "At least 15 characters, not a common password (a few words are easy to remember)."


class PasswordResetRequest(_Request):
    email: Annotated[str, Field(min_length=1, max_length=_EMAIL_MAX, examples=["matti@example.fi"])]


class MailAccepted(BaseModel):
    """The same answer whether or not a mail is sent (issue 4: answers never reveal whether an
    e-mail is registered)."""

    status: Literal["accepted"] = "accepted"


class PasswordResetConfirm(_Request):
    token: Annotated[
        str, Field(min_length=1, max_length=_TOKEN_MAX, description="The token from the link")
    ]
    password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=_PASSWORD_INPUT_MAX,
            description=_NEW_RULES,
        ),
    ]


class VerifyEmailRequest(_Request):
    token: Annotated[
        str, Field(min_length=1, max_length=_TOKEN_MAX, description="The token from the link")
    ]


class PasswordChangeRequest(_Request):
    current_password: Annotated[str, Field(min_length=1, max_length=_PASSWORD_INPUT_MAX)]
    new_password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=_PASSWORD_INPUT_MAX,
            description=_NEW_RULES,
        ),
    ]
    refresh_token: Annotated[
        str | None,
        Field(
            max_length=200,
            description="This session's refresh token: its session stays signed in. Every "
            "other session ends.",
        ),
    ] = None


class TwoFactorChallenge(BaseModel):
    """Sign-in answer for an account with a second factor: no tokens yet. Finish it at
    POST /api/v1/auth/login/two-factor with the challenge and a code."""

    two_factor_required: Literal[True] = True
    challenge: str = Field(description="One-time; send it back with the code")
    expires_in: int = Field(description="Seconds the challenge stays valid")
    methods: list[Literal["totp", "recovery_code"]] = ["totp", "recovery_code"]


class TwoFactorLogin(_Request):
    challenge: Annotated[str, Field(min_length=1, max_length=200)]
    code: Annotated[str | None, Field(max_length=20, description="The app's 6 digits")] = None
    recovery_code: Annotated[
        str | None, Field(max_length=40, description="One of the ten recovery codes")
    ] = None


class TwoFactorStatus(BaseModel):
    enabled: bool
    confirmed_at: dt.datetime | None
    recovery_codes_left: int


class TwoFactorSetup(BaseModel):
    """Shown once: add the secret to an authenticator app (scan the QR code), then confirm."""

    secret: str = Field(description="Base32, for typing in by hand")
    otpauth_uri: str
    qr_svg: str = Field(description="The QR code of otpauth_uri as a data: URI (SVG)")


class TwoFactorCode(_Request):
    code: Annotated[str, Field(min_length=1, max_length=20)]


class RecoveryCodes(BaseModel):
    """Shown once: each works once instead of a code, when the phone is not at hand."""

    recovery_codes: list[str]


class TwoFactorDisable(_Request):
    password: Annotated[str, Field(min_length=1, max_length=_PASSWORD_INPUT_MAX)]
