"""The Finnish bank transfer form (tilisiirto / girering) across the bottom of the last page.

Grid, labels and measures follow ../shared/domain/tilisiirto-and-terms.md §1, which gathers them
from open implementations (the official FFI measures were not available, so they are
unverified): Kitsas's grid (rows at 16.9, 31.7, 52.8, 61.3 and 69.8 mm from the form's top,
a 20 mm label column, 0.5 mm rules and a 0.13 mm signature line), the middle rule at 111.4 mm
and "Euro" at 158 mm (kitupiikki, rockola), the QR code 30 mm square in the top-right box,
5 mm in from the right edge and the form's top (Kitsas), and the bank barcode in a 100 x 13 mm
box 72 mm below the form's top, 10 mm from the left edge (Kitsas), with nothing else printed in
its area (the guide forbids it, artoh/kitupiikki PR #374): the 54 digits are printed in the
payment details above instead.

The labels are the form's own, Finnish above Swedish, whatever the invoice's language: it is
the banks' bilingual form. Values: the seller's accounts (IBAN and BIC), name and address; the
buyer's name and address; the invoice number as the message; the reference, due date and
amount. A draft's preview shows the form without reference, barcode and QR code.
"""

from __future__ import annotations

from dataclasses import dataclass

from laskutin.core.errors import RuleViolation
from laskutin.documents.pdf.codes import QrMatrix, code128_bars, qr_matrix
from laskutin.documents.pdf.context import Context, iban_text
from laskutin.documents.pdf.fonts import BOLD, REGULAR, text_width
from laskutin.documents.pdf.layout import FORM_TOP, PAGE_WIDTH
from laskutin.documents.pdf.sheet import MM, Sheet
from laskutin.documents.pdf.text import clip, wrap
from laskutin.finnish.barcode import Code128C, code128c
from laskutin.finnish.qr import epc_qr_payload

# Rows (mm from the form's top) and columns (mm from the page's left edge).
ROW_1, ROW_2, ROW_3, ROW_4, ROW_5 = 16.9, 31.7, 52.8, 61.3, 69.8
SIGNATURE = 57.0
RULE_START = 6.0  # left of it, the form's rotated name
LABEL_COLUMN = 20.0
MIDDLE = 111.4
RIGHT_LABEL_COLUMN = MIDDLE + 20.0
EURO = 158.0
EDGE = PAGE_WIDTH - 5.0  # right end of values
GRID = 0.5  # rule widths, mm
FINE = 0.13
QR_SIZE = 30.0  # with its quiet zone
QR_LEFT = PAGE_WIDTH - 5.0 - QR_SIZE
QR_TOP = 5.0
BARCODE_BOX = (10.0, 72.0, 100.0, 13.0)  # left, top, width, height
MODULE = 0.3  # bar module width: 332 modules are 99.6 mm
NOTE_LEFT = 115.0  # the terms note, clear of the barcode's quiet zone

LABEL_SIZE = 5.5
LABEL_STEP = 2.2
LABELS = (  # (top of the labels, lines), right-aligned in the left label column
    (0.0, ("Saajan", "tilinumero", "Mottagarens", "kontonummer")),
    (ROW_1, ("Saaja", "Mottagare")),
    (ROW_2, ("Maksajan", "nimi ja", "osoite", "Betalarens", "namn och", "adress")),
    (ROW_3, ("Allekirjoitus", "Underskrift")),
    (ROW_4, ("Tililtä nro", "Från konto nr")),
)
RIGHT_LABELS = ((ROW_3, ("Viitenumero", "Ref.nr")), (ROW_4, ("Eräpäivä", "Förfallodag")))
TITLE = "TILISIIRTO  GIRERING"
TERMS = (
    "Maksu välitetään saajalle maksujenvälityksen ehtojen mukaisesti ja vain maksajan "
    "ilmoittaman tilinumeron perusteella.",
    "Betalningen förmedlas till mottagaren enligt villkoren för betalningsförmedling och endast "
    "till det kontonummer som betalaren angivit.",
)


@dataclass(frozen=True)
class Codes:
    barcode: Code128C | None
    qr: QrMatrix | None


def payment_codes(ctx: Context) -> Codes:
    """The bank barcode and the QR code of a payable invoice (none for a draft or a credit
    note). The QR code asks for the invoice's total, the amount due when it was issued (as the
    barcode does); either code is left out when its rules refuse the data (a foreign IBAN has
    no bank barcode, an unknown bank's BIC no QR code)."""
    doc = ctx.document
    if not doc.payable:
        return Codes(None, None)
    barcode = qr = None
    try:
        barcode = code128c(doc.bank_barcode) if doc.bank_barcode else None
    except RuleViolation:
        barcode = None
    if doc.bank_accounts:
        account = doc.bank_accounts[0]
        try:
            payload = epc_qr_payload(
                name=doc.seller.name,
                iban=account.iban,
                bic=account.bic,
                amount=doc.total,
                reference=doc.reference,
                due_date=doc.due_date,
            )
            qr = qr_matrix(payload.data)
        except RuleViolation:
            qr = None
    return Codes(barcode, qr)


