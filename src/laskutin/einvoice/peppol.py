"""Peppol BIS Billing 3.0: UBL 2.1 Invoice and CreditNote (EN 16931 with Peppol's rules).

Follows the UBL 2.1 schemas and the EN 16931 + PEPPOL schematron of BIS Billing 3.0.21 in
``../shared/einvoice``. Mapping decisions:

- An invoice is an Invoice (type 380), a credit note a CreditNote (type 381) with a
  BillingReference to the credited invoice. Our credit notes carry negative amounts; a UBL
  CreditNote states the same amounts positive, so every amount and quantity is negated.
- Endpoints (BT-34, BT-49) and VAT ids (BT-31, BT-48) come from parties.py: an OVT code under
  scheme 0216, derived from the business id when the party has no address of its own. The
  business id is the legal registration id (BT-30, ICD 0212).
- One TaxSubtotal per VAT breakdown row; a row of category E, AE, K, G or O carries its VATEX
  code and its legal note as TaxExemptionReason (AVL 209 e § 11-12 kohta). Category O states no
  rate (BR-O-05).
- Payment means 58 (SEPA credit transfer; 30 in another currency) per bank account, with the
  reference as PaymentID; payment terms and the penalty interest as the PaymentTerms note.
- A VAT-exclusive line's discount is a line allowance (reason code 95, its percent and base);
  a line whose price includes VAT states its net per unit as the price (amounts.net_price).
- Intra-Community supply (K) states the actual delivery date (the tax point) and the country
  delivered to (BR-IC-11, BR-IC-12).
"""

from __future__ import annotations

from decimal import Decimal

from laskutin.core.money import ZERO, format_plain
from laskutin.documents.data import Address, DocumentLine, InvoiceDocument, Party
from laskutin.einvoice.amounts import gross_line_amount, net_price, plain
from laskutin.einvoice.codes import (
    BUSINESS_ID_SCHEME,
    CREDIT_NOTE_TYPE,
    CREDIT_TRANSFER,
    DISCOUNT_REASON,
    INVOICE_TYPE,
    SEPA_CREDIT_TRANSFER,
    unit_code,
    vatex_code,
)
from laskutin.einvoice.parties import (
    FINLAND,
    Endpoint,
    buyer_vat_number,
    categories,
    peppol_endpoint,
    seller_vat_number,
)
from laskutin.einvoice.texts import discount, payment_terms
from laskutin.einvoice.xmlwrite import Node, clean, root, serialise, sub
from laskutin.finnish.bank import bic_for_iban
from laskutin.finnish.vat import VatCategory

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
_EXEMPT_WITH_REASON = {"E", "AE", "K", "G", "O"}  # S and Z must not state one (BR-S-10, BR-Z-10)
_NOT_SUBJECT = VatCategory.NOT_SUBJECT_TO_VAT.value


def _a(parent: Node, tag: str) -> Node:
    return sub(parent, f"{{{CAC}}}{tag}")


def _b(parent: Node, tag: str, text: str, **attributes: str | None) -> Node:
    return sub(parent, f"{{{CBC}}}{tag}", text, **attributes)


class PeppolWriter:
    name = "peppol"
    media_type = "application/xml"
    renderer = "peppol-bis3/1"

    def write(self, document: InvoiceDocument) -> bytes:
        return serialise(PeppolDocument(document).tree())


