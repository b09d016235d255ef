"""Probes and metrics: /healthz (the process lives), /readyz (send me traffic), /metrics."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from laskutin.api.problem import RETRY_AFTER_SECONDS, render
from laskutin.core.db import is_database_unavailable
from laskutin.core.errors import Problem
from laskutin.core.metrics import DB_POOL, JOB_QUEUE, JOB_QUEUE_SCRAPE_ERRORS, REGISTRY

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 3.0


def _unready(request: Request, code: str, **params: object) -> Response:
    problem = Problem(
        503, code, code, code, params=params, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )
    return render(request, problem)


@router.api_route("/healthz", methods=["GET", "HEAD"])
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.api_route("/readyz", methods=["GET", "HEAD"])
async def readyz(request: Request) -> Response:
    if request.app.state.lifecycle.draining:
        return _unready(request, "shutting-down")
    engine: AsyncEngine = request.app.state.engine
    needed: str = request.app.state.required_revision
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), engine.connect() as conn:
            found = 0
            if await conn.scalar(text("SELECT to_regclass('schema_history') IS NOT NULL")):
                found = await conn.scalar(
                    text("SELECT count(*) FROM schema_history WHERE revision = :r"), {"r": needed}
                )
    except TimeoutError:  # our own probe deadline: the database does not answer
        return _unready(request, "database-unavailable")
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        return _unready(request, "database-unavailable")
    if not found:
        # Applied revisions newer than ours still contain ours: only a missing one is unready.
        return _unready(request, "schema-outdated", revision=needed)
    return Response('{"status":"ready"}', media_type="application/json")


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    engine: AsyncEngine = request.app.state.engine
    pool = engine.pool
    for state, reader in (
        ("size", "size"),
        ("checked_out", "checkedout"),
        ("idle", "checkedin"),
        ("overflow", "overflow"),
    ):
        method = getattr(pool, reader, None)
        if method is not None:
            DB_POOL.labels(state).set(max(0, method()))
    await _read_job_queue(engine)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def _read_job_queue(engine: AsyncEngine) -> None:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs "
                    "WHERE status IN ('todo', 'doing', 'failed') GROUP BY 1, 2"
                )
            )
            counts = rows.all()
    except Exception as exc:  # metrics must answer even while the database is away
        JOB_QUEUE_SCRAPE_ERRORS.inc()
        log.warning("job queue depth unavailable: %s", exc.__class__.__name__)
        return
    JOB_QUEUE.clear()
    for queue, status, count in counts:
        JOB_QUEUE.labels(queue, status).set(count)
