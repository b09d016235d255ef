"""The sweeper of sign-in with OpenID Connect: flows and one-time codes past their expiry are
deleted (they are refused once expired anyway; this keeps the tables small). Idempotent.

Registered by ``laskutin.jobs.registry.load_all_jobs`` (``import laskutin.oidc.tasks``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from laskutin.core import clock
from laskutin.jobs.registry import JobContext, periodic
from laskutin.oidc.models import OidcFlow, OidcLoginCode

# Kept a while past their expiry, so that a replay still answers "used" or "expired" rather
# than "unknown" in the logs of a support question.
KEEP_EXPIRED = dt.timedelta(hours=1)


@periodic("oidc.sweep", cron="*/10 * * * *", queue="system")
async def sweep_job(ctx: JobContext) -> None:
    """Every 10 minutes: delete flows and one-time codes an hour past their expiry."""
    cutoff = clock.now() - KEEP_EXPIRED
    await ctx.session.execute(delete(OidcFlow).where(OidcFlow.expires_at < cutoff))
    await ctx.session.execute(delete(OidcLoginCode).where(OidcLoginCode.expires_at < cutoff))
