"""Running a browser script of web/scripts against a real `laskutin serve` (the e2e tests).

Each script drives Debian's chromium with playwright-core, talks to the API at
``LASKUTIN_E2E_API_URL``, prints ``ok``/``FAIL`` per step and exits non-zero on any failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
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


def node_binary() -> str:
    node = shutil.which("node")
    assert node is not None, "Node.js 20 is needed for the browser test"
    return node


def run_browser_script(
    script: str,
    api_url: str,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> str:
    """Run web/scripts/``script`` against ``api_url`` (with ``env`` added to the environment);
    fail with its output on any failed step. Returns the output."""
    assert (WEB / "dist" / "index.html").is_file(), "build the web app first: make web-build"
    assert Path(CHROMIUM).is_file(), "install Debian's chromium: apt-get install -y chromium"
    result = subprocess.run(
        [node_binary(), f"scripts/{script}"],
        cwd=WEB,
        env={
            **os.environ,
            "LASKUTIN_E2E_API_URL": api_url,
            "CHROME_PATH": CHROMIUM,
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output
    assert "FAIL" not in output, output
    return output


@contextlib.contextmanager
def building_web_app(out_dir: Path, *, version: str) -> Iterator[Callable[[], Path]]:
    """Build the web app into ``out_dir`` in the background, showing ``version``
    (LASKUTIN_APP_VERSION, read by web/vite.config.ts): a second version to deploy under an
    open app. Yields a function that waits for the build and answers ``out_dir``."""
    log = out_dir.parent / f"{out_dir.name}.build.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                node_binary(),
                "node_modules/vite/bin/vite.js",
                "build",
                "--outDir",
                str(out_dir),
                "--emptyOutDir",
                "--logLevel",
                "warn",
            ],
            cwd=WEB,
            env={**os.environ, "LASKUTIN_APP_VERSION": version},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def finished() -> Path:
        code = process.wait(timeout=300)
        assert code == 0, f"the second build failed:\n{log.read_text(errors='replace')}"
        assert (out_dir / "sw.js").is_file(), "the second build has no service worker"
        return out_dir

    try:
        yield finished
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
