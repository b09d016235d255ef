"""`laskutin worker`: runs queued and periodic jobs until SIGTERM/SIGINT (then finishes them)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from procrastinate.exceptions import ConnectorException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.core.db import create_engine, session_factory
from laskutin.core.settings import Settings
from laskutin.jobs.queue import build_queue_app, defer_start_jobs

log = logging.getLogger(__name__)


class WorkerDatabaseError(RuntimeError):
    """The worker lost its database; one line for the operator (the worker stops, so that
    whatever runs it starts it again)."""


def _quiet_database_loss(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A task that failed because the database went away (a job's status update while the
    worker stops) is reported by asyncio when it is collected, possibly at exit, after the
    worker's one line: it is said once here, at debug level, instead of as a traceback."""
    if isinstance(context.get("exception"), ConnectorException):
        log.debug("a task failed with the database: %s", context.get("message"))
        return
    loop.default_exception_handler(context)


async def run_worker(settings: Settings, *, name: str | None = None) -> None:
    asyncio.get_running_loop().set_exception_handler(_quiet_database_loss)
    engine = create_engine(settings)
    factory = session_factory(engine)

    def sessions() -> async_sessionmaker[AsyncSession]:
        return factory

    app = build_queue_app(settings, sessions)
    worker_name = name or f"{socket.gethostname()}-{os.getpid()}"
    log.info("worker %s starting", worker_name)
    try:
        async with app.open_async():
            await defer_start_jobs(app)  # sweepers: find what a stopped worker left behind
            await app.run_worker_async(
                name=worker_name,
                concurrency=settings.worker_concurrency,
                shutdown_graceful_timeout=settings.shutdown_timeout_seconds,
                install_signal_handlers=True,
                delete_jobs="never",
            )
    except ConnectorException as exc:
        raise WorkerDatabaseError(
            f"the worker lost its database connection ({_first_line(exc)}); "
            f"check that {settings.app_database.describe()} is up"
        ) from None
    finally:
        await engine.dispose()
        log.info("worker %s stopped", worker_name)


def _first_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else cause.__class__.__name__
