"""Routes of customers: ``/api/v1/customers`` (included by api/router.py).

Reading is for every role; writing needs the WRITE permission (owner, admin, member; an
accountant gets 403). A customer of another company is 404 for every role, checked before the
role. Single customers carry a strong ``ETag``; PATCH, DELETE, archive and unarchive take an
optional ``If-Match`` (412 when stale). POSTs take an ``Idempotency-Key``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.authz import Actor, Member, Reader, Writer
from laskutin.api.deps import TenantSession
from laskutin.api.etag import IfMatch, etag_of, read_response
from laskutin.api.idempotency import Idempotency, IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.audit.schemas import AuditEventRead
from laskutin.core.i18n import Language, negotiate_language
from laskutin.customers import service
from laskutin.customers.schemas import CustomerCreate, CustomerRead, CustomerSaved, CustomerUpdate
from laskutin.customers.service import CustomerSort

PATH = "/api/v1/customers"
Responses = dict[int | str, dict[str, Any]]


_401: Responses = {401: _problem("No valid access token, or no longer a member")}
_403: Responses = {403: _problem("Your role may not change customers (an accountant only reads)")}
_404: Responses = {404: _problem("No such customer in the active company")}
_409: Responses = {409: _problem("The customer number is taken, or the key is in use")}
_412: Responses = {412: _problem("If-Match does not match: the customer changed since you read it")}
_422: Responses = {422: _problem("Invalid input: each failing field with a message")}
_304: Responses = {304: {"description": "Not modified: If-None-Match names the current ETag"}}
_ETAG = {"ETag": {"description": "Strong entity tag of the customer", "schema": {"type": "string"}}}

router = APIRouter(prefix="/customers", tags=["customers"])


def _language(request: Request) -> Language:
    return negotiate_language(request.headers.get("accept-language"))


@router.post(
    "",
    status_code=201,
    operation_id="customers-create",
    summary="Add a customer",
    response_model=CustomerSaved,
    responses={**_401, **_403, **_409, **_422, 201: {"description": "Created", "headers": _ETAG}},
)
async def create_customer(
    body: CustomerCreate,
    actor: Writer,
    session: TenantSession,
    idem: IdempotencyDep,
    request: Request,
) -> Response:
    """Only ``name`` is needed. ``business_id`` (Y-tunnus) and ``vat_number`` are checked and
    normalised (422 naming the field); another customer with the same one is a warning in
    ``warnings``, never a refusal. Without ``customer_number`` the next free number is given."""
    read, saved = await service.create_customer(
        session, actor=actor, data=body, language=_language(request)
    )
    return await idem.respond(
        201, saved, headers={"Location": f"{PATH}/{read.id}", "ETag": etag_of(read)}
    )


@router.get(
    "",
    operation_id="customers-list",
    summary="List and search customers",
    responses={**_401, **_422},
)
async def list_customers(
    actor: Reader,
    session: TenantSession,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Part of the name (any case), a customer number or a business ID",
        ),
    ] = None,
    archived: Annotated[
        bool, Query(description="false (default): active customers; true: archived ones")
    ] = False,
    updated_since: Annotated[
        AwareDatetime | None, Query(description="Only customers changed at or after this")
    ] = None,
    sort: Annotated[CustomerSort, Query(description="Order; a leading - reverses it")] = "name",
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[CustomerRead]:
    return await service.list_customers(
        session,
        actor=actor,
        q=q,
        archived=archived,
        updated_since=updated_since,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/{customer_id}",
    operation_id="customers-get",
    summary="One customer",
    response_model=CustomerRead,
    responses={**_304, **_401, **_404, 200: {"description": "The customer", "headers": _ETAG}},
)
async def get_customer(
    customer_id: uuid.UUID, actor: Member, session: TenantSession, request: Request
) -> Response:
    customer = await service.get_customer(session, actor=actor, customer_id=customer_id)
    return read_response(customer, request)


@router.patch(
    "/{customer_id}",
    operation_id="customers-update",
    summary="Change a customer",
    response_model=CustomerSaved,
    responses={
        **_401,
        **_403,
        **_404,
        **_409,
        **_412,
        **_422,
        200: {"description": "The changed customer, with warnings", "headers": _ETAG},
    },
)
async def update_customer(
    customer_id: uuid.UUID,
    body: CustomerUpdate,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    request: Request,
) -> Response:
    """Send only the fields to change; ``null`` clears an optional one; an address sent
    replaces the whole address. Archiving is ``POST .../archive``."""
    read, saved = await service.update_customer(
        session,
        actor=actor,
        customer_id=customer_id,
        changes=body.model_dump(exclude_unset=True),
        if_match=if_match,
        language=_language(request),
    )
    return Response(
        saved.model_dump_json(),
        media_type="application/json",
        headers={"ETag": etag_of(read)},
    )


@router.delete(
    "/{customer_id}",
    status_code=204,
    operation_id="customers-delete",
    summary="Delete a customer that has never been invoiced",
    responses={
        **_401,
        **_403,
        **_404,
        **_412,
        409: _problem("The customer has invoices: archive it instead"),
    },
)
async def delete_customer(
    customer_id: uuid.UUID, if_match: IfMatch, actor: Member, session: TenantSession
) -> Response:
    """Only a customer no invoice (draft or issued) names; otherwise 409
    ``/problems/customer-invoiced``: archive it instead."""
    await service.delete_customer(session, actor=actor, customer_id=customer_id, if_match=if_match)
    return Response(status_code=204)


async def _archive(
    archived: bool,
    customer_id: uuid.UUID,
    if_match: str | None,
    actor: Actor,
    session: AsyncSession,
    idem: Idempotency,
) -> Response:
    customer = await service.set_archived(
        session, actor=actor, customer_id=customer_id, archived=archived, if_match=if_match
    )
    return await idem.respond(200, customer, headers={"ETag": etag_of(customer)})


_ARCHIVE_RESPONSES: Responses = {
    **_401,
    **_403,
    **_404,
    **_409,
    **_412,
    **_422,
    200: {"description": "The customer", "headers": _ETAG},
}


@router.post(
    "/{customer_id}/archive",
    operation_id="customers-archive",
    summary="Archive a customer (hidden from lists, kept for invoices)",
    response_model=CustomerRead,
    responses=_ARCHIVE_RESPONSES,
)
async def archive_customer(
    customer_id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    return await _archive(True, customer_id, if_match, actor, session, idem)


@router.post(
    "/{customer_id}/unarchive",
    operation_id="customers-unarchive",
    summary="Bring an archived customer back",
    response_model=CustomerRead,
    responses=_ARCHIVE_RESPONSES,
)
async def unarchive_customer(
    customer_id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    return await _archive(False, customer_id, if_match, actor, session, idem)


@router.get(
    "/{customer_id}/audit",
    operation_id="customers-audit",
    summary="Who changed the customer, and when (newest first)",
    responses={**_401, **_404, **_422},
)
async def customer_audit(
    customer_id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[AuditEventRead]:
    return await service.customer_audit(
        session, actor=actor, customer_id=customer_id, limit=limit, cursor=cursor
    )
