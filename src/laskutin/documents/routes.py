"""Routes of invoice documents: ``GET /api/v1/invoices/{id}/pdf``.

Every role reads (an accountant exports PDFs). Another company's invoice is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from laskutin.api.authz import Reader
from laskutin.api.deps import TenantSession
from laskutin.api.etag import parse_etags
from laskutin.api.problem import problem_response as _problem
from laskutin.documents import service
from laskutin.documents.pdf import MEDIA_TYPE

CACHE_CONTROL = "private, no-cache"


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


documents_router = APIRouter(prefix="/invoices", tags=["invoices"])


@documents_router.get(
    "/{id}/pdf",
    operation_id="invoices-pdf",
    summary="The invoice or credit note as a PDF (a draft: a watermarked preview)",
    response_class=Response,
    responses={
        200: {
            "description": "The PDF",
            "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "ETag": _header("Strong entity tag of an issued invoice's PDF (not on drafts)"),
                "Cache-Control": _header("private, no-cache"),
                "Content-Disposition": _header('inline; filename="lasku-1001.pdf"'),
            },
        },
        304: {"description": "Not modified: If-None-Match names the ETag"},
        401: _problem("No valid access token, or no longer a member"),
        404: _problem("No such invoice in the active company"),
    },
)
async def get_invoice_pdf(
    id: uuid.UUID, actor: Reader, session: TenantSession, request: Request
) -> Response:
    """An issued invoice's PDF is rendered once from its frozen snapshot, stored, and served
    byte-identical ever after, with a strong ``ETag`` (the quoted SHA-256 of the bytes):
    ``If-None-Match`` answers 304. A draft's PDF is a preview of the draft as it is now,
    watermarked (LUONNOS / UTKAST / DRAFT), without reference, bank barcode or QR code; it is
    never stored and has no ETag. The file name is in the invoice's language."""
    pdf = await service.invoice_pdf(session, actor=actor, invoice_id=id)
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": f'inline; filename="{pdf.filename}"',
    }
    if pdf.etag is not None:
        headers["ETag"] = pdf.etag
        if _if_none_match_hits(request.headers.get("if-none-match"), pdf.etag):
            return Response(status_code=304, headers=headers)
    return Response(content=pdf.content, media_type=MEDIA_TYPE, headers=headers)


def _if_none_match_hits(header: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2), as for every other resource."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(tag == etag for _, tag in parse_etags(header) or [])
