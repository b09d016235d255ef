"""Jobs of accounts and sessions."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid

from sqlalchemy import text

from laskutin.auth.keys import maintain_signing_keys
from laskutin.auth.mails import MailKind, MailText, account_mail, language_of
from laskutin.auth.models import EmailToken, User
from laskutin.auth.service import SEND_ACCOUNT_MAIL, VERIFY_EMAIL, hash_email_token
from laskutin.core import clock, ratelimit
from laskutin.delivery.email import (
    EmailMessageData,
    PermanentDeliveryError,
    SmtpChannel,
    build_message,
)
from laskutin.jobs.queue import enqueue
from laskutin.jobs.registry import JobContext, job, periodic

log = logging.getLogger(__name__)


@periodic("auth.maintain_signing_keys", cron="41 * * * *", queue="system")
async def maintain_signing_keys_job(ctx: JobContext) -> None:
    """Hourly: delete retired signing keys, make sure one key signs, rotate a key older than
    30 days (auth/keys.py). Idempotent; concurrent runs wait on an advisory lock."""
    await maintain_signing_keys(ctx.session, secret=ctx.settings.effective_secret_key)


@job("auth.send_account_mail", queue="default", retry=5)
async def send_account_mail_job(
    ctx: JobContext,
    *,
    kind: str,
    token_id: str | None = None,
    user_id: str | None = None,
    notice_id: str | None = None,
    language: str | None = None,
) -> None:
    """Send an account mail (laskutin.auth.mails): a link (``token_id`` of an ``email_tokens``
    row) or the "someone tried to sign up" notice (``user_id``, ``notice_id``).

    A link's token is made here, not in the request: its SHA-256 is stored and the mail sent
    in this job's transaction, so the token is never written to the queue's table. Idempotent:
    a row whose token was made (the mail went out), used or expired is left alone. The
    Message-ID comes from the row's id (or ``notice_id``), so a retry carries the same one.

    A temporary delivery error raises: the transaction rolls back (no token) and the queue
    tries again. A permanent one is logged and ends the job (the stored hash belongs to a
    token nobody has). One window remains: a crash after the server accepted the mail but
    before the commit sends a second mail with a new token and the same Message-ID on retry.
    """
    if token_id is not None:
        await _send_link(ctx, uuid.UUID(token_id))
    elif kind == "signup_attempt" and user_id is not None and notice_id is not None:
        user = await ctx.session.get(User, uuid.UUID(user_id))
        if user is None:
            return
        text = account_mail(
            "signup_attempt",
            language_of(language),
            name=user.name,
            public_url=ctx.settings.public_url,
        )
        await _deliver(ctx, user, text, message_key=f"signup-attempt:{notice_id}")
    else:
        log.error("auth.send_account_mail: nothing to send for kind %r", kind)


async def _send_link(ctx: JobContext, token_id: uuid.UUID) -> None:
    row = await ctx.session.get(EmailToken, token_id, with_for_update=True)
    if row is None or row.token_hash is not None or row.used_at is not None:
        return  # gone, sent already, or used
    if row.expires_at <= clock.now():
        log.warning("an account mail's link expired before it was sent; not sent")
        return
    user = await ctx.session.get(User, row.user_id)
    if user is None:
        return
    token = secrets.token_urlsafe(32)  # 256 bits
    row.token_hash = hash_email_token(token)
    await ctx.session.flush()
    kind: MailKind = "verify_email" if row.purpose == VERIFY_EMAIL else "reset_password"
    text = account_mail(
        kind,
        language_of(row.language),
        name=user.name,
        public_url=ctx.settings.public_url,
        token=token,
    )
    await _deliver(ctx, user, text, message_key=f"email-token:{row.id}")


async def _deliver(ctx: JobContext, user: User, text: MailText, *, message_key: str) -> None:
    data = EmailMessageData(
        to=(user.email,), subject=text.subject, text=text.text, message_key=message_key
    )
    message = build_message(data, ctx.settings.mail_sender)
    try:
        await SmtpChannel.from_settings(ctx.settings).send(message)
    except PermanentDeliveryError as exc:
        log.warning("an account mail was refused for good (%s); not sent again", exc.reason)


# Rows the sweeper may forget: sign-in counters quiet for this long (the throttle forgets them
# too), and e-mail links this long past their expiry (kept a while for support questions).
STALE_THROTTLE_AFTER = dt.timedelta(hours=24)
KEEP_EXPIRED_LINKS = dt.timedelta(days=7)
# A link row still without a token this long after it was written lost its job (a crash, a
# pruned queue): it is queued again.
LOST_LINK_AFTER = dt.timedelta(minutes=10)


@periodic("auth.sweep", cron="*/10 * * * *", queue="system")
async def sweep_job(ctx: JobContext) -> None:
    """Every 10 minutes: re-queue link mails whose job was lost, and delete stale sign-in
    counters, rate counters whose window has ended (laskutin.core.ratelimit.sweep) and
    long-expired links (DESIGN.md: the row is the truth, a sweeper finds rows that no job
    holds). Idempotent."""
    now = clock.now()
    await ctx.session.execute(
        text(
            "DELETE FROM login_throttle WHERE GREATEST(last_failure_at, window_started, "
            "locked_until) < :cutoff OR (last_failure_at IS NULL AND window_started IS NULL "
            "AND locked_until IS NULL)"
        ),
        {"cutoff": now - STALE_THROTTLE_AFTER},
    )
    await ratelimit.sweep(ctx.session)
    await ctx.session.execute(
        text("DELETE FROM email_tokens WHERE expires_at < :cutoff"),
        {"cutoff": now - KEEP_EXPIRED_LINKS},
    )
    lost = await ctx.session.execute(
        text(
            "SELECT t.id, t.purpose FROM email_tokens t WHERE t.token_hash IS NULL "
            "AND t.used_at IS NULL AND t.expires_at > :now AND t.created_at < :lost "
            "AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = :task "
            "AND j.status IN ('todo', 'doing') AND j.args->>'token_id' = t.id::text)"
        ),
        {"now": now, "lost": now - LOST_LINK_AFTER, "task": SEND_ACCOUNT_MAIL},
    )
    for token_id, purpose in lost.all():
        log.warning("re-queueing the mail of e-mail link %s: its job was lost", token_id)
        await enqueue(ctx.session, SEND_ACCOUNT_MAIL, kind=purpose, token_id=str(token_id))
