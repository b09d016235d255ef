"""`laskutin serve --web-only` (issue 10): web/dist with the CDN-like headers, health checks,
no API and no database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from laskutin.core.settings import Settings
from laskutin.web_server import create_web_app
from laskutin.web_static import IMMUTABLE, REVALIDATE


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Laskutin</title>")
    (tmp_path / "assets" / "app-1234abcd.js").write_text("console.log(1)")
    return tmp_path


async def test_serves_web_dist_with_cdn_headers_and_nothing_of_the_api(dist: Path) -> None:
    # No database URL that works: the web-only app never connects.
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        web_dist_dir=dist,
        database_url="postgresql://nobody@127.0.0.1:1/none",
    )
    app = create_web_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
        index = await client.get("/")
        assert index.status_code == 200
        assert index.headers["cache-control"] == REVALIDATE
        assert "Laskutin" in index.text
        assert index.headers["x-content-type-options"] == "nosniff"

        route = await client.get("/invoices/123")
        assert route.status_code == 200
        assert route.text == index.text

        asset = await client.get("/assets/app-1234abcd.js")
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == IMMUTABLE

        assert (await client.get("/assets/missing.js")).status_code == 404
        assert (await client.get("/api/v1/invoices")).status_code == 404
        assert (await client.get("/.well-known/openid-configuration")).status_code == 404

        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        app.state.lifecycle.begin_drain()
        draining = await client.get("/readyz")
        assert draining.status_code == 503
        assert draining.headers["retry-after"] == "5"
        assert (await client.get("/")).status_code == 200  # still serving while draining
