"""Invoicing budgets of issue 5: list and fetch latency with 100,000 invoices, and issuing
throughput against pgbench running the same SQL.

    .venv/bin/python bench/invoicing.py            # about 4 minutes
    .venv/bin/python bench/invoicing.py --quick    # 5,000 invoices, fewer requests (a smoke test)

The budgets (issue 5):

- With 100,000 invoices in one company and 1,000 other companies present, listing 50 invoices
  with a filter and fetching one each stay under 30 ms at the 95th percentile.
- Issuing an invoice of 10 lines through the API reaches at least a third of what pgbench does
  for the same SQL (bench/issue_invoice.pgbench.sql: the statement log of one real issue).

What it does, all on this machine, and stops everything it started (also when interrupted):

1. Starts a throwaway embedded PostgreSQL (bench/_pg.py), migrates it and serves the app with
   ``laskutin serve``: one process per core (``--servers``), each on a free loopback port, as
   the design runs N identical API processes (pgbench, for its part, has PostgreSQL run a
   backend per client). The latency part uses the first one.
2. Signs up a user through the API, then fills that user's company and 1,000 other companies
   with SQL as the superuser (bench/_seed.py: customers, invoices in every state with 3 lines
   each, payments, credit notes, audit events), and runs VACUUM ANALYZE.
3. Latency: one client (httpx, one keep-alive connection) sends requests one after the other,
   every kind in turn in a shuffled order: ``/healthz`` and ``/readyz`` (the baselines: the
   same server, client and connection without invoices), lists of 50 with a filter (a status,
   a customer, a 30-day date range, a search word from customer names) and the fetch of a
   random invoice. A warm-up first. It prints p50, p95 and p99 of each kind next to the
   baselines. A search for one invoice's number (a word that matches one invoice, so the whole
   company is read) is measured too, but is not a page of 50 and not in the budget.
4. Issuing: makes drafts of 10 lines through the API (not timed), issues a few to warm up, and
   issues one with PostgreSQL's statement log on. That log becomes the pgbench script: when its
   statements differ from bench/issue_invoice.pgbench.sql (literals aside), the file is
   rewritten. Then, for each client count, C clients issue drafts through the API
   (``POST /api/v1/invoices/{id}/issue`` with an Idempotency-Key), and pgbench runs the script
   with C clients (``-M prepared``, as the app role over the same Unix socket); before each run
   of either side, fresh drafts are copied in SQL from the same template draft (copy_drafts).
   The API's clients are keep-alive HTTP/1.1
   connections written by hand on uvloop (httpx took ten times pgbench's client CPU on the
   same cores as the servers), spread over the servers in turn; each answer is checked. API
   and pgbench take turns (A P, then P A), each run after a VACUUM ANALYZE (vacuum_analyze()).
   It prints issues/s, pgbench's transactions/s and their ratio, from the best run of each, and for
   scale the server's CPU per ``GET /api/v1/company`` (an authenticated request that reads
   four small rows).
5. For every run it also reads ``/proc``: the CPU the servers (together), PostgreSQL and the
   client (this process, or pgbench) used per request, and how many cores other processes took
   meanwhile.

It exits 1 when a budget is missed. Results are written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import json
import math
import os
import platform
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from types import FrameType
from typing import Any

import httpx
import psycopg
import uvloop

from _pg import BENCH_DIR, BIN_DIR, Environment, throwaway_database
from _procs import (
    HOST,
    Server,
    children_cpu,
    cpu_seconds,
    free_port,
    machine_cpu,
    own_cpu,
    wait_ready,
)
from _seed import Seeded, seed
from _statement_log import Script, Statement, capture, pgbench_script, shape
from laskutin.core.embedded_pg import die_with_parent
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_DATABASE

RESULTS_DIR = BENCH_DIR / "results"
SCRIPT = BENCH_DIR / "issue_invoice.pgbench.sql"
SCRIPT_VALUES = BENCH_DIR / "issue_invoice.pgbench.values.json"  # its :vN, for --define
LIST_BUDGET_MS = 30.0
RATIO_BUDGET = 1 / 3
EMAIL = "bench@example.fi"
PASSWORD = "correct horse battery staple"
USER_NAME = "Bench Käyttäjä"
INVOICES = "/api/v1/invoices"


# --- the API -----------------------------------------------------------------------------------


class Api:
    """A signed-in user of the big company, over one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.base = f"http://{HOST}:{port}"
        self.client = httpx.Client(base_url=self.base, timeout=30.0)
        self.token = ""

    def log_in(self) -> None:
        """A fresh access token (they last 15 minutes)."""
        answer = self.client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        answer.raise_for_status()
        self.token = answer.json()["access_token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def claims(self) -> dict[str, Any]:
        payload = self.token.split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
        return claims

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path, headers=self.headers)

    def close(self) -> None:
        self.client.close()


