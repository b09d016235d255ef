"""The line table: description, quantity, unit, unit price, discount (only when a line has
one), VAT rate, and the line's net amount, VAT and total, so each line shows its VAT.

Amounts print without the currency (the totals below carry it). A description wraps onto as
many lines as it needs; a row is never split across pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from laskutin.documents.data import DocumentLine
from laskutin.documents.pdf.context import Context
from laskutin.documents.pdf.fonts import BOLD, REGULAR, text_width
from laskutin.documents.pdf.layout import LEFT, RIGHT
from laskutin.documents.pdf.sheet import MM, Sheet
from laskutin.documents.pdf.text import wrap

SIZE = 8.0
HEADER_SIZE = 7.5
LINE_STEP = 3.4
PADDING = 1.5  # a row's height beyond its lines
HEADER_HEIGHT = 6.5
CELL_PAD = 1.2  # between a column's edge and its text

ColumnKey = Literal[
    "description", "quantity", "unit", "unit_price", "discount", "vat_rate", "net", "vat", "total"
]

# (key, width in mm, alignment); the description takes what the others leave.
_COLUMNS: tuple[tuple[ColumnKey, float, str], ...] = (
    ("quantity", 13.0, "right"),
    ("unit", 10.0, "left"),
    ("unit_price", 19.0, "right"),
    ("discount", 12.0, "right"),
    ("vat_rate", 12.0, "right"),
    ("net", 20.0, "right"),
    ("vat", 17.0, "right"),
    ("total", 20.0, "right"),
)


@dataclass(frozen=True)
class Column:
    key: ColumnKey
    left: float
    right: float
    align: str

    def x(self) -> float:
        """Where the text is anchored: the left edge plus padding, or the right edge less it
        (the last column ends exactly at the margin)."""
        if self.align == "left":
            return self.left + CELL_PAD
        return self.right if self.right >= RIGHT else self.right - CELL_PAD


def columns(with_discount: bool) -> list[Column]:
    chosen = [c for c in _COLUMNS if with_discount or c[0] != "discount"]
    x = RIGHT - sum(width for _, width, _ in chosen)
    result = [Column("description", LEFT, x, "left")]
    for key, width, align in chosen:
        result.append(Column(key, x, x + width, align))
        x += width
    return result


@dataclass(frozen=True)
class Row:
    """One line of the table, measured; drawn by its table."""

    table: LineTable
    cells: dict[ColumnKey, list[str]]
    grey_from: int  # description lines from this one on are a note (the line's own date)
    height: float
    is_row: bool = True
    keep_with_next: bool = False

    def draw(self, sheet: Sheet, top: float) -> None:
        self.table.draw_row(sheet, self, top)


class LineTable:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.columns = columns(any(line.discount_percent for line in ctx.document.lines))
        self.by_key = {column.key: column for column in self.columns}
        labels = ctx.labels
        self.headings: dict[ColumnKey, str] = {
            "description": labels.description,
            "quantity": labels.quantity,
            "unit": labels.unit,
            "unit_price": labels.unit_price,
            "discount": labels.discount,
            "vat_rate": labels.vat_rate,
            "net": labels.net,
            "vat": labels.vat,
            "total": labels.line_total,
        }
        doc = ctx.document
        self._document_tax_point = doc.delivery_date or doc.invoice_date

    def row(self, line: DocumentLine) -> Row:
        fmt, labels = self.ctx.fmt, self.ctx.labels
        description = self.by_key["description"]
        width = description.right - description.left - 2 * CELL_PAD
        text = wrap(line.description, REGULAR, SIZE, width) or [""]
        grey_from = len(text)
        if line.tax_point and line.tax_point != self._document_tax_point:
            text.append(labels.tax_point.format(date=fmt.date(line.tax_point)))
        unit = self.by_key["unit"]
        units = wrap(line.unit or "", REGULAR, SIZE, unit.right - unit.left - CELL_PAD)
        cells: dict[ColumnKey, list[str]] = {
            "description": text,
            "quantity": [fmt.quantity(line.quantity)],
            "unit": units,
            "unit_price": [fmt.price(line.unit_price)],
            "discount": [fmt.quantity(line.discount_percent) if line.discount_percent else ""],
            "vat_rate": [fmt.quantity(line.vat_rate)],
            "net": [fmt.amount(line.net_amount)],
            "vat": [fmt.amount(line.vat_amount)],
            "total": [fmt.amount(line.gross_amount)],
        }
        lines = max(len(text), len(units), 1)
        return Row(self, cells, grey_from, lines * LINE_STEP + PADDING)

    def draw_header(self, sheet: Sheet, top: float) -> None:
        baseline = top + 4.0
        for column in self.columns:
            heading = self.headings[column.key]
            # A heading wider than its column ("Rabatt %") is set smaller, never overlapped.
            room = (column.right - column.left - 2 * CELL_PAD) * MM
            size = min(HEADER_SIZE, HEADER_SIZE * room / text_width(heading, BOLD, HEADER_SIZE))
            sheet.text(
                column.x(),
                baseline,
                heading,
                face=BOLD,
                size=round(size, 2),
                align="left" if column.align == "left" else "right",
            )
        sheet.line(LEFT, top + 5.4, RIGHT, top + 5.4, width=0.3)

    def draw_row(self, sheet: Sheet, row: Row, top: float) -> None:
        baseline = top + 3.3
        for column in self.columns:
            for index, text in enumerate(row.cells[column.key]):
                grey = 0.35 if column.key == "description" and index >= row.grey_from else 0.0
                sheet.text(
                    column.x(),
                    baseline + index * LINE_STEP,
                    text,
                    size=SIZE,
                    align="left" if column.align == "left" else "right",
                    grey=grey,
                )
        bottom = top + row.height
        sheet.line(LEFT, bottom, RIGHT, bottom, width=0.1, grey=0.75)
