"""Jobs of delivery: carry out one send request; sweep for send requests that no job holds."""

from __future__ import annotations

import logging
import uuid

from laskutin.delivery import domain
from laskutin.delivery.sender import attempt, sweep
from laskutin.jobs.registry import JobContext, job, periodic

log = logging.getLogger(__name__)


@job(
    domain.SEND_INVOICE,
    queue="delivery",
    retry=domain.MAX_ATTEMPTS - 1,
    transaction=False,
)
async def send_invoice_job(ctx: JobContext, *, send_id: str, company_id: str) -> None:
    """One attempt at the ``invoice_sends`` row ``send_id`` (delivery.sender.attempt).

    Idempotent: a send that is sent or failed, or that another attempt holds, is left alone.
    Runs its own short transactions (so that the hand-over is marked before the SMTP server is
    called and "sent" is recorded the moment it accepted). A temporary failure is recorded and
    then raised, so the queue retries with its back-off (4 s, 16 s, 1 min, ...).
    """
    assert ctx.sessions is not None
    await attempt(
        ctx.sessions,
        ctx.settings,
        company_id=uuid.UUID(company_id),
        send_id=uuid.UUID(send_id),
    )


@periodic("delivery.sweep", cron="* * * * *", queue="delivery", at_start=True)
async def sweep_job(ctx: JobContext) -> None:
    """Every minute, and when a worker starts: queue a job for each pending send that no job
    holds (its worker was killed, or the queue's retries ran out before the send's); see
    delivery.sender.sweep."""
    requeued = await sweep(ctx.session)
    if requeued:
        log.info("queued %d sends again", len(requeued))
