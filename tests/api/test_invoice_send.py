"""Sending invoices through the API (issue 6): POST /invoices/{id}/send, the send requests, the
delivery state on the invoice and in its audit trail, the company's sender settings.

The e-mail itself goes from a worker (tests/integration/test_invoice_delivery.py); here the
request is checked: the row and its job written together, idempotency, and every refusal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth.models import User
from laskutin.companies.domain import Role
from laskutin.core import clock
from laskutin.core.settings import Settings
from laskutin.delivery.domain import SEND_INVOICE
from laskutin.delivery.email import message_id_for
from tests.api.conftest import build_test_app, serve
from tests.conftest import Cluster
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_seller

INVOICES = "/api/v1/invoices"
PROBLEM = "application/problem+json"
CUSTOMER_EMAIL = "Laskut@Asiakas.Example.FI"
MAIL_FROM = "Laskutin <noreply@laskutin.example>"


@pytest.fixture(autouse=True)
def march_2026() -> Iterator[None]:
    with clock.frozen_at(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def settings(cluster: Cluster, database: str) -> Settings:
    return cluster.settings_for(database, mail_from=MAIL_FROM)


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    made = await auth.new_company("A")
    await make_seller(auth, made, email="myynti@yritys.example.fi")
    return made


async def owner(auth: TokenAuth, company: Company) -> dict[str, str]:
    return await auth.as_role(company, Role.OWNER)


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}", body
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


async def draft(
    client: AsyncClient, auth: TokenAuth, company: Company, **customer: Any
) -> dict[str, Any]:
    customer.setdefault("email", CUSTOMER_EMAIL)
    customer_id = await make_customer(auth, company, **customer)
    body = {"customer_id": customer_id, "lines": [line()]}
    return ok(await client.post(INVOICES, json=body, headers=await owner(auth, company)), 201)


async def issued(
    client: AsyncClient, auth: TokenAuth, company: Company, **customer: Any
) -> dict[str, Any]:
    made = await draft(client, auth, company, **customer)
    answer = await client.post(f"{INVOICES}/{made['id']}/issue", headers=await owner(auth, company))
    return ok(answer)


async def send(
    client: AsyncClient, headers: dict[str, str], invoice_id: str, **body: Any
) -> Response:
    return await client.post(f"{INVOICES}/{invoice_id}/send", json=body, headers=headers)


async def jobs(app: FastAPI) -> list[dict[str, Any]]:
    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT args FROM procrastinate_jobs WHERE task_name = :task ORDER BY id"),
            {"task": SEND_INVOICE},
        )
        return [dict(args) for (args,) in rows.all()]


async def audit_actions(
    client: AsyncClient, headers: dict[str, str], invoice_id: str
) -> list[dict[str, Any]]:
    trail = ok(await client.get(f"{INVOICES}/{invoice_id}/audit", headers=headers))
    items: list[dict[str, Any]] = trail["items"]
    return items


# --- e-mail ----------------------------------------------------------------------------------


async def test_an_email_send_is_recorded_and_queued_for_the_customers_address(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    invoice = await issued(client, auth, company)

    answer = await send(
        client,
        {**headers, "Idempotency-Key": "send-1"},
        invoice["id"],
        channel="email",
        message="Kiitos tilauksesta!",
    )
    body = ok(answer, 202)
    assert answer.headers["location"] == f"/api/v1/invoices/{invoice['id']}/sends/{body['id']}"
    assert answer.headers["etag"]
    assert body["channel"] == "email"
    assert body["state"] == "queued"
    assert body["recipients"] == ["Laskut@asiakas.example.fi"]  # the buyer's, domain normalised
    assert body["attach"] == []
    assert body["language"] == "fi"
    assert body["message"] == "Kiitos tilauksesta!"
    assert body["attempts"] == 0
    assert body["sent_at"] is None
    assert body["message_id"] == message_id_for(f"invoice-send:{body['id']}", "laskutin.example")
    assert body["requested_by"] == str(auth.members[(company.id, Role.OWNER)])

    # The row's job was written with it: its id and company, no address or content.
    assert await jobs(app) == [{"send_id": body["id"], "company_id": company.id}]

    read = await client.get(answer.headers["location"], headers=headers)
    assert ok(read) == body
    assert read.headers["etag"] == answer.headers["etag"]
    listed = ok(await client.get(f"{INVOICES}/{invoice['id']}/sends", headers=headers))
    assert listed == {"items": [body], "next_cursor": None}

    # The invoice shows the delivery state; it is not "sent" before the mail went.
    shown = ok(await client.get(f"{INVOICES}/{invoice['id']}", headers=headers))
    assert shown["status"] == "issued"
    assert shown["sent_at"] is None
    assert shown["delivery"] == {
        "send_id": body["id"],
        "channel": "email",
        "state": "queued",
        "recipients": ["Laskut@asiakas.example.fi"],
        "attempts": 0,
        "last_error": None,
        "requested_at": body["created_at"],
        "sent_at": None,
    }
    [event, *_] = await audit_actions(client, headers, invoice["id"])
    assert event["action"] == "send_requested"
    assert event["changes"]["send_id"] == body["id"]
    assert event["changes"]["recipients"] == ["Laskut@asiakas.example.fi"]


async def test_recipients_and_attachments_given(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    invoice = await issued(client, auth, company, language="sv")
    body = ok(
        await send(
            client,
            headers,
            invoice["id"],
            channel="email",
            recipients=[
                " ekonomi@kund.example.se ",
                "EKONOMI@kund.example.se",
                "vd@kund.example.se",
            ],
            attach=["finvoice", "finvoice"],
        ),
        202,
    )
    assert body["recipients"] == ["ekonomi@kund.example.se", "vd@kund.example.se"]
    assert body["attach"] == ["finvoice"]
    assert body["language"] == "sv"  # the invoice's language, from the customer


async def test_a_retry_with_the_same_key_answers_the_first_answer_and_sends_once(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = {**await owner(auth, company), "Idempotency-Key": "0b6e1d9c-send"}
    invoice = await issued(client, auth, company)
    first = await send(client, headers, invoice["id"], channel="email")
    again = await send(client, headers, invoice["id"], channel="email")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await jobs(app)) == 1
    listed = ok(await client.get(f"{INVOICES}/{invoice['id']}/sends", headers=headers))
    assert len(listed["items"]) == 1

    other = await send(client, headers, invoice["id"], channel="download")
    assert fields(problem(other, 422, "idempotency-key-reused")) == ["header.Idempotency-Key"]

    # Without a key (or with a new one) each request is a new message.
    ok(await send(client, await owner(auth, company), invoice["id"], channel="email"), 202)
    assert len(await jobs(app)) == 2


async def test_a_draft_cannot_be_sent(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    made = await draft(client, auth, company)
    answer = await send(client, await owner(auth, company), made["id"], channel="email")
    problem(answer, 409, "invoice-not-sendable")
    assert await jobs(app) == []


async def test_recipients_are_required_and_checked(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    no_address = await issued(client, auth, company, email=None)
    missing = await send(client, headers, no_address["id"], channel="email")
    assert fields(problem(missing, 422, "recipients-required")) == ["recipients"]

    invoice = await issued(client, auth, company)
    empty = await send(client, headers, invoice["id"], channel="email", recipients=[])
    assert fields(problem(empty, 422, "recipients-required")) == ["recipients"]

    bad = await send(
        client,
        {**headers, "Accept-Language": "en"},
        invoice["id"],
        channel="email",
        recipients=["ok@asiakas.example.fi", "not an address"],
    )
    body = problem(bad, 422, "recipient-invalid")
    assert fields(body) == ["recipients.1"]
    assert "not an address" in body["errors"][0]["message"]

    for value in ("Nimi <x@asiakas.example.fi>", "a@b", "x@asiakas.example.fi\r\nBcc: y@z.fi"):
        refused = await send(client, headers, invoice["id"], channel="email", recipients=[value])
        assert fields(problem(refused, 422, "recipient-invalid")) == ["recipients.0"], value

    too_many = [f"r{i}@asiakas.example.fi" for i in range(11)]
    answer = await send(client, headers, invoice["id"], channel="email", recipients=too_many)
    assert fields(problem(answer, 422, "validation-error")) == ["recipients"]

    unknown = await send(client, headers, invoice["id"], channel="fax")
    assert fields(problem(unknown, 422, "validation-error")) == ["channel"]
    assert await jobs(app) == []


async def test_an_accountant_may_not_send_and_another_companys_invoice_is_not_found(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issued(client, auth, company)
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    problem(await send(client, accountant, invoice["id"], channel="email"), 403, "forbidden")
    problem(await send(client, accountant, invoice["id"], channel="download"), 403, "forbidden")
    # Reading is every member's.
    ok(await client.get(f"{INVOICES}/{invoice['id']}/sends", headers=accountant))

    other = await auth.new_company("B")
    stranger = await auth.as_role(other, Role.OWNER)
    problem(await send(client, stranger, invoice["id"], channel="email"), 404, "not-found")
    missing = f"{INVOICES}/{invoice['id']}/sends/{uuid.uuid4()}"
    problem(await client.get(missing, headers=await owner(auth, company)), 404, "not-found")


# --- download --------------------------------------------------------------------------------


async def test_download_only_marks_the_invoice_sent_at_once(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    invoice = await issued(client, auth, company)
    body = ok(await send(client, headers, invoice["id"], channel="download"), 202)
    assert body["state"] == "sent"
    assert body["sent_at"] is not None
    assert body["recipients"] == []
    assert body["message_id"] is None
    assert await jobs(app) == []  # nothing for a worker to do

    shown = ok(await client.get(f"{INVOICES}/{invoice['id']}", headers=headers))
    assert shown["status"] == "sent"
    assert shown["sent_at"] == body["sent_at"]
    assert shown["delivery"]["state"] == "sent"
    assert shown["delivery"]["channel"] == "download"
    [event, *_] = await audit_actions(client, headers, invoice["id"])
    assert event["action"] == "sent"
    assert event["actor_user_id"] == str(auth.members[(company.id, Role.OWNER)])
    assert event["changes"]["channel"] == "download"

    # Sent again later: the invoice keeps its first sent_at; the latest request shows.
    email = ok(await send(client, headers, invoice["id"], channel="email"), 202)
    again = ok(await client.get(f"{INVOICES}/{invoice['id']}", headers=headers))
    assert again["sent_at"] == body["sent_at"]
    assert again["status"] == "sent"
    assert again["delivery"]["send_id"] == email["id"]
    listed = ok(await client.get(f"{INVOICES}/{invoice['id']}/sends", headers=headers))
    assert [item["id"] for item in listed["items"]] == [email["id"], body["id"]]
    page = ok(await client.get(f"{INVOICES}/{invoice['id']}/sends?limit=1", headers=headers))
    assert [item["id"] for item in page["items"]] == [email["id"]]
    rest = await client.get(
        f"{INVOICES}/{invoice['id']}/sends",
        params={"limit": 1, "cursor": page["next_cursor"]},
        headers=headers,
    )
    assert [item["id"] for item in ok(rest)["items"]] == [body["id"]]


async def test_download_takes_no_recipients_attachments_or_message(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    invoice = await issued(client, auth, company)
    for extra, field in (
        ({"recipients": ["x@asiakas.example.fi"]}, "recipients"),
        ({"attach": ["peppol"]}, "attach"),
        ({"message": "Hei"}, "message"),
    ):
        answer = await send(client, headers, invoice["id"], channel="download", **extra)
        assert fields(problem(answer, 422, "not-for-channel")) == [field]
    shown = ok(await client.get(f"{INVOICES}/{invoice['id']}", headers=headers))
    assert shown["delivery"] is None
    assert shown["status"] == "issued"


# --- production: a verified address first ----------------------------------------------------


@pytest.fixture
async def production_client(cluster: Cluster, database: str) -> AsyncIterator[AsyncClient]:
    settings = cluster.settings_for(
        database, env="production", secret_key="p" * 40, mail_from=MAIL_FROM
    )
    async with serve(build_test_app(settings)) as http:
        yield http


async def test_in_production_an_unverified_user_may_not_send(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    production_client: AsyncClient,
) -> None:
    invoice = await issued(client, auth, company)
    headers = await owner(auth, company)  # signed by the key ring both apps share
    refused = await send(production_client, headers, invoice["id"], channel="email")
    problem(refused, 403, "email-not-verified")

    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    async with sessions() as session, session.begin():
        await session.execute(
            update(User)
            .where(User.id == auth.members[(company.id, Role.OWNER)])
            .values(email_verified_at=clock.now())
        )
    ok(await send(production_client, headers, invoice["id"], channel="email"), 202)


# --- the company's sender settings -----------------------------------------------------------


async def test_sender_name_and_reply_address_are_settings(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    before = ok(await client.get("/api/v1/company", headers=headers))
    assert (before["sender_name"], before["reply_to_email"]) == (None, None)

    changed = await client.patch(
        "/api/v1/company",
        json={"sender_name": "  Matin Paja – laskutus ", "reply_to_email": "Laskut@Yritys.FI"},
        headers=headers,
    )
    body = ok(changed)
    assert body["sender_name"] == "Matin Paja – laskutus"
    assert body["reply_to_email"] == "Laskut@yritys.fi"

    bad = await client.patch(
        "/api/v1/company", json={"reply_to_email": "ei osoite"}, headers=headers
    )
    assert fields(problem(bad, 422, "email-invalid")) == ["reply_to_email"]
    two_lines = await client.patch(
        "/api/v1/company", json={"sender_name": "Matti\r\nBcc: x@y.fi"}, headers=headers
    )
    assert fields(problem(two_lines, 422, "validation-error")) == ["sender_name"]

    cleared = ok(
        await client.patch(
            "/api/v1/company", json={"sender_name": "", "reply_to_email": None}, headers=headers
        )
    )
    assert (cleared["sender_name"], cleared["reply_to_email"]) == (None, None)

    trail = ok(await client.get("/api/v1/company/audit", headers=headers))["items"]
    assert trail[1]["changes"] == {
        "sender_name": [None, "Matin Paja – laskutus"],
        "reply_to_email": [None, "Laskut@yritys.fi"],
    }
    member = await auth.as_role(company, Role.MEMBER)
    refused = await client.patch("/api/v1/company", json={"sender_name": "X"}, headers=member)
    problem(refused, 403, "forbidden")
