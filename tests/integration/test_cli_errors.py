"""What an operator gets wrong ends with ONE line on stderr ("laskutin: ..."), a non-zero exit
and no traceback: an unwritable or unreachable data folder, a wrong database URL, an occupied
port, a database that refuses the connection."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE
from tests.conftest import Cluster
from tests.integration.procs import (
    LASKUTIN,
    assert_one_clear_line,
    free_port,
    laskutin_env,
    postgres_of,
    run_cli,
)

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def unwritable_folder(path: Path) -> Iterator[Path]:
    """A folder nobody may write in: 0555 for a normal user, immutable (chattr +i) for root."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
        pytest.skip("root may write anywhere here and chattr +i does not work on this folder")
    try:
        yield path
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def _external(cluster: Cluster, database: str, **overrides: object) -> dict[str, str]:
    values: dict[str, object] = {
        "database_url": cluster.url(EMBEDDED_APP_ROLE, database).libpq_url(),
        "migration_database_url": cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url(),
    }
    values.update(overrides)
    return laskutin_env(**values)


# --- the data folder -----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["db-start", "run"])
@pytest.mark.parametrize("below", [False, True], ids=["folder", "subfolder"])
def test_data_folder_not_writable(workdir: Path, command: str, below: bool) -> None:
    with unwritable_folder(workdir / "readonly") as folder:
        data_dir = folder / "data" if below else folder
        args = ["db", "start"] if command == "db-start" else ["run", "--port", str(free_port())]
        result = run_cli(*args, env=laskutin_env(data_dir=data_dir), cwd=workdir)
        line = assert_one_clear_line(result)
        assert "not writable" in line
        assert "LASKUTIN_DATA_DIR" in line
        assert postgres_of(data_dir) == []


@pytest.mark.parametrize("command", ["db-start", "run"])
def test_data_folder_below_a_private_parent(workdir: Path, command: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root hands PostgreSQL to another user who cannot pass a 0700 folder")
    private = workdir / "home"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    data_dir = private / "project" / ".data"
    args = ["db", "start"] if command == "db-start" else ["run", "--port", str(free_port())]
    result = run_cli(*args, env=laskutin_env(data_dir=data_dir), cwd=workdir)
    line = assert_one_clear_line(result)
    assert "private" in line
    assert "LASKUTIN_DATA_DIR" in line
    assert postgres_of(data_dir) == []
    # Nothing was created that the user has to clean up as root.
    assert not (data_dir / "postgres").exists()


# --- the database URL ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "variable", "url"),
    [
        (["serve"], "DATABASE_URL", "mysql://laskutin@localhost/laskutin"),
        (["worker"], "DATABASE_URL", "postgresql://laskutin@localhost:5432"),
        (["migrate", "upgrade"], "MIGRATION_DATABASE_URL", "postgresql://:5432:x@/"),
        (["run"], "DATABASE_URL", "http://example.com/laskutin"),
    ],
    ids=["serve-scheme", "worker-no-database", "migrate-garbage", "run-scheme"],
)
def test_wrong_database_url(workdir: Path, command: list[str], variable: str, url: str) -> None:
    values = {variable.lower(): url}
    if variable == "MIGRATION_DATABASE_URL":
        values["database_url"] = "postgresql://laskutin_app@127.0.0.1:1/laskutin"
    result = run_cli(*command, env=laskutin_env(**values), cwd=workdir)
    line = assert_one_clear_line(result)
    assert f"LASKUTIN_{variable}" in line


# --- the port ------------------------------------------------------------------------------


@pytest.fixture
def occupied_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_serve_on_an_occupied_port(
    cluster: Cluster, database: str, workdir: Path, occupied_port: int
) -> None:
    result = run_cli(
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(occupied_port),
        env=_external(cluster, database),
        cwd=workdir,
    )
    line = assert_one_clear_line(result)
    assert f"port {occupied_port}" in line
    assert "already in use" in line


def test_run_on_an_occupied_port_starts_nothing(
    workdir: Path, data_dir: Path, occupied_port: int
) -> None:
    result = run_cli(
        "run", "--port", str(occupied_port), env=laskutin_env(data_dir=data_dir), cwd=workdir
    )
    line = assert_one_clear_line(result)
    assert "already in use" in line
    assert postgres_of(data_dir) == []


# --- a database that refuses ---------------------------------------------------------------


@pytest.fixture
def hang_up_server() -> Iterator[int]:
    """A TCP port where something accepts connections and closes them at once."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(5)


def test_database_refuses_unknown_role(cluster: Cluster, database: str, workdir: Path) -> None:
    stranger = cluster.url("nobody_here", database).libpq_url()
    env = _external(cluster, database, database_url=stranger)
    line = assert_one_clear_line(run_cli("serve", "--port", "0", env=env, cwd=workdir))
    assert "refused" in line
    assert "LASKUTIN_DATABASE_URL" in line


def test_database_does_not_exist(cluster: Cluster, database: str, workdir: Path) -> None:
    url = cluster.url(EMBEDDED_APP_ROLE, "no_such_database").libpq_url()
    line = assert_one_clear_line(run_cli("worker", env=laskutin_env(database_url=url), cwd=workdir))
    assert "does not exist" in line


def test_nothing_listens(workdir: Path) -> None:
    port = free_port()
    url = f"postgresql://laskutin_owner@127.0.0.1:{port}/laskutin"
    env = laskutin_env(database_url=url, migration_database_url=url)
    line = assert_one_clear_line(run_cli("migrate", "upgrade", env=env, cwd=workdir))
    assert "connection refused" in line


def test_server_hangs_up(workdir: Path, hang_up_server: int, data_dir: Path) -> None:
    url = f"postgresql://laskutin_app:secret@127.0.0.1:{hang_up_server}/laskutin"
    env = laskutin_env(database_url=url, data_dir=data_dir)
    line = assert_one_clear_line(run_cli("run", "--port", str(free_port()), env=env, cwd=workdir))
    assert f"127.0.0.1:{hang_up_server}" in line
    assert "secret" not in line
    assert postgres_of(data_dir) == []


def test_embedded_database_not_running(workdir: Path, data_dir: Path) -> None:
    line = assert_one_clear_line(
        run_cli("serve", "--port", "0", env=laskutin_env(data_dir=data_dir), cwd=workdir)
    )
    assert "not running" in line
    assert "laskutin db start" in line


def test_db_commands_refuse_an_external_database(workdir: Path) -> None:
    env = laskutin_env(database_url="postgresql://laskutin_app@127.0.0.1:1/laskutin")
    line = assert_one_clear_line(run_cli("db", "start", env=env, cwd=workdir))
    assert "LASKUTIN_DATABASE_URL" in line


def test_run_started_by_pid_1_does_not_quit_silently(workdir: Path, occupied_port: int) -> None:
    """Under systemd, or `make run` as a container's first process, the parent is pid 1.

    The run must get past its parent-death set-up and report the real problem (here the
    occupied port) instead of ending at once with no word.
    """
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare for a process namespace of its own")
    command = [unshare, "--pid", "--fork", "--kill-child", "sh", "-c", '"$@"; exit $?', "sh"]
    result = subprocess.run(
        [*command, *LASKUTIN, "run", "--port", str(occupied_port)],
        env=laskutin_env(data_dir=workdir / "data"),
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0 and "unshare" in result.stderr:
        pytest.skip(f"no process namespaces here: {result.stderr.strip()}")
    line = assert_one_clear_line(result)
    assert "already in use" in line
