"""Reading rendered PDFs back: text (pypdf), fonts, and the codes on a rasterised page
(pypdfium2 renders, zxing-cpp decodes)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any

import pypdf
import pypdfium2
import zxingcpp

from laskutin.documents.data import InvoiceDocument
from laskutin.documents.pdf import render_pdf


def pdf_text(pdf: bytes) -> list[str]:
    """Each page's extracted text, with every run of whitespace made one space."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def fonts(pdf: bytes) -> list[dict[str, Any]]:
    """The font dictionaries of every page's resources."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            found.append(ref.get_object())
    return found


@dataclass(frozen=True)
class Decoded:
    format: str
    text: str


def decode_page(pdf: bytes, page: int = -1, dpi: int = 300) -> list[Decoded]:
    """The barcodes zxing-cpp finds on ``page`` rasterised at ``dpi``."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        index = page % len(document)
        image = document[index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return [Decoded(str(found.format), found.text) for found in zxingcpp.read_barcodes(image)]


@cache
def rendered(document: InvoiceDocument) -> bytes:
    """Rendering is the slow part of these tests: each sample document is rendered once."""
    return render_pdf(document)
