"""Finvoice 3.0 (Finanssiala): the Finnish banks' and operators' e-invoice message.

Follows Finvoice3.0.xsd in ``../shared/einvoice/finvoice-3.0`` and finnish-invoicing.md §9:
no namespace, elements in the schema's order, amounts with a decimal comma (``1088,36``),
dates ``CCYYMMDD``. Mapping decisions:

- InvoiceTypeCode INV01 for an invoice and INV02 for a credit note, with the UN codes 380/381;
  a credit note keeps its negative amounts and names the original (OriginalInvoiceNumber/Date).
- One VatSpecificationDetails per VAT breakdown row; a non-S row carries its legal note
  (VatFreeText, 3 x 70 characters) and VATEX code, and the full notes go to InvoiceFreeText.
- Addresses: SellerOrganisationUnitNumber / BuyerOrganisationUnitNumber carry the e-invoice
  addresses (parties.finvoice_address). MessageTransmissionDetails, whose intermediators are
  required, is written only when both parties' operators are known; otherwise the sending
  operator fills in the routing.
- EpiDetails: the first bank account (IBAN, BIC from schwifty's registry when not given), the
  reference with scheme SPY (national) or ISO (RF), the amount to pay, the due date.
  EpiReference is left empty, as in Finanssiala's examples: the payment reference is
  EpiRemittanceInfoIdentifier.
- Unit prices take at most 5 decimals (the schema's pattern): a 6-decimal price is rounded to
  5 there; the row amounts are exact. Prices that include VAT are written both ways
  (UnitPriceAmount without VAT, UnitPriceVatIncludedAmount as given).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from laskutin.core.money import format_plain
from laskutin.documents.data import Address, DocumentLine, InvoiceDocument
from laskutin.einvoice.amounts import gross_line_amount, list_price_net, plain
from laskutin.einvoice.codes import CREDIT_NOTE_TYPE, INVOICE_TYPE, SEPA_CREDIT_TRANSFER, unit_code
from laskutin.einvoice.codes import vatex_code as _vatex
from laskutin.einvoice.parties import buyer_vat_number, finvoice_address, seller_vat_number
from laskutin.einvoice.texts import payment_terms, type_text
from laskutin.einvoice.xmlwrite import Node, chunks, clean, root, serialise, sub
from laskutin.finnish.bank import bic_for_iban
from laskutin.finnish.reference import is_rf_reference
from laskutin.finnish.vat import VatCategory

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_UNIT_PRICE_PLACES = 5
_NOT_SUBJECT = VatCategory.NOT_SUBJECT_TO_VAT.value


def _amount(value: Decimal) -> str:
    return format_plain(value).replace(".", ",")


def _unit_amount(value: Decimal) -> str:
    """2 to 5 decimals, comma (the schema's unitAmountType)."""
    places = max(2, min(_UNIT_PRICE_PLACES, -int(value.normalize().as_tuple().exponent)))
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:.{places}f}".replace(".", ",")


def _number(value: Decimal) -> str:
    return plain(value).replace(".", ",")


def _fit(text: str, size: int) -> str:
    return clean(text)[:size]


def _date(parent: Node, tag: str, day: dt.date) -> None:
    sub(parent, tag, day.strftime("%Y%m%d"), Format="CCYYMMDD")


def _money(parent: Node, tag: str, value: Decimal, currency: str) -> None:
    sub(parent, tag, _amount(value), AmountCurrencyIdentifier=currency)


class FinvoiceWriter:
    name = "finvoice"
    media_type = "application/xml"
    renderer = "finvoice-3.0/1"

    def write(self, document: InvoiceDocument) -> bytes:
        return serialise(finvoice_tree(document))


def finvoice_tree(document: InvoiceDocument) -> Node:
    """The Finvoice message of an issued document, as an lxml element."""
    message = root("Finvoice", nsmap={"xsi": XSI}, Version="3.0")
    message.set(f"{{{XSI}}}noNamespaceSchemaLocation", "Finvoice3.0.xsd")
    _transmission(message, document)
    _seller(message, document)
    _buyer(message, document)
    _delivery(message, document)
    _details(message, document)
    if document.bank_barcode:
        sub(message, "VirtualBankBarcode", document.bank_barcode)
    for line in document.lines:
        _row(message, document, line)
    _epi(message, document)
    return message


