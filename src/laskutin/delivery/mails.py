"""The e-mail that carries an invoice: subject, text and attachment names in Finnish, Swedish
or English (the invoice's language, which defaults to the customer's). Pure: no I/O.

The text says what a payer needs without opening the PDF (amount, due date, reference, account)
and who sends it; the PDF (and an e-invoice XML, when asked) is attached. A credit note's mail
names the invoice it credits and asks for no payment.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

from laskutin.documents.data import InvoiceDocument
from laskutin.finnish.bank import format_iban
from laskutin.finnish.reference import format_reference

_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}
_DATE_PATTERNS = {"fi": "d.M.yyyy", "sv": "d.M.yyyy", "en": "d MMMM yyyy"}


@dataclass(frozen=True)
class MailText:
    subject: str
    text: str


def _language(value: str) -> str:
    return value if value in _LOCALES else "fi"


def money(amount: Decimal, currency: str, language: str) -> str:
    """``1 234,50 €``: Finnish conventions in all three languages, as on the invoice."""
    text = format_currency(amount, currency, locale=_LOCALES[_language(language)])
    return text.replace("\xa0", " ")


def day(value: dt.date, language: str) -> str:
    lang = _language(language)
    return format_date(value, _DATE_PATTERNS[lang], locale=_LOCALES[lang])


_SUBJECTS = {
    ("invoice", "fi"): "Lasku {number} – {seller}",
    ("invoice", "sv"): "Faktura {number} – {seller}",
    ("invoice", "en"): "Invoice {number} – {seller}",
    ("credit_note", "fi"): "Hyvityslasku {number} – {seller}",
    ("credit_note", "sv"): "Kreditnota {number} – {seller}",
    ("credit_note", "en"): "Credit note {number} – {seller}",
}

_GREETING = {"fi": "Hei,", "sv": "Hej,", "en": "Hello,"}
_CLOSING = {
    "fi": "Ystävällisin terveisin",
    "sv": "Med vänliga hälsningar",
    "en": "Kind regards",
}
_ATTACHED = {
    ("invoice", "fi"): "Liitteenä on lasku {number}.",
    ("invoice", "sv"): "Bifogad finns faktura {number}.",
    ("invoice", "en"): "Please find attached invoice {number}.",
    ("credit_note", "fi"): "Liitteenä on hyvityslasku {number}.",
    ("credit_note", "sv"): "Bifogad finns kreditnota {number}.",
    ("credit_note", "en"): "Please find attached credit note {number}.",
}
_CREDITS = {
    "fi": "Se hyvittää laskun {number} ({date}).",
    "sv": "Den krediterar faktura {number} ({date}).",
    "en": "It credits invoice {number} ({date}).",
}
_LABELS = {
    "fi": {
        "amount": "Summa",
        "credit": "Hyvitys",
        "due": "Eräpäivä",
        "reference": "Viitenumero",
        "account": "Tilinumero",
        "no_payment": "Hyvityslasku ei vaadi toimenpiteitä.",
    },
    "sv": {
        "amount": "Belopp",
        "credit": "Kreditering",
        "due": "Förfallodag",
        "reference": "Referensnummer",
        "account": "Kontonummer",
        "no_payment": "Kreditnotan kräver inga åtgärder.",
    },
    "en": {
        "amount": "Amount",
        "credit": "Credit",
        "due": "Due date",
        "reference": "Reference",
        "account": "Account (IBAN)",
        "no_payment": "No payment is needed for a credit note.",
    },
}
_FILE_STEMS = {
    ("invoice", "fi"): "Lasku",
    ("invoice", "sv"): "Faktura",
    ("invoice", "en"): "Invoice",
    ("credit_note", "fi"): "Hyvityslasku",
    ("credit_note", "sv"): "Kreditnota",
    ("credit_note", "en"): "Credit_note",
}
_EINVOICE_STEMS = {"finvoice": "Finvoice", "peppol": "Peppol"}
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _kind(document: InvoiceDocument) -> str:
    return "credit_note" if document.is_credit_note else "invoice"


def _number(document: InvoiceDocument) -> str:
    return document.number or "-"


def pdf_filename(document: InvoiceDocument, language: str) -> str:
    """``Lasku_2026-42.pdf``, ``Faktura_...``, ``Invoice_...``: ASCII, no spaces or slashes."""
    stem = _FILE_STEMS[(_kind(document), _language(language))]
    return f"{stem}_{_UNSAFE_IN_NAME.sub('-', _number(document))}.pdf"


def einvoice_filename(document: InvoiceDocument, format: str) -> str:
    stem = _EINVOICE_STEMS.get(format, format.title())
    return f"{stem}_{_UNSAFE_IN_NAME.sub('-', _number(document))}.xml"


def invoice_mail(document: InvoiceDocument, language: str, *, note: str | None = None) -> MailText:
    """The subject and plain text of the mail that carries ``document``."""
    lang = _language(language)
    kind = _kind(document)
    seller = document.seller.name
    number = _number(document)
    labels = _LABELS[lang]
    subject = _SUBJECTS[(kind, lang)].format(number=number, seller=seller)
    # A subject is one line: a seller's name never has a line break, but be sure.
    subject = " ".join(subject.split())
    lines = [_GREETING[lang], ""]
    if note and note.strip():
        lines += [note.strip().replace("\r\n", "\n"), ""]
    lines.append(_ATTACHED[(kind, lang)].format(number=number))
    if document.is_credit_note:
        credited = document.credited_invoice
        if credited is not None:
            lines.append(
                _CREDITS[lang].format(number=credited.number, date=day(credited.invoice_date, lang))
            )
        lines += [
            "",
            f"{labels['credit']}: {money(-document.total, document.currency, lang)}",
            "",
            labels["no_payment"],
        ]
    else:
        lines += ["", f"{labels['amount']}: {money(document.total, document.currency, lang)}"]
        if document.due_date is not None:
            lines.append(f"{labels['due']}: {day(document.due_date, lang)}")
        if document.reference:
            lines.append(f"{labels['reference']}: {format_reference(document.reference)}")
        if document.bank_accounts:
            account = document.bank_accounts[0]
            iban = format_iban(account.iban)
            lines.append(
                f"{labels['account']}: {iban}" + (f" ({account.bic})" if account.bic else "")
            )
    lines += ["", _CLOSING[lang], seller]
    contact = [c for c in (document.seller.email, document.seller.phone) if c]
    if contact:
        lines.append(", ".join(contact))
    return MailText(subject=subject, text="\n".join(lines) + "\n")
