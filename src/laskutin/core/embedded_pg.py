"""An embedded PostgreSQL: a real server run from the project's data folder, no set-up needed.

The binaries come from the ``pgserver`` wheel (so every machine runs the same PostgreSQL), or
from ``LASKUTIN_PG_BIN_DIR``, or from a system installation. ``initdb`` and ``postgres`` refuse
to run as root, so when we are root they run as an unprivileged user (``postgres`` if it exists,
else ``nobody``). The server listens on a Unix socket only: nothing else on the machine (port
5432 included) is touched or assumed. We do not use pgserver's own Python API because it adds an
OS user behind our back and starts the server in ways we cannot tie to our process lifetime.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
PORT = 5432  # only names the socket file; no TCP port is opened
_PR_SET_PDEATHSIG = 1
_MAX_SOCKET_DIR = 90  # sun_path holds 107 bytes, and ".s.PGSQL.5432.lock" must fit after it


class EmbeddedPostgresError(RuntimeError):
    """Something the user has to fix; the message is one line saying what."""


def socket_dir_for(data_dir: Path) -> Path:
    # Resolved, so that every spelling of the folder (a symlink, a relative path) agrees.
    data_dir = data_dir.expanduser().resolve()
    preferred = data_dir / "run"
    if len(str(preferred)) <= _MAX_SOCKET_DIR:
        return preferred
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    return Path("/tmp") / f"laskutin-{digest}"  # noqa: S108 - short path; folder is 0700


def die_with_parent(sig: int = signal.SIGTERM, *, parent: int | None = None) -> bool:
    """Ask Linux to send us ``sig`` when our parent process dies (a SIGKILLed supervisor).

    ``parent`` is the pid the caller expects as its parent (taken before a fork, or before
    this call): False means that parent died before the request took effect, so no signal
    will ever come and the caller should end by itself.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: children may outlive a killed parent
        pass
    return parent is None or os.getppid() == parent


def _tie_to(parent: int, sig: int) -> Callable[[], None]:
    """A ``preexec_fn`` for a child that must die with ``parent`` (the process forking it)."""

    def preexec() -> None:
        if not die_with_parent(sig, parent=parent):
            os._exit(1)  # the parent is already gone: do not start an orphan

    return preexec


def find_bin_dir(configured: Path | None = None) -> Path:
    candidates: list[Path] = []
    if configured is not None:
        candidates.append(configured)
    spec = importlib.util.find_spec("pgserver")  # finds the wheel without importing it
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates.append(Path(location) / "pginstall" / "bin")
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_major_of_path, reverse=True)
    candidates.extend(system)
    for candidate in candidates:
        if (candidate / "postgres").is_file() and (candidate / "initdb").is_file():
            return candidate
    if configured is not None:
        raise EmbeddedPostgresError(
            f"LASKUTIN_PG_BIN_DIR={configured} has no initdb and postgres programs"
        )
    raise EmbeddedPostgresError(
        "no PostgreSQL programs found: run `make install` (it installs the pgserver wheel) "
        "or set LASKUTIN_PG_BIN_DIR"
    )


def _major_of_path(path: Path) -> int:
    name = path.parent.name
    return int(name) if name.isdigit() else 0


