"""Routes of quotes (``/api/v1/quotes``).

Every member reads; owners, admins and members write (an accountant gets 403). A path's quote
of another company is a 404 for every role, found before the role is checked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from laskutin.api.authz import Member, Reader, Writer
from laskutin.api.deps import TenantSession
from laskutin.api.etag import IfMatch, etag_of, parse_etags, read_response
from laskutin.api.idempotency import IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.audit.schemas import AuditEventRead
from laskutin.documents.pdf import MEDIA_TYPE
from laskutin.documents.quote import quote_pdf
from laskutin.invoices.schemas import InvoiceRead
from laskutin.quotes import listing, service
from laskutin.quotes.domain import Status
from laskutin.quotes.schemas import QuoteCreate, QuoteRead, QuoteSummary, QuoteUpdate

Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Responses = {401: _problem("No valid access token, or no longer a member")}
FORBIDDEN: Responses = {403: _problem("Your role may not change quotes (accountant)")}
NOT_FOUND: Responses = {404: _problem("No such quote in the active company")}
INVALID: Responses = {422: _problem("Invalid input, naming the field")}
STALE: Responses = {412: _problem("If-Match does not match the quote's current ETag")}
ETAG_HEADER = {
    "ETag": {"description": "The strong ETag of the quote", "schema": {"type": "string"}}
}
CACHE_CONTROL = "private, no-cache"

quotes_router = APIRouter(prefix="/quotes", tags=["quotes"])


def _headers(quote: QuoteRead) -> dict[str, str]:
    return {"Location": f"/api/v1/quotes/{quote.id}", "ETag": etag_of(quote)}


@quotes_router.post(
    "",
    status_code=201,
    operation_id="quotes-create",
    summary="Create a draft quote (numbered from the company's quote series)",
    response_model=QuoteRead,
    responses={201: {"headers": ETAG_HEADER}, **UNAUTHENTICATED, **FORBIDDEN, **INVALID},
)
async def create_quote(
    body: QuoteCreate, actor: Writer, session: TenantSession, idem: IdempotencyDep
) -> Response:
    """Lines are given as on an invoice and computed by the same rules; a ``vat_rate``
    (category S) must be in force on the quote date, otherwise 422 naming
    ``lines.N.vat_rate``. ``valid_until`` defaults to 30 days after the quote date."""
    quote = await service.create_quote(session, actor=actor, data=body)
    return await idem.respond(201, quote, headers=_headers(quote))


@quotes_router.get(
    "",
    operation_id="quotes-list",
    summary="List quotes",
    responses={**UNAUTHENTICATED, **INVALID},
)
async def list_quotes(
    actor: Reader,
    session: TenantSession,
    status: Annotated[list[Status] | None, Query(description="Any of these (repeatable)")] = None,
    customer_id: uuid.UUID | None = None,
    date_from: Annotated[dt.date | None, Query(description="Quote date from")] = None,
    date_to: Annotated[dt.date | None, Query(description="Quote date to")] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Number, customer name, your reference or notes"),
    ] = None,
    updated_since: dt.datetime | None = None,
    invoiced: Annotated[
        bool | None, Query(description="Whether an invoice draft has been made from it")
    ] = None,
    sort: Annotated[
        listing.SortName,
        Query(
            description="quote_date (newest first), number (highest first), valid_until "
            "(soonest first), total (largest first), created_at (newest first)"
        ),
    ] = "quote_date",
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[QuoteSummary]:
    filters = listing.ListFilters(
        statuses=status or (),
        customer_id=customer_id,
        date_from=date_from,
        date_to=date_to,
        q=q,
        updated_since=updated_since,
        invoiced=invoiced,
    )
    return await listing.list_quotes(
        session, actor=actor, filters=filters, sort=sort, limit=limit, cursor=cursor
    )


@quotes_router.get(
    "/{id}",
    operation_id="quotes-get",
    summary="One quote",
    response_model=QuoteRead,
    responses={
        200: {"headers": ETAG_HEADER},
        304: {"description": "Not modified"},
        **UNAUTHENTICATED,
        **NOT_FOUND,
    },
)
async def get_quote(
    id: uuid.UUID, actor: Reader, session: TenantSession, request: Request
) -> Response:
    return read_response(await service.get_quote(session, actor=actor, quote_id=id), request)


@quotes_router.patch(
    "/{id}",
    operation_id="quotes-update",
    summary="Change a draft (lines, when given, replace all lines), or a sent quote's validity",
    response_model=QuoteRead,
    responses={
        200: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        409: _problem("Sent (only valid_until changes), accepted or declined"),
        **STALE,
        **INVALID,
    },
)
async def update_quote(
    id: uuid.UUID,
    body: QuoteUpdate,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    request: Request,
) -> Response:
    changes = body.model_dump(exclude_unset=True, exclude={"lines"})
    lines = body.lines if "lines" in body.model_fields_set else None
    quote = await service.update_quote(
        session, actor=actor, quote_id=id, changes=changes, lines=lines, if_match=if_match
    )
    return read_response(quote, request)


@quotes_router.delete(
    "/{id}",
    status_code=204,
    operation_id="quotes-delete",
    summary="Delete a draft",
    responses={
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        409: _problem("Not a draft (decline a sent quote instead)"),
        **STALE,
    },
)
async def delete_quote(
    id: uuid.UUID, if_match: IfMatch, actor: Member, session: TenantSession
) -> Response:
    await service.delete_quote(session, actor=actor, quote_id=id, if_match=if_match)
    return Response(status_code=204)


def _action_responses(conflict: str) -> Responses:
    return {
        200: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        409: _problem(conflict),
        **STALE,
        422: _problem("The quote has no lines (lines)"),
    }


@quotes_router.post(
    "/{id}/send",
    operation_id="quotes-send",
    summary="Mark a draft sent to the customer (copies the seller and the buyer onto it)",
    response_model=QuoteRead,
    responses=_action_responses("Already sent, accepted or declined, or expired"),
)
async def send_quote(
    id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    """The quote is not e-mailed by the service (yet): download its PDF and send it, then mark
    it sent. From then on only its ``valid_until`` changes."""
    quote = await service.send(session, actor=actor, quote_id=id, if_match=if_match)
    return await idem.respond(200, quote, headers={"ETag": etag_of(quote)})


@quotes_router.post(
    "/{id}/accept",
    operation_id="quotes-accept",
    summary="Record that the customer accepted the quote (a draft or sent quote, while valid)",
    response_model=QuoteRead,
    responses=_action_responses("Already accepted or declined, or expired"),
)
async def accept_quote(
    id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    quote = await service.accept(session, actor=actor, quote_id=id, if_match=if_match)
    return await idem.respond(200, quote, headers={"ETag": etag_of(quote)})


@quotes_router.post(
    "/{id}/decline",
    operation_id="quotes-decline",
    summary="Record that the customer declined the quote (expired ones too)",
    response_model=QuoteRead,
    responses=_action_responses("Already accepted or declined"),
)
async def decline_quote(
    id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    quote = await service.decline(session, actor=actor, quote_id=id, if_match=if_match)
    return await idem.respond(200, quote, headers={"ETag": etag_of(quote)})


@quotes_router.post(
    "/{id}/invoice",
    status_code=201,
    operation_id="quotes-invoice",
    summary="Make an invoice draft from an accepted quote",
    response_model=InvoiceRead,
    responses={
        201: {
            "headers": {
                "ETag": {"description": "The invoice's ETag", "schema": {"type": "string"}},
                "Location": {"description": "The invoice", "schema": {"type": "string"}},
            }
        },
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        409: _problem("Not accepted, or already invoiced (naming the invoice)"),
        **INVALID,
    },
)
async def invoice_quote(
    id: uuid.UUID, actor: Member, session: TenantSession, idem: IdempotencyDep
) -> Response:
    """As ``POST /api/v1/invoices`` with the quote's customer, lines, language, price basis and
    buyer reference (a standard rate at its rate class's rate today). The quote remembers the
    invoice (``invoice_id``); a second call answers 409 naming it, unless its draft was
    deleted."""
    invoice = await service.make_invoice(session, actor=actor, quote_id=id)
    return await idem.respond(
        201,
        invoice,
        headers={"Location": f"/api/v1/invoices/{invoice.id}", "ETag": etag_of(invoice)},
    )


@quotes_router.get(
    "/{id}/pdf",
    operation_id="quotes-pdf",
    summary="The quote as a PDF in its language (never sent: a watermarked preview)",
    response_class=Response,
    responses={
        200: {
            "description": "The PDF",
            "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "ETag": {"description": "Strong ETag of the bytes", "schema": {"type": "string"}},
                "Cache-Control": {"description": CACHE_CONTROL, "schema": {"type": "string"}},
                "Content-Disposition": {
                    "description": 'inline; filename="tarjous-12.pdf"',
                    "schema": {"type": "string"},
                },
            },
        },
        304: {"description": "Not modified: If-None-Match names the ETag"},
        **UNAUTHENTICATED,
        **NOT_FOUND,
    },
)
async def get_quote_pdf(
    id: uuid.UUID, actor: Reader, session: TenantSession, request: Request
) -> Response:
    """TARJOUS / OFFERT / QUOTE with its number, date, last valid day, lines, VAT breakdown and
    totals; no reference, bank barcode, QR code or transfer form. A quote never sent (nor
    accepted) is watermarked LUONNOS / UTKAST / DRAFT."""
    pdf = await quote_pdf(session, actor=actor, quote_id=id)
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": f'inline; filename="{pdf.filename}"',
        "ETag": pdf.etag,
    }
    match = request.headers.get("if-none-match")
    if match is not None and (
        match.strip() == "*" or any(tag == pdf.etag for _, tag in parse_etags(match) or [])
    ):
        return Response(status_code=304, headers=headers)
    return Response(content=pdf.content, media_type=MEDIA_TYPE, headers=headers)


@quotes_router.get(
    "/{id}/audit",
    operation_id="quotes-audit",
    summary="Who did what to the quote, when (newest first)",
    responses={**UNAUTHENTICATED, **NOT_FOUND, **INVALID},
)
async def quote_audit(
    id: uuid.UUID,
    actor: Reader,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[AuditEventRead]:
    return await listing.quote_audit(session, actor=actor, quote_id=id, limit=limit, cursor=cursor)
