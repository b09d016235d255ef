"""The interactive API docs (Swagger UI) at /api/docs, with a policy of their own.

FastAPI's page loads Swagger UI's script and stylesheet from cdn.jsdelivr.net, its favicon from
fastapi.tiangolo.com, and starts it with an inline script; Swagger UI then adds inline styles
and data: images. The app's strict policy would block all of that, so this page alone gets a
policy that allows exactly those: the CDN, the one inline script by its hash (never
'unsafe-inline' for scripts), inline styles, and data: images. Requests from "Try it out" go to
this origin only. The page still may not be framed.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from laskutin.api.security import content_security_policy

SWAGGER_CDN = "https://cdn.jsdelivr.net"
FAVICON_HOST = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(html: str) -> list[str]:
    """CSP sources for every inline script of ``html``, hashed as the browser will."""
    return [
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(body.encode()).digest()).decode("ascii")
        )
        for body in _INLINE_SCRIPT.findall(html)
    ]


def docs_csp(html: str) -> str:
    return content_security_policy(
        [
            ("default-src", ["'self'"]),
            ("script-src", ["'self'", SWAGGER_CDN, *script_hashes(html)]),
            ("style-src", ["'self'", SWAGGER_CDN, "'unsafe-inline'"]),
            ("img-src", ["'self'", "data:", FAVICON_HOST]),
            ("connect-src", ["'self'"]),
            ("font-src", ["'self'"]),
            ("object-src", ["'none'"]),
            ("base-uri", ["'self'"]),
            ("form-action", ["'self'"]),
            ("frame-ancestors", ["'none'"]),
        ]
    )


def add_docs_route(app: FastAPI, path: str) -> None:
    """Swagger UI at ``path`` (FastAPI's own docs route is off: it cannot set a header)."""

    async def swagger_ui(request: Request) -> HTMLResponse:
        root_path = str(request.scope.get("root_path", "")).rstrip("/")
        assert app.openapi_url is not None
        page = get_swagger_ui_html(
            openapi_url=root_path + app.openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        html = bytes(page.body).decode()
        page.headers["Content-Security-Policy"] = docs_csp(html)
        return page

    app.add_route(path, swagger_ui, methods=["GET", "HEAD"], include_in_schema=False)