class PeppolDocument:
    """One document's UBL tree; ``sign`` turns a credit note's negative amounts positive."""

    def __init__(self, document: InvoiceDocument) -> None:
        self.document = document
        self.credit = document.is_credit_note
        self.sign = Decimal(-1) if self.credit else Decimal(1)
        self.currency = document.currency

    def amount(self, parent: Node, tag: str, value: Decimal) -> None:
        _b(parent, tag, format_plain(value * self.sign + ZERO), currencyID=self.currency)

    def tree(self) -> Node:
        d = self.document
        assert d.number is not None  # issued
        assert d.invoice_date is not None
        namespace = CREDIT_NOTE_NS if self.credit else INVOICE_NS
        name = "CreditNote" if self.credit else "Invoice"
        ubl = root(f"{{{namespace}}}{name}", nsmap={None: namespace, "cac": CAC, "cbc": CBC})
        _b(ubl, "CustomizationID", CUSTOMIZATION_ID)
        _b(ubl, "ProfileID", PROFILE_ID)
        _b(ubl, "ID", d.number)
        _b(ubl, "IssueDate", d.invoice_date.isoformat())
        if not self.credit and d.due_date is not None:
            _b(ubl, "DueDate", d.due_date.isoformat())
        _b(ubl, f"{name}TypeCode", CREDIT_NOTE_TYPE if self.credit else INVOICE_TYPE)
        # No empty elements anywhere (PEPPOL-EN16931-R008): blank texts are left out.
        if d.notes and clean(d.notes):
            _b(ubl, "Note", d.notes)  # one note only (PEPPOL-EN16931-R002)
        _b(ubl, "DocumentCurrencyCode", self.currency)
        if d.buyer_reference and clean(d.buyer_reference):
            _b(ubl, "BuyerReference", d.buyer_reference)
        if d.order_reference and clean(d.order_reference):
            _b(_a(ubl, "OrderReference"), "ID", d.order_reference)
        if d.credited_invoice is not None:
            reference = _a(_a(ubl, "BillingReference"), "InvoiceDocumentReference")
            _b(reference, "ID", d.credited_invoice.number)
            _b(reference, "IssueDate", d.credited_invoice.invoice_date.isoformat())
        seller, buyer = d.seller, d.buyer
        supplier = _a(ubl, "AccountingSupplierParty")
        _party(supplier, seller, peppol_endpoint(seller), seller_vat_number(d))
        customer = _a(ubl, "AccountingCustomerParty")
        _party(customer, buyer, peppol_endpoint(buyer), buyer_vat_number(d))
        self.delivery(ubl)
        self.payment(ubl)
        self.tax_total(ubl)
        self.totals(ubl)
        for line in d.lines:
            self.line(ubl, line)
        return ubl

    def delivery(self, ubl: Node) -> None:
        d = self.document
        where = d.delivery_address
        intra_community = VatCategory.INTRA_COMMUNITY_SUPPLY.value in categories(d)
        day = d.delivery_date or (d.invoice_date if intra_community else None)
        if where is None and day is None and not intra_community:
            return
        delivery = _a(ubl, "Delivery")
        if day is not None:
            _b(delivery, "ActualDeliveryDate", day.isoformat())
        if where is not None or intra_community:
            _address(_a(_a(delivery, "DeliveryLocation"), "Address"), where or d.buyer.address)
        if where is not None and where.name:
            _b(_a(_a(delivery, "DeliveryParty"), "PartyName"), "Name", where.name)

    def payment(self, ubl: Node) -> None:
        d = self.document
        code = SEPA_CREDIT_TRANSFER if self.currency == "EUR" else CREDIT_TRANSFER
        for account in d.bank_accounts:
            means = _a(ubl, "PaymentMeans")
            _b(means, "PaymentMeansCode", code)
            if d.reference:
                _b(means, "PaymentID", d.reference)
            payee = _a(means, "PayeeFinancialAccount")
            _b(payee, "ID", account.iban)
            bic = account.bic or bic_for_iban(account.iban)
            if bic:
                _b(_a(payee, "FinancialInstitutionBranch"), "ID", bic)
        terms = [payment_terms(d), None if self.credit else d.penalty_interest_text]
        text = ". ".join(clean(t) for t in terms if t and clean(t))
        if text:
            _b(_a(ubl, "PaymentTerms"), "Note", text)

    def tax_total(self, ubl: Node) -> None:
        total = _a(ubl, "TaxTotal")
        self.amount(total, "TaxAmount", self.document.vat_total)
        for row in self.document.vat_breakdown:
            subtotal = _a(total, "TaxSubtotal")
            self.amount(subtotal, "TaxableAmount", row.taxable_amount)
            self.amount(subtotal, "TaxAmount", row.vat_amount)
            category = _a(subtotal, "TaxCategory")
            _b(category, "ID", row.vat_category)
            if row.vat_category != _NOT_SUBJECT:
                _b(category, "Percent", plain(row.vat_rate))
            if row.vat_category in _EXEMPT_WITH_REASON:
                code = vatex_code(row.vat_ground)
                if code:
                    _b(category, "TaxExemptionReasonCode", code)
                if row.note and clean(row.note):
                    _b(category, "TaxExemptionReason", row.note)
            _b(_a(category, "TaxScheme"), "ID", "VAT")

    def totals(self, ubl: Node) -> None:
        d = self.document
        paid = ZERO if self.credit else d.paid_amount
        totals = _a(ubl, "LegalMonetaryTotal")
        self.amount(totals, "LineExtensionAmount", sum((ln.net_amount for ln in d.lines), ZERO))
        self.amount(totals, "TaxExclusiveAmount", d.net_total)
        self.amount(totals, "TaxInclusiveAmount", d.total)
        if paid:
            self.amount(totals, "PrepaidAmount", paid)
        self.amount(totals, "PayableAmount", d.total - paid)

    def line(self, ubl: Node, line: DocumentLine) -> None:
        d = self.document
        name = "CreditNoteLine" if self.credit else "InvoiceLine"
        quantity = "CreditedQuantity" if self.credit else "InvoicedQuantity"
        element = _a(ubl, name)
        _b(element, "ID", str(line.position + 1))
        _b(element, quantity, plain(line.quantity * self.sign), unitCode=unit_code(line.unit))
        self.amount(element, "LineExtensionAmount", line.net_amount)
        if line.discount_percent and not d.prices_include_vat:
            base = gross_line_amount(line)
            allowance = _a(element, "AllowanceCharge")
            _b(allowance, "ChargeIndicator", "false")
            _b(allowance, "AllowanceChargeReasonCode", DISCOUNT_REASON)
            percent = plain(line.discount_percent)
            _b(allowance, "AllowanceChargeReason", f"{discount(d)} {percent} %")
            _b(allowance, "MultiplierFactorNumeric", percent)
            self.amount(allowance, "Amount", base - line.net_amount)
            self.amount(allowance, "BaseAmount", base)
        item = _a(element, "Item")
        _b(item, "Name", " ".join(clean(line.description).split()) or "-")
        category = _a(item, "ClassifiedTaxCategory")
        _b(category, "ID", line.vat_category)
        if line.vat_category != _NOT_SUBJECT:
            _b(category, "Percent", plain(line.vat_rate))
        _b(_a(category, "TaxScheme"), "ID", "VAT")
        price = net_price(line, prices_include_vat=d.prices_include_vat)
        _b(_a(element, "Price"), "PriceAmount", plain(price), currencyID=self.currency)


