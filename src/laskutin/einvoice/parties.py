"""What the e-invoice says about the parties beyond their snapshot: addresses and VAT ids.

Both formats and the pre-checks read these, so a document and the check that allowed it never
disagree. Pure: no I/O.

- An e-invoice address (endpoint) is the party's own one, or, when it has none, derived from
  its Finnish business id as an OVT code: ``0037`` + the id's 8 digits (finnish-invoicing.md
  §9). In Peppol an OVT code is addressed with scheme 0216 (TIEKE's OVT scheme): 0037 is not an
  Electronic Address Scheme of BIS Billing 3.0.21 and PEPPOL-EN16931-CL008 refuses it. An IBAN
  (a consumer's e-invoice through their bank) is a Finvoice address only.
- A Finnish VAT number is ``FI`` + the business id's digits (§6). A seller that charges VAT or
  sells VAT-free with a ground is VAT-registered, so its VAT number follows from its business
  id when the company has not typed it; the same for a Finnish buyer under the construction
  reverse charge (AVL 8 c §: only VAT-registered builders are liable). Invoices of a seller
  outside VAT (category O) carry no VAT ids at all (EN 16931 BR-O-02).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from laskutin.core.errors import RuleViolation
from laskutin.documents.data import Address, InvoiceDocument, Party
from laskutin.einvoice.codes import OVT_SCHEME
from laskutin.finnish.business_ids import (
    ovt_from_business_id,
    parse_ovt,
    vat_number_from_business_id,
)
from laskutin.finnish.vat import VatCategory

_PEPPOL_ID = re.compile(r"(?P<scheme>[0-9]{4}):(?P<id>\S+)")
FINLAND = "FI"


@dataclass(frozen=True)
class Endpoint:
    """An e-invoice address: its scheme (a Peppol EAS code; None for an IBAN address or one in
    an unknown form) and value; ``derived`` when made from the business id."""

    scheme: str | None
    value: str
    derived: bool = False

    @property
    def is_peppol(self) -> bool:
        return self.scheme is not None


def _is_ovt(value: str) -> bool:
    try:
        parse_ovt(value)
    except RuleViolation:
        return False
    return True


def _given(address: str | None) -> Endpoint | None:
    if not address:
        return None
    compact = "".join(address.split())
    match = _PEPPOL_ID.fullmatch(compact)
    if match is not None:
        value = match["id"]
        # "0037:003701162976" (how the company settings store an OVT typed as a Peppol id)
        # and "0216:003701162976" name the same OVT address.
        return Endpoint(OVT_SCHEME if _is_ovt(value) else match["scheme"], value)
    if _is_ovt(compact):
        return Endpoint(OVT_SCHEME, compact)
    return Endpoint(None, compact)


def _derived(party: Party) -> Endpoint | None:
    if not party.business_id or party.address.country_code != FINLAND:
        return None
    try:
        return Endpoint(OVT_SCHEME, ovt_from_business_id(party.business_id), derived=True)
    except RuleViolation:
        return None


def finvoice_address(party: Party) -> Endpoint | None:
    """The party's address for Finvoice routing: its own (OVT, Peppol id or IBAN), else the
    OVT code of its business id, else None."""
    return _given(party.einvoice_address) or _derived(party)


def peppol_endpoint(party: Party) -> Endpoint | None:
    """The party's Peppol endpoint: its own address when it has a scheme, else the OVT code of
    its business id, else None (a consumer without one cannot be reached through Peppol)."""
    given = _given(party.einvoice_address)
    if given is not None and given.is_peppol:
        return given
    return _derived(party)


def given_peppol_endpoint(party: Party) -> Endpoint | None:
    """The party's own address when it is a Peppol one (for the scheme check)."""
    given = _given(party.einvoice_address)
    return given if given is not None and given.is_peppol else None


def categories(document: InvoiceDocument) -> set[str]:
    """The VAT categories of the document's lines and breakdown (EN 16931 codes)."""
    return {line.vat_category for line in document.lines} | {
        row.vat_category for row in document.vat_breakdown
    }


def outside_vat(document: InvoiceDocument) -> bool:
    """The seller sells outside VAT (category O): no VAT ids on the invoice (BR-O-02)."""
    return VatCategory.NOT_SUBJECT_TO_VAT.value in categories(document)


def _finnish_vat_number(party: Party) -> str | None:
    if not party.business_id or party.address.country_code != FINLAND:
        return None
    try:
        return vat_number_from_business_id(party.business_id)
    except RuleViolation:
        return None


def seller_vat_number(document: InvoiceDocument) -> str | None:
    """The seller's VAT number (BT-31): as given, else FI + its business id; None outside VAT."""
    if outside_vat(document):
        return None
    return document.seller.vat_number or _finnish_vat_number(document.seller)


def buyer_vat_number(document: InvoiceDocument) -> str | None:
    """The buyer's VAT number (BT-48): as given; under reverse charge a Finnish buyer's follows
    from its business id; None outside VAT."""
    if outside_vat(document):
        return None
    if document.buyer.vat_number:
        return document.buyer.vat_number
    if VatCategory.REVERSE_CHARGE.value in categories(document):
        return _finnish_vat_number(document.buyer)
    return None


def delivery_address(document: InvoiceDocument) -> Address:
    """Where the goods go: the delivery address, else the buyer's address."""
    return document.delivery_address or document.buyer.address