def _grid(sheet: Sheet, top: float) -> None:
    def rule(x1: float, f1: float, x2: float, f2: float, width: float = GRID) -> None:
        sheet.line(x1, top + f1, x2, top + f2, width=width)

    sheet.line(0.0, top, PAGE_WIDTH, top, width=0.2, grey=0.4, dash=(2.0, 1.5))  # cut here
    rule(RULE_START, ROW_1, MIDDLE, ROW_1)
    rule(RULE_START, ROW_2, MIDDLE, ROW_2)
    rule(MIDDLE, ROW_3, PAGE_WIDTH, ROW_3)
    rule(RULE_START, ROW_4, PAGE_WIDTH, ROW_4)
    rule(RULE_START, ROW_5, PAGE_WIDTH, ROW_5)
    rule(LABEL_COLUMN + 2.0, SIGNATURE, MIDDLE - 3.0, SIGNATURE, FINE)
    rule(LABEL_COLUMN, 0.0, LABEL_COLUMN, ROW_5)
    rule(MIDDLE, 0.0, MIDDLE, ROW_5)
    rule(RIGHT_LABEL_COLUMN, ROW_3, RIGHT_LABEL_COLUMN, ROW_5)
    rule(EURO, ROW_4, EURO, ROW_5)


def _labels(sheet: Sheet, top: float) -> None:
    for right, groups in ((LABEL_COLUMN - 0.7, LABELS), (RIGHT_LABEL_COLUMN - 0.7, RIGHT_LABELS)):
        for row_top, lines in groups:
            for index, line in enumerate(lines):
                y = top + row_top + 2.5 + index * LABEL_STEP
                sheet.text(right, y, line, size=LABEL_SIZE, align="right")
    sheet.text(EURO + 1.0, top + ROW_4 + 2.5, "Euro", size=LABEL_SIZE)
    sheet.text(LABEL_COLUMN + 2.0, top + 2.5, "IBAN", size=LABEL_SIZE)
    sheet.text(LABEL_COLUMN + 52.0, top + 2.5, "BIC", size=LABEL_SIZE)
    # The form's name, read bottom to top along the left edge.
    length = text_width(TITLE, BOLD, 7.0) / MM
    sheet.rotated_text(4.6, top + (ROW_5 + length) / 2, TITLE, cos=0.0, sin=1.0, face=BOLD, size=7)
    y = top + BARCODE_BOX[1] + 1.5
    for paragraph in TERMS:
        for line in wrap(paragraph, REGULAR, 6.0, EDGE - NOTE_LEFT):
            sheet.text(NOTE_LEFT, y, line, size=6.0)
            y += 2.4
        y += 0.8


def _values(sheet: Sheet, ctx: Context, top: float) -> None:
    doc, fmt = ctx.document, ctx.fmt
    x = LABEL_COLUMN + 2.0
    for index, account in enumerate(doc.bank_accounts[:3]):
        y = top + 6.3 + 3.6 * index
        sheet.text(x, y, iban_text(account.iban), size=9.0)
        if account.bic:
            sheet.text(x + 50.0, y, account.bic, size=9.0)
    width = MIDDLE - x - 2.0
    seller = [doc.seller.name, *ctx.address_lines(doc.seller.address)]
    for index, line in enumerate(seller[:3]):
        sheet.text(x, top + ROW_1 + 4.0 + 3.6 * index, clip(line, REGULAR, 8.5, width), size=8.5)
    buyer = [doc.buyer.name, *ctx.address_lines(doc.buyer.address)]
    for index, line in enumerate(buyer[:4]):
        sheet.text(x, top + ROW_2 + 4.5 + 3.7 * index, clip(line, REGULAR, 9.0, width), size=9.0)
    if doc.number:
        message = ctx.labels.message.format(number=doc.number)
        sheet.text(MIDDLE + 2.5, top + 8.0, clip(message, REGULAR, 9.0, QR_LEFT - MIDDLE - 5.0))
    value_x = RIGHT_LABEL_COLUMN + 2.5
    if ctx.reference:
        sheet.text(value_x, top + ROW_3 + 5.8, ctx.reference, face=BOLD, size=10.0)
    if doc.due_date and not doc.draft:
        sheet.text(value_x, top + ROW_4 + 6.0, fmt.date(doc.due_date), face=BOLD, size=10.0)
    amount = fmt.amount(doc.total)
    sheet.text(EDGE, top + ROW_4 + 6.0, amount, face=BOLD, size=10.0, align="right")


def _codes(sheet: Sheet, codes: Codes, top: float) -> None:
    if codes.qr is not None:
        module = QR_SIZE / codes.qr.modules
        sheet.fill_rects(QR_LEFT, top + QR_TOP, module, codes.qr.runs)
    if codes.barcode is not None:
        left, box_top, width, height = BARCODE_BOX
        x = left + (width - codes.barcode.modules * MODULE) / 2
        rows = round(height / MODULE)  # the grid's unit is one module, both ways
        bars = [(start, 0, bar, rows) for start, bar in code128_bars(codes.barcode)]
        sheet.fill_rects(x, top + box_top, MODULE, bars)


def draw_transfer_form(sheet: Sheet, ctx: Context, codes: Codes) -> None:
    top = FORM_TOP
    _grid(sheet, top)
    _labels(sheet, top)
    _values(sheet, ctx, top)
    _codes(sheet, codes, top)
