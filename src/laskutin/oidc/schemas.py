"""API shapes of sign-in with OpenID Connect."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ProviderRead(BaseModel):
    id: str = Field(examples=["google"], description="Use it in /auth/oidc/{provider}/start")
    name: str = Field(examples=["Google"], description="What the sign-in button says")


class ProviderList(BaseModel):
    items: list[ProviderRead]


class OidcStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: Literal["login", "link"] = Field(
        default="login",
        description="login: sign in (or sign up); link: add the provider to the signed-in "
        "account (needs its Bearer token)",
    )


class OidcRedirect(BaseModel):
    authorization_url: str = Field(
        description="Send the browser here; the provider sends it back to our callback"
    )
    browser_key: str = Field(
        description="Keep it in this browser (sessionStorage) and send it with the one-time "
        "code to /auth/oidc/exchange: a code that reached another browser is refused"
    )


class OidcExchange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=1,
        max_length=200,
        description="The one-time code the callback gave the web app (#/oidc?code=...)",
    )
    browser_key: str = Field(
        min_length=1, max_length=200, description="What /auth/oidc/{provider}/start answered"
    )


class IdentityRead(BaseModel):
    id: uuid.UUID
    provider: str = Field(examples=["google"])
    provider_name: str = Field(examples=["Google"])
    email: str | None = Field(description="The address the provider gave when it was linked")
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class IdentityList(BaseModel):
    items: list[IdentityRead]
    has_password: bool = Field(
        description="Whether the account has a password (without one, the last identity "
        "cannot be removed)"
    )
