"""`laskutin serve`: uvicorn with the shutdown a load balancer needs.

On SIGTERM (or Ctrl-C): /readyz answers 503 at once, requests keep being served for
``shutdown_drain_seconds`` so the load balancer notices, then the listening socket closes and
running requests get ``shutdown_timeout_seconds`` to finish. A second signal stops at once.
Why uvicorn and not granian: docs/adr/0001-asgi-server.md.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from laskutin.app import create_app
from laskutin.core.lifecycle import Lifecycle
from laskutin.core.preflight import bind_socket
from laskutin.core.settings import Settings

log = logging.getLogger("laskutin.server")


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, lifecycle: Lifecycle, drain_seconds: float) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.drain_seconds = drain_seconds
        self._stop_at: float | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Unlike uvicorn's own, this does not re-raise the signal afterwards: a drained,
        # graceful stop exits 0.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self._on_signal) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        if self.lifecycle.draining:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True
            return
        self.lifecycle.begin_drain()
        log.info(
            "%s received: not ready, serving %.1f s more, then stopping",
            signal.Signals(sig).name,
            self.drain_seconds,
        )
        self._stop_at = time.monotonic() + self.drain_seconds

    async def on_tick(self, counter: int) -> bool:
        if self._stop_at is not None and time.monotonic() >= self._stop_at:
            self.should_exit = True
        return await super().on_tick(counter)


def build_server(settings: Settings, app: ASGIApp, lifecycle: Lifecycle) -> DrainingServer:
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        server_header=False,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        # 0 means "do not wait" (uvicorn's None would wait for ever); parts of a second round
        # up, so that a short grace is not turned into none.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_seconds),
        timeout_keep_alive=5,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return DrainingServer(config, lifecycle, settings.shutdown_drain_seconds)


def serve(settings: Settings, host: str, port: int) -> None:
    sock = bind_socket(host, port)  # fails with one clear line before anything else starts
    app = create_app(settings)
    server = build_server(settings, app, app.state.lifecycle)
    log.info("serving on http://%s:%d", host, sock.getsockname()[1])
    server.run(sockets=[sock])
