"""The footer of every page: the seller's address, ids (Y-tunnus, VAT number, e-invoice
address), contact details and bank accounts, in four columns of at most five lines."""

from __future__ import annotations

from laskutin.documents.pdf.context import Context, iban_text
from laskutin.documents.pdf.fonts import BOLD, REGULAR, text_width
from laskutin.documents.pdf.layout import LEFT, RIGHT
from laskutin.documents.pdf.sheet import MM, Sheet
from laskutin.documents.pdf.text import clip

SIZE = 7.0
STEP = 3.0
MAX_LINES = 5
GREY = 0.25
# Column left edges; the last column (bank accounts) runs to the right margin.
COLUMNS = (LEFT, 56.0, 102.0, 146.0)


def _widths() -> list[float]:
    edges = [*COLUMNS, RIGHT]
    return [edges[i + 1] - edges[i] - 2.0 for i in range(len(COLUMNS))]


def _accounts(ctx: Context, width: float) -> list[str]:
    lines: list[str] = []
    for account in ctx.document.bank_accounts:
        iban = iban_text(account.iban)
        both = f"{iban}  {account.bic}" if account.bic else iban
        if text_width(both, REGULAR, SIZE) <= width * MM:
            lines.append(both)
        else:
            lines.append(iban)
            if account.bic:
                lines.append(f"BIC {account.bic}")
    return lines


def footer_columns(ctx: Context) -> list[list[str]]:
    """The footer's text, column by column (the first line of the first is the name)."""
    seller, labels = ctx.document.seller, ctx.labels
    ids: list[str] = []
    if seller.business_id:
        ids.append(f"{labels.business_id} {seller.business_id}")
    if seller.vat_number:
        ids.append(f"{labels.vat_number} {seller.vat_number}")
    if seller.einvoice_address:
        ids.append(f"{labels.einvoice_address} {seller.einvoice_address}")
    if seller.einvoice_operator:
        ids.append(f"{labels.einvoice_operator} {seller.einvoice_operator}")
    # An e-mail address and a web address speak for themselves; a number needs its label.
    contact = [f"{labels.phone} {seller.phone}"] if seller.phone else []
    contact += [value for value in (seller.email, seller.website) if value]
    widths = _widths()
    columns = [
        [seller.name, *ctx.address_lines(seller.address)],
        ids,
        contact,
        _accounts(ctx, widths[3]),
    ]
    return [
        [clip(line, _face(c, i), SIZE, widths[c]) for i, line in enumerate(column[:MAX_LINES])]
        for c, column in enumerate(columns)
    ]


def _face(column: int, line: int) -> str:
    return BOLD if column == 0 and line == 0 else REGULAR  # the seller's name


def draw_footer(sheet: Sheet, columns: list[list[str]], top: float) -> None:
    sheet.line(LEFT, top, RIGHT, top, width=0.2, grey=0.6)
    for c, column in enumerate(columns):
        for i, line in enumerate(column):
            sheet.text(
                COLUMNS[c], top + 3.6 + STEP * i, line, face=_face(c, i), size=SIZE, grey=GREY
            )
