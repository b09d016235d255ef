"""Accounts and sessions through the API, against the real database (issue 4's contract).

Sign-up, sign-in, me, refresh, sign-out, switching company, the throttle, and two app
instances (in process, and two `laskutin serve` processes) sharing tokens and counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.app import create_app
from laskutin.companies.domain import Role
from laskutin.companies.models import Company, Membership
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE, Settings
from laskutin.core.tenancy import act_as
from tests.conftest import Cluster
from tests.integration.accounts import LOGIN, PASSWORD, SIGNUP, bearer, log_in, signup_body
from tests.integration.procs import free_port, laskutin_env, spawn, wait_http_ready

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
SWITCH = "/api/v1/me/company"
PROBLEM = "application/problem+json"


async def sign_up(client: AsyncClient, email: str = "matti@example.fi", **changes: Any) -> None:
    response = await client.post(SIGNUP, json=signup_body(email, **changes))
    assert response.status_code == 201, response.text


def counts(cluster: Cluster, database: str) -> dict[str, int]:
    """Rows in the account tables, read as the superuser (row-level security binds even the
    owner role: FORCE), so that every company's rows are counted."""
    with psycopg.connect(cluster.server.superuser_conninfo(database)) as conn:
        result = {}
        for table in ("users", "companies", "memberships", "refresh_tokens"):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert row is not None
            result[table] = int(row[0])
        return result


def throttle_rows(cluster: Cluster, database: str) -> dict[str, int]:
    with psycopg.connect(cluster.server.superuser_conninfo(database)) as conn:
        rows = conn.execute(
            "SELECT scope, sum(consecutive_failures + failures_in_window) "
            "FROM login_throttle GROUP BY scope"
        ).fetchall()
    return {scope: int(total) for scope, total in rows}


def comparable(response: httpx.Response) -> tuple[int, dict[str, Any], dict[str, str]]:
    """An answer without what differs per request (its id)."""
    body = {k: v for k, v in response.json().items() if k != "request_id"}
    skip = {"x-request-id", "date", "content-length"}
    headers = {k: v for k, v in response.headers.items() if k not in skip}
    return response.status_code, body, headers


