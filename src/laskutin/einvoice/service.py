"""An issued invoice's e-invoice: checked, written, validated, then stored and served as is.

:func:`issued_einvoice` is the one entry point (the API's routes and the delivery code call
it). The first call for an invoice and format makes the document and stores it in
invoice_documents (documents.store); every later call answers those bytes, so a document sent
is the document shown, years later too.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.companies.service import Actor
from laskutin.core.errors import NotFound
from laskutin.core.settings import Settings, load_settings
from laskutin.documents.build import invoice_document
from laskutin.documents.store import StoredDocument, find_document, stored_document
from laskutin.einvoice.checks import check
from laskutin.einvoice.formats import FORMATS
from laskutin.einvoice.validation import ensure_valid, validate_async
from laskutin.invoices.models import Invoice

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


async def issued_einvoice(
    session: AsyncSession,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    format: Literal["finvoice", "peppol"],
    settings: Settings | None = None,
) -> StoredDocument:
    """The e-invoice of the active company's issued invoice or credit note ``invoice_id``.

    Raises NotFound (no such invoice in the company), EinvoiceOfDraft (409: a draft has no
    e-invoice), EinvoiceNotReady (422: what is missing, each item named; checks.py) and
    EinvoiceInvalid (422: the document failed the official rules, so it is not stored).
    ``settings`` (default: the environment's) says where the validation artifacts are and
    whether to validate; validation runs off the event loop.
    """
    writer = FORMATS[format]
    stored = await find_document(
        session, company_id=actor.company_id, invoice_id=invoice_id, format=format
    )
    if stored is not None:
        return stored
    document = await invoice_document(session, actor=actor, invoice_id=invoice_id)
    check(document, format)
    config = settings or load_settings()

    async def render() -> bytes:
        content = writer.write(document)
        if config.einvoice_validate:
            findings = await validate_async(content, format, config.einvoice_artifacts_dir)
            ensure_valid(findings)
        return content

    return await stored_document(
        session,
        company_id=actor.company_id,
        invoice_id=invoice_id,
        format=format,
        media_type=writer.media_type,
        renderer=writer.renderer,
        render=render,
    )


async def einvoice_filename(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, format: str
) -> str:
    """A download name such as ``invoice-2026-15-peppol.xml``."""
    row = (
        await session.execute(
            select(Invoice.number, Invoice.kind).where(
                Invoice.company_id == actor.company_id, Invoice.id == invoice_id
            )
        )
    ).one_or_none()
    if row is None or row.number is None:
        raise NotFound()
    kind = "credit-note" if row.kind == "credit_note" else "invoice"
    return f"{kind}-{_UNSAFE.sub('-', row.number).strip('-')}-{format}.xml"
