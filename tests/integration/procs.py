"""Helpers for tests that start `laskutin` processes: environment, ports, waiting, /proc checks.

Every wait is bounded by a deadline; no test asserts on how long something took.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

LASKUTIN = (sys.executable, "-m", "laskutin")
START_DEADLINE = 120.0  # seconds; a slow, busy 2-core machine needs ~15 s for a cold start
STOP_DEADLINE = 60.0


def laskutin_env(**values: object) -> dict[str, str]:
    """The test's environment without any LASKUTIN_* of the developer, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LASKUTIN_")}
    env["LASKUTIN_LOG_FORMAT"] = "text"
    env["PYTHONUNBUFFERED"] = "1"
    env.update({f"LASKUTIN_{key.upper()}": str(value) for key, value in values.items()})
    return env


def run_cli(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run one `laskutin` command to its end (killed if it outlives ``timeout``)."""
    return subprocess.run(
        [*LASKUTIN, *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_at_once(
    *args: str, env: dict[str, str], cwd: Path, copies: int = 2
) -> list[tuple[int, str]]:
    """Start the same `laskutin` command several times at once; (exit code, output) of each."""
    processes = [
        subprocess.Popen(
            [*LASKUTIN, *args],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(copies)
    ]
    try:
        outputs = [process.communicate(timeout=120)[0] for process in processes]
        return [(process.returncode, out) for process, out in zip(processes, outputs, strict=True)]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate()


def assert_one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    """A failure that ends with exactly one line on stderr, "laskutin: ...", and no traceback."""
    output = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode != 0, output
    assert "Traceback" not in result.stdout + result.stderr, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("laskutin: "), output
    return lines[0]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Spawned:
    """A `laskutin` process started in the background, its output going to a file."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait(self, timeout: float = STOP_DEADLINE) -> int:
        return self.process.wait(timeout)

    def signal(self, sig: int) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)


@contextlib.contextmanager
def spawn(
    *args: str, env: dict[str, str], cwd: Path, name: str, new_session: bool = False
) -> Iterator[Spawned]:
    """Start `laskutin args...`; whatever happens, it is killed and reaped at the end.

    ``new_session`` gives it a process group of its own, as a shell gives a command (so that
    the test can signal the whole group, like Ctrl-C in a terminal).
    """
    log_path = cwd / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*LASKUTIN, *args],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    spawned = Spawned(process, log_path)
    try:
        yield spawned
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def wait_until(
    condition: Callable[[], bool], *, deadline: float, what: str, step: float = 0.1
) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(step)


def wait_http_ready(
    spawned: Spawned, url: str, *, deadline: float = START_DEADLINE
) -> httpx.Response:
    """Poll ``url`` until it answers 200; fail at once if the process ends."""
    end = time.monotonic() + deadline
    with httpx.Client(timeout=5) as client:
        while True:
            code = spawned.process.poll()
            if code is not None:
                raise AssertionError(f"process ended with {code}:\n{spawned.output()}")
            try:
                response = client.get(url)
                if response.status_code == 200:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > end:
                raise AssertionError(f"{url} never answered 200:\n{spawned.output()}")
            time.sleep(0.2)


# --- what runs on the machine ------------------------------------------------------------


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a zombie has stopped; only its entry stays)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def running(program: str, data_dir: Path) -> list[int]:
    """Live processes of ``program`` (e.g. initdb) whose command line names ``data_dir``."""
    found = []
    for pid in _pids():
        argv = cmdline(pid)
        named = argv and argv[0].endswith(program) and any(str(data_dir) in a for a in argv)
        if named and alive(pid):
            found.append(pid)
    return found


def postgres_of(data_dir: Path) -> list[int]:
    """Live postgres processes whose command line names ``data_dir`` (postmasters)."""
    return running("postgres", data_dir)


def children_of(parent: int) -> list[int]:
    found = []
    for pid in _pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(pid)
    return found


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


def wait_gone(pids: list[int], *, deadline: float = STOP_DEADLINE) -> None:
    wait_until(
        lambda: not any(alive(pid) for pid in pids),
        deadline=deadline,
        what=f"processes {pids} to end",
    )


def kill_postgres_of(data_dir: Path) -> None:
    """Last-resort clean-up: a test must never leave a PostgreSQL running."""
    for pid in postgres_of(data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
    with contextlib.suppress(AssertionError):
        wait_gone(postgres_of(data_dir), deadline=10)
    for pid in postgres_of(data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