def sign_up(api: Api) -> tuple[uuid.UUID, uuid.UUID]:
    answer = api.client.post(
        "/api/v1/auth/signup",
        json={"email": EMAIL, "password": PASSWORD, "name": USER_NAME, "company_name": "Bench Oy"},
    )
    if answer.status_code != 201:
        raise SystemExit(f"sign-up answered {answer.status_code}: {answer.text}")
    api.log_in()
    claims = api.claims()
    return uuid.UUID(claims["cid"]), uuid.UUID(claims["sub"])


def small_company(api: Api, conninfo: str) -> str:
    """Sign up through the API, give the company 500 invoices and 50 customers (and three
    other companies) with SQL, and sign in again: the id of one of its customers. For the
    diagnostics that issue through one or two servers without the 100,000 invoices."""
    company_id, user_id = sign_up(api)
    seed(conninfo, company_id=company_id, user_id=user_id, invoices=500, customers=50, others=3)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT id FROM customers WHERE company_id = %s LIMIT 1", (company_id,)
        ).fetchone()
    assert row is not None
    api.log_in()
    return str(row[0])


def start_server(environment: Environment) -> Server:
    port = free_port()
    env = dict(environment.env, LASKUTIN_SHUTDOWN_DRAIN_SECONDS="0")
    command = [str(BIN_DIR / "laskutin"), "serve", "--host", HOST, "--port", str(port)]
    # The working folder is the temporary one, so that no .env of a developer is read.
    server = Server(
        "laskutin", port, command, env, environment.data_dir, environment.data_dir / "serve.log"
    )
    server.start()
    wait_ready(server, port)
    return server


# --- CPU ---------------------------------------------------------------------------------------


@dataclass
class Usage:
    """CPU seconds used during a stretch of time, by whom, and its length."""

    seconds: float = 0.0
    server: float = 0.0
    postgres: float = 0.0
    client: float = 0.0
    other: float = 0.0  # the rest of the machine (other people's work), stolen time included

    def cores(self, value: float) -> float:
        return value / self.seconds if self.seconds else 0.0


class Meter:
    """Reads /proc before and after a stretch: the servers (together), PostgreSQL, this process
    and its finished children (pgbench), and the whole machine."""

    def __init__(self, servers: Sequence[Server], postmaster: int) -> None:
        self.servers, self.postmaster = servers, postmaster

    def _read(self) -> tuple[float, ...]:
        busy, steal = machine_cpu()
        return (
            time.monotonic(),
            sum(cpu_seconds(server.pid) for server in self.servers),
            cpu_seconds(self.postmaster),
            own_cpu() + children_cpu(),
            busy + steal,
        )

    @contextlib.contextmanager
    def measure(self) -> Iterator[Usage]:
        usage = Usage()
        before = self._read()
        yield usage
        after = self._read()
        usage.seconds, usage.server, usage.postgres, usage.client, machine = (
            b - a for a, b in zip(before, after, strict=True)
        )
        usage.other = max(0.0, machine - usage.server - usage.postgres - usage.client)


# --- latency -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    url: Callable[[random.Random], str]
    budgeted: bool = False
    baseline: bool = False
    list_page: bool = False


@dataclass
class Latency:
    name: str
    label: str
    budgeted: bool
    baseline: bool
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    mean_items: float | None


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def latency_kinds(
    customers: Sequence[tuple[str, str]], invoice_ids: Sequence[str], numbers: Sequence[str]
) -> list[Kind]:
    words = sorted({word for _, name in customers for word in name.split() if word != "Oy"})
    today = dt.date.today()

    def date_range(rng: random.Random) -> str:
        start = today - dt.timedelta(days=rng.randint(30, 1090))
        return f"date_from={start}&date_to={start + dt.timedelta(days=30)}"

    page = f"{INVOICES}?limit=50&"
    return [
        Kind(
            "healthz", "GET /healthz (baseline: no database)", lambda r: "/healthz", baseline=True
        ),
        Kind(
            "readyz",
            "GET /readyz (baseline: two small SELECTs)",
            lambda r: "/readyz",
            baseline=True,
        ),
        Kind(
            "list_overdue",
            "list ?status=overdue",
            lambda r: page + "status=overdue",
            True,
            list_page=True,
        ),
        Kind(
            "list_customer",
            "list ?customer_id=<random customer>",
            lambda r: page + f"customer_id={r.choice(customers)[0]}",
            True,
            list_page=True,
        ),
        Kind(
            "list_dates",
            "list ?date_from&date_to (30 days)",
            lambda r: page + date_range(r),
            True,
            list_page=True,
        ),
        Kind(
            "list_search",
            "list ?q=<a word of customer names>",
            lambda r: page + f"q={r.choice(words)}",
            True,
            list_page=True,
        ),
        Kind(
            "fetch",
            "GET /invoices/{random id}",
            lambda r: f"{INVOICES}/{r.choice(invoice_ids)}",
            True,
        ),
        Kind(
            "search_number",
            "list ?q=<one invoice's number> (not a page of 50)",
            lambda r: page + f"q={r.choice(numbers)}",
            list_page=True,
        ),
    ]


