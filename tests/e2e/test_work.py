"""Quotes, recurring invoices, CSV import, copying an invoice and the OpenID Connect parts of the
sign-in page and the settings of the built web app in Debian's Chromium against a real
`laskutin serve` in development mode with a worker (the import runs there):
web/scripts/e2e-work.mjs, any failed step fails. The second test gives the server a real OpenID
provider (tests/oidc/provider.mjs, as tests/integration/test_oidc.py does) and runs the script's
OIDC steps: linking in the settings, signing in (and up) from the sign-in page, refused codes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cluster
from tests.e2e.browser import api_env, run_browser_script, serving
from tests.integration.procs import free_port, spawn, wait_http_ready
from tests.integration.test_oidc import CLIENT_ID, CLIENT_SECRET, PROVIDER_DIR, _npm_ci


@pytest.mark.slow
def test_quotes_recurring_import_and_copy(cluster: Cluster, database: str, workdir: Path) -> None:
    env = api_env(cluster, database, env="development")
    with (
        serving(env, workdir) as (base, _),
        spawn("worker", "--name", "e2e-work", env=env, cwd=workdir, name="worker"),
    ):
        run_browser_script("e2e-work.mjs", base)


@contextlib.contextmanager
def oidc_provider(callback: str) -> Iterator[str]:
    """node-oidc-provider on 127.0.0.1 for our callback; its issuer URL."""
    _npm_ci()
    node = shutil.which("node")
    assert node is not None
    process = subprocess.Popen(
        [node, "provider.mjs", CLIENT_ID, CLIENT_SECRET, callback],
        cwd=PROVIDER_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NODE_ENV": "test"},
    )
    first: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            first.append(raw.decode(errors="replace"))
            ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "the OpenID provider did not start"
        yield str(json.loads(first[0])["issuer"])
    finally:
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()  # the provider stops when its input closes
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@pytest.mark.slow
def test_oidc_sign_in_and_link_in_the_browser(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with oidc_provider(f"{base}/api/v1/auth/oidc/callback") as issuer:
        provider = {
            "id": "test",
            "name": "Test IdP",
            "issuer": issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        env = api_env(
            cluster,
            database,
            env="development",
            public_url=base,
            oidc_providers=json.dumps([provider]),
        )
        args = ("serve", "--host", "127.0.0.1", "--port", str(port))
        with spawn(*args, env=env, cwd=workdir, name="serve") as api:
            wait_http_ready(api, f"{base}/readyz")
            run_browser_script("e2e-work.mjs", base, env={"LASKUTIN_E2E_OIDC": "1"})
