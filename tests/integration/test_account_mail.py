"""Account mails through the API, a real SMTP server (aiosmtpd) and the mail job (issue 4):
e-mail verification, password reset by a single-use link that expires, password change.

The job runs as the worker would run it (its function in a transaction of its own, with a
JobContext), except in one test that starts a real `laskutin worker`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import psycopg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth.models import User
from laskutin.auth.service import EmailNotVerified, hash_email_token, require_verified_email
from laskutin.auth.tasks import send_account_mail_job
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.settings import Settings
from laskutin.delivery.catcher import CaughtMessage, SmtpCatcher, running_smtp_catcher
from laskutin.delivery.email import TemporaryDeliveryError
from laskutin.jobs.registry import JobContext
from tests.conftest import Cluster
from tests.integration.accounts import LOGIN, PASSWORD, SIGNUP, bearer, log_in, signup_body
from tests.integration.procs import laskutin_env, spawn

NEW_PASSWORD = "purple elephants dance at dawn"
PUBLIC_URL = "https://app.laskutin.example"
REFRESH = "/api/v1/auth/refresh"
RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/verify-email/resend"
CHANGE = "/api/v1/me/password"
ME = "/api/v1/me"
PROBLEM = "application/problem+json"
TASK = "auth.send_account_mail"
_TOKEN = re.compile(r"\?token=([A-Za-z0-9_%\-]+)")


@pytest.fixture
def catcher() -> Iterator[SmtpCatcher]:
    with running_smtp_catcher(refuse={"refused@example.fi"}) as c:
        yield c


@pytest.fixture
def settings(cluster: Cluster, database: str, catcher: SmtpCatcher) -> Settings:
    return cluster.settings_for(
        database,
        smtp_host=catcher.host,
        smtp_port=catcher.port,
        smtp_timeout_seconds=5,
        public_url=PUBLIC_URL,
        mail_from="Laskutin <noreply@laskutin.example>",
    )


def factory_of(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    result: async_sessionmaker[AsyncSession] = app.state.session_factory
    return result


class MailJobs:
    """Runs the queued mail jobs like the worker: each in a transaction of its own."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.factory = factory_of(app)
        self.settings = settings
        self.done: set[int] = set()

    async def queued(self) -> list[tuple[int, dict[str, Any]]]:
        async with unit_of_work(self.factory) as session:
            rows = await session.execute(
                text("SELECT id, args FROM procrastinate_jobs WHERE task_name = :t ORDER BY id"),
                {"t": TASK},
            )
            return [(int(job_id), dict(args)) for job_id, args in rows.all()]

    async def run(self, job_id: int, args: dict[str, Any]) -> None:
        async with unit_of_work(self.factory) as session:
            await send_account_mail_job(JobContext(session, self.settings, job_id), **args)

    async def run_all(self) -> int:
        ran = 0
        for job_id, args in await self.queued():
            if job_id not in self.done:
                await self.run(job_id, args)
                self.done.add(job_id)
                ran += 1
        return ran


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
def jobs(app: FastAPI, settings: Settings, client: AsyncClient) -> MailJobs:
    return MailJobs(app, settings)


async def sign_up(client: AsyncClient, email: str = "matti@example.fi", **headers: str) -> None:
    response = await client.post(SIGNUP, json=signup_body(email), headers=headers)
    assert response.status_code == 201, response.text


def body_of(caught: CaughtMessage) -> str:
    part = caught.message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def token_in(caught: CaughtMessage, route: str) -> str:
    body = body_of(caught)
    assert f"{PUBLIC_URL}/#/{route}?token=" in body, body
    match = _TOKEN.search(body)
    assert match is not None, body
    return unquote(match.group(1))


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}"
    return body


def email_token_rows(cluster: Cluster, database: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.server.superuser_conninfo(database)) as conn:
        return conn.execute(
            "SELECT purpose, token_hash, used_at FROM email_tokens ORDER BY created_at"
        ).fetchall()


# --- verification ------------------------------------------------------------------------------


