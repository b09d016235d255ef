"""One attempt at a send request, and the sweeper that finds requests no job holds.

An attempt is a few short transactions around the hand-over, never one long one, so that what
it has done is on record whatever moment the worker dies (docs/delivery.md):

1. **Hold** the send's advisory lock, on a connection of its own, for the whole attempt
   (``pg_try_advisory_lock``; not free: another attempt is running, so this one stops).
   PostgreSQL drops the lock when the worker's connection goes, so a killed worker holds
   nothing. The lock is what "a job holds this row" means to the sweeper. After the claim,
   that connection opens the transaction that will record "sent" (:func:`armed`).
2. **Claim** (commit): a send still queued or sending becomes ``sending``, ``attempts + 1``.
   A ``smtp_started_at`` left by an earlier attempt means that attempt died after handing the
   message over and before recording the answer: counted in ``unconfirmed_handoffs``.
3. **Build** the message (the stored PDF, any e-invoice XML, the texts), then mark
   ``smtp_started_at`` and commit: the last step before the SMTP server is called.
4. **Hand over**. The moment the server accepts the message (its reply to DATA, before QUIT),
   **record** ``sent``: one statement on the transaction opened in step 1 (the send, the
   invoice's ``sent_at``, the audit event), then COMMIT. Only a crash between the server's
   acceptance and this commit sends the message twice (on the next attempt, with the same
   Message-ID).
5. A temporary failure records ``queued`` with ``next_attempt_at`` (the queue's back-off) and
   raises, so the queue retries; a permanent one, or the 8th temporary one, records ``failed``.

The sweeper (every minute, and when a worker starts) queues a new job for each pending send
that is due, has no waiting job and whose advisory lock is free: a job lost with its worker, or
whose retries ran out while the send was still pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from laskutin.audit import service as audit
from laskutin.companies.domain import Role
from laskutin.companies.models import Company
from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.core.db import is_database_unavailable, unit_of_work
from laskutin.core.errors import DomainError, RuleViolation, ValidationFailed
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from laskutin.delivery import domain, mails
from laskutin.delivery.channels import CHANNELS, Channel, Parcel, Receipt
from laskutin.delivery.email import Attachment, PermanentDeliveryError, TemporaryDeliveryError
from laskutin.delivery.models import PENDING_STATES, InvoiceSend
from laskutin.invoices.domain import RESOURCE
from laskutin.invoices.models import Invoice
from laskutin.jobs.queue import enqueue

log = logging.getLogger(__name__)

# hashtext() of the namespace and of the send's id: the key of the send's advisory lock.
_LOCK_KEY = "hashtext('laskutin.invoice_sends'), hashtext(:send_id)"
_TRY_LOCK = text(f"SELECT pg_try_advisory_lock({_LOCK_KEY})")
_UNLOCK = text(f"SELECT pg_advisory_unlock({_LOCK_KEY})")
_TRY_XACT_LOCK = text(f"SELECT pg_try_advisory_xact_lock({_LOCK_KEY})")
# A job acts for a company; documents are read as the requester, who was authorised then.
_NOBODY = uuid.UUID(int=0)
# Recording "sent" right after the server took the message is retried briefly on a database
# hiccup (seconds), so that a short outage does not turn into a second message.
_RECORD_RETRIES = (0.2, 0.5, 1.0, 2.0)


# --- the lock --------------------------------------------------------------------------------


def _engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = sessions.kw.get("bind")
    assert isinstance(engine, AsyncEngine), "the session factory must be bound to an engine"
    return engine


@contextlib.asynccontextmanager
async def holding(
    sessions: async_sessionmaker[AsyncSession], send_id: uuid.UUID
) -> AsyncIterator[AsyncConnection | None]:
    """Try to take the send's advisory lock for the block; yields the connection that holds
    it, or None when another attempt holds it.

    A session-level lock on a connection kept for the block (outside a transaction, so no
    idle-in-transaction timeout ends it while the SMTP server is slow). The attempt also
    records "sent" on it (:func:`armed`). The lock is released before the connection goes
    back to the pool; if that fails, the connection is closed instead, which releases it too.
    """
    conn = await _engine_of(sessions).connect()
    released = False
    try:
        held = bool(await conn.scalar(_TRY_LOCK, {"send_id": str(send_id)}))
        await conn.commit()
        try:
            yield conn if held else None
        finally:
            if conn.in_transaction():
                await conn.rollback()
            if held:
                await conn.scalar(_UNLOCK, {"send_id": str(send_id)})
                await conn.commit()
            released = True
    finally:
        try:
            if not released:
                await conn.invalidate()
        finally:
            await conn.close()


# --- one attempt -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    company_id: uuid.UUID
    invoice_id: uuid.UUID
    channel: str
    recipients: tuple[str, ...]
    attach: tuple[str, ...]
    language: str
    note: str | None
    message_id: str | None
    requested_by: uuid.UUID | None
    attempts: int


class Outcome:
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    SKIPPED = "skipped"


async def _locked_row(
    session: AsyncSession, company_id: uuid.UUID, send_id: uuid.UUID
) -> InvoiceSend | None:
    await act_as(session, company_id=company_id, user_id=None)
    return await session.scalar(
        select(InvoiceSend)
        .where(InvoiceSend.company_id == company_id, InvoiceSend.id == send_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def claim(
    sessions: async_sessionmaker[AsyncSession], company_id: uuid.UUID, send_id: uuid.UUID
) -> Claimed | None:
    """Step 2: mark the send ``sending`` for this attempt; None if there is nothing to do."""
    async with unit_of_work(sessions) as session:
        row = await _locked_row(session, company_id, send_id)
        if row is None or row.state not in PENDING_STATES:
            return None
        channel = CHANNELS.get(row.channel)
        if channel is None or not channel.queued:
            return None
        if row.smtp_started_at is not None:
            row.unconfirmed_handoffs += 1
            row.smtp_started_at = None
            log.warning(
                "send %s: an earlier attempt handed the message over and stopped before "
                "recording the answer; sending it again with the same Message-ID",
                send_id,
            )
        row.state = "sending"
        row.attempts += 1
        row.next_attempt_at = None  # due at once if this attempt dies (the sweeper's rule)
        row.updated_at = clock.now()
        return Claimed(
            id=row.id,
            company_id=row.company_id,
            invoice_id=row.invoice_id,
            channel=row.channel,
            recipients=tuple(row.recipients),
            attach=tuple(row.attach),
            language=row.language,
            note=row.note,
            message_id=row.message_id,
            requested_by=row.requested_by,
            attempts=row.attempts,
        )


async def _parcel(session: AsyncSession, settings: Settings, claimed: Claimed) -> Parcel:
    """The invoice's document data, its stored PDF (made now if it was not yet) and any
    e-invoice XML, and the company's sender name and reply address."""
    from laskutin.documents.build import invoice_document
    from laskutin.documents.service import issued_pdf
    from laskutin.einvoice.service import issued_einvoice

    actor = Actor(
        user_id=claimed.requested_by or _NOBODY, company_id=claimed.company_id, role=Role.MEMBER
    )
    document = await invoice_document(session, actor=actor, invoice_id=claimed.invoice_id)
    pdf = await issued_pdf(session, actor=actor, invoice_id=claimed.invoice_id)
    files = [
        Attachment(mails.pdf_filename(document, claimed.language), pdf.media_type, pdf.content)
    ]
    for name in claimed.attach:
        format: Literal["finvoice", "peppol"] = "peppol" if name == "peppol" else "finvoice"
        xml = await issued_einvoice(
            session, actor=actor, invoice_id=claimed.invoice_id, format=format, settings=settings
        )
        files.append(
            Attachment(mails.einvoice_filename(document, format), xml.media_type, xml.content)
        )
    company = await session.scalar(select(Company).where(Company.id == claimed.company_id))
    assert company is not None  # the send's company (row-level security: the active one)
    return Parcel(
        send_id=claimed.id,
        message_id=claimed.message_id,
        recipients=claimed.recipients,
        language=claimed.language,
        document=document,
        files=tuple(files),
        note=claimed.note,
        sender_name=company.sender_name or company.name,
        reply_to=company.reply_to_email or company.email,
    )


