"""Two-factor sign-in with TOTP against the real database (issue 8): enrolment with a QR code,
ten recovery codes, the sign-in challenge, replayed and expired values, limits, turning it off.

Codes are computed with pyotp from the secret the API showed, at instants set with
``clock.frozen_at`` (the API's clock), so each test controls the time step."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pyotp
from fastapi import FastAPI
from httpx import AsyncClient, Response

from laskutin.companies.domain import Role
from laskutin.core import clock
from tests.integration.accounts import PASSWORD, SIGNUP, bearer, log_in, signup_body
from tests.integration.test_auth_api import add_member

LOGIN = "/api/v1/auth/login"
FINISH = "/api/v1/auth/login/two-factor"
TWO_FACTOR = "/api/v1/me/two-factor"
EMAIL = "kaksi@example.fi"
PROBLEM = "application/problem+json"


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}", body
    return body


def code_at(secret: str, instant: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(instant)


async def enrolled(client: AsyncClient, start: dt.datetime) -> tuple[str, list[str]]:
    """Sign up and turn two-factor on at ``start``: the secret and the recovery codes."""
    assert (await client.post(SIGNUP, json=signup_body(EMAIL))).status_code == 201
    with clock.frozen_at(start):
        headers = bearer(await log_in(client, EMAIL))
        setup = await client.post(f"{TWO_FACTOR}/setup", headers=headers)
        assert setup.status_code == 200, setup.text
        secret = setup.json()["secret"]
        assert setup.json()["otpauth_uri"].startswith("otpauth://totp/Laskutin:")
        assert setup.json()["qr_svg"].startswith("data:image/svg+xml")
        confirmed = await client.post(
            f"{TWO_FACTOR}/confirm", json={"code": code_at(secret, start)}, headers=headers
        )
        assert confirmed.status_code == 200, confirmed.text
        codes: list[str] = confirmed.json()["recovery_codes"]
    return secret, codes


async def challenge(client: AsyncClient) -> str:
    answer = await client.post(LOGIN, json={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["two_factor_required"] is True
    assert "access_token" not in body
    token: str = body["challenge"]
    return token


async def test_enrolment_then_sign_in_with_a_code(client: AsyncClient) -> None:
    start = clock.now()
    assert (await client.post(SIGNUP, json=signup_body(EMAIL))).status_code == 201
    with clock.frozen_at(start):
        headers = bearer(await log_in(client, EMAIL))
        assert (await client.get(TWO_FACTOR, headers=headers)).json()["enabled"] is False
        problem(
            await client.post(f"{TWO_FACTOR}/confirm", json={"code": "123456"}, headers=headers),
            409,
            "two-factor-not-set-up",
        )
        secret = (await client.post(f"{TWO_FACTOR}/setup", headers=headers)).json()["secret"]
        # Setting up again before confirming replaces the secret.
        secret = (await client.post(f"{TWO_FACTOR}/setup", headers=headers)).json()["secret"]
        wrong = await client.post(f"{TWO_FACTOR}/confirm", json={"code": "000000"}, headers=headers)
        assert problem(wrong, 422, "two-factor-code-wrong")["errors"][0]["field"] == "code"
        # Still off: sign-in gives tokens directly.
        assert "access_token" in (await log_in(client, EMAIL))
        confirmed = await client.post(
            f"{TWO_FACTOR}/confirm", json={"code": code_at(secret, start)}, headers=headers
        )
        codes = confirmed.json()["recovery_codes"]
        assert len(codes) == 10
        assert len(set(codes)) == 10
        state = (await client.get(TWO_FACTOR, headers=headers)).json()
        assert state["enabled"] is True
        assert state["recovery_codes_left"] == 10
        problem(
            await client.post(f"{TWO_FACTOR}/setup", headers=headers), 409, "two-factor-enabled"
        )

    later = start + dt.timedelta(seconds=60)
    with clock.frozen_at(later):
        token = await challenge(client)
        done = await client.post(FINISH, json={"challenge": token, "code": code_at(secret, later)})
        assert done.status_code == 200, done.text
        assert (await client.get("/api/v1/me", headers=bearer(done.json()))).status_code == 200
        # The challenge works once; the code too, even on a new challenge.
        problem(
            await client.post(FINISH, json={"challenge": token, "code": code_at(secret, later)}),
            401,
            "two-factor-challenge-invalid",
        )
        replay = await client.post(
            FINISH, json={"challenge": await challenge(client), "code": code_at(secret, later)}
        )
        problem(replay, 422, "two-factor-code-wrong")


async def test_recovery_codes_work_once_and_can_be_renewed(client: AsyncClient) -> None:
    start = clock.now()
    secret, codes = await enrolled(client, start)
    with clock.frozen_at(start + dt.timedelta(seconds=30)):
        used = await client.post(
            FINISH, json={"challenge": await challenge(client), "recovery_code": codes[0].upper()}
        )
        assert used.status_code == 200, used.text
        headers = bearer(used.json())
        assert (await client.get(TWO_FACTOR, headers=headers)).json()["recovery_codes_left"] == 9
        again = await client.post(
            FINISH, json={"challenge": await challenge(client), "recovery_code": codes[0]}
        )
        assert problem(again, 422, "two-factor-code-wrong")["errors"][0]["field"] == (
            "recovery_code"
        )
    renew_at = start + dt.timedelta(seconds=90)
    with clock.frozen_at(renew_at):
        renewed = await client.post(
            f"{TWO_FACTOR}/recovery-codes",
            json={"code": code_at(secret, renew_at)},
            headers=headers,
        )
        assert renewed.status_code == 200, renewed.text
        fresh = renewed.json()["recovery_codes"]
        old = await client.post(
            FINISH, json={"challenge": await challenge(client), "recovery_code": codes[1]}
        )
        problem(old, 422, "two-factor-code-wrong")
        new = await client.post(
            FINISH, json={"challenge": await challenge(client), "recovery_code": fresh[0]}
        )
        assert new.status_code == 200, new.text


async def test_a_challenge_expires_and_runs_out_of_attempts(client: AsyncClient) -> None:
    start = clock.now()
    secret, _ = await enrolled(client, start)
    at = start + dt.timedelta(seconds=60)
    with clock.frozen_at(at):
        token = await challenge(client)
        for _ in range(5):
            problem(
                await client.post(FINISH, json={"challenge": token, "code": "000000"}),
                422,
                "two-factor-code-wrong",
            )
        # Out of attempts: even the right code is refused; sign in again.
        problem(
            await client.post(FINISH, json={"challenge": token, "code": code_at(secret, at)}),
            401,
            "two-factor-challenge-invalid",
        )
        slow = await challenge(client)
    late = at + dt.timedelta(minutes=5, seconds=1)
    with clock.frozen_at(late):
        problem(
            await client.post(FINISH, json={"challenge": slow, "code": code_at(secret, late)}),
            401,
            "two-factor-challenge-invalid",
        )
    problem(
        await client.post(FINISH, json={"challenge": "nonsense", "code": "123456"}),
        401,
        "two-factor-challenge-invalid",
    )
    assert (await client.post(FINISH, json={"code": "123456"})).status_code == 422


async def test_wrong_codes_are_limited_per_account(client: AsyncClient) -> None:
    start = clock.now()
    await enrolled(client, start)
    at = start + dt.timedelta(seconds=60)
    with clock.frozen_at(at):
        for _ in range(10):
            wrong = await client.post(
                FINISH, json={"challenge": await challenge(client), "code": "000000"}
            )
            problem(wrong, 422, "two-factor-code-wrong")
        limited = await client.post(
            FINISH, json={"challenge": await challenge(client), "code": "000000"}
        )
        problem(limited, 429, "too-many-two-factor-guesses")
        assert int(limited.headers["Retry-After"]) > 0


async def test_turning_it_off_needs_the_password(client: AsyncClient) -> None:
    start = clock.now()
    secret, _ = await enrolled(client, start)
    at = start + dt.timedelta(seconds=60)
    with clock.frozen_at(at):
        done = await client.post(
            FINISH, json={"challenge": await challenge(client), "code": code_at(secret, at)}
        )
        headers = bearer(done.json())
        wrong = await client.post(
            f"{TWO_FACTOR}/disable", json={"password": "väärä salasana"}, headers=headers
        )
        assert problem(wrong, 422, "two-factor-password-wrong")["errors"][0]["field"] == (
            "password"
        )
        off = await client.post(
            f"{TWO_FACTOR}/disable", json={"password": PASSWORD}, headers=headers
        )
        assert off.status_code == 204, off.text
        assert "access_token" in (await log_in(client, EMAIL))
        problem(
            await client.post(
                f"{TWO_FACTOR}/disable", json={"password": PASSWORD}, headers=headers
            ),
            409,
            "two-factor-not-set-up",
        )
    assert (await client.get(TWO_FACTOR)).status_code == 401


async def test_a_company_can_require_it_of_its_members(client: AsyncClient, app: FastAPI) -> None:
    start = clock.now()
    assert (await client.post(SIGNUP, json=signup_body("jasen2@example.fi"))).status_code == 201
    with clock.frozen_at(start):
        member_tokens = await log_in(client, "jasen2@example.fi")
    member_me = (await client.get("/api/v1/me", headers=bearer(member_tokens))).json()
    # The owner (not yet enrolled) cannot require it: nobody locks themself out.
    assert (await client.post(SIGNUP, json=signup_body(EMAIL))).status_code == 201
    with clock.frozen_at(start):
        owner_tokens = await log_in(client, EMAIL)
        headers = bearer(owner_tokens)
        owner_me = (await client.get("/api/v1/me", headers=headers)).json()
        refused = await client.patch(
            "/api/v1/company", json={"require_two_factor": True}, headers=headers
        )
        assert problem(refused, 422, "two-factor-enrol-first")["errors"][0]["field"] == (
            "require_two_factor"
        )
        secret = (await client.post(f"{TWO_FACTOR}/setup", headers=headers)).json()["secret"]
        await client.post(
            f"{TWO_FACTOR}/confirm", json={"code": code_at(secret, start)}, headers=headers
        )
        required = await client.patch(
            "/api/v1/company", json={"require_two_factor": True}, headers=headers
        )
        assert required.status_code == 200, required.text
        assert required.json()["require_two_factor"] is True
    company_id = uuid.UUID(owner_me["active_company_id"])
    await add_member(
        app,
        company_id=company_id,
        owner_id=uuid.UUID(owner_me["user"]["id"]),
        user_id=uuid.UUID(member_me["user"]["id"]),
        role=Role.MEMBER,
    )
    with clock.frozen_at(start):
        switched = await client.post(
            "/api/v1/me/company",
            json={"company_id": str(company_id)},
            headers=bearer(member_tokens),
        )
        assert switched.status_code == 200, switched.text
        member = bearer(switched.json())
        problem(await client.get("/api/v1/customers", headers=member), 403, "two-factor-required")
        assert (await client.get("/api/v1/me", headers=member)).status_code == 200
        own_secret = (await client.post(f"{TWO_FACTOR}/setup", headers=member)).json()["secret"]
        await client.post(
            f"{TWO_FACTOR}/confirm", json={"code": code_at(own_secret, start)}, headers=member
        )
        assert (await client.get("/api/v1/customers", headers=member)).status_code == 200
