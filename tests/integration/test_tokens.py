"""Access tokens, signing keys and refresh tokens against the real database, as the app role."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from joserfc import jwt
from joserfc.jwk import OKPKey
from pydantic import SecretStr
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.app import create_app
from laskutin.auth import keys, tokens
from laskutin.auth.keys import KeyRing
from laskutin.auth.models import RefreshToken, SigningKey, User
from laskutin.auth.tasks import maintain_signing_keys_job
from laskutin.companies.domain import Role
from laskutin.companies.models import Company, Membership
from laskutin.core import clock
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from laskutin.jobs.registry import JobContext, load_all_jobs

ISSUER = "laskutin"


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    company_id: uuid.UUID


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def live_app(app: FastAPI, client: AsyncClient) -> FastAPI:
    """The app with its lifespan running (the ``client`` fixture runs it)."""
    return app


def factory_of(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    result: async_sessionmaker[AsyncSession] = app.state.session_factory
    return result


def keyring_of(app: FastAPI) -> KeyRing:
    result: KeyRing = app.state.keyring
    return result


async def make_member(app: FastAPI, email: str = "matti@example.fi") -> Member:
    async with factory_of(app)() as session, session.begin():
        user = User(email=email, name="Matti")
        session.add(user)
        await session.flush()
        company_id = uuid.uuid4()
        await act_as(session, company_id=company_id, user_id=user.id)
        session.add(Company(id=company_id, name="Matin Paja Oy"))
        await session.flush()
        session.add(Membership(company_id=company_id, user_id=user.id, role=Role.OWNER))
    return Member(user.id, company_id)


async def sign_in(app: FastAPI, member: Member) -> tokens.TokenPair:
    async with factory_of(app)() as session, session.begin():
        return await tokens.issue_token_pair(
            session,
            keyring_of(app),
            issuer=ISSUER,
            user_id=member.user_id,
            company_id=member.company_id,
        )


async def verify(app: FastAPI, token: str, issuer: str = ISSUER) -> tokens.AccessClaims:
    return await tokens.verify_access_token(keyring_of(app), token, issuer=issuer)


async def refresh(app: FastAPI, token: str) -> tokens.TokenPair:
    return await tokens.refresh(factory_of(app), keyring_of(app), token, issuer=ISSUER)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- access tokens -------------------------------------------------------------------------


async def test_issue_and_verify_round_trip(live_app: FastAPI) -> None:
    member = await make_member(live_app)
    pair = await sign_in(live_app, member)
    assert pair.token_type == "Bearer"
    assert 0 < pair.expires_in <= 15 * 60
    claims = await verify(live_app, pair.access_token)
    assert (claims.user_id, claims.company_id, claims.role) == (
        member.user_id,
        member.company_id,
        Role.OWNER,
    )
    assert claims.expires_at - claims.issued_at <= dt.timedelta(minutes=15)
    header, payload = (
        json.loads(base64.urlsafe_b64decode(part + "=="))
        for part in pair.access_token.split(".")[:2]
    )
    assert header == {"alg": "Ed25519", "kid": claims.kid, "typ": "at+jwt"}
    assert set(payload) == {"iss", "sub", "cid", "role", "iat", "exp", "jti", "typ"}
    assert (payload["iss"], payload["typ"]) == (ISSUER, "access")
    other = await sign_in(live_app, member)
    assert (await verify(live_app, other.access_token)).jti != claims.jti


async def test_tampered_expired_and_foreign_tokens_are_refused(live_app: FastAPI) -> None:
    member = await make_member(live_app)
    pair = await sign_in(live_app, member)
    header, payload, signature = pair.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))

    forged_role = {**claims, "role": "admin", "cid": str(uuid.uuid4())}
    bad = [
        "",
        "not a token",
        f"{header}.{payload}",
        f"{header}.{_b64(forged_role)}.{signature}",  # changed claims, old signature
        f"{header}.{payload}.{signature[:-4]}AAAA",  # changed signature
        f"{_b64({'alg': 'none', 'kid': claims['jti'], 'typ': 'at+jwt'})}.{payload}.",
        f"{_b64({'alg': 'Ed25519', 'kid': 'unknown', 'typ': 'at+jwt'})}.{payload}.{signature}",
    ]
    for token in bad:
        with pytest.raises(tokens.InvalidAccessToken):
            await verify(live_app, token)

    # Signed by a key of nobody's, naming our kid: refused.
    stranger = OKPKey.generate_key("Ed25519")
    foreign = jwt.encode(
        {
            "alg": "Ed25519",
            "kid": json.loads(base64.urlsafe_b64decode(header + "=="))["kid"],
            "typ": "at+jwt",
        },
        claims,
        stranger,
        algorithms=["Ed25519"],
    )
    with pytest.raises(tokens.InvalidAccessToken):
        await verify(live_app, foreign)

    with pytest.raises(tokens.InvalidAccessToken):  # another installation's issuer
        await verify(live_app, pair.access_token, issuer="https://other.example")

    # A token of the right key but the wrong type (or too long a life) is refused too.
    key = await keyring_of(live_app).signing_key()
    assert key.private is not None
    for changed in ({"typ": "refresh"}, {"exp": claims["iat"] + 3600}):
        token = jwt.encode(
            {"alg": "Ed25519", "kid": key.kid, "typ": "at+jwt"},
            {**claims, **changed},
            key.private,
            algorithms=["Ed25519"],
        )
        with pytest.raises(tokens.InvalidAccessToken):
            await verify(live_app, token)

    issued = dt.datetime.fromtimestamp(claims["iat"], dt.UTC)
    with clock.frozen_at(issued + dt.timedelta(minutes=14)):
        await verify(live_app, pair.access_token)
    with (
        clock.frozen_at(issued + dt.timedelta(minutes=16)),
        pytest.raises(tokens.AccessTokenExpired),
    ):
        await verify(live_app, pair.access_token)


async def test_a_token_signed_by_one_instance_verifies_on_another(
    live_app: FastAPI, settings: Settings
) -> None:
    member = await make_member(live_app)
    pair = await sign_in(live_app, member)
    async with running(create_app(settings)) as other:
        claims = await verify(other, pair.access_token)
        assert claims.user_id == member.user_id
        # ... and the other way round: both sign with the same key from PostgreSQL.
        again = await sign_in(other, member)
        assert (await verify(live_app, again.access_token)).kid == claims.kid


async def test_the_first_key_is_made_once_for_all_instances(settings: Settings) -> None:
    async with running(create_app(settings)) as one, running(create_app(settings)) as two:
        first, second = await asyncio.gather(
            keyring_of(one).signing_key(), keyring_of(two).signing_key()
        )
        assert first.kid == second.kid
        async with factory_of(one)() as session:
            assert await session.scalar(select(func.count()).select_from(SigningKey)) == 1


# --- rotation ------------------------------------------------------------------------------


async def test_rotation_signs_nobody_out(live_app: FastAPI, client: AsyncClient) -> None:
    member = await make_member(live_app)
    start = clock.now()
    with clock.frozen_at(start):
        before = await sign_in(live_app, member)
        old_kid = (await verify(live_app, before.access_token)).kid
        async with factory_of(live_app)() as session, session.begin():
            new = await keys.rotate_signing_key(
                session, secret=live_app.state.settings.effective_secret_key
            )
        keyring_of(live_app).invalidate()

        # Published at once, both keys, public parts only; the old key still signs.
        response = await client.get("/.well-known/jwks.json")
        published = response.json()["keys"]
        assert {k["kid"] for k in published} == {old_kid, new.kid}
        assert all("d" not in k for k in published)
        assert (await sign_in(live_app, member)).claims.kid == old_kid

    with clock.frozen_at(new.activated_at):  # the new key signs; the old one still verifies
        after = await sign_in(live_app, member)
        assert after.claims.kid == new.kid
        assert (await verify(live_app, before.access_token)).kid == old_kid
        assert (await verify(live_app, after.access_token)).kid == new.kid

    old_retires = new.activated_at + keys.ACCESS_TOKEN_MAX_LIFETIME + keys.CLOCK_LEEWAY
    with clock.frozen_at(old_retires):  # every token of the old key has expired: gone
        keyring_of(live_app).invalidate()
        response = await client.get("/.well-known/jwks.json")
        assert [k["kid"] for k in response.json()["keys"]] == [new.kid]
        settings: Settings = live_app.state.settings
        async with factory_of(live_app)() as session, session.begin():
            ctx = JobContext(session, settings, None)
            await maintain_signing_keys_job(ctx)
        async with factory_of(live_app)() as session:
            remaining = (await session.scalars(select(SigningKey.kid))).all()
        assert remaining == [new.kid]  # the retired key's private half is deleted


async def test_the_job_makes_a_key_and_rotates_old_ones(live_app: FastAPI) -> None:
    assert "auth.maintain_signing_keys" in load_all_jobs()
    settings: Settings = live_app.state.settings
    secret = settings.effective_secret_key
    factory = factory_of(live_app)
    start = clock.now()

    async def maintain(at: dt.datetime) -> SigningKey | None:
        async with factory() as session, session.begin():
            return await keys.maintain_signing_keys(session, secret=secret, now=at)

    assert await maintain(start) is None  # none yet: one is made, active at once
    async with factory() as session:
        (first,) = (await session.scalars(select(SigningKey))).all()
    assert first.activated_at == start - keys.CLOCK_LEEWAY
    assert first.retired_at is None
    assert await maintain(start + dt.timedelta(days=29)) is None
    rotated = await maintain(start + keys.ROTATE_AFTER + dt.timedelta(hours=1))
    assert rotated is not None
    assert rotated.activated_at > start + keys.ROTATE_AFTER
    # While the new key is pending, the job does not rotate again.
    assert await maintain(start + keys.ROTATE_AFTER + dt.timedelta(hours=1, minutes=1)) is None
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(SigningKey)) == 2


async def test_jwks_endpoint(client: AsyncClient) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["content-type"].startswith("application/json")
    (key,) = response.json()["keys"]  # a fresh installation publishes its first key
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "Ed25519", "sig")


async def test_a_key_that_does_not_decrypt_is_replaced(
    live_app: FastAPI, settings: Settings
) -> None:
    """LASKUTIN_SECRET_KEY changed: old keys still verify, a new key signs."""
    member = await make_member(live_app)
    before = await sign_in(live_app, member)
    changed = settings.model_copy(update={"secret_key": SecretStr("x" * 40)})
    async with running(create_app(changed)) as other:
        assert (await verify(other, before.access_token)).user_id == member.user_id
        after = await sign_in(other, member)
        assert after.claims.kid != before.claims.kid
        assert (await verify(live_app, after.access_token)).kid == after.claims.kid


# --- refresh tokens ------------------------------------------------------------------------


async def _rows(app: FastAPI) -> list[RefreshToken]:
    async with factory_of(app)() as session:
        return list(
            (await session.scalars(select(RefreshToken).order_by(RefreshToken.created_at))).all()
        )


async def test_refresh_rotates_the_token(live_app: FastAPI) -> None:
    member = await make_member(live_app)
    first = await sign_in(live_app, member)
    second = await refresh(live_app, first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.family_id == first.family_id
    claims = await verify(live_app, second.access_token)
    assert (claims.user_id, claims.company_id, claims.role) == (
        member.user_id,
        member.company_id,
        Role.OWNER,
    )
    third = await refresh(live_app, second.refresh_token)
    rows = await _rows(live_app)
    assert len(rows) == 3
    # Only hashes are stored.
    stored = {row.token_hash for row in rows}
    assert not stored & {first.refresh_token, second.refresh_token, third.refresh_token}
    assert tokens.hash_refresh_token(third.refresh_token) in stored
    assert [row.used_at is not None for row in rows] == [True, True, False]
    assert rows[0].replaced_by == rows[1].id
    assert rows[1].replaced_by == rows[2].id
    assert {row.family_id for row in rows} == {first.family_id}


async def test_reusing_a_refresh_token_revokes_its_family(live_app: FastAPI) -> None:
    member = await make_member(live_app)
    first = await sign_in(live_app, member)
    second = await refresh(live_app, first.refresh_token)
    elsewhere = await sign_in(live_app, member)  # another device: another family

    with pytest.raises(tokens.RefreshTokenReused):
        await refresh(live_app, first.refresh_token)
    with pytest.raises(tokens.RefreshTokenRevoked):  # the newest of the family too
        await refresh(live_app, second.refresh_token)
    with pytest.raises(tokens.RefreshTokenRevoked):
        await refresh(live_app, first.refresh_token)
    rows = await _rows(live_app)
    revoked = {row.family_id for row in rows if row.revoked_at is not None}
    assert revoked == {first.family_id}  # committed, and only that family
    assert (await refresh(live_app, elsewhere.refresh_token)).family_id == elsewhere.family_id


async def test_concurrent_refreshes_of_one_token_let_exactly_one_through(
    live_app: FastAPI, settings: Settings
) -> None:
    member = await make_member(live_app)
    pair = await sign_in(live_app, member)
    async with running(create_app(settings)) as other:  # two replicas, two pools
        results = await asyncio.gather(
            refresh(live_app, pair.refresh_token),
            refresh(other, pair.refresh_token),
            return_exceptions=True,
        )
    winners = [r for r in results if isinstance(r, tokens.TokenPair)]
    losers = [r for r in results if not isinstance(r, tokens.TokenPair)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert isinstance(losers[0], tokens.RefreshTokenReused), results
    # No grace window: the loser's reuse revoked the family, the winner's new token too.
    with pytest.raises(tokens.RefreshTokenRevoked):
        await refresh(live_app, winners[0].refresh_token)


async def test_concurrent_rotation_in_two_sessions_waits_on_the_row_lock(
    live_app: FastAPI, settings: Settings
) -> None:
    member = await make_member(live_app)
    pair = await sign_in(live_app, member)
    keyring = keyring_of(live_app)
    factory = factory_of(live_app)
    first_locked = asyncio.Event()

    async def first() -> tokens.TokenPair:
        async with factory() as session, session.begin():
            result = await tokens.rotate_refresh_token(
                session, keyring, pair.refresh_token, issuer=ISSUER
            )
            first_locked.set()
            await asyncio.sleep(0.3)  # hold the row lock: the second session must wait
            return result

    async def second() -> tokens.TokenPair:
        await first_locked.wait()
        async with factory() as session, session.begin():
            return await tokens.rotate_refresh_token(
                session, keyring, pair.refresh_token, issuer=ISSUER
            )

    results = await asyncio.gather(first(), second(), return_exceptions=True)
    assert isinstance(results[0], tokens.TokenPair), results
    assert isinstance(results[1], tokens.RefreshTokenReused), results


async def test_expired_unknown_and_signed_out_refresh_tokens_are_refused(
    live_app: FastAPI,
) -> None:
    member = await make_member(live_app)
    pair = await sign_in(live_app, member)
    with pytest.raises(tokens.InvalidRefreshToken):
        await refresh(live_app, "not-a-token")
    later = clock.now() + tokens.REFRESH_TOKEN_LIFETIME + dt.timedelta(seconds=1)
    with clock.frozen_at(later), pytest.raises(tokens.RefreshTokenExpired):
        await refresh(live_app, pair.refresh_token)

    async with factory_of(live_app)() as session, session.begin():  # sign-out
        assert await tokens.revoke_refresh_token(session, pair.refresh_token)
        assert not await tokens.revoke_refresh_token(session, "not-a-token")
    with pytest.raises(tokens.RefreshTokenRevoked):
        await refresh(live_app, pair.refresh_token)


async def test_a_removed_member_gets_no_new_tokens(live_app: FastAPI) -> None:
    member = await make_member(live_app)
    pair = await sign_in(live_app, member)
    async with factory_of(live_app)() as session, session.begin():
        await act_as(session, company_id=member.company_id, user_id=member.user_id)
        await session.execute(
            delete(Membership).where(
                Membership.company_id == member.company_id,
                Membership.user_id == member.user_id,
            )
        )
    with pytest.raises(tokens.NotAMember):
        await refresh(live_app, pair.refresh_token)
    with pytest.raises(tokens.NotAMember):
        await sign_in(live_app, member)
    # An access token already issued lives out its (short) life, and no longer.
    claims = await verify(live_app, pair.access_token)
    with (
        clock.frozen_at(claims.expires_at + keys.CLOCK_LEEWAY),
        pytest.raises(tokens.AccessTokenExpired),
    ):
        await verify(live_app, pair.access_token)