async def prepare(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    channel: Channel,
    claimed: Claimed,
) -> Any:
    """Step 3: build the outgoing message, then mark the hand-over and commit."""
    async with unit_of_work(sessions) as session:
        await act_as(session, company_id=claimed.company_id, user_id=None)
        outgoing = channel.build(await _parcel(session, settings, claimed), settings)
        now = clock.now()
        await session.execute(
            update(InvoiceSend)
            .where(InvoiceSend.company_id == claimed.company_id, InvoiceSend.id == claimed.id)
            .values(smtp_started_at=now, updated_at=now)
        )
        return outgoing


def _refused_text(receipt: Receipt) -> str | None:
    if not receipt.refused:
        return None
    refused = "; ".join(f"{rcpt}: {reply}" for rcpt, reply in receipt.refused.items())
    return domain.clip(f"Refused by the mail server: {refused}. The other recipients got it.")


async def record_sent(
    sessions: async_sessionmaker[AsyncSession], claimed: Claimed, receipt: Receipt
) -> None:
    """Step 4 in a transaction of its own (when the armed one failed): the send is sent, the
    invoice too (if it was not yet), and the audit trail says so."""
    async with unit_of_work(sessions) as session:
        row = await _locked_row(session, claimed.company_id, claimed.id)
        if row is None or row.state == "sent":
            return
        now = clock.now()
        row.state = "sent"
        row.sent_at = now
        row.smtp_started_at = None
        row.next_attempt_at = None
        row.last_error = _refused_text(receipt)
        row.updated_at = now
        invoice = await session.scalar(
            select(Invoice)
            .where(Invoice.company_id == claimed.company_id, Invoice.id == claimed.invoice_id)
            .with_for_update()
        )
        if invoice is not None:
            if invoice.sent_at is None:
                invoice.sent_at = now
            invoice.updated_at = now
        await session.flush()
        await audit.record(
            session,
            resource_type=RESOURCE,
            resource_id=claimed.invoice_id,
            action="sent",
            actor=None,
            changes=_sent_changes(claimed, receipt),
        )


