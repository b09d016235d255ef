"""OpenID Connect without a provider: the provider settings and presets (Microsoft's
multi-tenant issuer template), and every check of an ID token, with tokens signed here."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from laskutin.core.settings import SettingsError, load_settings
from laskutin.oidc import client
from laskutin.oidc.providers import MICROSOFT_CONSUMERS_TENANT, configured

TENANT = "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"
JWKS_URI = "https://idp.example.com/jwks"


def settings_with(*providers: dict[str, Any]) -> Any:
    return load_settings(_env_file=None, oidc_providers=json.dumps(list(providers)))


def provider(**fields: Any) -> dict[str, Any]:
    return {"id": "x", "client_id": "cid", "client_secret": "s3cr3t-value", **fields}


def test_presets_fill_in_the_issuer() -> None:
    found = configured(
        settings_with(
            provider(id="google", preset="google"),
            provider(id="microsoft", preset="microsoft"),
            provider(id="work", preset="microsoft", tenant="organizations", name="Työtili"),
            provider(id="one", preset="microsoft", tenant=TENANT),
            provider(id="auth0", preset="auth0", domain="laskutin.eu.auth0.com"),
            provider(id="corp", name="Corp SSO", issuer="https://sso.corp.example/realms/x"),
        )
    )
    assert list(found) == ["google", "microsoft", "work", "one", "auth0", "corp"]
    assert found["google"].issuer == "https://accounts.google.com"
    assert found["google"].name == "Google"
    assert found["microsoft"].issuer == "https://login.microsoftonline.com/common/v2.0"
    assert found["microsoft"].microsoft_tenant == "common"
    assert found["work"].name == "Työtili"
    assert found["one"].issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert found["one"].microsoft_tenant is None  # one tenant: its issuer is exact
    assert found["auth0"].issuer == "https://laskutin.eu.auth0.com/"
    assert found["corp"].discovery_url == (
        "https://sso.corp.example/realms/x/.well-known/openid-configuration"
    )
    # Microsoft's e-mail claim is not verified by Microsoft: it never links by itself.
    assert not found["microsoft"].trusts_email_verified
    assert found["google"].trusts_email_verified
    assert found["corp"].trusts_email_verified


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({}, "preset"),
        ({"preset": "auth0"}, "domain"),
        ({"preset": "google", "issuer": "https://accounts.google.com"}, "one of them"),
        ({"issuer": "http://sso.example.com"}, "https"),
        ({"issuer": "https://sso.example.com/?x=1"}, "query"),
        ({"preset": "okta"}, "preset"),
        ({"preset": "google", "id": "Big Name"}, "provider id"),
        ({"preset": "microsoft", "tenant": "../evil"}, "tenant"),
        ({"preset": "google", "client_secret": None}, "client_secret"),
    ],
)
def test_bad_provider_settings_are_refused(fields: dict[str, Any], words: str) -> None:
    with pytest.raises(SettingsError, match="LASKUTIN_OIDC_PROVIDERS") as raised:
        settings_with(provider(**fields))
    assert words.lower() in str(raised.value).lower()


def test_provider_ids_are_unique_and_the_list_is_json() -> None:
    with pytest.raises(SettingsError, match="unique"):
        settings_with(provider(preset="google"), provider(preset="auth0", domain="a.auth0.com"))
    with pytest.raises(SettingsError, match="JSON"):
        load_settings(_env_file=None, oidc_providers="google")
    assert load_settings(_env_file=None, oidc_providers="").oidc_providers == ()


def test_http_issuer_only_on_this_host_and_the_callback_default() -> None:
    settings = settings_with(provider(issuer="http://127.0.0.1:4000"))
    assert configured(settings)["x"].issuer == "http://127.0.0.1:4000"
    assert settings.oidc_effective_callback_url == (
        "http://127.0.0.1:8000/api/v1/auth/oidc/callback"
    )
    assert "s3cr3t-value" not in repr(settings)


def test_microsoft_multi_tenant_issuer_is_checked_against_the_tenant_claim() -> None:
    found = configured(
        settings_with(
            provider(id="common", preset="microsoft"),
            provider(id="orgs", preset="microsoft", tenant="organizations"),
            provider(id="personal", preset="microsoft", tenant="consumers"),
        )
    )
    template = "https://login.microsoftonline.com/{tenantid}/v2.0"
    common, orgs, personal = found["common"], found["orgs"], found["personal"]
    assert common.metadata_issuer_ok(template)
    assert not common.metadata_issuer_ok("https://evil.example/{tenantid}/v2.0")
    assert common.accepted_issuers(template, {"tid": TENANT}) == {
        f"https://login.microsoftonline.com/{TENANT}/v2.0"
    }
    assert common.accepted_issuers(template, {}) == set()
    assert common.accepted_issuers(template, {"tid": "not-a-guid"}) == set()
    assert orgs.accepted_issuers(template, {"tid": MICROSOFT_CONSUMERS_TENANT}) == set()
    assert personal.accepted_issuers(template, {"tid": TENANT}) == set()
    assert personal.accepted_issuers(template, {"tid": MICROSOFT_CONSUMERS_TENANT})


# --- the ID token ----------------------------------------------------------------------------


@pytest.fixture
def rsa_key() -> Iterator[RSAKey]:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}, private=True)
    client.clear_cache()
    client._cache.put(f"jwks:{JWKS_URI}", {"keys": [key.as_dict(private=False)]})
    yield key
    client.clear_cache()


DOCUMENT = {"issuer": "https://idp.example.com", "jwks_uri": JWKS_URI}


def idp() -> Any:
    return configured(settings_with(provider(id="idp", issuer="https://idp.example.com")))["idp"]


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": "https://idp.example.com",
        "aud": "cid",
        "sub": "person-1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        "email": "a@example.fi",
        "email_verified": True,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(key: Any, payload: dict[str, Any], alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": "k1"}, payload, key, algorithms=[alg])


async def test_a_good_id_token_passes(rsa_key: RSAKey) -> None:
    found = await client.verify_id_token(DOCUMENT, idp(), signed(rsa_key, claims()), nonce="n-1")
    assert found["sub"] == "person-1"
    who = await client.identity(DOCUMENT, idp(), {}, found)
    assert who == client.Identity("person-1", "a@example.fi", True, None)
    stringly = claims(email_verified="true")
    assert (await client.identity(DOCUMENT, idp(), {}, stringly)).email_verified


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": "another"},
        {"nonce": None},
        {"iss": "https://evil.example.com"},
        {"aud": "someone-else"},
        {"aud": ["cid", "other"]},  # several audiences need azp = us
        {"aud": ["cid"], "azp": "other"},
        {"exp": int(time.time()) - 600},
        {"iat": None},
        {"sub": None},
    ],
)
async def test_a_bad_id_token_is_refused(rsa_key: RSAKey, changes: dict[str, Any]) -> None:
    token = signed(rsa_key, claims(**changes))
    with pytest.raises(client.IdTokenInvalid):
        await client.verify_id_token(DOCUMENT, idp(), token, nonce="n-1")


async def test_a_token_signed_by_another_key_or_with_the_secret_is_refused(
    rsa_key: RSAKey,
) -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    client._cache.put(
        "jwks:https://idp.example.com/jwks", {"keys": [rsa_key.as_dict(private=False)]}
    )
    with pytest.raises(client.IdTokenInvalid):
        # The key set is fetched again once for an unknown signature: serve the same set.
        await _verify_with_refetch(signed(other, claims()), rsa_key)
    secret = OctKey.import_key(b"secret-secret-secret-secret-32by")
    hmac = jwt.encode({"alg": "HS256"}, claims(), secret, algorithms=["HS256"])
    with pytest.raises(client.IdTokenInvalid):
        await _verify_with_refetch(hmac, rsa_key)
    unsigned = (
        ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
            for part in ({"alg": "none"}, claims())
        )
        + "."
    )
    with pytest.raises(client.IdTokenInvalid):
        await _verify_with_refetch(unsigned, rsa_key)


async def _verify_with_refetch(token: str, key: RSAKey) -> None:
    async def same_keys(url: str) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False)]}

    original = client._get_json
    client._get_json = same_keys  # type: ignore[assignment]
    try:
        await client.verify_id_token(DOCUMENT, idp(), token, nonce="n-1")
    finally:
        client._get_json = original  # type: ignore[assignment]


async def test_microsoft_subjects_keep_their_tenant() -> None:
    microsoft = configured(settings_with(provider(id="ms", preset="microsoft")))["ms"]
    who = await client.identity(
        DOCUMENT,
        microsoft,
        {},
        {"sub": "s", "tid": TENANT, "email": "a@b.fi", "email_verified": True},
    )
    assert who.subject == f"{TENANT}:s"
    assert who.email_verified is False  # Microsoft's mark is not believed
