"""What an invoice document says, as plain data: the one input of every output format (the PDF
renderers, Finvoice, Peppol) and of delivery. Pure: no I/O, no ORM objects.

An issued invoice's data comes only from its frozen snapshot (invoices.seller/buyer, its lines
and VAT breakdown), so a document rendered years later says what was issued. A draft's comes
from the company and customer as they are now (a preview, watermarked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

DocumentKind = Literal["invoice", "credit_note", "quote"]
Language = Literal["fi", "sv", "en"]


@dataclass(frozen=True)
class Address:
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country_code: str = "FI"
    name: str | None = None  # a delivery address's recipient, if not the party


@dataclass(frozen=True)
class Party:
    """The seller or the buyer as printed (and as the e-invoice names them)."""

    name: str
    address: Address
    business_id: str | None = None  # Y-tunnus, NNNNNNN-C
    vat_number: str | None = None  # FI12345671, SE..., DE...
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    contact_person: str | None = None
    einvoice_address: str | None = None  # OVT code, Peppol id or IBAN-style address
    einvoice_operator: str | None = None  # the operator's id (e.g. its BIC)
    is_person: bool = False  # a consumer, not a business
    customer_number: int | None = None


@dataclass(frozen=True)
class BankAccount:
    iban: str  # machine form, no spaces
    bic: str | None


@dataclass(frozen=True)
class DocumentLine:
    position: int
    description: str
    quantity: Decimal
    unit: str | None
    unit_price: Decimal  # net, or VAT-inclusive when the document's prices include VAT
    discount_percent: Decimal
    vat_rate: Decimal  # percent, e.g. 25.5
    vat_category: str  # EN 16931: S, Z, E, AE, K, G, O
    vat_ground: str | None  # finnish.vat ground key of a non-S line
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal
    tax_point: dt.date | None = None


@dataclass(frozen=True)
class VatRow:
    """One row of the VAT breakdown (EN 16931 BG-23)."""

    vat_category: str
    vat_rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal
    vat_ground: str | None
    note: str | None  # the legal note of a non-S category, in the document's language


@dataclass(frozen=True)
class CreditedInvoice:
    """The invoice a credit note corrects."""

    number: str
    invoice_date: dt.date


@dataclass(frozen=True)
class Logo:
    content_type: str  # image/png or image/jpeg
    data: bytes


@dataclass(frozen=True)
class InvoiceDocument:
    kind: DocumentKind
    draft: bool  # a preview: watermarked, no number yet, never sent
    number: str | None
    invoice_date: dt.date | None
    delivery_date: dt.date | None  # the tax point when it is not the invoice date
    due_date: dt.date | None
    payment_terms_days: int | None
    reference: str | None  # machine form: digits (national) or RF...
    buyer_reference: str | None
    order_reference: str | None
    notes: str | None
    language: Language
    currency: str
    prices_include_vat: bool
    seller: Party
    bank_accounts: tuple[BankAccount, ...]  # the first goes into the barcode and the QR code
    buyer: Party
    delivery_address: Address | None
    lines: tuple[DocumentLine, ...]
    vat_breakdown: tuple[VatRow, ...]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal  # gross; negative on a credit note
    paid_amount: Decimal  # payments recorded before the document was made (0 at issue)
    penalty_interest_percent: Decimal | None
    penalty_interest_text: str | None  # as printed, e.g. "Viivästyskorko korkolain mukaan"
    bank_barcode: str | None  # the 54-digit virtual barcode; None on credit notes and drafts
    credited_invoice: CreditedInvoice | None
    logo: Logo | None
    issued_at: dt.datetime | None
    # A quote's last valid day (quotes: kind "quote", no due date, reference or payment).
    valid_until: dt.date | None = None

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"

    @property
    def is_quote(self) -> bool:
        return self.kind == "quote"

    @property
    def payable(self) -> bool:
        """Whether the document asks for a payment (bank transfer form, barcode, QR)."""
        return not self.draft and not self.is_credit_note and not self.is_quote and self.total > 0