# Step 4 as one statement: the send, the invoice and the audit event (what audit.record writes
# for the system), in a transaction opened before the hand-over (:func:`armed`), so that only
# this statement and the COMMIT stand between the server's acceptance and the record.
_RECORD_SENT = text(
    """
    WITH sent AS (
        UPDATE invoice_sends
        SET state = 'sent', sent_at = :now, smtp_started_at = NULL, next_attempt_at = NULL,
            last_error = :last_error, updated_at = :now
        WHERE company_id = :company_id AND id = :send_id AND state <> 'sent'
        RETURNING invoice_id
    ), invoice AS (
        UPDATE invoices SET sent_at = coalesce(sent_at, :now), updated_at = :now
        WHERE company_id = :company_id AND id IN (SELECT invoice_id FROM sent)
        RETURNING id
    )
    INSERT INTO audit_events (company_id, resource_type, resource_id, action, actor_name, changes)
    SELECT CAST(:company_id AS uuid), CAST(:resource_type AS text), invoice_id, 'sent',
           CAST(:actor_name AS text), CAST(:changes AS jsonb)
    FROM sent
    """
)


def _sent_changes(claimed: Claimed, receipt: Receipt) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "send_id": str(claimed.id),
        "channel": claimed.channel,
        "recipients": [r for r in claimed.recipients if r not in receipt.refused],
        "message_id": claimed.message_id,
    }
    if receipt.refused:
        changes["refused"] = dict(receipt.refused)
    return changes


@contextlib.asynccontextmanager
async def armed(conn: AsyncConnection, claimed: Claimed) -> AsyncIterator[None]:
    """A transaction on the lock's connection, acting as the send's company, opened before the
    hand-over and kept open through it (no idle-in-transaction timeout for it: a slow SMTP
    server must not end it). It holds no row lock until :func:`record_sent_now` runs. Rolled
    back at the end unless that committed it."""
    await act_as(conn, company_id=claimed.company_id, user_id=None)
    await conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
    try:
        yield
    finally:
        if conn.in_transaction():
            await conn.rollback()


