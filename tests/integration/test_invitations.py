"""Invitations by e-mail against the real database and a real SMTP server (issue 8): invite,
the mail's link, accept by signing up or with an existing account, expiry, re-send, revoke,
roles, and replayed or bad links."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text

from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.settings import Settings
from laskutin.delivery.catcher import CaughtMessage, SmtpCatcher, running_smtp_catcher
from laskutin.invitations.tasks import send_invitation_job
from laskutin.jobs.registry import JobContext
from tests.conftest import Cluster
from tests.integration.accounts import PASSWORD, SIGNUP, bearer, log_in, signup_body

PUBLIC_URL = "https://app.laskutin.example"
INVITATIONS = "/api/v1/invitations"
LOOKUP = "/api/v1/auth/invitations/lookup"
ACCEPT = "/api/v1/auth/invitations/accept"
ME = "/api/v1/me"
MEMBERS = "/api/v1/members"
SWITCH = "/api/v1/me/company"
PROBLEM = "application/problem+json"
_TOKEN = re.compile(r"#/invitation\?token=([A-Za-z0-9_%\-]+)")


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


class Mails:
    """Runs the queued invitation mail jobs like the worker, and reads what the server got."""

    def __init__(self, app: FastAPI, settings: Settings, catcher: SmtpCatcher) -> None:
        self.factory = app.state.session_factory
        self.settings = settings
        self.catcher = catcher
        self.done: set[int] = set()

    async def run(self) -> None:
        async with unit_of_work(self.factory) as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT id, args FROM procrastinate_jobs "
                        "WHERE task_name = 'invitations.send' ORDER BY id"
                    )
                )
            ).all()
        for job_id, args in rows:
            if job_id in self.done:
                continue
            async with unit_of_work(self.factory) as session:
                await send_invitation_job(
                    JobContext(session, self.settings, int(job_id)), **dict(args)
                )
            self.done.add(job_id)

    async def token_for(self, address: str) -> str:
        await self.run()
        mails = [m for m in self.catcher.messages if address in m.rcpt_tos]
        assert mails, f"no mail to {address}"
        match = _TOKEN.search(body_of(mails[-1]))
        assert match is not None, body_of(mails[-1])
        return unquote(match.group(1))


def body_of(caught: CaughtMessage) -> str:
    part = caught.message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


@pytest.fixture
def mails(app: FastAPI, settings: Settings, catcher: SmtpCatcher, client: AsyncClient) -> Mails:
    return Mails(app, settings, catcher)


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}", body
    return body


async def owner(client: AsyncClient, email: str = "omistaja@example.fi") -> dict[str, str]:
    answer = await client.post(SIGNUP, json=signup_body(email, company_name="Kutsujan Oy"))
    assert answer.status_code == 201, answer.text
    return bearer(await log_in(client, email))


async def invite(
    client: AsyncClient, headers: dict[str, str], email: str, role: str = "member", **more: Any
) -> dict[str, Any]:
    answer = await client.post(INVITATIONS, json={"email": email, "role": role}, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.headers["ETag"]
    body: dict[str, Any] = answer.json()
    return body


async def test_an_invitation_signs_a_new_person_up_into_the_company(
    client: AsyncClient, mails: Mails, catcher: SmtpCatcher
) -> None:
    headers = await owner(client)
    made = await invite(client, headers, "Maija.Uusi@Example.fi", "accountant")
    assert made["state"] == "pending"
    assert made["role"] == "accountant"
    assert made["sent_at"] is None  # the mail job has not run yet
    assert made["invited_by_name"] == "Matti Meikäläinen"

    token = await mails.token_for("Maija.Uusi@example.fi")
    [mail] = catcher.messages
    assert "Kutsujan Oy" in mail.message["Subject"]
    assert f"{PUBLIC_URL}/#/invitation?token=" in body_of(mail)
    assert "kirjanpitäjä" in body_of(mail)  # the role, in the inviter's language (fi)
    listed = (await client.get(INVITATIONS, headers=headers)).json()["items"]
    assert [i["id"] for i in listed] == [made["id"]]
    assert listed[0]["sent_at"] is not None

    preview = await client.post(LOOKUP, json={"token": token})
    assert preview.status_code == 200, preview.text
    assert preview.json()["company_name"] == "Kutsujan Oy"
    assert preview.json()["role"] == "accountant"
    assert preview.json()["account_exists"] is False

    missing = await client.post(ACCEPT, json={"token": token, "name": "Maija"})
    assert problem(missing, 422, "invitation-signup-field-required")["errors"][0]["field"] == (
        "password"
    )
    weak = await client.post(ACCEPT, json={"token": token, "name": "Maija", "password": "lyhyt"})
    assert weak.status_code == 422, weak.text

    accepted = await client.post(
        ACCEPT, json={"token": token, "name": "Maija", "password": PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
    tokens = accepted.json()
    mine = (await client.get(ME, headers=bearer(tokens))).json()
    assert [c["name"] for c in mine["companies"]] == ["Kutsujan Oy"]
    assert mine["user"]["email_verified"] is True
    members = (await client.get(MEMBERS, headers=headers)).json()["items"]
    assert {(m["email"], m["role"]) for m in members} >= {("Maija.Uusi@example.fi", "accountant")}
    # The new account signs in with its password as well.
    await log_in(client, "maija.uusi@example.fi")

    again = await client.post(ACCEPT, json={"token": token, "name": "Maija", "password": PASSWORD})
    problem(again, 400, "invitation-used")
    problem(await client.post(LOOKUP, json={"token": token}), 400, "invitation-used")
    state = await client.get(f"{INVITATIONS}/{made['id']}", headers=headers)
    assert state.json()["state"] == "accepted"
    trail = (await client.get("/api/v1/company/audit", headers=headers)).json()["items"]
    actions = [event["action"] for event in trail]
    assert "member_invited" in actions
    assert "member_joined" in actions


async def test_an_existing_account_signs_in_and_gains_the_company(
    client: AsyncClient, mails: Mails
) -> None:
    headers = await owner(client)
    other = await client.post(SIGNUP, json=signup_body("kirjanpito@example.fi"))
    assert other.status_code == 201
    await invite(client, headers, "kirjanpito@example.fi", "admin")
    token = await mails.token_for("kirjanpito@example.fi")

    assert (await client.post(LOOKUP, json={"token": token})).json()["account_exists"] is True
    anonymous = await client.post(ACCEPT, json={"token": token, "name": "X", "password": PASSWORD})
    problem(anonymous, 409, "invitation-sign-in")
    stranger = await client.post(SIGNUP, json=signup_body("vieras@example.fi"))
    assert stranger.status_code == 201
    wrong = await client.post(
        ACCEPT, json={"token": token}, headers=bearer(await log_in(client, "vieras@example.fi"))
    )
    problem(wrong, 403, "invitation-other-address")
    bad_bearer = await client.post(
        ACCEPT, json={"token": token}, headers={"Authorization": "Bearer nonsense"}
    )
    assert bad_bearer.status_code == 401

    signed_in = await log_in(client, "kirjanpito@example.fi")
    accepted = await client.post(ACCEPT, json={"token": token}, headers=bearer(signed_in))
    assert accepted.status_code == 200, accepted.text
    tokens = accepted.json()
    mine = (await client.get(ME, headers=bearer(tokens))).json()
    assert sorted(c["name"] for c in mine["companies"]) == ["Kutsujan Oy", "Matin Paja Oy"]
    assert (await client.get("/api/v1/company", headers=bearer(tokens))).json()["name"] == (
        "Kutsujan Oy"
    )
    # Switching between the two companies works from the old session too.
    own = next(c for c in mine["companies"] if c["name"] == "Matin Paja Oy")
    switched = await client.post(SWITCH, json={"company_id": own["id"]}, headers=bearer(signed_in))
    assert switched.status_code == 200, switched.text


async def test_expiry_resend_and_revoke(client: AsyncClient, mails: Mails) -> None:
    headers = await owner(client)
    made = await invite(client, headers, "myohassa@example.fi")
    first = await mails.token_for("myohassa@example.fi")
    with clock.frozen_at(clock.now() + dt.timedelta(days=7, minutes=1)):
        headers = bearer(await log_in(client, "omistaja@example.fi"))  # the old token expired
        problem(await client.post(LOOKUP, json={"token": first}), 400, "invitation-expired")
        expired = await client.get(f"{INVITATIONS}?state=expired", headers=headers)
        assert [i["id"] for i in expired.json()["items"]] == [made["id"]]
        current = await client.get(f"{INVITATIONS}/{made['id']}", headers=headers)
        resent = await client.post(
            f"{INVITATIONS}/{made['id']}/resend",
            headers={**headers, "If-Match": current.headers["ETag"]},
        )
        assert resent.status_code == 200, resent.text
        assert resent.json()["state"] == "pending"
        second = await mails.token_for("myohassa@example.fi")
        assert second != first
        problem(await client.post(LOOKUP, json={"token": first}), 400, "invitation-invalid")
        assert (await client.post(LOOKUP, json={"token": second})).status_code == 200

    headers = bearer(await log_in(client, "omistaja@example.fi"))  # issued in the frozen future
    stale = await client.delete(
        f"{INVITATIONS}/{made['id']}", headers={**headers, "If-Match": current.headers["ETag"]}
    )
    problem(stale, 412, "precondition-failed")
    revoked = await client.delete(f"{INVITATIONS}/{made['id']}", headers=headers)
    assert revoked.status_code == 204
    problem(await client.post(LOOKUP, json={"token": second}), 400, "invitation-revoked")
    accept = await client.post(ACCEPT, json={"token": second, "name": "M", "password": PASSWORD})
    problem(accept, 400, "invitation-revoked")
    problem(
        await client.delete(f"{INVITATIONS}/{made['id']}", headers=headers),
        409,
        "invitation-closed",
    )
    problem(
        await client.post(f"{INVITATIONS}/{made['id']}/resend", headers=headers),
        409,
        "invitation-closed",
    )


async def test_inviting_again_replaces_the_open_invitation(
    client: AsyncClient, mails: Mails
) -> None:
    headers = await owner(client)
    first = await invite(client, headers, "kahdesti@example.fi")
    old = await mails.token_for("kahdesti@example.fi")
    second = await invite(client, headers, "KAHDESTI@example.fi", "admin")
    problem(await client.post(LOOKUP, json={"token": old}), 400, "invitation-revoked")
    new = await mails.token_for("KAHDESTI@example.fi")
    assert (await client.post(LOOKUP, json={"token": new})).json()["role"] == "admin"
    states = {
        i["id"]: i["state"]
        for i in (await client.get(INVITATIONS, headers=headers)).json()["items"]
    }
    assert states == {first["id"]: "revoked", second["id"]: "pending"}


async def test_who_may_invite_whom(client: AsyncClient, mails: Mails) -> None:
    headers = await owner(client)
    problem(
        await client.post(INVITATIONS, json={"email": "Omistaja@example.fi"}, headers=headers),
        422,
        "invitation-already-member",
    )
    problem(
        await client.post(INVITATIONS, json={"email": "ei osoite"}, headers=headers),
        422,
        "email-invalid",
    )
    bad_role = await client.post(
        INVITATIONS, json={"email": "a@example.fi", "role": "king"}, headers=headers
    )
    assert bad_role.status_code == 422
    await invite(client, headers, "admin@example.fi", "admin")
    admin_token = await mails.token_for("admin@example.fi")
    admin = await client.post(
        ACCEPT, json={"token": admin_token, "name": "Admin", "password": PASSWORD}
    )
    admin_headers = bearer(admin.json())
    problem(
        await client.post(
            INVITATIONS, json={"email": "o@example.fi", "role": "owner"}, headers=admin_headers
        ),
        403,
        "forbidden",
    )
    await invite(client, admin_headers, "jasen@example.fi", "member")
    member_token = await mails.token_for("jasen@example.fi")
    member = await client.post(
        ACCEPT, json={"token": member_token, "name": "Jäsen", "password": PASSWORD}
    )
    member_headers = bearer(member.json())
    problem(
        await client.post(INVITATIONS, json={"email": "x@example.fi"}, headers=member_headers),
        403,
        "forbidden",
    )
    problem(await client.get(INVITATIONS, headers=member_headers), 403, "forbidden")
    assert (await client.post(INVITATIONS, json={"email": "x@example.fi"})).status_code == 401


async def test_bad_links_change_nothing(client: AsyncClient, mails: Mails) -> None:
    problem(await client.post(LOOKUP, json={"token": "nonsense"}), 400, "invitation-invalid")
    problem(
        await client.post(ACCEPT, json={"token": "nonsense", "name": "A", "password": PASSWORD}),
        400,
        "invitation-invalid",
    )
    assert (await client.post(LOOKUP, json={})).status_code == 422
    assert (await client.post(ACCEPT, json={"token": "x", "extra": 1})).status_code == 422
    # An invitation whose mail has not gone out has no token: nothing matches an empty one.
    headers = await owner(client)
    await invite(client, headers, "odottaa@example.fi")
    problem(await client.post(LOOKUP, json={"token": ""}), 422, "validation-error")
