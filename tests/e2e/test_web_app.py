"""The built web app in Debian's Chromium against a real `laskutin serve` (issue 7).

`make test` builds web/dist and installs the `chromium` package first; this test runs the
browser script web/scripts/e2e.mjs (playwright-core, no downloaded browser) with the API of a
`laskutin serve` process on a throwaway database, and fails on any failed step.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cluster
from tests.e2e.browser import api_env, run_browser_script, serving


@pytest.mark.slow
def test_the_pwa_signs_up_lists_works_offline_and_signs_out(
    cluster: Cluster, database: str, workdir: Path
) -> None:
    with serving(api_env(cluster, database), workdir) as (base, _):
        run_browser_script("e2e.mjs", base)