async def record_sent_now(conn: AsyncConnection, claimed: Claimed, receipt: Receipt) -> None:
    """Step 4 on the armed connection: one statement, then COMMIT."""
    await conn.execute(
        _RECORD_SENT,
        {
            "now": clock.now(),
            "last_error": _refused_text(receipt),
            "company_id": str(claimed.company_id),
            "send_id": str(claimed.id),
            "resource_type": RESOURCE,
            "actor_name": audit.SYSTEM_ACTOR_NAME,
            "changes": json.dumps(_sent_changes(claimed, receipt)),
        },
    )
    await conn.commit()


async def _record_sent_soon(
    sessions: async_sessionmaker[AsyncSession], claimed: Claimed, receipt: Receipt
) -> None:
    """record_sent, retried for a few seconds while the database is unreachable."""
    for pause in (*_RECORD_RETRIES, None):
        try:
            await record_sent(sessions, claimed, receipt)
            return
        except Exception as exc:
            if pause is None or not is_database_unavailable(exc):
                raise
            log.warning("send %s: could not record it as sent yet; trying again", claimed.id)
            await asyncio.sleep(pause)


async def record_failure(
    sessions: async_sessionmaker[AsyncSession],
    claimed: Claimed,
    reason: str,
    *,
    permanent: bool,
    maybe_delivered: bool = False,
) -> str:
    """Step 5: ``failed`` (permanent, or the attempts are used up) or ``queued`` again with
    ``next_attempt_at``; the Outcome. ``maybe_delivered``: the connection broke during the
    mail transaction, so the server may have the message (an unconfirmed hand-over)."""
    async with unit_of_work(sessions) as session:
        row = await _locked_row(session, claimed.company_id, claimed.id)
        if row is None or row.state not in PENDING_STATES:
            return Outcome.SKIPPED
        now = clock.now()
        if maybe_delivered:
            row.unconfirmed_handoffs += 1
        row.smtp_started_at = None
        row.last_error = domain.clip(reason)
        row.updated_at = now
        if permanent or domain.gives_up(row.attempts):
            row.state = "failed"
            row.next_attempt_at = None
            await session.flush()
            await audit.record(
                session,
                resource_type=RESOURCE,
                resource_id=row.invoice_id,
                action="send_failed",
                actor=None,
                changes={
                    "send_id": str(row.id),
                    "channel": row.channel,
                    "reason": row.last_error,
                    "attempts": row.attempts,
                },
            )
            return Outcome.FAILED
        row.state = "queued"
        row.next_attempt_at = now + domain.retry_delay(row.attempts)
        return Outcome.RETRY


def _reason(exc: Exception) -> str:
    """A refusal in words (English, like the mail servers' replies), each field named."""
    if isinstance(exc, ValidationFailed):
        localised = getattr(exc, "localised", None)
        found = localised("en") if callable(localised) else exc.errors
        return "; ".join(f"{error.field}: {error.message}" for error in found) or str(exc)
    if isinstance(exc, RuleViolation):
        return exc.message("en")
    return str(exc) or exc.__class__.__name__


class RetryLater(Exception):
    """Raised by the job after a temporary failure was recorded: the queue retries it."""


async def attempt(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    company_id: uuid.UUID,
    send_id: uuid.UUID,
) -> str:
    """One attempt at the send (see the module docstring); the Outcome. Raises RetryLater
    (or the unexpected error) when the queue should try again."""
    async with holding(sessions, send_id) as conn:
        if conn is None:
            log.info("send %s: another attempt is under way", send_id)
            return Outcome.SKIPPED
        claimed = await claim(sessions, company_id, send_id)
        if claimed is None:
            return Outcome.SKIPPED
        async with armed(conn, claimed):
            return await _hand_over(conn, sessions, settings, claimed)