def _transmission(message: Node, document: InvoiceDocument) -> None:
    sender, receiver = finvoice_address(document.seller), finvoice_address(document.buyer)
    from_operator = document.seller.einvoice_operator
    to_operator = document.buyer.einvoice_operator
    if not (sender and receiver and from_operator and to_operator):
        return
    details = sub(message, "MessageTransmissionDetails")
    party = sub(details, "MessageSenderDetails")
    sub(party, "FromIdentifier", sender.value, SchemeID=sender.scheme)
    sub(party, "FromIntermediator", from_operator)
    party = sub(details, "MessageReceiverDetails")
    sub(party, "ToIdentifier", receiver.value, SchemeID=receiver.scheme)
    sub(party, "ToIntermediator", to_operator)
    about = sub(details, "MessageDetails")
    sub(about, "MessageIdentifier", f"{document.seller.business_id}/{document.number}")
    assert document.invoice_date is not None  # issued
    stamp = document.issued_at or dt.datetime.combine(document.invoice_date, dt.time(), dt.UTC)
    sub(about, "MessageTimeStamp", stamp.replace(microsecond=0).isoformat())
    sub(about, "SpecificationIdentifier", "EN16931")


def _postal(parent: Node, prefix: str, address: Address) -> bool:
    """The postal address block, when street, postal code and city are all known (the
    schema requires each of them in it)."""
    if not (address.street and address.postal_code and address.city):
        return False
    block = sub(parent, f"{prefix}PostalAddressDetails")
    for street in chunks(address.street, 35, 3):
        sub(block, f"{prefix}StreetName", street)
    sub(block, f"{prefix}TownName", _fit(address.city, 35))
    sub(block, f"{prefix}PostCodeIdentifier", _fit(address.postal_code, 35))
    sub(block, "CountryCode", address.country_code)
    return True


def _seller(message: Node, document: InvoiceDocument) -> None:
    seller = document.seller
    details = sub(message, "SellerPartyDetails")
    if seller.business_id:
        sub(details, "SellerPartyIdentifier", seller.business_id)
    for name in chunks(seller.name, 70, 5):
        sub(details, "SellerOrganisationName", name)
    vat_number = seller_vat_number(document)
    if vat_number:
        sub(details, "SellerOrganisationTaxCode", vat_number)
    _postal(details, "Seller", seller.address)
    address = finvoice_address(seller)
    if address:
        sub(message, "SellerOrganisationUnitNumber", address.value)
    if seller.phone or seller.email:
        contact = sub(message, "SellerCommunicationDetails")
        if seller.phone:
            sub(contact, "SellerPhoneNumberIdentifier", _fit(seller.phone, 35))
        if seller.email:
            sub(contact, "SellerEmailaddressIdentifier", _fit(seller.email, 70))
    accounts = [(a.iban, a.bic or bic_for_iban(a.iban)) for a in document.bank_accounts]
    if seller.website or any(bic for _, bic in accounts):
        info = sub(message, "SellerInformationDetails")
        if seller.website:
            sub(info, "SellerWebaddressIdentifier", _fit(seller.website, 70))
        for iban, bic in accounts:
            if bic:  # SellerBic is required in an account block; the IBAN alone is in EpiDetails
                account = sub(info, "SellerAccountDetails")
                sub(account, "SellerAccountID", iban, IdentificationSchemeName="IBAN")
                sub(account, "SellerBic", bic, IdentificationSchemeName="BIC")


