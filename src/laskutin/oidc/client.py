"""Talking to an OpenID provider: discovery, its keys, the authorization URL, the code
exchange (with the PKCE verifier), and the ID token's checks.

The discovery document and the key set are cached per process for an hour (a cache that does
not matter: any replica fetches its own, and an unknown key id fetches the keys again at once).
Authlib builds the authorization request and the token request (RFC 6749, RFC 7636); joserfc
verifies the ID token's signature against the provider's published keys.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from laskutin.core import clock
from laskutin.core.errors import DomainError, ServiceUnavailable
from laskutin.oidc.providers import Provider

if TYPE_CHECKING:
    from joserfc.jwk import KeySetSerialization

log = logging.getLogger(__name__)

CACHE_SECONDS: Final = 3600.0
HTTP_TIMEOUT_SECONDS: Final = 10.0
# Clock skew allowed between the provider and us (exp, iat).
LEEWAY_SECONDS: Final = 120
# Asymmetric algorithms only: never "none", never the client secret as an HMAC key.
ID_TOKEN_ALGORITHMS: Final = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)


class ProviderUnavailable(ServiceUnavailable):
    """The provider did not answer, or answered something that is no OpenID provider's."""

    code = "oidc-provider-unavailable"


class ProviderRefused(DomainError):
    """The provider refused the code exchange (an expired, used or foreign code)."""

    code = "oidc-provider-refused"


class IdTokenInvalid(DomainError):
    """The ID token failed a check: signature, issuer, audience, expiry, nonce, subject."""

    code = "oidc-id-token-invalid"


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None


class _Cache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > CACHE_SECONDS:
            return None
        return entry[1]

    def put(self, key: str, value: Any) -> None:
        self._entries[key] = (time.monotonic(), value)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


_cache = _Cache()


def clear_cache() -> None:
    """Forget every discovery document and key set (tests that start a new provider)."""
    _cache.clear()


async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
            response = await http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        log.warning("OpenID provider unreachable at %s: %s", url, exc.__class__.__name__)
        raise ProviderUnavailable() from None
    if response.status_code != 200:
        log.warning("OpenID provider answered %s at %s", response.status_code, url)
        raise ProviderUnavailable()
    try:
        body = response.json()
    except ValueError:
        raise ProviderUnavailable() from None
    if not isinstance(body, dict):
        raise ProviderUnavailable()
    return body


async def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document (OpenID Connect Discovery 1.0), checked."""
    key = f"meta:{provider.discovery_url}"
    cached = _cache.get(key)
    if cached is not None:
        return dict(cached)
    document = await _get_json(provider.discovery_url)
    if not provider.metadata_issuer_ok(document.get("issuer")):
        log.warning("discovery of %s names another issuer: %r", provider.id, document.get("issuer"))
        raise ProviderUnavailable()
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(field), str):
            log.warning("discovery of %s has no %s", provider.id, field)
            raise ProviderUnavailable()
    _cache.put(key, document)
    return document


async def _key_set(jwks_uri: str, *, fresh: bool = False) -> KeySet:
    key = f"jwks:{jwks_uri}"
    cached = None if fresh else _cache.get(key)
    if cached is None:
        cached = await _get_json(jwks_uri)
        _cache.put(key, cached)
    try:
        return KeySet.import_key_set(cast("KeySetSerialization", cached))
    except (JoseError, ValueError, TypeError, KeyError):
        log.warning("unusable key set at %s", jwks_uri)
        _cache.forget(key)
        raise ProviderUnavailable() from None


def authorization_url(
    document: dict[str, Any],
    provider: Provider,
    *,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_verifier: str,
) -> str:
    """The provider's authorization endpoint with our request: code flow, PKCE S256."""
    url: str = prepare_grant_uri(
        document["authorization_endpoint"],
        provider.client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=" ".join(("openid", *provider.scopes)),
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(code_verifier),
        code_challenge_method="S256",
    )
    return url


def _client_auth(document: dict[str, Any], provider: Provider) -> tuple[dict[str, str], str]:
    """Headers and extra body for the client's authentication at the token endpoint:
    client_secret_basic (the default of OpenID Connect) unless only _post is offered."""
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        body = f"client_id={quote(provider.client_id, safe='')}"
        body += f"&client_secret={quote(provider.client_secret, safe='')}"
        return {}, body
    # RFC 6749 §2.3.1: each part form-encoded before the Basic encoding.
    pair = f"{quote(provider.client_id, safe='')}:{quote(provider.client_secret, safe='')}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}, ""


