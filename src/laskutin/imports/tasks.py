"""The import job: runs a queued CSV import (laskutin.imports.service.run)."""

from __future__ import annotations

import uuid

from laskutin.imports.service import RUN_IMPORT, run
from laskutin.jobs.registry import JobContext, job


@job(RUN_IMPORT, queue="default", retry=3)
async def run_import_job(ctx: JobContext, *, company_id: str, import_id: str, user_id: str) -> None:
    """Every row in one transaction (this job's), progress on a second connection."""
    await run(
        ctx.session,
        ctx.sessions,
        company_id=uuid.UUID(company_id),
        import_id=uuid.UUID(import_id),
        user_id=uuid.UUID(user_id),
    )
