"""API keys against the real database (issue 8): made by owners and admins of a pro-plan
company, shown once and stored hashed, used as a bearer token within their scopes, the time of
last use, revocation, the per-key rate limit (429 with Retry-After), and what a key never
reaches."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import psycopg
import pytest
from httpx import AsyncClient, Response

from laskutin.apikeys import service as apikeys
from laskutin.core.ratelimit import RateLimit
from tests.conftest import Cluster
from tests.integration.accounts import SIGNUP, bearer, log_in, signup_body

KEYS = "/api/v1/api-keys"
PROBLEM = "application/problem+json"


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}", body
    return body


def make_pro(cluster: Cluster, database: str, email: str) -> None:
    """The plan is billing's (not in the API yet): set as the superuser."""
    with psycopg.connect(cluster.server.superuser_conninfo(), dbname=database) as conn:
        conn.execute(
            "UPDATE companies SET plan = 'pro' WHERE id = "
            "(SELECT last_company_id FROM users WHERE email = %s)",
            (email,),
        )


async def owner(client: AsyncClient, email: str = "avain@example.fi") -> dict[str, str]:
    answer = await client.post(SIGNUP, json=signup_body(email, company_name="Avainyhtiö Oy"))
    assert answer.status_code == 201, answer.text
    return bearer(await log_in(client, email))


def key_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_key_is_shown_once_stored_hashed_and_used_within_its_scopes(
    client: AsyncClient, cluster: Cluster, database: str
) -> None:
    headers = await owner(client)
    free = await client.post(KEYS, json={"name": "Kauppa"}, headers=headers)
    problem(free, 403, "pro-plan-required")
    make_pro(cluster, database, "avain@example.fi")

    made = await client.post(KEYS, json={"name": "Kauppa", "scopes": ["read"]}, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    key = body["key"]
    assert key.startswith("lsk_")
    assert key.startswith(body["prefix"])
    assert body["state"] == "active"
    assert body["last_used_at"] is None
    fetched = await client.get(f"{KEYS}/{body['id']}", headers=headers)
    assert "key" not in fetched.json()
    assert fetched.headers["ETag"] == made.headers["ETag"]
    with psycopg.connect(cluster.server.superuser_conninfo(), dbname=database) as conn:
        stored = conn.execute("SELECT key_hash FROM api_keys").fetchall()
        leaked = conn.execute(
            "SELECT count(*) FROM idempotency_keys WHERE response_body::text LIKE %s",
            (f"%{key}%",),
        ).fetchone()
    assert stored == [(hashlib.sha256(key.encode()).hexdigest(),)]
    assert leaked == (0,)

    reader = key_headers(key)
    assert (await client.get("/api/v1/customers", headers=reader)).status_code == 200
    assert (await client.get("/api/v1/company", headers=reader)).status_code == 200
    problem(
        await client.post("/api/v1/customers", json={"name": "X"}, headers=reader), 403, "forbidden"
    )
    listed = (await client.get(KEYS, headers=headers)).json()["items"]
    assert listed[0]["last_used_at"] is not None

    writer_made = await client.post(
        KEYS, json={"name": "Skripti", "scopes": ["read", "write"]}, headers=headers
    )
    writer = key_headers(writer_made.json()["key"])
    created = await client.post("/api/v1/customers", json={"name": "Avainasiakas"}, headers=writer)
    assert created.status_code == 201, created.text
    # Never settings, members, keys or the user's own resources.
    problem(
        await client.patch("/api/v1/company", json={"name": "X"}, headers=writer), 403, "forbidden"
    )
    problem(await client.get(KEYS, headers=writer), 403, "forbidden")
    problem(await client.post(KEYS, json={"name": "x"}, headers=writer), 403, "forbidden")
    problem(await client.get("/api/v1/me", headers=writer), 403, "not-with-api-key")
    problem(await client.get("/api/v1/me/two-factor", headers=writer), 403, "not-with-api-key")
    # Idempotency keys are scoped to the API key: the user's own key space is separate.
    idem = {"Idempotency-Key": "tilaus-1"}
    first = await client.post("/api/v1/customers", json={"name": "A1"}, headers={**writer, **idem})
    mine = await client.post("/api/v1/customers", json={"name": "A1"}, headers={**headers, **idem})
    assert first.json()["id"] != mine.json()["id"]
    trail = (await client.get("/api/v1/company/audit", headers=headers)).json()["items"]
    assert "api_key_created" in [event["action"] for event in trail]


async def test_revoking_and_the_makers_membership_end_a_key(
    client: AsyncClient, cluster: Cluster, database: str
) -> None:
    headers = await owner(client)
    make_pro(cluster, database, "avain@example.fi")
    made = (await client.post(KEYS, json={"name": "Vanha"}, headers=headers)).json()
    key = key_headers(made["key"])
    assert (await client.get("/api/v1/customers", headers=key)).status_code == 200
    assert (await client.delete(f"{KEYS}/{made['id']}", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/customers", headers=key)).status_code == 401
    problem(await client.delete(f"{KEYS}/{made['id']}", headers=headers), 409, "api-key-revoked")
    assert (await client.get(f"{KEYS}/{made['id']}", headers=headers)).json()["state"] == "revoked"
    problem(
        await client.get("/api/v1/customers", headers=key_headers("lsk_nonsense")),
        401,
        "invalid-token",
    )
    bad = await client.post(KEYS, json={"name": "", "scopes": []}, headers=headers)
    assert bad.status_code == 422
    assert (
        await client.post(KEYS, json={"name": "x", "scopes": ["admin"]}, headers=headers)
    ).status_code == 422


async def test_each_key_has_a_request_limit(
    client: AsyncClient, cluster: Cluster, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        apikeys, "PER_KEY", RateLimit("api-key-requests", 3, dt.timedelta(minutes=1))
    )
    headers = await owner(client)
    make_pro(cluster, database, "avain@example.fi")
    one = key_headers(
        (await client.post(KEYS, json={"name": "Yksi"}, headers=headers)).json()["key"]
    )
    two = key_headers(
        (await client.post(KEYS, json={"name": "Kaksi"}, headers=headers)).json()["key"]
    )
    for _ in range(3):
        assert (await client.get("/api/v1/customers", headers=one)).status_code == 200
    limited = await client.get("/api/v1/customers", headers=one)
    problem(limited, 429, "too-many-api-key-requests")
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert (await client.get("/api/v1/customers", headers=two)).status_code == 200  # per key
