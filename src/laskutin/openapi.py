"""The API contract as committed in openapi/openapi.json."""

from __future__ import annotations

import json

from laskutin.app import create_app
from laskutin.core.settings import Settings


def render_openapi() -> str:
    # The contract does not depend on settings, so none are read: a bad LASKUTIN_* variable
    # or .env line cannot change or break it. Defaults, unvalidated, are enough to build it.
    app = create_app(Settings.model_construct())
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
