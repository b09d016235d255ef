"""The built front end served by `laskutin serve`: CDN-like cache headers, SPA fallback, safety."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from laskutin.app import create_app
from laskutin.core.settings import PROJECT_ROOT, Settings
from laskutin.web_static import accepts_gzip
from tests.api.conftest import NO_DATABASE, serve
from tests.api.test_metrics import label_values, scrape, value
from tests.api.test_security_headers import assert_security_headers, csp

IMMUTABLE = "public, max-age=31536000, immutable"
INDEX = b"<!doctype html><html><head><title>Laskutin</title></head><body>app</body></html>\n"
SECRET = b"outside the dist folder\n"
FILES: dict[str, bytes] = {
    "index.html": INDEX,
    "assets/app-abc123.js": b"console.log('app');\n",
    "assets/app-abc123.css": b"body{margin:0}\n",
    "assets/inter-abc123.woff2": b"wOF2 not really a font",
    "assets/logo-abc123.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    "sw.js": b"importScripts('workbox-9f8e7d.js');\n",
    "registerSW.js": b"navigator.serviceWorker.register('/sw.js');\n",
    "workbox-9f8e7d.js": b"// workbox\n",
    "manifest.webmanifest": b'{"name":"Laskutin"}',
    "icon.png": b"\x89PNG\r\n\x1a\nnot really",
    "favicon.ico": b"\x00\x00\x01\x00",
    "data.bin": b"\x00\x01",
    # 1 KiB or more: sent gzip-compressed to a client that accepts it
    "assets/big-abc123.js": b"export const words = '" + b"lasku " * 400 + b"'\n",
    "assets/big-abc123.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000,
    ".env": b"SECRET=1\n",
}


def make_dist(root: Path) -> Path:
    dist = root / "dist"
    for name, content in FILES.items():
        path = dist / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (root / "secret.txt").write_bytes(SECRET)
    (dist / "escape.txt").symlink_to(root / "secret.txt")
    (dist / "escape-dir").symlink_to(root, target_is_directory=True)
    (dist / "folder.js").mkdir()
    return dist


def web_settings(dist: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": NO_DATABASE,
        "log_format": "text",
        "serve_web": True,
        "web_dist_dir": dist,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    return make_dist(tmp_path)


@pytest.fixture
def web_app(dist: Path) -> FastAPI:
    return create_app(web_settings(dist))


@pytest.fixture
async def web(web_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with serve(web_app) as http:
        yield http


def assert_index(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.content == INDEX
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"


def assert_problem_404(response: httpx.Response) -> None:
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-found"
    assert response.headers["cache-control"] == "no-store"


async def raw_get(app: FastAPI, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` exactly as given (httpx would remove its dot segments), as uvicorn passes it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []
    request_done = False

    async def receive() -> dict[str, Any]:
        nonlocal request_done
        if not request_done:
            request_done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, body


# --- cache headers and content types ---


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/assets/app-abc123.js", "text/javascript; charset=utf-8"),
        ("/assets/app-abc123.css", "text/css; charset=utf-8"),
        ("/assets/inter-abc123.woff2", "font/woff2"),
        ("/assets/logo-abc123.svg", "image/svg+xml"),
    ],
)
async def test_hashed_assets_are_cached_for_a_year(
    web: AsyncClient, path: str, content_type: str
) -> None:
    response = await web.get(path)

    assert response.status_code == 200
    assert response.content == FILES[path.removeprefix("/")]
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == IMMUTABLE
    assert "pragma" not in response.headers
    assert response.headers["etag"]
    assert response.headers["last-modified"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/index.html", "text/html; charset=utf-8"),
        ("/sw.js", "text/javascript; charset=utf-8"),
        ("/registerSW.js", "text/javascript; charset=utf-8"),
        ("/workbox-9f8e7d.js", "text/javascript; charset=utf-8"),
        ("/manifest.webmanifest", "application/manifest+json"),
        ("/icon.png", "image/png"),
        ("/favicon.ico", "image/x-icon"),
        ("/data.bin", "application/octet-stream"),
    ],
)
async def test_files_outside_assets_are_revalidated(
    web: AsyncClient, path: str, content_type: str
) -> None:
    response = await web.get(path)

    assert response.status_code == 200
    assert response.content == FILES[path.removeprefix("/")]
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "no-cache"
    assert "pragma" not in response.headers
    assert response.headers["etag"]


# --- the single-page app fallback ---


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/invoices/123",
        "/settings",
        "/invoices/",
        "/customers/42/edit",
        # Only the server's own paths are reserved, segment by segment, not as text prefixes.
        "/metricsx",
        "/apiary",
        "/healthzz",
        "/readyz-page",
        "/assetsx/y",
    ],
)
async def test_app_routes_answer_index_html(web: AsyncClient, path: str) -> None:
    assert_index(await web.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api",
        "/api/",
        "/api/v2/invoices",
        "/.well-known/nope",
        "/.well-known",
        "/healthz/more",
        "/readyz/more",
        "/metrics/more",
    ],
)
async def test_the_servers_own_paths_keep_their_404_problem(web: AsyncClient, path: str) -> None:
    assert_problem_404(await web.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/assets/missing.js",
        "/assets/missing",
        "/assets",
        "/assets/",
        "/missing.js",
        "/robots.txt",
        "/invoices/1/missing.pdf",
        "/folder.js",  # a folder, not a file
    ],
)
async def test_missing_files_are_404_not_index_html(web: AsyncClient, path: str) -> None:
    assert_problem_404(await web.get(path))


async def test_api_routes_win(web: AsyncClient) -> None:
    health = await web.get("/healthz")
    openapi = await web.get("/api/v1/openapi.json")

    assert health.json() == {"status": "ok"}
    assert health.headers["cache-control"] == "no-store"
    assert openapi.json()["openapi"].startswith("3.")
    assert openapi.headers["cache-control"] == "no-store"


async def test_a_route_added_after_create_app_still_wins(web_app: FastAPI) -> None:
    @web_app.get("/late/route")
    async def late() -> dict[str, bool]:
        return {"late": True}

    async with serve(web_app) as web:
        response = await web.get("/late/route")

    assert response.json() == {"late": True}


async def test_the_web_app_is_not_in_the_openapi_document(web_app: FastAPI, dist: Path) -> None:
    api_only = create_app(web_settings(dist, serve_web=False))

    assert web_app.openapi() == api_only.openapi()


async def test_other_methods_are_refused(web: AsyncClient) -> None:
    app_route = await web.post("/invoices/123", json={})
    asset = await web.delete("/assets/app-abc123.js")
    api = await web.post("/api/v1/nope", json={})
    probe = await web.delete("/healthz")

    for response in (app_route, asset):
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD"
        assert response.headers["content-type"] == "application/problem+json"
    assert_problem_404(api)  # not a 405: the web app has nothing under /api
    assert probe.status_code == 405
    assert probe.headers["allow"] == "GET, HEAD"


# --- safety ---


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../../secret.txt",
        "/../secret.txt",
        "/assets/../../etc/passwd",
        "/./index.html",
        "/assets/./app-abc123.js",
        "/.env",
        "/assets/..",
    ],
)
async def test_dot_segments_are_refused(web_app: FastAPI, path: str) -> None:
    status, headers, body = await raw_get(web_app, path)

    assert status == 404
    assert headers["content-type"] == "application/problem+json"
    assert SECRET not in body
    assert INDEX not in body


@pytest.mark.parametrize(
    "path",
    [
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%5csecret.txt",
        "/%2e%2e%5csecret.txt",
        "/%2eenv",
        "/index.html%00.png",
    ],
)
async def test_encoded_traversal_is_refused(web: AsyncClient, path: str) -> None:
    response = await web.get(path)

    assert response.status_code == 404
    assert SECRET not in response.content
    assert INDEX not in response.content


@pytest.mark.parametrize("path", ["/escape.txt", "/escape-dir/secret.txt"])
async def test_symlinks_out_of_the_folder_are_not_followed(web: AsyncClient, path: str) -> None:
    response = await web.get(path)

    assert_problem_404(response)
    assert SECRET not in response.content


async def test_no_dot_files(web: AsyncClient) -> None:
    response = await web.get("/.env")

    assert_problem_404(response)


# --- conditional requests and HEAD ---


@pytest.mark.parametrize(
    ("path", "cache"),
    [("/assets/app-abc123.js", IMMUTABLE), ("/sw.js", "no-cache"), ("/invoices/9", "no-cache")],
)
async def test_if_none_match_answers_304_with_the_same_cache_headers(
    web: AsyncClient, path: str, cache: str
) -> None:
    first = await web.get(path)

    again = await web.get(path, headers={"If-None-Match": first.headers["etag"]})
    weak = await web.get(path, headers={"If-None-Match": f'"other", W/{first.headers["etag"]}'})
    other = await web.get(path, headers={"If-None-Match": '"other"'})

    for response in (again, weak):
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == first.headers["etag"]
        assert response.headers["cache-control"] == cache
        assert "pragma" not in response.headers
        assert_security_headers(response)
    assert other.status_code == 200
    assert other.content == first.content


async def test_if_modified_since_answers_304(web: AsyncClient) -> None:
    first = await web.get("/manifest.webmanifest")

    again = await web.get(
        "/manifest.webmanifest", headers={"If-Modified-Since": first.headers["last-modified"]}
    )

    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"


async def test_a_changed_file_gets_a_new_etag(web: AsyncClient, dist: Path) -> None:
    first = await web.get("/sw.js")
    (dist / "sw.js").write_bytes(b"// version 2, longer than before\n")

    again = await web.get("/sw.js", headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 200
    assert again.content == b"// version 2, longer than before\n"
    assert again.headers["etag"] != first.headers["etag"]


@pytest.mark.parametrize(
    ("path", "size", "cache"),
    [
        ("/assets/app-abc123.js", len(FILES["assets/app-abc123.js"]), IMMUTABLE),
        ("/manifest.webmanifest", len(FILES["manifest.webmanifest"]), "no-cache"),
        ("/invoices/123", len(INDEX), "no-cache"),
    ],
)
async def test_head(web: AsyncClient, path: str, size: int, cache: str) -> None:
    response = await web.head(path)

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(size)
    assert response.headers["cache-control"] == cache
    assert response.headers["etag"]


async def test_head_of_a_missing_asset_is_404(web: AsyncClient) -> None:
    response = await web.head("/assets/missing.js")

    assert response.status_code == 404


async def test_ranges_are_served(web: AsyncClient) -> None:
    response = await web.get("/assets/app-abc123.js", headers={"Range": "bytes=0-6"})

    assert response.status_code == 206
    assert response.content == FILES["assets/app-abc123.js"][:7]
    assert response.headers["cache-control"] == IMMUTABLE


async def test_metrics_count_the_web_app_under_one_route(web: AsyncClient) -> None:
    before = await scrape(web)

    for path in ("/invoices/1", "/invoices/2", "/assets/app-abc123.js"):
        assert (await web.get(path)).status_code == 200
    assert (await web.get("/api/v1/nothing-here")).status_code == 404

    after = await scrape(web)
    total = "laskutin_http_requests_total"
    served = {"method": "GET", "route": "/{path:path}", "status": "200"}
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, total, **served) - value(before, total, **served) == 3
    assert value(after, total, **unmatched) - value(before, total, **unmatched) == 1
    assert not {"/invoices/1", "/assets/app-abc123.js"} & label_values(after, total, "route")


# --- security headers ---


@pytest.mark.parametrize(
    "path", ["/", "/invoices/1", "/assets/app-abc123.js", "/sw.js", "/assets/missing.js"]
)
async def test_security_headers_apply_to_the_web_app(web: AsyncClient, path: str) -> None:
    response = await web.get(path)

    assert_security_headers(response)


async def test_the_policy_lets_the_app_run_and_show_a_pdf(web: AsyncClient) -> None:
    policy = csp(await web.get("/"))

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]  # no 'unsafe-inline' (docs/operations.md)
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["worker-src"] == ["'self'"]
    assert policy["manifest-src"] == ["'self'"]
    assert policy["frame-src"] == ["'self'", "blob:"]
    assert policy["frame-ancestors"] == ["'none'"]


# --- not built, and turned off ---


@pytest.mark.parametrize("folder", ["missing", "empty"])
async def test_an_unbuilt_web_app_says_how_to_build_it(tmp_path: Path, folder: str) -> None:
    dist = tmp_path / folder
    if folder == "empty":
        (dist / "assets").mkdir(parents=True)
    async with serve(create_app(web_settings(dist))) as web:
        root = await web.get("/")
        route = await web.get("/invoices/1")
        head = await web.head("/")
        asset = await web.get("/assets/app-abc123.js")
        health = await web.get("/healthz")

    for response in (root, route):
        assert response.status_code == 404
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "The web app is not built" in response.text
        assert "make run" in response.text
        assert "LASKUTIN_WEB_DIST_DIR" in response.text
        assert str(tmp_path) not in response.text  # no server paths to visitors
        assert response.headers["cache-control"] == "no-store"
        assert_security_headers(response)
    assert head.status_code == 404
    assert_problem_404(asset)
    assert health.status_code == 200


async def test_the_web_app_appears_once_built(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    async with serve(create_app(web_settings(dist))) as web:
        before = await web.get("/settings")
        make_dist(tmp_path)
        after = await web.get("/settings")

    assert before.status_code == 404
    assert_index(after)


async def test_serving_turned_off_leaves_the_api_alone(dist: Path) -> None:
    async with serve(create_app(web_settings(dist, serve_web=False))) as api:
        root = await api.get("/")
        route = await api.get("/invoices/1")
        asset = await api.get("/assets/app-abc123.js")

    assert root.json()["name"] == "Laskutin"
    assert root.headers["cache-control"] == "no-store"
    assert_problem_404(route)
    assert_problem_404(asset)


def test_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LASKUTIN_WEB_DIST_DIR", raising=False)
    monkeypatch.delenv("LASKUTIN_SERVE_WEB", raising=False)
    default = Settings(_env_file=None)  # type: ignore[call-arg]
    assert default.serve_web is True
    assert default.web_dist_dir == PROJECT_ROOT / "web" / "dist"

    monkeypatch.setenv("LASKUTIN_WEB_DIST_DIR", "build/web")
    monkeypatch.setenv("LASKUTIN_SERVE_WEB", "false")
    monkeypatch.chdir(tmp_path)
    configured = Settings(_env_file=None)  # type: ignore[call-arg]

    assert configured.serve_web is False
    assert configured.resolved_web_dist_dir == tmp_path / "build" / "web"


# --- compression ---

BIG_JS = FILES["assets/big-abc123.js"]


async def test_text_files_go_gzip_compressed_to_a_client_that_accepts_it(web: AsyncClient) -> None:
    response = await web.get("/assets/big-abc123.js", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.content == BIG_JS  # httpx decoded it
    assert int(response.headers["content-length"]) < len(BIG_JS) / 10
    assert_security_headers(response)
    async with web.stream("GET", "/assets/big-abc123.js", headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join([chunk async for chunk in r.aiter_raw()])
    assert gzip.decompress(raw) == BIG_JS


async def test_without_gzip_in_accept_encoding_the_file_goes_as_it_is(web: AsyncClient) -> None:
    for accept in ("identity", "gzip;q=0", "br", "*;q=0"):
        response = await web.get("/assets/big-abc123.js", headers={"Accept-Encoding": accept})

        assert "content-encoding" not in response.headers, accept
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers["content-length"] == str(len(BIG_JS))
        assert response.content == BIG_JS


async def test_the_compressed_answer_has_its_own_etag_and_answers_304(web: AsyncClient) -> None:
    plain = await web.get("/assets/big-abc123.js", headers={"Accept-Encoding": "identity"})
    packed = await web.get("/assets/big-abc123.js", headers={"Accept-Encoding": "gzip"})

    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    again = await web.get(
        "/assets/big-abc123.js",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.headers["etag"] == packed.headers["etag"]
    assert again.headers["cache-control"] == IMMUTABLE


async def test_a_changed_file_is_compressed_again(web: AsyncClient, dist: Path) -> None:
    first = await web.get("/assets/big-abc123.js", headers={"Accept-Encoding": "gzip"})
    (dist / "assets/big-abc123.js").write_bytes(BIG_JS + b"// two\n" * 10)

    again = await web.get("/assets/big-abc123.js", headers={"Accept-Encoding": "gzip"})

    assert again.content == BIG_JS + b"// two\n" * 10
    assert again.headers["etag"] != first.headers["etag"]


async def test_small_files_images_and_ranges_are_not_compressed(web: AsyncClient) -> None:
    small = await web.get("/assets/app-abc123.js", headers={"Accept-Encoding": "gzip"})
    image = await web.get("/assets/big-abc123.png", headers={"Accept-Encoding": "gzip"})
    part = await web.get(
        "/assets/big-abc123.js", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-6"}
    )

    for response in (small, image):
        assert "content-encoding" not in response.headers
        assert "vary" not in response.headers
    assert part.status_code == 206
    assert "content-encoding" not in part.headers
    assert part.content == BIG_JS[:7]


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("GZIP", True),
        ("", False),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *", False),
        ("*;q=0", False),
        ("br, *;q=0.5", True),
        ("gzip;q=bad", False),
    ],
)
def test_accept_encoding(header: str, allowed: bool) -> None:
    assert accepts_gzip(header) is allowed