async def test_signup_mails_a_link_that_verifies_the_address(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher, cluster: Cluster, database: str
) -> None:
    await sign_up(client)
    assert catcher.messages == []  # the request only writes the intent
    [(job_id, args)] = await jobs.queued()
    assert set(args) == {"kind", "token_id"}  # no token, no address in the queue
    assert await jobs.run_all() == 1

    [caught] = catcher.messages
    assert caught.rcpt_tos == ("matti@example.fi",)
    assert caught.message["Subject"] == "Vahvista sähköpostiosoitteesi – Laskutin"  # fi default
    token = token_in(caught, "verify-email")
    [(purpose, token_hash, used_at)] = email_token_rows(cluster, database)
    assert purpose == "verify_email"
    assert token_hash == hash_email_token(token)  # the hash only
    assert used_at is None
    with psycopg.connect(cluster.server.superuser_conninfo(database)) as conn:
        queue_text = json.dumps(conn.execute("SELECT args FROM procrastinate_jobs").fetchall())
    assert token not in queue_text

    # The job again (a retry after a crash): nothing more is sent.
    await jobs.run(job_id, args)
    assert len(catcher.messages) == 1

    tokens = await log_in(client)
    assert (await client.get(ME, headers=bearer(tokens))).json()["user"]["email_verified"] is False
    verified = await client.post(VERIFY, json={"token": token})
    assert verified.status_code == 204, verified.text
    assert (await client.get(ME, headers=bearer(tokens))).json()["user"]["email_verified"] is True

    again = await client.post(VERIFY, json={"token": token}, headers={"Accept-Language": "sv"})
    body = assert_problem(again, 400, "email-token-used")
    assert body["title"] == "Länken har redan använts"
    assert again.headers["content-language"] == "sv"
    unknown = await client.post(VERIFY, json={"token": "x" * 43})
    assert_problem(unknown, 400, "email-token-invalid")

    # Verified: asking again sends nothing, with the same answer.
    resend = await client.post(RESEND, headers=bearer(tokens))
    assert resend.status_code == 202
    assert resend.json() == {"status": "accepted"}
    assert await jobs.run_all() == 0


async def test_resend_sends_a_new_link_in_the_callers_language(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher
) -> None:
    await sign_up(client, **{"Accept-Language": "sv-FI"})
    await jobs.run_all()
    tokens = await log_in(client)
    unauthenticated = await client.post(RESEND)
    assert_problem(unauthenticated, 401, "unauthenticated")
    resend = await client.post(RESEND, headers={**bearer(tokens), "Accept-Language": "en"})
    assert resend.status_code == 202, resend.text
    await jobs.run_all()

    first, second = catcher.messages
    assert first.message["Subject"] == "Bekräfta din e-postadress – Laskutin"
    assert second.message["Subject"] == "Verify your e-mail address – Laskutin"
    assert first.message["Message-ID"] != second.message["Message-ID"]
    # Either link works (each once).
    response = await client.post(VERIFY, json={"token": token_in(first, "verify-email")})
    assert response.status_code == 204


async def test_a_verification_link_expires_after_seven_days(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher
) -> None:
    start = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        await sign_up(client)
        await jobs.run_all()
    token = token_in(catcher.messages[0], "verify-email")
    with clock.frozen_at(start + dt.timedelta(days=7, seconds=1)):
        response = await client.post(VERIFY, json={"token": token})
    assert_problem(response, 400, "email-token-expired")
    with clock.frozen_at(start + dt.timedelta(days=6, hours=23)):
        assert (await client.post(VERIFY, json={"token": token})).status_code == 204


async def test_signing_up_with_a_registered_address_tells_its_owner(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher, cluster: Cluster, database: str
) -> None:
    await sign_up(client)
    await jobs.run_all()
    first = await client.post(SIGNUP, json=signup_body("matti@example.fi"))
    again = await client.post(
        SIGNUP,
        json=signup_body("MATTI@example.fi", name="Joku Muu", password="another long passphrase"),
        headers={"Accept-Language": "en"},
    )
    assert again.status_code == first.status_code == 201
    assert first.json() == {"email": "matti@example.fi"}
    assert again.json() == {"email": "MATTI@example.fi"}  # as given, registered or not
    assert await jobs.run_all() == 2
    _, notice_fi, notice_en = catcher.messages
    assert notice_en.rcpt_tos == ("matti@example.fi",)
    assert notice_en.message["Subject"] == "Someone tried to sign up with your address – Laskutin"
    assert f"{PUBLIC_URL}/#/forgot-password" in body_of(notice_en)
    assert "token=" not in body_of(notice_en)
    assert notice_fi.message["Subject"].startswith("Joku yritti")
    # Nothing was created for the second and third sign-ups.
    assert len(email_token_rows(cluster, database)) == 1


# --- password reset ----------------------------------------------------------------------------


