"""API shapes of recurring invoices (``/api/v1/recurring-invoices``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from laskutin.delivery.domain import MAX_RECIPIENTS
from laskutin.invoices.domain import Status
from laskutin.invoices.schemas import Language, LineIn
from laskutin.recurring.schedule import Unit, Weekend

Action = Literal["draft", "issue", "send"]
TemplateState = Literal["active", "paused", "finished"]
RunOutcome = Literal["draft", "issued", "sent", "failed"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Recipients = Annotated[
    list[Annotated[str, Field(max_length=320)]], Field(max_length=MAX_RECIPIENTS)
]
UPCOMING = 5


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Schedule(_Request):
    """Every ``every`` days, weeks or months from ``start_date``; until ``end_date``
    (inclusive) or for ``count`` invoices, whichever comes first (neither: until stopped)."""

    unit: Unit = Field(default=Unit.MONTH, examples=["month"])
    every: Annotated[int, Field(ge=1, le=366, examples=[1])] = 1
    day_of_month: Annotated[int | None, Field(ge=1, le=31, examples=[31])] = Field(
        default=None,
        description="Monthly rules only: the day of the month (default: the start date's); a "
        "day the month does not have is its last day, so 31 means the last day of every month",
    )
    weekend: Weekend = Field(
        default=Weekend.KEEP,
        description="A date on a Saturday or Sunday: keep it, or move it to the Friday before "
        "or the Monday after",
    )
    start_date: dt.date = Field(description="The first invoice is on or after this date")
    end_date: dt.date | None = Field(default=None, description="No invoice after this date")
    count: Annotated[int | None, Field(ge=1, le=10000)] = Field(
        default=None, description="How many invoices in all"
    )


class ScheduleUpdate(_Request):
    """Only the fields sent change. ``end_date`` and ``count`` may change at any time; the
    other fields only before the first invoice was made (409 after: make a new template)."""

    unit: Unit | None = None
    every: Annotated[int | None, Field(ge=1, le=366)] = None
    day_of_month: Annotated[int | None, Field(ge=1, le=31)] = None
    weekend: Weekend | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    count: Annotated[int | None, Field(ge=1, le=10000)] = None


class RecurringInvoiceCreate(_Request):
    name: Name = Field(examples=["Kuukausihuolto"])
    customer_id: uuid.UUID
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=500)]
    notes: Annotated[str | None, Field(max_length=5000)] = None
    buyer_reference: Annotated[str | None, Field(max_length=100)] = None
    order_reference: Annotated[str | None, Field(max_length=100)] = None
    prices_include_vat: bool = False
    language: Language | None = Field(
        default=None, description="The invoices' language (default: the customer's)"
    )
    schedule: Schedule
    action: Action = Field(
        default="draft",
        description="Each invoice is left as a draft, issued, or issued and sent by e-mail",
    )
    recipients: Recipients | None = Field(
        default=None,
        description="With action send: the addresses (default: the customer's e-mail)",
    )
    wait_for_payment: bool = Field(
        default=False,
        description="The next invoice waits until the previous one is paid (or credited)",
    )


class RecurringInvoiceUpdate(_Request):
    """Only the fields sent change; ``lines``, when sent, replaces every line."""

    name: Name | None = None
    customer_id: uuid.UUID | None = None
    lines: Annotated[list[LineIn] | None, Field(min_length=1, max_length=500)] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    buyer_reference: Annotated[str | None, Field(max_length=100)] = None
    order_reference: Annotated[str | None, Field(max_length=100)] = None
    prices_include_vat: bool | None = None
    language: Language | None = None
    schedule: ScheduleUpdate | None = None
    action: Action | None = None
    recipients: Recipients | None = None
    wait_for_payment: bool | None = None


class ScheduleRead(BaseModel):
    unit: Unit
    every: int
    day_of_month: int | None
    weekend: Weekend
    start_date: dt.date
    end_date: dt.date | None
    count: int | None


class RunRead(BaseModel):
    id: uuid.UUID
    sequence: int = Field(description="The period's number, 0 for the first")
    period_date: dt.date = Field(description="The period's date: the invoice's date")
    outcome: RunOutcome = Field(
        description="draft, issued, sent (the send was requested), or failed (see error; "
        "an invoice that could not be issued is left as a draft)"
    )
    error: str | None
    invoice_id: uuid.UUID | None = Field(description="Null if none was made, or it was deleted")
    invoice_number: str | None
    invoice_status: Status | None = Field(description="The invoice's status now")
    created_at: dt.datetime


class RecurringInvoiceRead(BaseModel):
    id: uuid.UUID
    name: str
    customer_id: uuid.UUID
    customer_name: str
    lines: list[LineIn]
    notes: str | None
    buyer_reference: str | None
    order_reference: str | None
    prices_include_vat: bool
    language: Language | None
    schedule: ScheduleRead
    action: Action
    recipients: list[str] | None
    wait_for_payment: bool
    state: TemplateState = Field(
        description="active; paused (no invoices; on resume the periods of the pause are "
        "skipped); finished (the end date or count was reached)"
    )
    paused_at: dt.datetime | None
    next_run: dt.date | None = Field(description="The next invoice's date; null when finished")
    upcoming: list[dt.date] = Field(description=f"The next {UPCOMING} dates, from next_run")
    invoices_made: int = Field(description="Periods run so far (the history's length)")
    waiting_for_payment: bool = Field(
        description="The next invoice is due but waits until the previous one is paid"
    )
    last_run: RunRead | None
    created_by_name: str | None = Field(description="The member whose invoices these are")
    created_at: dt.datetime
    updated_at: dt.datetime


class RecurringInvoicePage(BaseModel):
    items: list[RecurringInvoiceRead]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page"
    )


class RunPage(BaseModel):
    items: list[RunRead]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page"
    )
