"""API shapes of the reports (``/api/v1/reports``). Money is a decimal string in euros."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from laskutin.invoices.domain import Kind, Status
from laskutin.invoices.schemas import Money


class Receivables(BaseModel):
    """Issued invoices with a balance left (``amount``: the sum of the balances)."""

    amount: Money
    count: int


class MonthSales(BaseModel):
    """Issued invoices and credit notes dated in one month (credit notes count negative)."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-03"])
    net: Money
    gross: Money


class LatestInvoice(BaseModel):
    id: uuid.UUID
    kind: Kind
    number: str | None
    customer_name: str
    total: Money
    status: Status


class Attention(BaseModel):
    """What needs the user's attention."""

    overdue_invoices: int
    drafts: int
    failed_sends: int = Field(description="Invoices whose latest send failed")


class Dashboard(BaseModel):
    """The company's figures on ``today`` (Europe/Helsinki)."""

    today: dt.date = Field(description="The day the figures are for, in Europe/Helsinki")
    currency: str = "EUR"
    open_receivables: Receivables
    overdue_receivables: Receivables
    paid_this_month: Money
    sales_by_month: list[MonthSales] = Field(description="The last 12 months, oldest first")
    latest_invoices: list[LatestInvoice] = Field(description="The 5 newest, newest first")
    attention: Attention