async def test_password_reset_end_to_end(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher, cluster: Cluster, database: str
) -> None:
    await sign_up(client)
    await jobs.run_all()
    old_session = await log_in(client)

    asked = await client.post(RESET, json={"email": "Matti@EXAMPLE.fi"})
    assert asked.status_code == 202, asked.text
    assert asked.json() == {"status": "accepted"}
    await jobs.run_all()
    mail = catcher.messages[-1]
    assert mail.message["Subject"] == "Salasanan vaihto – Laskutin"
    token = token_in(mail, "reset-password")

    weak = await client.post(CONFIRM, json={"token": token, "password": "short"})
    problem = assert_problem(weak, 422, "password-too-short")
    assert problem["errors"][0]["field"] == "password"
    # A refused password spends nothing: the link still works.
    done = await client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    assert done.content == b""

    refused = await client.post(LOGIN, json={"email": "matti@example.fi", "password": PASSWORD})
    assert_problem(refused, 401, "invalid-credentials")
    await log_in(client, password=NEW_PASSWORD)
    stale = await client.post(REFRESH, json={"refresh_token": old_session["refresh_token"]})
    assert_problem(stale, 401, "refresh-token-revoked")

    again = await client.post(CONFIRM, json={"token": token, "password": "yet another passphrase"})
    assert_problem(again, 400, "email-token-used")
    await log_in(client, password=NEW_PASSWORD)
    # The reset link proved the address too.
    tokens = await log_in(client, password=NEW_PASSWORD)
    assert (await client.get(ME, headers=bearer(tokens))).json()["user"]["email_verified"] is True
    # A verification token is no reset token.
    verify_token = token_in(catcher.messages[0], "verify-email")
    wrong = await client.post(CONFIRM, json={"token": verify_token, "password": NEW_PASSWORD})
    assert_problem(wrong, 400, "email-token-invalid")


async def test_a_reset_link_expires_after_an_hour(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher
) -> None:
    await sign_up(client)
    start = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        assert (await client.post(RESET, json={"email": "matti@example.fi"})).status_code == 202
        await jobs.run_all()
    token = token_in(catcher.messages[-1], "reset-password")
    with clock.frozen_at(start + dt.timedelta(hours=1)):
        late = await client.post(
            CONFIRM,
            json={"token": token, "password": NEW_PASSWORD},
            headers={"Accept-Language": "en"},
        )
    body = assert_problem(late, 400, "email-token-expired")
    assert body["title"] == "Link expired"
    await log_in(client)  # the password did not change


async def test_a_reset_lifts_the_sign_in_lock(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher
) -> None:
    await sign_up(client)
    for _ in range(5):
        await client.post(LOGIN, json={"email": "matti@example.fi", "password": "wrong" * 4})
    locked = await client.post(LOGIN, json={"email": "matti@example.fi", "password": PASSWORD})
    assert locked.status_code == 423
    await client.post(RESET, json={"email": "matti@example.fi"})
    await jobs.run_all()
    token = token_in(catcher.messages[-1], "reset-password")
    assert (
        await client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    ).status_code == 204
    await log_in(client, password=NEW_PASSWORD)


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher
) -> None:
    await sign_up(client)
    await jobs.run_all()
    before = len(catcher.messages)
    known = await client.post(RESET, json={"email": "matti@example.fi"})
    unknown = await client.post(RESET, json={"email": "nobody@example.fi"})
    assert unknown.status_code == known.status_code == 202
    assert unknown.content == known.content
    skip = {"x-request-id", "date"}
    assert {k: v for k, v in unknown.headers.items() if k not in skip} == {
        k: v for k, v in known.headers.items() if k not in skip
    }
    assert await jobs.run_all() == 1  # the known address's mail only
    assert [m.rcpt_tos for m in catcher.messages[before:]] == [("matti@example.fi",)]

    bad = await client.post(RESET, json={"email": "not an address"})
    problem = assert_problem(bad, 422, "email-invalid")
    assert problem["errors"][0]["field"] == "email"
    missing = await client.post(RESET, json={})
    assert assert_problem(missing, 422, "validation-error")["errors"][0]["field"] == "email"
    missing_password = await client.post(CONFIRM, json={"token": "abc"})
    errors = assert_problem(missing_password, 422, "validation-error")["errors"]
    assert [e["field"] for e in errors] == ["password"]


# --- delivery failures -------------------------------------------------------------------------


