"""What follows the line table: the VAT breakdown per rate with the legal note of each non-S
category (AVL 209 e § 11-12 kohta), the totals, the notes, and on a payable invoice the payment
details with the 54-digit virtual barcode, to be copied into online banking.

Each piece is one block of the pagination; the notes are a heading and one block per line, so
a long text flows over pages while the heading stays with its first line.
"""

from __future__ import annotations

from dataclasses import dataclass

from laskutin.documents.pdf.context import Context
from laskutin.documents.pdf.fonts import BOLD, REGULAR, text_width
from laskutin.documents.pdf.layout import CONTENT_WIDTH, LEFT, RIGHT, Piece
from laskutin.documents.pdf.sheet import MM, Sheet
from laskutin.documents.pdf.text import wrap

GREY = 0.35
BREAKDOWN_WIDTH = 92.0
RATE_X = LEFT
TAXABLE_X = LEFT + 58.0  # right edges of the breakdown's amounts
VAT_X = LEFT + 88.0
TOTALS_LABEL_X = 118.0
STEP = 3.8


@dataclass(frozen=True)
class Summary:
    """The VAT breakdown (left) beside the totals (right)."""

    ctx: Context
    breakdown: list[tuple[str, str, str, list[str]]]  # rate, taxable, VAT, note lines
    height: float
    is_row: bool = False
    keep_with_next: bool = False

    @classmethod
    def of(cls, ctx: Context) -> Summary:
        fmt = ctx.fmt
        rows = []
        left = 12.0
        for row in ctx.document.vat_breakdown:
            note = row.note if row.vat_category != "S" and row.note else ""
            lines = wrap(note, REGULAR, 7.0, BREAKDOWN_WIDTH - 4.0) if note else []
            rows.append(
                (
                    f"{fmt.quantity(row.vat_rate)} %",
                    fmt.amount(row.taxable_amount),
                    fmt.amount(row.vat_amount),
                    lines,
                )
            )
            left += STEP + 3.2 * len(lines)
        return cls(ctx, rows, max(left, 17.0) + 3.0)

    def draw(self, sheet: Sheet, top: float) -> None:
        labels, fmt, doc = self.ctx.labels, self.ctx.fmt, self.ctx.document
        sheet.text(RATE_X, top + 4.5, labels.vat_breakdown, face=BOLD, size=8.0)
        y = top + 8.5
        sheet.text(RATE_X, y, labels.vat_rate, size=7.0, grey=GREY)
        sheet.text(TAXABLE_X, y, labels.taxable_amount, size=7.0, grey=GREY, align="right")
        sheet.text(VAT_X, y, labels.vat_amount, size=7.0, grey=GREY, align="right")
        y += STEP
        for rate, taxable, vat, note in self.breakdown:
            sheet.text(RATE_X, y, rate, size=8.0)
            sheet.text(TAXABLE_X, y, taxable, size=8.0, align="right")
            sheet.text(VAT_X, y, vat, size=8.0, align="right")
            for line in note:
                y += 3.2
                sheet.text(RATE_X + 2.0, y, line, size=7.0, grey=GREY)
            y += STEP
        currency = doc.currency
        totals = (
            (labels.net_total, fmt.money(doc.net_total, currency), top + 4.5),
            (labels.vat_total, fmt.money(doc.vat_total, currency), top + 8.5),
        )
        for label, value, baseline in totals:
            sheet.text(TOTALS_LABEL_X, baseline, label, size=8.5)
            sheet.text(RIGHT, baseline, value, size=8.5, align="right")
        sheet.line(TOTALS_LABEL_X, top + 10.5, RIGHT, top + 10.5, width=0.3)
        sheet.text(TOTALS_LABEL_X, top + 15.0, labels.total, face=BOLD, size=10.5)
        total = fmt.money(doc.total, currency)
        sheet.text(RIGHT, top + 15.0, total, face=BOLD, size=10.5, align="right")


@dataclass(frozen=True)
class Line:
    """One line of text (a heading, or a line of the notes)."""

    text: str
    face: str = REGULAR
    size: float = 8.5
    height: float = STEP
    keep_with_next: bool = False
    grey: float = 0.0
    is_row: bool = False

    def draw(self, sheet: Sheet, top: float) -> None:
        baseline = top + self.height - 1.0
        sheet.text(LEFT, baseline, self.text, face=self.face, size=self.size, grey=self.grey)


@dataclass(frozen=True)
class PaymentDetails:
    """The 54-digit virtual barcode, to be copied into online banking (the rest of the
    payment details are in the transfer form below it)."""

    ctx: Context
    height: float = 7.0
    is_row: bool = False
    keep_with_next: bool = False

    def draw(self, sheet: Sheet, top: float) -> None:
        labels, code = self.ctx.labels, self.ctx.document.bank_barcode or ""
        y = top + 5.0
        sheet.text(LEFT, y, labels.payment_details, face=BOLD, size=8.0)
        x = LEFT + text_width(labels.payment_details, BOLD, 8.0) / MM + 4.0
        sheet.text(x, y, labels.virtual_barcode, size=8.0, grey=GREY)
        x += text_width(labels.virtual_barcode, REGULAR, 8.0) / MM + 2.5
        sheet.text(x, y, code, size=9.0)


def tail_pieces(ctx: Context) -> list[Piece]:
    """The pieces after the line table, in order."""
    doc, labels = ctx.document, ctx.labels
    pieces: list[Piece] = [Summary.of(ctx)]
    if doc.prices_include_vat:
        pieces.append(Line(labels.prices_include_vat, size=8.0, grey=GREY, height=5.0))
    if doc.notes and doc.notes.strip():
        pieces.append(Line(labels.notes, face=BOLD, size=8.0, height=6.0, keep_with_next=True))
        pieces.extend(Line(text) for text in wrap(doc.notes.strip(), REGULAR, 8.5, CONTENT_WIDTH))
    if doc.payable and doc.bank_barcode:
        pieces.append(PaymentDetails(ctx))
    return pieces
