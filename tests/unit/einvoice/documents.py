"""Test documents of every kind, with their amounts computed by finnish.lines and finnish.totals
(never typed by hand, so they are as consistent as the real ones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from laskutin.documents.data import (
    Address,
    BankAccount,
    CreditedInvoice,
    DocumentKind,
    DocumentLine,
    InvoiceDocument,
    Party,
    VatRow,
)
from laskutin.finnish.barcode import compose_virtual_barcode
from laskutin.finnish.lines import Line, build_line, credit_lines
from laskutin.finnish.reference import make_national_reference, make_rf_reference
from laskutin.finnish.totals import invoice_totals
from laskutin.finnish.vat import RateClass, VatCategory

IBAN = "FI2112345600000785"
SELLER = Party(
    name="Laskuttaja Oy",
    address=Address(street="Myyjänkatu 1", postal_code="00100", city="Helsinki"),
    business_id="1234567-1",
    email="laskutus@laskuttaja.example",
    phone="+358 9 123 4567",
    website="https://laskuttaja.example",
)
BUYER = Party(
    name="Ostaja Oy",
    address=Address(street="Ostajantie 2 B", postal_code="02100", city="Espoo"),
    business_id="0116297-6",
    contact_person="Olli Ostaja",
    email="ostot@ostaja.example",
    customer_number=1001,
)
BUILDER = replace(BUYER, name="Rakentaja Oy", vat_number=None, contact_person=None)
SWEDISH_BUYER = Party(
    name="Köpare AB",
    address=Address(
        street="Storgatan 5", postal_code="111 22", city="Stockholm", country_code="SE"
    ),
    vat_number="SE556036079301",
    einvoice_address="0007:5560360793",
)
GERMAN_BUYER = Party(
    name="Käufer GmbH",
    address=Address(street="Hauptstraße 9", postal_code="10115", city="Berlin", country_code="DE"),
    vat_number="DE136695976",
    einvoice_address="9930:DE136695976",
)
NORWEGIAN_BUYER = Party(
    name="Kjøper AS",
    address=Address(
        street="Karl Johans gate 1", postal_code="0154", city="Oslo", country_code="NO"
    ),
    business_id=None,
    einvoice_address="0192:974760673",
)


@dataclass(frozen=True)
class Spec:
    """One line as a user types it: the rate follows the rate class and the date."""

    description: str
    quantity: str
    unit_price: str
    unit: str | None = "kpl"
    rate_class: RateClass = RateClass.GENERAL
    category: VatCategory = VatCategory.STANDARD
    ground: str | None = None
    discount: str = "0"


def _document_lines(
    lines: Sequence[Line], specs: Sequence[Spec], *, credit_note: bool
) -> tuple[tuple[DocumentLine, ...], tuple[VatRow, ...], Decimal, Decimal, Decimal]:
    totals = invoice_totals(lines, credit_note=credit_note)
    document_lines = tuple(
        DocumentLine(
            position=position,
            description=spec.description,
            quantity=line.quantity,
            unit=spec.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            vat_category=line.category.value,
            vat_ground=line.ground.key if line.ground else None,
            net_amount=amounts.net,
            vat_amount=amounts.vat,
            gross_amount=amounts.gross,
            tax_point=line.tax_point,
        )
        for position, (line, spec, amounts) in enumerate(
            zip(lines, specs, totals.lines, strict=True)
        )
    )
    breakdown = tuple(
        VatRow(
            vat_category=row.category.value,
            vat_rate=row.rate,
            taxable_amount=row.taxable_amount,
            vat_amount=row.vat_amount,
            vat_ground=row.ground.key if row.ground else None,
            note=row.note("fi"),
        )
        for row in totals.breakdown
    )
    return document_lines, breakdown, totals.net_total, totals.vat_total, totals.gross_total


def build_lines(
    specs: Sequence[Spec],
    *,
    invoice_date: dt.date,
    delivery_date: dt.date | None = None,
    prices_include_vat: bool = False,
) -> list[Line]:
    return [
        build_line(
            quantity=spec.quantity,
            unit_price=spec.unit_price,
            invoice_date=invoice_date,
            delivery_date=delivery_date,
            rate_class=spec.rate_class,
            category=spec.category,
            vat_ground_key=spec.ground,
            discount_percent=spec.discount,
            prices_include_vat=prices_include_vat,
            position=position,
        )
        for position, spec in enumerate(specs)
    ]


def invoice(
    specs: Sequence[Spec],
    *,
    number: str = "2026-15",
    invoice_date: dt.date = dt.date(2026, 3, 2),
    delivery_date: dt.date | None = None,
    buyer: Party = BUYER,
    seller: Party = SELLER,
    prices_include_vat: bool = False,
    buyer_reference: str | None = "Projekti 42",
    order_reference: str | None = None,
    rf_reference: bool = False,
    notes: str | None = "Kiitos tilauksesta!",
    delivery_address: Address | None = None,
    bic: str | None = "NDEAFIHH",
) -> InvoiceDocument:
    """An issued invoice of ``specs`` (14 days net, a payment reference, the bank barcode)."""
    lines = build_lines(
        specs,
        invoice_date=invoice_date,
        delivery_date=delivery_date,
        prices_include_vat=prices_include_vat,
    )
    return _document(
        "invoice",
        lines,
        specs,
        number=number,
        invoice_date=invoice_date,
        delivery_date=delivery_date,
        buyer=buyer,
        seller=seller,
        prices_include_vat=prices_include_vat,
        buyer_reference=buyer_reference,
        order_reference=order_reference,
        rf_reference=rf_reference,
        notes=notes,
        delivery_address=delivery_address,
        bic=bic,
    )


def credit_note(
    original: Sequence[Spec], *, invoice_date: dt.date = dt.date(2026, 3, 2)
) -> InvoiceDocument:
    """A credit note of all of an invoice of ``original`` (negative amounts, §8)."""
    lines = credit_lines(build_lines(original, invoice_date=invoice_date))
    return _document(
        "credit_note",
        lines,
        original,
        number="2026-16",
        invoice_date=dt.date(2026, 3, 9),
        delivery_date=None,
        buyer=BUYER,
        seller=SELLER,
        prices_include_vat=False,
        buyer_reference="Projekti 42",
        order_reference=None,
        rf_reference=False,
        notes="Hyvitys laskusta 2026-15",
        delivery_address=None,
        bic="NDEAFIHH",
    )


def _document(
    kind: DocumentKind,
    lines: Sequence[Line],
    specs: Sequence[Spec],
    *,
    number: str,
    invoice_date: dt.date,
    delivery_date: dt.date | None,
    buyer: Party,
    seller: Party,
    prices_include_vat: bool,
    buyer_reference: str | None,
    order_reference: str | None,
    rf_reference: bool,
    notes: str | None,
    delivery_address: Address | None,
    bic: str | None,
) -> InvoiceDocument:
    credit = kind == "credit_note"
    document_lines, breakdown, net, vat, total = _document_lines(lines, specs, credit_note=credit)
    sequence = "10" + number.rsplit("-", 1)[-1]
    reference = make_rf_reference(sequence) if rf_reference else make_national_reference(sequence)
    terms = 0 if credit else 14
    due = invoice_date + dt.timedelta(days=terms)
    barcode = None
    if not credit:
        barcode = compose_virtual_barcode(
            iban=IBAN, amount=total, reference=reference, due_date=due
        )
    return InvoiceDocument(
        kind=kind,
        draft=False,
        number=number,
        invoice_date=invoice_date,
        delivery_date=delivery_date,
        due_date=due,
        payment_terms_days=terms,
        reference=reference,
        buyer_reference=buyer_reference,
        order_reference=order_reference,
        notes=notes,
        language="fi",
        currency="EUR",
        prices_include_vat=prices_include_vat,
        seller=seller,
        bank_accounts=(BankAccount(iban=IBAN, bic=bic),),
        buyer=buyer,
        delivery_address=delivery_address,
        lines=document_lines,
        vat_breakdown=breakdown,
        net_total=net,
        vat_total=vat,
        total=total,
        paid_amount=Decimal("0.00"),
        penalty_interest_percent=Decimal("10.5") if not credit else None,
        penalty_interest_text="Viivästyskorko korkolain mukaan",
        bank_barcode=barcode,
        credited_invoice=CreditedInvoice(number="2026-15", invoice_date=dt.date(2026, 3, 2))
        if credit
        else None,
        logo=None,
        issued_at=dt.datetime.combine(invoice_date, dt.time(9, 30), dt.UTC),
    )


DOMESTIC = [
    Spec("Konsultointi", "7.5", "95.00", unit="h"),
    Spec("Ohjelmistolisenssi", "3", "49.90", discount="10"),
]
MIXED_2026 = [
    Spec("Konsultointi", "2", "100.00", unit="h"),
    Spec("Lounas", "12", "11.90", rate_class=RateClass.FOODSTUFFS_RESTAURANTS),
    Spec("Käsikirja", "1", "39.00", rate_class=RateClass.BOOKS_MEDICINES_CULTURE_TRANSPORT),
    Spec(
        "Aikakauslehti, vuositilaus",
        "1",
        "120.00",
        unit="v",
        rate_class=RateClass.NEWSPAPERS_PERIODICALS,
    ),
]
REVERSE_CHARGE = [
    Spec(
        "Asennustyö, rakennuspalvelu",
        "16",
        "62.50",
        unit="h",
        category=VatCategory.REVERSE_CHARGE,
        ground="construction_reverse_charge",
    ),
    Spec(
        "Tarvikkeet",
        "1",
        "412.37",
        unit="erä",
        category=VatCategory.REVERSE_CHARGE,
        ground="construction_reverse_charge",
    ),
]
INTRA_COMMUNITY = [
    Spec("Teollisuuspumppu", "2", "1480.00", category=VatCategory.INTRA_COMMUNITY_SUPPLY),
    Spec("Varaosasarja", "5", "35.20", unit="pkt", category=VatCategory.INTRA_COMMUNITY_SUPPLY),
]
EXPORT = [
    Spec("Sahatavara", "12.5", "210.00", unit="m³", category=VatCategory.EXPORT_OUTSIDE_EU),
    Spec("Rahti", "1", "350.00", unit=None, category=VatCategory.EXPORT_OUTSIDE_EU),
]
EXEMPT = [
    Spec(
        "Fysioterapia",
        "4",
        "68.00",
        unit="krt",
        category=VatCategory.EXEMPT,
        ground="health_care",
    ),
]
NOT_SUBJECT = [
    Spec("Valokuvaus", "3", "80.00", unit="h", category=VatCategory.NOT_SUBJECT_TO_VAT),
]


def all_kinds() -> dict[str, InvoiceDocument]:
    """One document of each kind the issue names (and two more), by name."""
    return {
        "domestic": invoice(DOMESTIC),
        "mixed-2026": invoice(MIXED_2026, order_reference="PO-77", buyer_reference=None),
        # The same rate classes in 2025: 25.5, 14 (food and books alike) and 10 %.
        "mixed-2025": invoice(MIXED_2026, invoice_date=dt.date(2025, 6, 10), rf_reference=True),
        "mixed-vat-included": invoice(
            [replace(spec, discount="5") for spec in MIXED_2026], prices_include_vat=True
        ),
        "reverse-charge": invoice(
            REVERSE_CHARGE, buyer=BUILDER, delivery_date=dt.date(2026, 2, 27)
        ),
        "intra-community-se": invoice(INTRA_COMMUNITY, buyer=SWEDISH_BUYER, notes=None),
        "intra-community-de": invoice(
            INTRA_COMMUNITY,
            buyer=GERMAN_BUYER,
            delivery_date=dt.date(2026, 2, 25),
            delivery_address=Address(
                street="Lagerweg 3",
                postal_code="20095",
                city="Hamburg",
                country_code="DE",
                name="Käufer GmbH, Lager",
            ),
        ),
        "export": invoice(EXPORT, buyer=NORWEGIAN_BUYER, order_reference="NO-5521"),
        "exempt": invoice(EXEMPT, bic=None),
        "not-subject-to-vat": invoice(NOT_SUBJECT, seller=replace(SELLER, vat_number=None)),
        "credit-note": credit_note(DOMESTIC),
    }