def measure_latency(
    api: Api, kinds: Sequence[Kind], *, rounds: int, warmup: int, rng: random.Random
) -> tuple[list[Latency], dict[str, list[float]]]:
    """Every kind once per round, in a shuffled order; the first ``warmup`` rounds not counted."""
    samples: dict[str, list[float]] = {kind.name: [] for kind in kinds}
    items: dict[str, list[int]] = {kind.name: [] for kind in kinds}
    for number in range(warmup + rounds):
        order = list(kinds)
        rng.shuffle(order)
        for kind in order:
            url = kind.url(rng)
            started = time.perf_counter()
            answer = api.get(url)
            body = answer.content
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{url} answered {answer.status_code}: {body[:500]!r}")
            if number >= warmup:
                samples[kind.name].append(elapsed)
                if kind.list_page:
                    items[kind.name].append(len(json.loads(body)["items"]))
    results = []
    for kind in kinds:
        values = samples[kind.name]
        results.append(
            Latency(
                kind.name,
                kind.label,
                kind.budgeted,
                kind.baseline,
                len(values),
                percentile(values, 0.50),
                percentile(values, 0.95),
                percentile(values, 0.99),
                sum(values) / len(values),
                sum(items[kind.name]) / len(items[kind.name]) if items[kind.name] else None,
            )
        )
    return results, samples


# --- issuing -----------------------------------------------------------------------------------


def draft_body(customer_id: str) -> dict[str, Any]:
    """A draft of 10 lines at the general VAT rate in force (some with a discount)."""
    lines = [
        {
            "description": f"Työ {position + 1}: asennus ja tarvikkeet",
            "quantity": str(1 + position % 4),
            "unit": "h" if position % 3 else "kpl",
            "unit_price": f"{45 + 12 * position}.50",
            "discount_percent": "10" if position % 5 == 4 else "0",
        }
        for position in range(10)
    ]
    return {"customer_id": customer_id, "buyer_reference": "Tilaus 4711", "lines": lines}


async def _run_clients(
    base: str,
    token: str,
    jobs: Sequence[Callable[[httpx.AsyncClient, dict[str, str]], Any]],
    clients: int,
) -> tuple[float, list[float], list[Any]]:
    """Run ``jobs`` with ``clients`` concurrent connections; wall seconds, each job's latency
    (ms) and result, in job order."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies = [0.0] * len(jobs)
    results: list[Any] = [None] * len(jobs)
    next_job = iter(range(len(jobs)))
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as client:
        await asyncio.gather(*(client.get("/healthz") for _ in range(clients)))  # connect

        async def worker() -> None:
            for index in next_job:
                started = time.perf_counter()
                results[index] = await jobs[index](client, headers)
                latencies[index] = (time.perf_counter() - started) * 1000

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - started
    return elapsed, latencies, results


def make_drafts(api: Api, customer_id: str, count: int, clients: int = 4) -> list[str]:
    body = draft_body(customer_id)

    async def create(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
        answer = await client.post(INVOICES, json=body, headers=headers)
        if answer.status_code != 201:
            raise SystemExit(f"creating a draft answered {answer.status_code}: {answer.text}")
        return str(answer.json()["id"])

    _, _, ids = asyncio.run(_run_clients(api.base, api.token, [create] * count, clients))
    return list(ids)


# Issuing runs use this client rather than httpx: httpx took 1.6 ms of CPU per issue on the
# same two cores as the servers (pgbench's client takes about 0.15 ms), so the load generator
# competed with what it measured. Each client is one keep-alive HTTP/1.1 connection written by
# hand on uvloop: the request's bytes out, the status line, headers and Content-Length body
# in; each answer is still parsed and checked (200 with a number).


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length) if length else b""


async def _issue_many(
    ports: Sequence[int], token: str, drafts: Sequence[str], clients: int
) -> tuple[float, list[float]]:
    """Issue ``drafts`` with ``clients`` connections spread over the servers' ``ports`` in
    turn; wall seconds and each issue's latency (ms)."""
    streams = [await asyncio.open_connection(HOST, ports[i % len(ports)]) for i in range(clients)]
    latencies = [0.0] * len(drafts)
    next_job = iter(range(len(drafts)))

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for index in next_job:
            draft = drafts[index]
            request = (
                f"POST {INVOICES}/{draft}/issue HTTP/1.1\r\nHost: {HOST}\r\n"
                f"Authorization: Bearer {token}\r\nIdempotency-Key: {draft}\r\n"
                "Content-Length: 0\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            status, body = await _exchange(reader, writer, request)
            latencies[index] = (time.perf_counter() - started) * 1000
            if status != 200 or json.loads(body)["number"] is None:
                raise SystemExit(f"issuing answered {status}: {body[:500]!r}")

    try:
        started = time.monotonic()
        await asyncio.gather(*(worker(reader, writer) for reader, writer in streams))
        elapsed = time.monotonic() - started
    finally:
        for _, writer in streams:
            writer.close()
    return elapsed, latencies


def issue_many(
    ports: Sequence[int], token: str, drafts: Sequence[str], clients: int
) -> tuple[float, list[float]]:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_issue_many(ports, token, drafts, clients))


