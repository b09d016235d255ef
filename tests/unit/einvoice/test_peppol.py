"""What the Peppol BIS 3 (UBL 2.1) document says (its validity: test_every_kind.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from laskutin.einvoice.codes import unit_code
from laskutin.einvoice.formats import write
from laskutin.einvoice.peppol import CUSTOMIZATION_ID, PROFILE_ID
from tests.unit.einvoice.documents import (
    BUILDER,
    BUYER,
    DOMESTIC,
    EXEMPT,
    EXPORT,
    GERMAN_BUYER,
    INTRA_COMMUNITY,
    MIXED_2026,
    NORWEGIAN_BUYER,
    NOT_SUBJECT,
    REVERSE_CHARGE,
    SELLER,
    credit_note,
    invoice,
)

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _tree(document: Any) -> Any:
    return etree.fromstring(write(document, "peppol"))


def _text(tree: Any, path: str) -> str | None:
    found: str | None = tree.findtext(path, namespaces=NS)
    return found


def test_an_invoice_names_its_profile_parties_and_payment() -> None:
    tree = _tree(invoice(DOMESTIC))

    assert etree.QName(tree).localname == "Invoice"
    assert _text(tree, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert _text(tree, "cbc:ProfileID") == PROFILE_ID
    assert _text(tree, "cbc:InvoiceTypeCode") == "380"
    seller = tree.find("cac:AccountingSupplierParty/cac:Party", NS)
    endpoint = seller.find("cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0216", "003712345671")
    assert _text(seller, "cac:PartyTaxScheme/cbc:CompanyID") == "FI12345671"
    assert _text(seller, "cac:PartyLegalEntity/cbc:CompanyID") == "1234567-1"
    means = tree.find("cac:PaymentMeans", NS)
    assert _text(means, "cbc:PaymentMeansCode") == "58"
    assert _text(means, "cbc:PaymentID") == "10155"
    assert _text(means, "cac:PayeeFinancialAccount/cbc:ID") == "FI2112345600000785"
    assert _text(tree, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "1063.27"


def test_a_discount_is_a_line_allowance() -> None:
    line = _tree(invoice(DOMESTIC)).findall("cac:InvoiceLine", NS)[1]
    allowance = line.find("cac:AllowanceCharge", NS)
    assert _text(allowance, "cbc:ChargeIndicator") == "false"
    assert _text(allowance, "cbc:MultiplierFactorNumeric") == "10"
    assert (_text(allowance, "cbc:Amount"), _text(allowance, "cbc:BaseAmount")) == (
        "14.97",
        "149.70",
    )
    assert _text(line, "cac:Price/cbc:PriceAmount") == "49.9"


def test_vat_inclusive_prices_state_the_net_price() -> None:
    document = invoice(MIXED_2026, prices_include_vat=True)
    for line, element in zip(
        document.lines, _tree(document).findall("cac:InvoiceLine", NS), strict=True
    ):
        price = Decimal(_text(element, "cac:Price/cbc:PriceAmount") or "")
        assert abs(price * line.quantity - line.net_amount) < Decimal("0.01")
        assert element.find("cac:AllowanceCharge", NS) is None


def test_a_credit_note_is_positive_and_refers_to_the_invoice() -> None:
    document = credit_note(DOMESTIC)
    assert document.total < 0
    tree = _tree(document)

    assert etree.QName(tree).localname == "CreditNote"
    assert _text(tree, "cbc:CreditNoteTypeCode") == "381"
    assert _text(tree, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "2026-15"
    assert _text(tree, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "1063.27"
    assert _text(tree, "cac:TaxTotal/cbc:TaxAmount") == "216.04"
    assert _text(tree, "cac:CreditNoteLine/cbc:CreditedQuantity") == "7.5"
    assert tree.find("cbc:DueDate", NS) is None  # UBL 2.1 CreditNote has none


@pytest.mark.parametrize(
    ("specs", "buyer", "category", "code"),
    [
        (REVERSE_CHARGE, BUILDER, "AE", "VATEX-EU-AE"),
        (INTRA_COMMUNITY, GERMAN_BUYER, "K", "VATEX-EU-IC"),
        (EXPORT, NORWEGIAN_BUYER, "G", "VATEX-EU-G"),
        (EXEMPT, BUYER, "E", "VATEX-EU-132"),
        (NOT_SUBJECT, BUYER, "O", "VATEX-EU-O"),
    ],
)
def test_non_standard_categories_give_their_reason(
    specs: Any, buyer: Any, category: str, code: str
) -> None:
    tree = _tree(invoice(specs, buyer=buyer, order_reference="PO-1"))
    tax = tree.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert _text(tax, "cbc:ID") == category
    assert _text(tax, "cbc:TaxExemptionReasonCode") == code
    assert _text(tax, "cbc:TaxExemptionReason")
    has_rate = tax.find("cbc:Percent", NS) is not None
    assert has_rate == (category != "O")


def test_reverse_charge_names_the_buyers_vat_number() -> None:
    tree = _tree(invoice(REVERSE_CHARGE, buyer=BUILDER))
    buyer = tree.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert _text(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == "FI01162976"


def test_intra_community_supply_states_the_delivery() -> None:
    tree = _tree(invoice(INTRA_COMMUNITY, buyer=GERMAN_BUYER))
    delivery = tree.find("cac:Delivery", NS)
    assert _text(delivery, "cbc:ActualDeliveryDate") == "2026-03-02"
    assert (
        _text(delivery, "cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode")
        == "DE"
    )
    endpoint = tree.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("9930", "DE136695976")


def test_outside_vat_there_are_no_vat_ids() -> None:
    tree = _tree(invoice(NOT_SUBJECT, seller=replace(SELLER, vat_number="FI12345671")))
    assert tree.find(".//cac:PartyTaxScheme", NS) is None


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        ("kpl", "H87"),
        ("h", "HUR"),
        ("pv", "DAY"),
        ("kk", "MON"),
        ("km", "KMT"),
        ("m²", "MTK"),
        ("m³", "MTQ"),
        ("kg", "KGM"),
        ("l", "LTR"),
        ("KPL", "H87"),
        ("laatikollinen", "C62"),
        (None, "C62"),
    ],
)
def test_unit_codes(unit: str | None, code: str) -> None:
    assert unit_code(unit) == code


def test_one_note_only() -> None:
    tree = _tree(invoice(DOMESTIC, notes="Rivi 1\nRivi 2"))
    assert len(tree.findall("cbc:Note", NS)) == 1
    assert _tree(invoice(DOMESTIC, notes="  ")).find("cbc:Note", NS) is None
