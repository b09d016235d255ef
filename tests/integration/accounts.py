"""Shared helpers for tests that sign up and sign in through the API."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

PASSWORD = "correct horse battery staple"
SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"


def signup_body(email: str = "matti@example.fi", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": email,
        "password": PASSWORD,
        "name": "Matti Meikäläinen",
        "company_name": "Matin Paja Oy",
    }
    body.update(changes)
    return body


async def log_in(
    client: AsyncClient, email: str = "matti@example.fi", password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