async def _hand_over(
    conn: AsyncConnection,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    claimed: Claimed,
) -> str:
    """Steps 3 to 5 of a claimed attempt, with ``conn`` armed to record "sent"."""
    send_id = claimed.id
    channel = CHANNELS[claimed.channel]
    try:
        outgoing = await prepare(sessions, settings, channel, claimed)
    except Exception as exc:
        if is_database_unavailable(exc):
            raise  # the send stays "sending"; the queue (or the sweeper) tries again
        if isinstance(exc, (DomainError, ValueError)):  # the invoice cannot make it
            reason = _reason(exc)
            log.warning("send %s cannot be made: %s", send_id, reason)
            return await record_failure(sessions, claimed, reason, permanent=True)
        log.exception("send %s: could not build the message", send_id)
        reason = f"{exc.__class__.__name__}: {exc}"
        return await _retry_later(sessions, claimed, reason, maybe_delivered=False, cause=exc)

    recorded = False

    async def accepted(receipt: Receipt) -> None:
        nonlocal recorded
        recorded = True  # from here on, never record a failure: the message went
        try:
            await record_sent_now(conn, claimed, receipt)
        except Exception:
            log.warning("send %s: recording it as sent failed; again", send_id, exc_info=True)
            with contextlib.suppress(Exception):
                await conn.rollback()
            await _record_sent_soon(sessions, claimed, receipt)

    try:
        await channel.send(outgoing, settings, accepted=accepted)
    except PermanentDeliveryError as exc:
        if recorded:  # the server took it for some recipients: sent, with those refused
            return Outcome.SENT
        log.warning("send %s refused for good: %s", send_id, exc.reason)
        return await record_failure(sessions, claimed, exc.reason, permanent=True)
    except TemporaryDeliveryError as exc:
        log.warning("send %s failed for now: %s", send_id, exc.reason)
        return await _retry_later(
            sessions, claimed, exc.reason, maybe_delivered=exc.maybe_delivered, cause=exc
        )
    except Exception as exc:
        if recorded:  # the record failed: the mark stays, the next attempt counts it
            raise
        log.exception("send %s: the hand-over failed", send_id)
        reason = f"{exc.__class__.__name__}: {exc}"
        return await _retry_later(sessions, claimed, reason, maybe_delivered=True, cause=exc)
    return Outcome.SENT


async def _retry_later(
    sessions: async_sessionmaker[AsyncSession],
    claimed: Claimed,
    reason: str,
    *,
    maybe_delivered: bool,
    cause: BaseException,
) -> str:
    outcome = await record_failure(
        sessions, claimed, reason, permanent=False, maybe_delivered=maybe_delivered
    )
    if outcome == Outcome.RETRY:
        raise RetryLater(reason) from cause
    return outcome


# --- the sweeper -----------------------------------------------------------------------------

SWEEP_SETTING = text("SELECT set_config('laskutin.sweep', 'invoice_sends', true)")
SWEEP_LIMIT = 500
_LOST = text(
    "SELECT s.company_id, s.id FROM invoice_sends s "
    "WHERE s.state IN ('queued', 'sending') AND s.channel = ANY(:channels) "
    "AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= :now) "
    "AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = :task "
    "AND j.status = 'todo' AND j.args->>'send_id' = s.id::text) "
    "ORDER BY s.next_attempt_at NULLS FIRST, s.id LIMIT :limit"
)


async def sweep(session: AsyncSession, *, now: dt.datetime | None = None) -> list[uuid.UUID]:
    """Queue a job for every pending send that no job holds: due (``next_attempt_at`` passed),
    no job waiting for it, and its advisory lock free (no attempt under way). The sends
    queued again.

    Runs with no active company: the policy ``invoice_sends_sweep`` lets this transaction, and
    only once it set ``laskutin.sweep``, see pending sends of every company (migration
    20261206_0011). Each lock taken here is held until the commit, so an attempt starting
    meanwhile stops at once (the job queued here carries the send out instead).
    """
    await session.execute(SWEEP_SETTING)
    queued_channels = [name for name, channel in CHANNELS.items() if channel.queued]
    rows = await session.execute(
        _LOST,
        {
            "channels": queued_channels,
            "now": now or clock.now(),
            "task": domain.SEND_INVOICE,
            "limit": SWEEP_LIMIT,
        },
    )
    requeued = []
    for company_id, send_id in rows.all():
        if not await session.scalar(_TRY_XACT_LOCK, {"send_id": str(send_id)}):
            continue  # an attempt is under way
        log.warning("send %s has no job (its worker stopped?); queueing it again", send_id)
        await enqueue(
            session, domain.SEND_INVOICE, send_id=str(send_id), company_id=str(company_id)
        )
        requeued.append(send_id)
    return requeued
