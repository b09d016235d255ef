"""The embedded PostgreSQL: `laskutin db start|stop|status`, running as root, stale files."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
from pathlib import Path

import psycopg
import pytest

from laskutin.core.embedded_pg import EmbeddedPostgres, EmbeddedPostgresError, socket_dir_for
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE
from tests.conftest import FAST_UNSAFE
from tests.integration.procs import (
    alive,
    kill_postgres_of,
    laskutin_env,
    postgres_of,
    run_at_once,
    run_cli,
    uid_of,
    wait_gone,
)


def _connect_as_app(data_dir: Path) -> psycopg.Connection:
    return psycopg.connect(
        host=str(socket_dir_for(data_dir)),
        port=5432,
        user=EMBEDDED_APP_ROLE,
        dbname=EMBEDDED_DATABASE,
        connect_timeout=10,
    )


@pytest.mark.slow
def test_db_start_status_stop(workdir: Path, data_dir: Path) -> None:
    env = laskutin_env(data_dir=data_dir)

    status = run_cli("db", "status", env=env, cwd=workdir)
    assert status.returncode == 3, status.stderr
    assert "not running" in status.stdout

    started = run_cli("db", "start", env=env, cwd=workdir)
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout
    assert (data_dir / "postgres" / "PG_VERSION").is_file()  # the data lives in the data folder
    [postmaster] = postgres_of(data_dir)
    if os.geteuid() == 0:
        assert uid_of(postmaster) != 0, "PostgreSQL must run as an unprivileged user"

    # The roles and the database exist; the app role can connect through the socket.
    with _connect_as_app(data_dir) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (EMBEDDED_APP_ROLE,)
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        assert owner == (EMBEDDED_OWNER_ROLE,)

    status = run_cli("db", "status", env=env, cwd=workdir)
    assert status.returncode == 0, status.stderr
    assert f"pid {postmaster}" in status.stdout

    again = run_cli("db", "start", env=env, cwd=workdir)
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    assert postgres_of(data_dir) == [postmaster]

    stopped = run_cli("db", "stop", env=env, cwd=workdir)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped" in stopped.stdout
    wait_gone([postmaster])
    assert postgres_of(data_dir) == []
    assert not (data_dir / "postgres" / "postmaster.pid").exists()

    status = run_cli("db", "status", env=env, cwd=workdir)
    assert status.returncode == 3, status.stderr

    stopped = run_cli("db", "stop", env=env, cwd=workdir)
    assert stopped.returncode == 0, stopped.stderr
    assert "was not running" in stopped.stdout


@pytest.mark.slow
def test_start_after_postmaster_was_killed_cleans_stale_files(data_dir: Path) -> None:
    """A postmaster killed with SIGKILL leaves postmaster.pid and socket lock files behind."""
    server = EmbeddedPostgres.create(data_dir, settings=FAST_UNSAFE)
    try:
        process = server.start(tie_to_parent=True)
        assert process is not None
        server.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        server.process = None
        wait_gone(postgres_of(data_dir))
        assert server.pid_file.exists(), "SIGKILL should have left the pid file behind"
        assert list(server.socket_dir.glob(".s.PGSQL.*")), "and the socket files"

        assert server.running_pid() is None
        assert not server.pid_file.exists()
        assert not list(server.socket_dir.glob(".s.PGSQL.*"))

        restarted = server.start(tie_to_parent=True)
        assert restarted is not None
        with _connect_as_app(data_dir) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
    assert postgres_of(data_dir) == []


@pytest.mark.slow
def test_pid_file_naming_another_live_process_is_stale(data_dir: Path) -> None:
    """After a reboot the pid in a stale postmaster.pid may belong to some other process."""
    server = EmbeddedPostgres.create(data_dir, settings=FAST_UNSAFE)
    server.initialise()
    assert alive(os.getpid())
    server.pid_file.write_text(f"{os.getpid()}\n{server.cluster_dir}\n")
    try:
        assert server.running_pid() is None
        assert server.start(tie_to_parent=True) is not None
        assert server.running_pid() == server.process.pid  # type: ignore[union-attr]
    finally:
        server.stop()
    assert postgres_of(data_dir) == []


@pytest.mark.slow
def test_a_server_started_through_a_symlink_is_recognised(workdir: Path) -> None:
    """`db status` from the real path must not take a live server for a dead one (and delete
    its pid file and socket)."""
    real = workdir / "real"
    real.mkdir()
    link = workdir / "link"
    link.symlink_to(real, target_is_directory=True)
    template = EmbeddedPostgres.create(real / "data", settings=FAST_UNSAFE)
    # Started under the symlink's spelling, as an older version or another tool might have.
    server = EmbeddedPostgres(link / "data", template.bin_dir, template.run_as, FAST_UNSAFE)
    try:
        process = server.start(tie_to_parent=True)
        assert process is not None
        server.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)

        assert template.running_pid() == process.pid
        assert template.pid_file.exists()
        assert (template.socket_dir / ".s.PGSQL.5432").exists()
        status = run_cli("db", "status", env=laskutin_env(data_dir=real / "data"), cwd=workdir)
        assert status.returncode == 0, status.stdout + status.stderr
        with _connect_as_app(real / "data") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
        kill_postgres_of(link / "data")
        if server.process is not None:  # only when the test failed half-way
            server.process.kill()
            server.process.wait()
    assert postgres_of(link / "data") == []


def _long_data_dir(workdir: Path) -> Path:
    data_dir = workdir / ("a-rather-long-folder-name-" * 4) / "data"
    assert socket_dir_for(data_dir).parent == Path("/tmp"), "the path should be too long"
    return data_dir


@pytest.mark.slow
def test_a_long_data_path_gets_a_private_socket_folder_in_tmp(workdir: Path) -> None:
    """A Unix socket path holds ~107 bytes: a long data folder puts its socket in /tmp."""
    data_dir = _long_data_dir(workdir)
    server = EmbeddedPostgres.create(data_dir, settings=FAST_UNSAFE)
    try:
        server.start(tie_to_parent=True)
        server.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
        info = server.socket_dir.lstat()
        assert stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == server.run_as.uid
        with _connect_as_app(data_dir) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
        kill_postgres_of(data_dir)
        shutil.rmtree(server.socket_dir, ignore_errors=True)


@pytest.mark.parametrize("planted", ["symlink", "strangers-folder"])
def test_a_planted_socket_folder_in_tmp_is_refused(workdir: Path, planted: str) -> None:
    """Anyone can create names in /tmp: what waits at our socket folder's name must be ours."""
    data_dir = _long_data_dir(workdir)
    socket_dir = socket_dir_for(data_dir)
    victim = workdir / "victim"
    victim.mkdir()
    before = victim.stat()
    if planted == "symlink":
        socket_dir.symlink_to(victim, target_is_directory=True)
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can make a folder that belongs to somebody else")
        stranger = pwd.getpwnam("nobody")
        socket_dir.mkdir(mode=0o777)
        os.chown(socket_dir, stranger.pw_uid, stranger.pw_gid)
    try:
        server = EmbeddedPostgres.create(data_dir)
        with pytest.raises(EmbeddedPostgresError, match="not a folder of ours"):
            server.initialise()
        after = victim.stat()
        assert (after.st_uid, after.st_gid, after.st_mode) == (
            before.st_uid,
            before.st_gid,
            before.st_mode,
        )
        if planted != "symlink":
            assert socket_dir.stat().st_uid == stranger.pw_uid
    finally:
        if socket_dir.is_symlink():
            socket_dir.unlink()
        else:
            shutil.rmtree(socket_dir, ignore_errors=True)
    assert postgres_of(data_dir) == []


@pytest.mark.slow
def test_two_starts_at_once_share_one_new_cluster(workdir: Path, data_dir: Path) -> None:
    """Two `laskutin db start` (or `make run`) on a new data folder at the same moment."""
    env = laskutin_env(data_dir=data_dir)
    results = run_at_once("db", "start", env=env, cwd=workdir)
    outputs = [output for _, output in results]
    try:
        assert [code for code, _ in results] == [0, 0], outputs
        assert sorted("already running" in out for out in outputs) == [False, True], outputs
        assert len(postgres_of(data_dir)) == 1
        with _connect_as_app(data_dir) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        stopped = run_cli("db", "stop", env=env, cwd=workdir)
    assert stopped.returncode == 0, stopped.stderr
