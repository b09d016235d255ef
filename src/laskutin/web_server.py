"""`laskutin serve --web-only`: the built front end (web/dist) and nothing else.

It stands where production has a CDN in front of object storage (docs/deploy.md): the same
files with the same cache headers as `laskutin serve` sends in the single-machine mode
(web_static.py: ``/assets/*`` immutable for a year, the rest ``no-cache`` with an ETag,
index.html for the app's routes, gzip), the same security headers, and ``/healthz`` and
``/readyz`` for the load balancer's checks. It needs no database and holds no state. The
server's own paths (``/api``, ``/.well-known``, ``/metrics``) answer 404: the load balancer
sends them to the API processes. SIGTERM drains as `laskutin serve` does (server.py).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from laskutin.api.security import SecurityHeadersMiddleware
from laskutin.core.lifecycle import Lifecycle
from laskutin.core.preflight import bind_socket
from laskutin.core.settings import Settings
from laskutin.server import build_server
from laskutin.web_static import serve_web_app

log = logging.getLogger("laskutin.web_server")


def create_web_app(settings: Settings) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.lifecycle = Lifecycle()

    @app.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False)
    async def readyz(request: Request) -> Response:
        if request.app.state.lifecycle.draining:
            return JSONResponse(
                {"status": "shutting-down"}, status_code=503, headers={"Retry-After": "5"}
            )
        return JSONResponse({"status": "ready"})

    serve_web_app(app, settings.resolved_web_dist_dir)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def serve_web_only(settings: Settings, host: str, port: int) -> None:
    sock = bind_socket(host, port)
    app = create_web_app(settings)
    server = build_server(settings, app, app.state.lifecycle)
    log.info("serving web/dist only on http://%s:%d", host, sock.getsockname()[1])
    server.run(sockets=[sock])
