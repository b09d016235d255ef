"""API shapes of API keys (issue 8)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Scope = Literal["read", "write"]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
        Field(examples=["Verkkokauppa"]),
    ]
    scopes: list[Scope] = Field(
        default_factory=lambda: cast(list[Scope], ["read"]),
        min_length=1,
        description="read: read and export; write: also create and change business data. "
        "Never settings or members.",
    )


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    scopes: list[Scope]
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    state: Literal["active", "revoked"]
    created_by_name: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(
        description="Updated at most once a minute while the key is used"
    )
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(
        description="Shown once, now: send it as `Authorization: Bearer <key>`. Only a hash "
        "is kept, so a lost key cannot be shown again; make a new one."
    )


class ApiKeyPage(BaseModel):
    items: list[ApiKeyRead]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page"
    )
