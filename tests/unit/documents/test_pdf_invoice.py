"""The invoice PDF read back: its text, pages, fonts, determinism (issue 6).

Documents come from ``laskutin.documents.pdf.sample``, built with the real rules (lines and
totals by finnish.lines and finnish.totals, the barcode by finnish.barcode).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from PIL import Image

from laskutin.documents.data import Logo
from laskutin.documents.pdf import RENDERERS, render_pdf
from laskutin.documents.pdf.sample import DUE_DATE, sample_invoice
from laskutin.finnish.reference import format_reference

from .pdfs import fonts, pdf_text, rendered

PAGE = re.compile(r"(?:Sivu|Sida|Page) (\d+) / (\d+)")


def finnish(amount: Decimal) -> str:
    """1234.5 -> "1 234,50", as a Finnish reader writes it (independent of Babel)."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


def test_one_page_invoice_has_number_reference_dates_totals_and_virtual_barcode() -> None:
    document = sample_invoice(10)
    (text,) = pdf_text(rendered(document))
    assert "LASKU" in text
    assert f"Laskun numero {document.number}" in text
    assert document.reference is not None
    assert f"Viitenumero {format_reference(document.reference)}" in text
    assert "Eräpäivä 20.12.2026" in text
    assert "Laskun päivämäärä 6.12.2026" in text
    # Totals as printed in Finnish: 5 415,10 € (the non-breaking spaces extract as spaces).
    assert f"{document.total}" == "5415.10"
    assert "Yhteensä 5 415,10 €" in text
    assert "Veroton yhteensä 4 344,40 €" in text
    assert "ALV yhteensä 1 070,70 €" in text
    assert document.bank_barcode is not None
    assert f"Virtuaaliviivakoodi {document.bank_barcode}" in text
    assert "Sivu 1 / 1" in text


def test_lines_show_their_vat_and_the_breakdown_each_rate() -> None:
    (text,) = pdf_text(rendered(sample_invoice(10)))
    assert "Kuvaus Määrä Yks. À-hinta Ale % ALV % Veroton ALV Yhteensä" in text
    # Suunnittelu: 2,5 h x 95,00 = 237,50 + 25,5 % VAT 60,56 = 298,06
    assert "2,5 h 95,00 25,5 237,50 60,56 298,06" in text
    assert "ALV-erittely" in text
    assert "25,5 % 4 035,00 1 028,93" in text
    assert "13,5 % 309,40 41,77" in text


def test_the_transfer_form_has_its_bilingual_labels_and_values() -> None:
    (text,) = pdf_text(rendered(sample_invoice(3)))
    for label in (
        "Saajan tilinumero Mottagarens kontonummer",
        "Saaja Mottagare",
        "Maksajan nimi ja osoite Betalarens namn och adress",
        "Allekirjoitus Underskrift",
        "Tililtä nro Från konto nr",
        "Viitenumero Ref.nr",
        "Eräpäivä Förfallodag",
        "Euro",
        "TILISIIRTO GIRERING",
        "Maksu välitetään saajalle maksujenvälityksen ehtojen mukaisesti",
        "Betalningen förmedlas till mottagaren",
    ):
        assert label in text, label
    assert "FI21 1234 5600 0007 85 OKOYFIHH" in text
    assert "Lasku 1001" in text


def test_many_lines_continue_on_pages_with_the_header_and_the_form_only_last() -> None:
    document = sample_invoice(80)
    pages = pdf_text(rendered(document))
    assert len(pages) >= 3
    header = "Kuvaus Määrä Yks. À-hinta Ale % ALV % Veroton ALV Yhteensä"
    for number, text in enumerate(pages, start=1):
        assert PAGE.findall(text) == [(str(number), str(len(pages)))]
        assert "Esimerkki Oy" in text  # the footer, and the header of later pages
        assert "Y-tunnus 1234567-1" in text
        if number < len(pages):
            assert header in text  # every page before the last holds rows
            assert "TILISIIRTO" not in text
            assert "Virtuaaliviivakoodi" not in text
    assert "TILISIIRTO GIRERING" in pages[-1]
    assert f"Yhteensä {finnish(document.total)} €" in pages[-1]
    # Every line is printed once: 80 rows, 16 of each of the 5 sample items.
    assert sum(text.count("Lounas 4 hlö") for text in pages) == 16
    assert "LASKU 1001" in pages[1]  # later pages' header: the title and the number


