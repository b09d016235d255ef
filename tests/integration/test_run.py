"""`laskutin run` (what `make run` execs): database, migrations, demo data, server and worker.

One test walks the life of an installation, because every step needs the one before it and a
cold start costs seconds: a first run on an empty data folder (where a sign-up's verification
mail lands in the development mailbox), Ctrl-C, a second run on the same data, SIGKILL, and a
third run that must not be blocked by anything the killed one left (and that finds the SMTP
port taken, so it starts no mail catcher of its own).
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from laskutin.core.embedded_pg import socket_dir_for
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_DATABASE
from laskutin.delivery.dev_mailbox import mailbox_dir, parse, text_of
from laskutin.system.seeding import SEEDED_KEY
from tests.integration.accounts import SIGNUP, signup_body
from tests.integration.procs import (
    Spawned,
    alive,
    children_of,
    cmdline,
    free_port,
    laskutin_env,
    postgres_of,
    run_cli,
    running,
    spawn,
    wait_gone,
    wait_http_ready,
    wait_until,
)

SEEDED_LINE = "demo data added"


def _as_app(data_dir: Path) -> psycopg.Connection:
    return psycopg.connect(
        host=str(socket_dir_for(data_dir)),
        port=5432,
        user=EMBEDDED_APP_ROLE,
        dbname=EMBEDDED_DATABASE,
        connect_timeout=10,
    )


def _seed_marker(data_dir: Path) -> Any:
    with _as_app(data_dir) as conn:
        row = conn.execute(
            "SELECT value FROM instance_metadata WHERE key = %s", (SEEDED_KEY,)
        ).fetchone()
    return None if row is None else row[0]


def _assert_app_role_is_unprivileged(data_dir: Path) -> None:
    """The roles `laskutin run` made: the app connects as one that owns nothing."""
    with _as_app(data_dir) as conn:
        facts = conn.execute(
            "SELECT rolsuper, has_schema_privilege(current_user, 'public', 'CREATE'), "
            "(SELECT count(*) FROM pg_tables WHERE tableowner = current_user) "
            "FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert facts == (False, False, 0)


def _processes_of(
    run: Spawned, data_dir: Path, *, mail_catcher: bool = True
) -> tuple[int, list[int]]:
    """The postmaster and the other children (server, worker, mail catcher) of a ready
    `laskutin run`."""
    expected = ["mailcatcher", "serve", "worker"] if mail_catcher else ["serve", "worker"]
    wait_until(
        lambda: len(children_of(run.pid)) >= 1 + len(expected),
        deadline=60,
        what=f"the database and {', '.join(expected)} processes",
    )
    children = children_of(run.pid)
    [postmaster] = postgres_of(data_dir)
    assert postmaster in children
    others = [pid for pid in children if pid != postmaster]
    roles = sorted(next(a for a in cmdline(pid) if a in _ROLES) for pid in others)
    assert roles == expected, [cmdline(pid) for pid in others]
    return postmaster, others


_ROLES = ("serve", "worker", "mailcatcher")


def _verification_mail(data_dir: Path, email: str) -> str:
    """The text of the verification mail to ``email`` in the development mailbox."""
    folder = mailbox_dir(data_dir)

    def texts() -> list[str]:
        found = []
        for path in folder.glob("*.eml"):
            message = parse(path.read_bytes())
            if email in str(message["To"]):
                found.append(text_of(message))
        return found

    wait_until(lambda: bool(texts()), deadline=60, what=f"a mail to {email} in {folder}")
    [text] = texts()
    return text


def _assert_all_gone(data_dir: Path, pids: list[int]) -> None:
    wait_gone(pids)
    assert postgres_of(data_dir) == []
    assert not any(alive(pid) for pid in pids)


@pytest.mark.slow
def test_run_stop_rerun_and_recover_from_sigkill(workdir: Path, data_dir: Path) -> None:
    port = free_port()
    smtp_port = free_port()  # never 1025: a developer's own catcher may be there
    base = f"http://127.0.0.1:{port}"
    env = laskutin_env(data_dir=data_dir, smtp_port=smtp_port)
    command = ("run", "--host", "127.0.0.1", "--port", str(port))

    # 1. A new data folder: the database is created, migrated and seeded; Ctrl-C stops all.
    with spawn(*command, env=env, cwd=workdir, name="run-1") as run:
        wait_http_ready(run, f"{base}/readyz")
        postmaster, others = _processes_of(run, data_dir)
        assert (data_dir / "postgres" / "PG_VERSION").is_file()
        marker = _seed_marker(data_dir)
        assert marker is not None
        _assert_app_role_is_unprivileged(data_dir)
        with httpx.Client(timeout=10) as client:
            assert client.get(f"{base}/healthz").status_code == 200
        # The worker runs jobs (queue -> worker -> database, through the embedded database).
        ping = run_cli("jobs", "ping", "--timeout", "60", env=env, cwd=workdir)
        assert ping.returncode == 0, ping.stderr
        assert "a worker ran the job" in ping.stdout
        # The mail the worker sends is caught: a sign-up's verification link is in the mailbox.
        assert f"development mail catcher on 127.0.0.1:{smtp_port}" in run.output()
        with httpx.Client(timeout=30) as client:
            signed_up = client.post(f"{base}{SIGNUP}", json=signup_body("uusi@example.fi"))
            assert signed_up.status_code == 201, signed_up.text
            assert "/#/verify-email?token=" in _verification_mail(data_dir, "uusi@example.fi")
            mails = client.get(f"{base}/api/v1/dev/mails").json()["items"]
            assert [mail["to"] for mail in mails] == [["uusi@example.fi"]]
        wait_until(
            lambda: "mail to uusi@example.fi" in run.output(),
            deadline=30,
            what="the mail's line on the console",
        )

        run.signal(signal.SIGINT)
        assert run.wait() == 0, run.output()
        _assert_all_gone(data_dir, [postmaster, *others])
        assert SEEDED_LINE in run.output()
        assert "Traceback" not in run.output()
    assert not (data_dir / "postgres" / "postmaster.pid").exists()

    # 2. The same data folder again: same data, no second seeding. Then SIGKILL.
    with spawn(*command, env=env, cwd=workdir, name="run-2") as run:
        wait_http_ready(run, f"{base}/readyz")
        postmaster, others = _processes_of(run, data_dir)
        assert _seed_marker(data_dir) == marker
        run.process.kill()
        run.wait()
        # The children were tied to it (parent-death signal): none of them stays.
        _assert_all_gone(data_dir, [postmaster, *others])
        assert SEEDED_LINE not in run.output()

    # 3. Nothing the killed run left blocks the next start; SIGTERM stops it cleanly. Someone
    # else listens on the SMTP port (the developer's own catcher): ours is not started.
    with (
        socket.create_server(("127.0.0.1", smtp_port)),
        spawn(*command, env=env, cwd=workdir, name="run-3") as run,
    ):
        wait_http_ready(run, f"{base}/readyz")
        postmaster, others = _processes_of(run, data_dir, mail_catcher=False)
        assert f"something already listens on 127.0.0.1:{smtp_port}" in run.output()
        assert _seed_marker(data_dir) == marker
        run.signal(signal.SIGTERM)
        assert run.wait() == 0, run.output()
        _assert_all_gone(data_dir, [postmaster, *others])
        assert "Traceback" not in run.output()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "ctrl-c"])
def test_run_stopped_while_creating_the_database_leaves_nothing_that_blocks(
    workdir: Path, data_dir: Path, sig: signal.Signals
) -> None:
    """A signal for the whole run (its process group: Ctrl-C in a terminal, or a SIGKILL)
    while initdb works on a new cluster: a half-made cluster must not pass for a real one at
    the next start, and Ctrl-C is a clean stop."""
    env = laskutin_env(data_dir=data_dir)
    command = ("run", "--port", str(free_port()))
    with spawn(*command, env=env, cwd=workdir, name="run", new_session=True) as run:
        wait_until(
            lambda: bool(running("initdb", data_dir)) or run.process.poll() is not None,
            deadline=60,
            what="initdb to start",
            step=0.01,
        )
        initdb = running("initdb", data_dir)
        assert initdb, run.output()
        os.killpg(run.pid, sig)
        code = run.wait()
        wait_gone(initdb)
        if sig == signal.SIGINT:
            assert code == 0, run.output()
            assert "Traceback" not in run.output()
        assert postgres_of(data_dir) == []

    started = run_cli("db", "start", env=env, cwd=workdir)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        with _as_app(data_dir) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (EMBEDDED_APP_ROLE,)
    finally:
        stopped = run_cli("db", "stop", env=env, cwd=workdir)
    assert stopped.returncode == 0, stopped.stderr
    assert postgres_of(data_dir) == []
