"""A realistic sample document, made with the same rules as a real one (lines and totals by
finnish.lines and finnish.totals, the barcode by finnish.barcode): for the benchmark
(bench/documents_pdf.py), the renderer's tests and a look at the layout.

    .venv/bin/python -m laskutin.documents.pdf.sample 12 sv > /tmp/sample.pdf
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import cast

from laskutin.documents.data import (
    Address,
    BankAccount,
    CreditedInvoice,
    DocumentKind,
    DocumentLine,
    InvoiceDocument,
    Language,
    Logo,
    Party,
    VatRow,
)
from laskutin.finnish.barcode import compose_virtual_barcode
from laskutin.finnish.lines import build_line
from laskutin.finnish.reference import make_national_reference
from laskutin.finnish.totals import invoice_totals

IBAN = "FI2112345600000785"
BIC = "OKOYFIHH"
INVOICE_DATE = dt.date(2026, 12, 6)
DUE_DATE = dt.date(2026, 12, 20)
_ITEMS = (
    ("Suunnittelu ja määrittely", "h", "2.5", "95.00", "general"),
    ("Ohjelmistolisenssi, vuosimaksu 2027", "kpl", "1", "1200.00", "general"),
    ("Käyttöönottokoulutus (2 henkilöä), Åbo/Turku", "pv", "1", "640.00", "general"),
    ("Kirja: Laskutuksen käsikirja", "kpl", "3", "34.90", "books_medicines_culture_transport"),
    ("Lounas", "hlö", "4", "12.50", "foodstuffs_restaurants"),
)


def sample_invoice(
    lines: int = 10,
    *,
    language: Language = "fi",
    kind: DocumentKind = "invoice",
    draft: bool = False,
    logo: Logo | None = None,
    notes: str | None = "Kiitos tilauksesta! Tack för beställningen.",
    reference_base: int = 1001,
) -> InvoiceDocument:
    """An issued invoice (or credit note, or draft) of ``lines`` lines from Esimerkki Oy."""
    credit = kind == "credit_note"
    built = []
    for index in range(lines):
        _, _, quantity, price, rate_class = _ITEMS[index % len(_ITEMS)]
        built.append(
            build_line(
                quantity=f"-{quantity}" if credit else quantity,
                unit_price=price,
                invoice_date=INVOICE_DATE,
                rate_class=rate_class,
                discount_percent="10" if index % 7 == 6 else "0",
                position=index,
                credit_note=credit,
            )
        )
    totals = invoice_totals(built, credit_note=credit)
    reference = make_national_reference(reference_base)
    number = None if draft else str(reference_base)
    payable = not draft and not credit
    barcode = (
        compose_virtual_barcode(
            iban=IBAN, amount=totals.gross_total, reference=reference, due_date=DUE_DATE
        )
        if payable
        else None
    )
    return InvoiceDocument(
        kind=kind,
        draft=draft,
        number=number,
        invoice_date=None if draft else INVOICE_DATE,
        delivery_date=INVOICE_DATE,
        due_date=None if draft or credit else DUE_DATE,
        payment_terms_days=None if credit else 14,
        reference=None if draft else reference,
        buyer_reference="Matti Meikäläinen",
        order_reference="PO-2026-118",
        notes=notes,
        language=language,
        currency="EUR",
        prices_include_vat=False,
        seller=Party(
            name="Esimerkki Oy",
            address=Address(street="Esimerkkikatu 1 A 2", postal_code="00100", city="Helsinki"),
            business_id="1234567-1",
            vat_number="FI12345671",
            email="laskutus@esimerkki.fi",
            phone="+358 40 123 4567",
            website="www.esimerkki.fi",
            einvoice_address="003712345671",
            einvoice_operator="OKOYFIHH",
        ),
        bank_accounts=(BankAccount(iban=IBAN, bic=BIC),),
        buyer=Party(
            name="Asiakas Ab",
            address=Address(street="Kundvägen 5", postal_code="65100", city="Vaasa"),
            business_id="7654321-8",
            contact_person="Maija Asiakas",
            customer_number=1042,
        ),
        delivery_address=None,
        lines=tuple(
            DocumentLine(
                position=index + 1,
                description=_ITEMS[index % len(_ITEMS)][0],
                quantity=line.quantity,
                unit=_ITEMS[index % len(_ITEMS)][1],
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                vat_category=line.category.value,
                vat_ground=None,
                net_amount=amounts.net,
                vat_amount=amounts.vat,
                gross_amount=amounts.gross,
                tax_point=line.tax_point,
            )
            for index, (line, amounts) in enumerate(zip(built, totals.lines, strict=True))
        ),
        vat_breakdown=tuple(
            VatRow(
                vat_category=row.category.value,
                vat_rate=row.rate,
                taxable_amount=row.taxable_amount,
                vat_amount=row.vat_amount,
                vat_ground=None,
                note=None,
            )
            for row in totals.breakdown
        ),
        net_total=totals.net_total,
        vat_total=totals.vat_total,
        total=totals.gross_total,
        paid_amount=Decimal("0.00"),
        penalty_interest_percent=Decimal("8.0"),
        penalty_interest_text="Viivästyskorko 8 %",
        bank_barcode=barcode,
        credited_invoice=CreditedInvoice(number="1000", invoice_date=dt.date(2026, 11, 30))
        if credit
        else None,
        logo=logo,
        issued_at=None if draft else dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC),
    )


if __name__ == "__main__":  # pragma: no cover - a look at the layout
    from laskutin.documents.pdf import render_pdf

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    language = cast(Language, sys.argv[2] if len(sys.argv) > 2 else "fi")
    kind = cast(DocumentKind, sys.argv[3] if len(sys.argv) > 3 else "invoice")
    sys.stdout.buffer.write(render_pdf(sample_invoice(count, language=language, kind=kind)))