def _buyer(message: Node, document: InvoiceDocument) -> None:
    buyer = document.buyer
    details = sub(message, "BuyerPartyDetails")
    if buyer.business_id:
        sub(details, "BuyerPartyIdentifier", buyer.business_id)
    for name in chunks(buyer.name, 70, 5):
        sub(details, "BuyerOrganisationName", name)
    vat_number = buyer_vat_number(document)
    if vat_number:
        sub(details, "BuyerOrganisationTaxCode", vat_number)
    _postal(details, "Buyer", buyer.address)
    address = finvoice_address(buyer)
    if address:
        sub(message, "BuyerOrganisationUnitNumber", address.value)
    if buyer.contact_person:
        sub(message, "BuyerContactPersonName", _fit(buyer.contact_person, 70))
    if buyer.phone or buyer.email:
        contact = sub(message, "BuyerCommunicationDetails")
        if buyer.phone:
            sub(contact, "BuyerPhoneNumberIdentifier", _fit(buyer.phone, 35))
        if buyer.email:
            sub(contact, "BuyerEmailaddressIdentifier", _fit(buyer.email, 70))


def _delivery(message: Node, document: InvoiceDocument) -> None:
    address = document.delivery_address
    if address is not None and address.street and address.postal_code and address.city:
        party = sub(message, "DeliveryPartyDetails")
        for name in chunks(address.name or document.buyer.name, 35, 3):
            sub(party, "DeliveryOrganisationName", name)
        _postal(party, "Delivery", address)
    if document.delivery_date is not None:
        _date(sub(message, "DeliveryDetails"), "DeliveryDate", document.delivery_date)


def _details(message: Node, document: InvoiceDocument) -> None:
    assert document.number is not None  # issued
    assert document.invoice_date is not None
    currency = document.currency
    details = sub(message, "InvoiceDetails")
    credit = document.is_credit_note
    sub(details, "InvoiceTypeCode", "INV02" if credit else "INV01")
    sub(details, "InvoiceTypeCodeUN", CREDIT_NOTE_TYPE if credit else INVOICE_TYPE)
    sub(details, "InvoiceTypeText", type_text(document))
    sub(details, "OriginCode", "Original")
    sub(details, "InvoiceNumber", document.number)
    _date(details, "InvoiceDate", document.invoice_date)
    if document.credited_invoice is not None:
        sub(details, "OriginalInvoiceNumber", document.credited_invoice.number)
        _date(details, "OriginalInvoiceDate", document.credited_invoice.invoice_date)
    if document.order_reference:
        sub(details, "OrderIdentifier", document.order_reference)
    if document.buyer_reference:
        sub(details, "BuyerReferenceIdentifier", document.buyer_reference)
    _money(details, "RowsTotalVatExcludedAmount", document.net_total, currency)
    _money(details, "InvoiceTotalVatExcludedAmount", document.net_total, currency)
    _money(details, "InvoiceTotalVatAmount", document.vat_total, currency)
    _money(details, "InvoiceTotalVatIncludedAmount", document.total, currency)
    if document.paid_amount and not credit:
        _money(details, "InvoicePaidAmount", document.paid_amount, currency)
    for row in document.vat_breakdown:
        vat = sub(details, "VatSpecificationDetails")
        _money(vat, "VatBaseAmount", row.taxable_amount, currency)
        if row.vat_category != _NOT_SUBJECT:  # "not subject to VAT" has no rate (BR-O-05)
            sub(vat, "VatRatePercent", _number(row.vat_rate))
        sub(vat, "VatCode", row.vat_category)
        _money(vat, "VatRateAmount", row.vat_amount, currency)
        for text in chunks(row.note or "", 70, 3):
            sub(vat, "VatFreeText", text)
        code = _vatex(row.vat_ground)
        if code:
            sub(vat, "VatExemptionReasonCode", code)
    notes = [row.note for row in document.vat_breakdown if row.note] + [document.notes or ""]
    for note in notes:
        for text in chunks(note, 512, 10):
            sub(details, "InvoiceFreeText", text)
    _terms(details, document)


