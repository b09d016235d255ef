"""Jobs of invoice documents: render and store an issued invoice's PDF right after issuing.

``invoices.service.issue`` enqueues :data:`RENDER_PDF` in the issuing transaction, so the job
exists exactly when the invoice was issued. The first request for the PDF renders and stores
it as well if it comes before the job; either way the first one stores it and every later one
(the job included) finds it and does nothing, so the job is idempotent.
"""

from __future__ import annotations

import uuid

from laskutin.companies.domain import Role
from laskutin.companies.service import Actor
from laskutin.core.errors import NotFound
from laskutin.core.tenancy import act_as
from laskutin.documents.service import InvoiceNotIssued, issued_pdf
from laskutin.jobs.registry import JobContext, job

RENDER_PDF = "documents.render_pdf"


@job(RENDER_PDF, queue="default", retry=3)
async def render_pdf_job(
    ctx: JobContext, *, company_id: str, invoice_id: str, user_id: str | None = None
) -> None:
    """Store the PDF of issued invoice ``invoice_id`` of company ``company_id``.

    The job acts as the company (row-level security) and as the user who issued it, in the
    accountant's role: it only reads the invoice and writes its document. An invoice gone
    (its company deleted) or not issued is nothing to do.
    """
    company = uuid.UUID(company_id)
    user = uuid.UUID(user_id) if user_id else None
    await act_as(ctx.session, company_id=company, user_id=user)
    actor = Actor(user_id=user or uuid.UUID(int=0), company_id=company, role=Role.ACCOUNTANT)
    try:
        await issued_pdf(ctx.session, actor=actor, invoice_id=uuid.UUID(invoice_id))
    except (NotFound, InvoiceNotIssued):
        return