def test_a_credit_note_has_no_transfer_form_no_codes_and_names_the_credited_invoice() -> None:
    document = sample_invoice(4, kind="credit_note")
    (text,) = pdf_text(rendered(document))
    assert "HYVITYSLASKU" in text
    assert "Hyvityslaskun numero 1001" in text
    assert "Hyvitettävä lasku 1000 (30.11.2026)" in text
    assert "Yhteensä -2 726,09 €" in text
    assert "TILISIIRTO" not in text
    assert "Viitenumero" not in text
    assert "Virtuaaliviivakoodi" not in text
    assert "Eräpäivä" not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "sv",
            [
                "FAKTURA",
                "Fakturanummer 1001",
                "Förfallodag 2026-12-20",
                "Referensnummer 10016",
                "Betalningsvillkor 14 dagar netto",
                "Er referens Matti Meikäläinen",
                "Dröjsmålsränta 8 %",
                "Beskrivning Antal Enh. À-pris Rabatt % Moms % Exkl. moms Moms Totalt",
                "Momsspecifikation",
                "Totalt 5 415,10 €",
                "Virtuell streckkod",
                "Sida 1 / 1",
                "FO-nummer 1234567-1",
            ],
        ),
        (
            "en",
            [
                "INVOICE",
                "Invoice number 1001",
                "Due date 20 Dec 2026",
                "Reference number 10016",
                "Payment terms net 14 days",
                "Your reference Matti Meikäläinen",
                "Late payment interest 8 %",
                "Description Qty Unit Unit price Disc. % VAT % Net VAT Total",
                "VAT breakdown",
                "Total 5 415,10 €",
                "Virtual barcode",
                "Page 1 / 1",
                "Business ID 1234567-1",
            ],
        ),
    ],
)
def test_swedish_and_english_labels(language: str, expected: list[str]) -> None:
    (text,) = pdf_text(rendered(sample_invoice(10, language=language)))  # type: ignore[arg-type]
    for phrase in expected:
        assert phrase in text, phrase
    assert "Eräpäivä Förfallodag" in text  # the transfer form stays the banks' fi/sv form


def test_a_draft_is_watermarked_without_number_reference_or_codes() -> None:
    document = sample_invoice(3, draft=True)
    (text,) = pdf_text(rendered(document))
    assert "LASKU (LUONNOS)" in text
    assert "LUONNOS" in text.replace("LASKU (LUONNOS)", "")  # the diagonal watermark
    assert "Laskun numero" not in text
    assert "Viitenumero 1" not in text
    assert "Virtuaaliviivakoodi" not in text
    assert "TILISIIRTO GIRERING" in text  # laid out as the issued invoice will be


def test_the_font_is_embedded_and_is_the_one_shipped_with_reportlab() -> None:
    pdf = rendered(sample_invoice(3))
    found = fonts(pdf)
    assert found
    for font in found:
        assert font["/Subtype"] == "/TrueType"
        assert str(font["/BaseFont"]).endswith(
            ("BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold")
        )
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # the glyphs are in the file
        assert "/ToUnicode" in font  # so the text can be selected and copied


def test_same_document_same_bytes_in_this_and_in_another_process() -> None:
    document = sample_invoice(12, language="sv")
    first = render_pdf(document)
    assert render_pdf(document) == first
    script = (
        "import sys; from laskutin.documents.pdf import render_pdf; "
        "from laskutin.documents.pdf.sample import sample_invoice; "
        "sys.stdout.buffer.write(render_pdf(sample_invoice(12, language='sv')))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, timeout=120
    ).stdout
    assert other == first


def test_the_creation_date_is_the_issue_time() -> None:
    document = dataclasses.replace(
        sample_invoice(1), issued_at=dt.datetime(2027, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    )
    pdf = render_pdf(document)
    assert b"D:20270102030405+00'00'" in pdf


def test_a_logo_is_drawn_and_a_broken_one_is_left_out() -> None:
    image = Image.new("RGBA", (300, 100), (0, 90, 160, 255))
    data = io.BytesIO()
    image.save(data, format="PNG")
    with_logo = render_pdf(sample_invoice(1, logo=Logo("image/png", data.getvalue())))
    assert b"/Subtype /Image" in with_logo
    broken = render_pdf(sample_invoice(1, logo=Logo("image/png", b"\x89PNG\r\n\x1a\nnot an image")))
    assert b"/Subtype /Image" not in broken
    assert "Esimerkki Oy" in pdf_text(broken)[0]


def test_long_texts_wrap_and_the_notes_flow_over_pages() -> None:
    notes = "\n".join(f"Rivi {n}: " + "pitkä selitys " * 12 for n in range(120))
    document = dataclasses.replace(sample_invoice(2), notes=notes)
    pages = pdf_text(render_pdf(document))
    assert len(pages) >= 2
    joined = " ".join(pages)
    assert "Rivi 0:" in joined
    assert "Rivi 119:" in joined
    assert "TILISIIRTO GIRERING" in pages[-1]


def test_every_kind_has_a_renderer() -> None:
    assert set(RENDERERS) == {"invoice", "credit_note", "quote"}
    assert DUE_DATE.isoformat() == "2026-12-20"
