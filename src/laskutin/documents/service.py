"""Use cases of invoice documents: the PDF of an issued invoice (rendered once, stored, served
identical ever after) and a draft's watermarked preview (rendered on each request, never stored).

Other outputs call :func:`issued_pdf` too (delivery attaches it to e-mails), so every channel
sends the very bytes the API serves. Rendering is CPU work of 5-100 ms: it runs in a worker
thread so the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.companies.service import Actor
from laskutin.core.errors import Conflict, NotFound, RuleViolation
from laskutin.documents.build import invoice_document
from laskutin.documents.data import InvoiceDocument
from laskutin.documents.pdf import MEDIA_TYPE, RENDERER_ID, render_pdf
from laskutin.documents.pdf.labels import LABELS
from laskutin.documents.store import StoredDocument, find_document, stored_document
from laskutin.invoices.models import Invoice

FORMAT = "pdf"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class InvoiceNotIssued(RuleViolation, Conflict):
    """Only an issued invoice has a stored PDF; a draft has a preview."""

    code = "invoice-not-issued"
    messages = {
        "fi": "Laskua ei ole vielä laskutettu: sen PDF on esikatselu.",
        "sv": "Fakturan är inte utfärdad ännu: dess PDF är en förhandsvisning.",
        "en": "The invoice is not issued yet: its PDF is a preview.",
    }


@dataclass(frozen=True)
class PdfFile:
    """A PDF to answer with: an issued invoice's stored one (with its strong ETag, the quoted
    SHA-256 of the bytes) or a draft's preview (no ETag: it changes with the draft)."""

    content: bytes
    filename: str
    etag: str | None


async def _render(document: InvoiceDocument) -> bytes:
    return await asyncio.to_thread(render_pdf, document)


async def issued_pdf(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID
) -> StoredDocument:
    """The stored PDF of the active company's issued invoice or credit note ``invoice_id``,
    rendered from its frozen snapshot and stored first if no request or job has yet.

    NotFound for another company's invoice or none; :class:`InvoiceNotIssued` for a draft.
    """
    found = await find_document(
        session, company_id=actor.company_id, invoice_id=invoice_id, format=FORMAT
    )
    if found is not None:
        return found
    document = await invoice_document(session, actor=actor, invoice_id=invoice_id)
    if document.draft:
        raise InvoiceNotIssued()

    async def render() -> bytes:
        return await _render(document)

    return await stored_document(
        session,
        company_id=actor.company_id,
        invoice_id=invoice_id,
        format=FORMAT,
        media_type=MEDIA_TYPE,
        renderer=RENDERER_ID,
        render=render,
    )


async def preview_pdf(session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID) -> bytes:
    """The PDF of the active company's invoice ``invoice_id`` as it is now, not stored: for a
    draft, the watermarked preview (from the company and customer as they are now)."""
    return await _render(await invoice_document(session, actor=actor, invoice_id=invoice_id))


def pdf_filename(*, kind: str, number: str | None, language: str) -> str:
    """``lasku-1001.pdf``, ``kreditnota-1002.pdf``, ``invoice-draft.pdf``: the words in the
    invoice's language, ASCII only (a header value), the number as safe characters."""
    labels = LABELS[language if language in LABELS else "fi"]
    word = labels.file_credit_note if kind == "credit_note" else labels.file_invoice
    suffix = _UNSAFE_IN_NAME.sub("-", number).strip("-") if number else ""
    return f"{word}-{suffix or labels.file_draft}.pdf"


async def invoice_pdf(session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID) -> PdfFile:
    """What ``GET /invoices/{id}/pdf`` answers: the stored PDF of an issued invoice, or a
    draft's preview. NotFound for another company's invoice."""
    row = (
        await session.execute(
            select(Invoice.state, Invoice.kind, Invoice.number, Invoice.language).where(
                Invoice.company_id == actor.company_id, Invoice.id == invoice_id
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound()
    state, kind, number, language = row
    filename = pdf_filename(kind=kind, number=number, language=language)
    if state == "draft":
        content = await preview_pdf(session, actor=actor, invoice_id=invoice_id)
        return PdfFile(content=content, filename=filename, etag=None)
    stored = await issued_pdf(session, actor=actor, invoice_id=invoice_id)
    return PdfFile(content=stored.content, filename=filename, etag=stored.etag)
