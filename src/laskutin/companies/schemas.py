"""API shapes of the company (the tenant), its invoicing settings (issue 5) and its members
(issue 4)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from laskutin.companies.domain import Plan, Role
from laskutin.companies.settings import (
    INVOICE_NUMBER_PREFIX_MAX,
    MAX_BANK_ACCOUNTS,
    NEXT_INVOICE_NUMBER_MAX,
    PAYMENT_TERMS_MAX_DAYS,
    InvoiceLanguage,
    ReferenceType,
)

CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class BankAccountRead(BaseModel):
    iban: str = Field(description="Machine form, no spaces", examples=["FI2112345600000785"])
    iban_formatted: str = Field(
        description="Paper form, groups of four", examples=["FI21 1234 5600 0007 85"]
    )
    bic: str | None = Field(
        description="Given, or derived from a Finnish IBAN's bank; null when unknown",
        examples=["NDEAFIHH"],
    )


class LogoSummary(BaseModel):
    """The stored logo, without its bytes (GET /api/v1/company/logo gives those)."""

    content_type: str = Field(examples=["image/png"])
    size: int = Field(description="Bytes")
    sha256: str = Field(description="Hex SHA-256 of the file; also its ETag")
    url: str = Field(examples=["/api/v1/company/logo"])
    updated_at: dt.datetime


class CompanyRead(BaseModel):
    """The active company: the one the access token acts for, with its invoicing settings."""

    id: uuid.UUID
    name: str
    business_id: str | None = Field(description="Y-tunnus, as NNNNNNN-C", examples=["0116297-6"])
    vat_number: str | None = Field(
        description="Finnish VAT number (FI + the Y-tunnus digits), when VAT-registered",
        examples=["FI01162976"],
    )
    plan: Plan
    require_two_factor: bool = Field(
        description="Members must sign in with a second factor; those without one can only "
        "enrol (403 two-factor-required elsewhere)"
    )
    street_address: str | None = Field(examples=["Mannerheimintie 1 A 2"])
    postal_code: str | None = Field(examples=["00100"])
    city: str | None = Field(examples=["Helsinki"])
    country_code: str = Field(description="ISO 3166-1 alpha-2", examples=["FI"])
    email: str | None = Field(examples=["laskutus@yritys.fi"])
    phone: str | None = Field(examples=["+358 40 123 4567"])
    website: str | None = Field(examples=["https://www.yritys.fi"])
    bank_accounts: list[BankAccountRead] = Field(
        description="In order: the first goes on invoices and into the bank barcode"
    )
    payment_terms_days: int = Field(description="Default days to pay", examples=[14])
    penalty_interest_percent: Decimal | None = Field(
        description="Penalty interest a year printed on invoices; null: the statutory rate "
        "(reference rate + 8 points between businesses, + 7 for consumers)",
        examples=["8.00"],
    )
    reference_type: ReferenceType = Field(
        description="national: Finnish reference number; rf: ISO 11649 creditor reference"
    )
    invoice_language: InvoiceLanguage = Field(
        description="Default language of invoices (a customer's own language wins)"
    )
    einvoice_address: str | None = Field(
        description="The company's own e-invoice address: OVT code, IBAN or Peppol id",
        examples=["003701162976"],
    )
    einvoice_operator: str | None = Field(
        description="E-invoice operator (intermediator) id or bank BIC",
        examples=["003721291126"],
    )
    sender_name: str | None = Field(
        description="The sender's name on mailed invoices (the address is the service's); "
        "null: the company's name",
        examples=["Matin Paja, laskutus"],
    )
    reply_to_email: str | None = Field(
        description="Where customers' replies to mailed invoices go; null: the company's email",
        examples=["laskutus@yritys.fi"],
    )
    invoice_number_prefix: str = Field(
        description="Printed before the sequence number: number = prefix + sequence",
        examples=["2026-"],
    )
    next_invoice_number: int = Field(
        description="The sequence number the next issued invoice gets", examples=[1]
    )
    logo: LogoSummary | None
    missing_for_issuing: list[Literal["business_id", "bank_accounts"]] = Field(
        description="What the company still lacks before it can issue invoices; empty when ready"
    )


class BankAccountInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iban: Annotated[str, Field(max_length=50, examples=["FI21 1234 5600 0007 85"])]
    bic: Annotated[str, Field(max_length=20, examples=["NDEAFIHH"])] | None = Field(
        default=None,
        description="Optional: derived from a Finnish IBAN when omitted",
    )


ShortText = Annotated[str, Field(max_length=200)]
# A display name in a From header: one line, no control characters.
SenderName = Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


class CompanyUpdate(BaseModel):
    """Only the fields sent change; ``null`` (or an empty text) clears an optional field.

    ``business_id`` accepts ``0116297-6``, ``01162976`` or ``116297-6`` and is stored as
    ``0116297-6``. ``vat_number`` is given explicitly (a business with a Y-tunnus need not be
    VAT-registered); it must be ``FI`` + the digits of the company's Y-tunnus. Changing the
    plan is for owners only. ``bank_accounts`` replaces the whole list (``[]`` removes them
    all). ``next_invoice_number`` may not be one that an issued invoice with the same prefix
    already has, or lower.
    """

    model_config = ConfigDict(extra="forbid")

    # Omitted: unchanged; null is refused (a company always has a name).
    name: CompanyName = Field(default=None, examples=["Matin Paja Oy"])  # type: ignore[assignment]
    business_id: Annotated[str, Field(max_length=20, examples=["0116297-6"])] | None = None
    vat_number: Annotated[str, Field(max_length=20, examples=["FI01162976"])] | None = None
    plan: Plan | None = None
    require_two_factor: bool | None = Field(
        default=None,
        description="Turning it on needs two-factor sign-in on your own account first",
    )
    street_address: ShortText | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    country_code: Annotated[str, Field(min_length=2, max_length=2, examples=["FI"])] = Field(
        default=None  # type: ignore[assignment]
    )
    email: Annotated[str, Field(max_length=320)] | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    website: ShortText | None = None
    bank_accounts: list[BankAccountInput] = Field(
        default=None,  # type: ignore[arg-type]
        max_length=MAX_BANK_ACCOUNTS,
        description="Replaces the whole list; the first goes on invoices",
    )
    payment_terms_days: int = Field(  # type: ignore[assignment]
        default=None, ge=0, le=PAYMENT_TERMS_MAX_DAYS, examples=[14]
    )
    penalty_interest_percent: (
        Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] | None
    ) = Field(default=None, examples=["8.00"])
    reference_type: ReferenceType = Field(default=None)  # type: ignore[assignment]
    invoice_language: InvoiceLanguage = Field(default=None)  # type: ignore[assignment]
    einvoice_address: Annotated[str, Field(max_length=64)] | None = None
    einvoice_operator: Annotated[str, Field(max_length=64)] | None = None
    sender_name: SenderName | None = Field(default=None, examples=["Matin Paja, laskutus"])
    reply_to_email: Annotated[str, Field(max_length=320)] | None = Field(
        default=None, examples=["laskutus@yritys.fi"]
    )
    invoice_number_prefix: str = Field(  # type: ignore[assignment]
        default=None, max_length=INVOICE_NUMBER_PREFIX_MAX, examples=["2026-"]
    )
    next_invoice_number: int = Field(  # type: ignore[assignment]
        default=None, ge=1, le=NEXT_INVOICE_NUMBER_MAX, examples=[1]
    )


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
