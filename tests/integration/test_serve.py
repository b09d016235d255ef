"""`laskutin serve` as a real process: ready, then a graceful drain on SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE
from tests.conftest import Cluster
from tests.integration.procs import free_port, laskutin_env, spawn, wait_http_ready


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
