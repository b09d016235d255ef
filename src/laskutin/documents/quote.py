"""A quote's PDF (``GET /api/v1/quotes/{id}/pdf``): document data from the quote, rendered
with the invoice layout in the quote's language (documents/pdf/quote.py).

A sent (or accepted, or declined) quote prints the seller and buyer copied when it was sent,
so its PDF stays what the customer got; a draft's comes from the company and customer as they
are now, watermarked. Quote PDFs are rendered on each request and never stored: a quote is
read far less often than an invoice, and its PDF carries no payment codes to keep fixed.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.companies.models import Company, CompanyBankAccount, CompanyLogo
from laskutin.companies.service import Actor
from laskutin.customers.models import Customer
from laskutin.documents.build import buyer_party, delivery_address, seller_party
from laskutin.documents.data import (
    BankAccount,
    DocumentLine,
    InvoiceDocument,
    Logo,
    VatRow,
)
from laskutin.documents.pdf import render_pdf
from laskutin.documents.pdf.labels import LABELS
from laskutin.invoices import service as invoices
from laskutin.quotes import service as quotes
from laskutin.quotes.schemas import QuoteRead

_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def quote_document(
    quote: QuoteRead,
    *,
    seller: Mapping[str, Any],
    buyer: Mapping[str, Any],
    logo: Logo | None = None,
) -> InvoiceDocument:
    """The document of ``quote`` with these seller and buyer snapshots (pure)."""
    return InvoiceDocument(
        kind="quote",
        draft=quote.sent_at is None and quote.accepted_at is None,  # never sent: a preview
        number=quote.number,
        invoice_date=quote.quote_date,
        delivery_date=None,
        due_date=None,
        payment_terms_days=None,
        reference=None,
        buyer_reference=quote.buyer_reference,
        order_reference=None,
        notes=quote.notes,
        language=quote.language,
        currency=quote.currency,
        prices_include_vat=quote.prices_include_vat,
        seller=seller_party(seller),
        bank_accounts=tuple(
            BankAccount(iban=a["iban"], bic=a.get("bic")) for a in seller.get("bank_accounts", [])
        ),
        buyer=buyer_party(buyer),
        delivery_address=delivery_address(buyer),
        lines=tuple(
            DocumentLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                vat_rate=Decimal(line.vat_rate),
                vat_category=line.vat_category,
                vat_ground=line.vat_ground,
                net_amount=line.net_amount,
                vat_amount=line.vat_amount,
                gross_amount=line.gross_amount,
                tax_point=None,  # the quote date, printed in the header
            )
            for line in quote.lines
        ),
        vat_breakdown=tuple(
            VatRow(
                vat_category=row.vat_category,
                vat_rate=Decimal(row.vat_rate),
                taxable_amount=row.taxable_amount,
                vat_amount=row.vat_amount,
                vat_ground=row.vat_ground,
                note=row.note,
            )
            for row in quote.vat_breakdown
        ),
        net_total=quote.net_total,
        vat_total=quote.vat_total,
        total=quote.total,
        paid_amount=Decimal(0),
        penalty_interest_percent=None,
        penalty_interest_text=None,
        bank_barcode=None,
        credited_invoice=None,
        logo=logo,
        issued_at=quote.sent_at,
        valid_until=quote.valid_until,
    )


async def _current_snapshots(
    session: AsyncSession, actor: Actor, quote: QuoteRead
) -> tuple[dict[str, Any], dict[str, Any]]:
    company = await session.scalar(select(Company).where(Company.id == actor.company_id))
    assert company is not None  # the actor's company exists (row-level security)
    accounts = list(
        await session.scalars(
            select(CompanyBankAccount)
            .where(CompanyBankAccount.company_id == actor.company_id)
            .order_by(CompanyBankAccount.position)
        )
    )
    customer = await session.scalar(
        select(Customer).where(
            Customer.company_id == actor.company_id, Customer.id == quote.customer_id
        )
    )
    assert customer is not None  # a quote's customer is never deleted (foreign key)
    seller = invoices.seller_snapshot(company, accounts, quote.language)
    return seller, invoices.buyer_snapshot(customer)


@dataclass(frozen=True)
class QuotePdf:
    content: bytes
    filename: str
    etag: str  # the quoted SHA-256 of the bytes


def quote_filename(*, number: str, language: str) -> str:
    """``tarjous-12.pdf``, ``offert-12.pdf``, ``quote-12.pdf`` (ASCII: a header value)."""
    labels = LABELS[language if language in LABELS else "fi"]
    suffix = _UNSAFE_IN_NAME.sub("-", number).strip("-")
    return f"{labels.file_quote}-{suffix or labels.file_draft}.pdf"


async def quote_pdf(session: AsyncSession, *, actor: Actor, quote_id: uuid.UUID) -> QuotePdf:
    """The PDF of the active company's quote ``quote_id`` (NotFound otherwise)."""
    quote = await quotes.get_quote(session, actor=actor, quote_id=quote_id)
    if quote.seller is not None and quote.buyer is not None:
        seller, buyer = quote.seller, quote.buyer
    else:
        seller, buyer = await _current_snapshots(session, actor, quote)
    row = await session.scalar(
        select(CompanyLogo).where(CompanyLogo.company_id == actor.company_id)
    )
    logo = None if row is None else Logo(content_type=row.content_type, data=row.data)
    document = quote_document(quote, seller=seller, buyer=buyer, logo=logo)
    content = await asyncio.to_thread(render_pdf, document)
    etag = '"' + hashlib.sha256(content).hexdigest() + '"'
    return QuotePdf(content, quote_filename(number=quote.number, language=quote.language), etag)
