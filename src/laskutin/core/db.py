"""Database engine, sessions and the unit of work.

One transaction per request or job: ``unit_of_work`` opens it and commits when the block ends
without error. Connection failures become ``DatabaseUnavailable`` quickly (bounded connect and
pool timeouts), and ``pool_pre_ping`` lets the pool recover by itself when the database returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from laskutin.core.dburl import DatabaseUrl
from laskutin.core.errors import DatabaseUnavailable
from laskutin.core.settings import Settings


def create_engine(settings: Settings, url: DatabaseUrl | None = None) -> AsyncEngine:
    database = url or settings.app_database
    statement_ms = int(settings.db_statement_timeout_seconds * 1000)
    return create_async_engine(
        database.sqlalchemy_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_seconds + 5,
            "server_settings": {
                "application_name": "laskutin",
                "statement_timeout": str(statement_ms),
                "idle_in_transaction_session_timeout": str(statement_ms * 2),
                "timezone": "UTC",
            },
        },
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextlib.asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession], *, acquire_timeout: float = 6.0
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block succeeds, rolled back when it raises.

    The connection is taken at once, within ``acquire_timeout``: a database that stopped
    answering (a frozen host, a network partition) would otherwise hold the request until the
    driver's command timeout while the pool's liveness ping waits.
    """
    try:
        async with factory() as session, session.begin():
            try:
                async with asyncio.timeout(acquire_timeout):
                    await session.connection()
            except TimeoutError:
                raise DatabaseUnavailable() from None
            yield session
    except BaseException as exc:
        if is_database_unavailable(exc):
            raise DatabaseUnavailable() from exc
        raise


# SQLSTATE classes that mean "the database is not there right now": 08 connection exception,
# 57P operator intervention (shutdown, cannot connect now), 53 insufficient resources.
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53")


_DRIVER_MODULES = ("asyncpg", "sqlalchemy", "psycopg", "psycopg_pool")


def _raised_by_driver(exc: BaseException) -> bool:
    """A socket error or timeout from the database driver, not from, say, a missing file."""
    frame = exc.__traceback__
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        if module.split(".", 1)[0] in _DRIVER_MODULES:
            return True
        frame = frame.tb_next
    return False


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DatabaseUnavailable):
            return True
        if isinstance(current, sa_exc.TimeoutError):  # pool exhausted: waiting longer won't help
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, asyncpg.PostgresConnectionError):
            return True
        if isinstance(current, (OSError, TimeoutError)) and _raised_by_driver(current):
            return True
        if isinstance(current, asyncpg.PostgresError):
            sqlstate = getattr(current, "sqlstate", "") or ""
            if sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
                return True
        # Follow the chain as a traceback shows it: ``raise X from None`` hides the context.
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__suppress_context__:
            current = None
        else:
            current = current.__context__
    return False
