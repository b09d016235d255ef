"""The top of the pages: on the first, the seller (logo, name, address), the buyer's address
block and the invoice details; on the others, a short header. Both carry "page x / y".

The buyer's address starts 45 mm from the top at the left margin, where the window of the
common C5/E5 window envelopes falls for an A4 sheet folded in three (not checked against SFS
2487). The details (number, dates, terms, reference, ...) are a label/value list on the right.
"""

from __future__ import annotations

from dataclasses import dataclass

from laskutin.documents.pdf.context import Context
from laskutin.documents.pdf.fonts import BOLD, REGULAR
from laskutin.documents.pdf.layout import LEFT, RIGHT
from laskutin.documents.pdf.logo import PreparedLogo, prepared_logo
from laskutin.documents.pdf.sheet import Sheet
from laskutin.documents.pdf.text import wrap

LABEL_X = 112.0  # the details: labels, then values
VALUE_X = 150.0
LEFT_WIDTH = 90.0  # the seller's and the buyer's blocks
LOGO_TOP = 12.0
BUYER_TOP = 48.0  # baseline of the buyer's name
DETAILS_TOP = 26.0  # baseline of the first detail
DETAILS_STEP = 3.9
GREY = 0.35


@dataclass(frozen=True)
class FirstPage:
    logo: PreparedLogo | None
    seller: list[tuple[str, str, float, float]]  # (text, face, size, baseline y)
    buyer: list[tuple[str, str, float, float, float]]  # (text, face, size, baseline y, grey)
    details: list[tuple[str, list[str], float]]  # (label, value lines, baseline y)
    body_top: float


def quote_detail_rows(ctx: Context) -> list[tuple[str, str]]:
    """A quote's details: number, date, the last valid day, references; nothing to pay."""
    doc, labels, fmt = ctx.document, ctx.labels, ctx.fmt
    rows: list[tuple[str, str]] = []
    if doc.number:
        rows.append((labels.quote_number, doc.number))
    if doc.invoice_date:
        rows.append((labels.quote_date, fmt.date(doc.invoice_date)))
    if doc.valid_until:
        rows.append((labels.valid_until, fmt.date(doc.valid_until)))
    if doc.buyer_reference:
        rows.append((labels.buyer_reference, doc.buyer_reference))
    if doc.buyer.customer_number is not None:
        rows.append((labels.customer_number, str(doc.buyer.customer_number)))
    return rows


def detail_rows(ctx: Context) -> list[tuple[str, str]]:
    doc, labels, fmt = ctx.document, ctx.labels, ctx.fmt
    if doc.is_quote:
        return quote_detail_rows(ctx)
    rows: list[tuple[str, str]] = []
    if doc.number:
        number = labels.credit_note_number if doc.is_credit_note else labels.invoice_number
        rows.append((number, doc.number))
    if doc.invoice_date:
        rows.append((labels.invoice_date, fmt.date(doc.invoice_date)))
    if doc.delivery_date:
        rows.append((labels.delivery_date, fmt.date(doc.delivery_date)))
    if doc.credited_invoice:
        credited = doc.credited_invoice
        rows.append(
            (labels.credited_invoice, f"{credited.number} ({fmt.date(credited.invoice_date)})")
        )
    if not doc.is_credit_note:
        if doc.due_date:
            rows.append((labels.due_date, fmt.date(doc.due_date)))
        if doc.payment_terms_days is not None:
            days = doc.payment_terms_days
            terms = labels.terms_days.format(days=days) if days else labels.terms_now
            rows.append((labels.payment_terms, terms))
        if ctx.reference:
            rows.append((labels.reference, ctx.reference))
    if doc.buyer_reference:
        rows.append((labels.buyer_reference, doc.buyer_reference))
    if doc.order_reference:
        rows.append((labels.order_reference, doc.order_reference))
    if doc.buyer.customer_number is not None:
        rows.append((labels.customer_number, str(doc.buyer.customer_number)))
    if not doc.is_credit_note:
        percent = doc.penalty_interest_percent
        interest = labels.interest_act if percent is None else f"{fmt.quantity(percent)} %"
        rows.append((labels.penalty_interest, interest))
    return rows


