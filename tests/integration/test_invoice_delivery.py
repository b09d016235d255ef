"""Invoice delivery by e-mail against a real SMTP server (aiosmtpd on 127.0.0.1, started here)
and, in the tests marked slow, real `laskutin worker` processes (issue 6).

The in-process tests run one attempt as the job runs it (delivery.sender.attempt with the app's
session factory): what arrives, the crash evidence, the lock, the sweeper. The process tests
start workers: mail arrives, a temporary failure is retried with back-off, a permanent one is
recorded with its reason; and workers are killed with SIGKILL at random moments, again and
again, while a server counts what it received per Message-ID.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import random
import signal
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from httpx import AsyncClient
from psycopg.rows import dict_row
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.companies.domain import Role
from laskutin.core.db import unit_of_work
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from laskutin.delivery import sender
from laskutin.delivery.catcher import CaughtMessage, SmtpCatcher
from laskutin.delivery.dev_mailbox import mailbox_catcher, mailbox_dir
from laskutin.delivery.domain import MAX_ATTEMPTS, SEND_INVOICE
from laskutin.delivery.sender import Outcome, RetryLater, attempt, sweep
from tests.api.conftest import build_test_app, serve
from tests.conftest import Cluster
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_seller
from tests.integration.procs import Spawned, laskutin_env, spawn

INVOICES = "/api/v1/invoices"
MAIL_FROM = "Laskutin <noreply@laskutin.example>"
SELLER_EMAIL = "myynti@paja.example.fi"
REPLY_TO = "laskutus@paja.example.fi"
SENDER_NAME = "Matin Paja – laskutus"
REFUSED = "ei.ketaan@asiakas.example.fi"
DEFERRED = "myohemmin@asiakas.example.fi"


# --- an SMTP server that counts, and can be slow ---------------------------------------------


class CountingCatcher(SmtpCatcher):
    """A catcher that may wait after it has taken a message and before it answers (``pause``
    seconds, at random up to it): a client that dies in that moment has delivered the message
    without knowing it, which is the window the kill test wants to hit."""

    def __init__(self, *, pause: float = 0.0, **options: Any) -> None:
        super().__init__(**options)
        self.pause = pause

    async def handle_DATA(  # aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if self.pause and reply.startswith("250"):
            await asyncio.sleep(random.uniform(0, self.pause))
        return reply

    def by_message_id(self) -> collections.Counter[str]:
        return collections.Counter(
            str(caught.message["Message-ID"]).strip() for caught in list(self.messages)
        )


@contextlib.contextmanager
def running(catcher: SmtpCatcher) -> Iterator[SmtpCatcher]:
    catcher.start()
    try:
        yield catcher
    finally:
        catcher.stop()


@pytest.fixture
def catcher() -> Iterator[CountingCatcher]:
    with running(CountingCatcher(refuse={REFUSED}, defer={DEFERRED})) as c:
        yield c  # type: ignore[misc]


@pytest.fixture
def settings(cluster: Cluster, database: str, catcher: SmtpCatcher) -> Settings:
    return cluster.settings_for(
        database,
        smtp_host=catcher.host,
        smtp_port=catcher.port,
        smtp_timeout_seconds=5,
        mail_from=MAIL_FROM,
    )


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    made = await auth.new_company("A")
    await make_seller(
        auth,
        made,
        email=SELLER_EMAIL,
        sender_name=SENDER_NAME,
        reply_to_email=REPLY_TO,
        name="Matin Paja Oy",
    )
    return made


def sessions_of(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = app.state.session_factory
    return factory


async def owner(auth: TokenAuth, company: Company) -> dict[str, str]:
    return await auth.as_role(company, Role.OWNER)


async def issue(
    client: AsyncClient, auth: TokenAuth, company: Company, **customer: Any
) -> dict[str, Any]:
    customer.setdefault("email", "laskut@asiakas.example.fi")
    customer_id = await make_customer(auth, company, **customer)
    headers = await owner(auth, company)
    created = await client.post(
        INVOICES,
        json={"customer_id": customer_id, "lines": [line(unit_price="80.00", quantity="1.5")]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    issued = await client.post(f"{INVOICES}/{created.json()['id']}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    body: dict[str, Any] = issued.json()
    return body


async def request_send(
    client: AsyncClient, auth: TokenAuth, company: Company, invoice_id: str, **body: Any
) -> dict[str, Any]:
    body.setdefault("channel", "email")
    answer = await client.post(
        f"{INVOICES}/{invoice_id}/send", json=body, headers=await owner(auth, company)
    )
    assert answer.status_code == 202, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def get(client: AsyncClient, auth: TokenAuth, company: Company, path: str) -> Any:
    answer = await client.get(path, headers=await owner(auth, company))
    assert answer.status_code == 200, answer.text
    return answer.json()


def rows(cluster: Cluster, database: str) -> dict[str, dict[str, Any]]:
    """Every send row, read as the superuser (row-level security does not apply)."""
    with psycopg.connect(cluster.server.superuser_conninfo(database), row_factory=dict_row) as c:
        found = c.execute("SELECT * FROM invoice_sends ORDER BY created_at, id").fetchall()
    return {str(row["id"]): row for row in found}


def sql(cluster: Cluster, database: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.server.superuser_conninfo(database), autocommit=True) as conn:
        cursor = conn.execute(statement, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


async def run_attempt(app: FastAPI, settings: Settings, company: Company, send_id: str) -> str:
    return await attempt(
        sessions_of(app),
        settings,
        company_id=uuid.UUID(company.id),
        send_id=uuid.UUID(send_id),
    )


def attachments(message: EmailMessage) -> list[tuple[str | None, str, bytes]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found.append((part.get_filename(), part.get_content_type(), payload))
    return found


def body_text(caught: CaughtMessage) -> str:
    part = caught.message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content.replace("\r\n", "\n")


# --- in process: one attempt as the job runs it ----------------------------------------------


async def test_the_customer_gets_the_invoice_in_their_language_with_the_pdf(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    invoice = await issue(client, auth, company, language="sv", email="ekonomi@kund.example.se")
    send = await request_send(
        client,
        auth,
        company,
        invoice["id"],
        recipients=["ekonomi@kund.example.se", "vd@kund.example.se"],
        message="Tack för beställningen!",
    )
    assert catcher.messages == []  # the request only records it

    with caplog.at_level(logging.INFO, logger="laskutin.delivery"):
        assert await run_attempt(app, settings, company, send["id"]) == Outcome.SENT
    # Recorded by the one statement of the armed transaction, not by the fallback.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text

    [caught] = catcher.messages
    message = caught.message
    assert caught.rcpt_tos == ("ekonomi@kund.example.se", "vd@kund.example.se")
    assert caught.mail_from == "noreply@laskutin.example"
    assert [a.addr_spec for a in message["To"].addresses] == list(caught.rcpt_tos)
    assert message["From"].addresses[0].display_name == SENDER_NAME
    assert message["From"].addresses[0].addr_spec == "noreply@laskutin.example"
    assert message["Reply-To"].addresses[0].addr_spec == REPLY_TO
    assert message["Subject"] == f"Faktura {invoice['number']} – Matin Paja Oy"
    assert message["Message-ID"] == send["message_id"]
    text_body = body_text(caught)
    assert text_body.startswith("Hej,\n\nTack för beställningen!\n\nBifogad finns faktura")
    assert "Belopp: 150,60 €" in text_body  # 1.5 h × 80.00 + 25.5 % VAT
    assert f"Referensnummer: {invoice['reference']}" in text_body
    assert "Förfallodag: " in text_body
    [(filename, content_type, pdf)] = attachments(message)
    assert filename == f"Faktura_{invoice['number']}.pdf"
    assert content_type == "application/pdf"
    assert pdf.startswith(b"%PDF")

    # The stored PDF is the one attached (render once, the same bytes ever after).
    [(stored,)] = sql(
        cluster,
        database,
        "SELECT content FROM invoice_documents WHERE invoice_id = %s AND format = 'pdf'",
        invoice["id"],
    )
    assert bytes(stored) == pdf

    row = rows(cluster, database)[send["id"]]
    assert (row["state"], row["attempts"], row["unconfirmed_handoffs"]) == ("sent", 1, 0)
    assert row["smtp_started_at"] is None
    assert row["sent_at"] is not None
    shown = await get(client, auth, company, f"{INVOICES}/{invoice['id']}")
    assert shown["status"] == "sent"
    assert shown["delivery"]["state"] == "sent"
    assert shown["delivery"]["attempts"] == 1
    trail = (await get(client, auth, company, f"{INVOICES}/{invoice['id']}/audit"))["items"]
    assert [event["action"] for event in trail[:2]] == ["sent", "send_requested"]
    assert trail[0]["actor_name"] == "system"
    assert trail[0]["changes"]["message_id"] == send["message_id"]
    assert trail[0]["changes"]["recipients"] == list(caught.rcpt_tos)

    # The job again (a duplicate job, a retry after a crash that came after the record):
    # nothing more is sent.
    assert await run_attempt(app, settings, company, send["id"]) == Outcome.SKIPPED
    assert len(catcher.messages) == 1


async def test_finnish_english_and_credit_note_mails_and_an_einvoice_attachment(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
) -> None:
    fi = await issue(client, auth, company, language="fi", business_id="0116297-6")
    en = await issue(client, auth, company, language="en")
    fi_send = await request_send(client, auth, company, fi["id"], attach=["finvoice"])
    en_send = await request_send(client, auth, company, en["id"])
    assert await run_attempt(app, settings, company, fi_send["id"]) == Outcome.SENT
    assert await run_attempt(app, settings, company, en_send["id"]) == Outcome.SENT

    first, second = catcher.messages
    assert first.message["Subject"] == f"Lasku {fi['number']} – Matin Paja Oy"
    assert "Liitteenä on lasku" in body_text(first)
    assert "Viitenumero: " in body_text(first)
    [(pdf_name, pdf_type, _), (xml_name, xml_type, xml)] = attachments(first.message)
    assert (pdf_name, pdf_type) == (f"Lasku_{fi['number']}.pdf", "application/pdf")
    assert (xml_name, xml_type) == (f"Finvoice_{fi['number']}.xml", "application/xml")
    assert b"<Finvoice" in xml
    assert second.message["Subject"] == f"Invoice {en['number']} – Matin Paja Oy"
    assert "Please find attached invoice" in body_text(second)
    assert "Amount: 150,60 €" in body_text(second)
    assert first.message["Message-ID"] != second.message["Message-ID"]

    headers = await owner(auth, company)
    note = await client.post(f"{INVOICES}/{fi['id']}/credit-note", headers=headers)
    assert note.status_code == 201, note.text
    issued = await client.post(f"{INVOICES}/{note.json()['id']}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    credit = issued.json()
    note_send = await request_send(client, auth, company, credit["id"])
    assert await run_attempt(app, settings, company, note_send["id"]) == Outcome.SENT
    third = catcher.messages[2]
    assert third.message["Subject"] == f"Hyvityslasku {credit['number']} – Matin Paja Oy"
    text_body = body_text(third)
    assert f"Se hyvittää laskun {fi['number']}" in text_body
    assert "Hyvitys: 150,60 €" in text_body
    assert "Eräpäivä" not in text_body
    [(name, _, _)] = attachments(third.message)
    assert name == f"Hyvityslasku_{credit['number']}.pdf"


async def test_a_refused_recipient_fails_the_send_with_the_servers_reason(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
) -> None:
    invoice = await issue(client, auth, company, email=REFUSED)
    send = await request_send(client, auth, company, invoice["id"])
    assert await run_attempt(app, settings, company, send["id"]) == Outcome.FAILED
    assert catcher.messages == []
    row = rows(cluster, database)[send["id"]]
    assert row["state"] == "failed"
    assert "550" in row["last_error"]
    assert REFUSED in row["last_error"]
    shown = await get(client, auth, company, f"{INVOICES}/{invoice['id']}")
    assert shown["status"] == "issued"
    assert shown["delivery"]["state"] == "failed"
    assert "550" in shown["delivery"]["last_error"]
    [event, *_] = (await get(client, auth, company, f"{INVOICES}/{invoice['id']}/audit"))["items"]
    assert event["action"] == "send_failed"
    assert "550" in event["changes"]["reason"]

    # One refused among several: the others got it, so it is sent, naming the refused one.
    partial = await request_send(
        client, auth, company, invoice["id"], recipients=["ok@asiakas.example.fi", REFUSED]
    )
    assert await run_attempt(app, settings, company, partial["id"]) == Outcome.SENT
    [caught] = catcher.messages
    assert caught.rcpt_tos == ("ok@asiakas.example.fi",)
    row = rows(cluster, database)[partial["id"]]
    assert row["state"] == "sent"
    assert REFUSED in row["last_error"]


async def test_a_temporary_failure_is_queued_again_with_back_off_until_it_gives_up(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
) -> None:
    invoice = await issue(client, auth, company, email=DEFERRED)
    send = await request_send(client, auth, company, invoice["id"])
    with pytest.raises(RetryLater):
        await run_attempt(app, settings, company, send["id"])
    row = rows(cluster, database)[send["id"]]
    assert (row["state"], row["attempts"]) == ("queued", 1)
    assert "451" in row["last_error"]
    assert row["next_attempt_at"] - row["updated_at"] == dt.timedelta(seconds=4)
    assert row["smtp_started_at"] is None

    with pytest.raises(RetryLater):
        await run_attempt(app, settings, company, send["id"])
    row = rows(cluster, database)[send["id"]]
    assert row["next_attempt_at"] - row["updated_at"] == dt.timedelta(seconds=16)

    # The last attempt's temporary failure ends it.
    sql(
        cluster,
        database,
        "UPDATE invoice_sends SET attempts = %s WHERE id = %s",
        MAX_ATTEMPTS - 1,
        send["id"],
    )
    assert await run_attempt(app, settings, company, send["id"]) == Outcome.FAILED
    row = rows(cluster, database)[send["id"]]
    assert (row["state"], row["attempts"], row["next_attempt_at"]) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    assert catcher.messages == []


async def test_an_attempt_that_died_after_the_hand_over_is_counted_and_sent_again(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
) -> None:
    invoice = await issue(client, auth, company)
    send = await request_send(client, auth, company, invoice["id"])
    # As a worker killed after marking the hand-over leaves it.
    sql(
        cluster,
        database,
        "UPDATE invoice_sends SET state = 'sending', attempts = 1, smtp_started_at = now() "
        "WHERE id = %s",
        send["id"],
    )
    assert await run_attempt(app, settings, company, send["id"]) == Outcome.SENT
    row = rows(cluster, database)[send["id"]]
    assert (row["state"], row["attempts"], row["unconfirmed_handoffs"]) == ("sent", 2, 1)
    assert catcher.by_message_id() == {send["message_id"]: 1}


async def test_an_attempt_under_way_holds_the_send(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
) -> None:
    invoice = await issue(client, auth, company)
    send = await request_send(client, auth, company, invoice["id"])
    factory = sessions_of(app)
    async with sender.holding(factory, uuid.UUID(send["id"])) as held:
        assert held is not None
        # A second job for the same send stops at once, and the sweeper leaves it alone.
        assert await run_attempt(app, settings, company, send["id"]) == Outcome.SKIPPED
        sql(cluster, database, "DELETE FROM procrastinate_jobs")
        async with unit_of_work(factory) as session:
            assert await sweep(session) == []
    assert catcher.messages == []
    assert rows(cluster, database)[send["id"]]["state"] == "queued"
    # Released: the sweeper sees a send that no job holds.
    async with unit_of_work(factory) as session:
        assert await sweep(session) == [uuid.UUID(send["id"])]


async def test_the_sweeper_queues_only_sends_that_no_job_holds(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    cluster: Cluster,
    database: str,
) -> None:
    factory = sessions_of(app)
    other = await auth.new_company("B")
    await make_seller(auth, other)
    invoice = await issue(client, auth, company)
    other_invoice = await issue(client, auth, other)
    waiting = await request_send(client, auth, company, invoice["id"])  # its job is todo
    lost = await request_send(client, auth, company, invoice["id"])
    crashed = await request_send(client, auth, other, other_invoice["id"])
    later = await request_send(client, auth, company, invoice["id"])
    done = await request_send(client, auth, company, invoice["id"], channel="download")
    for send in (lost, crashed, later):  # their jobs were lost with their worker
        sql(
            cluster,
            database,
            "UPDATE procrastinate_jobs SET status = 'doing' WHERE args->>'send_id' = %s",
            send["id"],
        )
    sql(
        cluster, database, "UPDATE invoice_sends SET state = 'sending' WHERE id = %s", crashed["id"]
    )
    sql(
        cluster,
        database,
        "UPDATE invoice_sends SET next_attempt_at = now() + interval '1 hour' WHERE id = %s",
        later["id"],
    )

    # Without the sweep marker, a transaction with no company sees no send at all.
    async with unit_of_work(factory) as session:
        await act_as(session, company_id=None, user_id=None)
        assert await session.scalar(text("SELECT count(*) FROM invoice_sends")) == 0
        await session.execute(sender.SWEEP_SETTING)
        visible = await session.scalar(text("SELECT count(*) FROM invoice_sends"))
        assert visible == 4  # the pending ones of both companies; not the download
        refused = await session.execute(text("UPDATE invoice_sends SET attempts = 99"))
        assert refused.rowcount == 0  # type: ignore[attr-defined]

    async with unit_of_work(factory) as session:
        requeued = await sweep(session)
    assert set(requeued) == {uuid.UUID(lost["id"]), uuid.UUID(crashed["id"])}
    todo = sql(
        cluster,
        database,
        "SELECT args->>'send_id', args->>'company_id' FROM procrastinate_jobs "
        "WHERE task_name = %s AND status = 'todo'",
        SEND_INVOICE,
    )
    assert sorted(todo) == sorted(
        [(waiting["id"], company.id), (lost["id"], company.id), (crashed["id"], other.id)]
    )
    async with unit_of_work(factory) as session:  # their jobs wait now: nothing more
        assert await sweep(session) == []
    assert done["state"] == "sent"


async def test_the_development_mailbox_shows_what_the_customer_got(
    client: AsyncClient,
    app: FastAPI,
    auth: TokenAuth,
    company: Company,
    cluster: Cluster,
    database: str,
    tmp_path: Path,
) -> None:
    box = mailbox_catcher(mailbox_dir(tmp_path), host="127.0.0.1", port=0)
    with running(box):
        dev = cluster.settings_for(
            database,
            env="development",
            data_dir=tmp_path,
            smtp_host=box.host,
            smtp_port=box.port,
            mail_from=MAIL_FROM,
        )
        invoice = await issue(client, auth, company)
        send = await request_send(client, auth, company, invoice["id"])
        assert await run_attempt(app, dev, company, send["id"]) == Outcome.SENT
    async with serve(build_test_app(dev)) as http:
        listed = await http.get("/api/v1/dev/mails")
        assert listed.status_code == 200, listed.text
        [mail] = listed.json()["items"]
        assert mail["subject"] == f"Lasku {invoice['number']} – Matin Paja Oy"
        assert mail["message_id"] == send["message_id"]
        assert REPLY_TO in mail["reply_to"]
        [attached] = mail["attachments"]
        assert attached["filename"] == f"Lasku_{invoice['number']}.pdf"
        assert attached["content_type"] == "application/pdf"
        pdf = await http.get(attached["url"])
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("inline;")
        assert pdf.content.startswith(b"%PDF")
        assert len(pdf.content) == attached["size"]
        raw = await http.get(mail["raw_url"])
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("message/rfc822")
        assert send["message_id"].encode() in raw.content
        for missing in (
            f"/api/v1/dev/mails/{mail['id']}/attachments/1",
            "/api/v1/dev/mails/20261206T000000000000Z-00000000/raw",
            "/api/v1/dev/mails/..%2F..%2Fetc%2Fpasswd/raw",
        ):
            assert (await http.get(missing)).status_code == 404, missing
    # Outside development the same paths are not there.
    async with serve(build_test_app(cluster.settings_for(database, data_dir=tmp_path))) as http:
        assert (await http.get(mail["raw_url"])).status_code == 404
        assert (await http.get(attached["url"])).status_code == 404


# --- real worker processes -------------------------------------------------------------------


def worker_env(settings: Settings, catcher: SmtpCatcher, **extra: object) -> dict[str, str]:
    return laskutin_env(
        env="test",
        database_url=settings.app_database.libpq_url(),
        migration_database_url=settings.migration_database.libpq_url(),
        smtp_host=catcher.host,
        smtp_port=catcher.port,
        smtp_timeout_seconds=5,
        mail_from=MAIL_FROM,
        **extra,
    )


async def wait_for(condition: Any, *, deadline: float, what: str, worker: Spawned) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}\n{worker.output()[-4000:]}")
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_a_worker_sends_retries_and_records_failures(
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
    workdir: Path,
) -> None:
    sv = await issue(client, auth, company, language="sv")
    refused = await issue(client, auth, company, email=REFUSED)
    deferred = await issue(client, auth, company, email=DEFERRED)
    sent = await request_send(client, auth, company, sv["id"])
    failing = await request_send(client, auth, company, refused["id"])
    retried = await request_send(client, auth, company, deferred["id"])

    def state(send: dict[str, Any]) -> dict[str, Any]:
        return rows(cluster, database)[send["id"]]

    env = worker_env(settings, catcher)
    with spawn("worker", "--name", "delivery", env=env, cwd=workdir, name="worker") as worker:
        # The first attempt at the deferred one fails for now; the server then takes it.
        await wait_for(
            lambda: state(retried)["attempts"] >= 1 and state(retried)["state"] == "queued",
            deadline=90,
            what="a temporary failure",
            worker=worker,
        )
        assert "451" in state(retried)["last_error"]
        catcher.defer.clear()
        await wait_for(
            lambda: all(state(s)["state"] in ("sent", "failed") for s in (sent, failing, retried)),
            deadline=90,
            what="all three sends to end",
            worker=worker,
        )
    assert state(sent)["state"] == "sent"
    assert state(failing)["state"] == "failed"
    assert "550" in state(failing)["last_error"]
    assert (state(retried)["state"], state(retried)["attempts"]) == ("sent", 2)
    assert catcher.by_message_id() == {sent["message_id"]: 1, retried["message_id"]: 1}
    by_id = {str(c.message["Message-ID"]): c.message for c in catcher.messages}
    message = by_id[sent["message_id"]]
    assert message["Subject"] == f"Faktura {sv['number']} – Matin Paja Oy"
    assert message["Reply-To"].addresses[0].addr_spec == REPLY_TO
    [(filename, content_type, pdf)] = attachments(message)
    assert (filename, content_type) == (f"Faktura_{sv['number']}.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")
    shown = await get(client, auth, company, f"{INVOICES}/{deferred['id']}")
    assert (shown["status"], shown["delivery"]["state"]) == ("sent", "sent")
    # The worker ran the sweeper as it started (not only on its schedule).
    [(sweeps,)] = sql(
        cluster,
        database,
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'delivery.sweep'",
    )
    assert sweeps >= 1


# --- the kill test ---------------------------------------------------------------------------

KILL_INVOICES = 30
SENDS_PER_INVOICE = 4
WORKERS = 2
MAX_KILLS = 20
KILL_PHASE_SECONDS = 45.0  # bounds: the whole test stays under two minutes
DRAIN_SECONDS = 90.0


async def wait_started(worker: Spawned, deadline: float = 60.0) -> None:
    """Until the worker's log says it fetches jobs (procrastinate's "Starting worker")."""
    end = time.monotonic() + deadline
    while "Starting worker" not in worker.output():
        if worker.process.poll() is not None or time.monotonic() > end:
            raise AssertionError(f"the worker did not start:\n{worker.output()[-3000:]}")
        await asyncio.sleep(0.1)


def sending_count(cluster: Cluster, database: str) -> int:
    found = sql(cluster, database, "SELECT count(*) FROM invoice_sends WHERE state = 'sending'")
    return int(found[0][0])


async def wait_for_a_send_under_way(
    cluster: Cluster, database: str, deadline: float = 15.0
) -> None:
    end = time.monotonic() + deadline
    while sending_count(cluster, database) == 0 and time.monotonic() < end:
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_workers_killed_at_random_lose_nothing_and_duplicate_only_in_the_window(
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    cluster: Cluster,
    database: str,
    workdir: Path,
) -> None:
    """Sends are requested; two workers carry them out while one or the other is killed with
    SIGKILL at random moments and started again, many times; then the workers run until every
    send is sent. A worker is killed 0.1-1.5 s after it started fetching jobs, so kills land in
    every step of an attempt; the SMTP server pauses at random between taking a message and
    answering, so some land after the server has the message and before the worker recorded it.

    Counted per Message-ID: every send arrived at least once, and each extra copy is explained
    by the crash window: an attempt that had handed the message over and never recorded the
    answer (``unconfirmed_handoffs``, counted by the attempt after it)."""
    rng = random.Random()
    sends = []
    for _ in range(KILL_INVOICES):
        invoice = await issue(client, auth, company)
        for _ in range(SENDS_PER_INVOICE):
            sends.append(await request_send(client, auth, company, invoice["id"]))
    expected = {send["id"]: send["message_id"] for send in sends}

    def pending() -> int:
        found = rows(cluster, database)
        return sum(1 for row in found.values() if row["state"] != "sent")

    slow_server = CountingCatcher(pause=1.0)
    kills = kills_in_flight = 0
    with running(slow_server), contextlib.ExitStack() as stack:
        env = worker_env(settings, slow_server, worker_concurrency=2)
        generation = 0

        def start(slot: int) -> Spawned:
            nonlocal generation
            generation += 1
            name = f"killable-{slot}-{generation}"
            return stack.enter_context(
                spawn("worker", "--name", name, env=env, cwd=workdir, name=name)
            )

        workers = [start(slot) for slot in range(WORKERS)]
        began = time.monotonic()
        while kills < MAX_KILLS and time.monotonic() - began < KILL_PHASE_SECONDS and pending():
            slot = rng.randrange(WORKERS)
            # A kill at a random moment of its work, not of its start (seconds on a busy
            # machine): once the worker fetches jobs, it dies 0.1-1.5 s later.
            await wait_started(workers[slot])
            # On a loaded machine a worker can take a while to claim a send; wait (bounded)
            # until some send is under way, so that most kills land inside an attempt.
            await wait_for_a_send_under_way(cluster, database)
            await asyncio.sleep(rng.uniform(0.1, 1.5))
            in_flight = sending_count(cluster, database)
            workers[slot].process.send_signal(signal.SIGKILL)
            workers[slot].wait()
            kills += 1
            kills_in_flight += bool(in_flight)
            workers[slot] = start(slot)

        # Leave the workers be: lost jobs come back through the sweeper (each worker runs
        # it as it starts, and every minute).
        end = time.monotonic() + DRAIN_SECONDS
        while pending():
            if time.monotonic() > end:
                logs = "\n".join(w.output()[-3000:] for w in workers)
                raise AssertionError(f"{pending()} sends never got sent\n{logs}")
            await asyncio.sleep(0.5)
        received = slow_server.by_message_id()

    final = rows(cluster, database)
    assert set(final) == set(expected)
    missing = [mid for mid in expected.values() if received[mid] == 0]
    assert missing == [], "sends that never arrived"
    strays = set(received) - set(expected.values())
    assert strays == set(), "messages that belong to no send"
    duplicates = {
        send_id: received[mid] - 1 for send_id, mid in expected.items() if received[mid] > 1
    }
    for send_id, extra in duplicates.items():
        handoffs = final[send_id]["unconfirmed_handoffs"]
        assert extra <= handoffs, (
            f"send {send_id}: {extra} extra copies but {handoffs} unconfirmed hand-overs"
        )
    unconfirmed = sum(row["unconfirmed_handoffs"] for row in final.values())
    attempts = sum(row["attempts"] for row in final.values())
    summary = (
        f"kill test: {len(sends)} sends, {kills} kills ({kills_in_flight} while a send was "
        f"under way), {attempts} attempts, {len(received)} distinct messages, "
        f"{sum(received.values())} received, {sum(duplicates.values())} duplicates, "
        f"{unconfirmed} unconfirmed hand-overs"
    )
    print(summary)
    assert kills_in_flight >= 1, summary


async def test_an_einvoice_the_invoice_cannot_make_fails_the_send_with_the_reason(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
) -> None:
    invoice = await issue(client, auth, company)  # the customer has no e-invoice address
    send = await request_send(client, auth, company, invoice["id"], attach=["peppol"])
    assert await run_attempt(app, settings, company, send["id"]) == Outcome.FAILED
    assert catcher.messages == []
    row = rows(cluster, database)[send["id"]]
    assert (row["state"], row["attempts"], row["smtp_started_at"]) == ("failed", 1, None)
    assert "customer." in row["last_error"]


class DatabaseGone(Exception):
    pass


async def test_when_recording_sent_fails_the_next_attempt_sends_again_and_counts_it(
    app: FastAPI,
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    settings: Settings,
    catcher: CountingCatcher,
    cluster: Cluster,
    database: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window itself: the server took the message, and no record of it could be made (as
    if the worker died right then). The mark stays; the next attempt counts it and sends the
    same Message-ID again. A record that fails once falls back to a transaction of its own."""
    invoice = await issue(client, auth, company)
    send = await request_send(client, auth, company, invoice["id"])

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseGone("the record could not be written")

    monkeypatch.setattr(sender, "record_sent_now", broken)
    monkeypatch.setattr(sender, "record_sent", broken)
    with pytest.raises(DatabaseGone):
        await run_attempt(app, settings, company, send["id"])
    row = rows(cluster, database)[send["id"]]
    assert (row["state"], row["unconfirmed_handoffs"]) == ("sending", 0)
    assert row["smtp_started_at"] is not None
    assert catcher.by_message_id() == {send["message_id"]: 1}

    monkeypatch.undo()
    monkeypatch.setattr(sender, "record_sent_now", broken)  # the fallback records it
    assert await run_attempt(app, settings, company, send["id"]) == Outcome.SENT
    row = rows(cluster, database)[send["id"]]
    assert (row["state"], row["attempts"], row["unconfirmed_handoffs"]) == ("sent", 2, 1)
    assert catcher.by_message_id() == {send["message_id"]: 2}  # the one duplicate, explained
    shown = await get(client, auth, company, f"{INVOICES}/{invoice['id']}")
    assert shown["status"] == "sent"
