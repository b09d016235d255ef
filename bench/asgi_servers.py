"""Which ASGI server: uvicorn or granian, measured on this machine with the real app.

    .venv/bin/python bench/asgi_servers.py            # about 4 minutes
    .venv/bin/python bench/asgi_servers.py --quick    # 1 s warm-up, 1 run of 3 s (a smoke test)

What it does, all on loopback, and stops everything it started (also when interrupted):

1. Starts a throwaway embedded PostgreSQL in a temporary folder (Unix socket only), creates the
   owner and app roles and migrates, as `make run` does.
2. Serves the app with one worker each under
   - uvicorn           (CLI: ``uvicorn --loop uvloop --http httptools``),
   - granian           (CLI: ``granian --interface asgi --loop uvloop``),
   - laskutin          (``laskutin serve``: uvicorn run through server.py's DrainingServer),
   - granian-embedded  (granian's experimental embedded server on uvloop, with the same drain
                        as ``laskutin serve``: bench/_granian_embedded.py),
   and loads ``/healthz`` (no database) and ``/readyz`` (a pooled connection, two small SELECTs)
   with wrk: a warm-up, then N timed runs, 32 connections, 1 wrk thread. The servers run side
   by side and the timed runs alternate between them (A B C, then C B A).
   It prints req/s, p50 and p99 of every run, failures (non-2xx responses and socket errors),
   the CPU the server and PostgreSQL used per request, and how many cores other processes on
   the machine took meanwhile (a run where they took more than --max-other is "disturbed").
   Then the best undisturbed run of each server side by side, with the ratio granian / uvicorn.
3. Shutdown: sends SIGTERM to each server while probing /readyz and /healthz every 0.1 s with
   new connections (as a load balancer does), and reports when /readyz turned 503, how long
   requests were still served, when connections started to fail and how the process exited.

The figures are ratios measured in one run on one machine; bench/README.md has the last ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from types import FrameType

from _pg import BENCH_DIR, BIN_DIR, Environment, throwaway_database
from _procs import (
    HOST,
    Server,
    children_cpu,
    cpu_seconds,
    free_port,
    machine_cpu,
    probe,
    wait_ready,
)

RESULTS_DIR = BENCH_DIR / "results"
PATHS = ("/healthz", "/readyz")
SERVERS = ("uvicorn", "granian", "laskutin", "granian-embedded")
SHUTDOWN_SERVERS = ("laskutin", "granian-embedded", "uvicorn", "granian")
DRAINING = ("laskutin", "granian-embedded")  # the two that implement a drain


# --- wrk -----------------------------------------------------------------------------------------


def ensure_wrk(install: bool) -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "check": False}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet).returncode != 0:
            subprocess.run(["apt-get", "update"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit(
        "wrk is missing: install it with `sudo apt-get install -y wrk` (Debian/Ubuntu), "
        "or run this script as root to let it do that"
    )


@dataclass
class Run:
    server: str
    path: str
    run: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    server_cpu_ms_per_req: float
    pg_cpu_ms_per_req: float
    wrk_cores: float
    other_cores: float  # CPU busy on the machine beyond server, PostgreSQL and wrk
    steal_cores: float

    @property
    def failures(self) -> int:
        return self.non_2xx + self.socket_errors


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rps is None or total is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    percentiles = {
        int(m.group(1)): _ms(m.group(2), m.group(3))
        for m in re.finditer(r"^\s+(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": percentiles.get(50, float("nan")),
        "p99_ms": percentiles.get(99, float("nan")),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in sock.groups()) if sock else 0,
    }


def wrk(binary: str, port: int, path: str, seconds: float, connections: int) -> dict[str, float]:
    command = [
        binary,
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "2s",
        "--latency",
        f"http://{HOST}:{port}{path}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stderr.strip()}")
    return parse_wrk(result.stdout)


# --- the benchmark -----------------------------------------------------------------------------


def make_server(
    name: str, port: int, environment: Environment, *, drain_seconds: float = 0.0
) -> Server:
    app = "_asgi_app:app"
    commands = {
        "uvicorn": [
            str(BIN_DIR / "uvicorn"),
            app,
            *("--host", HOST, "--port", str(port), "--workers", "1"),
            *("--loop", "uvloop", "--http", "httptools"),
            *("--no-access-log", "--no-server-header", "--log-level", "warning"),
        ],
        "granian": [
            str(BIN_DIR / "granian"),
            *("--interface", "asgi", "--loop", "uvloop", "--workers", "1"),
            *("--host", HOST, "--port", str(port), "--log-level", "warning"),
            app,
        ],
        "laskutin": [str(BIN_DIR / "laskutin"), "serve", "--host", HOST, "--port", str(port)],
        "granian-embedded": [
            sys.executable,
            str(BENCH_DIR / "_granian_embedded.py"),
            *("--host", HOST, "--port", str(port)),
        ],
    }
    env = dict(environment.env)
    env["LASKUTIN_SHUTDOWN_DRAIN_SECONDS"] = str(drain_seconds)
    log = environment.data_dir / f"{name}-{port}.log"
    # The working folder is the temporary one, so that no .env of a developer is read.
    return Server(name, port, commands[name], env, environment.data_dir, log)


def measure(args: argparse.Namespace, wrk_bin: str, environment: Environment) -> list[Run]:
    """All servers run side by side (idle ones cost nothing); wrk loads one at a time.

    The timed runs alternate between the servers (A B C, then C B A, ...), so that a burst of
    other work on a shared machine falls on all of them rather than on one.
    """
    runs: list[Run] = []
    postmaster = environment.database.running_pid()
    assert postmaster is not None
    servers = {name: make_server(name, free_port(), environment) for name in args.servers}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            wait_ready(server, server.port)
        for path in args.paths:
            for name, server in servers.items():
                status = probe(server.port, path)
                if status != 200:
                    raise SystemExit(f"{name} answered {status} on {path}:\n{server.log_tail()}")
                wrk(wrk_bin, server.port, path, args.warmup, args.connections)
            order = list(servers)
            for number in range(1, args.runs + 1):
                for name in order if number % 2 else reversed(order):
                    run = timed_run(args, wrk_bin, servers[name], path, postmaster)
                    run.run = number
                    runs.append(run)
                    print_run(run, args.max_other)
    finally:
        for server in servers.values():
            server.stop()
    return runs


def timed_run(
    args: argparse.Namespace, wrk_bin: str, server: Server, path: str, postmaster: int
) -> Run:
    cpu_app, cpu_pg = cpu_seconds(server.pid), cpu_seconds(postmaster)
    cpu_wrk, (busy, steal) = children_cpu(), machine_cpu()
    result = wrk(wrk_bin, server.port, path, args.duration, args.connections)
    used_app = cpu_seconds(server.pid) - cpu_app
    used_pg = cpu_seconds(postmaster) - cpu_pg
    used_wrk = children_cpu() - cpu_wrk
    busy_after, steal_after = machine_cpu()
    other = busy_after - busy - used_app - used_pg - used_wrk
    per_request = 1000 / max(1, result["requests"])
    return Run(
        server=server.name,
        path=path,
        run=0,
        requests=int(result["requests"]),
        rps=result["rps"],
        p50_ms=result["p50_ms"],
        p99_ms=result["p99_ms"],
        non_2xx=int(result["non_2xx"]),
        socket_errors=int(result["socket_errors"]),
        server_cpu_ms_per_req=used_app * per_request,
        pg_cpu_ms_per_req=used_pg * per_request,
        wrk_cores=used_wrk / args.duration,
        other_cores=max(0.0, other) / args.duration,
        steal_cores=(steal_after - steal) / args.duration,
    )


def print_run(run: Run, max_other: float) -> None:
    flag = "  DISTURBED" if run.other_cores + run.steal_cores > max_other else ""
    print(
        f"  {run.path:<9} {run.server:<16} run {run.run}: {run.rps:>6.0f} req/s  "
        f"p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:7.2f} ms  failures {run.failures}  "
        f"CPU/req: server {run.server_cpu_ms_per_req:.3f} ms, "
        f"PostgreSQL {run.pg_cpu_ms_per_req:.3f} ms  cores: wrk {run.wrk_cores:.2f}, "
        f"other processes {run.other_cores:.2f}, stolen {run.steal_cores:.2f}{flag}",
        flush=True,
    )


def summarise(runs: list[Run], servers: list[str], paths: list[str], max_other: float) -> list[str]:
    """The best undisturbed run (by req/s) of each server side by side, and granian / uvicorn.

    A run is disturbed when other processes (or the hypervisor) took more than ``max_other``
    cores during it; disturbed runs count only when a server has no other run.
    """
    lines = []
    widths = {s: max(16, len(s) + 8) for s in servers}
    header = f"{'path':<9}" + "".join(
        f"{s + ' req/s':>{widths[s]}}{'p50':>7}{'p99':>7}{'CPU/req':>9}" for s in servers
    )
    pair = "granian" in servers and "uvicorn" in servers
    if pair:
        header += "   granian/uvicorn: req/s  p50  p99 CPU/req"
    lines.append(header)
    for path in paths:
        best = {}
        for server in servers:
            candidates = [r for r in runs if r.server == server and r.path == path]
            clean = [r for r in candidates if r.other_cores + r.steal_cores <= max_other]
            if clean or candidates:
                best[server] = max(clean or candidates, key=lambda r: r.rps)
        line = f"{path:<9}"
        for server in servers:
            run = best.get(server)
            line += (
                f"{run.rps:>{widths[server]}.0f}{run.p50_ms:>7.2f}{run.p99_ms:>7.2f}"
                f"{run.server_cpu_ms_per_req:>9.3f}"
                if run
                else " " * (widths[server] + 23)
            )
        if "granian" in best and "uvicorn" in best:
            g, u = best["granian"], best["uvicorn"]
            line += (
                f"{g.rps / u.rps:>24.2f}{g.p50_ms / u.p50_ms:>5.2f}{g.p99_ms / u.p99_ms:>5.2f}"
                f"{g.server_cpu_ms_per_req / u.server_cpu_ms_per_req:>8.2f}"
            )
        lines.append(line)
    disturbed = sum(1 for r in runs if r.other_cores + r.steal_cores > max_other)
    failures = sum(r.failures for r in runs)
    lines.append(
        f"(p50/p99 in ms, CPU/req = server CPU ms per request; {disturbed} of {len(runs)} runs "
        f"disturbed by more than {max_other:g} cores of other work)"
    )
    lines.append(f"failures (non-2xx + socket errors) over all runs: {failures}")
    return lines


# --- shutdown ----------------------------------------------------------------------------------


@dataclass
class ShutdownReport:
    server: str
    drain_seconds: float
    first_readyz_503_s: float | None
    last_healthz_200_s: float | None
    first_failure_s: float | None
    first_failure: str | None
    exit_s: float | None
    exit_code: int | None
    readyz_seen: list[str]


def shutdown_behaviour(name: str, environment: Environment, drain_seconds: float) -> ShutdownReport:
    port = free_port()
    server = make_server(name, port, environment, drain_seconds=drain_seconds)
    server.start()
    try:
        wait_ready(server, port)
        assert server.process is not None
        began = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        first_503 = last_200 = first_failure_at = exit_at = None
        first_failure: str | None = None
        readyz_seen: list[str] = []
        deadline = began + drain_seconds + 20
        while time.monotonic() < deadline:
            ready = probe(port, "/readyz", timeout=0.5)
            health = probe(port, "/healthz", timeout=0.5)
            at = round(time.monotonic() - began, 2)
            if not readyz_seen or readyz_seen[-1] != str(ready):
                readyz_seen.append(str(ready))
            if ready == 503 and first_503 is None:
                first_503 = at
            if health == 200:
                last_200 = at
            elif first_failure_at is None:
                first_failure_at, first_failure = at, str(health)
            if server.process.poll() is not None:
                exit_at = round(time.monotonic() - began, 2)
                break
            time.sleep(0.1)
        return ShutdownReport(
            name,
            drain_seconds,
            first_503,
            last_200,
            first_failure_at,
            first_failure,
            exit_at,
            server.process.poll(),
            readyz_seen,
        )
    finally:
        server.stop()


def describe(report: ShutdownReport) -> str:
    def when(value: float | None) -> str:
        return "never" if value is None else f"{value:.2f} s"

    return (
        f"  {report.server:<16} drain setting {report.drain_seconds:g} s: /readyz 503 "
        f"{when(report.first_readyz_503_s)}, last /healthz 200 {when(report.last_healthz_200_s)}, "
        f"first failed probe {when(report.first_failure_s)} ({report.first_failure or '-'}), "
        f"exit {when(report.exit_s)} with code {report.exit_code}; "
        f"/readyz answers in order: {' -> '.join(report.readyz_seen)}"
    )


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds (default 3)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds a run (default 10)")
    parser.add_argument("--runs", type=int, default=2, help="timed runs (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="default 32")
    parser.add_argument(
        "--max-other",
        type=float,
        default=0.25,
        help="cores of other work above which a run counts as disturbed (default 0.25)",
    )
    parser.add_argument("--drain", type=float, default=3.0, help="drain for the shutdown test")
    parser.add_argument("--no-shutdown-test", action="store_true")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    parser.add_argument("--quick", action="store_true", help="1 s warm-up, one 3 s run")
    args = parser.parse_args(argv)
    if args.quick:
        args.warmup, args.duration, args.runs = 1.0, 3.0, 1
    return args


def _stop_on_sigterm(sig: int, frame: FrameType | None) -> None:
    raise SystemExit(f"stopped by {signal.Signals(sig).name}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # so that the clean-up below runs
    wrk_bin = ensure_wrk(install=not args.no_install)
    wrk_version = subprocess.run([wrk_bin, "-v"], capture_output=True, text=True).stdout
    started = time.monotonic()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{wrk_version.splitlines()[0] if wrk_version else 'wrk'}",
        flush=True,
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"wrk -t1 -c{args.connections} --latency: {args.warmup:g} s warm-up, "
        f"{args.runs} x {args.duration:g} s per server and path",
        flush=True,
    )
    with throwaway_database() as environment:
        runs = measure(args, wrk_bin, environment)
        print()
        summary = summarise(runs, args.servers, args.paths, args.max_other)
        print("best run of each:", *summary, sep="\n", flush=True)
        reports: list[ShutdownReport] = []
        if not args.no_shutdown_test:
            print("\nshutdown (SIGTERM, probes every 0.1 s on new connections):", flush=True)
            for name in SHUTDOWN_SERVERS:
                drain = args.drain if name in DRAINING else 0.0
                report = shutdown_behaviour(name, environment, drain)
                reports.append(report)
                print(describe(report), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"asgi_servers-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "args": vars(args),
                "cpus": os.cpu_count(),
                "runs": [asdict(r) for r in runs],
                "summary": summary,
                "shutdown": [asdict(r) for r in reports],
            },
            indent=2,
        )
    )
    print(f"\nresults: {out.relative_to(BENCH_DIR.parent)}  ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
