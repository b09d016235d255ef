"""The API contract as committed in openapi/openapi.json."""

from __future__ import annotations

import json

from laskutin.app import create_app
from laskutin.core.settings import load_settings


def render_openapi() -> str:
    # The contract does not depend on settings; development defaults are enough to build it.
    app = create_app(load_settings(env="development", database_url=None))
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
