"""The recurring invoices' job: every few minutes, and when a worker starts, make each due
period's invoice (recurring.runner)."""

from __future__ import annotations

import logging

from laskutin.jobs.registry import JobContext, periodic
from laskutin.recurring.runner import run_due

log = logging.getLogger(__name__)

RUN_RECURRING = "recurring.run_due"


@periodic(RUN_RECURRING, cron="*/5 * * * *", queue="default", at_start=True)
async def run_due_job(ctx: JobContext) -> None:
    """Idempotent: a period is made once whatever runs at the same time (runner.py). Runs its
    own short transactions, one per period, so a long catch-up holds no lock for long."""
    assert ctx.sessions is not None
    made = await run_due(ctx.sessions, ctx.settings)
    if made:
        log.info("recurring invoices: %d periods made", len(made))
