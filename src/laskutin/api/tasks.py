"""Jobs of the API conventions: forgetting expired idempotency keys."""

from __future__ import annotations

import logging

from laskutin.api.idempotency import sweep
from laskutin.jobs.registry import JobContext, periodic

log = logging.getLogger(__name__)


@periodic("api.sweep_idempotency_keys", cron="27 * * * *", queue="system")
async def sweep_idempotency_keys_job(ctx: JobContext) -> None:
    """Hourly: delete ``Idempotency-Key`` rows past their 24 hours (of every company).
    Idempotent; a key found expired before the sweep starts again anyway."""
    deleted = await sweep(ctx.session)
    if deleted:
        log.info("forgot %d expired idempotency keys", deleted)
