"""Proofs of the scale-out design under load (docs/deploy.md), run by `make chaos`.

    .venv/bin/python bench/chaos.py --seconds 60      # CHAOS_SECONDS=60 make chaos
    .venv/bin/python bench/chaos.py --seconds 10      # a short run (CI); also --quick

Starts the cluster of bench/_cluster.py (PostgreSQL, three `laskutin serve` replicas, a worker,
HAProxy with deploy/haproxy.cfg) in a temporary folder on free ports, signs up one company,
then runs a steady mixed load through HAProxy: each of ``--users`` virtual users in a loop
creates a draft invoice (POST with an Idempotency-Key; its buyer reference is a unique marker),
lists invoices, issues the draft (POST with an Idempotency-Key) and reads it back. Every
non-2xx answer and every connection error is a failure; the load never retries, except in
the SIGKILL phase, where a failed request is sent again with the same key and counted as a
retry. The phases, each lasting ``--seconds`` of load (longer when the chaos takes longer):

1. rolling: every replica in turn gets SIGTERM (it drains: /readyz 503, HAProxy takes it out,
   it finishes what runs and exits 0), is started again and is back in HAProxy before the
   next. Zero failures; every acknowledged invoice is stored; invoice numbers are unique and
   gapless; the number each issue answered is the stored one.
2. sigkill: one replica gets SIGKILL mid-load, then is started again. Failures only on
   requests that may be retried (all of this load's are: GETs, POSTs with Idempotency-Key);
   after retries no request failed, and every invoice exists exactly once.
3. postgres: PostgreSQL stops (fast shutdown) for ``--outage`` seconds and starts again.
   Failures only during the outage (from the stop to 5 s after PostgreSQL is back), each
   answered quickly (503 problem+json from the app or HAProxy, no hanging requests); no
   acknowledged invoice lost, no duplicate, numbers still gapless.
4. scaling: the same load with 1, 2 and 3 replicas (no chaos): throughput as a ratio against
   1 replica, and CPU milliseconds per request of the replicas, PostgreSQL, HAProxy and this
   load generator, so that what limits the scaling shows.

It prints one summary table; its last line reads ``chaos: N passed, M failed`` and the exit
status is 1 when a check failed. Everything it started is stopped, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from _cluster import Cluster
from _procs import HOST, cpu_seconds, machine_cpu, own_cpu
from laskutin.core.settings import EMBEDDED_DATABASE

PREFIX = "C-"
START = 1001
RECOVERY_SECONDS = 5.0
REQUEST_TIMEOUT = 15.0
RETRY_ATTEMPTS = 8
LINE = {
    "description": "Konsultointi",
    "quantity": "2",
    "unit": "h",
    "unit_price": "100.00",
    "vat_rate": "25.5",
}


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Failure:
    at: float  # monotonic
    op: str
    what: str
    seconds: float  # how long the failed request took


@dataclass
class Tally:
    ok: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    retries: int = 0
    successes_at: list[float] = field(default_factory=list)  # monotonic end of each 2xx
    created: dict[str, str] = field(default_factory=dict)  # marker -> invoice id (acknowledged)
    attempted: set[str] = field(default_factory=set)  # every marker sent
    gave_up: set[str] = field(default_factory=set)  # creates that never got a 201
    issued: dict[str, str] = field(default_factory=dict)  # invoice id -> number answered

    @property
    def succeeded(self) -> int:
        return sum(self.ok.values())


class Load:
    """Virtual users looping over create, list, issue, read, in a thread of their own (so the
    main thread can start and stop processes: their death signal is tied to it)."""

    def __init__(
        self, url: str, token: str, customer: str, users: int, phase: str, retry: bool
    ) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.customer = customer
        self.users = users
        self.phase = phase
        self.retry = retry
        self.tally = Tally()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> Tally:
        self._stop.set()
        self._thread.join()
        return self.tally

    async def _main(self) -> None:
        limits = httpx.Limits(max_connections=self.users, max_keepalive_connections=self.users)
        async with httpx.AsyncClient(
            base_url=self.url, headers=self.headers, timeout=REQUEST_TIMEOUT, limits=limits
        ) as client:
            await asyncio.gather(*(self._user(client) for _ in range(self.users)))

    async def _call(
        self, client: httpx.AsyncClient, op: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        attempts = RETRY_ATTEMPTS if self.retry else 1
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                response = await client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                what = type(exc).__name__
            else:
                if response.is_success:
                    ended = time.monotonic()
                    self.tally.ok[op] += 1
                    self.tally.successes_at.append(ended)
                    return response
                kind = response.headers.get("content-type", "-").split(";")[0]
                what = f"{response.status_code} {kind} {response.text[:120]}"
            ended = time.monotonic()
            if attempt + 1 < attempts and not self._stop.is_set():
                self.tally.retries += 1
                await asyncio.sleep(0.2)
                continue
            self.tally.failures.append(Failure(ended, op, what, ended - started))
            return None
        return None

    async def _user(self, client: httpx.AsyncClient) -> None:
        while not self._stop.is_set():
            marker = f"{self.phase}-{uuid.uuid4()}"
            self.tally.attempted.add(marker)
            body = {"customer_id": self.customer, "lines": [LINE], "buyer_reference": marker}
            made = await self._call(
                client,
                "create",
                "POST",
                "/api/v1/invoices",
                json=body,
                headers={"Idempotency-Key": f"create-{marker}"},
            )
            if made is None:
                self.tally.gave_up.add(marker)
            else:
                self.tally.created[marker] = made.json()["id"]
            await self._call(
                client, "list", "GET", "/api/v1/invoices", params={"limit": 20, "sort": "number"}
            )
            if made is None:
                continue
            invoice = made.json()["id"]
            issued = await self._call(
                client,
                "issue",
                "POST",
                f"/api/v1/invoices/{invoice}/issue",
                headers={"Idempotency-Key": f"issue-{marker}"},
            )
            if issued is not None:
                self.tally.issued[invoice] = issued.json()["number"]
            await self._call(client, "read", "GET", f"/api/v1/invoices/{invoice}")


# --- checks ------------------------------------------------------------------------------------


@dataclass
class Row:
    phase: str
    check: str
    passed: bool
    detail: str


class Chaos:
    def __init__(self, cluster: Cluster, seconds: float, users: int, outage: float) -> None:
        self.cluster = cluster
        self.seconds = seconds
        self.users = users
        self.outage = outage
        self.rows: list[Row] = []
        self.customer = ""
        self.password = "correct horse battery staple"
        self.email = "chaos@example.fi"

    def add(self, phase: str, check: str, passed: bool, detail: str) -> None:
        self.rows.append(Row(phase, check, passed, detail))
        print(f"  {'ok  ' if passed else 'FAIL'} {phase:9} {check}: {detail}", flush=True)

    # --- set-up ---

    def setup(self) -> None:
        with httpx.Client(base_url=self.cluster.url, timeout=30) as client:
            signup = {
                "email": self.email,
                "password": self.password,
                "name": "Kaaos Testaaja",
                "company_name": "Kaaos Oy",
            }
            answer = client.post("/api/v1/auth/signup", json=signup)
            answer.raise_for_status()
            headers = {"Authorization": f"Bearer {self.token()}"}
            company = {
                "business_id": "0116297-6",
                "bank_accounts": [{"iban": "FI2112345600000785"}],
                "invoice_number_prefix": PREFIX,
                "next_invoice_number": START,
            }
            client.patch("/api/v1/company", json=company, headers=headers).raise_for_status()
            customer = client.post(
                "/api/v1/customers", json={"name": "Asiakas Oy"}, headers=headers
            )
            customer.raise_for_status()
            self.customer = customer.json()["id"]

    def token(self) -> str:
        """A fresh access token (they last 15 minutes; each phase takes a new one)."""
        with httpx.Client(base_url=self.cluster.url, timeout=30) as client:
            answer = client.post(
                "/api/v1/auth/login", json={"email": self.email, "password": self.password}
            )
            answer.raise_for_status()
            return str(answer.json()["access_token"])

    def load(self, phase: str, *, retry: bool = False, users: int | None = None) -> Load:
        return Load(
            self.cluster.url, self.token(), self.customer, users or self.users, phase, retry
        )

    # --- what the database holds ---

    def stored(self) -> list[tuple[str, str | None, str | None, str]]:
        conninfo = self.cluster.database.superuser_conninfo(EMBEDDED_DATABASE)
        with psycopg.connect(conninfo) as conn:
            rows = conn.execute(
                "SELECT id::text, buyer_reference, number, state FROM invoices"
                " WHERE kind = 'invoice'"
            ).fetchall()
        return [(str(a), b, c, str(d)) for a, b, c, d in rows]

    def check_data(self, phase: str, tally: Tally, *, exactly_once: bool = False) -> None:
        rows = self.stored()
        by_id = {row[0]: row for row in rows}
        markers = Counter(row[1] for row in rows if row[1] and row[1].startswith(phase + "-"))
        lost = [m for m, invoice in tally.created.items() if invoice not in by_id]
        self.add(
            phase,
            "acknowledged invoices stored",
            not lost,
            f"{len(tally.created)} acknowledged, {len(lost)} missing",
        )
        twice = [m for m, n in markers.items() if n > 1]
        self.add(phase, "no duplicate invoice", not twice, f"{len(twice)} created more than once")
        if exactly_once:
            never = [m for m in tally.attempted if markers[m] == 0]
            self.add(
                phase,
                "every invoice exactly once",
                not never and not twice and not tally.gave_up,
                f"{len(tally.attempted)} sent, {len(never)} absent, {len(tally.gave_up)} gave up",
            )
        numbers = [row[2] for row in rows if row[2] is not None]
        sequences = sorted(int(n.removeprefix(PREFIX)) for n in numbers)
        expected = list(range(START, START + len(sequences)))
        self.add(
            phase,
            "numbers unique and gapless",
            sequences == expected,
            f"{len(sequences)} issued, {PREFIX}{START}..{PREFIX}{START + len(sequences) - 1}"
            if sequences == expected
            else f"{len(sequences)} issued, not {START}..: {sequences[:5]}...",
        )
        wrong = [i for i, n in tally.issued.items() if i not in by_id or by_id[i][2] != n]
        self.add(
            phase,
            "answered numbers stored",
            not wrong,
            f"{len(tally.issued)} answered, {len(wrong)} differ",
        )

    @staticmethod
    def figures(tally: Tally, seconds: float) -> str:
        ops = ", ".join(f"{op} {n}" for op, n in sorted(tally.ok.items()))
        return f"{tally.succeeded} ok in {seconds:.0f} s ({tally.succeeded / seconds:.0f}/s: {ops})"

    def wait_until(self, deadline: float) -> None:
        time.sleep(max(0.0, deadline - time.monotonic()))

    # --- phases ---

    def rolling(self) -> None:
        phase = "rolling"
        replicas = self.cluster.replicas
        timings = []
        started = time.monotonic()
        with self.load(phase) as load:
            for n, server in enumerate(replicas):
                self.wait_until(started + (n + 0.5) * self.seconds / len(replicas))
                began = time.monotonic()
                code = server.stop(timeout=30)
                stopped = time.monotonic()
                self.cluster.start_replica(replicas.index(server))
                self.cluster.wait_lb({server.name: "UP"})
                timings.append(
                    f"{server.name}: exit {code} after {stopped - began:.1f} s, "
                    f"back after {time.monotonic() - stopped:.1f} s"
                )
            self.wait_until(started + self.seconds)
            tally = load.stop()
        took = time.monotonic() - started
        print("    " + "; ".join(timings), flush=True)
        exits = [t for t in timings if "exit 0 " not in t]
        self.add(phase, "replicas exit 0 after draining", not exits, "; ".join(timings))
        self.add(
            phase,
            "zero failed requests",
            not tally.failures,
            f"{len(tally.failures)} failed; {self.figures(tally, took)}"
            + (
                f"; first: {tally.failures[0].op} {tally.failures[0].what}"
                if tally.failures
                else ""
            ),
        )
        self.check_data(phase, tally)

    def sigkill(self) -> None:
        phase = "sigkill"
        victim = self.cluster.replicas[1]
        started = time.monotonic()
        with self.load(phase, retry=True) as load:
            self.wait_until(started + self.seconds / 3)
            assert victim.process is not None
            os.killpg(victim.process.pid, signal.SIGKILL)
            victim.process.wait()
            killed = time.monotonic()
            self.cluster.wait_lb({victim.name: "DOWN"})
            down = time.monotonic() - killed
            victim.process = None
            self.cluster.start_replica(1)
            self.cluster.wait_lb({victim.name: "UP"})
            back = time.monotonic() - killed
            self.wait_until(started + self.seconds)
            tally = load.stop()
        took = time.monotonic() - started
        self.add(
            phase,
            "no request failed after retries",
            not tally.failures,
            f"{tally.retries} retried, {len(tally.failures)} failed; HAProxy saw it down "
            f"after {down:.1f} s, back after {back:.1f} s; {self.figures(tally, took)}",
        )
        self.check_data(phase, tally, exactly_once=True)

    def postgres(self) -> None:
        phase = "postgres"
        started = time.monotonic()
        with self.load(phase) as load:
            self.wait_until(started + self.seconds / 3)
            stopped_at = time.monotonic()
            self.cluster.stop_database()
            down_at = time.monotonic()
            time.sleep(self.outage)
            self.cluster.start_database()
            back_at = time.monotonic()
            self.wait_until(max(started + self.seconds, back_at + 2 * RECOVERY_SECONDS))
            tally = load.stop()
        took = time.monotonic() - started
        outside = [
            f for f in tally.failures if not stopped_at <= f.at <= back_at + RECOVERY_SECONDS
        ]
        last_failure = max((f.at for f in tally.failures), default=back_at)
        after = [t for t in tally.successes_at if t > max(back_at, last_failure)]
        recovered = (after[0] - back_at) if after else float("inf")
        slowest = max((f.seconds for f in tally.failures), default=0.0)
        # (status, media type): the app's 503 problem+json, or HAProxy's own 503 (text/html)
        # once its health checks have taken every replica out
        kinds = Counter(" ".join(f.what.split(" ", 2)[:2]) for f in tally.failures)
        # The issue: during an outage requests answer 503 (never a 500 or a hang).
        not_503 = sum(n for kind, n in kinds.items() if not kind.startswith("503"))
        self.add(
            phase,
            "failures only during the outage, each a 503",
            not outside and not not_503,
            f"{len(tally.failures)} failed ({dict(kinds)}), {len(outside)} outside; "
            f"stop took {down_at - stopped_at:.1f} s, down {back_at - down_at:.1f} s",
        )
        self.add(
            phase,
            f"recovered within {RECOVERY_SECONDS:.0f} s",
            recovered <= RECOVERY_SECONDS,
            f"last failure {last_failure - back_at:+.1f} s, first success after it "
            f"{recovered:.1f} s after PostgreSQL was back",
        )
        self.add(
            phase,
            "failed requests answer quickly",
            slowest <= RECOVERY_SECONDS,
            f"slowest failure took {slowest:.2f} s; {self.figures(tally, took)}",
        )
        self.check_data(phase, tally)

    def scaling(self) -> None:
        phase = "scaling"
        replicas = self.cluster.replicas
        for server in replicas[1:]:
            server.stop(timeout=30)
        self.cluster.wait_lb({"api2": "DOWN", "api3": "DOWN"})
        results: list[tuple[int, float, float, float, float, float]] = []
        for count in range(1, len(replicas) + 1):
            if count > 1:
                self.cluster.start_replica(count - 1)
                self.cluster.wait_lb({replicas[count - 1].name: "UP"})
            up = replicas[:count]
            pg_pid = self.cluster.postgres_pid()
            assert pg_pid is not None
            assert self.cluster.haproxy.process is not None
            with self.load(f"{phase}{count}") as load:
                time.sleep(min(2.0, self.seconds / 5))  # warm-up
                ok0, t0 = load.tally.succeeded, time.monotonic()
                app0 = sum(cpu_seconds(s.pid) for s in up)
                pg0 = cpu_seconds(pg_pid)
                lb0 = cpu_seconds(self.cluster.haproxy.pid)
                me0 = own_cpu()
                busy0, _ = machine_cpu()
                time.sleep(self.seconds)
                ok1, t1 = load.tally.succeeded, time.monotonic()
                app = sum(cpu_seconds(s.pid) for s in up) - app0
                pg = cpu_seconds(pg_pid) - pg0
                lb = cpu_seconds(self.cluster.haproxy.pid) - lb0
                me = own_cpu() - me0
                busy = machine_cpu()[0] - busy0
                tally = load.stop()
            done = max(ok1 - ok0, 1)
            rate = done / (t1 - t0)
            # cores that processes outside this cluster took meanwhile (a busy machine skews it)
            others = max(0.0, busy - app - pg - lb - me) / (t1 - t0)
            ms = [1000 * x / done for x in (app, pg, lb, me)]
            results.append((count, rate, *ms))
            self.add(
                phase,
                f"{count} replica{'s' if count > 1 else ''}: zero failed requests",
                not tally.failures,
                f"{len(tally.failures)} failed; {rate:.0f} req/s; CPU ms/request: app {ms[0]:.1f}"
                f", PostgreSQL {ms[1]:.1f}, HAProxy {ms[2]:.1f}, load generator {ms[3]:.1f}; "
                f"other processes on the machine {others:.2f} cores; machine busy "
                f"{busy / (t1 - t0):.2f} of {os.cpu_count()} cores",
            )
        base = results[0][1]
        table = ", ".join(f"{c}: {rate / base:.2f}x ({rate:.0f}/s)" for c, rate, *_ in results)
        self.add(phase, "throughput against 1 replica", True, table)


def free_base_port() -> int:
    """A port P with P..P+9 free on loopback (HAProxy, replicas P+1.., web P+9)."""
    for _ in range(50):
        with socket.socket() as probe_socket:
            probe_socket.bind((HOST, 0))
            base = int(probe_socket.getsockname()[1])
        if base + 10 > 65535:
            continue
        try:
            for port in range(base, base + 10):
                with socket.socket() as sock:
                    sock.bind((HOST, port))
        except OSError:
            continue
        return base
    raise SystemExit("no 10 free consecutive ports on 127.0.0.1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("CHAOS_SECONDS", 60)))
    parser.add_argument("--users", type=int, default=16, help="virtual users (default 16)")
    parser.add_argument("--outage", type=float, default=3.0, help="PostgreSQL down (s)")
    parser.add_argument(
        "--phases", default="rolling,sigkill,postgres,scaling", help="comma-separated"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data folder and logs")
    parser.add_argument("--quick", action="store_true", help="10 s phases (make bench --quick)")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 10.0
    began = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="laskutin-chaos-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    cluster = Cluster(data_dir, free_base_port(), web=False)
    chaos = Chaos(cluster, args.seconds, args.users, args.outage)
    try:
        print(f"starting the cluster in {data_dir} (HAProxy on {cluster.url})", flush=True)
        cluster.start()
        chaos.setup()
        print(f"cluster ready after {time.monotonic() - began:.0f} s", flush=True)
        for phase in args.phases.split(","):
            print(f"phase {phase} ({args.seconds:.0f} s of load)", flush=True)
            getattr(chaos, phase)()
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        chaos.add("run", "completed", False, "interrupted")
    except SystemExit as exc:
        chaos.add("run", "completed", False, str(exc).splitlines()[0] if exc.code else "")
        print(exc, flush=True)
    finally:
        cluster.stop()
        if args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    rows = chaos.rows
    width = max(len(r.check) for r in rows) if rows else 10
    print()
    print(f"{'phase':9} {'check':{width}} result  figures")
    for row in rows:
        result = "pass" if row.passed else "FAIL"
        print(f"{row.phase:9} {row.check:{width}} {result:7} {row.detail}")
    passed = sum(r.passed for r in rows)
    failed = len(rows) - passed
    print(f"(took {time.monotonic() - began:.0f} s)")
    print(f"chaos: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
