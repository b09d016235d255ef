"""Security headers on every response, and CORS for the configured origins only.

A plain ASGI middleware (not BaseHTTPMiddleware), outermost, so that every answer carries the
headers: routes, problem+json errors, the 500 that RequestContextMiddleware renders, and CORS
preflights. A header the endpoint set itself is left alone (the API docs page brings its own
Content-Security-Policy; the JWKS endpoint may allow a short public cache; the built front end's
files say how a cache keeps them, laskutin.web_static). Only an answer without Cache-Control
gets ``no-store``, so a 304 keeps the Cache-Control of the file it stands for.

docs/operations.md#security-headers lists the headers and the reasons for their values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# One year; browsers ignore the header on plain http, so it is sent always (see the docs).
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
# Responses may carry personal data: no browser, proxy or CDN keeps them unless the endpoint
# says otherwise (JWKS: a short public cache; the front end's hashed files: immutable).
NO_STORE = "no-store"

# What the API sends and accepts across origins (docs/configuration.md#cors).
CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "Accept-Language",
    "X-Request-ID",
)
CORS_EXPOSED_HEADERS = ("ETag", "Location", "Retry-After", "X-Request-ID", "Content-Language")
CORS_MAX_AGE_SECONDS = 600


def content_security_policy(directives: Iterable[tuple[str, Sequence[str]]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives)


def app_csp(connect_origins: Sequence[str] = ()) -> str:
    """The policy for the app (the PWA and every API answer): nothing inline, nothing foreign.

    No 'unsafe-inline' for styles either: the build links its CSS as files, and Svelte 5 sets
    dynamic styles and runs transitions through the CSSOM and the Web Animations API, which
    a policy does not govern (docs/operations.md#security-headers has the rules for web/).

    ``connect_origins``: API origins the front end calls besides its own, for a PWA on a CDN
    calling the API on another host (docs/operations.md); the server itself needs none.
    """
    return content_security_policy(
        [
            ("default-src", ["'self'"]),
            ("script-src", ["'self'"]),
            ("style-src", ["'self'"]),
            ("img-src", ["'self'", "data:", "blob:"]),
            ("connect-src", ["'self'", *connect_origins]),
            ("font-src", ["'self'"]),
            ("object-src", ["'none'"]),
            ("base-uri", ["'self'"]),
            ("form-action", ["'self'"]),
            ("frame-ancestors", ["'none'"]),
            ("worker-src", ["'self'"]),
            ("manifest-src", ["'self'"]),
            # The invoice PDF is shown inline from a blob: URL (the API answer itself may not
            # be framed: it needs the bearer token, and frame-ancestors is 'none').
            ("frame-src", ["'self'", "blob:"]),
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        always = [
            ("Strict-Transport-Security", HSTS),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("X-Frame-Options", "DENY"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Permissions-Policy", PERMISSIONS_POLICY),
            ("Content-Security-Policy", app_csp()),
        ]
        self._defaults = [(name.lower().encode(), value.encode()) for name, value in always]
        # Without a Cache-Control of the answer's own: not stored (and no HTTP/1.0 cache).
        self._uncached = [(b"cache-control", NO_STORE.encode()), (b"pragma", b"no-cache")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # One pass over the answer's headers (names are lower-case in ASGI), instead
                # of a search of them per default: every answer goes through here.
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [item for item in self._defaults if item[0] not in present]
                if b"cache-control" not in present:
                    headers += [item for item in self._uncached if item[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_cors(app: Starlette, origins: Sequence[str]) -> None:
    """CORS for exactly these origins, no cookies; with none, no CORS headers at all."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_credentials=False,  # bearer tokens, never cookies
        allow_methods=list(CORS_METHODS),
        allow_headers=list(CORS_REQUEST_HEADERS),
        expose_headers=list(CORS_EXPOSED_HEADERS),
        max_age=CORS_MAX_AGE_SECONDS,
    )
