"""Database engine, sessions and the unit of work.

One transaction per request or job: ``unit_of_work`` opens it and commits when the block ends
without error. Connection failures become ``DatabaseUnavailable`` quickly (bounded connect and
pool timeouts), and the pool recovers by itself when the database returns: a pooled connection
that the server closed (a restart, a crash, a terminated backend) is replaced at checkout, and
the transaction's ``BEGIN`` is sent at once, inside the acquire deadline, so that a database
that stopped answering fails the request as unavailable instead of holding it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool

from laskutin.core import jsontext
from laskutin.core.dburl import DatabaseUrl
from laskutin.core.errors import DatabaseUnavailable
from laskutin.core.settings import Settings


def create_engine(settings: Settings, url: DatabaseUrl | None = None) -> AsyncEngine:
    database = url or settings.app_database
    statement_ms = int(settings.db_statement_timeout_seconds * 1000)
    engine = create_async_engine(
        database.sqlalchemy_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        # No pre-ping: its BEGIN, empty statement and ROLLBACK were three of the ~16 round
        # trips of a typical request. _discard_closed and unit_of_work's immediate BEGIN
        # cover what it was for (bench/README.md, invoicing).
        pool_pre_ping=False,
        pool_recycle=1800,
        # json and jsonb values in and out (also of lean statements: the dialect's codecs).
        json_serializer=jsontext.dumps_text,
        json_deserializer=jsontext.loads,
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
    event.listen(engine.sync_engine, "checkout", _discard_closed)
    return engine


def _discard_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection the server has closed (restart, crash, terminated backend: the
    driver saw the end of its socket) is replaced by the pool instead of failing a request.
    SQLAlchemy's documented custom "pessimistic" check, without a round trip."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise sa_exc.DisconnectionError("the database closed this pooled connection")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextlib.asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession], *, acquire_timeout: float = 6.0
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block succeeds, rolled back when it raises.

    The connection is taken and its ``BEGIN`` sent at once, within ``acquire_timeout``: a
    database that stopped answering (a frozen host, a network partition) would otherwise hold
    the request until the driver's command timeout.
    """
    session = factory()
    try:
        try:
            async with asyncio.timeout(acquire_timeout):
                # Checks out the connection and sends BEGIN now (the adapter would send it
                # with the first statement): this first round trip finds a dead database.
                await driver_connection(session)
        except TimeoutError:
            raise DatabaseUnavailable() from None
        yield session
        await _commit(session)
    except BaseException as exc:
        await session.close()  # rolls back and returns the connection
        if is_database_unavailable(exc):
            raise DatabaseUnavailable() from exc
        raise
    # Committed, so the connection is back in the pool: what closing has left to do needs no
    # database, and is done without a trip through SQLAlchemy's greenlet (about 0.1 ms).
    session.sync_session.close()


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


_DRIVER = "laskutin.db.driver"  # session.info: ((transaction, savepoint), LeanConnection)


class LeanConnection:
    """asyncpg's ``fetch``, ``fetchrow``, ``fetchval`` and ``execute`` on the session's
    connection, failing as the session would: a database error is SQLAlchemy's exception
    (``DBAPIError`` and its subclasses, ``IntegrityError`` etc., wrapping the driver's error),
    so callers and handlers see the same errors on both paths."""

    __slots__ = ("_adapted", "_dialect", "_driver")

    def __init__(self, adapted: Any, driver: asyncpg.Connection[Any], dialect: Any) -> None:
        self._adapted, self._driver, self._dialect = adapted, driver, dialect

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        try:
            rows: list[asyncpg.Record] = await self._driver.fetch(query, *args)
            return rows
        except Exception as error:
            raise self._translated(error, query, args)  # noqa: B904 - its cause is set

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        try:
            return await self._driver.fetchrow(query, *args)
        except Exception as error:
            raise self._translated(error, query, args)  # noqa: B904 - its cause is set

    async def fetchval(self, query: str, *args: Any) -> Any:
        try:
            return await self._driver.fetchval(query, *args)
        except Exception as error:
            raise self._translated(error, query, args)  # noqa: B904 - its cause is set

    async def execute(self, query: str, *args: Any) -> str:
        try:
            status: str = await self._driver.execute(query, *args)
            return status
        except Exception as error:
            raise self._translated(error, query, args)  # noqa: B904 - its cause is set

    def _translated(self, error: Exception, query: str, args: tuple[Any, ...]) -> Exception:
        """What SQLAlchemy raises for ``error``: the dialect's DBAPI error (whose cause is the
        driver's error) wrapped in a ``DBAPIError``; other errors as they are."""
        dbapi_error = self._dialect.loaded_dbapi.Error
        try:
            self._adapted._handle_exception(error)  # raises the dialect's DBAPI error
        except dbapi_error as translated:
            wrapped: Exception = sa_exc.DBAPIError.instance(
                query,
                args,
                translated,
                dbapi_error,
                connection_invalidated=self._dialect.is_disconnect(translated, self._adapted, None),
                dialect=self._dialect,
            )
            # As SQLAlchemy chains them: wrapper <- the dialect's error <- the driver's error.
            wrapped.__cause__ = translated
            return wrapped
        except Exception:  # not a database error (a timeout, say): as it is
            return error
        return error  # pragma: no cover - _handle_exception always raises


