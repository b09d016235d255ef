"""create_app(settings): the FastAPI application with its routers, middleware and handlers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from laskutin import __version__
from laskutin.api.docs import add_docs_route
from laskutin.api.health import router as health_router
from laskutin.api.middleware import RequestContextMiddleware
from laskutin.api.problem import document_problems, install_problem_handlers
from laskutin.api.router import include_api
from laskutin.api.security import SecurityHeadersMiddleware, add_cors
from laskutin.apikeys.service import PER_KEY
from laskutin.auth import limits, throttle, two_factor
from laskutin.auth.keys import KeyRing
from laskutin.auth.routes import well_known_router
from laskutin.core.db import create_engine, session_factory
from laskutin.core.lifecycle import Lifecycle
from laskutin.core.logging import install_request_id_factory
from laskutin.core.migrations import code_head
from laskutin.core.ratelimit import RateLimit
from laskutin.core.settings import Settings, load_settings
from laskutin.invitations.service import MAILS_PER_COMPANY
from laskutin.web_static import serve_web_app

log = logging.getLogger(__name__)


def _api_description() -> str:
    """The OpenAPI description: how to authenticate, and the rate limits, from the constants
    that enforce them (so the published figures cannot drift)."""

    def per(limit: RateLimit) -> str:
        minutes = int(limit.window.total_seconds() // 60)
        unit = {1: "minute", 60: "hour", 1440: "day"}.get(minutes, f"{minutes} minutes")
        return f"{limit.limit} per {unit}"

    return f"""\
**Authentication.** Send `Authorization: Bearer <token>` with an access token from
`POST /api/v1/auth/login` (renew it at `POST /api/v1/auth/refresh`) or with an API key
(`lsk_...`) made by an owner or admin at `POST /api/v1/api-keys` (pro plan). A key acts as the
member who made it within its scopes: `read` reads and exports, `write` also creates and changes
business data; a key never manages settings, members or keys, and never reaches `/api/v1/me`.

**Rate limits** (counted in PostgreSQL across every server; beyond them the answer is
429 `application/problem+json` with `Retry-After` in seconds):

| What | Limit |
| --- | --- |
| Requests with one API key | {per(PER_KEY)} |
| Failed sign-ins | an account locks after {throttle.FAILURES_BEFORE_LOCK} in a row \
(423); {throttle.ADDRESS_FAILURE_LIMIT} per client address per \
{int(throttle.ADDRESS_WINDOW.total_seconds() // 60)} minutes |
| Sign-ups per client address | {per(limits.SIGNUP_PER_ADDRESS)} |
| Password resets per client address | {per(limits.PASSWORD_RESET_PER_ADDRESS)} |
| Wrong second-factor codes per account | {per(two_factor.CODE_GUESSES_PER_USER)} |
| Invitation mails per company | {per(MAILS_PER_COMPANY)} |

**Conventions**: errors are RFC 9457 problem details with a stable `type`; POSTs with a side
effect take an `Idempotency-Key`; resources carry an `ETag` and updates take `If-Match`; lists
take `limit` and `cursor` (docs/api-conventions.md).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    install_request_id_factory()  # every log line names its request, whoever configured logging

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.session_factory = session_factory(engine)
        # Access-token keys: PostgreSQL holds them, this replica a short-lived copy.
        app.state.keyring = KeyRing(app.state.session_factory, settings.effective_secret_key)
        await _warn_if_privileged(app)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Laskutin API",
        version=__version__,
        summary="Invoicing for Finnish businesses",
        description=_api_description(),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by add_docs_route, with its own Content-Security-Policy
        redoc_url=None,
        lifespan=lifespan,
        debug=False,  # tracebacks never reach clients, even with LASKUTIN_DEBUG
    )
    app.state.settings = settings
    app.state.lifecycle = Lifecycle()
    app.state.required_revision = code_head()
    install_problem_handlers(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # FastAPI builds (and caches) the document; errors are then described as problems.
            app.openapi_schema = document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # Outermost last: security headers, then CORS, then the request context. Both thus see
    # the 500/503 that RequestContextMiddleware renders, so a caller on another origin can read
    # it; CORS preflights are answered before the request context (no id, not in the metrics).
    app.add_middleware(RequestContextMiddleware)
    add_cors(app, settings.cors_origins)
    app.add_middleware(SecurityHeadersMiddleware)
    add_docs_route(app, "/api/docs")
    app.include_router(health_router)
    include_api(app)
    app.include_router(well_known_router)

    if settings.serve_web:
        # Last of all: what no route (not even one added later) claims, web/dist answers.
        serve_web_app(app, settings.resolved_web_dist_dir)
    else:

        @app.get("/", include_in_schema=False)
        async def root() -> dict[str, str]:
            return {"name": "Laskutin", "version": __version__, "api_docs": "/api/docs"}

    return app


async def _warn_if_privileged(app: FastAPI) -> None:
    """Row-level security does not bind superusers or table owners: say so loudly."""
    try:
        async with app.state.engine.connect() as conn:
            superuser = await conn.scalar(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            )
            owns = await conn.scalar(
                text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
            )
    except Exception:  # the database may come later; /readyz reports that
        return
    if superuser or owns:
        log.warning(
            "the app connects as a superuser or a table owner: use a separate role "
            "(LASKUTIN_DATABASE_URL) so that row-level security holds"
        )
