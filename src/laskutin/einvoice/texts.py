"""The few words the e-invoices carry in the document's language (Finnish, Swedish, English)."""

from __future__ import annotations

from laskutin.documents.data import InvoiceDocument

_TYPE = {
    "fi": ("LASKU", "HYVITYSLASKU"),
    "sv": ("FAKTURA", "KREDITNOTA"),
    "en": ("INVOICE", "CREDIT NOTE"),
}
_TERMS = {"fi": "{days} pv netto", "sv": "{days} dagar netto", "en": "{days} days net"}
_DISCOUNT = {"fi": "Alennus", "sv": "Rabatt", "en": "Discount"}


def type_text(document: InvoiceDocument) -> str:
    """``LASKU`` / ``HYVITYSLASKU`` and their Swedish and English words (Finvoice)."""
    invoice, credit_note = _TYPE[document.language]
    return credit_note if document.is_credit_note else invoice


def payment_terms(document: InvoiceDocument) -> str | None:
    """``14 pv netto``, or None on a credit note or without terms."""
    if document.is_credit_note or document.payment_terms_days is None:
        return None
    return _TERMS[document.language].format(days=document.payment_terms_days)


def discount(document: InvoiceDocument) -> str:
    return _DISCOUNT[document.language]
