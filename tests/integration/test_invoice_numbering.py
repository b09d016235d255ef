"""Invoice numbering under load (issue 5): two `laskutin serve` processes on one database issue
hundreds of invoices at once, and the numbers stay unique and without gaps.

Issuing takes the company's next number with ``UPDATE number_series ... RETURNING`` inside the
issuing transaction (invoices/service.py): the row lock makes issuers on both processes take
turns, and a rolled-back issue gives its number back. Among the concurrent issues are credit
notes that fail *after* taking their number: two full credit notes of one invoice, issued at
once on different servers, both pass every check before the number, but only the first can
credit the invoice; the second answers 422 and rolls back. If its number were lost, the
series would have a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE
from tests.conftest import Cluster
from tests.integration.accounts import LOGIN, PASSWORD, SIGNUP, bearer, signup_body
from tests.integration.procs import Spawned, free_port, laskutin_env, spawn, wait_http_ready

COMPANY = "/api/v1/company"
CUSTOMERS = "/api/v1/customers"
INVOICES = "/api/v1/invoices"
PREFIX = "2026-"
START = 1001  # the series' first number: not 1, so an off-by-one cannot hide
DRAFTS = 200  # invoices issued at once through both servers
CREDITED = 5  # invoices with two competing full credit notes each
IN_FLIGHT_PER_SERVER = 12  # 24 at once; under each server's pool (10 + 5 overflow)
TIMEOUT = httpx.Timeout(60.0)
LINE = {
    "description": "Konsultointi",
    "quantity": "2",
    "unit": "h",
    "unit_price": "100.00",
    "vat_rate": "25.5",
}


def sequence_of(number: str) -> int:
    assert number.startswith(PREFIX), number
    return int(number.removeprefix(PREFIX))


def assert_run(sequences: list[int], first: int, count: int) -> None:
    """``sequences`` are exactly first, first + 1, ..., first + count - 1 in some order."""
    got = Counter(sequences)
    expected = set(range(first, first + count))
    missing = sorted(expected - set(got))
    twice = sorted(n for n, times in got.items() if times > 1)
    extra = sorted(set(got) - expected)
    assert (missing, twice, extra, len(sequences)) == ([], [], [], count), (
        f"missing {missing}, more than once {twice}, out of range {extra}"
    )


def body_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    body: dict[str, Any] = response.json()
    return body


def stored(cluster: Cluster, database: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every invoice row and number series row, read as the superuser (row-level security
    binds even the owner role)."""
    with psycopg.connect(cluster.server.superuser_conninfo(database)) as conn:
        invoices = conn.execute(
            "SELECT id, company_id, kind, state, number, sequence_number FROM invoices"
        ).fetchall()
        series = conn.execute(
            "SELECT company_id, kind, prefix, next_number FROM number_series"
        ).fetchall()
    return invoices, series


