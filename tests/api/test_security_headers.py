"""Security headers on every response, no caching of API answers, CORS for listed origins only."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Response
from httpx import AsyncClient

from laskutin.core.settings import Settings
from tests.api.conftest import NO_DATABASE, build_test_app, serve

SHOP = "https://shop.example.com"
ELSEWHERE = "https://evil.example.net"

EXPECTED = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
APP_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "frame-src": ["'self'", "blob:"],
}


def csp(response: httpx.Response) -> dict[str, list[str]]:
    directives = [d.split() for d in response.headers["content-security-policy"].split(";")]
    return {name: sources for name, *sources in directives}


def assert_security_headers(response: httpx.Response, *, request_id: bool = True) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.status_code)
        assert len(response.headers.get_list(name)) == 1, name
    assert csp(response) == APP_CSP
    # CORS answers preflights before the request context: those alone carry no request id.
    assert ("x-request-id" in response.headers) is request_id


def assert_not_stored(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


def cors_settings(*origins: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        env="test",
        database_url=NO_DATABASE,
        log_format="text",
        cors_origins=",".join(origins),
    )


@pytest.fixture
async def cors_client() -> AsyncIterator[AsyncClient]:
    """The test app, with no database, that lets SHOP call it."""
    app = build_test_app(cors_settings(SHOP))

    @app.get("/.well-known/test-keys")
    async def keys(response: Response) -> dict[str, list[str]]:
        response.headers["Cache-Control"] = "public, max-age=300"
        return {"keys": []}

    async with serve(app) as http:
        yield http


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/test/items", 200),
        ("GET", "/healthz", 200),
        ("HEAD", "/healthz", 200),
        ("GET", "/", 200),
        ("GET", "/api/v1/no-such-thing", 404),
        ("GET", "/nowhere", 404),
        ("DELETE", "/healthz", 405),
        ("POST", "/test/items", 422),
        ("GET", "/test/domain/conflict", 409),
        ("GET", "/test/boom", 500),
        ("GET", "/test/domain/database", 503),
        ("GET", "/api/v1/openapi.json", 200),
    ],
)
async def test_every_response_carries_the_security_headers(
    offline_client: AsyncClient, method: str, path: str, status: int
) -> None:
    response = await offline_client.request(method, path, json={} if method == "POST" else None)

    assert response.status_code == status
    assert_security_headers(response)
    assert_not_stored(response)


async def test_metrics_carry_them_too(client: AsyncClient) -> None:
    # Harmless on a scrape, and one rule for every answer is easier to trust.
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert_security_headers(response)
    assert_not_stored(response)


async def test_api_answers_and_problems_are_never_stored(client: AsyncClient) -> None:
    ok = await client.get("/api/v1/meta")
    problem = await client.get("/api/v1/nothing-here")

    assert ok.status_code == 200
    assert_not_stored(ok)
    assert problem.headers["content-type"] == "application/problem+json"
    assert_not_stored(problem)


async def test_an_endpoint_may_choose_its_own_caching(cors_client: AsyncClient) -> None:
    response = await cors_client.get("/.well-known/test-keys")

    assert response.status_code == 200
    assert response.headers.get_list("cache-control") == ["public, max-age=300"]
    assert "pragma" not in response.headers
    assert_security_headers(response)


async def test_api_docs_get_a_policy_of_their_own(client: AsyncClient) -> None:
    response = await client.get("/api/docs")

    assert response.status_code == 200
    policy = csp(response)
    assert len(response.headers.get_list("content-security-policy")) == 1
    # The Swagger UI bundle and stylesheet from the CDN, its one inline script by hash.
    (inline,) = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", "https://cdn.jsdelivr.net", f"'sha256-{digest}'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    for url in re.findall(r'(?:src|href)="(https://[^"]+)"', response.text):
        host = "/".join(url.split("/")[:3])
        kind = (
            "script-src"
            if url.endswith(".js")
            else "style-src"
            if url.endswith(".css")
            else "img-src"
        )
        assert host in policy[kind], url
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["strict-transport-security"] == EXPECTED["strict-transport-security"]


async def test_no_cors_headers_without_configured_origins(offline_client: AsyncClient) -> None:
    simple = await offline_client.get("/test/items", headers={"Origin": SHOP})
    preflight = await offline_client.options(
        "/test/items", headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    )

    for response in (simple, preflight):
        assert not [h for h in response.headers if h.startswith("access-control-")]
    assert preflight.status_code == 405  # no CORS middleware: OPTIONS is not a route's method
    assert_security_headers(preflight)


async def test_listed_origin_may_read_answers(cors_client: AsyncClient) -> None:
    response = await cors_client.get("/test/items", headers={"Origin": SHOP})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "access-control-allow-credentials" not in response.headers
    exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {"ETag", "Location", "Retry-After", "X-Request-ID", "Content-Language"}
    assert "Origin" in response.headers["vary"]
    assert_security_headers(response)


@pytest.mark.parametrize(("path", "status"), [("/nowhere", 404), ("/test/boom", 500)])
async def test_listed_origin_may_read_errors(
    cors_client: AsyncClient, path: str, status: int
) -> None:
    response = await cors_client.get(path, headers={"Origin": SHOP, "X-Request-ID": "cross-1"})

    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == SHOP
    assert response.headers["x-request-id"] == "cross-1"
    assert_security_headers(response)


async def test_unlisted_origin_gets_no_allow_origin(cors_client: AsyncClient) -> None:
    response = await cors_client.get("/test/items", headers={"Origin": ELSEWHERE})

    assert response.status_code == 200  # the browser, not the server, withholds the answer
    assert "access-control-allow-origin" not in response.headers
    assert_security_headers(response)


async def test_preflight_from_a_listed_origin(cors_client: AsyncClient) -> None:
    response = await cors_client.options(
        "/test/items",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": (
                "authorization, content-type, idempotency-key, if-match, accept-language, "
                "x-request-id"
            ),
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SHOP
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert methods == {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {
        "authorization",
        "content-type",
        "idempotency-key",
        "if-match",
        "accept-language",
        "x-request-id",
    } <= allowed
    assert_security_headers(response, request_id=False)


@pytest.mark.parametrize(
    "origin",
    [ELSEWHERE, "https://shop.example.com.evil.net", "http://shop.example.com", "null"],
)
async def test_preflight_from_an_unlisted_origin_is_refused(
    cors_client: AsyncClient, origin: str
) -> None:
    response = await cors_client.options(
        "/test/items",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    assert_security_headers(response, request_id=False)


async def test_preflight_asking_for_an_unknown_header_is_refused(cors_client: AsyncClient) -> None:
    response = await cors_client.options(
        "/test/items",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-secret-backdoor",
        },
    )

    assert response.status_code == 400