def factory_of(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    result: async_sessionmaker[AsyncSession] = app.state.session_factory
    return result


@contextlib.asynccontextmanager
async def another_instance(settings: Settings) -> AsyncIterator[AsyncClient]:
    """A second replica: create_app again on the same database, with its own key cache."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://replica-2") as http:
            yield http


async def add_member(
    app: FastAPI, *, company_id: uuid.UUID, owner_id: uuid.UUID, user_id: uuid.UUID, role: Role
) -> None:
    async with factory_of(app)() as session, session.begin():
        await act_as(session, company_id=company_id, user_id=owner_id)
        session.add(Membership(company_id=company_id, user_id=user_id, role=role))


async def remove_member(
    app: FastAPI, *, company_id: uuid.UUID, owner_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    async with factory_of(app)() as session, session.begin():
        await act_as(session, company_id=company_id, user_id=owner_id)
        await session.execute(
            delete(Membership).where(
                Membership.company_id == company_id, Membership.user_id == user_id
            )
        )


async def me(client: AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(ME, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- the whole flow --------------------------------------------------------------------------


async def test_signup_login_me_refresh_logout(
    client: AsyncClient, cluster: Cluster, database: str
) -> None:
    response = await client.post(SIGNUP, json=signup_body("  Matti@Example.FI "))
    assert response.status_code == 201, response.text
    assert response.json() == {"email": "Matti@example.fi"}
    assert counts(cluster, database) == {
        "users": 1,
        "companies": 1,
        "memberships": 1,
        "refresh_tokens": 0,
    }

    tokens = await log_in(client, "matti@EXAMPLE.fi")  # identity ignores letter case
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    assert 0 < tokens["expires_in"] <= 900

    profile = await me(client, tokens)
    assert profile["user"]["email"] == "Matti@example.fi"
    assert profile["user"]["name"] == "Matti Meikäläinen"
    # Development mode does not wait for verification: the unverified user uses the app.
    assert profile["user"]["email_verified"] is False
    [company] = profile["companies"]
    assert company["name"] == "Matin Paja Oy"
    assert company["role"] == "owner"
    assert profile["active_company_id"] == company["id"]

    refreshed = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    pair = refreshed.json()
    assert set(pair) == set(tokens)
    assert pair["refresh_token"] != tokens["refresh_token"]
    assert (await me(client, pair))["active_company_id"] == company["id"]

    out = await client.post(LOGOUT, json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 204
    assert out.content == b""
    after = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["type"] == "/problems/refresh-token-revoked"
    # Signing out an unknown token answers the same.
    unknown = await client.post(LOGOUT, json={"refresh_token": "x" * 43})
    assert unknown.status_code == 204


async def test_a_reused_refresh_token_ends_the_session(client: AsyncClient) -> None:
    await sign_up(client)
    tokens = await log_in(client)
    first = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200

    reuse = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert reuse.status_code == 401
    assert reuse.headers["content-type"].startswith(PROBLEM)
    assert reuse.headers["www-authenticate"].startswith("Bearer")
    assert reuse.json()["type"] == "/problems/refresh-token-reused"
    # The revocation was committed: the newest token of the family is dead too.
    newest = await client.post(REFRESH, json={"refresh_token": first.json()["refresh_token"]})
    assert newest.status_code == 401
    assert newest.json()["type"] == "/problems/refresh-token-revoked"
    # Another sign-in is a new session.
    await log_in(client)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"password": "short words"}, "password", "password-too-short"),
        ({"password": "qwerty123456789"}, "password", "password-common"),
        ({"password": "Matin Paja laskutin 2026"}, "password", "password-contains-service-name"),
        ({"email": "not an address"}, "email", "email-invalid"),
        ({"email": "matti@"}, "email", "email-invalid"),
        ({"name": "   "}, "name", "string_too_short"),
        ({"company_name": ""}, "company_name", "string_too_short"),
        ({"company_name": "x" * 201}, "company_name", "string_too_long"),
        ({"email": None}, "email", "string_type"),
        ({"colour": "red"}, "colour", "extra_forbidden"),
    ],
)
async def test_bad_signup_input_names_the_field_and_creates_nothing(
    client: AsyncClient,
    cluster: Cluster,
    database: str,
    changes: dict[str, Any],
    field: str,
    code: str,
) -> None:
    before = counts(cluster, database)
    response = await client.post(
        SIGNUP, json=signup_body(**changes), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert problem["errors"][0]["message"]
    assert counts(cluster, database) == before


@pytest.mark.parametrize("missing", ["email", "password", "name", "company_name"])
async def test_a_missing_field_is_named(
    client: AsyncClient, cluster: Cluster, database: str, missing: str
) -> None:
    body = signup_body()
    del body[missing]
    response = await client.post(SIGNUP, json=body)
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(missing, "missing")]
    assert counts(cluster, database)["users"] == 0


async def test_signup_does_not_reveal_a_registered_email(
    client: AsyncClient, cluster: Cluster, database: str
) -> None:
    first = await client.post(SIGNUP, json=signup_body())
    before = counts(cluster, database)
    again = await client.post(
        SIGNUP,
        json=signup_body(
            "MATTI@example.fi", password="another long passphrase here", company_name="Toinen Oy"
        ),
    )
    assert again.status_code == first.status_code == 201
    assert again.json() == {"email": "MATTI@example.fi"}  # the address as given, like a new one
    assert counts(cluster, database) == before  # nothing created
    # The first password still signs in; the second one never became anyone's.
    await log_in(client)
    refused = await client.post(
        LOGIN, json={"email": "matti@example.fi", "password": "another long passphrase here"}
    )
    assert refused.status_code == 401


async def test_racing_signups_for_one_email_create_one_account(
    client: AsyncClient, settings: Settings, cluster: Cluster, database: str
) -> None:
    async with another_instance(settings) as replica:
        answers = await asyncio.gather(
            client.post(SIGNUP, json=signup_body(company_name="Yksi Oy")),
            replica.post(SIGNUP, json=signup_body("MATTI@example.fi", company_name="Kaksi Oy")),
        )
    assert [response.status_code for response in answers] == [201, 201]
    assert counts(cluster, database) == {
        "users": 1,
        "companies": 1,
        "memberships": 1,
        "refresh_tokens": 0,
    }


# --- sign-in failures and the throttle -------------------------------------------------------


async def test_unknown_email_and_wrong_password_answer_alike(client: AsyncClient) -> None:
    await sign_up(client)
    wrong = await client.post(LOGIN, json={"email": "matti@example.fi", "password": "nope" * 5})
    unknown = await client.post(LOGIN, json={"email": "maija@example.fi", "password": "nope" * 5})
    assert wrong.status_code == 401
    assert wrong.json()["type"] == "/problems/invalid-credentials"
    assert wrong.headers["content-type"].startswith(PROBLEM)
    assert comparable(wrong) == comparable(unknown)


@pytest.mark.parametrize("email", ["matti@example.fi", "nobody@example.fi"])
async def test_five_failures_lock_the_account_known_or_not(client: AsyncClient, email: str) -> None:
    await sign_up(client)
    for _ in range(5):
        response = await client.post(LOGIN, json={"email": email, "password": "wrong" * 4})
        assert response.status_code == 401
    for password in ("wrong" * 4, PASSWORD):  # the right password does not help while locked
        locked = await client.post(LOGIN, json={"email": email, "password": password})
        assert locked.status_code == 423, locked.text
        assert locked.headers["content-type"].startswith(PROBLEM)
        assert locked.json()["type"] == "/problems/account-locked"
        assert 1 <= int(locked.headers["retry-after"]) <= 60
    # Another account is not locked.
    if email != "matti@example.fi":
        await log_in(client)


async def test_a_success_resets_the_count(
    client: AsyncClient, cluster: Cluster, database: str
) -> None:
    await sign_up(client)
    for _ in range(4):
        response = await client.post(
            LOGIN, json={"email": "matti@example.fi", "password": "wrong" * 4}
        )
        assert response.status_code == 401
    assert throttle_rows(cluster, database) == {"account": 4, "address": 4}
    await log_in(client)
    assert throttle_rows(cluster, database) == {"address": 4}  # the account's row is gone
    for _ in range(4):
        response = await client.post(
            LOGIN, json={"email": "matti@example.fi", "password": "wrong" * 4}
        )
        assert response.status_code == 401
    await log_in(client)


async def test_too_many_failures_from_one_address_answer_429(app: FastAPI) -> None:
    transport = ASGITransport(app=app, raise_app_exceptions=False, client=("192.0.2.7", 4000))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        for n in range(50):  # a different account each time: no account lock applies
            response = await http.post(
                LOGIN, json={"email": f"guess{n}@example.fi", "password": "wrong" * 4}
            )
            assert response.status_code == 401, (n, response.text)
        limited = await http.post(
            LOGIN, json={"email": "fresh@example.fi", "password": "wrong" * 4}
        )
        assert limited.status_code == 429, limited.text
        assert limited.json()["type"] == "/problems/too-many-sign-in-attempts"
        assert 1 <= int(limited.headers["retry-after"]) <= 15 * 60

    # Another address is not limited.
    other = ASGITransport(app=app, raise_app_exceptions=False, client=("198.51.100.9", 4000))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=other, base_url="http://testserver") as http,
    ):
        response = await http.post(
            LOGIN, json={"email": "fresh@example.fi", "password": "wrong" * 4}
        )
        assert response.status_code == 401


# --- tokens on /me ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "problem_type"),
    [
        ({}, "/problems/unauthenticated"),
        ({"Authorization": "Basic bWF0dGk6c2FsYWluZW4="}, "/problems/unauthenticated"),
        ({"Authorization": "Bearer "}, "/problems/unauthenticated"),
        ({"Authorization": "Bearer not.a.token"}, "/problems/invalid-token"),
    ],
)
async def test_me_needs_a_valid_token(
    client: AsyncClient, headers: dict[str, str], problem_type: str
) -> None:
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"] == 'Bearer realm="laskutin"'
    assert response.json()["type"] == problem_type


# --- companies -------------------------------------------------------------------------------


async def test_switching_company(client: AsyncClient, app: FastAPI) -> None:
    await sign_up(client, "matti@example.fi")
    await sign_up(client, "liisa@example.fi", name="Liisa", company_name="Liisan Kirjat Oy")
    await sign_up(client, "outsider@example.fi", name="Olli", company_name="Ollin Oy")
    matti = await me(client, await log_in(client, "matti@example.fi"))
    liisa = await me(client, await log_in(client, "liisa@example.fi"))
    outsider = await me(client, await log_in(client, "outsider@example.fi"))
    books = uuid.UUID(liisa["active_company_id"])
    await add_member(
        app,
        company_id=books,
        owner_id=uuid.UUID(liisa["user"]["id"]),
        user_id=uuid.UUID(matti["user"]["id"]),
        role=Role.ACCOUNTANT,
    )

    tokens = await log_in(client, "matti@example.fi")
    profile = await me(client, tokens)
    assert {(c["name"], c["role"]) for c in profile["companies"]} == {
        ("Matin Paja Oy", "owner"),
        ("Liisan Kirjat Oy", "accountant"),
    }
    assert profile["active_company_id"] == matti["active_company_id"]

    switched = await client.post(SWITCH, json={"company_id": str(books)}, headers=bearer(tokens))
    assert switched.status_code == 200, switched.text
    pair = switched.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (await me(client, pair))["active_company_id"] == str(books)
    # The refreshed session stays in the company it was switched to.
    refreshed = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert (await me(client, refreshed.json()))["active_company_id"] == str(books)
    # The next sign-in acts for the last-used company.
    assert (await me(client, await log_in(client)))["active_company_id"] == str(books)

    # A company one does not belong to is "not found", as is one that does not exist.
    for company_id in (outsider["active_company_id"], str(uuid.uuid4())):
        refused = await client.post(SWITCH, json={"company_id": company_id}, headers=bearer(tokens))
        assert refused.status_code == 404
        assert refused.json()["type"] == "/problems/not-found"
    bad = await client.post(SWITCH, json={"company_id": "12"}, headers=bearer(tokens))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "company_id"
    unauthenticated = await client.post(SWITCH, json={"company_id": str(books)})
    assert unauthenticated.status_code == 401


async def test_a_removed_member_cannot_refresh_into_the_company(
    client: AsyncClient, app: FastAPI
) -> None:
    await sign_up(client, "liisa@example.fi", name="Liisa", company_name="Liisan Kirjat Oy")
    await sign_up(client, "matti@example.fi")
    liisa = await me(client, await log_in(client, "liisa@example.fi"))
    matti = await me(client, await log_in(client, "matti@example.fi"))
    books = uuid.UUID(liisa["active_company_id"])
    matti_id = uuid.UUID(matti["user"]["id"])
    liisa_id = uuid.UUID(liisa["user"]["id"])
    await add_member(app, company_id=books, owner_id=liisa_id, user_id=matti_id, role=Role.MEMBER)
    tokens = await log_in(client, "matti@example.fi")
    switched = await client.post(SWITCH, json={"company_id": str(books)}, headers=bearer(tokens))
    assert switched.status_code == 200
    pair = switched.json()

    await remove_member(app, company_id=books, owner_id=liisa_id, user_id=matti_id)

    refused = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert refused.status_code == 401
    assert refused.json()["type"] == "/problems/not-a-member"
    again = await client.post(SWITCH, json={"company_id": str(books)}, headers=bearer(tokens))
    assert again.status_code == 404
    # Signing in again falls back to a company the user still belongs to.
    after = await me(client, await log_in(client, "matti@example.fi"))
    assert after["active_company_id"] == matti["active_company_id"]
    assert [c["name"] for c in after["companies"]] == ["Matin Paja Oy"]


async def test_me_sees_only_the_users_own_companies(client: AsyncClient, app: FastAPI) -> None:
    await sign_up(client, "matti@example.fi")
    await sign_up(client, "liisa@example.fi", name="Liisa", company_name="Liisan Kirjat Oy")
    profile = await me(client, await log_in(client, "matti@example.fi"))
    assert [c["name"] for c in profile["companies"]] == ["Matin Paja Oy"]
    async with factory_of(app)() as session, session.begin():  # nothing else leaks
        await act_as(
            session,
            company_id=uuid.UUID(profile["active_company_id"]),
            user_id=uuid.UUID(profile["user"]["id"]),
        )
        names = (await session.scalars(select(Company.name))).all()
    assert names == ["Matin Paja Oy"]


# --- replicas ----------------------------------------------------------------------------------


async def test_a_second_instance_honours_tokens_and_counters(
    client: AsyncClient, settings: Settings
) -> None:
    await sign_up(client)
    tokens = await log_in(client)
    for _ in range(4):
        response = await client.post(
            LOGIN, json={"email": "matti@example.fi", "password": "wrong" * 4}
        )
        assert response.status_code == 401

    async with another_instance(settings) as replica:
        assert (await me(replica, tokens))["user"]["email"] == "matti@example.fi"
        refreshed = await replica.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200
        # The 5th failure, counted on the second instance, locks the account for both.
        fifth = await replica.post(
            LOGIN, json={"email": "matti@example.fi", "password": "wrong" * 4}
        )
        assert fifth.status_code == 401
        assert (
            await replica.post(LOGIN, json={"email": "matti@example.fi", "password": PASSWORD})
        ).status_code == 423

    locked = await client.post(LOGIN, json={"email": "matti@example.fi", "password": PASSWORD})
    assert locked.status_code == 423
    assert "retry-after" in locked.headers
    # The reuse of the first refresh token, on the first instance, is detected too.
    reuse = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert reuse.json()["type"] == "/problems/refresh-token-reused"


async def test_racing_failures_on_two_instances_count_at_most_five(
    client: AsyncClient, settings: Settings
) -> None:
    """Ten wrong passwords at once, half on each replica: the row lock makes them take turns,
    so exactly five are checked (401) and the rest are refused while locked (423)."""
    await sign_up(client)
    wrong = {"email": "matti@example.fi", "password": "wrong" * 4}
    async with another_instance(settings) as replica:
        answers = await asyncio.gather(
            *(http.post(LOGIN, json=wrong) for http in (client, replica) for _ in range(5))
        )
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [401] * 5 + [423] * 5, [r.text for r in answers]


@pytest.mark.slow
def test_two_serve_processes_share_tokens_and_counters(
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
    with (
        spawn(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(ports[0]),
            env=env,
            cwd=workdir,
            name="serve-a",
        ) as first,
        spawn(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(ports[1]),
            env=env,
            cwd=workdir,
            name="serve-b",
        ) as second,
    ):
        wait_http_ready(first, f"{bases[0]}/readyz")
        wait_http_ready(second, f"{bases[1]}/readyz")
        with httpx.Client(timeout=30) as http:
            a, b = bases
            created = http.post(f"{a}{SIGNUP}", json=signup_body())
            assert created.status_code == 201, created.text
            signed_in = http.post(
                f"{a}{LOGIN}", json={"email": "matti@example.fi", "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
            tokens = signed_in.json()

            # A token made on A is honoured on B, and B's refresh on A.
            profile = http.get(f"{b}{ME}", headers=bearer(tokens))
            assert profile.status_code == 200, profile.text
            assert profile.json()["user"]["email"] == "matti@example.fi"
            refreshed = http.post(f"{b}{REFRESH}", json={"refresh_token": tokens["refresh_token"]})
            assert refreshed.status_code == 200, refreshed.text
            assert http.get(f"{a}{ME}", headers=bearer(refreshed.json())).status_code == 200

            # Failures counted on A and on B add up: the 6th attempt, anywhere, is locked.
            for base in (a, b, a, b, a):
                failed = http.post(
                    f"{base}{LOGIN}", json={"email": "matti@example.fi", "password": "wrong" * 4}
                )
                assert failed.status_code == 401, failed.text
            for base in (b, a):
                locked = http.post(
                    f"{base}{LOGIN}", json={"email": "matti@example.fi", "password": PASSWORD}
                )
                assert locked.status_code == 423, locked.text
                assert int(locked.headers["retry-after"]) >= 1
    assert "Traceback" not in first.output() + second.output()
