"""A local cluster as in production, on this machine (docs/deploy.md#a-local-cluster).

    make cluster              # or: .venv/bin/python bench/_cluster.py
    make cluster-stop         # or Ctrl-C / SIGTERM to the script

Starts, all on 127.0.0.1 and in its own data folder (.data/cluster, so that it works beside
`make run` on port 8000):

- the embedded PostgreSQL (Unix socket in the data folder), migrated by `laskutin migrate`;
- three API replicas (`laskutin serve`) on ports BASE+1..BASE+3, draining for
  LASKUTIN_SHUTDOWN_DRAIN_SECONDS (2 s) on SIGTERM;
- one `laskutin worker`;
- `laskutin serve --web-only` (port BASE+9), where the load balancer sends every path that is
  not the API's: web/dist with CDN-like cache headers, no database (in production, a CDN);
- HAProxy (Debian's package; installed with apt-get when missing and we are root) on port BASE
  with deploy/haproxy.cfg: health checks on /readyz, retries and redispatch.

BASE is 8100 (``--port``). It prints the URLs and waits; on Ctrl-C, SIGTERM or `make
cluster-stop` (which signals the pid in DATA/cluster.pid) it stops everything it started, each
process by its own process group. bench/chaos.py uses the same class with a temporary folder.
Its name starts with ``_`` so that `make bench`, which runs every other script here, does not
start a cluster that waits for Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from _pg import BENCH_DIR, BIN_DIR, SRC_DIR
from _procs import HOST, Server, probe
from laskutin.core.dburl import DatabaseUrl
from laskutin.core.embedded_pg import PORT, EmbeddedPostgres
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE

ROOT = BENCH_DIR.parent
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
REPLICAS = 3
WEB_OFFSET = 9
DRAIN_SECONDS = 2.0


def ensure_haproxy(install: bool = True) -> str:
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/sbin/haproxy") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        print("haproxy is missing: apt-get install -y haproxy", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "check": False}
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "haproxy"], env=env, **quiet).returncode:
            subprocess.run(["apt-get", "update"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "haproxy"], env=env, **quiet)
        found = shutil.which("haproxy") or (
            "/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None
        )
        if found:
            return found
    raise SystemExit("HAProxy is needed: sudo apt-get install -y haproxy")


class Cluster:
    """PostgreSQL, N replicas, a worker, a web server and HAProxy; each started and stopped
    on its own, so the chaos script can restart, kill and scale them."""

    def __init__(
        self,
        data_dir: Path,
        base_port: int,
        *,
        replicas: int = REPLICAS,
        drain_seconds: float = DRAIN_SECONDS,
        worker: bool = True,
        web: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.base_port = base_port
        self.replica_count = replicas
        self.log_dir = self.data_dir / "logs"
        self.database = EmbeddedPostgres.create(self.data_dir)
        self.with_worker = worker
        self.with_web = web
        socket_dir = str(self.database.socket_dir)

        def url(role: str) -> str:
            return DatabaseUrl(role, EMBEDDED_DATABASE, socket_dir, PORT).libpq_url()

        env = {k: v for k, v in os.environ.items() if not k.startswith("LASKUTIN_")}
        env.update(
            {
                "LASKUTIN_ENV": "development",
                "LASKUTIN_DATA_DIR": str(self.data_dir),
                "LASKUTIN_DATABASE_URL": url(EMBEDDED_APP_ROLE),
                "LASKUTIN_MIGRATION_DATABASE_URL": url(EMBEDDED_OWNER_ROLE),
                "LASKUTIN_LOG_LEVEL": "WARNING",
                "LASKUTIN_SHUTDOWN_DRAIN_SECONDS": str(drain_seconds),
                "LASKUTIN_SHUTDOWN_TIMEOUT_SECONDS": "10",
                "LASKUTIN_PUBLIC_URL": f"http://{HOST}:{base_port}",
                "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(SRC_DIR)]),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.update(extra_env or {})
        self.env = env
        laskutin = str(BIN_DIR / "laskutin")
        self.replicas = [
            Server(
                f"api{n}",
                base_port + n,
                [laskutin, "serve", "--host", HOST, "--port", str(base_port + n)],
                {**env, "LASKUTIN_SERVE_WEB": "false"},
                ROOT,
                self.log_dir / f"api{n}.log",
            )
            for n in range(1, replicas + 1)
        ]
        self.worker = Server(
            "worker", 0, [laskutin, "worker"], env, ROOT, self.log_dir / "worker.log"
        )
        web_port = base_port + WEB_OFFSET
        self.web = Server(
            "web",
            web_port,
            [laskutin, "serve", "--web-only", "--host", HOST, "--port", str(web_port)],
            env,
            ROOT,
            self.log_dir / "web.log",
        )
        self.stats_socket = self.data_dir / "haproxy.sock"
        lb_env = {
            **os.environ,
            "LASKUTIN_LB_BIND": f"{HOST}:{base_port}",
            "LASKUTIN_LB_STATS": str(self.stats_socket),
            "LASKUTIN_WEB": f"{HOST}:{web_port}",
        }
        for n in range(1, 4):  # the config names three; missing ones point at a closed port
            lb_env[f"LASKUTIN_API{n}"] = f"{HOST}:{base_port + n}"
        self.haproxy = Server(
            "haproxy",
            base_port,
            [ensure_haproxy(), "-W", "-db", "-f", str(HAPROXY_CFG)],
            lb_env,
            ROOT,
            self.log_dir / "haproxy.log",
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.base_port}"

    # --- PostgreSQL ------------------------------------------------------------------------

    def start_database(self) -> None:
        self.database.start(tie_to_parent=True)

    def stop_database(self) -> None:
        self.database.stop()

    def migrate(self) -> None:
        self.database.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
        done = subprocess.run(
            [str(BIN_DIR / "laskutin"), "migrate", "upgrade"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"laskutin migrate failed:\n{done.stdout}{done.stderr}")

    def postgres_pid(self) -> int | None:
        return self.database.running_pid()

    # --- processes -------------------------------------------------------------------------

    def start_replica(self, index: int, wait: bool = True) -> None:
        server = self.replicas[index]
        server.start()
        if wait:
            wait_ready(server)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.start_database()
        self.migrate()
        for server in self.replicas:
            server.start()
        if self.with_web:
            self.web.start()
        if self.with_worker:
            self.worker.start()
        for server in self.replicas:
            wait_ready(server)
        if self.with_web:
            wait_ready(self.web)
        self.haproxy.start()
        self.wait_lb(
            {s.name: "UP" for s in self.replicas}
            | {f"api{n}": "DOWN" for n in range(self.replica_count + 1, 4)}
        )

    def stop(self) -> None:
        servers = [self.haproxy, *self.replicas, self.web, self.worker]
        for server in servers:  # all drain at once, then each is waited for
            if server.process is not None and server.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    server.process.send_signal(signal.SIGTERM)
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        with contextlib.suppress(Exception):
            self.stop_database()

    # --- HAProxy's view --------------------------------------------------------------------

    def lb_states(self) -> dict[str, str]:
        """Server name -> UP/DOWN/... of the api backend, from HAProxy's stats socket."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(str(self.stats_socket))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "api" and row.get("svname", "").startswith("api"):
                states[row["svname"]] = row["status"].split()[0]
        return states

    def wait_lb(self, wanted: dict[str, str], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, IndexError):
                states = self.lb_states()
                if all(states.get(name) == state for name, state in wanted.items()):
                    return
            time.sleep(0.1)
        raise SystemExit(f"HAProxy did not reach {wanted} within {timeout:.0f} s: {states}")


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited at start:\n{server.log_tail()}")
        if probe(server.port, "/readyz") == 200:
            return
        time.sleep(0.1)
    raise SystemExit(f"{server.name} was not ready within {timeout:.0f} s:\n{server.log_tail()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "cluster")
    parser.add_argument("--port", type=int, default=8100, help="HAProxy's port (default 8100)")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    args.data_dir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    pid_file = args.data_dir / "cluster.pid"
    with contextlib.suppress(FileNotFoundError, ValueError):
        other = int(pid_file.read_text())
        with contextlib.suppress(ProcessLookupError):
            os.kill(other, 0)
            raise SystemExit(f"a cluster already runs (pid {other}); make cluster-stop")
    stopping = False

    def on_signal(sig: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    cluster = Cluster(args.data_dir, args.port)
    pid_file.write_text(f"{os.getpid()}\n")
    try:
        started = time.monotonic()
        cluster.start()
        url = cluster.url
        print(f"cluster ready in {time.monotonic() - started:.1f} s (data: {args.data_dir})")
        print(f"  web app        {url}/")
        print(f"  API            {url}/api/v1  (docs {url}/api/docs)")
        print(f"  health         {url}/healthz  {url}/readyz  {url}/metrics")
        for server in cluster.replicas:
            print(f"  replica        {server.name} http://{HOST}:{server.port}  pid {server.pid}")
        print(f"  web (CDN role) http://{HOST}:{cluster.web.port}")
        print(f"  worker         pid {cluster.worker.pid}")
        print(f"  PostgreSQL     {cluster.database.socket_dir} pid {cluster.postgres_pid()}")
        print(f"  HAProxy        pid {cluster.haproxy.pid}, stats: {cluster.stats_socket}")
        print(f"  logs           {cluster.log_dir}")
        print("Ctrl-C or `make cluster-stop` stops everything.", flush=True)
        while True:
            for server in [cluster.haproxy, cluster.worker, cluster.web]:
                if server.process is not None and server.process.poll() is not None:
                    print(f"{server.name} exited ({server.process.returncode}); see its log")
                    server.process = None
            time.sleep(1)
    except KeyboardInterrupt:
        print("stopping the cluster...", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
        pid_file.unlink(missing_ok=True)
        print("cluster stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
