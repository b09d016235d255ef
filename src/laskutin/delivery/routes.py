"""Routes of sending invoices: ``POST /api/v1/invoices/{id}/send`` and the send requests,
``GET /api/v1/invoices/{id}/sends`` and ``/sends/{send_id}`` (docs/delivery.md).

Every member reads; owners, admins and members send (an accountant gets 403). A path's invoice
of another company is a 404 for every role, found before the role is checked.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from laskutin.api.authz import Member, Reader
from laskutin.api.deps import SettingsDep, TenantSession
from laskutin.api.etag import etag_of, read_response
from laskutin.api.idempotency import IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.delivery import service
from laskutin.delivery.schemas import SendRead, SendRequest
from laskutin.invoices.routes import UNAUTHENTICATED, Responses

sends_router = APIRouter(prefix="/invoices", tags=["delivery"])

NOT_FOUND: Responses = {404: _problem("No such invoice (or send request) in the active company")}
SEND_ETAG = {
    "ETag": {"description": "The strong ETag of the send request", "schema": {"type": "string"}}
}


def location(send: SendRead) -> str:
    return f"/api/v1/invoices/{send.invoice_id}/sends/{send.id}"


@sends_router.post(
    "/{id}/send",
    status_code=202,
    operation_id="invoices-send",
    summary="Send an issued invoice by e-mail, or record it as sent for download",
    response_model=SendRead,
    responses={
        202: {
            "headers": {
                "Location": {
                    "description": "The send request: GET it to follow its state",
                    "schema": {"type": "string"},
                },
                **SEND_ETAG,
            }
        },
        **UNAUTHENTICATED,
        403: _problem(
            "Your role may not send invoices (accountant), or (in production) your own "
            "e-mail address is not verified yet"
        ),
        **NOT_FOUND,
        409: _problem("A draft cannot be sent: issue it first"),
        422: _problem(
            "Invalid input, naming the field: recipients (none given and the customer has no "
            "e-mail address, or not an address), attach or message (not used by the channel)"
        ),
    },
)
async def send_invoice(
    id: uuid.UUID,
    body: SendRequest,
    actor: Member,
    session: TenantSession,
    settings: SettingsDep,
    idem: IdempotencyDep,
) -> Response:
    """Answers 202 with the send request at once; the e-mail goes from a worker, with retries
    (its ``state``: queued, sending, sent, failed with ``last_error``). Each request sends a
    new message: retry a request that got no answer with the same ``Idempotency-Key``.

    ``email``: the PDF (and any ``attach`` XML) to ``recipients``, by default the customer's
    e-mail on the invoice; subject and text in the invoice's language; Reply-To the company's
    reply address (or e-mail). ``download``: nothing is sent; the invoice is recorded as sent
    now, and you pass the PDF on yourself."""
    send = await service.request_send(
        session, actor=actor, settings=settings, invoice_id=id, data=body
    )
    return await idem.respond(
        202, send, headers={"Location": location(send), "ETag": etag_of(send)}
    )


@sends_router.get(
    "/{id}/sends",
    operation_id="invoices-sends-list",
    summary="The invoice's send requests, newest first",
    responses={**UNAUTHENTICATED, **NOT_FOUND},
)
async def list_sends(
    id: uuid.UUID,
    actor: Reader,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[SendRead]:
    return await service.list_sends(session, actor=actor, invoice_id=id, limit=limit, cursor=cursor)


@sends_router.get(
    "/{id}/sends/{send_id}",
    operation_id="invoices-sends-get",
    summary="One send request and its state",
    response_model=SendRead,
    responses={
        200: {"headers": SEND_ETAG},
        304: {"description": "Not modified"},
        **UNAUTHENTICATED,
        **NOT_FOUND,
    },
)
async def get_send(
    id: uuid.UUID, send_id: uuid.UUID, actor: Reader, session: TenantSession, request: Request
) -> Response:
    send = await service.get_send(session, actor=actor, invoice_id=id, send_id=send_id)
    return read_response(send, request)