async def exchange_code(
    document: dict[str, Any],
    provider: Provider,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> dict[str, Any]:
    """Trade the authorization code (with the PKCE verifier) for the provider's tokens."""
    headers, auth_body = _client_auth(document, provider)
    body: str = prepare_token_request(
        "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
    )
    if auth_body:
        body += "&" + auth_body
    headers = {
        **headers,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
            response = await http.post(document["token_endpoint"], content=body, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("token endpoint of %s unreachable: %s", provider.id, exc.__class__.__name__)
        raise ProviderUnavailable() from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ProviderUnavailable()
    if response.status_code != 200:
        # invalid_grant: an expired or used code, or a verifier that does not match.
        log.info("token endpoint of %s refused: %s", provider.id, answer.get("error"))
        if response.status_code >= 500:
            raise ProviderUnavailable()
        raise ProviderRefused()
    if not isinstance(answer.get("id_token"), str):
        log.warning("token endpoint of %s gave no id_token", provider.id)
        raise IdTokenInvalid()
    return answer


async def verify_id_token(
    document: dict[str, Any], provider: Provider, id_token: str, *, nonce: str
) -> dict[str, Any]:
    """The ID token's claims, after OpenID Connect Core §3.1.3.7's checks: signature by a key
    of the provider (asymmetric), issuer, audience (and ``azp``), expiry, issue time, nonce,
    subject."""
    key_set = await _key_set(document["jwks_uri"])
    try:
        token = jwt.decode(id_token, key_set, algorithms=list(ID_TOKEN_ALGORITHMS))
    except (JoseError, ValueError) as exc:
        # A key rotated since we cached the set: fetch it again, once.
        log.info("ID token of %s: %s; fetching the keys again", provider.id, exc)
        key_set = await _key_set(document["jwks_uri"], fresh=True)
        try:
            token = jwt.decode(id_token, key_set, algorithms=list(ID_TOKEN_ALGORITHMS))
        except (JoseError, ValueError) as again:
            log.warning("ID token of %s refused: %s", provider.id, again)
            raise IdTokenInvalid() from None
    claims = dict(token.claims)
    issuers = provider.accepted_issuers(str(document["issuer"]), claims)
    if claims.get("iss") not in issuers:
        log.warning("ID token of %s has issuer %r", provider.id, claims.get("iss"))
        raise IdTokenInvalid()
    registry = jwt.JWTClaimsRegistry(
        now=int(clock.now().timestamp()),
        leeway=LEEWAY_SECONDS,
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        log.warning("ID token of %s refused: %s", provider.id, exc)
        raise IdTokenInvalid() from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != provider.client_id:
        raise IdTokenInvalid()
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise IdTokenInvalid()
    return claims


async def userinfo(document: dict[str, Any], access_token: str) -> dict[str, Any] | None:
    """The UserInfo endpoint's claims, or None if the provider has none or it fails."""
    endpoint = document.get("userinfo_endpoint")
    if not isinstance(endpoint, str):
        return None
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
            response = await http.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _truthy(value: object) -> bool:
    # Some providers (older Cognito, some Auth0 rules) send "true" as a string.
    return value is True or value == "true"


async def identity(
    document: dict[str, Any], provider: Provider, tokens: dict[str, Any], claims: dict[str, Any]
) -> Identity:
    """Who signed in: the ID token's claims, completed from UserInfo when the ID token has no
    e-mail (providers may put scope claims only there; its ``sub`` must be the same)."""
    merged = dict(claims)
    access_token = tokens.get("access_token")
    if "email" not in merged and isinstance(access_token, str):
        extra = await userinfo(document, access_token)
        if extra is not None and extra.get("sub") == claims["sub"]:
            merged = {**extra, **claims}
    email = merged.get("email")
    name = merged.get("name")
    subject = str(claims["sub"])
    if provider.microsoft_tenant is not None and isinstance(claims.get("tid"), str):
        subject = f"{claims['tid']}:{subject}"  # unique per tenant: keep the tenant with it
    return Identity(
        subject=subject,
        email=email.strip() if isinstance(email, str) and email.strip() else None,
        email_verified=provider.trusts_email_verified and _truthy(merged.get("email_verified")),
        name=name.strip()[:200] if isinstance(name, str) and name.strip() else None,
    )
