"""Customers, products, settings (company, bank accounts, logo, members), the account-mail pages
and the development mailbox of the built web app in Debian's Chromium against a real
`laskutin serve` in development mode, with a worker and `laskutin mailcatcher` so the sign-up and
password-reset mails arrive (issue 7): web/scripts/e2e-settings.mjs, any failed step fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cluster
from tests.e2e.browser import api_env, run_browser_script, serving
from tests.integration.procs import free_port, spawn


@pytest.mark.slow
def test_customers_products_settings_and_the_account_mail_pages(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    smtp_port = free_port()
    env = api_env(cluster, database, env="development", smtp_port=smtp_port)
    with (
        spawn("mailcatcher", "--port", str(smtp_port), env=env, cwd=workdir, name="catcher"),
        serving(env, workdir) as (base, _),
        spawn("worker", "--name", "e2e-settings", env=env, cwd=workdir, name="worker"),
    ):
        run_browser_script("e2e-settings.mjs", base)
