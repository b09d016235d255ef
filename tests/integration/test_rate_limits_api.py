"""Rate limits of account mails and password guesses through the API (laskutin.auth.limits):
429 problem+json with Retry-After where a refusal reveals nothing, silently no mail where it
would. Windows are moved into the past with SQL, never slept through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from laskutin.app import create_app
from laskutin.auth import limits
from laskutin.auth.tasks import sweep_job
from laskutin.core.db import unit_of_work
from laskutin.core.settings import Settings
from laskutin.delivery.catcher import SmtpCatcher, running_smtp_catcher
from laskutin.jobs.registry import JobContext
from tests.conftest import Cluster
from tests.integration.accounts import PASSWORD, SIGNUP, bearer, log_in, signup_body
from tests.integration.test_account_mail import (
    CHANGE,
    NEW_PASSWORD,
    PUBLIC_URL,
    RESEND,
    RESET,
    MailJobs,
    assert_problem,
    factory_of,
)

OFFICE = "198.51.100.7"


@pytest.fixture
def catcher() -> Iterator[SmtpCatcher]:
    with running_smtp_catcher() as c:
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


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def office(app: FastAPI, client: AsyncClient) -> AsyncIterator[AsyncClient]:
    """Another client address (the app is started by ``client``)."""
    transport = ASGITransport(app=app, raise_app_exceptions=False, client=(OFFICE, 4321))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def jobs(app: FastAPI, settings: Settings, client: AsyncClient) -> MailJobs:
    return MailJobs(app, settings)


async def _sql(app: FastAPI, sql: str, **params: object) -> Any:
    async with unit_of_work(factory_of(app)) as session:
        result = await session.execute(text(sql), params)
        return result.all() if result.returns_rows else None


async def _end_windows(app: FastAPI) -> None:
    await _sql(app, "UPDATE rate_counters SET window_started = now() - interval '1 day'")


def _assert_429(response: Any, code: str, longest: int) -> None:
    body = assert_problem(response, 429, code)
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= longest
    assert body["status"] == 429


async def _queued_kinds(jobs: MailJobs) -> list[str]:
    return [str(args["kind"]) for _, args in await jobs.queued()]


# --- password reset ------------------------------------------------------------------------------


async def test_reset_requests_per_client_address_are_limited_and_reveal_nothing(
    app: FastAPI, client: AsyncClient, office: AsyncClient, jobs: MailJobs
) -> None:
    assert (await client.post(SIGNUP, json=signup_body())).status_code == 201
    for n in range(limits.PASSWORD_RESET_PER_ADDRESS.limit):
        response = await client.post(RESET, json={"email": f"nobody{n}@example.fi"})
        assert response.status_code == 202, response.text

    # The 21st: refused before the address is looked up, registered or not.
    unknown = await client.post(RESET, json={"email": "nobody@example.fi"})
    known = await client.post(RESET, json={"email": "matti@example.fi"})
    _assert_429(unknown, "too-many-password-resets", 3600)
    _assert_429(known, "too-many-password-resets", 3600)
    same = ("type", "title", "status")
    assert {k: unknown.json()[k] for k in same} == {k: known.json()[k] for k in same}
    assert await _queued_kinds(jobs) == ["verify_email"]  # the sign-up's, no reset

    # Another address is not limited; the counter holds the address, no e-mail.
    assert (await office.post(RESET, json={"email": "matti@example.fi"})).status_code == 202
    keys = {key for (key,) in await _sql(app, "SELECT key FROM rate_counters")}
    assert not any("@" in key for key in keys)

    await _end_windows(app)
    assert (await client.post(RESET, json={"email": "nobody@example.fi"})).status_code == 202


async def test_beyond_three_reset_mails_an_hour_an_account_gets_none_with_the_same_answer(
    app: FastAPI, client: AsyncClient, jobs: MailJobs, catcher: SmtpCatcher
) -> None:
    assert (await client.post(SIGNUP, json=signup_body())).status_code == 201
    await jobs.run_all()
    answers = [
        await client.post(RESET, json={"email": email})
        for email in (
            "matti@example.fi",
            "MATTI@example.fi",
            "matti@example.fi",
            "Matti@Example.fi",
        )
    ]

    assert [r.status_code for r in answers] == [202] * 4
    assert len({r.content for r in answers}) == 1
    assert await jobs.run_all() == limits.RESET_MAILS_PER_ACCOUNT.limit
    resets = [m for m in catcher.messages if "reset-password?token=" in m.message.as_string()]
    assert len(resets) == 3

    await _end_windows(app)  # an hour later: one more
    assert (await client.post(RESET, json={"email": "matti@example.fi"})).status_code == 202
    assert await jobs.run_all() == 1


# --- sign-up -------------------------------------------------------------------------------------


async def test_signups_per_client_address_are_limited(
    app: FastAPI, client: AsyncClient, office: AsyncClient
) -> None:
    # 19 sign-ups counted already (set directly: argon2 twenty times is slow).
    await _sql(
        app,
        "INSERT INTO rate_counters (scope, key, window_started, count) "
        "VALUES (:scope, '127.0.0.1', now() - interval '10 minutes', 19)",
        scope=limits.SIGNUP_PER_ADDRESS.scope,
    )
    assert (await client.post(SIGNUP, json=signup_body("a@example.fi"))).status_code == 201
    refused = await client.post(
        SIGNUP, json=signup_body("b@example.fi"), headers={"Accept-Language": "en"}
    )

    _assert_429(refused, "too-many-signups", 3000)
    assert int(refused.headers["retry-after"]) >= 2990
    assert refused.json()["title"] == "Too many sign-ups"
    assert await _sql(app, "SELECT 1 FROM users WHERE email = 'b@example.fi'") == []
    assert (await office.post(SIGNUP, json=signup_body("b@example.fi"))).status_code == 201


async def test_an_owner_gets_at_most_three_someone_tried_notices_a_day(
    app: FastAPI, client: AsyncClient, office: AsyncClient, jobs: MailJobs
) -> None:
    assert (await client.post(SIGNUP, json=signup_body())).status_code == 201
    for http in (client, office, client, office, client):
        response = await http.post(SIGNUP, json=signup_body("Matti@example.fi"))
        assert response.status_code == 201, response.text

    assert (await _queued_kinds(jobs)).count("signup_attempt") == 3
    await _end_windows(app)
    assert (await client.post(SIGNUP, json=signup_body())).status_code == 201
    assert (await _queued_kinds(jobs)).count("signup_attempt") == 4


# --- verification mail again ---------------------------------------------------------------------


async def test_the_verification_mail_is_sent_again_at_most_three_times_an_hour(
    app: FastAPI, client: AsyncClient, jobs: MailJobs
) -> None:
    assert (await client.post(SIGNUP, json=signup_body())).status_code == 201
    tokens = await log_in(client)
    for _ in range(limits.VERIFICATION_RESEND_PER_USER.limit):
        assert (await client.post(RESEND, headers=bearer(tokens))).status_code == 202

    refused = await client.post(RESEND, headers={**bearer(tokens), "Accept-Language": "sv"})

    _assert_429(refused, "too-many-verification-mails", 3600)
    assert refused.headers["content-language"] == "sv"
    assert (await _queued_kinds(jobs)).count("verify_email") == 4  # sign-up's and 3 again
    await _end_windows(app)
    assert (await client.post(RESEND, headers=bearer(tokens))).status_code == 202


# --- password change -----------------------------------------------------------------------------


def _change(current: str) -> dict[str, str]:
    return {"current_password": current, "new_password": NEW_PASSWORD}


async def test_after_five_wrong_current_passwords_the_password_is_not_checked(
    app: FastAPI, client: AsyncClient
) -> None:
    assert (await client.post(SIGNUP, json=signup_body())).status_code == 201
    tokens = await log_in(client)
    for n in range(limits.PASSWORD_GUESSES_PER_USER.limit):
        wrong = await client.post(CHANGE, json=_change(f"wrong {n}"), headers=bearer(tokens))
        assert_problem(wrong, 422, "current-password-wrong")

    # The right password now: refused without being checked.
    refused = await client.post(CHANGE, json=_change(PASSWORD), headers=bearer(tokens))
    _assert_429(refused, "too-many-password-guesses", 900)
    await log_in(client)  # unchanged

    await _end_windows(app)
    changed = await client.post(CHANGE, json=_change(PASSWORD), headers=bearer(tokens))
    assert changed.status_code == 204, changed.text


async def test_a_successful_change_starts_the_count_afresh(
    app: FastAPI, client: AsyncClient
) -> None:
    assert (await client.post(SIGNUP, json=signup_body())).status_code == 201
    tokens = await log_in(client)
    for _ in range(4):
        wrong = await client.post(CHANGE, json=_change("wrong"), headers=bearer(tokens))
        assert wrong.status_code == 422
    changed = await client.post(CHANGE, json=_change(PASSWORD), headers=bearer(tokens))
    assert changed.status_code == 204, changed.text
    guesses = "SELECT 1 FROM rate_counters WHERE scope = :scope"
    assert await _sql(app, guesses, scope=limits.PASSWORD_GUESSES_PER_USER.scope) == []

    tokens = await log_in(client, password=NEW_PASSWORD)
    for _ in range(5):
        wrong = await client.post(CHANGE, json=_change("wrong"), headers=bearer(tokens))
        assert wrong.status_code == 422


async def test_concurrent_wrong_guesses_never_exceed_five_checks(
    cluster: Cluster, database: str, catcher: SmtpCatcher
) -> None:
    # A pool of two connections for sixteen requests: the guess is counted before the request's
    # session opens, so no request waits for a second connection while holding one (which
    # would starve the pool).
    settings = cluster.settings_for(
        database,
        smtp_host=catcher.host,
        smtp_port=catcher.port,
        db_pool_size=2,
        db_max_overflow=0,
        db_pool_timeout_seconds=30,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.post(SIGNUP, json=signup_body())).status_code == 201
            tokens = await log_in(http)
            answers = await asyncio.gather(
                *(
                    http.post(CHANGE, json=_change(f"wrong {n}"), headers=bearer(tokens))
                    for n in range(16)
                )
            )

    statuses = sorted(r.status_code for r in answers)
    assert statuses == [422] * 5 + [429] * 11


# --- the sweeper ---------------------------------------------------------------------------------


async def test_the_sweeper_deletes_counters_whose_window_ended(
    app: FastAPI, client: AsyncClient, settings: Settings
) -> None:
    for n in range(2):
        assert (await client.post(RESET, json={"email": f"x{n}@example.fi"})).status_code == 202
    await _sql(
        app,
        "INSERT INTO rate_counters (scope, key, window_started, count) "
        "VALUES ('old', 'k', now() - interval '25 hours', 3)",
    )

    async with unit_of_work(factory_of(app)) as session:
        await sweep_job(JobContext(session, settings, None))

    rows = await _sql(app, "SELECT scope, count FROM rate_counters")
    assert rows == [(limits.PASSWORD_RESET_PER_ADDRESS.scope, 2)]
