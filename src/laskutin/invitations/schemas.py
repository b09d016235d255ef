"""API shapes of invitations (issue 8)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from laskutin.companies.domain import Role

InvitationState = Literal["pending", "accepted", "revoked", "expired"]
_TOKEN_MAX = 200
_PASSWORD_INPUT_MAX = 1024


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvitationCreate(_Request):
    email: Annotated[str, Field(min_length=1, max_length=320, examples=["maija@example.fi"])]
    role: Role = Field(
        default=Role.MEMBER, description="Only an owner invites owners; admins the other roles"
    )
    language: Literal["fi", "sv", "en"] | None = Field(
        default=None, description="Of the mail; the inviter's Accept-Language when left out"
    )


class InvitationRead(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    state: InvitationState = Field(
        description="pending until accepted, revoked or past expires_at (expired)"
    )
    language: str
    invited_by_name: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    sent_at: dt.datetime | None = Field(description="When the mail with the link went out")
    accepted_at: dt.datetime | None
    revoked_at: dt.datetime | None


class InvitationPage(BaseModel):
    items: list[InvitationRead]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page"
    )


class InvitationToken(_Request):
    token: Annotated[str, Field(min_length=1, max_length=_TOKEN_MAX)]


class InvitationAccept(InvitationToken):
    """Signed in (``Authorization: Bearer``): the token alone. Otherwise ``name`` and
    ``password`` make the account (an address with an account signs in first)."""

    name: Annotated[
        str | None, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ] = None
    password: Annotated[str | None, Field(min_length=1, max_length=_PASSWORD_INPUT_MAX)] = None


class InvitationPreview(BaseModel):
    company_name: str
    email: str
    role: Role
    invited_by_name: str | None
    expires_at: dt.datetime
    account_exists: bool = Field(description="The address has an account: sign in to accept")
