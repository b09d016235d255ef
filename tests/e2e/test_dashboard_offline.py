"""The dashboard and the offline data (IndexedDB) of the built web app in Debian's Chromium
against a real `laskutin serve` (issue 7): web/scripts/e2e-dashboard.mjs, any failed step fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE
from tests.conftest import Cluster, make_temp_dir
from tests.integration.procs import free_port, laskutin_env, remove_tree, spawn, wait_http_ready

WEB = Path(__file__).resolve().parents[2] / "web"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = make_temp_dir("laskutin-e2e-dash-")
    try:
        yield path
    finally:
        remove_tree(path)


@pytest.mark.slow
def test_the_dashboard_shows_figures_and_the_last_loaded_data_offline(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    assert (WEB / "dist" / "index.html").is_file(), "build the web app first: make web-build"
    assert Path(CHROMIUM).is_file(), "install Debian's chromium: apt-get install -y chromium"
    node = shutil.which("node")
    assert node is not None, "Node.js 20 is needed for the browser test"
    env = laskutin_env(
        database_url=cluster.url(EMBEDDED_APP_ROLE, database).libpq_url(),
        migration_database_url=cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url(),
        shutdown_drain_seconds=0,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with spawn(
        "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=workdir, name="serve"
    ) as api:
        wait_http_ready(api, f"{base}/readyz")
        result = subprocess.run(
            [node, "scripts/e2e-dashboard.mjs"],
            cwd=WEB,
            env={**os.environ, "LASKUTIN_E2E_API_URL": base, "CHROME_PATH": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=300,
        )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output
    assert "FAIL" not in output, output
