"""``invoice_sends``: one row per request to send an invoice (issue 6). Tenant table.

The row is written in the request's transaction, together with the job that carries it out;
the row is the truth and the job only acts on it (docs/delivery.md). Its ``state``:

- ``queued``: waiting for an attempt (the first, or a retry at ``next_attempt_at``);
- ``sending``: an attempt is under way (or died: the sweeper finds it and queues it again);
- ``sent``: the channel took the message (``sent_at``); final;
- ``failed``: the channel refused it for good, or the attempts ran out (``last_error``); final.

``smtp_started_at`` is set, and committed, just before an attempt hands the message to the
SMTP server, and cleared when the attempt records how it ended. An attempt that finds it set
knows that an earlier attempt died after handing the message over and before recording the
answer: it counts that in ``unconfirmed_handoffs`` and sends again (the receiver may then get
the message twice, with the same Message-ID). That is the one way a message is sent twice.

Row-level security: the usual policy on ``company_id``, plus a read-only policy that lets the
sweeper (no active company, ``laskutin.sweep`` = ``invoice_sends``) see pending rows only
(migration 20261206_0011).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base

STATES = ("queued", "sending", "sent", "failed")
PENDING_STATES = ("queued", "sending")
CHANNELS = ("email", "download")


class InvoiceSend(Base):
    __tablename__ = "invoice_sends"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name="state"),
        CheckConstraint("channel IN ('email', 'download')", name="channel"),
        CheckConstraint("language IN ('fi', 'sv', 'en')", name="language"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # An invoice's sends, newest first (the list and the invoice's delivery summary).
        Index(
            "ix_invoice_sends_company_id_invoice_id_created_at",
            "company_id",
            "invoice_id",
            "created_at",
            "id",
        ),
        # The sweeper's look-up: pending rows only.
        Index(
            "ix_invoice_sends_pending",
            "next_attempt_at",
            postgresql_where=sql_text("state IN ('queued', 'sending')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=sql_text("gen_random_uuid()")
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    # E-mail addresses (normalised), in the order given.
    recipients: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")
    # E-invoice formats attached besides the PDF: "finvoice", "peppol".
    attach: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")
    language: Mapped[str] = mapped_column(String(2))
    # The sender's own words, put in the message above the invoice's details.
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # "<...@...>", made with the row, so that every attempt sends the same Message-ID.
    message_id: Mapped[str | None] = mapped_column(String(255))
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    smtp_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    unconfirmed_handoffs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
