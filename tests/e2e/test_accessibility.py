"""Accessibility of every screen of the built web app in Debian's Chromium against a real
`laskutin serve` (issue 7): web/scripts/e2e-a11y.mjs runs axe-core (WCAG 2.0/2.1 A and AA plus
best practices) on each screen, in Finnish (sign-in and the dashboard also in Swedish and
English), on a desktop and a 360 px phone viewport; any serious or critical violation fails.

Development mode, with a worker and `laskutin mailcatcher`, so the development mailbox screen
has the sign-up mail to show."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cluster
from tests.e2e.browser import api_env, run_browser_script, serving
from tests.integration.procs import free_port, spawn


@pytest.mark.slow
def test_axe_core_finds_no_serious_or_critical_violation_on_any_screen(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    smtp_port = free_port()
    env = api_env(cluster, database, env="development", smtp_port=smtp_port)
    with (
        spawn("mailcatcher", "--port", str(smtp_port), env=env, cwd=workdir, name="catcher"),
        serving(env, workdir) as (base, _),
        spawn("worker", "--name", "e2e-a11y", env=env, cwd=workdir, name="worker"),
    ):
        run_browser_script("e2e-a11y.mjs", base)
