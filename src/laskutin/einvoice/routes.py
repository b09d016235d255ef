"""``GET /api/v1/invoices/{id}/finvoice`` and ``/peppol``: an issued invoice's e-invoice.

Every member reads (accountants too). The XML is made once and stored (service.py), so the
answer is byte-identical every time, with a strong ETag (its SHA-256) and 304 on
``If-None-Match``. A draft is a 409; an invoice that lacks what the format needs is a 422
naming each missing item.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from laskutin.api.authz import Reader
from laskutin.api.deps import SettingsDep, TenantSession
from laskutin.api.etag import parse_etags
from laskutin.api.problem import problem_response as _problem
from laskutin.core.errors import ValidationFailed
from laskutin.core.i18n import negotiate_language
from laskutin.einvoice import service
from laskutin.einvoice.checks import EinvoiceNotReady
from laskutin.einvoice.validation import EinvoiceInvalid

XML = "application/xml"
einvoice_router = APIRouter(prefix="/invoices", tags=["invoices"])


def _responses(name: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": f"The {name} XML, the same bytes on every request",
            "content": {XML: {"schema": {"type": "string"}}},
            "headers": {
                "ETag": {
                    "description": "Strong ETag: the SHA-256 of the XML",
                    "schema": {"type": "string"},
                },
                "Content-Disposition": {
                    "description": "attachment, with a file name such as invoice-15-peppol.xml",
                    "schema": {"type": "string"},
                },
            },
        },
        304: {"description": "Not modified (If-None-Match names the ETag)"},
        401: _problem("No valid access token, or no longer a member"),
        404: _problem("No such invoice in the active company"),
        409: _problem("The invoice is a draft: issue it first"),
        422: _problem(
            "The e-invoice cannot be made: each missing item named (buyer_reference, "
            "customer.einvoice_address, customer.vat_number, company.business_id, ...)"
        ),
    }


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(tag == etag for _, tag in parse_etags(header) or [])


async def _answer(
    id: uuid.UUID,
    format: Literal["finvoice", "peppol"],
    actor: Reader,
    session: TenantSession,
    settings: SettingsDep,
    request: Request,
) -> Response:
    try:
        stored = await service.issued_einvoice(
            session, actor=actor, invoice_id=id, format=format, settings=settings
        )
    except (EinvoiceNotReady, EinvoiceInvalid) as exc:
        language = negotiate_language(request.headers.get("accept-language"))
        raise ValidationFailed(exc.localised(language)) from None
    if _not_modified(request, stored.etag):
        return Response(status_code=304, headers={"ETag": stored.etag})
    name = await service.einvoice_filename(session, actor=actor, invoice_id=id, format=format)
    headers = {"ETag": stored.etag, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(stored.content, media_type=stored.media_type, headers=headers)


@einvoice_router.get(
    "/{id}/finvoice",
    operation_id="invoices-finvoice",
    summary="The Finvoice 3.0 e-invoice of an issued invoice or credit note",
    response_class=Response,
    responses=_responses("Finvoice 3.0"),
)
async def get_finvoice(
    id: uuid.UUID, actor: Reader, session: TenantSession, settings: SettingsDep, request: Request
) -> Response:
    return await _answer(id, "finvoice", actor, session, settings, request)


@einvoice_router.get(
    "/{id}/peppol",
    operation_id="invoices-peppol",
    summary="The Peppol BIS Billing 3.0 (UBL 2.1) e-invoice of an issued invoice or credit note",
    response_class=Response,
    responses=_responses("Peppol BIS Billing 3.0 (UBL Invoice or CreditNote)"),
)
async def get_peppol(
    id: uuid.UUID, actor: Reader, session: TenantSession, settings: SettingsDep, request: Request
) -> Response:
    return await _answer(id, "peppol", actor, session, settings, request)
