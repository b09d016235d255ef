"""Invitations, the invitation page, two-factor sign-in and API keys of the built web app in
Debian's Chromium against a real `laskutin serve` in development mode, with a worker and
`laskutin mailcatcher` so the invitation mails arrive (issue 8): web/scripts/e2e-access.mjs, any
failed step fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cluster
from tests.e2e.browser import api_env, run_browser_script, serving
from tests.integration.procs import free_port, spawn


@pytest.mark.slow
def test_invitations_two_factor_and_api_keys(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    smtp_port = free_port()
    env = api_env(cluster, database, env="development", smtp_port=smtp_port)
    with (
        spawn("mailcatcher", "--port", str(smtp_port), env=env, cwd=workdir, name="catcher"),
        serving(env, workdir) as (base, _),
        spawn("worker", "--name", "e2e-access", env=env, cwd=workdir, name="worker"),
    ):
        run_browser_script("e2e-access.mjs", base)
