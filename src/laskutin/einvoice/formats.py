"""The e-invoice formats behind one small protocol, and their registry.

A format turns plain document data into bytes; it never sees the database or an ORM object
(DESIGN.md: outputs are small protocols with a registry). Add one by writing a class with
these attributes and registering an instance in :data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from laskutin.documents.data import InvoiceDocument
from laskutin.einvoice.codes import Format
from laskutin.einvoice.finvoice import FinvoiceWriter
from laskutin.einvoice.peppol import PeppolWriter


class EinvoiceFormat(Protocol):
    name: str  # also the format of its row in invoice_documents
    media_type: str
    renderer: str  # its version, stored with each document it made

    def write(self, document: InvoiceDocument) -> bytes:
        """The document as this format's bytes (an issued invoice or credit note)."""
        ...


FORMATS: Mapping[str, EinvoiceFormat] = {
    writer.name: writer for writer in (FinvoiceWriter(), PeppolWriter())
}


def write(document: InvoiceDocument, format: Format) -> bytes:
    """``document`` written as ``format`` (no checks, no validation: see service.py)."""
    return FORMATS[format].write(document)
