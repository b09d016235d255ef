"""The app as a module-level ASGI object, for servers started by their own command line.

bench/asgi_servers.py serves ``_asgi_app:app`` with the uvicorn and granian CLIs. Settings come
from LASKUTIN_* variables, exactly as for ``laskutin serve``.
"""

from laskutin.app import create_app
from laskutin.core.logging import configure_logging
from laskutin.core.settings import load_settings

settings = load_settings()
configure_logging(settings.log_level, settings.log_format)
app = create_app(settings)
