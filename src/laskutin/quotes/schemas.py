"""API shapes of quotes (``/api/v1/quotes``). Lines are given as invoice lines are
(invoices.schemas.LineIn) and come back with their amounts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from laskutin.invoices.schemas import Language, LineIn, Money, VatBreakdownRow
from laskutin.quotes.domain import DEFAULT_VALIDITY_DAYS, Status


class QuoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    quote_date: dt.date | None = Field(
        default=None,
        description="The quote's date, also the tax point of its VAT rates (default: today in "
        "Europe/Helsinki)",
    )
    valid_until: dt.date | None = Field(
        default=None,
        description=f"The last day the offer holds (default: {DEFAULT_VALIDITY_DAYS} days after "
        "the quote date); not before the quote date",
    )
    buyer_reference: Annotated[str | None, Field(max_length=100)] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    prices_include_vat: bool = False
    language: Language | None = Field(
        default=None, description="The quote's language, also of its PDF (default: the customer's)"
    )
    lines: Annotated[list[LineIn], Field(max_length=500)] = Field(default_factory=list)


class QuoteUpdate(BaseModel):
    """Only the fields sent change; ``lines``, when sent, replaces every line. A draft changes
    freely; a sent quote only its ``valid_until``."""

    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID | None = None
    quote_date: dt.date | None = None
    valid_until: dt.date | None = None
    buyer_reference: Annotated[str | None, Field(max_length=100)] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    prices_include_vat: bool | None = None
    language: Language | None = None
    lines: Annotated[list[LineIn] | None, Field(max_length=500)] = None


class QuoteLineRead(BaseModel):
    position: int
    product_id: uuid.UUID | None
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


class QuoteRead(BaseModel):
    id: uuid.UUID
    number: str
    status: Status = Field(
        description="draft, sent, accepted, declined, or expired (a draft or sent quote past "
        "valid_until in Europe/Helsinki)"
    )
    customer_id: uuid.UUID
    quote_date: dt.date
    valid_until: dt.date
    buyer_reference: str | None
    notes: str | None
    language: Language
    currency: str
    prices_include_vat: bool
    net_total: Money
    vat_total: Money
    total: Money
    vat_breakdown: list[VatBreakdownRow]
    lines: list[QuoteLineRead]
    seller: dict[str, Any] | None = Field(description="The seller as sent (null until sent)")
    buyer: dict[str, Any] | None = Field(description="The buyer as sent (null until sent)")
    sent_at: dt.datetime | None
    accepted_at: dt.datetime | None
    declined_at: dt.datetime | None
    invoice_id: uuid.UUID | None = Field(
        description="The invoice draft made from the accepted quote (POST /quotes/{id}/invoice)"
    )
    created_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


class QuoteSummary(BaseModel):
    """A quote in a list (the whole quote: GET /quotes/{id})."""

    id: uuid.UUID
    number: str
    status: Status
    customer_id: uuid.UUID
    customer_name: str
    quote_date: dt.date
    valid_until: dt.date
    buyer_reference: str | None
    net_total: Money
    vat_total: Money
    total: Money
    invoice_id: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime
