"""The A4 invoice and credit note, in the document's language.

Page 1: seller (logo, name, address), the invoice details and the buyer's address (header.py);
then the body on every page: the line table (its header repeated on each page that has rows,
table.py) and what follows it (VAT breakdown, totals, notes, payment details: tail.py); the
footer with the seller's ids, contacts and accounts on every page (footer.py); "page x / y" at
the top; the bank transfer form at the bottom of the last page of an invoice
(transfer_form.py). A draft is watermarked on every page and has no barcode or QR code.
"""

from __future__ import annotations

from laskutin.documents.data import InvoiceDocument
from laskutin.documents.pdf.context import Context
from laskutin.documents.pdf.fonts import BOLD, text_width
from laskutin.documents.pdf.footer import draw_footer, footer_columns
from laskutin.documents.pdf.header import draw_first_page, draw_next_page, plan_first_page
from laskutin.documents.pdf.layout import (
    NEXT_PAGE_BODY_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Frame,
    Piece,
    body_bottom,
    footer_top,
    paginate,
)
from laskutin.documents.pdf.sheet import MM, Sheet
from laskutin.documents.pdf.table import HEADER_HEIGHT, LineTable
from laskutin.documents.pdf.tail import tail_pieces
from laskutin.documents.pdf.transfer_form import draw_transfer_form, payment_codes

WATERMARK_SIZE = 90.0
WATERMARK_GREY = 0.88
_DIAGONAL = 0.5**0.5  # cos and sin of 45 degrees


def _watermark(sheet: Sheet, text: str) -> None:
    """``text`` large and light across the page, bottom-left to top-right, centred."""
    half = text_width(text, BOLD, WATERMARK_SIZE) / MM / 2
    rise = WATERMARK_SIZE * 0.36 / MM  # half the capitals' height: centre them, not the baseline
    x = PAGE_WIDTH / 2 - (half - rise) * _DIAGONAL
    y = PAGE_HEIGHT / 2 + (half + rise) * _DIAGONAL
    sheet.rotated_text(
        x,
        y,
        text,
        cos=_DIAGONAL,
        sin=_DIAGONAL,
        face=BOLD,
        size=WATERMARK_SIZE,
        grey=WATERMARK_GREY,
    )


def render_invoice(document: InvoiceDocument) -> bytes:
    """The PDF of an invoice or credit note: the same document gives the same bytes."""
    ctx = Context.of(document)
    first = plan_first_page(ctx)
    table = LineTable(ctx)
    pieces: list[Piece] = [table.row(line) for line in document.lines]
    pieces.extend(tail_pieces(ctx))
    with_form = ctx.shows_transfer_form
    frame = Frame(
        first_top=first.body_top,
        next_top=NEXT_PAGE_BODY_TOP,
        bottom=body_bottom(with_form=False),
        last_bottom=body_bottom(with_form),
        header_height=HEADER_HEIGHT,
    )
    pages = paginate(pieces, frame)
    footer = footer_columns(ctx)
    title = f"{ctx.title} {document.number}" if document.number else ctx.title
    sheet = Sheet(
        title=title,
        author=document.seller.name,
        subject=f"{title} – {document.buyer.name}",
        language=document.language,
        created=document.issued_at,
    )
    for number, page in enumerate(pages, start=1):
        last = number == len(pages)
        if document.draft:
            _watermark(sheet, ctx.labels.draft)
        if number == 1:
            draw_first_page(sheet, ctx, first, len(pages))
        else:
            draw_next_page(sheet, ctx, number, len(pages))
        if page.header_y is not None:
            table.draw_header(sheet, page.header_y)
        for index, top in page.placed:
            pieces[index].draw(sheet, top)
        draw_footer(sheet, footer, footer_top(with_form and last))
        if with_form and last:
            draw_transfer_form(sheet, ctx, payment_codes(ctx))
        sheet.end_page()
    return sheet.finish()
