"""Use cases of sending invoices. Keyword-only; nothing here commits.

A send request is a row of ``invoice_sends`` written in the request's transaction, together
with the job that carries it out (``enqueue`` writes into the same transaction): both are kept,
or neither. The job (delivery.tasks) then works from the row, by id. A download-only request
needs no job: its row is written as sent, and the invoice becomes sent, at once.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.auth.models import User
from laskutin.auth.service import require_verified_email
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.errors import NotFound
from laskutin.core.settings import Settings
from laskutin.delivery.channels import channel_for
from laskutin.delivery.domain import SEND_INVOICE, NotSendable
from laskutin.delivery.email import message_id_for
from laskutin.delivery.models import InvoiceSend
from laskutin.delivery.schemas import SendRead, SendRequest
from laskutin.invoices.domain import RESOURCE
from laskutin.invoices.models import Invoice
from laskutin.invoices.reading import find_invoice
from laskutin.jobs.queue import enqueue

NEWEST_FIRST = Sort(
    "invoice_sends:newest", [(InvoiceSend.created_at, "desc"), (InvoiceSend.id, "desc")]
)


def send_read(row: InvoiceSend) -> SendRead:
    return SendRead.model_validate(
        {
            "id": row.id,
            "invoice_id": row.invoice_id,
            "channel": row.channel,
            "state": row.state,
            "recipients": list(row.recipients),
            "attach": list(row.attach),
            "language": row.language,
            "message": row.note,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "next_attempt_at": row.next_attempt_at,
            "message_id": row.message_id,
            "requested_by": row.requested_by,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "sent_at": row.sent_at,
        }
    )


def mark_invoice_sent(invoice: Invoice) -> None:
    """The invoice counts as sent from its first successful send on (its status "sent")."""
    now = clock.now()
    if invoice.sent_at is None:
        invoice.sent_at = now
    invoice.updated_at = now


async def request_send(
    session: AsyncSession,
    *,
    actor: Actor,
    settings: Settings,
    invoice_id: uuid.UUID,
    data: SendRequest,
) -> SendRead:
    """Record a request to send the invoice (and, for e-mail, queue its job).

    404 for another company's invoice (before the role is checked); 403 for an accountant, and
    in production for a user whose own e-mail address is not verified; 409 for a draft; 422
    naming ``recipients`` (none given and the customer has no address, or one is not an
    address), ``attach`` or ``message`` (a channel that does not use them).
    """
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    user = await session.get(User, actor.user_id)
    if user is None:  # pragma: no cover - the acting member's user exists
        raise NotFound()
    require_verified_email(user, settings)
    if invoice.state != "issued":
        raise NotSendable()
    channel = channel_for(data.channel)
    spec = channel.check(
        recipients=data.recipients, attach=data.attach, note=data.message, buyer=invoice.buyer
    )
    now = clock.now()
    row = InvoiceSend(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        invoice_id=invoice.id,
        channel=channel.name,
        recipients=list(spec.recipients),
        attach=list(spec.attach),
        language=invoice.language,
        note=spec.note,
        requested_by=actor.user_id,
        attempts=0,
        unconfirmed_handoffs=0,
        updated_at=now,
    )
    if channel.queued:
        row.state = "queued"
        row.next_attempt_at = now
        row.message_id = message_id_for(f"invoice-send:{row.id}", settings.mail_sender.domain)
    else:
        row.state = "sent"
        row.sent_at = now
    session.add(row)
    await session.flush()
    changes = {
        "send_id": str(row.id),
        "channel": row.channel,
        "recipients": list(spec.recipients),
        "attach": list(spec.attach),
    }
    if channel.queued:
        await enqueue(session, SEND_INVOICE, send_id=str(row.id), company_id=str(actor.company_id))
        action = "send_requested"
    else:
        mark_invoice_sent(invoice)
        action = "sent"
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice.id,
        action=action,
        actor=actor,
        changes=changes,
    )
    await session.flush()
    await session.refresh(row)
    return send_read(row)


async def _send(
    session: AsyncSession, actor: Actor, invoice: Invoice, send_id: uuid.UUID
) -> InvoiceSend:
    row = await session.scalar(
        select(InvoiceSend)
        .where(
            InvoiceSend.company_id == actor.company_id,
            InvoiceSend.invoice_id == invoice.id,
            InvoiceSend.id == send_id,
        )
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound()
    return row


async def get_send(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, send_id: uuid.UUID
) -> SendRead:
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id)
    return send_read(await _send(session, actor, invoice, send_id))


async def list_sends(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[SendRead]:
    """The invoice's send requests, newest first."""
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id)
    statement = select(InvoiceSend).where(
        InvoiceSend.company_id == actor.company_id, InvoiceSend.invoice_id == invoice.id
    )
    return await paginate(
        session, statement, sort=NEWEST_FIRST, limit=limit, cursor=cursor, item=send_read
    )
