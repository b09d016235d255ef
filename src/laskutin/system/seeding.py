"""The demo-data hook for `laskutin run`: seeders run once, on a database nobody has used yet.

Domains add a seeder with ``@seeder(order)``; each gets the session of one transaction and
returns lines to print (e.g. how to sign in). A marker row keeps them from running twice.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.models import InstanceMetadata

SEEDED_KEY = "demo_seeded_at"
Seeder = Callable[[AsyncSession], Awaitable[list[str]]]
_SEEDERS: list[tuple[int, str, Seeder]] = []


def seeder(order: int) -> Callable[[Seeder], Seeder]:
    def decorator(function: Seeder) -> Seeder:
        _SEEDERS.append((order, function.__qualname__, function))
        return function

    return decorator


# Domain modules that register seeders on import (e.g. "laskutin.companies.demo").
SEEDER_MODULES: tuple[str, ...] = (
    "laskutin.companies.demo",
    "laskutin.invoices.demo",
    "laskutin.recurring.demo",
    "laskutin.quotes.demo",
)


def load_seeders() -> list[Seeder]:
    """Import every domain module that seeds demo data, and return the seeders in order."""
    for module in SEEDER_MODULES:
        importlib.import_module(module)
    return [function for _, _, function in sorted(_SEEDERS, key=lambda item: item[:2])]


async def seed_demo_data(factory: async_sessionmaker[AsyncSession]) -> list[str] | None:
    """Run the seeders once; None when the database was seeded before."""
    async with unit_of_work(factory) as session:
        # The lock makes two `laskutin run`s on one database seed once between them.
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('laskutin.seed'))"))
        marker = await session.get(InstanceMetadata, SEEDED_KEY)
        if marker is not None:
            return None
        lines: list[str] = []
        for function in load_seeders():
            lines += await function(session)
        session.add(InstanceMetadata(key=SEEDED_KEY, value={"at": clock.now().isoformat()}))
        return lines
