"""`laskutin run` (what `make run` starts): the whole service on one machine.

Starts the embedded PostgreSQL (unless LASKUTIN_DATABASE_URL is set), migrates, seeds demo data
into an empty database, then runs one server and one worker as child processes, and in
development a mail catcher (`laskutin mailcatcher`) when the SMTP settings point at a free port
on this machine, so that the mail the worker sends is kept in the data folder and reaches
nobody. Ctrl-C or SIGTERM stops the children first, then the database. Every child is tied to this
process (Linux parent-death signal), and this process to its parent, so a SIGKILL anywhere
leaves no server, worker or database running to block the next start.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from types import FrameType

import click

from laskutin.core import migrations
from laskutin.core.db import create_engine, session_factory
from laskutin.core.embedded_pg import EmbeddedPostgres, die_with_parent
from laskutin.core.preflight import PreflightError, check_database, ensure_port_free
from laskutin.core.settings import (
    EMBEDDED_APP_ROLE,
    EMBEDDED_DATABASE,
    EMBEDDED_OWNER_ROLE,
    Settings,
)
from laskutin.delivery.dev_mailbox import is_loopback
from laskutin.system.seeding import seed_demo_data

STOP_TIMEOUT_SECONDS = 30.0


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    me = os.getpid()

    def preexec() -> None:
        if not die_with_parent(signal.SIGTERM, parent=me):
            os._exit(1)  # we died between fork and prctl: do not start an orphan

    return subprocess.Popen(
        [sys.executable, "-m", "laskutin", *args],
        stdin=subprocess.DEVNULL,
        process_group=0,  # Ctrl-C reaches us alone; we stop the children in order
        preexec_fn=preexec,
    )


def _say(line: str) -> None:
    click.echo(click.style("laskutin: ", bold=True) + line, err=True)


def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_all(
    settings: Settings, *, host: str, port: int, seed: bool, mail_catcher: bool = True
) -> int:
    # Compare with the parent we had, not with pid 1: under systemd, or `make run` as a
    # container's first process, our parent *is* pid 1 and alive.
    if not die_with_parent(signal.SIGTERM, parent=os.getppid()):
        return 1  # our parent died before the request took effect
    ensure_port_free(host, port)

    stopping = False

    def on_signal(sig: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    def stop_requested() -> bool:
        return stopping

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    database: subprocess.Popen[bytes] | None = None
    children: list[subprocess.Popen[bytes]] = []
    catcher: subprocess.Popen[bytes] | None = None
    try:
        if settings.uses_embedded_database:
            embedded = EmbeddedPostgres.create(
                settings.resolved_data_dir,
                bin_dir=settings.pg_bin_dir,
                os_user=settings.embedded_pg_user,
            )
            created = embedded.initialise()
            if stop_requested():  # Ctrl-C while the new cluster was being made
                return 0
            database = embedded.start(tie_to_parent=True)
            embedded.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
            where = "new" if created else ("started" if database else "already running")
            _say(f"embedded PostgreSQL ({where}) in {embedded.cluster_dir}")
        check_database(settings.migration_database, setting="LASKUTIN_MIGRATION_DATABASE_URL")
        check_database(settings.app_database, setting="LASKUTIN_DATABASE_URL")
        migrations.upgrade(settings)
        if seed:
            _seed(settings)
        if stop_requested():  # Ctrl-C while the database was being prepared
            return 0
        catcher_address = _mail_catcher_address(settings) if mail_catcher else None
        if catcher_address is not None:  # first: the worker may send mail at once
            catcher = _spawn(
                "mailcatcher", "--host", catcher_address[0], "--port", str(catcher_address[1])
            )
        children = [_spawn("serve", "--host", host, "--port", str(port)), _spawn("worker")]
        url = f"http://{_url_host(host)}:{port}"
        probe = f"http://{_url_host(_PROBE_HOSTS.get(host, host))}:{port}/readyz"
        if _wait_ready(probe, children, stop_requested):
            _say(f"Laskutin is running at {url}  (API docs: {url}/api/docs). Ctrl-C stops.")
        while not stop_requested():
            if any(child.poll() is not None for child in children):
                _say("a server or worker process ended unexpectedly; stopping")
                return 1
            if catcher is not None and catcher.poll() is not None:  # not worth stopping for
                _say("the mail catcher ended; mail is no longer caught")
                catcher = None
            time.sleep(0.2)
        _say("stopping…")
        return 0
    finally:
        everyone = [*children, *([catcher] if catcher is not None else [])]
        for child in everyone:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in everyone:
            _stop(child)
        _stop(database, signal.SIGINT)  # only a database we started ourselves


def _mail_catcher_address(settings: Settings) -> tuple[str, int] | None:
    """Where to start the development mail catcher, or None (saying why when it matters).

    Only in development, and only where the mail would go: plain SMTP to this machine. When
    the port is taken, someone runs their own catcher (MailHog, Mailpit, ...): we leave it be.
    """
    if not settings.is_development or settings.smtp_security != "none":
        return None
    if not is_loopback(settings.smtp_host):
        return None
    host = settings.smtp_host.strip("[]")
    host = "127.0.0.1" if host.lower() == "localhost" else host
    port = settings.smtp_effective_port
    try:
        ensure_port_free(host, port)
    except PreflightError:
        _say(
            f"something already listens on {host}:{port} (your own mail catcher?): mail goes "
            "there; the development mail catcher is not started"
        )
        return None
    return host, port


# A server listening on every address is probed on the loopback one.
_PROBE_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _seed(settings: Settings) -> None:
    async def go() -> list[str] | None:
        engine = create_engine(settings)
        try:
            return await seed_demo_data(session_factory(engine))
        finally:
            await engine.dispose()

    lines = asyncio.run(go())
    if lines is None:
        return
    _say("demo data added to the new database")
    for line in lines:
        _say(f"  {line}")


def _wait_ready(url: str, children: list[subprocess.Popen[bytes]], stop: object) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (callable(stop) and stop()) or any(c.poll() is not None for c in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False