_BEFORE_COMMIT = "laskutin.before_commit"


def before_commit(session: AsyncSession, hook: Callable[[], Awaitable[None]]) -> None:
    """Run ``hook`` in :func:`unit_of_work`'s transaction just before it commits (not when it
    rolls back). For a request dependency's last word without a generator dependency, which
    costs FastAPI an exit stack and a shielded cancel scope per request."""
    session.info.setdefault(_BEFORE_COMMIT, []).append(hook)


async def _commit(session: AsyncSession) -> None:
    """Commit the session's transaction, after its :func:`before_commit` hooks. When the
    session has nothing to flush (lean statements wrote everything, as on the hot paths), the
    COMMIT goes straight through the driver first: its locks (an issuing company's number
    series) are released before SQLAlchemy's bookkeeping of the commit, which then has no
    statement left to send."""
    for hook in session.info.pop(_BEFORE_COMMIT, ()):
        await hook()
    sync = session.sync_session
    cached = session.info.get(_DRIVER)
    if (
        cached is not None
        and sync.get_nested_transaction() is None
        and cached[0] == (sync.get_transaction(), None)
        and not sync.new
        and not sync.deleted
        and not sync.identity_map.check_modified()
    ):
        lean: LeanConnection = cached[1]
        adapted = lean._adapted
        if adapted._transaction is not None:
            try:
                # As the adapter's own commit() does, minus the trip through the greenlet.
                await adapted._call_and_discard(adapted._transaction.commit)
            except Exception as error:
                raise lean._translated(error, "COMMIT", ())  # noqa: B904 - its cause is set
            if _pool_takes_back_without_closing(session):
                # Committed, with nothing to flush: what SQLAlchemy's commit has left is
                # bookkeeping and the connection's return, whose reset (a rollback with no
                # transaction open) sends nothing. Closing the session does both without the
                # greenlet and the commit's events (about 0.08 ms a request).
                sync.close()
                return
    # Through SQLAlchemy's greenlet otherwise: returning the connection to a full pool closes
    # it, which is I/O (a CI run caught the greenlet-less version failing with MissingGreenlet
    # under two concurrent processes).
    await session.commit()


def _pool_takes_back_without_closing(session: AsyncSession) -> bool:
    """Whether the session's connection goes back into its pool's queue when returned (a
    queue pool with room), rather than being closed as an overflow connection (I/O)."""
    bind = session.sync_session.bind
    pool = getattr(bind, "pool", None)
    if not isinstance(pool, QueuePool):
        return False
    return pool.checkedin() < pool.size()


async def driver_connection(session: AsyncSession) -> LeanConnection:
    """The asyncpg connection under ``session``, inside the session's transaction.

    For the lean statements of hot paths (issuing an invoice, the per-request tenant settings,
    membership and idempotency checks, audit events, jobs): plain SQL with ``$n`` parameters,
    prepared once per connection by asyncpg, with no SQLAlchemy statement construction,
    compilation, cache key or ORM loading per request. They run on the same connection and in
    the same transaction as the session's other statements (so the tenant settings of
    ``act_as`` and row-level security hold); the transaction is begun here if no statement has
    begun it yet. Results are asyncpg records; JSON(B) parameters are JSON text and JSON(B)
    results decoded values (the dialect's codecs); errors are SQLAlchemy's (LeanConnection).
    """
    # Known for this transaction (and savepoint: the session emits a SAVEPOINT when a nested
    # transaction first asks for its connection), or asked for.
    sync = session.sync_session
    transactions = (sync.get_transaction(), sync.get_nested_transaction())
    cached = session.info.get(_DRIVER)
    if cached is not None and transactions[0] is not None and cached[0] == transactions:
        lean: LeanConnection = cached[1]
    else:
        connection = await session.connection()
        sync_connection = connection.sync_connection
        # The pooled connection, read without get_raw_connection()'s trip through the greenlet
        # (about 0.02 ms): for a valid connection it is an attribute, with no I/O.
        raw = (
            sync_connection.connection
            if sync_connection is not None and not sync_connection.invalidated
            else await connection.get_raw_connection()
        )
        lean = LeanConnection(raw.dbapi_connection, raw.driver_connection, connection.dialect)
        transactions = (sync.get_transaction(), sync.get_nested_transaction())
        session.info[_DRIVER] = (transactions, lean)
    adapted = lean._adapted
    # SQLAlchemy's asyncpg adapter begins the transaction lazily, at its first statement; a
    # lean statement must not run before that BEGIN (it would run in autocommit, outside the
    # request's transaction and its tenant settings).
    if adapted._transaction is None and adapted.isolation_level != "autocommit":
        try:
            await adapted._start_transaction()
        except lean._dialect.loaded_dbapi.Error as error:
            # A connection that cannot even begin (broken by a database outage mid-operation)
            # is unusable: drop it from the pool and fail as "database unavailable" (503), as
            # the session's own statements do, rather than with the bare adapter error (500).
            await (await session.connection()).invalidate()
            raise sa_exc.DBAPIError.instance(
                "BEGIN",
                (),
                error,
                lean._dialect.loaded_dbapi.Error,
                connection_invalidated=True,
                dialect=lean._dialect,
            ) from error
    return lean
