"""API shapes of invoices and credit notes (``/api/v1/invoices``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from laskutin.invoices.domain import Kind, Status

Money = Annotated[Decimal, Field(examples=["100.00"])]
Language = Literal["fi", "sv", "en"]
VatCategoryCode = Literal["S", "Z", "E", "AE", "K", "G", "O"]


class LineIn(BaseModel):
    """One line of a draft. With ``product_id`` the product fills what is not given: the
    description (in the invoice's language), unit, unit price, VAT category, rate (from its
    rate class on the tax point) and ground."""

    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID | None = None
    description: Annotated[str | None, Field(max_length=1000, examples=["Suunnittelu"])] = None
    quantity: Annotated[Decimal, Field(examples=["1"], description="Up to 4 decimals")] = Decimal(1)
    unit: Annotated[str | None, Field(max_length=20, examples=["h"])] = None
    unit_price: Annotated[
        Decimal | None, Field(examples=["100.00"], description="Up to 6 decimals, not negative")
    ] = None
    discount_percent: Annotated[Decimal, Field(examples=["0"])] = Decimal(0)
    vat_rate: Annotated[
        Decimal | None,
        Field(
            examples=["25.5"],
            description="Percent; for category S one of the rates in force on the tax point "
            "(default: the general rate, or the product's rate class)",
        ),
    ] = None
    vat_category: VatCategoryCode | None = Field(
        default=None, description="EN 16931 VAT category (default S, or the product's)"
    )
    vat_ground: Annotated[
        str | None,
        Field(
            max_length=40,
            description="Why a non-S line has no VAT (finnish.vat ground key, e.g. "
            "construction_reverse_charge); categories with one ground default to it",
        ),
    ] = None


class InvoiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    invoice_date: dt.date | None = None
    delivery_date: dt.date | None = Field(
        default=None, description="The tax point; defaults to the invoice date"
    )
    buyer_reference: Annotated[str | None, Field(max_length=100)] = None
    order_reference: Annotated[str | None, Field(max_length=100)] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    prices_include_vat: bool = False
    language: Language | None = Field(
        default=None, description="The invoice's language (default: the customer's)"
    )
    lines: Annotated[list[LineIn], Field(max_length=500)] = Field(default_factory=list)


class InvoiceUpdate(BaseModel):
    """Only the fields sent change; ``lines``, when sent, replaces every line."""

    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID | None = None
    invoice_date: dt.date | None = None
    delivery_date: dt.date | None = None
    buyer_reference: Annotated[str | None, Field(max_length=100)] = None
    order_reference: Annotated[str | None, Field(max_length=100)] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    prices_include_vat: bool | None = None
    language: Language | None = None
    lines: Annotated[list[LineIn] | None, Field(max_length=500)] = None


class CopyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID | None = Field(
        default=None, description="The new draft's customer (default: the original's)"
    )


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_date: dt.date | None = Field(
        default=None, description="The invoice date to set (default: the draft's, else today)"
    )


class CreditLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: Annotated[int, Field(ge=0, examples=[0])]
    quantity: Annotated[
        Decimal | None, Field(examples=["1"], description="Default: the whole line")
    ] = None


class CreditNoteRequest(BaseModel):
    """Empty: credit the whole invoice. ``lines``: the chosen lines (quantities). ``amount``:
    a gross amount, split over the original's VAT rates in proportion."""

    model_config = ConfigDict(extra="forbid")

    lines: Annotated[list[CreditLineIn] | None, Field(min_length=1, max_length=500)] = None
    amount: Annotated[Decimal | None, Field(examples=["50.00"])] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None


class LineRead(BaseModel):
    position: int
    product_id: uuid.UUID | None
    original_position: int | None = Field(description="On a credit note: the credited line")
    description: str
    quantity: Decimal
    unit: str | None
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: str = Field(examples=["25.5"])
    vat_category: str
    vat_ground: str | None
    tax_point: dt.date | None
    net_amount: Money
    vat_amount: Money
    gross_amount: Money


class VatBreakdownRow(BaseModel):
    vat_category: str
    vat_rate: str = Field(examples=["25.5"])
    taxable_amount: Money
    vat_amount: Money
    vat_ground: str | None
    note: str | None = Field(description="The legal note printed for a non-S category")


class PaymentSummary(BaseModel):
    id: uuid.UUID
    payment_date: dt.date
    amount: Money


class CreditNoteLink(BaseModel):
    id: uuid.UUID
    number: str | None
    status: Status
    total: Money


class InvoicePreview(BaseModel):
    """What a draft would come to: lines, totals and the VAT breakdown (nothing saved)."""

    currency: str = "EUR"
    language: Language
    invoice_date: dt.date | None
    delivery_date: dt.date | None
    tax_point: dt.date
    prices_include_vat: bool
    lines: list[LineRead]
    net_total: Money
    vat_total: Money
    total: Money
    vat_breakdown: list[VatBreakdownRow]


class InvoiceDelivery(BaseModel):
    """The invoice's latest send request (all of them: GET /invoices/{id}/sends)."""

    send_id: uuid.UUID
    channel: Literal["email", "download"]
    state: Literal["queued", "sending", "sent", "failed"]
    recipients: list[str]
    attempts: int
    last_error: str | None
    requested_at: dt.datetime
    sent_at: dt.datetime | None


class InvoiceRead(BaseModel):
    id: uuid.UUID
    kind: Kind
    number: str | None
    status: Status
    customer_id: uuid.UUID
    invoice_date: dt.date | None
    delivery_date: dt.date | None
    due_date: dt.date | None
    payment_terms_days: int | None
    reference: str | None = Field(description="As printed: 1234 56789 or RF12 3456 7890")
    reference_machine: str | None = Field(description="Compact, as typed into a bank")
    buyer_reference: str | None
    order_reference: str | None
    notes: str | None
    language: Language
    currency: str
    prices_include_vat: bool
    net_total: Money
    vat_total: Money
    total: Money
    vat_breakdown: list[VatBreakdownRow]
    bank_barcode: str | None = Field(description="The 54-digit virtual bank barcode")
    lines: list[LineRead]
    paid_amount: Money
    credited_amount: Money
    balance: Money = Field(description="total - paid - credited")
    overpaid_amount: Money
    last_payment_date: dt.date | None
    penalty_interest: str | None
    seller: dict[str, Any] | None
    buyer: dict[str, Any] | None
    credited_invoice_id: uuid.UUID | None
    credit_notes: list[CreditNoteLink]
    payments: list[PaymentSummary]
    sent_at: dt.datetime | None
    delivery: InvoiceDelivery | None = Field(
        default=None, description="The latest send request and its state; null if never sent"
    )
    issued_at: dt.datetime | None
    issued_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


class InvoiceSummary(BaseModel):
    """An invoice in a list (the whole invoice: GET /invoices/{id})."""

    id: uuid.UUID
    kind: Kind
    number: str | None
    status: Status
    customer_id: uuid.UUID
    customer_name: str
    invoice_date: dt.date | None
    due_date: dt.date | None
    reference: str | None
    net_total: Money
    vat_total: Money
    total: Money
    paid_amount: Money
    credited_amount: Money
    balance: Money
    credited_invoice_id: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime
