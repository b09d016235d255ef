"""The dashboard and the offline data (IndexedDB) of the built web app in Debian's Chromium
against a real `laskutin serve` (issue 7): web/scripts/e2e-dashboard.mjs, any failed step fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cluster
from tests.e2e.browser import api_env, run_browser_script, serving


@pytest.mark.slow
def test_the_dashboard_shows_figures_and_the_last_loaded_data_offline(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    with serving(api_env(cluster, database), workdir) as (base, _):
        run_browser_script("e2e-dashboard.mjs", base)
