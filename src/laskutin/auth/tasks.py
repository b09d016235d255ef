"""Jobs of accounts and sessions."""

from __future__ import annotations

from laskutin.auth.keys import maintain_signing_keys
from laskutin.jobs.registry import JobContext, periodic


@periodic("auth.maintain_signing_keys", cron="41 * * * *", queue="system")
async def maintain_signing_keys_job(ctx: JobContext) -> None:
    """Hourly: delete retired signing keys, make sure one key signs, rotate a key older than
    30 days (auth/keys.py). Idempotent; concurrent runs wait on an advisory lock."""
    await maintain_signing_keys(ctx.session, secret=ctx.settings.effective_secret_key)
