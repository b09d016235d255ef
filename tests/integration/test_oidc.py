"""Sign-in with OpenID Connect end to end (issue 8), against a real OpenID provider:
node-oidc-provider (tests/oidc, the version pinned in its package-lock.json) started with Node
on 127.0.0.1. The test is the browser: it follows the provider's redirects with a real HTTP
client, fills in the provider's own login and consent forms, and hands the provider's redirect
to our callback to the app (in-process, like the browser would send it), then trades the
one-time code for tokens.

Accounts at the provider are chosen by the login name (tests/oidc/provider.mjs): the e-mail
address (verified), ``unverified:`` + address, or ``noemail:`` + anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import select, text

from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.settings import Settings
from laskutin.jobs.registry import JobContext
from laskutin.oidc import client as oidc_client
from laskutin.oidc.models import ExternalIdentity, OidcLoginCode
from laskutin.oidc.tasks import sweep_job
from tests.conftest import Cluster
from tests.integration.accounts import PASSWORD, SIGNUP, bearer, log_in, signup_body

pytestmark = pytest.mark.slow

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
PUBLIC_URL = "https://app.laskutin.example"
APP_BASE = "http://testserver"
CALLBACK = f"{APP_BASE}/api/v1/auth/oidc/callback"
CLIENT_ID = "laskutin-test"
CLIENT_SECRET = "test-client-secret-for-the-provider"
PROVIDERS = "/api/v1/auth/oidc/providers"
EXCHANGE = "/api/v1/auth/oidc/exchange"
IDENTITIES = "/api/v1/me/identities"
ME = "/api/v1/me"
TWO_FACTOR = "/api/v1/me/two-factor"
FINISH_TWO_FACTOR = "/api/v1/auth/login/two-factor"
PROBLEM = "application/problem+json"
START_DEADLINE = 60.0
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def start_url(provider: str = "test") -> str:
    return f"/api/v1/auth/oidc/{provider}/start"


# --- the provider ------------------------------------------------------------------------------


def _npm_ci() -> None:
    """Install the provider's locked packages once (npm ci from package-lock.json)."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("Node.js 20+ with npm is needed for the OpenID provider (tests/oidc)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR,
        check=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """node-oidc-provider on 127.0.0.1 at a free port; its issuer URL."""
    _npm_ci()
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the OpenID provider (tests/oidc)"
    process = subprocess.Popen(
        [node, "provider.mjs", CLIENT_ID, CLIENT_SECRET, CALLBACK],
        cwd=PROVIDER_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "NODE_ENV": "test"},
    )
    lines: list[str] = []
    errors: list[str] = []
    ready = threading.Event()

    def read_out() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            lines.append(raw.decode(errors="replace"))
            ready.set()

    def read_err() -> None:
        assert process.stderr is not None
        errors.extend(raw.decode(errors="replace") for raw in process.stderr)

    threads = [threading.Thread(target=f, daemon=True) for f in (read_out, read_err)]
    for thread in threads:
        thread.start()
    try:
        if not ready.wait(START_DEADLINE):
            raise AssertionError(f"the OpenID provider did not start: {''.join(errors)}")
        found: str = json.loads(lines[0])["issuer"]
        yield found
    finally:
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()  # the provider stops when its input closes
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for thread in threads:
            thread.join(5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        oidc_client.clear_cache()


@pytest.fixture
def settings(cluster: Cluster, database: str, issuer: str) -> Settings:
    provider = {
        "id": "test",
        "name": "Test IdP",
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return cluster.settings_for(
        database,
        public_url=PUBLIC_URL,
        oidc_callback_url=CALLBACK,
        oidc_providers=json.dumps([provider]),
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url=APP_BASE) as http:
            yield http


# --- the browser -------------------------------------------------------------------------------


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}", body
    return body


class Browser:
    """A browser with its own cookies at the provider (a new one: a new provider session)."""

    def __init__(self, app_client: AsyncClient) -> None:
        self.app = app_client
        self.http = httpx.AsyncClient(follow_redirects=False, timeout=20)
        self.browser_key = ""  # what the last start gave this browser (its sessionStorage)

    async def close(self) -> None:
        await self.http.aclose()

    async def start(
        self, intent: str = "login", headers: dict[str, str] | None = None, provider: str = "test"
    ) -> str:
        answer = await self.app.post(
            start_url(provider), json={"intent": intent}, headers=headers or {}
        )
        assert answer.status_code == 200, answer.text
        self.browser_key = answer.json()["browser_key"]
        url: str = answer.json()["authorization_url"]
        return url

    async def at_provider(self, url: str, login: str, *, abort: bool = False) -> str:
        """Go to the provider; sign in as ``login`` and consent on its own forms; the URL it
        sends the browser back to (our callback, not followed)."""
        for _ in range(20):
            if url.startswith(CALLBACK):
                return url
            page = await self.http.get(url)
            if page.is_redirect:
                url = urljoin(url, page.headers["location"])
                continue
            assert page.status_code == 200, page.text
            match = _FORM.search(page.text)
            assert match is not None, page.text
            action = urljoin(url, unescape(match.group(1)))
            fields = {name: unescape(value) for name, value in _HIDDEN.findall(match.group(2))}
            if abort:
                aborted = await self.http.get(action.rstrip("/") + "/abort")
                assert aborted.is_redirect, aborted.text
                url = urljoin(action, aborted.headers["location"])
                continue
            if fields.get("prompt") == "login":
                fields.update(login=login, password="any password")
            else:
                assert fields.get("prompt") == "consent", page.text
            sent = await self.http.post(action, data=fields)
            assert sent.is_redirect, sent.text
            url = urljoin(action, sent.headers["location"])
        raise AssertionError("the provider never sent the browser back")

    async def callback(self, url: str) -> str:
        """The browser's request to our callback; where the app sends it (the web app)."""
        parts = urlsplit(url)
        answer = await self.app.get(f"{parts.path}?{parts.query}")
        assert answer.status_code == 303, answer.text
        assert answer.headers["cache-control"] == "no-store"
        location: str = answer.headers["location"]
        assert location.startswith(f"{PUBLIC_URL}/#/"), location
        assert "access_token" not in location
        assert "refresh_token" not in location
        return location

    async def sign_in(self, login: str, **start: Any) -> str:
        return await self.callback(await self.at_provider(await self.start(**start), login))

    async def exchange(self, location: str) -> dict[str, Any]:
        """What the web app does at #/oidc?code=...: the code and this browser's key."""
        answer = await self.app.post(
            EXCHANGE, json={"code": login_code(location), "browser_key": self.browser_key}
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def fragment_params(location: str) -> tuple[str, dict[str, str]]:
    """The web app's route and query: https://app/#/oidc?code=x -> ("oidc", {"code": "x"})."""
    fragment = urlsplit(location).fragment  # "/oidc?code=..."
    route, _, query = fragment.lstrip("/").partition("?")
    return route, {key: values[0] for key, values in parse_qs(query).items()}


def login_code(location: str) -> str:
    route, params = fragment_params(location)
    assert route == "oidc", location
    return params["code"]


def refused(location: str, code: str, route: str = "login") -> None:
    assert fragment_params(location) == (route, {"oidc_error": code}), location


@pytest.fixture
async def browser(client: AsyncClient) -> AsyncIterator[Browser]:
    made = Browser(client)
    yield made
    await made.close()


async def new_browser(client: AsyncClient) -> Browser:
    return Browser(client)


async def me(client: AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    answer = await client.get(ME, headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def verify_address(app: FastAPI, email: str) -> None:
    """What following the verification mail's link does (tested in test_account_mail.py)."""
    async with unit_of_work(app.state.session_factory) as session:
        await session.execute(
            text("UPDATE users SET email_verified_at = now() WHERE lower(email) = lower(:e)"),
            {"e": email},
        )


# --- tests -------------------------------------------------------------------------------------


async def test_a_new_person_signs_up_then_signs_in_again(
    client: AsyncClient, browser: Browser
) -> None:
    listed = await client.get(PROVIDERS)
    assert listed.json() == {"items": [{"id": "test", "name": "Test IdP"}]}

    tokens = await browser.exchange(await browser.sign_in("anna@example.fi"))
    assert tokens["token_type"] == "Bearer" if "token_type" in tokens else True
    first = await me(client, tokens)
    assert first["user"]["email"] == "anna@example.fi"
    assert first["user"]["email_verified"] is True  # the provider verified it
    assert first["user"]["name"] == "Test anna"
    assert [c["role"] for c in first["companies"]] == ["owner"]
    assert first["active_company_id"] == first["companies"][0]["id"]

    identities = (await client.get(IDENTITIES, headers=bearer(tokens))).json()
    assert identities["has_password"] is False
    [identity] = identities["items"]
    assert identity["provider"] == "test"
    assert identity["provider_name"] == "Test IdP"
    assert identity["email"] == "anna@example.fi"

    # Again, in another browser (a new session at the provider): the same account.
    other = await new_browser(client)
    try:
        again = await other.exchange(await other.sign_in("anna@example.fi"))
    finally:
        await other.close()
    assert (await me(client, again))["user"]["id"] == first["user"]["id"]
    # And in the same browser: the provider remembers the person; still the same account.
    third = await browser.exchange(await browser.sign_in("anna@example.fi"))
    assert (await me(client, third))["user"]["id"] == first["user"]["id"]

    # No password: the only identity is the only way in and stays.
    problem(
        await client.delete(f"{IDENTITIES}/{identity['id']}", headers=bearer(tokens)),
        409,
        "oidc-last-sign-in-method",
    )
    # A password sign-in for an account without one fails like a wrong password.
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": "anna@example.fi", "password": PASSWORD}
    )
    problem(wrong, 401, "invalid-credentials")


async def test_a_verified_address_links_an_existing_account(
    app: FastAPI, client: AsyncClient, browser: Browser
) -> None:
    email = "bertta@example.fi"
    assert (await client.post(SIGNUP, json=signup_body(email))).status_code == 201
    password_me = await me(client, await log_in(client, email))

    # The account's own address is not verified yet: someone else may have signed up with
    # it, so the provider's sign-in does not join it (account pre-hijacking).
    refused(await browser.sign_in(email), "oidc-account-exists")

    await verify_address(app, email)
    other = await new_browser(client)
    try:
        tokens = await other.exchange(await other.sign_in(email))
    finally:
        await other.close()
    assert (await me(client, tokens))["user"]["id"] == password_me["user"]["id"]
    identities = (await client.get(IDENTITIES, headers=bearer(tokens))).json()
    assert identities["has_password"] is True
    assert [i["email"] for i in identities["items"]] == [email]
    # The password still works.
    assert "access_token" in await log_in(client, email)


async def test_an_unverified_address_does_not_link_but_the_settings_do(
    app: FastAPI, client: AsyncClient, browser: Browser
) -> None:
    email = "cecilia@example.fi"
    assert (await client.post(SIGNUP, json=signup_body(email))).status_code == 201
    await verify_address(app, email)
    tokens = await log_in(client, email)
    user_id = (await me(client, tokens))["user"]["id"]

    # The provider does not vouch for the address: refused with the reason, nothing linked.
    refused(await browser.sign_in(f"unverified:{email}"), "oidc-account-exists")
    async with unit_of_work(app.state.session_factory) as session:
        assert (await session.scalars(select(ExternalIdentity))).all() == []

    # Signed in with the password, the person links it from the settings.
    other = await new_browser(client)
    try:
        linked = await other.sign_in(f"unverified:{email}", intent="link", headers=bearer(tokens))
    finally:
        await other.close()
    assert fragment_params(linked) == ("settings", {"oidc_linked": "test"})
    [identity] = (await client.get(IDENTITIES, headers=bearer(tokens))).json()["items"]

    # From now on the provider signs this account in.
    again = await browser.exchange(await browser.sign_in(f"unverified:{email}"))
    assert (await me(client, again))["user"]["id"] == user_id

    # Another account cannot link the same identity.
    assert (await client.post(SIGNUP, json=signup_body("daniel@example.fi"))).status_code == 201
    daniel = await log_in(client, "daniel@example.fi")
    taken = await browser.sign_in(f"unverified:{email}", intent="link", headers=bearer(daniel))
    refused(taken, "oidc-identity-taken", route="settings")
    # Nor remove it: another user's identity is not found.
    problem(
        await client.delete(f"{IDENTITIES}/{identity['id']}", headers=bearer(daniel)),
        404,
        "not-found",
    )
    # The owner can (the password remains a way in).
    removed = await client.delete(f"{IDENTITIES}/{identity['id']}", headers=bearer(tokens))
    assert removed.status_code == 204, removed.text
    assert (await client.get(IDENTITIES, headers=bearer(tokens))).json()["items"] == []
    problem(
        await client.delete(f"{IDENTITIES}/{identity['id']}", headers=bearer(tokens)),
        404,
        "not-found",
    )


async def test_linking_needs_a_signed_in_user(client: AsyncClient) -> None:
    problem(await client.post(start_url(), json={"intent": "link"}), 401, "unauthenticated")
    problem(
        await client.post(
            start_url(), json={"intent": "link"}, headers={"Authorization": "Bearer nonsense"}
        ),
        401,
        "invalid-token",
    )
    assert (await client.get(IDENTITIES)).status_code == 401


async def test_bad_input_and_an_unknown_provider(client: AsyncClient) -> None:
    problem(await client.post(start_url("nope"), json={}), 404, "oidc-provider-unknown")
    problem(await client.post(start_url(), json={"intent": "steal"}), 422, "validation-error")
    problem(await client.post(start_url(), json={"extra": 1}), 422, "validation-error")
    for body in (
        {"code": "", "browser_key": "k"},
        {"code": "c", "browser_key": ""},
        {"code": "c"},
        {},
        {"code": "x" * 201, "browser_key": "k"},
        {"code": "c", "browser_key": "k", "extra": 1},
    ):
        problem(await client.post(EXCHANGE, json=body), 422, "validation-error")
    # No body: a sign-in.
    assert (await client.post(start_url())).status_code == 200


async def test_the_authorization_request_uses_pkce_state_and_nonce(
    client: AsyncClient, browser: Browser
) -> None:
    first = parse_qs(urlsplit(await browser.start()).query)
    second = parse_qs(urlsplit(await browser.start()).query)
    assert first["response_type"] == ["code"]
    assert first["client_id"] == [CLIENT_ID]
    assert first["redirect_uri"] == [CALLBACK]
    assert first["code_challenge_method"] == ["S256"]
    assert set(first["scope"][0].split()) == {"openid", "email", "profile"}
    for name in ("state", "nonce", "code_challenge"):
        assert len(first[name][0]) >= 43
        assert first[name] != second[name]


async def test_a_replayed_or_tampered_state_is_refused(
    app: FastAPI, client: AsyncClient, browser: Browser
) -> None:
    back = await browser.at_provider(await browser.start(), "eero@example.fi")
    parts = urlsplit(back)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path = parts.path

    # Tampered with, missing, or never issued: refused; the real one still works after.
    tampered = params["state"][:-2] + ("AA" if not params["state"].endswith("AA") else "BB")
    for query in (
        {**params, "state": tampered},
        {k: v for k, v in params.items() if k != "state"},
        {**params, "state": ""},
        {**params, "state": "x" * 300},
    ):
        answer = await client.get(path, params=query)
        assert answer.status_code in (303, 422), answer.text
        if answer.status_code == 303:
            refused(answer.headers["location"], "oidc-state-invalid")

    first = await browser.callback(back)
    assert login_code(first)
    # The same answer again (a replay): refused, whatever the provider's code.
    refused(await browser.callback(back), "oidc-state-used")
    # Another state with a code the provider already gave: the provider refuses it.
    fresh = parse_qs(urlsplit(await browser.start()).query)["state"][0]
    replayed = await client.get(path, params={**params, "state": fresh})
    refused(replayed.headers["location"], "oidc-provider-refused")


async def test_a_state_expires_after_ten_minutes(client: AsyncClient, browser: Browser) -> None:
    back = await browser.at_provider(await browser.start(), "fanni@example.fi")
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=10, seconds=1)):
        refused(await browser.callback(back), "oidc-state-expired")


async def test_the_one_time_code_works_once_for_a_minute_in_its_browser(
    app: FastAPI, client: AsyncClient, browser: Browser
) -> None:
    location = await browser.sign_in("greta@example.fi")
    code, key = login_code(location), browser.browser_key
    # Another browser's key (a code an attacker got for their own account and slipped to
    # someone else's browser: login CSRF): refused, and no tokens.
    other = await new_browser(client)
    try:
        await other.start()
        wrong = await client.post(EXCHANGE, json={"code": code, "browser_key": other.browser_key})
    finally:
        await other.close()
    problem(wrong, 400, "oidc-code-invalid")

    assert "access_token" in await browser.exchange(location)
    used = await client.post(EXCHANGE, json={"code": code, "browser_key": key})
    problem(used, 400, "oidc-code-used")
    for bad in (code + "x", "nonsense"):
        unknown = await client.post(EXCHANGE, json={"code": bad, "browser_key": key})
        problem(unknown, 400, "oidc-code-invalid")

    late = await browser.sign_in("greta@example.fi")
    with clock.frozen_at(clock.now() + dt.timedelta(seconds=61)):
        expired = await client.post(
            EXCHANGE, json={"code": login_code(late), "browser_key": browser.browser_key}
        )
        problem(expired, 400, "oidc-code-expired")
    # Only the hashes are stored.
    async with unit_of_work(app.state.session_factory) as session:
        stored = (await session.scalars(select(OidcLoginCode.code_hash))).all()
    assert len(stored) == 2
    assert code not in stored
    assert login_code(late) not in stored


async def test_cancelled_at_the_provider_or_no_address(
    client: AsyncClient, browser: Browser
) -> None:
    url = await browser.start()
    back = await browser.at_provider(url, "hilkka@example.fi", abort=True)
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    refused(await browser.callback(back), "oidc-denied")

    other = await new_browser(client)
    try:
        refused(await other.sign_in("noemail:ilmari"), "oidc-email-missing")
    finally:
        await other.close()


async def test_an_unverified_address_signs_up_unverified(
    client: AsyncClient, browser: Browser
) -> None:
    tokens = await browser.exchange(await browser.sign_in("unverified:jussi@x.fi"))
    assert (await me(client, tokens))["user"]["email_verified"] is False


async def test_a_user_with_two_factor_gets_the_challenge(
    app: FastAPI, client: AsyncClient, browser: Browser
) -> None:
    email = "kaisa@example.fi"
    start = clock.now()
    assert (await client.post(SIGNUP, json=signup_body(email))).status_code == 201
    await verify_address(app, email)
    with clock.frozen_at(start):
        headers = bearer(await log_in(client, email))
        secret = (await client.post(f"{TWO_FACTOR}/setup", headers=headers)).json()["secret"]
        confirmed = await client.post(
            f"{TWO_FACTOR}/confirm",
            json={"code": pyotp.TOTP(secret).at(start)},
            headers=headers,
        )
        assert confirmed.status_code == 200, confirmed.text

    answer = await browser.exchange(await browser.sign_in(email))
    assert answer["two_factor_required"] is True
    assert "access_token" not in answer
    later = start + dt.timedelta(seconds=60)
    with clock.frozen_at(later):
        done = await client.post(
            FINISH_TWO_FACTOR,
            json={"challenge": answer["challenge"], "code": pyotp.TOTP(secret).at(later)},
        )
        assert done.status_code == 200, done.text
        assert (await me(client, done.json()))["user"]["email"] == email


async def test_the_sweeper_forgets_expired_flows_and_codes(
    app: FastAPI, settings: Settings, client: AsyncClient, browser: Browser
) -> None:
    login_code(await browser.sign_in("lauri@example.fi"))  # a used flow and an unused code
    await browser.start()  # a flow never finished
    factory = app.state.session_factory

    async def counts() -> tuple[int, int]:
        async with unit_of_work(factory) as session:
            flows = await session.scalar(text("SELECT count(*) FROM oidc_flows"))
            codes = await session.scalar(text("SELECT count(*) FROM oidc_login_codes"))
        return int(flows or 0), int(codes or 0)

    async def sweep() -> None:
        async with unit_of_work(factory) as session:
            await sweep_job(JobContext(session, settings, 0))

    await sweep()
    assert await counts() == (2, 1)  # nothing expired yet
    with clock.frozen_at(clock.now() + dt.timedelta(hours=1, minutes=11)):
        await sweep()
    assert await counts() == (0, 0)


async def test_starts_are_limited_per_client_address(client: AsyncClient) -> None:
    for _ in range(60):
        assert (await client.post(start_url())).status_code == 200
    answer = await client.post(start_url())
    problem(answer, 429, "too-many-oidc-starts")
    assert int(answer.headers["retry-after"]) > 0


async def test_an_answer_naming_another_issuer_is_refused(
    client: AsyncClient, browser: Browser
) -> None:
    """RFC 9207: the provider names itself in ``iss``; another issuer's answer (a mix-up of
    providers) is refused, and its flow is spent."""
    back = await browser.at_provider(await browser.start(), "mikko@example.fi")
    parts = urlsplit(back)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params["iss"].startswith("http://127.0.0.1:")
    mixed = await client.get(parts.path, params={**params, "iss": "https://evil.example"})
    refused(mixed.headers["location"], "oidc-state-invalid")
    refused(await browser.callback(back), "oidc-state-used")
