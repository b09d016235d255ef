"""Build an :class:`~laskutin.documents.data.InvoiceDocument` from the database.

:func:`invoice_document` is the one place that turns an invoice into document data: an issued
invoice from its frozen snapshot, a draft from the company and customer as they are now.
:func:`document_from_read` is the pure half (tested without a database).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.companies.models import Company, CompanyBankAccount, CompanyLogo
from laskutin.companies.service import Actor
from laskutin.customers.models import Customer
from laskutin.documents.data import (
    Address,
    BankAccount,
    CreditedInvoice,
    DocumentLine,
    InvoiceDocument,
    Logo,
    Party,
    VatRow,
)
from laskutin.invoices import reading
from laskutin.invoices import service as invoices
from laskutin.invoices.models import Invoice
from laskutin.invoices.schemas import InvoiceRead


def _text(snapshot: Mapping[str, Any], key: str) -> str | None:
    value = snapshot.get(key)
    return value if isinstance(value, str) and value else None


def seller_party(snapshot: Mapping[str, Any]) -> Party:
    return Party(
        name=snapshot["name"],
        address=Address(
            street=_text(snapshot, "street_address"),
            postal_code=_text(snapshot, "postal_code"),
            city=_text(snapshot, "city"),
            country_code=_text(snapshot, "country_code") or "FI",
        ),
        business_id=_text(snapshot, "business_id"),
        vat_number=_text(snapshot, "vat_number"),
        email=_text(snapshot, "email"),
        phone=_text(snapshot, "phone"),
        website=_text(snapshot, "website"),
        einvoice_address=_text(snapshot, "einvoice_address"),
        einvoice_operator=_text(snapshot, "einvoice_operator"),
    )


def buyer_party(snapshot: Mapping[str, Any]) -> Party:
    number = snapshot.get("customer_number")
    return Party(
        name=snapshot["name"],
        address=Address(
            street=_text(snapshot, "street_address"),
            postal_code=_text(snapshot, "postal_code"),
            city=_text(snapshot, "city"),
            country_code=_text(snapshot, "country_code") or "FI",
        ),
        business_id=_text(snapshot, "business_id"),
        vat_number=_text(snapshot, "vat_number"),
        email=_text(snapshot, "email"),
        phone=_text(snapshot, "phone"),
        contact_person=_text(snapshot, "contact_person"),
        einvoice_address=_text(snapshot, "einvoice_address"),
        einvoice_operator=_text(snapshot, "einvoice_operator"),
        is_person=snapshot.get("kind") == "person",
        customer_number=number if isinstance(number, int) else None,
    )


def delivery_address(snapshot: Mapping[str, Any]) -> Address | None:
    """The buyer's delivery address, when goods go elsewhere than the billing address."""
    street = _text(snapshot, "delivery_street")
    city = _text(snapshot, "delivery_city")
    if street is None and city is None:
        return None
    return Address(
        street=street,
        postal_code=_text(snapshot, "delivery_postal_code"),
        city=city,
        country_code=_text(snapshot, "delivery_country") or _text(snapshot, "country_code") or "FI",
        name=_text(snapshot, "delivery_name"),
    )


def document_from_read(
    invoice: InvoiceRead,
    *,
    seller: Mapping[str, Any],
    buyer: Mapping[str, Any],
    credited: CreditedInvoice | None = None,
    logo: Logo | None = None,
) -> InvoiceDocument:
    """The document of ``invoice`` (the API's read model) with these seller and buyer
    snapshots (an issued invoice's own, or a draft's made from the current rows)."""
    percent = seller.get("penalty_interest_percent")
    return InvoiceDocument(
        kind="credit_note" if invoice.kind == "credit_note" else "invoice",
        draft=invoice.status == "draft",
        number=invoice.number,
        invoice_date=invoice.invoice_date,
        delivery_date=invoice.delivery_date,
        due_date=invoice.due_date,
        payment_terms_days=invoice.payment_terms_days,
        reference=invoice.reference_machine,
        buyer_reference=invoice.buyer_reference,
        order_reference=invoice.order_reference,
        notes=invoice.notes,
        language=invoice.language,
        currency=invoice.currency,
        prices_include_vat=invoice.prices_include_vat,
        seller=seller_party(seller),
        bank_accounts=tuple(
            BankAccount(iban=a["iban"], bic=a.get("bic")) for a in seller.get("bank_accounts", [])
        ),
        buyer=buyer_party(buyer),
        delivery_address=delivery_address(buyer),
        lines=tuple(
            DocumentLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                vat_rate=Decimal(line.vat_rate),
                vat_category=line.vat_category,
                vat_ground=line.vat_ground,
                net_amount=line.net_amount,
                vat_amount=line.vat_amount,
                gross_amount=line.gross_amount,
                tax_point=line.tax_point,
            )
            for line in invoice.lines
        ),
        vat_breakdown=tuple(
            VatRow(
                vat_category=row.vat_category,
                vat_rate=Decimal(row.vat_rate),
                taxable_amount=row.taxable_amount,
                vat_amount=row.vat_amount,
                vat_ground=row.vat_ground,
                note=row.note,
            )
            for row in invoice.vat_breakdown
        ),
        net_total=invoice.net_total,
        vat_total=invoice.vat_total,
        total=invoice.total,
        paid_amount=invoice.paid_amount,
        penalty_interest_percent=None if percent is None else Decimal(str(percent)),
        penalty_interest_text=_text(seller, "penalty_interest"),
        bank_barcode=invoice.bank_barcode,
        credited_invoice=credited,
        logo=logo,
        issued_at=invoice.issued_at,
    )


async def _logo(session: AsyncSession, company_id: uuid.UUID) -> Logo | None:
    row = await session.scalar(select(CompanyLogo).where(CompanyLogo.company_id == company_id))
    return None if row is None else Logo(content_type=row.content_type, data=row.data)


async def _draft_snapshots(
    session: AsyncSession, actor: Actor, invoice: InvoiceRead
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A draft has no snapshot yet: the company and customer as they are now."""
    company = await session.scalar(select(Company).where(Company.id == actor.company_id))
    assert company is not None  # the actor's company exists (row-level security)
    accounts = list(
        await session.scalars(
            select(CompanyBankAccount)
            .where(CompanyBankAccount.company_id == actor.company_id)
            .order_by(CompanyBankAccount.position)
        )
    )
    customer = await session.scalar(
        select(Customer).where(
            Customer.company_id == actor.company_id, Customer.id == invoice.customer_id
        )
    )
    assert customer is not None  # an invoice's customer is never deleted
    seller = invoices.seller_snapshot(company, accounts, invoice.language)
    return seller, invoices.buyer_snapshot(customer)


async def invoice_document(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID
) -> InvoiceDocument:
    """The document of the active company's invoice ``invoice_id`` (NotFound otherwise)."""
    invoice = await reading.get_invoice(session, actor=actor, invoice_id=invoice_id)
    if invoice.seller is not None and invoice.buyer is not None:
        seller, buyer = invoice.seller, invoice.buyer
    else:
        seller, buyer = await _draft_snapshots(session, actor, invoice)
    credited = None
    if invoice.credited_invoice_id is not None:
        original = await session.scalar(
            select(Invoice).where(
                Invoice.company_id == actor.company_id,
                Invoice.id == invoice.credited_invoice_id,
            )
        )
        if original is not None and original.number and original.invoice_date:
            credited = CreditedInvoice(number=original.number, invoice_date=original.invoice_date)
    return document_from_read(
        invoice,
        seller=seller,
        buyer=buyer,
        credited=credited,
        logo=await _logo(session, actor.company_id),
    )
