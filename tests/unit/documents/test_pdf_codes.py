"""The bank barcode and the QR code as printed: the last page is rasterised at 300 dpi
(pypdfium2) and decoded (zxing-cpp); what the scanner reads must be exactly what the rules
modules compute (finnish.barcode, finnish.qr)."""

from __future__ import annotations

import dataclasses

from reportlab.graphics.barcode.code128 import _patterns as reportlab_patterns

from laskutin.documents.data import BankAccount
from laskutin.documents.pdf.codes import CODE128_WIDTHS, code128_bars
from laskutin.documents.pdf.sample import BIC, IBAN, sample_invoice
from laskutin.finnish.barcode import code128c, compose_virtual_barcode
from laskutin.finnish.qr import epc_qr_payload
from laskutin.finnish.reference import rf_from_national

from .pdfs import decode_page, rendered

CODE128 = "Code 128"
QR = "QR Code"


def test_the_last_page_decodes_to_exactly_the_barcode_and_the_qr_payload() -> None:
    document = sample_invoice(10)
    found = decode_page(rendered(document))
    barcode = compose_virtual_barcode(
        iban=IBAN, amount=document.total, reference="10016", due_date=document.due_date
    )
    payload = epc_qr_payload(
        name="Esimerkki Oy",
        iban=IBAN,
        bic=BIC,
        amount=document.total,
        reference="10016",
        due_date=document.due_date,
    )
    assert [d.text for d in found if d.format == CODE128] == [barcode]
    assert barcode == document.bank_barcode
    assert [d.text for d in found if d.format == QR] == [payload.text]
    assert payload.text.splitlines()[7] == "EUR5415.10"  # the total: the amount due at issue
    assert len(found) == 2


def test_an_rf_reference_gives_a_version_5_barcode_and_the_rf_in_the_qr() -> None:
    base = sample_invoice(2)
    reference = rf_from_national("10016")
    barcode = compose_virtual_barcode(
        iban=IBAN, amount=base.total, reference=reference, due_date=base.due_date
    )
    document = dataclasses.replace(base, reference=reference, bank_barcode=barcode)
    found = {d.format: d.text for d in decode_page(rendered(document))}
    assert found[CODE128] == barcode
    assert barcode.startswith("5")
    assert found[QR].splitlines()[9] == reference


def test_a_multi_page_invoice_has_its_codes_on_the_last_page_only() -> None:
    document = sample_invoice(60)
    pdf = rendered(document)
    assert decode_page(pdf, page=0, dpi=150) == []
    assert {d.format for d in decode_page(pdf)} == {CODE128, QR}


def test_a_foreign_iban_has_a_qr_code_but_no_bank_barcode() -> None:
    document = dataclasses.replace(
        sample_invoice(2),
        bank_accounts=(BankAccount(iban="DE89370400440532013000", bic="COBADEFFXXX"),),
        bank_barcode=None,  # the barcode takes Finnish IBANs only (issue() leaves it out)
    )
    found = decode_page(rendered(document))
    assert [d.format for d in found] == [QR]
    assert "DE89370400440532013000" in found[0].text


def test_drafts_and_credit_notes_have_no_codes() -> None:
    assert decode_page(rendered(sample_invoice(2, draft=True)), dpi=150) == []
    assert decode_page(rendered(sample_invoice(2, kind="credit_note")), dpi=150) == []


def test_the_code128_table_is_iso_15417s() -> None:
    def widths(pattern: str) -> str:  # ReportLab writes widths as letters: A/a = 1, B/b = 2, ...
        return "".join(str(ord(letter.lower()) - ord("a") + 1) for letter in pattern)

    assert len(CODE128_WIDTHS) == 107
    assert [widths(reportlab_patterns[value]) for value in range(107)] == list(CODE128_WIDTHS)
    assert all(sum(map(int, w)) == 11 for w in CODE128_WIDTHS[:106])


def test_the_bars_of_the_worked_example() -> None:
    code = code128c("421123456000007850012500000000000000000001234561260331")
    assert code.check == 76  # finnish-invoicing.md §2
    bars = code128_bars(code)
    # Start C is 211232: a bar of 2 modules, a space of 1, a bar of 1, a space of 2, a bar of 3.
    assert bars[:3] == [(0, 2), (3, 1), (6, 3)]
    start, width = bars[-1]
    assert start + width == code.modules == 332  # the stop ends with its 2-module bar