def _seller(ctx: Context, logo: PreparedLogo | None) -> list[tuple[str, str, float, float]]:
    seller = ctx.document.seller
    lines: list[tuple[str, str, float, float]] = []
    y = LOGO_TOP + logo.height + 4.5 if logo else 18.0
    size = 9.5 if logo else 13.0
    for part in wrap(seller.name, BOLD, size, LEFT_WIDTH):
        lines.append((part, BOLD, size, y))
        y += size * 0.42
    y += 0.6
    for part in ctx.address_lines(seller.address):
        lines.append((part, REGULAR, 8.0, y))
        y += 3.5
    return lines


def _buyer(ctx: Context, top: float) -> list[tuple[str, str, float, float, float]]:
    doc, labels = ctx.document, ctx.labels
    buyer = doc.buyer
    lines: list[tuple[str, str, float, float, float]] = []
    y = top

    def add(text: str, face: str, size: float, step: float, grey: float = 0.0) -> None:
        nonlocal y
        for part in wrap(text, face, size, LEFT_WIDTH):
            lines.append((part, face, size, y, grey))
            y += step

    add(buyer.name, BOLD, 10.0, 4.4)
    if buyer.contact_person:
        add(buyer.contact_person, REGULAR, 9.0, 4.1)
    for part in ctx.address_lines(buyer.address):
        add(part, REGULAR, 9.0, 4.1)
    y += 1.5
    if buyer.business_id:
        add(f"{labels.business_id} {buyer.business_id}", REGULAR, 8.0, 3.6, GREY)
    if buyer.vat_number:
        add(f"{labels.vat_number} {buyer.vat_number}", REGULAR, 8.0, 3.6, GREY)
    delivery = doc.delivery_address
    if delivery is not None:
        y += 1.5
        add(labels.delivery_address, REGULAR, 7.5, 3.5, GREY)
        parts = [delivery.name] if delivery.name else []
        for part in [*parts, *ctx.address_lines(delivery)]:
            add(part, REGULAR, 8.0, 3.6)
    return lines


def plan_first_page(ctx: Context) -> FirstPage:
    """Where everything of the first page's top goes, and where the body starts below it."""
    logo = prepared_logo(ctx.document.logo)
    seller = _seller(ctx, logo)
    buyer_top = max(BUYER_TOP, seller[-1][3] + 9.0)
    buyer = _buyer(ctx, buyer_top)
    details: list[tuple[str, list[str], float]] = []
    y = DETAILS_TOP
    for label, value in detail_rows(ctx):
        lines = wrap(value, REGULAR, 9.0, RIGHT - VALUE_X)
        details.append((label, lines, y))
        y += DETAILS_STEP + 3.6 * (len(lines) - 1)
    left_end = buyer[-1][3] if buyer else buyer_top
    body_top = max(left_end, y - DETAILS_STEP, 62.0) + 7.0
    return FirstPage(logo, seller, buyer, details, body_top)


def _page_number(sheet: Sheet, ctx: Context, page: int, pages: int) -> None:
    label = ctx.labels.page.format(page=page, pages=pages)
    sheet.text(RIGHT, 10.0, label, size=7.5, align="right", grey=GREY)


def draw_first_page(sheet: Sheet, ctx: Context, plan: FirstPage, pages: int) -> None:
    if plan.logo is not None:
        sheet.image(plan.logo.image, LEFT, LOGO_TOP, plan.logo.width, plan.logo.height)
    _page_number(sheet, ctx, 1, pages)
    sheet.text(LABEL_X, 19.0, ctx.title, face=BOLD, size=15.0)
    for text, face, size, y in plan.seller:
        sheet.text(LEFT, y, text, face=face, size=size)
    for text, face, size, y, grey in plan.buyer:
        sheet.text(LEFT, y, text, face=face, size=size, grey=grey)
    for label, lines, y in plan.details:
        sheet.text(LABEL_X, y, label, size=8.0, grey=GREY)
        for offset, line in enumerate(lines):
            sheet.text(VALUE_X, y + 3.6 * offset, line, size=9.0)


def draw_next_page(sheet: Sheet, ctx: Context, page: int, pages: int) -> None:
    doc = ctx.document
    _page_number(sheet, ctx, page, pages)
    sheet.text(LEFT, 17.0, doc.seller.name, face=BOLD, size=9.5)
    title = f"{ctx.title} {doc.number}" if doc.number else ctx.title
    sheet.text(RIGHT, 17.0, title, face=BOLD, size=10.5, align="right")
    sheet.line(LEFT, 20.5, RIGHT, 20.5, width=0.2, grey=0.6)