@dataclass
class IssueRun:
    side: str  # "api" or "pgbench"
    clients: int
    round: int
    issued: int
    seconds: float
    per_second: float
    p50_ms: float | None
    p95_ms: float | None
    server_cpu_ms: float  # per issue
    postgres_cpu_ms: float
    client_cpu_ms: float
    other_cores: float
    notes: dict[str, Any] = field(default_factory=dict)


def _run_from(
    side: str, clients: int, number: int, issued: int, seconds: float, usage: Usage
) -> IssueRun:
    per = 1000 / max(1, issued)
    return IssueRun(
        side,
        clients,
        number,
        issued,
        seconds,
        issued / seconds,
        None,
        None,
        usage.server * per,
        usage.postgres * per,
        usage.client * per,
        usage.cores(usage.other),
    )


def vacuum_analyze(conninfo: str) -> None:
    """Before each run of either side, outside its measurement: what the last run left for
    autovacuum is vacuumed now, not during the next run (pgbench vacuums before a run too,
    unless told not to), and the planner's statistics are fresh, as autovacuum keeps them in a
    running database. Without it, the first API runs met tables analyzed nearly empty that had
    grown since (idempotency keys and jobs, a row each per issue): PostgreSQL read them in full
    for each lookup, about 0.6 ms of its CPU per issue that pgbench, run later, did not pay; and
    the clean-up after pgbench's runs (four times the API's issues) fell into the API's runs."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def api_issue_run(
    api: Api, meter: Meter, ports: Sequence[int], drafts: Sequence[str], clients: int, number: int
) -> IssueRun:
    with meter.measure() as usage:
        elapsed, latencies = issue_many(ports, api.token, drafts, clients)
    run = _run_from("api", clients, number, len(drafts), elapsed, usage)
    run.p50_ms, run.p95_ms = percentile(latencies, 0.5), percentile(latencies, 0.95)
    return run


BENCH_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench.drafts (n integer PRIMARY KEY, id uuid NOT NULL);
GRANT USAGE ON SCHEMA bench TO {app};
GRANT SELECT ON bench.drafts TO {app};
"""


def copy_drafts(conninfo: str, template: str, count: int) -> list[str]:
    """``count`` copies of the template draft (row and lines, new ids), numbered 0.. in
    bench.drafts for the pgbench script; their ids in that order. Both sides issue such
    copies, made just before their run: drafts made at the start through the API had been
    pushed out of PostgreSQL's buffers by the time of the later runs (the latency part reads
    100,000 invoices), which cost the API's runs PostgreSQL CPU that pgbench's fresh copies did
    not."""
    with psycopg.connect(conninfo) as conn:
        conn.execute(BENCH_SCHEMA.format(app=EMBEDDED_APP_ROLE).encode())
        conn.execute("TRUNCATE bench.drafts")
        columns = {
            table: [
                name
                for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                )
            ]
            for table in ("invoices", "invoice_lines")
        }
        rest = ", ".join(c for c in columns["invoices"] if c != "id")
        line_rest = ", ".join(c for c in columns["invoice_lines"] if c != "invoice_id")
        conn.execute(
            "INSERT INTO bench.drafts (n, id) SELECT n, gen_random_uuid() "
            "FROM generate_series(0, %s - 1) n",
            (count,),
        )
        conn.execute(
            f"INSERT INTO invoices (id, {rest}) SELECT d.id, {rest} FROM bench.drafts d, "
            "invoices WHERE invoices.id = %s ORDER BY d.n",
            (template,),
        )
        conn.execute(
            f"INSERT INTO invoice_lines (invoice_id, {line_rest}) SELECT d.id, {line_rest} "
            "FROM bench.drafts d, invoice_lines WHERE invoice_lines.invoice_id = %s "
            "ORDER BY d.n, invoice_lines.position",
            (template,),
        )
        return [str(i) for (i,) in conn.execute("SELECT id FROM bench.drafts ORDER BY n")]


