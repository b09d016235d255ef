"""Routes of payments, under their invoice: ``/api/v1/invoices/{id}/payments``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from laskutin.api.authz import Member, Reader
from laskutin.api.deps import TenantSession
from laskutin.api.etag import IfMatch, etag_of, read_response
from laskutin.api.idempotency import IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.invoices.routes import (
    ETAG_HEADER,
    FORBIDDEN,
    INVALID,
    STALE,
    UNAUTHENTICATED,
    Responses,
)
from laskutin.payments import service
from laskutin.payments.schemas import PaymentCreate, PaymentRead

payments_router = APIRouter(prefix="/invoices", tags=["payments"])
NOT_FOUND: Responses = {404: _problem("No such invoice (or payment) in the active company")}


@payments_router.post(
    "/{id}/payments",
    status_code=201,
    operation_id="payments-create",
    summary="Record a payment of an issued invoice",
    response_model=PaymentRead,
    responses={
        201: {"headers": ETAG_HEADER},
        **UNAUTHENTICATED,
        **FORBIDDEN,
        **NOT_FOUND,
        409: _problem("Not payable: a draft or a credit note"),
        **INVALID,
    },
)
async def record_payment(
    id: uuid.UUID,
    body: PaymentCreate,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    """An amount above what is still due is accepted: the invoice shows ``overpaid_amount``."""
    payment = await service.record_payment(session, actor=actor, invoice_id=id, data=body)
    headers = {
        "Location": f"/api/v1/invoices/{id}/payments/{payment.id}",
        "ETag": etag_of(payment),
    }
    return await idem.respond(201, payment, headers=headers)


@payments_router.get(
    "/{id}/payments",
    operation_id="payments-list",
    summary="The invoice's payments, oldest first",
    responses={**UNAUTHENTICATED, **NOT_FOUND, **INVALID},
)
async def list_payments(
    id: uuid.UUID,
    actor: Reader,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[PaymentRead]:
    return await service.list_payments(
        session, actor=actor, invoice_id=id, limit=limit, cursor=cursor
    )


@payments_router.get(
    "/{id}/payments/{payment_id}",
    operation_id="payments-get",
    summary="One payment",
    response_model=PaymentRead,
    responses={
        200: {"headers": ETAG_HEADER},
        304: {"description": "Not modified"},
        **UNAUTHENTICATED,
        **NOT_FOUND,
    },
)
async def get_payment(
    id: uuid.UUID, payment_id: uuid.UUID, actor: Reader, session: TenantSession, request: Request
) -> Response:
    payment = await service.get_payment(session, actor=actor, invoice_id=id, payment_id=payment_id)
    return read_response(payment, request)


@payments_router.delete(
    "/{id}/payments/{payment_id}",
    status_code=204,
    operation_id="payments-delete",
    summary="Remove a wrongly recorded payment",
    responses={**UNAUTHENTICATED, **FORBIDDEN, **NOT_FOUND, **STALE},
)
async def remove_payment(
    id: uuid.UUID,
    payment_id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
) -> Response:
    await service.remove_payment(
        session, actor=actor, invoice_id=id, payment_id=payment_id, if_match=if_match
    )
    return Response(status_code=204)