async def test_a_temporary_failure_retries_and_a_permanent_one_ends_the_job(
    client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher, cluster: Cluster, database: str
) -> None:
    catcher.defer = {"matti@example.fi"}
    await sign_up(client)
    [(job_id, args)] = await jobs.queued()
    with pytest.raises(TemporaryDeliveryError):
        await jobs.run(job_id, args)
    [(_, token_hash, _)] = email_token_rows(cluster, database)
    assert token_hash is None  # rolled back: the retry makes the token
    catcher.defer = set()
    await jobs.run(job_id, args)
    [caught] = catcher.messages
    assert (await client.post(VERIFY, json={"token": token_in(caught, "verify-email")})).is_success

    await sign_up(client, "refused@example.fi")
    [(job_id, args)] = [job for job in await jobs.queued() if job[0] != job_id]
    await jobs.run(job_id, args)  # logged, not raised: the queue does not try again
    assert len(catcher.messages) == 1


# --- password change ---------------------------------------------------------------------------


async def test_password_change(client: AsyncClient, cluster: Cluster, database: str) -> None:
    await sign_up(client)
    other = await log_in(client)
    this = await log_in(client)

    wrong = await client.post(
        CHANGE,
        json={"current_password": "not my password at all", "new_password": NEW_PASSWORD},
        headers={**bearer(this), "Accept-Language": "en"},
    )
    body = assert_problem(wrong, 422, "current-password-wrong")
    assert body["errors"] == [
        {
            "field": "current_password",
            "code": "current-password-wrong",
            "message": "The current password is wrong.",
        }
    ]
    weak = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": "Meikäläinen juo kahvia aamulla"},
        headers=bearer(this),
    )
    assert assert_problem(weak, 422, "password-contains-name")["errors"][0]["field"] == (
        "new_password"
    )
    unauthenticated = await client.post(
        CHANGE, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert_problem(unauthenticated, 401, "unauthenticated")

    changed = await client.post(
        CHANGE,
        json={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "refresh_token": this["refresh_token"],
        },
        headers=bearer(this),
    )
    assert changed.status_code == 204, changed.text
    assert (await client.post(REFRESH, json={"refresh_token": this["refresh_token"]})).is_success
    ended = await client.post(REFRESH, json={"refresh_token": other["refresh_token"]})
    assert_problem(ended, 401, "refresh-token-revoked")
    refused = await client.post(LOGIN, json={"email": "matti@example.fi", "password": PASSWORD})
    assert_problem(refused, 401, "invalid-credentials")
    await log_in(client, password=NEW_PASSWORD)


# --- the production guard ----------------------------------------------------------------------


def test_an_unverified_address_blocks_sending_only_in_production(settings: Settings) -> None:
    unverified = User(email="matti@example.fi", name="Matti", email_verified_at=None)
    verified = User(
        email="matti@example.fi", name="Matti", email_verified_at=dt.datetime.now(dt.UTC)
    )
    require_verified_email(unverified, settings)  # test mode: development rules
    require_verified_email(unverified, settings.model_copy(update={"env": "development"}))
    production = Settings(  # type: ignore[call-arg]
        _env_file=None,
        env="production",
        secret_key="s" * 40,
        database_url="postgresql://app:pw@db.internal/laskutin",
    )
    require_verified_email(verified, production)
    with pytest.raises(EmailNotVerified) as caught:
        require_verified_email(unverified, production)
    assert caught.value.code == "email-not-verified"


# --- a real worker -----------------------------------------------------------------------------


@pytest.mark.slow
async def test_a_worker_process_sends_the_verification_mail(
    client: AsyncClient, settings: Settings, catcher: SmtpCatcher, workdir: Path
) -> None:
    env = laskutin_env(
        env="test",
        database_url=settings.app_database.libpq_url(),
        migration_database_url=settings.migration_database.libpq_url(),
        smtp_host=catcher.host,
        smtp_port=catcher.port,
        public_url=PUBLIC_URL,
        mail_from="Laskutin <noreply@laskutin.example>",
    )
    await sign_up(client)
    with spawn("worker", "--name", "mail-worker", env=env, cwd=workdir, name="worker") as worker:
        deadline = time.monotonic() + 90
        while not catcher.messages and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert catcher.messages, worker.output()
    [caught] = catcher.messages
    assert caught.message["Message-ID"].endswith("@laskutin.example>")
    response = await client.post(VERIFY, json={"token": token_in(caught, "verify-email")})
    assert response.status_code == 204
