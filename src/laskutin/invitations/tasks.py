"""The invitation mail job: makes the link's token, stores its hash, sends the mail."""

from __future__ import annotations

import logging
import secrets
import uuid

from sqlalchemy import select

from laskutin.auth.mails import language_of
from laskutin.auth.models import User
from laskutin.companies.models import Company
from laskutin.core import clock
from laskutin.core.tenancy import act_as
from laskutin.delivery.email import (
    EmailMessageData,
    PermanentDeliveryError,
    SmtpChannel,
    build_message,
)
from laskutin.invitations.mails import invitation_mail
from laskutin.invitations.models import Invitation
from laskutin.invitations.service import SEND_INVITATION, hash_token
from laskutin.jobs.registry import JobContext, job

log = logging.getLogger(__name__)


@job(SEND_INVITATION, queue="default", retry=5)
async def send_invitation_job(ctx: JobContext, *, company_id: str, invitation_id: str) -> None:
    """Send one invitation's mail, once: an invitation whose link was made (the mail went out),
    or that was accepted, revoked or expired meanwhile, is left alone. The token is made here,
    so it is never written to the queue; a temporary SMTP error rolls the hash back and the
    queue tries again. The Message-ID comes from the row and its expiry, so a retry of the
    same mail carries the same one and a re-send a new one."""
    await act_as(ctx.session, company_id=uuid.UUID(company_id), user_id=None)
    row = await ctx.session.scalar(
        select(Invitation).where(Invitation.id == uuid.UUID(invitation_id)).with_for_update()
    )
    if row is None or row.token_hash is not None:
        return
    if row.accepted_at is not None or row.revoked_at is not None or row.expires_at <= clock.now():
        return
    company = await ctx.session.get_one(Company, row.company_id)
    inviter = None if row.invited_by is None else await ctx.session.get(User, row.invited_by)
    token = secrets.token_urlsafe(32)  # 256 bits
    row.token_hash = hash_token(token)
    row.sent_at = clock.now()
    await ctx.session.flush()
    text = invitation_mail(
        language_of(row.language),
        company=company.name,
        inviter=None if inviter is None else inviter.name,
        role=row.role,
        public_url=ctx.settings.public_url,
        token=token,
    )
    data = EmailMessageData(
        to=(row.email,),
        subject=text.subject,
        text=text.text,
        message_key=f"invitation:{row.id}:{row.expires_at.timestamp():.0f}",
    )
    message = build_message(data, ctx.settings.mail_sender)
    try:
        await SmtpChannel.from_settings(ctx.settings).send(message)
    except PermanentDeliveryError as exc:
        log.warning("an invitation mail was refused for good (%s); not sent again", exc.reason)