def _terms(details: Node, document: InvoiceDocument) -> None:
    terms = payment_terms(document)
    penalty = document.penalty_interest_text
    percent = document.penalty_interest_percent
    if not (terms or document.due_date):
        return
    block = sub(details, "PaymentTermsDetails")
    for text in chunks(terms or "", 70, 2):
        sub(block, "PaymentTermsFreeText", text)
    if document.due_date is not None:
        _date(block, "InvoiceDueDate", document.due_date)
    if not document.is_credit_note and (penalty or percent is not None):
        fine = sub(block, "PaymentOverDueFineDetails")
        for text in chunks(penalty or "", 70, 3):
            sub(fine, "PaymentOverDueFineFreeText", text)
        if percent is not None:
            sub(fine, "PaymentOverDueFinePercent", _number(percent))


def _row(message: Node, document: InvoiceDocument, line: DocumentLine) -> None:
    currency = document.currency
    row = sub(message, "InvoiceRow")
    description = clean(line.description)
    sub(row, "ArticleName", description[:100])
    unit = clean(line.unit)[:14] if line.unit else None
    sub(
        row,
        "InvoicedQuantity",
        _number(line.quantity),
        QuantityUnitCode=unit or None,
        QuantityUnitCodeUN=unit_code(line.unit),
    )
    price = list_price_net(line, prices_include_vat=document.prices_include_vat)
    sub(row, "UnitPriceAmount", _unit_amount(price), AmountCurrencyIdentifier=currency)
    if document.prices_include_vat:
        sub(
            row,
            "UnitPriceVatIncludedAmount",
            _unit_amount(line.unit_price),
            AmountCurrencyIdentifier=currency,
        )
    sub(row, "RowPositionIdentifier", str(line.position + 1))
    if len(description) > 100:  # the whole text, where ArticleName had to cut it
        for text in chunks(description, 512, 4):
            sub(row, "RowFreeText", text)
    if line.discount_percent:
        sub(row, "RowDiscountPercent", _number(line.discount_percent))
        if not document.prices_include_vat:
            _money(row, "RowDiscountAmount", gross_line_amount(line) - line.net_amount, currency)
    if line.vat_category != _NOT_SUBJECT:
        sub(row, "RowVatRatePercent", _number(line.vat_rate))
    sub(row, "RowVatCode", line.vat_category)
    _money(row, "RowVatAmount", line.vat_amount, currency)
    _money(row, "RowVatExcludedAmount", line.net_amount, currency)
    _money(row, "RowAmount", line.gross_amount, currency)


def _epi(message: Node, document: InvoiceDocument) -> None:
    """The payment instruction (required by the schema, so written on credit notes too)."""
    assert document.invoice_date is not None
    account = document.bank_accounts[0]  # checks.py: there is one
    epi = sub(message, "EpiDetails")
    identification = sub(epi, "EpiIdentificationDetails")
    _date(identification, "EpiDate", document.invoice_date)
    sub(identification, "EpiReference", "")
    parties = sub(epi, "EpiPartyDetails")
    bank = sub(parties, "EpiBfiPartyDetails")
    bic = account.bic or bic_for_iban(account.iban)
    if bic:
        sub(bank, "EpiBfiIdentifier", bic, IdentificationSchemeName="BIC")
    beneficiary = sub(parties, "EpiBeneficiaryPartyDetails")
    sub(beneficiary, "EpiNameAddressDetails", _fit(document.seller.name, 35))
    if document.seller.business_id:
        sub(beneficiary, "EpiBei", document.seller.business_id)
    sub(beneficiary, "EpiAccountID", account.iban, IdentificationSchemeName="IBAN")
    payment = sub(epi, "EpiPaymentInstructionDetails")
    if document.reference:
        scheme = "ISO" if is_rf_reference(document.reference) else "SPY"
        sub(
            payment,
            "EpiRemittanceInfoIdentifier",
            document.reference,
            IdentificationSchemeName=scheme,
        )
    due = document.total - (Decimal(0) if document.is_credit_note else document.paid_amount)
    _money(payment, "EpiInstructedAmount", due, document.currency)
    sub(payment, "EpiCharge", "SHA", ChargeOption="SHA")
    _date(payment, "EpiDateOptionDate", document.due_date or document.invoice_date)
    sub(payment, "EpiPaymentMeansCode", SEPA_CREDIT_TRANSFER)
