"""`laskutin serve` as a real process: ready, then a graceful drain on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from laskutin.core.lifecycle import Lifecycle
from laskutin.core.preflight import bind_socket
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE, Settings
from laskutin.server import build_server
from tests.conftest import Cluster
from tests.integration.procs import free_port, laskutin_env, spawn, wait_http_ready

SLOW_REQUEST_SECONDS = 60.0


@pytest.mark.slow
def test_serve_is_ready_then_drains_on_sigterm(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    env = laskutin_env(
        database_url=cluster.url(EMBEDDED_APP_ROLE, database).libpq_url(),
        migration_database_url=cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url(),
        shutdown_drain_seconds=2,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with spawn(
        "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=workdir, name="serve"
    ) as serve:
        ready = wait_http_ready(serve, f"{base}/readyz")
        assert ready.json() == {"status": "ready"}

        with httpx.Client(timeout=5) as client:
            serve.signal(signal.SIGTERM)
            # The signal is handled between requests; give it a moment (well inside the drain).
            unready = client.get(f"{base}/readyz")
            deadline = time.monotonic() + 1.0
            while unready.status_code == 200 and time.monotonic() < deadline:
                time.sleep(0.02)
                unready = client.get(f"{base}/readyz")
            assert unready.status_code == 503, unready.text
            assert unready.headers["content-type"].startswith("application/problem+json")
            assert unready.json()["type"] == "/problems/shutting-down"

            # Still serving everything else while the load balancer takes notice.
            health = client.get(f"{base}/healthz")
            assert health.status_code == 200
            assert client.get(f"{base}/readyz").status_code == 503

        assert serve.wait() == 0, serve.output()
        assert "Traceback" not in serve.output()


@pytest.mark.slow
@pytest.mark.parametrize("grace", [0.0, 0.5])
async def test_running_requests_get_only_the_configured_grace(grace: float) -> None:
    """LASKUTIN_SHUTDOWN_TIMEOUT_SECONDS bounds how long a stopping server waits for running
    requests; 0 (or a part of a second) must not mean "wait for ever"."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        shutdown_drain_seconds=0,
        shutdown_timeout_seconds=grace,
    )
    app = FastAPI()
    entered = asyncio.Event()

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        entered.set()
        await asyncio.sleep(SLOW_REQUEST_SECONDS)
        return {"status": "finally"}

    lifecycle = Lifecycle()
    server = build_server(settings, app, lifecycle)
    server.config.loop = "asyncio"  # it runs inside the test's event loop
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with httpx.AsyncClient(timeout=SLOW_REQUEST_SECONDS * 2) as client:
            while not server.started:
                assert not serving.done(), "the server ended before it started"
                await asyncio.sleep(0.02)
            request = asyncio.create_task(client.get(f"http://127.0.0.1:{port}/slow"))
            async with asyncio.timeout(30):
                await entered.wait()

            server._on_signal(signal.SIGTERM, None)  # what SIGTERM calls
            assert lifecycle.draining
            # Bounded well below the slow request: the server must stop without waiting it out.
            async with asyncio.timeout(SLOW_REQUEST_SECONDS / 2):
                await serving
            # The request was cut off: an error answer, or a closed connection.
            try:
                response = await request
            except httpx.TransportError:
                pass
            else:
                assert response.status_code >= 500, response.text
    finally:
        if not serving.done():
            server.force_exit = server.should_exit = True
            with contextlib.suppress(BaseException):
                await serving
        sock.close()
