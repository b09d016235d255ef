"""What every part of the invoice layout needs: the document, its language's texts and formats,
and the few facts derived from them once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from babel.core import Locale

from laskutin.documents.data import Address, InvoiceDocument
from laskutin.documents.pdf.labels import LABELS, Formats, Labels, formats
from laskutin.finnish.reference import format_reference


@dataclass(frozen=True)
class Context:
    document: InvoiceDocument
    labels: Labels
    fmt: Formats

    @classmethod
    def of(cls, document: InvoiceDocument) -> Context:
        return cls(document, LABELS[document.language], formats(document.language))

    @property
    def title(self) -> str:
        doc, labels = self.document, self.labels
        if doc.is_quote:
            title = labels.quote
        else:
            title = labels.credit_note if doc.is_credit_note else labels.invoice
        return f"{title} ({labels.draft})" if doc.draft else title

    @property
    def shows_transfer_form(self) -> bool:
        """An invoice that asks for money has the bank transfer form; a draft's preview shows
        it too (without the codes), so the preview is laid out as the issued invoice will be.
        A credit note and a quote never have one."""
        doc = self.document
        return not doc.is_credit_note and not doc.is_quote and doc.total > 0

    @cached_property
    def reference(self) -> str | None:
        """The payment reference as printed: ``1234 56789`` or ``RF12 3456 7890``."""
        doc = self.document
        return format_reference(doc.reference) if doc.reference and doc.payable else None

    def address_lines(self, address: Address, *, home: str = "FI") -> list[str]:
        """Street, postal code and city, and the country's name when it is not ``home``."""
        lines = [address.street] if address.street else []
        place = " ".join(p for p in (address.postal_code, address.city) if p)
        if place:
            lines.append(place)
        if address.country_code and address.country_code != home:
            lines.append(self.country(address.country_code))
        return [line for line in lines if line]

    def country(self, code: str) -> str:
        locale: Locale = self.fmt.locale
        name = locale.territories.get(code.upper())
        return name if isinstance(name, str) else code


def iban_text(iban: str) -> str:
    """An IBAN as printed: groups of four characters (EBS204, as ``bank.format_iban``), done
    here without validation, since a snapshot's account must print even if the rules change."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
