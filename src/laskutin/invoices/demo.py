"""Demo invoicing data for `make run`: customers, products and invoices in every state, made
through the same service functions as the API (so they obey every rule), dated around today."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.auth.models import User
from laskutin.companies.demo import DEMO_COMPANY, DEMO_EMAIL
from laskutin.companies.domain import Role
from laskutin.companies.models import Company, Membership
from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.core.tenancy import act_as
from laskutin.customers import service as customers
from laskutin.customers.schemas import CustomerCreate
from laskutin.invoices import credit_notes
from laskutin.invoices import service as invoices
from laskutin.invoices.schemas import CreditNoteRequest, InvoiceCreate, LineIn
from laskutin.payments import service as payments
from laskutin.payments.schemas import PaymentCreate
from laskutin.products import service as products
from laskutin.products.schemas import ProductCreate
from laskutin.system.seeding import seeder

CUSTOMERS = [
    {
        "name": "Rakennus Virtanen Oy",
        "business_id": "0116297-6",
        "email": "reskontra@virtanen.example.com",
        "billing_address": {
            "street": "Teollisuuskatu 5",
            "postal_code": "00510",
            "city": "Helsinki",
        },
        "einvoice_address": "003701162976",
        "payment_terms_days": 21,
    },
    {
        "name": "Kahvila Aalto",
        "kind": "person",
        "email": "aalto@kahvila.example.com",
        "billing_address": {"street": "Kauppakatu 3", "postal_code": "40100", "city": "Jyväskylä"},
    },
    {
        "name": "Byrå Lindqvist Ab",
        "business_id": "1572860-0",
        "language": "sv",
        "billing_address": {"street": "Storgatan 8", "postal_code": "65100", "city": "Vasa"},
    },
]
PRODUCTS = [
    {
        "code": "SUUN",
        "names": {"fi": "Suunnittelutyö", "sv": "Planering", "en": "Design work"},
        "unit": "h",
        "unit_price": "85.00",
        "rate_class": "general",
    },
    {
        "code": "KONS",
        "names": {"fi": "Konsultointi", "sv": "Konsultation", "en": "Consulting"},
        "unit": "h",
        "unit_price": "110.00",
        "rate_class": "general",
    },
    {
        "code": "KIRJA",
        "names": {"fi": "Käsikirja", "sv": "Handbok", "en": "Handbook"},
        "unit": "kpl",
        "unit_price": "29.90",
        "rate_class": "books_medicines_culture_transport",
    },
]


async def demo_actor(session: AsyncSession) -> Actor | None:
    """The demo user as the owner of the demo company, or None if there is none."""
    user_id = await session.scalar(select(User.id).where(User.email == DEMO_EMAIL))
    if user_id is None:
        return None
    await act_as(session, company_id=None, user_id=user_id)
    company_id = await session.scalar(
        select(Company.id)
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.user_id == user_id, Company.name == DEMO_COMPANY)
    )
    if company_id is None:
        return None
    await act_as(session, company_id=company_id, user_id=user_id)
    return Actor(user_id=user_id, company_id=company_id, role=Role.OWNER)


async def _invoice(
    session: AsyncSession,
    actor: Actor,
    customer_id: uuid.UUID,
    lines: list[LineIn],
    *,
    issued_on: dt.date | None,
) -> uuid.UUID:
    draft = await invoices.create_draft(
        session, actor=actor, data=InvoiceCreate(customer_id=customer_id, lines=lines)
    )
    if issued_on is not None:
        await invoices.issue(session, actor=actor, invoice_id=draft.id, invoice_date=issued_on)
    return draft.id


@seeder(20)
async def seed_demo_invoicing(session: AsyncSession) -> list[str]:
    """Three customers, three products, and invoices that are paid, partly paid, overdue,
    open, credited and a draft."""
    actor = await demo_actor(session)
    if actor is None:
        return []
    made = [
        (
            await customers.create_customer(
                session, actor=actor, data=CustomerCreate.model_validate(c)
            )
        )[0].id
        for c in CUSTOMERS
    ]
    items = [
        (
            await products.create_product(
                session, actor=actor, data=ProductCreate.model_validate(p)
            )
        ).id
        for p in PRODUCTS
    ]
    design, consulting, book = items
    builder, cafe, bureau = made
    today = clock.today()

    def days_ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    paid = await _invoice(
        session,
        actor,
        builder,
        [LineIn(product_id=design, quantity=Decimal(12))],
        issued_on=days_ago(45),
    )
    await payments.record_payment(
        session,
        actor=actor,
        invoice_id=paid,
        data=PaymentCreate(payment_date=days_ago(30), amount=Decimal("1280.10")),
    )
    await _invoice(
        session,
        actor,
        cafe,
        [LineIn(product_id=consulting, quantity=Decimal(3)), LineIn(product_id=book)],
        issued_on=days_ago(40),
    )  # overdue: the company's 14 days' terms
    partly = await _invoice(
        session,
        actor,
        bureau,
        [LineIn(product_id=consulting, quantity=Decimal(5))],
        issued_on=days_ago(5),
    )
    await payments.record_payment(
        session,
        actor=actor,
        invoice_id=partly,
        data=PaymentCreate(payment_date=days_ago(1), amount=Decimal("200.00")),
    )
    credited = await _invoice(
        session,
        actor,
        builder,
        [LineIn(product_id=book, quantity=Decimal(2))],
        issued_on=days_ago(20),
    )
    note = await credit_notes.create_credit_note(
        session, actor=actor, invoice_id=credited, data=CreditNoteRequest()
    )
    await invoices.issue(session, actor=actor, invoice_id=note.id, invoice_date=days_ago(18))
    await _invoice(
        session,
        actor,
        builder,
        [
            LineIn(product_id=design, quantity=Decimal("7.5")),
            LineIn(description="Matkakulut", unit_price=Decimal("48.00"), vat_rate=None),
        ],
        issued_on=days_ago(2),
    )
    await _invoice(
        session, actor, cafe, [LineIn(product_id=design, quantity=Decimal(2))], issued_on=None
    )
    return [f"demo data: {len(made)} customers, {len(items)} products, 6 invoices, a credit note"]
