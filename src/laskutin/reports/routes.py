"""Routes of the reports (``/api/v1/reports``): every member reads, accountants too."""

from __future__ import annotations

from fastapi import APIRouter

from laskutin.api.authz import Reader
from laskutin.api.deps import TenantSession
from laskutin.api.problem import PROBLEM_JSON
from laskutin.reports import service
from laskutin.reports.schemas import Dashboard

reports_router = APIRouter(prefix="/reports", tags=["reports"])


@reports_router.get(
    "/dashboard",
    operation_id="reports-dashboard",
    summary="The dashboard's figures for the active company",
    responses={
        401: {
            "description": "No valid access token, or no longer a member",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    },
)
async def get_dashboard(actor: Reader, session: TenantSession) -> Dashboard:
    """Open and overdue receivables (overdue per today in Europe/Helsinki), payments this
    month, sales per month for the last 12 months (net and gross of issued invoices and credit
    notes by invoice date), the 5 newest invoices and what needs attention."""
    return await service.dashboard(session, actor=actor)
