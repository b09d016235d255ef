"""API shapes of the company (the tenant) and its members (issue 4)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from laskutin.companies.domain import Plan, Role

CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CompanyRead(BaseModel):
    """The active company: the one the access token acts for."""

    id: uuid.UUID
    name: str
    business_id: str | None = Field(description="Y-tunnus, as NNNNNNN-C", examples=["0116297-6"])
    vat_number: str | None = Field(
        description="Finnish VAT number (FI + the Y-tunnus digits), when VAT-registered",
        examples=["FI01162976"],
    )
    plan: Plan


class CompanyUpdate(BaseModel):
    """Only the fields sent change; ``null`` clears ``business_id`` or ``vat_number``.

    ``business_id`` accepts ``0116297-6``, ``01162976`` or ``116297-6`` and is stored as
    ``0116297-6``. ``vat_number`` is given explicitly (a business with a Y-tunnus need not be
    VAT-registered); it must be ``FI`` + the digits of the company's Y-tunnus. Changing the
    plan is for owners only.
    """

    model_config = ConfigDict(extra="forbid")

    # Omitted: unchanged; null is refused (a company always has a name).
    name: CompanyName = Field(default=None, examples=["Matin Paja Oy"])  # type: ignore[assignment]
    business_id: Annotated[str, Field(max_length=20, examples=["0116297-6"])] | None = None
    vat_number: Annotated[str, Field(max_length=20, examples=["FI01162976"])] | None = None
    plan: Plan | None = None


class MemberRead(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    role: Role
    joined_at: dt.datetime


class MemberPage(BaseModel):
    items: list[MemberRead]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page"
    )


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role = Field(examples=["member"])
