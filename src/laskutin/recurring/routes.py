"""Routes of recurring invoices (``/api/v1/recurring-invoices``): thin; the rules are in
recurring.service and the job in recurring.runner. Included under /api/v1 by api/router.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from laskutin.api.authz import Member, Reader, Writer
from laskutin.api.deps import TenantSession
from laskutin.api.etag import IfMatch, etag_of, read_response
from laskutin.api.idempotency import IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.audit.schemas import AuditEventRead
from laskutin.recurring import service
from laskutin.recurring.schemas import (
    RecurringInvoiceCreate,
    RecurringInvoicePage,
    RecurringInvoiceRead,
    RecurringInvoiceUpdate,
    RunPage,
    TemplateState,
)

PATH = "/api/v1/recurring-invoices"
Responses = dict[int | str, dict[str, Any]]
_ETAG = {"ETag": {"description": "Strong entity tag", "schema": {"type": "string"}}}
_401: Responses = {401: _problem("No valid access token, or no longer a member")}
_403: Responses = {
    403: _problem("Your role may not change recurring invoices (an accountant reads)")
}
_404: Responses = {404: _problem("No such recurring invoice in the active company")}
_409: Responses = {
    409: _problem(
        "The schedule's rhythm cannot change after the first invoice "
        "(recurring-schedule-fixed), or the idempotency key is in use"
    )
}
_412: Responses = {412: _problem("If-Match names an older version: read it again and retry")}
_422: Responses = {422: _problem("A value was refused; the field is named")}

router = APIRouter(prefix="/recurring-invoices", tags=["recurring-invoices"])


@router.post(
    "",
    status_code=201,
    operation_id="recurring-invoices-create",
    summary="Create a recurring invoice: a template and its calendar rule",
    response_model=RecurringInvoiceRead,
    responses={201: {"description": "Created", "headers": _ETAG}, **_401, **_403, **_422},
)
async def create_recurring_invoice(
    body: RecurringInvoiceCreate, actor: Writer, session: TenantSession, idem: IdempotencyDep
) -> Response:
    """The lines are checked as an invoice's would be on the first invoice's date. The first
    invoice is the first period on or after today; the worker makes each one on its date,
    as a draft, issued, or issued and sent (``action``), as the member creating the template."""
    read = await service.create_template(session, actor=actor, data=body)
    return await idem.respond(
        201, read, headers={"Location": f"{PATH}/{read.id}", "ETag": etag_of(read)}
    )


@router.get(
    "",
    operation_id="recurring-invoices-list",
    summary="The active company's recurring invoices, with each one's next run and last run",
    responses={**_401, **_422},
)
async def list_recurring_invoices(
    actor: Reader,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    state: Annotated[TemplateState | None, Query()] = None,
    customer_id: Annotated[uuid.UUID | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
    sort: Annotated[
        Literal["created_at", "name"], Query(description="created_at: newest first")
    ] = "created_at",
) -> RecurringInvoicePage:
    page = await service.list_templates(
        session,
        actor=actor,
        limit=limit,
        cursor=cursor,
        state=state,
        customer_id=customer_id,
        q=q,
        sort=sort,
    )
    return RecurringInvoicePage(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/{recurring_invoice_id}",
    operation_id="recurring-invoices-get",
    summary="One recurring invoice",
    response_model=RecurringInvoiceRead,
    responses={200: {"headers": _ETAG}, **_401, **_404},
)
async def get_recurring_invoice(
    recurring_invoice_id: uuid.UUID, actor: Member, session: TenantSession, request: Request
) -> Response:
    read = await service.get_template(session, actor=actor, template_id=recurring_invoice_id)
    return read_response(read, request)


@router.patch(
    "/{recurring_invoice_id}",
    operation_id="recurring-invoices-update",
    summary="Change a recurring invoice (the invoices already made stay as they are)",
    response_model=RecurringInvoiceRead,
    responses={200: {"headers": _ETAG}, **_401, **_403, **_404, **_409, **_412, **_422},
)
async def update_recurring_invoice(
    recurring_invoice_id: uuid.UUID,
    body: RecurringInvoiceUpdate,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    request: Request,
) -> Response:
    """Send only the fields to change; ``lines`` replaces every line. In ``schedule``,
    ``end_date`` and ``count`` change at any time; the rest only until the first invoice was
    made (409 ``/problems/recurring-schedule-fixed``)."""
    read = await service.update_template(
        session,
        actor=actor,
        template_id=recurring_invoice_id,
        changes=body.model_dump(exclude_unset=True),
        if_match=if_match,
    )
    return read_response(read, request)


@router.delete(
    "/{recurring_invoice_id}",
    status_code=204,
    operation_id="recurring-invoices-delete",
    summary="Delete a recurring invoice and its history (its invoices stay)",
    responses={**_401, **_403, **_404, **_412},
)
async def delete_recurring_invoice(
    recurring_invoice_id: uuid.UUID, if_match: IfMatch, actor: Member, session: TenantSession
) -> Response:
    await service.delete_template(
        session, actor=actor, template_id=recurring_invoice_id, if_match=if_match
    )
    return Response(status_code=204)


@router.post(
    "/{recurring_invoice_id}/pause",
    operation_id="recurring-invoices-pause",
    summary="Pause: no invoices until resumed",
    response_model=RecurringInvoiceRead,
    responses={200: {"headers": _ETAG}, **_401, **_403, **_404, **_409, **_412, **_422},
)
async def pause_recurring_invoice(
    recurring_invoice_id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    read = await service.pause(
        session, actor=actor, template_id=recurring_invoice_id, if_match=if_match
    )
    return await idem.respond(200, read, headers={"ETag": etag_of(read)})


@router.post(
    "/{recurring_invoice_id}/resume",
    operation_id="recurring-invoices-resume",
    summary="Resume: invoices again from the next period on or after today",
    response_model=RecurringInvoiceRead,
    responses={200: {"headers": _ETAG}, **_401, **_403, **_404, **_409, **_412, **_422},
)
async def resume_recurring_invoice(
    recurring_invoice_id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    """The periods that fell in the pause are skipped, not invoiced afterwards."""
    read = await service.resume(
        session, actor=actor, template_id=recurring_invoice_id, if_match=if_match
    )
    return await idem.respond(200, read, headers={"ETag": etag_of(read)})


@router.get(
    "/{recurring_invoice_id}/runs",
    operation_id="recurring-invoices-runs",
    summary="The history: each period made, its invoice and that invoice's status",
    responses={**_401, **_404, **_422},
)
async def list_recurring_invoice_runs(
    recurring_invoice_id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> RunPage:
    page = await service.list_runs(
        session, actor=actor, template_id=recurring_invoice_id, limit=limit, cursor=cursor
    )
    return RunPage(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/{recurring_invoice_id}/audit",
    operation_id="recurring-invoices-audit",
    summary="Who changed the recurring invoice, and what the job made (newest first)",
    responses={**_401, **_404, **_422},
)
async def recurring_invoice_audit(
    recurring_invoice_id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[AuditEventRead]:
    page: Page[AuditEventRead] = await service.list_audit(
        session, actor=actor, template_id=recurring_invoice_id, limit=limit, cursor=cursor
    )
    return page
