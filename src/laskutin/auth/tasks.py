"""Jobs of accounts and sessions."""

from __future__ import annotations

import logging
import secrets
import uuid

from laskutin.auth.keys import maintain_signing_keys
from laskutin.auth.mails import MailKind, MailText, account_mail, language_of
from laskutin.auth.models import EmailToken, User
from laskutin.auth.service import VERIFY_EMAIL, hash_email_token
from laskutin.core import clock
from laskutin.delivery.email import (
    EmailMessageData,
    PermanentDeliveryError,
    SmtpChannel,
    build_message,
)
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
