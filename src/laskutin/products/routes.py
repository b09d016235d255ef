"""Routes of products: ``/api/v1/products`` (included by api/router.py).

Reading is for every role; writing needs the WRITE permission (owner, admin, member; an
accountant gets 403). A product of another company is 404 for every role, checked before the
role. Single products carry a strong ``ETag``; PATCH, DELETE, archive and unarchive take an
optional ``If-Match`` (412 when stale). POSTs take an ``Idempotency-Key``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.authz import Actor, Member, Reader, Writer
from laskutin.api.deps import TenantSession
from laskutin.api.etag import IfMatch, etag_of, read_response
from laskutin.api.idempotency import Idempotency, IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from laskutin.api.problem import problem_response as _problem
from laskutin.audit.schemas import AuditEventRead
from laskutin.products import service
from laskutin.products.schemas import ProductCreate, ProductRead, ProductUpdate
from laskutin.products.service import ProductSort

PATH = "/api/v1/products"
Responses = dict[int | str, dict[str, Any]]


_401: Responses = {401: _problem("No valid access token, or no longer a member")}
_403: Responses = {403: _problem("Your role may not change products (an accountant only reads)")}
_404: Responses = {404: _problem("No such product in the active company")}
_409: Responses = {409: _problem("The code is taken by an active product, or the key is in use")}
_412: Responses = {412: _problem("If-Match does not match: the product changed since you read it")}
_422: Responses = {422: _problem("Invalid input: each failing field with a message")}
_304: Responses = {304: {"description": "Not modified: If-None-Match names the current ETag"}}
_ETAG = {"ETag": {"description": "Strong entity tag of the product", "schema": {"type": "string"}}}

router = APIRouter(prefix="/products", tags=["products"])


@router.post(
    "",
    status_code=201,
    operation_id="products-create",
    summary="Add a product",
    response_model=ProductRead,
    responses={**_401, **_403, **_409, **_422, 201: {"description": "Created", "headers": _ETAG}},
)
async def create_product(
    body: ProductCreate, actor: Writer, session: TenantSession, idem: IdempotencyDep
) -> Response:
    """``names`` (at least one language) and ``unit_price`` (a decimal string) are needed;
    category S (the default) needs a ``rate_class``, other categories a ``vat_ground``."""
    product = await service.create_product(session, actor=actor, data=body)
    return await idem.respond(
        201, product, headers={"Location": f"{PATH}/{product.id}", "ETag": etag_of(product)}
    )


@router.get(
    "",
    operation_id="products-list",
    summary="List and search products",
    responses={**_401, **_422},
)
async def list_products(
    actor: Reader,
    session: TenantSession,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of the code or of a name in any language"),
    ] = None,
    archived: Annotated[
        bool, Query(description="false (default): products on sale; true: archived ones")
    ] = False,
    sort: Annotated[ProductSort, Query(description="Order; a leading - reverses it")] = "name",
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ProductRead]:
    return await service.list_products(
        session, actor=actor, q=q, archived=archived, sort=sort, limit=limit, cursor=cursor
    )


@router.get(
    "/{product_id}",
    operation_id="products-get",
    summary="One product",
    response_model=ProductRead,
    responses={**_304, **_401, **_404, 200: {"description": "The product", "headers": _ETAG}},
)
async def get_product(
    product_id: uuid.UUID, actor: Member, session: TenantSession, request: Request
) -> Response:
    product = await service.get_product(session, actor=actor, product_id=product_id)
    return read_response(product, request)


@router.patch(
    "/{product_id}",
    operation_id="products-update",
    summary="Change a product",
    response_model=ProductRead,
    responses={
        **_401,
        **_403,
        **_404,
        **_409,
        **_412,
        **_422,
        200: {"description": "The changed product", "headers": _ETAG},
    },
)
async def update_product(
    product_id: uuid.UUID,
    body: ProductUpdate,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    request: Request,
) -> Response:
    """Send only the fields to change; ``names`` sent replaces all names."""
    product = await service.update_product(
        session,
        actor=actor,
        product_id=product_id,
        changes=body.model_dump(mode="json", exclude_unset=True),
        if_match=if_match,
    )
    return read_response(product, request)


@router.delete(
    "/{product_id}",
    status_code=204,
    operation_id="products-delete",
    summary="Delete a product that is on no invoice",
    responses={
        **_401,
        **_403,
        **_404,
        **_412,
        409: _problem("The product is on an invoice: archive it instead"),
    },
)
async def delete_product(
    product_id: uuid.UUID, if_match: IfMatch, actor: Member, session: TenantSession
) -> Response:
    """Only a product no invoice line names; otherwise 409 ``/problems/product-in-use``:
    archive it instead."""
    await service.delete_product(session, actor=actor, product_id=product_id, if_match=if_match)
    return Response(status_code=204)


async def _archive(
    archived: bool,
    product_id: uuid.UUID,
    if_match: str | None,
    actor: Actor,
    session: AsyncSession,
    idem: Idempotency,
) -> Response:
    product = await service.set_archived(
        session, actor=actor, product_id=product_id, archived=archived, if_match=if_match
    )
    return await idem.respond(200, product, headers={"ETag": etag_of(product)})


_ARCHIVE_RESPONSES: Responses = {
    **_401,
    **_403,
    **_404,
    **_409,
    **_412,
    **_422,
    200: {"description": "The product", "headers": _ETAG},
}


@router.post(
    "/{product_id}/archive",
    operation_id="products-archive",
    summary="Archive a product (no longer sold; kept on invoices)",
    response_model=ProductRead,
    responses=_ARCHIVE_RESPONSES,
)
async def archive_product(
    product_id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    return await _archive(True, product_id, if_match, actor, session, idem)


@router.post(
    "/{product_id}/unarchive",
    operation_id="products-unarchive",
    summary="Put an archived product back on sale (its code must be free)",
    response_model=ProductRead,
    responses=_ARCHIVE_RESPONSES,
)
async def unarchive_product(
    product_id: uuid.UUID,
    if_match: IfMatch,
    actor: Member,
    session: TenantSession,
    idem: IdempotencyDep,
) -> Response:
    return await _archive(False, product_id, if_match, actor, session, idem)


@router.get(
    "/{product_id}/audit",
    operation_id="products-audit",
    summary="Who changed the product, and when (newest first)",
    responses={**_401, **_404, **_422},
)
async def product_audit(
    product_id: uuid.UUID,
    actor: Member,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[AuditEventRead]:
    return await service.product_audit(
        session, actor=actor, product_id=product_id, limit=limit, cursor=cursor
    )