def pgbench_issue_run(
    environment: Environment,
    meter: Meter,
    *,
    template: str,
    variables: dict[str, str],
    values: dict[str, str],
    transactions: int,
    clients: int,
    number: int,
) -> IssueRun:
    per_client = math.ceil(transactions / clients)
    copy_drafts(environment.superuser_conninfo(), template, per_client * clients)
    vacuum_analyze(environment.superuser_conninfo())
    command = [
        str(environment.pg_bin("pgbench")),
        *("-n", "-M", "prepared", "-f", str(SCRIPT)),
        *("-c", str(clients), "-j", str(min(clients, 2)), "-t", str(per_client)),
        *("-h", str(environment.database.socket_dir), "-p", "5432"),
        *("-U", EMBEDDED_APP_ROLE),
        *(f"--define={name}={value}" for name, value in variables.items()),
        *(f"--define={name}={value}" for name, value in values.items()),
        *(f"--define={name}={value}" for name, value in (("per_client", per_client), ("k", 0))),
        EMBEDDED_DATABASE,
    ]
    with meter.measure() as usage:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            preexec_fn=lambda: die_with_parent(signal.SIGTERM),
        )
        _wait_for_backends_to_end(environment.superuser_conninfo(), "pgbench")
    if result.returncode != 0:
        raise SystemExit(f"pgbench failed ({result.returncode}):\n{result.stderr[-3000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    if tps is None:
        raise SystemExit(f"could not read pgbench's output:\n{result.stdout}")
    with psycopg.connect(environment.superuser_conninfo()) as conn:
        row = conn.execute(
            "SELECT count(*) FROM bench.drafts d JOIN invoices i ON i.id = d.id "
            "WHERE i.state = 'issued'"
        ).fetchone()
    issued = int(row[0]) if row else 0
    if issued != per_client * clients or (failed and int(failed.group(1))):
        raise SystemExit(f"pgbench issued {issued} of {per_client * clients}:\n{result.stdout}")
    seconds = issued / float(tps.group(1))
    run = _run_from("pgbench", clients, number, issued, seconds, usage)
    # Per issue: pgbench's own time; the CPU figures cover its connection set-up too.
    run.notes = {"latency_average_ms": float(latency.group(1)) if latency else None}
    return run


def _wait_for_backends_to_end(conninfo: str, application: str, timeout: float = 10.0) -> None:
    """Until the backends of ``application`` have exited, so that PostgreSQL's CPU counts them."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                (application,),
            ).fetchone()
            if row is not None and row[0] == 0:
                break
            time.sleep(0.02)
    time.sleep(0.05)  # and the postmaster has reaped them


def script_variables(company_id: uuid.UUID, user_id: uuid.UUID, customer_id: str) -> dict[str, str]:
    """pgbench --define values: the ids that differ between databases."""
    return {
        "company_id": str(company_id),
        "user_id": str(user_id),
        "credential": f"user:{user_id}",
        "customer_id": customer_id,
    }


HEADER = """\
pgbench script: one POST /api/v1/invoices/{id}/issue of a draft of 10 lines, statement by
statement as the app ran it (laskutin serve, SQLAlchemy + asyncpg, one pooled connection).

Made by bench/invoicing.py from PostgreSQL's statement log (log_statement = 'all') of one
real issue; the benchmark rewrites this file when the app's statements change (literals
aside), so commit it with the change. Do not edit it by hand.

Run by the benchmark as the app role over the Unix socket, e.g. for 8 clients:
  pgbench -n -M prepared -f bench/issue_invoice.pgbench.sql -c 8 -t 250 \\
    -D company_id=<uuid> -D user_id=<uuid> -D credential=user:<uuid> \\
    -D customer_id=<uuid> -D per_client=250 -D k=0 -D v1=... -D v2=... laskutin
