"""Quotes' pure rules: the derived status (expiry) and the quote PDF (the invoice layout
without anything to pay)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from laskutin.documents.pdf import render_pdf
from laskutin.documents.pdf.quote import render_quote
from laskutin.documents.pdf.sample import sample_invoice
from laskutin.quotes.domain import Status, default_valid_until, derive_status
from tests.unit.documents.pdfs import decode_page, pdf_text

LAST_DAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("state", "today", "expected"),
    [
        ("draft", LAST_DAY, Status.DRAFT),
        ("sent", LAST_DAY, Status.SENT),
        ("draft", LAST_DAY + dt.timedelta(days=1), Status.EXPIRED),
        ("sent", LAST_DAY + dt.timedelta(days=1), Status.EXPIRED),
        ("accepted", LAST_DAY + dt.timedelta(days=1), Status.ACCEPTED),
        ("declined", LAST_DAY + dt.timedelta(days=1), Status.DECLINED),
    ],
)
def test_expired_is_an_open_quote_past_its_last_valid_day(
    state: str, today: dt.date, expected: Status
) -> None:
    assert derive_status(state, LAST_DAY, today) is expected


def test_valid_for_30_days_by_default() -> None:
    assert default_valid_until(dt.date(2026, 3, 5)) == dt.date(2026, 4, 4)


@pytest.mark.parametrize(
    ("language", "title", "valid", "payment"),
    [
        ("fi", "TARJOUS", "Voimassa 20.12.2026", "Viitenumero"),
        ("sv", "OFFERT", "Giltig till 2026-12-20", "Referensnummer"),
        ("en", "QUOTE", "Valid until 20 Dec 2026", "Reference number"),
    ],
)
def test_a_quote_pdf_has_its_validity_and_nothing_to_pay(
    language: str, title: str, valid: str, payment: str
) -> None:
    invoice = sample_invoice(3, language=language)  # type: ignore[arg-type]
    quote = dataclasses.replace(
        invoice,
        kind="quote",
        valid_until=dt.date(2026, 12, 20),
        due_date=None,
        payment_terms_days=None,
        reference=None,
        bank_barcode=None,
        penalty_interest_percent=None,
        penalty_interest_text=None,
    )
    pdf = render_pdf(quote)
    assert pdf == render_pdf(quote)  # the same document, the same bytes
    text = " ".join(pdf_text(pdf))
    assert title in text
    assert valid in text
    assert payment not in text
    assert decode_page(pdf) == []  # no barcode, no QR code
    assert decode_page(render_pdf(invoice)) != []  # (which the invoice has)


def test_render_quote_refuses_an_invoice() -> None:
    with pytest.raises(ValueError, match="not a quote"):
        render_quote(sample_invoice(1))
