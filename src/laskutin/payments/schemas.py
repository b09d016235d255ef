"""API shapes of payments (``/api/v1/invoices/{id}/payments``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_date: dt.date
    amount: Annotated[
        Decimal, Field(examples=["50.00"], description="Euros, more than zero, two decimals")
    ]
    reference: Annotated[str | None, Field(max_length=35)] = None
    payer_name: Annotated[str | None, Field(max_length=200)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    invoice_id: uuid.UUID
    payment_date: dt.date
    amount: Annotated[Decimal, Field(examples=["50.00"])]
    currency: str = "EUR"
    source: str
    reference: str | None
    payer_name: str | None
    note: str | None
    created_by: uuid.UUID | None
    created_at: dt.datetime
