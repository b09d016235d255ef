"""The app under granian's embedded server, with the drain that `laskutin serve` has.

bench/asgi_servers.py runs this as "granian-embedded". It checks whether granian could give us
the shutdown we need. granian's command line has no drain option: on SIGTERM it stops accepting
at once, and the app hears of it only afterwards, through lifespan.shutdown. Its embedded server
(marked experimental by granian, one worker, runs on our event loop) has a ``stop()`` that we can
call when we like. So on SIGTERM this script marks the app as draining (/readyz answers 503),
keeps serving for LASKUTIN_SHUTDOWN_DRAIN_SECONDS, then stops. A second signal stops at once.

    python bench/_granian_embedded.py --port 8001
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import uvloop
from granian.server.embed import Server

from laskutin.app import create_app
from laskutin.core.logging import configure_logging
from laskutin.core.settings import load_settings


async def serve(host: str, port: int) -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    server = Server(app, interface="asgi", address=host, port=port, log_level="warning")
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if app.state.lifecycle.draining:
            server.stop()
            return
        app.state.lifecycle.begin_drain()
        loop.call_later(settings.shutdown_drain_seconds, server.stop)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    await server.serve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvloop.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
