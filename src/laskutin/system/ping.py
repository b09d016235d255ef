"""Queue a ping job and wait for a worker to run it."""

from __future__ import annotations

import asyncio
import time
import uuid

from laskutin.core.db import create_engine, session_factory, unit_of_work
from laskutin.core.models import InstanceMetadata
from laskutin.core.settings import Settings
from laskutin.jobs.queue import enqueue
from laskutin.system.tasks import PING_KEY


async def ping_worker(settings: Settings, *, timeout: float) -> float | None:
    """Seconds until a worker ran the ping, or None after ``timeout``."""
    engine = create_engine(settings)
    factory = session_factory(engine)
    token = uuid.uuid4().hex
    try:
        begun = time.monotonic()
        async with unit_of_work(factory) as session:
            await enqueue(session, "system.ping", token=token)
        while time.monotonic() - begun < timeout:
            async with unit_of_work(factory) as session:
                row = await session.get(InstanceMetadata, PING_KEY)
                if row is not None and row.value.get("token") == token:
                    return time.monotonic() - begun
            await asyncio.sleep(0.1)
        return None
    finally:
        await engine.dispose()