def _address(parent: Node, address: Address) -> None:
    if address.street and clean(address.street):
        _b(parent, "StreetName", " ".join(clean(address.street).split()))
    if address.city and clean(address.city):
        _b(parent, "CityName", address.city)
    if address.postal_code and clean(address.postal_code):
        _b(parent, "PostalZone", address.postal_code)
    _b(_a(parent, "Country"), "IdentificationCode", address.country_code)


def _party(
    container: Node,
    party: Party,
    endpoint: Endpoint | None,
    vat_number: str | None,
) -> None:
    element = _a(container, "Party")
    if endpoint is not None:
        _b(element, "EndpointID", endpoint.value, schemeID=endpoint.scheme)
    _b(_a(element, "PartyName"), "Name", party.name)
    _address(_a(element, "PostalAddress"), party.address)
    if vat_number:
        scheme = _a(element, "PartyTaxScheme")
        _b(scheme, "CompanyID", vat_number)
        _b(_a(scheme, "TaxScheme"), "ID", "VAT")
    legal = _a(element, "PartyLegalEntity")
    _b(legal, "RegistrationName", party.name)
    if party.business_id:
        finnish = party.address.country_code == FINLAND
        _b(legal, "CompanyID", party.business_id, schemeID=BUSINESS_ID_SCHEME if finnish else None)
    details = [(tag, value) for tag, value in _contact(party) if value and clean(value)]
    if details:
        person = _a(element, "Contact")
        for tag, value in details:
            _b(person, tag, value)


def _contact(party: Party) -> list[tuple[str, str | None]]:
    return [
        ("Name", party.contact_person),
        ("Telephone", party.phone),
        ("ElectronicMail", party.email),
    ]
