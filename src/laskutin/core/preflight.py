"""Checks before a process starts, each failing with one line that says what to fix."""

from __future__ import annotations

import asyncio
import errno
import socket

import asyncpg

from laskutin.core.dburl import DatabaseUrl


class PreflightError(RuntimeError):
    """One line for the operator: what is wrong and what to do."""


def bind_socket(host: str, port: int) -> socket.socket:
    """The listening socket, or a clear PreflightError (port taken, address not here, ...)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PreflightError(
                f"port {port} on {host} is already in use (another Laskutin or another "
                "program): stop it, or choose another port with --port or LASKUTIN_PORT"
            ) from None
        if exc.errno == errno.EACCES:
            raise PreflightError(
                f"not allowed to listen on port {port}: choose a port above 1023"
            ) from None
        if exc.errno in (errno.EADDRNOTAVAIL, socket.EAI_NONAME):
            raise PreflightError(
                f"{host} is not an address of this machine: use --host 127.0.0.1 or 0.0.0.0"
            ) from None
        raise PreflightError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except socket.gaierror:
        sock.close()
        raise PreflightError(f"{host} is not a valid address to listen on") from None
    return sock


def ensure_port_free(host: str, port: int) -> None:
    bind_socket(host, port).close()


async def _try_connect(url: DatabaseUrl, timeout: float) -> None:
    conn = await asyncpg.connect(
        user=url.user,
        password=url.password,
        host=url.host,
        port=url.port,
        database=url.database,
        timeout=timeout,
    )
    await conn.close()


def check_database(url: DatabaseUrl, *, setting: str, timeout: float = 5.0) -> None:
    """Connect once; on failure raise PreflightError naming the cause and the setting to fix."""
    where = url.describe()
    try:
        asyncio.run(_try_connect(url, timeout))
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError):
        raise PreflightError(
            f"the database refused {where}: wrong password or no such role; check {setting}"
        ) from None
    except asyncpg.InvalidCatalogNameError:
        raise PreflightError(f"{where}: the database does not exist; check {setting}") from None
    except asyncpg.CannotConnectNowError:
        raise PreflightError(f"{where}: the database is starting or stopping; try again") from None
    except socket.gaierror:
        raise PreflightError(f"{where}: unknown host name; check {setting}") from None
    except TimeoutError:
        raise PreflightError(
            f"{where}: no answer within {timeout:.0f} s; check {setting} and the network"
        ) from None
    except (ConnectionRefusedError, FileNotFoundError):
        raise PreflightError(
            f"cannot connect to {where}: connection refused; is PostgreSQL running? "
            f"(check {setting}; the embedded one starts with `laskutin db start`)"
        ) from None
    except OSError as exc:
        raise PreflightError(f"cannot connect to {where}: {exc.strerror or exc}") from None
    except asyncpg.PostgresError as exc:
        raise PreflightError(f"the database refused {where}: {exc}") from None
