"""`laskutin`: serve, worker, migrate, db, run (everything for development), mailcatcher, jobs,
openapi."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from laskutin.core.embedded_pg import EmbeddedPostgres, EmbeddedPostgresError
from laskutin.core.logging import configure_logging
from laskutin.core.preflight import PreflightError, check_database
from laskutin.core.settings import (
    EMBEDDED_APP_ROLE,
    EMBEDDED_DATABASE,
    EMBEDDED_OWNER_ROLE,
    Settings,
    SettingsError,
    load_settings,
)

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    def show(self, file: Any = None) -> None:
        click.echo(f"laskutin: {self.message}", err=True)


def clear_errors(function: F) -> F:
    """Known failures end with one line and exit 1, never with a bare traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (SettingsError, PreflightError, EmbeddedPostgresError) as exc:
            raise CliError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def settings_from(ctx: click.Context) -> Settings:
    settings = ctx.obj
    if settings is None:
        try:
            settings = load_settings()
        except SettingsError as exc:
            raise CliError(str(exc)) from None
        configure_logging(settings.log_level, settings.log_format)
        ctx.obj = settings
    assert isinstance(settings, Settings)
    return settings


def embedded(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres.create(
        settings.resolved_data_dir, bin_dir=settings.pg_bin_dir, os_user=settings.embedded_pg_user
    )


def require_database(settings: Settings, *, owner: bool = False) -> None:
    if settings.uses_embedded_database and embedded(settings).running_pid() is None:
        raise CliError(
            f"the embedded database in {settings.resolved_data_dir} is not running: start it "
            "with `laskutin db start` (or use `make run`), or set LASKUTIN_DATABASE_URL"
        )
    if owner:
        check_database(settings.migration_database, setting="LASKUTIN_MIGRATION_DATABASE_URL")
    else:
        check_database(settings.app_database, setting="LASKUTIN_DATABASE_URL")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="laskutin")
def main() -> None:
    """Laskutin: online invoicing for Finnish businesses.

    Settings come from LASKUTIN_* environment variables or a .env file
    (see docs/configuration.md).
    """


@main.command()
@click.option("--host", help="Address to listen on (default: LASKUTIN_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: LASKUTIN_PORT, 8000).")
@click.option(
    "--web-only",
    is_flag=True,
    help="Serve only the built web app (LASKUTIN_WEB_DIST_DIR) with CDN-like cache headers, "
    "and /healthz and /readyz; no API, no database (docs/deploy.md).",
)
@click.pass_context
@clear_errors
def serve(ctx: click.Context, host: str | None, port: int | None, web_only: bool) -> None:
    """Serve the API (one stateless process; run as many as you like)."""
    # Imported before logging is set up (settings_from), as before: what the imports log at
    # INFO (alembic's plugins) stays out of the one-line errors.
    from laskutin.server import serve as run_server
    from laskutin.web_server import serve_web_only

    settings = settings_from(ctx)
    host, port = host or settings.host, settings.port if port is None else port
    if web_only:
        serve_web_only(settings, host, port)
        return
    require_database(settings)
    run_server(settings, host, port)


@main.command()
@click.option("--name", help="Worker name shown in the job tables (default: host-pid).")
@click.pass_context
@clear_errors
def worker(ctx: click.Context, name: str | None) -> None:
    """Run background and periodic jobs until SIGTERM or Ctrl-C."""
    from laskutin.jobs.worker import WorkerDatabaseError, run_worker

    settings = settings_from(ctx)
    require_database(settings)
    try:
        asyncio.run(run_worker(settings, name=name))
    except WorkerDatabaseError as exc:
        raise CliError(str(exc)) from None


@main.group()
def migrate() -> None:
    """Database migrations (run as the owner role, LASKUTIN_MIGRATION_DATABASE_URL)."""


@migrate.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
@clear_errors
def migrate_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from laskutin.core import migrations

    settings = settings_from(ctx)
    require_database(settings, owner=True)
    migrations.upgrade(settings, revision)
    click.echo(f"database at {', '.join(migrations.current(settings).current) or 'base'}")


@migrate.command("downgrade")
@click.argument("revision", default="-1")
@click.pass_context
@clear_errors
def migrate_downgrade(ctx: click.Context, revision: str) -> None:
    """Undo migrations down to REVISION (default: one step; 'base' undoes all)."""
    from laskutin.core import migrations

    settings = settings_from(ctx)
    require_database(settings, owner=True)
    migrations.downgrade(settings, revision)
    click.echo(f"database at {', '.join(migrations.current(settings).current) or 'base'}")


@migrate.command("current")
@click.pass_context
@clear_errors
def migrate_current(ctx: click.Context) -> None:
    """Show the database's migration and whether this code's newest one is applied."""
    from laskutin.core import migrations

    settings = settings_from(ctx)
    require_database(settings, owner=True)
    state = migrations.current(settings)
    click.echo(f"database: {', '.join(state.current) or 'base (empty)'}")
    click.echo(f"code needs: {state.head} ({'applied' if state.up_to_date else 'missing'})")
    if not state.up_to_date:
        ctx.exit(3)


@main.group()
def db() -> None:
    """The embedded PostgreSQL (in LASKUTIN_DATA_DIR, default ./.data)."""


@db.command("start")
@click.pass_context
@clear_errors
def db_start(ctx: click.Context) -> None:
    """Start the embedded database in the background (it keeps running)."""
    settings = settings_from(ctx)
    _refuse_external(settings)
    server = embedded(settings)
    started = server.start(tie_to_parent=False)
    server.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
    state = "started" if started else "already running"
    click.echo(f"embedded PostgreSQL {state}: {settings.app_database.libpq_url()}")


