"""Routes of invoices and credit notes (``/api/v1/invoices``; payments: payments/routes.py).

Every member reads; owners, admins and members write (an accountant gets 403). A path's
invoice of another company is a 404 for every role, found before the role is checked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from laskutin.api.authz import Member, Reader, Writer
from laskutin.api.deps import TenantSession
from laskutin.api.etag import IfMatch, etag_of, etag_of_content, read_response
from laskutin.api.idempotency import Dumped, IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.audit.schemas import AuditEventRead
from laskutin.core.errors import ValidationFailed
from laskutin.core.i18n import negotiate_language
from laskutin.invoices import copying, credit_notes, errors, listing, reading, service
from laskutin.invoices.domain import Kind, Status
from laskutin.invoices.schemas import (
    CopyRequest,
    CreditNoteRequest,
    InvoiceCreate,
    InvoicePreview,
    InvoiceRead,
    InvoiceSummary,
    InvoiceUpdate,
    IssueRequest,
)

Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Responses = {401: _problem("No valid access token, or no longer a member")}
FORBIDDEN: Responses = {403: _problem("Your role may not change invoices (accountant)")}
NOT_FOUND: Responses = {404: _problem("No such invoice in the active company")}
INVALID: Responses = {422: _problem("Invalid input, naming the field")}
CONFLICT: Responses = {409: _problem("Issued invoices are immutable, or already issued")}
STALE: Responses = {412: _problem("If-Match does not match the invoice's current ETag")}
ETAG_HEADER = {
    "ETag": {"description": "The strong ETag of the invoice", "schema": {"type": "string"}}
}

invoices_router = APIRouter(prefix="/invoices", tags=["invoices"])


def _location(invoice: InvoiceRead) -> dict[str, str]:
    return {"Location": f"/api/v1/invoices/{invoice.id}", "ETag": etag_of(invoice)}


@invoices_router.post(
    "",
    status_code=201,
    operation_id="invoices-create",
    summary="Create a draft invoice",
    response_model=InvoiceRead,
    responses={
        201: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **INVALID,
    },
)
async def create_invoice(
    body: InvoiceCreate, actor: Writer, session: TenantSession, idem: IdempotencyDep
) -> Response:
    """A ``vat_rate`` (category S) must be in force on the tax point (the delivery date, else
    the invoice date, else today in Europe/Helsinki for a draft without dates); otherwise 422
    naming ``lines.N.vat_rate`` and the rates in force."""
    invoice = await service.create_draft(session, actor=actor, data=body)
    return await idem.respond(201, invoice, headers=_location(invoice))


@invoices_router.post(
    "/preview",
    operation_id="invoices-preview",
    summary="Compute a draft's lines, totals and VAT breakdown without saving",
    responses={**UNAUTHENTICATED, **INVALID},
)
async def preview_invoice(
    body: InvoiceCreate, actor: Reader, session: TenantSession
) -> InvoicePreview:
    return await service.preview(session, actor=actor, data=body)


@invoices_router.get(
    "",
    operation_id="invoices-list",
    summary="List invoices and credit notes",
    responses={**UNAUTHENTICATED, **INVALID},
)
async def list_invoices(
    actor: Reader,
    session: TenantSession,
    status: Annotated[list[Status] | None, Query(description="Any of these (repeatable)")] = None,
    customer_id: uuid.UUID | None = None,
    date_from: Annotated[dt.date | None, Query(description="Invoice date from")] = None,
    date_to: Annotated[dt.date | None, Query(description="Invoice date to")] = None,
    overdue: bool | None = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Number, customer name, reference or references"),
    ] = None,
    updated_since: dt.datetime | None = None,
    kind: Kind | None = None,
    sort: Annotated[
        listing.SortName,
        Query(
            description="invoice_date (newest first, drafts first), number (highest first), "
            "due_date (soonest first), total (largest first), created_at (newest first)"
        ),
    ] = "invoice_date",
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[InvoiceSummary]:
    filters = listing.ListFilters(
        statuses=status or (),
        customer_id=customer_id,
        date_from=date_from,
        date_to=date_to,
        overdue=overdue,
        q=q,
        updated_since=updated_since,
        kind=kind,
    )
    return await listing.list_invoices(
        session, actor=actor, filters=filters, sort=sort, limit=limit, cursor=cursor
    )


@invoices_router.get(
    "/{id}",
    operation_id="invoices-get",
    summary="One invoice or credit note",
    response_model=InvoiceRead,
    responses={
        200: {"headers": ETAG_HEADER},
        304: {"description": "Not modified"},
        **UNAUTHENTICATED,
        **NOT_FOUND,
    },
)
async def get_invoice(
    id: uuid.UUID, actor: Reader, session: TenantSession, request: Request
) -> Response:
    return read_response(await reading.get_invoice(session, actor=actor, invoice_id=id), request)


@invoices_router.patch(
    "/{id}",
    operation_id="invoices-update",
    summary="Change a draft (lines, when given, replace all lines)",
    response_model=InvoiceRead,
    responses={
        200: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        **CONFLICT,
        **STALE,
        **INVALID,
    },
)
async def update_invoice(
    id: uuid.UUID,
    body: InvoiceUpdate,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    request: Request,
) -> Response:
    changes = body.model_dump(exclude_unset=True, exclude={"lines"})
    lines = body.lines if "lines" in body.model_fields_set else None
    invoice = await service.update_draft(
        session, actor=actor, invoice_id=id, changes=changes, lines=lines, if_match=if_match
    )
    return read_response(invoice, request)


@invoices_router.delete(
    "/{id}",
    status_code=204,
    operation_id="invoices-delete",
    summary="Delete a draft",
    responses={**UNAUTHENTICATED, **FORBIDDEN, **NOT_FOUND, **CONFLICT, **STALE},
)
async def delete_invoice(
    id: uuid.UUID, if_match: IfMatch, actor: Member, session: TenantSession
) -> Response:
    await service.delete_draft(session, actor=actor, invoice_id=id, if_match=if_match)
    return Response(status_code=204)


@invoices_router.post(
    "/{id}/issue",
    operation_id="invoices-issue",
    summary="Issue a draft: number, dates, reference, snapshots; then it is immutable",
    response_model=InvoiceRead,
    responses={
        200: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        **CONFLICT,
        422: _problem(
            "Cannot issue: each missing item named (company.business_id, "
            "company.bank_accounts, lines, customer_id), or a VAT rate not in force"
        ),
    },
)
async def issue_invoice(
    id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
    request: Request,
    body: Annotated[IssueRequest | None, Body()] = None,
) -> Response:
    try:
        content = await service.issue(
            session,
            actor=actor,
            invoice_id=id,
            invoice_date=body.invoice_date if body is not None else None,
        )
    except errors.NotIssuable as exc:
        language = negotiate_language(request.headers.get("accept-language"))
        raise ValidationFailed(exc.localised(language)) from None
    return await idem.respond(200, Dumped(content), headers={"ETag": etag_of_content(content)})


@invoices_router.post(
    "/{id}/credit-note",
    status_code=201,
    operation_id="invoices-credit-note",
    summary="Create a draft credit note for an issued invoice (all, chosen lines, or an amount)",
    response_model=InvoiceRead,
    responses={
        201: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        409: _problem("Not creditable: a draft or a credit note"),
        **INVALID,
    },
)
async def credit_invoice(
    id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
    body: Annotated[CreditNoteRequest | None, Body()] = None,
) -> Response:
    note = await credit_notes.create_credit_note(
        session, actor=actor, invoice_id=id, data=body or CreditNoteRequest()
    )
    return await idem.respond(201, note, headers=_location(note))


@invoices_router.post(
    "/{id}/copy",
    status_code=201,
    operation_id="invoices-copy",
    summary="Copy an invoice or a credit note into a new draft, for the same or another customer",
    response_model=InvoiceRead,
    responses={
        201: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        **INVALID,
    },
)
async def copy_invoice(
    id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
    body: Annotated[CopyRequest | None, Body()] = None,
) -> Response:
    """The lines (a credit note's as charges again) with today's VAT rates of their rate
    classes, the references, notes and "prices include VAT"; not the dates, number or
    payments. The language follows the new customer when the customer changes."""
    draft = await copying.copy_invoice(
        session,
        actor=actor,
        invoice_id=id,
        customer_id=None if body is None else body.customer_id,
    )
    return await idem.respond(201, draft, headers=_location(draft))


@invoices_router.get(
    "/{id}/audit",
    operation_id="invoices-audit",
    summary="Who did what to the invoice, when (newest first)",
    responses={**UNAUTHENTICATED, **NOT_FOUND, **INVALID},
)
async def invoice_audit(
    id: uuid.UUID,
    actor: Reader,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[AuditEventRead]:
    return await listing.invoice_audit(
        session, actor=actor, invoice_id=id, limit=limit, cursor=cursor
    )