@dataclass(frozen=True)
class RunAs:
    """The Unix account the server runs under."""

    name: str
    uid: int
    gid: int

    @classmethod
    def choose(cls, configured: str | None) -> RunAs:
        if os.geteuid() != 0:
            entry = pwd.getpwuid(os.geteuid())
            return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)
        names = [configured] if configured else ["postgres", "nobody"]
        for name in names:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)
        raise EmbeddedPostgresError(
            f"user '{names[0]}' does not exist: PostgreSQL cannot run as root, so name an "
            "unprivileged user with LASKUTIN_EMBEDDED_PG_USER"
        )

    @property
    def switches(self) -> bool:
        return self.uid != os.geteuid()

    def popen_kwargs(self) -> dict[str, object]:
        if not self.switches:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def can_reach(self, path: Path) -> bool:
        """Whether every folder above ``path`` lets this user through (root sees no 0700)."""
        for parent in [path, *path.parents]:
            if not parent.exists():
                continue
            info = parent.stat()
            if info.st_uid == self.uid:
                needed = stat.S_IXUSR
            elif info.st_gid == self.gid:
                needed = stat.S_IXGRP
            else:
                needed = stat.S_IXOTH
            if parent.is_dir() and not info.st_mode & needed:
                return False
        return True


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    bin_dir: Path
    run_as: RunAs
    settings: Mapping[str, str] = field(default_factory=dict)
    # The server process when this object started it (reaped on stop).
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        data_dir: Path,
        *,
        bin_dir: Path | None = None,
        os_user: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> EmbeddedPostgres:
        return cls(
            data_dir.expanduser().resolve(),
            find_bin_dir(bin_dir),
            RunAs.choose(os_user),
            dict(settings or {}),
        )

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def staging_dir(self) -> Path:
        """Where initdb builds a new cluster before it is moved into place."""
        return self.data_dir / "postgres.initdb-partial"

    @property
    def socket_dir(self) -> Path:
        return socket_dir_for(self.data_dir)

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def pid_file(self) -> Path:
        return self.cluster_dir / "postmaster.pid"

    def running_pid(self) -> int | None:
        """The pid of a live postmaster of this cluster, clearing what a dead one left behind."""
        pid = self._pid_from_file()
        if pid is not None and _is_postmaster(pid, self.cluster_dir):
            return pid
        if pid is not None or self.pid_file.exists():
            self.pid_file.unlink(missing_ok=True)
        for leftover in self.socket_dir.glob(f".s.PGSQL.{PORT}*"):
            leftover.unlink(missing_ok=True)
        return None

    def is_ready(self) -> bool:
        try:
            lines = self.pid_file.read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    def _pid_from_file(self) -> int | None:
        try:
            first = self.pid_file.read_text().split("\n", 1)[0].strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(first) if first.isdigit() else None

    def initialise(self) -> bool:
        """Create the cluster if it does not exist yet; True when it was created."""
        self._check_writable()
        with self._exclusive():
            return self._initialise()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One process at a time creates or starts this cluster (two `make run`s at once)."""
        with (self.data_dir / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            yield

    def _initialise(self) -> bool:
        self._prepare_folders()
        if (self.cluster_dir / "PG_VERSION").exists():
            self._check_version()
            return False
        if self.cluster_dir.exists() and any(self.cluster_dir.iterdir()):
            raise EmbeddedPostgresError(
                f"{self.cluster_dir} is not empty but holds no PostgreSQL cluster: "
                "move it away or choose another LASKUTIN_DATA_DIR"
            )
        # initdb works in a folder of its own that becomes the cluster only when complete: an
        # initdb cut short (Ctrl-C, SIGKILL of the whole run) must not leave a half-made
        # cluster that the next start takes for a real one. (A symlinked cluster folder, e.g.
        # onto another disk, is filled in place.)
        staged = not self.cluster_dir.is_symlink()
        target = self.staging_dir if staged else self.cluster_dir
        if staged:
            shutil.rmtree(self.staging_dir, ignore_errors=True)  # an earlier one cut short
            self.staging_dir.mkdir(mode=0o700)
            if self.run_as.switches:
                os.chown(self.staging_dir, self.run_as.uid, self.run_as.gid)
        result = subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(target),
                "-U",
                SUPERUSER,
                "-A",
                "trust",  # only reachable through the private socket folder
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            process_group=0,  # a Ctrl-C meant for us does not cut it short
            preexec_fn=_tie_to(os.getpid(), signal.SIGKILL),  # but our death does
            **self.run_as.popen_kwargs(),  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            if staged:
                shutil.rmtree(self.staging_dir, ignore_errors=True)
            reason = _last_meaningful_line(result.stderr) or "initdb failed"
            raise EmbeddedPostgresError(f"could not create the database cluster: {reason}")
        if staged:
            os.replace(self.staging_dir, self.cluster_dir)  # onto the empty folder
        return True

    def _check_writable(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / f".write-test-{os.getpid()}"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise EmbeddedPostgresError(
                f"the data folder {self.data_dir} is not writable ({exc.strerror}): "
                "make it writable or point LASKUTIN_DATA_DIR to another folder"
            ) from None

    def _prepare_folders(self) -> None:
        # Checked before creating anything the unprivileged user owns, so a refused start
        # leaves nothing behind that only root could clean up.
        if self.run_as.switches and not self.run_as.can_reach(self.data_dir):
            raise EmbeddedPostgresError(
                f"PostgreSQL runs as user '{self.run_as.name}' (it refuses root) and cannot "
                f"reach {self.data_dir} because a parent folder is private (e.g. a 0700 home): "
                "set LASKUTIN_DATA_DIR to a folder outside it"
            )
        if self.run_as.switches and not self.run_as.can_reach(self.bin_dir / "postgres"):
            raise EmbeddedPostgresError(
                f"PostgreSQL runs as user '{self.run_as.name}' and cannot reach its programs in "
                f"{self.bin_dir}: keep the project outside a private (0700) folder or set "
                "LASKUTIN_PG_BIN_DIR"
            )
        for folder in (self.cluster_dir, self.socket_dir):
            if not folder.is_relative_to(self.data_dir):
                self._claim_shared_tmp_folder(folder)
                continue
            folder.mkdir(mode=0o700, exist_ok=True)
            if self.run_as.switches:
                os.chown(folder, self.run_as.uid, self.run_as.gid)
        if self.run_as.switches and not self.run_as.can_reach(self.socket_dir):
            raise EmbeddedPostgresError(
                f"PostgreSQL runs as user '{self.run_as.name}' and cannot reach its socket "
                f"folder {self.socket_dir}: set LASKUTIN_DATA_DIR to a folder outside any "
                "private (0700) folder"
            )

    def _claim_shared_tmp_folder(self, folder: Path) -> None:
        """The socket folder in /tmp (for a long data path), where anyone may create names.

        Whatever waits there must be a real folder of ours or of the server's user: a planted
        symlink would make us hand its target to that user, and a stranger's folder would let
        the stranger put a socket of their own in place of the server's.
        """
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise EmbeddedPostgresError(
                f"cannot create the socket folder {folder} ({exc.strerror}): set "
                "LASKUTIN_DATA_DIR to a shorter path"
            ) from None
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid not in {os.geteuid(), self.run_as.uid}:
            raise EmbeddedPostgresError(
                f"{folder} (the socket folder for {self.data_dir}) already exists and is not "
                "a folder of ours (a symlink, or another user's): remove it, or set "
                "LASKUTIN_DATA_DIR to a shorter path"
            )
        if self.run_as.switches and info.st_uid != self.run_as.uid:
            os.chown(folder, self.run_as.uid, self.run_as.gid, follow_symlinks=False)
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(folder, 0o700)

    def _check_version(self) -> None:
        cluster_version = (self.cluster_dir / "PG_VERSION").read_text().strip()
        binaries = subprocess.run(
            [str(self.bin_dir / "postgres"), "--version"], capture_output=True, text=True
        ).stdout
        major = binaries.split()[-1].split(".")[0] if binaries else "?"
        if major != cluster_version:
            raise EmbeddedPostgresError(
                f"the data in {self.cluster_dir} belongs to PostgreSQL {cluster_version}, but "
                f"the programs in {self.bin_dir} are PostgreSQL {major}: set "
                "LASKUTIN_PG_BIN_DIR to matching programs or use another LASKUTIN_DATA_DIR"
            )

    def start(
        self, *, tie_to_parent: bool, timeout: float = 30.0
    ) -> subprocess.Popen[bytes] | None:
        """Start the server; None when one was already running (it is then left alone).

        ``tie_to_parent`` makes the server stop when this process dies, even by SIGKILL, so
        that a killed ``laskutin run`` leaves nothing behind; otherwise it runs detached.
        """
        self._check_writable()
        with self._exclusive():
            return self._start(tie_to_parent=tie_to_parent, timeout=timeout)

    def _start(self, *, tie_to_parent: bool, timeout: float) -> subprocess.Popen[bytes] | None:
        self._initialise()
        if self.running_pid() is not None:
            self.wait_ready(timeout)
            return None
        command = [
            str(self.bin_dir / "postgres"),
            "-D",
            str(self.cluster_dir),
            "-k",
            str(self.socket_dir),
            "-p",
            str(PORT),
            "-c",
            "listen_addresses=",
            "-c",
            "logging_collector=off",
        ]
        for name, value in self.settings.items():
            command += ["-c", f"{name}={value}"]
        # SIGINT is PostgreSQL's "fast shutdown": roll back and stop cleanly.
        preexec = _tie_to(os.getpid(), signal.SIGINT) if tie_to_parent else None

        with self.log_file.open("ab") as log:
            process: subprocess.Popen[bytes] = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=not tie_to_parent,
                process_group=0 if tie_to_parent else None,
                preexec_fn=preexec,
                **self.run_as.popen_kwargs(),  # type: ignore[call-overload]
            )
        try:
            self.wait_ready(timeout, process)
        except EmbeddedPostgresError:
            if process.poll() is None:
                process.kill()
            process.wait()
            raise
        self.process = process
        return process

    def wait_ready(self, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                reason = _last_meaningful_line(self._log_tail()) or f"exit {process.returncode}"
                raise EmbeddedPostgresError(
                    f"PostgreSQL did not start: {reason} (log: {self.log_file})"
                )
            if self.is_ready() and (self.socket_dir / f".s.PGSQL.{PORT}").exists():
                return
            time.sleep(0.05)
        raise EmbeddedPostgresError(
            f"PostgreSQL did not become ready within {timeout:.0f} s (log: {self.log_file})"
        )

    def stop(self, timeout: float = 30.0) -> bool:
        """Fast shutdown; True when a server was running."""
        pid = self.running_pid()
        if pid is None:
            return False
        _signal(pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.05)
        if _alive(pid):
            _signal(pid, signal.SIGQUIT)  # immediate shutdown: crash recovery on next start
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    break
                time.sleep(0.05)
        if self.process is not None:
            self.process.wait()
            self.process = None
        return True

    def _log_tail(self) -> str:
        try:
            with self.log_file.open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 4000))
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def superuser_conninfo(self, database: str = "postgres") -> str:
        return f"host={self.socket_dir} port={PORT} user={SUPERUSER} dbname={database}"

    def ensure_database(self, database: str, owner: str, app_role: str) -> None:
        """Create the owner and app roles and the database if missing (idempotent)."""
        import psycopg

        try:
            self._ensure_database(database, owner, app_role)
        except psycopg.Error as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            reason = lines[0] if lines else exc.__class__.__name__
            raise EmbeddedPostgresError(
                f"could not prepare the database '{database}': {reason} (log: {self.log_file})"
            ) from None

    def _ensure_database(self, database: str, owner: str, app_role: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            self.superuser_conninfo(), autocommit=True, connect_timeout=10
        ) as conn:
            # Two starts at once must not both find the role missing and both create it.
            conn.execute("SELECT pg_advisory_lock(hashtext('laskutin.ensure_database'))")
            for role in (owner, app_role):
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if exists.fetchone() is None:
                    conn.execute(
                        sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
                            sql.Identifier(role)
                        )
                    )
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if found.fetchone() is None:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(owner)
                    )
                )
                conn.execute(
                    sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                        sql.Identifier(database)
                    )
                )
                conn.execute(
                    sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                        sql.Identifier(database), sql.Identifier(app_role)
                    )
                )


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _is_postmaster(pid: int, cluster_dir: Path) -> bool:
    """A live process that is a postgres server for this very cluster (pids get reused)."""
    if not _alive(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if not argv or not argv[0].endswith(b"postgres"):
        return False
    # The postmaster works in its cluster folder. Comparing folders, not spellings, keeps a
    # server started through a symlink (or a relative path) from looking like a dead one,
    # whose pid file and socket would then be deleted under it.
    try:
        return os.path.samefile(f"/proc/{pid}/cwd", cluster_dir)
    except OSError:  # not allowed to look (another user's process): compare spellings
        spellings = {str(cluster_dir).encode(), str(cluster_dir.resolve()).encode()}
        return any(arg in spellings for arg in argv)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _last_meaningful_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "FATAL" in line or "ERROR" in line or "could not" in line:
            return line.split("FATAL:", 1)[-1].strip()
    return lines[-1] if lines else ""
