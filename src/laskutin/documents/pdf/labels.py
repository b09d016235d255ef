"""The texts of the PDF documents in Finnish, Swedish and English, and number, money and date
formats per language (Babel, CLDR data).

Terms follow ../shared/domain/tilisiirto-and-terms.md §2 (e.g. "Viitteenne / Er referens",
"FO-nummer", "Förfallodag"). Locales: ``fi_FI`` and ``sv_FI`` (the Swedish of Finland), and
``en_FI`` for English, so an English invoice from a Finnish seller writes amounts as the bank
transfer form does ("1 234,50 €"). Dates: CLDR's short form in Finnish (6.12.2026) and Swedish
(2026-12-06), the medium form in English (6 Dec 2026), which no reader can take for 12 June.

Formatting never rounds: quantities, prices and rates print every digit their ``Decimal``
carries (amounts come computed, to the cent, in the document).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel.core import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern

from laskutin.documents.data import Language


@dataclass(frozen=True)
class Labels:
    invoice: str
    credit_note: str
    draft: str
    page: str  # "{page}" and "{pages}"
    invoice_number: str
    credit_note_number: str
    invoice_date: str
    delivery_date: str
    due_date: str
    payment_terms: str
    terms_days: str  # "{days}"
    terms_now: str
    reference: str
    buyer_reference: str
    order_reference: str
    customer_number: str
    penalty_interest: str
    interest_act: str
    credited_invoice: str
    business_id: str
    vat_number: str
    delivery_address: str
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount: str
    vat_rate: str
    net: str
    vat: str
    line_total: str
    tax_point: str  # "{date}"
    prices_include_vat: str
    vat_breakdown: str
    taxable_amount: str
    vat_amount: str
    net_total: str
    vat_total: str
    total: str
    notes: str
    payment_details: str
    virtual_barcode: str
    phone: str
    email: str
    einvoice_address: str
    einvoice_operator: str
    message: str  # the transfer form's message: "{number}"
    file_invoice: str  # file names: ASCII only
    file_credit_note: str
    file_draft: str
    # Quotes (documents/pdf/quote.py)
    quote: str
    quote_number: str
    quote_date: str
    valid_until: str
    file_quote: str


FI = Labels(
    invoice="LASKU",
    credit_note="HYVITYSLASKU",
    draft="LUONNOS",
    page="Sivu {page} / {pages}",
    invoice_number="Laskun numero",
    credit_note_number="Hyvityslaskun numero",
    invoice_date="Laskun päivämäärä",
    delivery_date="Toimituspäivä",
    due_date="Eräpäivä",
    payment_terms="Maksuehto",
    terms_days="{days} pv netto",
    terms_now="heti",
    reference="Viitenumero",
    buyer_reference="Viitteenne",
    order_reference="Tilausnumero",
    customer_number="Asiakasnumero",
    penalty_interest="Viivästyskorko",
    interest_act="korkolain mukaan",
    credited_invoice="Hyvitettävä lasku",
    business_id="Y-tunnus",
    vat_number="ALV-tunniste",
    delivery_address="Toimitusosoite",
    description="Kuvaus",
    quantity="Määrä",
    unit="Yks.",
    unit_price="À-hinta",
    discount="Ale %",
    vat_rate="ALV %",
    net="Veroton",
    vat="ALV",
    line_total="Yhteensä",
    tax_point="Toimituspäivä {date}",
    prices_include_vat="Yksikköhinnat sisältävät arvonlisäveron.",
    vat_breakdown="ALV-erittely",
    taxable_amount="Veron peruste",
    vat_amount="Veron määrä",
    net_total="Veroton yhteensä",
    vat_total="ALV yhteensä",
    total="Yhteensä",
    notes="Lisätiedot",
    payment_details="Maksutiedot",
    virtual_barcode="Virtuaaliviivakoodi",
    phone="Puh.",
    email="Sähköposti",
    einvoice_address="Verkkolaskuosoite",
    einvoice_operator="Välittäjä",
    message="Lasku {number}",
    file_invoice="lasku",
    file_credit_note="hyvityslasku",
    file_draft="luonnos",
    quote="TARJOUS",
    quote_number="Tarjouksen numero",
    quote_date="Tarjouksen päivämäärä",
    valid_until="Voimassa",
    file_quote="tarjous",
)

SV = Labels(
    invoice="FAKTURA",
    credit_note="KREDITNOTA",
    draft="UTKAST",
    page="Sida {page} / {pages}",
    invoice_number="Fakturanummer",
    credit_note_number="Kreditnotans nummer",
    invoice_date="Fakturadatum",
    delivery_date="Leveransdatum",
    due_date="Förfallodag",
    payment_terms="Betalningsvillkor",
    terms_days="{days} dagar netto",
    terms_now="omedelbart",
    reference="Referensnummer",
    buyer_reference="Er referens",
    order_reference="Ordernummer",
    customer_number="Kundnummer",
    penalty_interest="Dröjsmålsränta",
    interest_act="enligt räntelagen",
    credited_invoice="Krediterad faktura",
    business_id="FO-nummer",
    vat_number="Momsnummer",
    delivery_address="Leveransadress",
    description="Beskrivning",
    quantity="Antal",
    unit="Enh.",
    unit_price="À-pris",
    discount="Rabatt %",
    vat_rate="Moms %",
    net="Exkl. moms",
    vat="Moms",
    line_total="Totalt",
    tax_point="Leveransdatum {date}",
    prices_include_vat="Enhetspriserna inkluderar moms.",
    vat_breakdown="Momsspecifikation",
    taxable_amount="Beskattningsgrund",
    vat_amount="Skattebelopp",
    net_total="Totalt exkl. moms",
    vat_total="Moms totalt",
    total="Totalt",
    notes="Tilläggsuppgifter",
    payment_details="Betalningsuppgifter",
    virtual_barcode="Virtuell streckkod",
    phone="Tfn",
    email="E-post",
    einvoice_address="Nätfakturaadress",
    einvoice_operator="Förmedlare",
    message="Faktura {number}",
    file_invoice="faktura",
    file_credit_note="kreditnota",
    file_draft="utkast",
    quote="OFFERT",
    quote_number="Offertnummer",
    quote_date="Offertdatum",
    valid_until="Giltig till",
    file_quote="offert",
)

EN = Labels(
    invoice="INVOICE",
    credit_note="CREDIT NOTE",
    draft="DRAFT",
    page="Page {page} / {pages}",
    invoice_number="Invoice number",
    credit_note_number="Credit note number",
    invoice_date="Invoice date",
    delivery_date="Delivery date",
    due_date="Due date",
    payment_terms="Payment terms",
    terms_days="net {days} days",
    terms_now="due on receipt",
    reference="Reference number",
    buyer_reference="Your reference",
    order_reference="Order number",
    customer_number="Customer number",
    penalty_interest="Late payment interest",
    interest_act="as set by the Finnish Interest Act",
    credited_invoice="Credited invoice",
    business_id="Business ID",
    vat_number="VAT number",
    delivery_address="Delivery address",
    description="Description",
    quantity="Qty",
    unit="Unit",
    unit_price="Unit price",
    discount="Disc. %",
    vat_rate="VAT %",
    net="Net",
    vat="VAT",
    line_total="Total",
    tax_point="Delivered {date}",
    prices_include_vat="Unit prices include VAT.",
    vat_breakdown="VAT breakdown",
    taxable_amount="Taxable amount",
    vat_amount="VAT amount",
    net_total="Total excl. VAT",
    vat_total="Total VAT",
    total="Total",
    notes="Additional information",
    payment_details="Payment details",
    virtual_barcode="Virtual barcode",
    phone="Tel.",
    email="E-mail",
    einvoice_address="E-invoice address",
    einvoice_operator="Operator",
    message="Invoice {number}",
    file_invoice="invoice",
    file_credit_note="credit-note",
    file_draft="draft",
    quote="QUOTE",
    quote_number="Quote number",
    quote_date="Quote date",
    valid_until="Valid until",
    file_quote="quote",
)

LABELS: dict[Language, Labels] = {"fi": FI, "sv": SV, "en": EN}
_LOCALES: dict[Language, str] = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}
_DATE_FORMATS: dict[Language, str] = {"fi": "short", "sv": "short", "en": "medium"}


class Formats:
    """Numbers, money and dates in one language. Patterns are parsed once (Babel's
    ``format_*`` functions parse them on every call, which an invoice of 200 lines notices)."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.locale = Locale.parse(_LOCALES[language])
        self._money = self.locale.currency_formats["standard"]
        self._amount = parse_pattern("#,##0.00")
        self._quantity = parse_pattern("#,##0.###")
        self._price = parse_pattern("#,##0.00")
        self._date_format = _DATE_FORMATS[language]

    def _exact(self, pattern: NumberPattern, value: Decimal) -> str:
        # decimal_quantization=False: never cut digits to the pattern's maximum; the pattern's
        # minimum still pads (2 -> "2,00" for prices).
        text: str = pattern.apply(value, self.locale, decimal_quantization=False)
        return text

    def money(self, value: Decimal, currency: str = "EUR") -> str:
        """``1 234,50 €`` (the non-breaking spaces print as spaces)."""
        text: str = self._money.apply(value, self.locale, currency=currency)
        return text

    def amount(self, value: Decimal) -> str:
        """An amount without its currency, two decimals: ``1 234,50``."""
        return self._exact(self._amount, value)

    def quantity(self, value: Decimal) -> str:
        """A quantity or a percentage with the digits it has: ``2``, ``1,5``, ``25,5``."""
        return self._exact(self._quantity, _trimmed(value))

    def price(self, value: Decimal) -> str:
        """A unit price: at least two decimals, every further one it has (``0,125``)."""
        return self._exact(self._price, _trimmed(value))

    def date(self, value: dt.date) -> str:
        text: str = format_date(value, self._date_format, locale=self.locale)
        return text


def _trimmed(value: Decimal) -> Decimal:
    """Without trailing zeros (2.0000 from a NUMERIC column is 2), never in exponent form."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


@cache
def formats(language: Language) -> Formats:
    return Formats(language)
