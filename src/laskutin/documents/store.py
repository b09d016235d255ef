"""Keep an issued invoice's document bytes once made: render once, store, serve identical.

:func:`stored_document` answers the stored bytes of (invoice, format), or renders them with
``render`` and stores them first. Two replicas rendering the same document at once both insert
with ``ON CONFLICT DO NOTHING``; the loser's insert waits for the winner's commit and then does
nothing, and both answer what is stored, so every caller sees the same bytes.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.documents.models import InvoiceDocumentFile


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    media_type: str
    sha256: str

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'


async def find_document(
    session: AsyncSession, *, company_id: uuid.UUID, invoice_id: uuid.UUID, format: str
) -> StoredDocument | None:
    row = await session.scalar(
        select(InvoiceDocumentFile).where(
            InvoiceDocumentFile.company_id == company_id,
            InvoiceDocumentFile.invoice_id == invoice_id,
            InvoiceDocumentFile.format == format,
        )
    )
    if row is None:
        return None
    return StoredDocument(content=row.content, media_type=row.media_type, sha256=row.sha256)


async def stored_document(
    session: AsyncSession,
    *,
    company_id: uuid.UUID,
    invoice_id: uuid.UUID,
    format: str,
    media_type: str,
    renderer: str,
    render: Callable[[], Awaitable[bytes]],
) -> StoredDocument:
    """The stored document, made with ``render`` (and stored) if there is none yet."""
    found = await find_document(
        session, company_id=company_id, invoice_id=invoice_id, format=format
    )
    if found is not None:
        return found
    content = await render()
    await session.execute(
        insert(InvoiceDocumentFile)
        .values(
            invoice_id=invoice_id,
            format=format,
            company_id=company_id,
            media_type=media_type,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            renderer=renderer,
        )
        .on_conflict_do_nothing(index_elements=["invoice_id", "format"])
    )
    stored = await find_document(
        session, company_id=company_id, invoice_id=invoice_id, format=format
    )
    assert stored is not None  # inserted now, or by a transaction that committed first
    return stored
