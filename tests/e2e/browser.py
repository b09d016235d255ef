"""Running a browser script of web/scripts against a real `laskutin serve` (the e2e tests).

Each script drives Debian's chromium with playwright-core, talks to the API at
``LASKUTIN_E2E_API_URL``, prints ``ok``/``FAIL`` per step and exits non-zero on any failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE
from tests.conftest import Cluster
from tests.integration.procs import Spawned, free_port, laskutin_env, spawn, wait_http_ready

WEB = Path(__file__).resolve().parents[2] / "web"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


def api_env(cluster: Cluster, database: str, **values: object) -> dict[str, str]:
    """The environment of `laskutin` processes on the test's database, plus ``values``."""
    return laskutin_env(
        database_url=cluster.url(EMBEDDED_APP_ROLE, database).libpq_url(),
        migration_database_url=cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url(),
        shutdown_drain_seconds=0,
        **values,
    )


@contextlib.contextmanager
def serving(env: dict[str, str], workdir: Path) -> Iterator[tuple[str, Spawned]]:
    """A ready `laskutin serve` on a free port: its base URL and process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ("serve", "--host", "127.0.0.1", "--port", str(port))
    with spawn(*args, env=env, cwd=workdir, name="serve") as api:
        wait_http_ready(api, f"{base}/readyz")
        yield base, api


def run_browser_script(script: str, api_url: str) -> None:
    """Run web/scripts/``script`` against ``api_url``; fail with its output on any failed step."""
    assert (WEB / "dist" / "index.html").is_file(), "build the web app first: make web-build"
    assert Path(CHROMIUM).is_file(), "install Debian's chromium: apt-get install -y chromium"
    node = shutil.which("node")
    assert node is not None, "Node.js 20 is needed for the browser test"
    result = subprocess.run(
        [node, f"scripts/{script}"],
        cwd=WEB,
        env={**os.environ, "LASKUTIN_E2E_API_URL": api_url, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output
    assert "FAIL" not in output, output
