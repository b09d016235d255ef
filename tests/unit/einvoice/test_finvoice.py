"""What the Finvoice 3.0 message says (its validity: test_every_kind.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from lxml import etree

from laskutin.einvoice.formats import write
from laskutin.einvoice.validation import validate
from tests.unit.einvoice.documents import (
    BUYER,
    DOMESTIC,
    EXEMPT,
    INTRA_COMMUNITY,
    MIXED_2026,
    SELLER,
    SWEDISH_BUYER,
    credit_note,
    invoice,
)


def _tree(document: Any) -> Any:
    return etree.fromstring(write(document, "finvoice"))


def _texts(tree: Any, path: str) -> list[str]:
    return [element.text or "" for element in tree.iterfind(path)]


def test_comma_decimals_dates_and_the_vat_rows() -> None:
    tree = _tree(invoice(MIXED_2026, invoice_date=dt.date(2026, 3, 2)))

    assert tree.get("Version") == "3.0"
    assert tree.findtext("InvoiceDetails/InvoiceDate") == "20260302"
    assert tree.find("InvoiceDetails/InvoiceDate").get("Format") == "CCYYMMDD"
    rows = tree.findall("InvoiceDetails/VatSpecificationDetails")
    assert [(r.findtext("VatRatePercent"), r.findtext("VatCode")) for r in rows] == [
        ("25,5", "S"),
        ("13,5", "S"),
        ("10", "S"),
    ]
    assert all("," in r.findtext("VatRateAmount") for r in rows)
    assert tree.findtext("InvoiceRow/InvoicedQuantity") == "2"
    assert tree.find("InvoiceRow/InvoicedQuantity").get("QuantityUnitCodeUN") == "HUR"


def test_the_payment_instruction() -> None:
    national = _tree(invoice(DOMESTIC))
    rf = _tree(invoice(DOMESTIC, rf_reference=True))

    reference = national.find("EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier")
    assert (reference.text, reference.get("IdentificationSchemeName")) == ("10155", "SPY")
    reference = rf.find("EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier")
    assert reference.text.startswith("RF")
    assert reference.get("IdentificationSchemeName") == "ISO"
    assert national.findtext("EpiDetails/EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier") == (
        "NDEAFIHH"
    )
    beneficiary = national.find("EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails")
    assert beneficiary.findtext("EpiAccountID") == "FI2112345600000785"
    assert national.findtext("EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount") == (
        "1063,27"
    )
    assert (
        national.findtext("SellerInformationDetails/SellerAccountDetails/SellerBic") == "NDEAFIHH"
    )


def test_a_missing_bic_comes_from_the_finnish_iban() -> None:
    tree = _tree(invoice(EXEMPT, bic=None))
    assert tree.findtext("EpiDetails/EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier") == (
        "NDEAFIHH"
    )


def test_a_credit_note_is_inv02_with_negative_amounts_and_the_original() -> None:
    tree = _tree(credit_note(DOMESTIC))

    assert tree.findtext("InvoiceDetails/InvoiceTypeCode") == "INV02"
    assert tree.findtext("InvoiceDetails/InvoiceTypeCodeUN") == "381"
    assert tree.findtext("InvoiceDetails/InvoiceTypeText") == "HYVITYSLASKU"
    assert tree.findtext("InvoiceDetails/OriginalInvoiceNumber") == "2026-15"
    assert tree.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "-1063,27"
    assert tree.findtext("InvoiceRow/InvoicedQuantity") == "-7,5"


def test_legal_notes_are_free_text_and_vat_rows_carry_their_code() -> None:
    tree = _tree(invoice(INTRA_COMMUNITY, buyer=SWEDISH_BUYER, notes=None))

    row = tree.find("InvoiceDetails/VatSpecificationDetails")
    assert row.findtext("VatCode") == "K"
    assert row.findtext("VatExemptionReasonCode") == "VATEX-EU-IC"
    assert all(len(text) <= 70 for text in _texts(row, "VatFreeText"))
    assert _texts(tree, "InvoiceDetails/InvoiceFreeText") == [
        "Veroton yhteisömyynti (AVL 72 a §; arvonlisäverodirektiivi art. 138)"
    ]
    assert tree.findtext("BuyerPartyDetails/BuyerOrganisationTaxCode") == "SE556036079301"


def test_routing_is_written_when_both_operators_are_known() -> None:
    without = _tree(invoice(DOMESTIC))
    assert without.find("MessageTransmissionDetails") is None
    assert without.findtext("BuyerOrganisationUnitNumber") == "003701162976"

    document = invoice(
        DOMESTIC,
        seller=replace(SELLER, einvoice_operator="003721291126"),
        buyer=replace(BUYER, einvoice_address="003701162976001", einvoice_operator="NDEAFIHH"),
    )
    details = _tree(document).find("MessageTransmissionDetails")
    assert details.findtext("MessageSenderDetails/FromIdentifier") == "003712345671"
    assert details.find("MessageSenderDetails/FromIdentifier").get("SchemeID") == "0216"
    assert details.findtext("MessageSenderDetails/FromIntermediator") == "003721291126"
    assert details.findtext("MessageReceiverDetails/ToIdentifier") == "003701162976001"
    assert details.findtext("MessageReceiverDetails/ToIntermediator") == "NDEAFIHH"
    assert details.findtext("MessageDetails/MessageIdentifier") == "1234567-1/2026-15"
    assert details.findtext("MessageDetails/SpecificationIdentifier") == "EN16931"


def test_long_texts_are_split_not_refused(artifacts: Path) -> None:
    long = replace(DOMESTIC[0], description="Pitkä kuvaus " * 20)
    document = invoice([long], buyer=replace(BUYER, name="Ostaja " * 15))
    assert validate(write(document, "finvoice"), "finvoice", artifacts) == []
    tree = _tree(document)
    assert len(tree.findtext("InvoiceRow/ArticleName")) == 100
    assert "".join(_texts(tree, "InvoiceRow/RowFreeText")).count("Pitkä") == 20
    assert len(tree.findall("BuyerPartyDetails/BuyerOrganisationName")) == 2