def serve(
    port: int, *, env: dict[str, str], cwd: Path, name: str
) -> contextlib.AbstractContextManager[Spawned]:
    return spawn("serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=cwd, name=name)


class Servers:
    """Both servers' clients, a token valid on both, and a bound on requests in flight."""

    def __init__(self, clients: list[httpx.AsyncClient], headers: dict[str, str]) -> None:
        self.clients = clients
        self.headers = headers
        self.gates = [asyncio.Semaphore(IN_FLIGHT_PER_SERVER) for _ in clients]

    async def request(self, which: int, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        async with self.gates[which]:
            return await self.clients[which].request(method, url, headers=headers, **kwargs)


async def issue_all(
    servers: Servers, jobs: list[str]
) -> list[tuple[str, int, httpx.Response | BaseException]]:
    """Issue every draft at once, job ``i`` on server ``i % 2``, each with its own key."""

    async def one(index: int, invoice_id: str) -> tuple[str, int, httpx.Response | BaseException]:
        which = index % 2
        try:
            answer = await servers.request(
                which,
                "POST",
                f"{INVOICES}/{invoice_id}/issue",
                headers={"Idempotency-Key": f"issue-{uuid.uuid4()}"},
            )
        except httpx.HTTPError as exc:  # a refused or dropped connection fails the test
            return invoice_id, which, exc
        return invoice_id, which, answer

    return await asyncio.gather(*(one(i, invoice_id) for i, invoice_id in enumerate(jobs)))


async def list_all(servers: Servers, which: int) -> list[dict[str, Any]]:
    """Every invoice and credit note through the list API, page by page (highest number
    first, drafts before all)."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):  # bounded: 215 rows are 5 pages of 50
        params: dict[str, Any] = {"sort": "number", "limit": 50}
        if cursor:
            params["cursor"] = cursor
        page = body_of(await servers.request(which, "GET", INVOICES, params=params), 200)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the invoice list never ended")


async def check_numbering(servers: Servers, cluster: Cluster, database: str) -> None:
    a, b = 0, 1
    company = body_of(
        await servers.request(
            a,
            "PATCH",
            COMPANY,
            json={
                "business_id": "0116297-6",
                "bank_accounts": [{"iban": "FI2112345600000785"}],
                "invoice_number_prefix": PREFIX,
                "next_invoice_number": START,
            },
        ),
        200,
    )
    assert company["missing_for_issuing"] == []
    assert (company["invoice_number_prefix"], company["next_invoice_number"]) == (PREFIX, START)
    customer = body_of(
        await servers.request(b, "POST", CUSTOMERS, json={"name": "Asiakas Oy"}), 201
    )
    draft_body = {"customer_id": customer["id"], "lines": [LINE]}

    async def draft(which: int) -> str:
        made = body_of(await servers.request(which, "POST", INVOICES, json=draft_body), 201)
        assert made["status"] == "draft", made
        assert made["number"] is None, made
        return str(made["id"])

    # Invoices to credit, issued one at a time: the first numbers of the series.
    originals = []
    for n in range(CREDITED):
        made = await draft(n % 2)
        issued = body_of(await servers.request(n % 2, "POST", f"{INVOICES}/{made}/issue"), 200)
        assert issued["number"] == f"{PREFIX}{START + n}", issued
        originals.append(issued)

    # Two full credit notes of each: both drafts are allowed (nothing is credited yet).
    pairs = []
    for n, original in enumerate(originals):
        notes = []
        for which in (a, b):
            note = body_of(
                await servers.request(which, "POST", f"{INVOICES}/{original['id']}/credit-note"),
                201,
            )
            assert (note["kind"], note["status"]) == ("credit_note", "draft"), note
            assert note["total"] == f"-{original['total']}", (note, original)
            notes.append(str(note["id"]))
        pairs.append((original["id"], notes[n % 2], notes[1 - n % 2]))

    drafts = list(await asyncio.gather(*(draft(i % 2) for i in range(DRAFTS))))
    assert len(set(drafts)) == DRAFTS

    # The jobs: every draft, with each pair of competing notes side by side (so they run at
    # once, one on each server) at points spread through the run.
    jobs = list(drafts)
    for n, (_, first, second) in enumerate(pairs):
        at = (n + 1) * DRAFTS // (CREDITED + 1) + 2 * n
        jobs[at:at] = [first, second]
    note_ids = {note for _, first, second in pairs for note in (first, second)}
    assert len(jobs) == DRAFTS + 2 * CREDITED

    answers = await issue_all(servers, jobs)

    failures = [
        f"{invoice_id} on server {which}: {answer!r}"
        if isinstance(answer, BaseException)
        else f"{invoice_id} on server {which}: {answer.status_code} {answer.text}"
        for invoice_id, which, answer in answers
        if isinstance(answer, BaseException)
        or answer.status_code >= 500
        or (answer.status_code != 200 and invoice_id not in note_ids)
    ]
    assert not failures, "\n".join(failures)

    numbers: dict[str, str] = {}  # invoice id -> the number its issue answered
    per_server: Counter[int] = Counter()
    refused: dict[str, dict[str, Any]] = {}
    for invoice_id, which, answer in answers:
        assert isinstance(answer, httpx.Response)
        if answer.status_code == 200:
            body = answer.json()
            assert body["id"] == invoice_id
            assert body["status"] == "issued", body
            assert body["kind"] == ("credit_note" if invoice_id in note_ids else "invoice")
            numbers[invoice_id] = body["number"]
            per_server[which] += 1
        else:
            assert answer.status_code == 422, answer.text
            refused[invoice_id] = answer.json()

    # Exactly one note of each pair credited its invoice; the other failed after taking a
    # number, and rolled back.
    for original_id, first, second in pairs:
        assert len({first, second} & set(numbers)) == 1, (original_id, first, second, refused)
        assert len({first, second} & set(refused)) == 1, (original_id, first, second, refused)
    assert len(refused) == CREDITED
    for problem in refused.values():
        assert problem["type"] == "/problems/credit-exceeds-remaining", problem

    # The answered numbers: unique, and exactly the next ones after the originals, no gap.
    issued_now = DRAFTS + CREDITED
    assert len(numbers) == issued_now
    assert len(set(numbers.values())) == issued_now, Counter(numbers.values()).most_common(5)
    assert_run([sequence_of(n) for n in numbers.values()], START + CREDITED, issued_now)
    assert per_server[a] > 0, per_server
    assert per_server[b] > 0, per_server

    # A retried issue (same key, the other server) replays its answer and takes no number.
    for invoice_id, which, answer in answers[:4]:
        assert isinstance(answer, httpx.Response)
        if answer.status_code != 200:
            continue
        again = await servers.request(
            1 - which,
            "POST",
            f"{INVOICES}/{invoice_id}/issue",
            headers={"Idempotency-Key": answer.request.headers["Idempotency-Key"]},
        )
        assert body_of(again, 200)["number"] == numbers[invoice_id]
        assert again.headers["idempotent-replayed"] == "true"

    # What is stored, through the API (cursor pages) ...
    all_numbers = {str(o["id"]): str(o["number"]) for o in originals} | numbers
    total = CREDITED + issued_now
    expected = list(range(START, START + total))
    listed = await list_all(servers, b)
    assert len(listed) == CREDITED + DRAFTS + 2 * CREDITED
    assert len({item["id"] for item in listed}) == len(listed)
    listed_drafts = [item for item in listed if item["number"] is None]
    assert {item["id"] for item in listed_drafts} == set(refused)
    assert all(item["status"] == "draft" for item in listed_drafts)
    listed_numbers = {item["id"]: item["number"] for item in listed if item["number"] is not None}
    assert listed_numbers == all_numbers
    # Highest number first, drafts before them.
    sequences = [sequence_of(item["number"]) for item in listed[len(listed_drafts) :]]
    assert_run(sequences, START, total)
    assert sequences == expected[::-1]
    for original in originals:
        credited = body_of(await servers.request(a, "GET", f"{INVOICES}/{original['id']}"), 200)
        assert credited["status"] == "credited", credited
        assert credited["credited_amount"] == original["total"], credited
        # Both notes stay linked: the one issued, with its number, and the refused draft.
        links = {link["id"]: (link["status"], link["number"]) for link in credited["credit_notes"]}
        [(_, first, second)] = [pair for pair in pairs if pair[0] == original["id"]]
        assert links == {
            note: ("draft", None) if note in refused else ("issued", numbers[note])
            for note in (first, second)
        }, credited
    settings = body_of(await servers.request(b, "GET", COMPANY), 200)
    assert (settings["invoice_number_prefix"], settings["next_invoice_number"]) == (
        PREFIX,
        START + total,
    )

    # ... and in the tables.
    rows, series = stored(cluster, database)
    company_id = uuid.UUID(company["id"])
    assert {row[1] for row in rows} == {company_id}
    issued_rows = [row for row in rows if row[3] == "issued"]
    assert {str(row[0]): row[4] for row in issued_rows} == all_numbers
    assert all(row[4] == f"{PREFIX}{row[5]}" for row in issued_rows)
    assert_run([row[5] for row in issued_rows], START, total)
    assert sorted(str(row[0]) for row in rows if row[3] == "draft") == sorted(refused)
    assert all(row[4] is None and row[5] is None for row in rows if row[3] == "draft")
    assert series == [(company_id, "invoice", PREFIX, START + total)]


@pytest.mark.slow
async def test_two_serve_processes_issue_unique_gapless_numbers(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    env = laskutin_env(
        database_url=cluster.url(EMBEDDED_APP_ROLE, database).libpq_url(),
        migration_database_url=cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url(),
        secret_key="two-replicas-share-this-secret-" + "k" * 16,
        shutdown_drain_seconds=0,
    )
    ports = free_port(), free_port()
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    spawned: list[Spawned] = []
    with (
        serve(ports[0], env=env, cwd=workdir, name="serve-a") as first,
        serve(ports[1], env=env, cwd=workdir, name="serve-b") as second,
    ):
        spawned += [first, second]
        wait_http_ready(first, f"{bases[0]}/readyz")
        wait_http_ready(second, f"{bases[1]}/readyz")
        async with (
            httpx.AsyncClient(base_url=bases[0], timeout=TIMEOUT) as one,
            httpx.AsyncClient(base_url=bases[1], timeout=TIMEOUT) as two,
        ):
            created = await one.post(SIGNUP, json=signup_body())
            assert created.status_code == 201, created.text
            signed_in = await two.post(
                LOGIN, json={"email": "matti@example.fi", "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
            servers = Servers([one, two], bearer(signed_in.json()))
            try:
                await check_numbering(servers, cluster, database)
            except AssertionError as exc:
                logs = "\n".join(f"--- {s.log_path.name}\n{s.output()[-4000:]}" for s in spawned)
                raise AssertionError(f"{exc}\n{logs}") from exc
    assert "Traceback" not in first.output() + second.output()
