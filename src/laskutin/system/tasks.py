"""Jobs that keep the installation healthy."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from laskutin.core import clock
from laskutin.core.models import InstanceMetadata
from laskutin.jobs.registry import JobContext, job, periodic

PING_KEY = "worker_ping"


@job("system.ping", queue="system", retry=0)
async def ping(ctx: JobContext, *, token: str) -> None:
    """Prove the path API -> queue -> worker -> database (`laskutin jobs ping`, and tests)."""
    value = {"token": token, "job_id": ctx.job_id, "at": clock.now().isoformat()}
    statement = insert(InstanceMetadata).values(key=PING_KEY, value=value)
    await ctx.session.execute(
        statement.on_conflict_do_update(
            index_elements=[InstanceMetadata.key],
            set_={"value": statement.excluded.value, "updated_at": text("now()")},
        )
    )


@periodic("system.prune_finished_jobs", cron="17 3 * * *", queue="system")
async def prune_finished_jobs(ctx: JobContext) -> None:
    """Delete succeeded, cancelled and aborted jobs past the retention (failed ones stay for a
    look): the job table stays small, and the events go with their jobs."""
    cutoff = clock.now() - dt.timedelta(hours=ctx.settings.job_retention_hours)
    await ctx.session.execute(
        text(
            "DELETE FROM procrastinate_jobs j "
            "WHERE j.status IN ('succeeded', 'cancelled', 'aborted') "
            "AND NOT EXISTS (SELECT 1 FROM procrastinate_events e WHERE e.job_id = j.id "
            "AND e.at >= :cutoff)"
        ),
        {"cutoff": cutoff},
    )