Every parameter the app bound is bound here too (pgbench sends it with each execution of the
prepared statement, so PostgreSQL converts it each time, as for the app): :invoice_id is the
draft (the Idempotency-Key too); :sequence_number comes from the series UPDATE (\\gset; the
number is the same, the company has no prefix); the ids are --define'd, and so are :v1, :v2...
(dates, amounts, snapshots, the stored answer: the captured request's values, kept in
issue_invoice.pgbench.values.json when this file is written).
Not the app's: the first three lines pick a different draft for each transaction
(bench.drafts holds copies of one template draft).
Line INSERTs (none when the lines are kept) run in one pipeline, as asyncpg sends an executemany.
Captured {when} with {count} statements."""

PROLOGUE = [
    "\\set n :client_id * :per_client + :k",
    "\\set k :k + 1",
    "SELECT id AS invoice_id FROM bench.drafts WHERE n = :n \\gset",
]


def issue_script(
    statements: Sequence[Statement], variables: dict[str, str], captured: dt.datetime
) -> Script:
    return pgbench_script(
        statements,
        variables=variables,
        gset=["UPDATE number_series"],
        pipelined=lambda s: s.sql.startswith("INSERT INTO invoice_lines"),
        header=HEADER.replace("{when}", f"{captured:%Y-%m-%d}")
        .replace("{count}", str(len(statements)))
        .splitlines(),
        prologue=PROLOGUE,
    )


def capture_issue(
    api: Api, environment: Environment, draft_id: str, defined: dict[str, str]
) -> tuple[Script, list[Statement]]:
    """Issue ``draft_id`` with the statement log on; the pgbench script and the statements."""
    answers: list[httpx.Response] = []

    def issue() -> None:
        answers.append(
            api.client.post(
                f"{INVOICES}/{draft_id}/issue",
                headers={**api.headers, "Idempotency-Key": draft_id},
            )
        )

    logged = capture(environment.superuser_conninfo(), environment.database.log_file, issue)
    answer = answers[0]
    if answer.status_code != 200:
        raise SystemExit(f"issuing answered {answer.status_code}: {answer.text[:500]}")
    number = str(answer.json()["number"])
    if not number.isdigit():
        raise SystemExit(f"the series has a prefix ({number}); the script assumes none")
    series = [s for s in logged if s.sql.startswith("UPDATE number_series")]
    if len(series) != 1:
        raise SystemExit(f"expected one series UPDATE in the log, found {len(series)}")
    statements = [s for s in logged if s.pid == series[0].pid]
    variables = {value: name for name, value in defined.items()}
    variables.update({draft_id: "invoice_id", number: "sequence_number"})
    return issue_script(statements, variables, dt.datetime.now(dt.UTC)), statements


# --- reporting ---------------------------------------------------------------------------------


def print_latency(results: Sequence[Latency], usage: Usage) -> list[str]:
    lines = [
        f"{'request':<52}{'n':>5}{'p50':>8}{'p95':>8}{'p99':>8}{'items':>7}  budget p95 < "
        f"{LIST_BUDGET_MS:g} ms"
    ]
    for r in results:
        verdict = (
            ("ok" if r.p95_ms < LIST_BUDGET_MS else "MISSED")
            if r.budgeted
            else ("baseline" if r.baseline else "not budgeted")
        )
        items = f"{r.mean_items:7.1f}" if r.mean_items is not None else " " * 7
        lines.append(
            f"{r.label:<52}{r.requests:>5}{r.p50_ms:>8.2f}{r.p95_ms:>8.2f}{r.p99_ms:>8.2f}"
            f"{items}  {verdict}"
        )
    lines.append(
        f"(ms; one client, sequential requests over one keep-alive connection; CPU: server "
        f"{usage.cores(usage.server):.2f} cores, PostgreSQL {usage.cores(usage.postgres):.2f}, "
        f"client {usage.cores(usage.client):.2f}, other processes {usage.cores(usage.other):.2f})"
    )
    return lines


def describe_run(run: IssueRun) -> str:
    latency = (
        f"  p50 {run.p50_ms:6.1f} ms  p95 {run.p95_ms:6.1f} ms" if run.p50_ms is not None else ""
    )
    return (
        f"  {run.side:<8} {run.clients} clients, round {run.round}: {run.issued:>5} issues in "
        f"{run.seconds:6.2f} s = {run.per_second:7.1f}/s{latency}  CPU/issue: servers "
        f"{run.server_cpu_ms:.2f} ms, PostgreSQL {run.postgres_cpu_ms:.2f} ms, client "
        f"{run.client_cpu_ms:.2f} ms  other processes {run.other_cores:.2f} cores"
    )


def summarise_issues(runs: Sequence[IssueRun], clients: Sequence[int]) -> tuple[list[str], bool]:
    lines = [
        f"{'clients':<9}{'API issues/s':>14}{'pgbench tps':>14}{'ratio':>8}  budget ratio >= "
        f"{RATIO_BUDGET:.3f}"
    ]
    ok = True
    for count in clients:
        api = max((r for r in runs if r.side == "api" and r.clients == count), key=_rate)
        bench = max((r for r in runs if r.side == "pgbench" and r.clients == count), key=_rate)
        ratio = api.per_second / bench.per_second
        ok = ok and ratio >= RATIO_BUDGET
        verdict = "ok" if ratio >= RATIO_BUDGET else "MISSED"
        lines.append(
            f"{count:<9}{api.per_second:>14.1f}{bench.per_second:>14.1f}{ratio:>8.3f}  {verdict}"
        )
    lines.append("(best run of each side)")
    return lines, ok


def _rate(run: IssueRun) -> float:
    return run.per_second


def request_cpu_ms(api: Api, meter: Meter, path: str, count: int) -> float:
    """Server CPU per request of ``count`` sequential GETs of ``path`` (after a warm-up)."""
    for _ in range(20):
        api.get(path).raise_for_status()
    with meter.measure() as usage:
        for _ in range(count):
            api.get(path).raise_for_status()
    return usage.server * 1000 / count


def cost_lines(runs: Sequence[IssueRun], reference_ms: float) -> list[str]:
    """Where the time goes: CPU per issue of the servers, PostgreSQL and the client (median
    over runs)."""

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    api = [r for r in runs if r.side == "api"]
    bench = [r for r in runs if r.side == "pgbench"]
    return [
        f"CPU per issue: the servers {median([r.server_cpu_ms for r in api]):.2f} ms, "
        f"PostgreSQL {median([r.postgres_cpu_ms for r in api]):.2f} ms and the client "
        f"{median([r.client_cpu_ms for r in api]):.2f} ms through the API; PostgreSQL "
        f"{median([r.postgres_cpu_ms for r in bench]):.2f} ms and pgbench "
        f"{median([r.client_cpu_ms for r in bench]):.2f} ms under pgbench.",
        f"For scale, the server's CPU for GET /api/v1/company (token, membership, four small "
        f"reads), one client: {reference_ms:.2f} ms per request.",
    ]


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000, help="of the big company")
    parser.add_argument("--others", type=int, default=1000, help="other companies")
    parser.add_argument("--requests", type=int, default=400, help="timed requests per kind")
    parser.add_argument("--warmup", type=int, default=30, help="untimed rounds first")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--issues", type=int, default=600, help="API issues per run")
    parser.add_argument(
        "--pgbench-transactions", type=int, default=2400, help="pgbench issues per run"
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side and count")
    parser.add_argument(
        "--servers",
        type=int,
        default=os.cpu_count() or 1,
        help="laskutin serve processes the issuing clients are spread over (default: one per "
        "core, as pgbench's clients use a PostgreSQL backend each)",
    )
    parser.add_argument("--seed", type=int, default=5, help="of the random choices")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="5,000 invoices, 100 other companies, 60 requests per kind, 100 API issues and "
        "400 pgbench transactions per run, one round",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.invoices, args.others, args.requests, args.warmup = 5000, 100, 60, 10
        args.issues, args.pgbench_transactions, args.rounds = 100, 400, 1
    return args


def _stop_on_sigterm(sig: int, frame: FrameType | None) -> None:
    raise SystemExit(f"stopped by {signal.Signals(sig).name}")


def sample(conninfo: str, company_id: uuid.UUID, rng: random.Random) -> dict[str, Any]:
    """Customers, invoice ids and numbers of the big company to pick requests from."""
    with psycopg.connect(conninfo) as conn:
        customers = [
            (str(i), n)
            for i, n in conn.execute(
                "SELECT id, name FROM customers WHERE company_id = %s ORDER BY customer_number",
                (company_id,),
            )
        ]
        ids = [
            str(i)
            for (i,) in conn.execute("SELECT id FROM invoices WHERE company_id = %s", (company_id,))
        ]
        numbers = [
            n
            for (n,) in conn.execute(
                "SELECT number FROM invoices WHERE company_id = %s AND number IS NOT NULL",
                (company_id,),
            )
        ]
    return {
        "customers": customers,
        "invoice_ids": rng.sample(ids, min(len(ids), 5000)),
        "numbers": rng.sample(numbers, min(len(numbers), 5000)),
    }


def run(args: argparse.Namespace, environment: Environment, report: dict[str, Any]) -> bool:
    rng = random.Random(args.seed)
    servers: list[Server] = []
    for _ in range(args.servers):
        servers.append(start_server(environment))
    server = servers[0]  # the latency runs' and the captured issue's
    ports = [s.port for s in servers]
    api = Api(server.port)
    try:
        postmaster = environment.database.running_pid()
        assert postmaster is not None
        meter = Meter(servers, postmaster)
        company_id, user_id = sign_up(api)
        started = time.monotonic()
        customers = max(200, args.invoices // 50)
        seeded: Seeded = seed(
            environment.superuser_conninfo(),
            company_id=company_id,
            user_id=user_id,
            invoices=args.invoices,
            customers=customers,
            others=args.others,
        )
        report["seeded"] = asdict(seeded)
        print(
            f"seeded in {time.monotonic() - started:.0f} s: {seeded.invoices} invoices and "
            f"{seeded.customers} customers in the big company, {seeded.other_companies} other "
            f"companies with {seeded.other_invoices} invoices; {seeded.lines} lines, "
            f"{seeded.payments} payments",
            flush=True,
        )
        picks = sample(environment.superuser_conninfo(), company_id, rng)

        # Latency.
        api.log_in()
        kinds = latency_kinds(picks["customers"], picks["invoice_ids"], picks["numbers"])
        print(
            f"\nlatency: {args.requests} requests of each kind after {args.warmup} rounds of "
            f"warm-up, kinds in a shuffled order each round",
            flush=True,
        )
        with meter.measure() as usage:
            latencies, samples = measure_latency(
                api, kinds, rounds=args.requests, warmup=args.warmup, rng=rng
            )
        lines = print_latency(latencies, usage)
        print(*lines, sep="\n", flush=True)
        report["latency"] = [asdict(r) for r in latencies]
        report["latency_samples_ms"] = samples
        report["latency_usage"] = asdict(usage)
        latency_ok = all(r.p95_ms < LIST_BUDGET_MS for r in latencies if r.budgeted)

        # Issuing.
        api.log_in()
        customer_id = picks["customers"][0][0]
        warm = 20
        needed = 2 + warm
        print(
            f"\nissuing: making {needed} drafts of 10 lines through the API (a template, the "
            f"captured issue, a warm-up); before each run, each side gets fresh SQL copies of "
            f"the template; issues go to {len(servers)} laskutin serve processes, the clients "
            f"spread over them in turn",
            flush=True,
        )
        drafts = make_drafts(api, customer_id, needed)
        template, captured, drafts = drafts[0], drafts[1], drafts[2:]
        issue_many(ports, api.token, drafts[:warm], 2 * len(ports))
        defined = script_variables(company_id, user_id, customer_id)
        script, statements = capture_issue(api, environment, captured, defined)
        RESULTS_DIR.mkdir(exist_ok=True)
        fresh = RESULTS_DIR / f"issue_invoice-{report['stamp']}.pgbench.sql"
        fresh.write_text(script.text)
        stale = not SCRIPT.exists() or shape(SCRIPT.read_text()) != shape(script.text)
        if stale:
            SCRIPT.write_text(script.text)
            SCRIPT_VALUES.write_text(json.dumps(script.values, indent=1, ensure_ascii=False) + "\n")
        print(
            f"one issue ran {len(statements)} statements; "
            + (
                f"{SCRIPT.name} REWRITTEN (its statements differed): commit it"
                if stale
                else f"{SCRIPT.name} has the same statements"
            ),
            flush=True,
        )
        report["script_rewritten"] = stale
        report["statements_per_issue"] = len(statements)
        reference_ms = request_cpu_ms(api, meter, "/api/v1/company", args.requests)
        report["company_get_server_cpu_ms"] = reference_ms
        runs: list[IssueRun] = []
        plan = [(count, side) for count in args.clients for side in ("api", "pgbench")]
        for number in range(1, args.rounds + 1):
            order = plan if number % 2 else list(reversed(plan))
            for count, side in order:
                if side == "api":
                    api.log_in()
                    batch = copy_drafts(environment.superuser_conninfo(), template, args.issues)
                    vacuum_analyze(environment.superuser_conninfo())
                    issue_run = api_issue_run(api, meter, ports, batch, count, number)
                else:
                    issue_run = pgbench_issue_run(
                        environment,
                        meter,
                        template=template,
                        variables=defined,
                        values=script.values,
                        transactions=args.pgbench_transactions,
                        clients=count,
                        number=number,
                    )
                runs.append(issue_run)
                print(describe_run(issue_run), flush=True)
        summary, issue_ok = summarise_issues(runs, args.clients)
        summary += cost_lines(runs, reference_ms)
        print(*summary, sep="\n", flush=True)
        report["issue_runs"] = [asdict(r) for r in runs]
        report["issue_summary"] = summary
        report["latency_summary"] = lines
        return latency_ok and issue_ok
    except BaseException:
        print(f"server log (last lines):\n{server.log_tail(30)}", file=sys.stderr)
        raise
    finally:
        api.close()
        for each in servers:
            each.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # so that the clean-up below runs
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    report: dict[str, Any] = {"args": vars(args), "stamp": f"{now:%Y%m%dT%H%M%SZ}"}
    print(
        f"{now:%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()} ({os.path.realpath(sys.executable)})",
        flush=True,
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with throwaway_database() as environment:
        version = subprocess.run(
            [str(environment.pg_bin("pgbench")), "--version"], capture_output=True, text=True
        ).stdout.strip()
        print(f"{version}; database in {environment.data_dir}", flush=True)
        report["pgbench"] = version
        ok = run(args, environment, report)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"invoicing-{report['stamp']}.json"
    report["budgets_met"] = ok
    out.write_text(json.dumps(report, indent=2, default=str))
    print(
        f"\n{'every budget met' if ok else 'BUDGET MISSED'}; results: "
        f"{out.relative_to(BENCH_DIR.parent)}  ({time.monotonic() - started:.0f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