@db.command("stop")
@click.pass_context
@clear_errors
def db_stop(ctx: click.Context) -> None:
    """Stop the embedded database (fast shutdown: open transactions roll back)."""
    settings = settings_from(ctx)
    _refuse_external(settings)
    stopped = embedded(settings).stop()
    click.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


@db.command("status")
@click.pass_context
@clear_errors
def db_status(ctx: click.Context) -> None:
    """Say whether the embedded database runs; exit 3 when it does not."""
    settings = settings_from(ctx)
    _refuse_external(settings)
    server = embedded(settings)
    pid = server.running_pid()
    if pid is None:
        click.echo(f"embedded PostgreSQL is not running (data: {server.cluster_dir})")
        ctx.exit(3)
    click.echo(f"embedded PostgreSQL is running, pid {pid}, data {server.cluster_dir}")
    click.echo(f"app connection:       {settings.app_database.libpq_url()}")
    click.echo(f"migration connection: {settings.migration_database.libpq_url()}")


def _refuse_external(settings: Settings) -> None:
    if not settings.uses_embedded_database:
        raise CliError("LASKUTIN_DATABASE_URL is set: there is no embedded database to manage")


@main.command()
@click.option("--host", help="Address to listen on (default: LASKUTIN_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: LASKUTIN_PORT, 8000).")
@click.option("--no-seed", is_flag=True, help="Do not add demo data to an empty database.")
@click.option(
    "--no-mail-catcher",
    is_flag=True,
    help="Do not start the development mail catcher (`laskutin mailcatcher`).",
)
@click.pass_context
@clear_errors
def run(
    ctx: click.Context, host: str | None, port: int | None, no_seed: bool, no_mail_catcher: bool
) -> None:
    """Everything on one machine: database, migrations, demo data, server and worker.

    In development it also catches outgoing mail (see `laskutin mailcatcher`) when
    LASKUTIN_SMTP_HOST is this machine and nothing else listens on the SMTP port.
    """
    from laskutin.supervisor import run_all

    settings = settings_from(ctx)
    code = run_all(
        settings,
        host=host or settings.host,
        port=settings.port if port is None else port,
        seed=not no_seed,
        mail_catcher=not no_mail_catcher,
    )
    ctx.exit(code)


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on."
)
@click.option("--port", type=int, default=1025, show_default=True, help="SMTP port.")
@click.pass_context
@clear_errors
def mailcatcher(ctx: click.Context, host: str, port: int) -> None:
    """Development mailbox: an SMTP server that delivers nothing.

    Each message is kept as an .eml file in <LASKUTIN_DATA_DIR>/mailbox/ (the newest 200), is
    listed by GET /api/v1/dev/mails, and one line per message (recipients, subject, links)
    goes to stderr. Refused in production.
    """
    import signal
    import threading

    from laskutin.core.preflight import ensure_port_free
    from laskutin.delivery.dev_mailbox import is_loopback, mailbox_catcher, mailbox_dir

    settings = settings_from(ctx)
    if not settings.is_development:
        raise CliError("the mail catcher is for development: LASKUTIN_ENV is production")
    if not is_loopback(host):
        raise CliError(f"--host {host}: the mail catcher listens on a loopback address only")
    if not 0 <= port <= 65535:
        raise CliError(f"--port {port}: not a port number")
    if host.lower() != "localhost":
        ensure_port_free(host, port)  # a clear line when MailHog or another catcher runs
    folder = mailbox_dir(settings.resolved_data_dir)
    catcher = mailbox_catcher(folder, host=host, port=port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stop.set())
    try:
        catcher.start()
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # `laskutin run` shows this line of its child as its own: it is said once the port is open.
    click.echo(
        f"laskutin: development mail catcher on {host}:{catcher.port} — mails are kept in "
        f"{folder}, none is delivered",
        err=True,
    )
    try:
        while not stop.wait(1.0):
            pass
    finally:
        catcher.stop()


@main.group()
def jobs() -> None:
    """The job queue."""


@jobs.command("ping")
@click.option("--timeout", default=30.0, help="Seconds to wait for a worker.")
@click.pass_context
@clear_errors
def jobs_ping(ctx: click.Context, timeout: float) -> None:
    """Queue a no-op job and wait until a worker has run it."""
    from laskutin.system.ping import ping_worker

    settings = settings_from(ctx)
    require_database(settings)
    elapsed = asyncio.run(ping_worker(settings, timeout=timeout))
    if elapsed is None:
        raise CliError(
            f"no worker ran the job within {timeout:.0f} s: is `laskutin worker` running?"
        )
    click.echo(f"a worker ran the job in {elapsed * 1000:.0f} ms")


@main.command()
@click.option("--output", type=click.Path(path_type=Path), help="Write to this file.")
@click.option("--check", is_flag=True, help="Exit 1 if --output differs from the code.")
def openapi(output: Path | None, check: bool) -> None:
    """Print the OpenAPI contract (the committed copy is openapi/openapi.json)."""
    from laskutin.openapi import render_openapi

    text = render_openapi()
    if output is None:
        sys.stdout.write(text)
        return
    if check:
        if not output.exists() or output.read_text() != text:
            raise CliError(f"{output} is out of date: run `make openapi`")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    click.echo(f"wrote {output}")
