"""The versioned API: every domain's router, included in the app under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from laskutin import __version__
from laskutin.apikeys.routes import api_keys_router
from laskutin.auth.routes import auth_router, me_router
from laskutin.auth.two_factor_routes import login_router, two_factor_router
from laskutin.companies.routes import company_router, members_router
from laskutin.customers.routes import router as customers_router
from laskutin.delivery.dev_routes import dev_router
from laskutin.delivery.routes import sends_router
from laskutin.documents.routes import documents_router
from laskutin.einvoice.routes import einvoice_router
from laskutin.imports.routes import imports_router
from laskutin.invitations.routes import accept_router, invitations_router
from laskutin.invoices.routes import invoices_router
from laskutin.oidc.routes import identities_router, oidc_router
from laskutin.payments.routes import payments_router
from laskutin.products.routes import router as products_router
from laskutin.quotes.routes import quotes_router
from laskutin.recurring.routes import router as recurring_router
from laskutin.reports.routes import reports_router

API_PREFIX = "/api/v1"
meta_router = APIRouter(tags=["meta"])

# Each router is included in the app itself under API_PREFIX (include_api), not in one
# /api/v1 router: FastAPI 0.165 matches a request again at every level of included routers
# and checks every nested router's routes for changes each time, so one level less cost about
# 4 % of the CPU of issuing an invoice (bench/README.md, invoicing). FastAPI tries routers
# in order and the invoices are the busiest paths; no two routers share a path, so order is
# otherwise free.
API_ROUTERS: tuple[APIRouter, ...] = (
    invoices_router,
    auth_router,
    me_router,
    login_router,
    two_factor_router,
    oidc_router,
    identities_router,
    company_router,
    members_router,
    invitations_router,
    api_keys_router,
    accept_router,
    customers_router,
    products_router,
    imports_router,
    quotes_router,
    documents_router,
    einvoice_router,
    payments_router,
    sends_router,
    recurring_router,
    reports_router,
    dev_router,  # answers 404 unless LASKUTIN_ENV is development
    meta_router,
)


def include_api(app: FastAPI) -> None:
    """Every router of the versioned API, under /api/v1."""
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)


class ServiceInfo(BaseModel):
    name: str
    version: str
    schema_revision: str


@meta_router.get("/meta", operation_id="meta-get")
async def get_meta() -> ServiceInfo:
    """The running version and the database migration it needs."""
    from laskutin.core.migrations import code_head

    return ServiceInfo(name="Laskutin", version=__version__, schema_revision=code_head())
