"""API shapes of sending invoices (``/api/v1/invoices/{id}/send`` and ``/sends``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from laskutin.delivery.domain import (
    MAX_NOTE,
    MAX_RECIPIENTS,
    AttachFormat,
    ChannelName,
    SendState,
)


class SendRequest(BaseModel):
    """``email``: the PDF (and any ``attach`` e-invoice XML) to ``recipients`` (default: the
    customer's e-mail on the invoice). ``download``: no message; the invoice is recorded as
    sent (you pass the PDF on yourself)."""

    model_config = ConfigDict(extra="forbid")

    channel: ChannelName = Field(examples=["email"])
    recipients: (
        Annotated[
            list[Annotated[str, Field(max_length=320)]],
            Field(max_length=MAX_RECIPIENTS),
        ]
        | None
    ) = Field(
        default=None,
        description="E-mail addresses (at most 10); omitted: the customer's e-mail address",
        examples=[["laskut@asiakas.fi"]],
    )
    attach: Annotated[list[AttachFormat], Field(max_length=2)] = Field(
        default_factory=list,
        description="E-invoice XML to attach besides the PDF (email only)",
        examples=[["finvoice"]],
    )
    message: Annotated[str | None, Field(max_length=MAX_NOTE)] = Field(
        default=None,
        description="Your own words, put in the e-mail above the invoice's details",
        examples=["Kiitos tilauksesta!"],
    )


class SendRead(BaseModel):
    """A request to send an invoice and how it went. ``state``: queued (waiting for an
    attempt), sending (an attempt is under way), sent (the mail server took the message, or a
    download), failed (refused for good, or no success after 8 attempts: ``last_error``)."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    channel: ChannelName
    state: SendState
    recipients: list[str]
    attach: list[AttachFormat]
    language: Literal["fi", "sv", "en"] = Field(description="Of the e-mail's subject and text")
    message: str | None
    attempts: int = Field(description="Attempts started so far")
    last_error: str | None = Field(
        description="Why the last attempt failed (or, once sent, recipients the server refused)"
    )
    next_attempt_at: dt.datetime | None = Field(description="When a queued send is tried next")
    message_id: str | None = Field(
        description="The e-mail's Message-ID, the same on every attempt",
        examples=["<3f2a9c@laskutin.example.fi>"],
    )
    requested_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime
    sent_at: dt.datetime | None
