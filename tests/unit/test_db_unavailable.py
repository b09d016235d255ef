"""core/db.is_database_unavailable: which failures mean "the database is not there right now"."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from laskutin.core.db import is_database_unavailable
from laskutin.core.errors import DatabaseUnavailable, NotFound


def wrapped(cause: BaseException, outer: BaseException) -> BaseException:
    """``outer`` raised ``from cause``, as SQLAlchemy wraps a driver's error."""
    try:
        raise outer from cause
    except BaseException as exc:
        return exc


def raised_during(context: BaseException, outer: BaseException) -> BaseException:
    """``outer`` raised while handling ``context`` (implicit chaining)."""
    try:
        try:
            raise context
        except BaseException:
            raise outer  # noqa: B904
    except BaseException as exc:
        return exc


def raised_in_driver(exc: BaseException) -> BaseException:
    """``exc`` as raised from inside the database driver's code (its traceback says so)."""
    namespace = {"__name__": "asyncpg.connect_utils", "exc": exc}
    try:
        exec("raise exc", namespace)
    except BaseException as caught:
        return caught
    raise AssertionError("not raised")


@pytest.mark.parametrize(
    "exc",
    [
        raised_in_driver(OSError("network unreachable")),
        raised_in_driver(ConnectionRefusedError(111, "Connection refused")),
        raised_in_driver(FileNotFoundError(2, "No such file: '/run/pg/.s.PGSQL.5432'")),
        raised_in_driver(TimeoutError()),
        sa_exc.TimeoutError("QueuePool limit of size 5 overflow 0 reached"),
        asyncpg.PostgresConnectionError("connection failed"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.ConnectionFailureError("could not connect"),
        asyncpg.CannotConnectNowError("the database system is starting up"),  # 57P03
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),  # 53300
        DatabaseUnavailable(),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_unavailable(exc: BaseException) -> None:
    assert is_database_unavailable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("not a database problem"),
        KeyError("x"),
        RuntimeError("boom"),
        NotFound(),
        asyncpg.UniqueViolationError("duplicate key value"),  # 23505: the data, not the server
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),  # 57014
        asyncpg.InsufficientPrivilegeError("permission denied for table x"),  # 42501
        sa_exc.IntegrityError("INSERT ...", {}, Exception("duplicate key")),
        sa_exc.ProgrammingError("SELECT ...", {}, Exception("syntax error")),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_not_unavailable(exc: BaseException) -> None:
    assert not is_database_unavailable(exc)


def test_sqlalchemy_error_wrapping_a_connection_error_is_unavailable() -> None:
    exc = wrapped(
        asyncpg.ConnectionDoesNotExistError("connection lost"),
        sa_exc.OperationalError("SELECT 1", {}, Exception("connection lost")),
    )

    assert is_database_unavailable(exc)


def test_sqlalchemy_error_wrapping_a_data_error_is_not_unavailable() -> None:
    exc = wrapped(
        asyncpg.UniqueViolationError("duplicate key"),
        sa_exc.IntegrityError("INSERT ...", {}, Exception("duplicate key")),
    )

    assert not is_database_unavailable(exc)


def test_invalidated_connection_is_unavailable() -> None:
    exc = sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)

    assert is_database_unavailable(exc)


async def test_a_real_connection_to_a_missing_socket_is_unavailable() -> None:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any error the driver chooses
        await asyncpg.connect(host="/nonexistent-laskutin", user="x", database="x", timeout=2)

    assert is_database_unavailable(caught.value)


@pytest.mark.parametrize(
    "exc",
    [FileNotFoundError(2, "No such file: 'fonts/DejaVuSans.ttf'"), TimeoutError(), OSError()],
    ids=lambda exc: type(exc).__name__,
)
def test_file_and_timeout_errors_of_our_own_code_are_not_unavailable(exc: BaseException) -> None:
    with pytest.raises(type(exc)) as caught:
        raise exc

    assert not is_database_unavailable(caught.value)


def test_error_while_handling_a_connection_error_is_unavailable() -> None:
    # e.g. a rollback that fails because the connection died under the statement
    exc = raised_during(
        raised_in_driver(ConnectionResetError("reset by peer")), RuntimeError("rollback failed")
    )

    assert is_database_unavailable(exc)


def test_deliberately_hidden_context_is_not_followed() -> None:
    try:
        try:
            raise ConnectionRefusedError("refused")
        except OSError:
            raise ValueError("bad input") from None
    except ValueError as caught:
        exc = caught

    assert not is_database_unavailable(exc)


def test_a_cycle_in_the_chain_ends() -> None:
    first, second = ValueError("a"), KeyError("b")
    first.__context__ = second
    second.__context__ = first

    assert not is_database_unavailable(first)
