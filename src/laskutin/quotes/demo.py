"""Demo data for `make run`: a sent quote and an accepted one of the demo company, made through
the quotes service (runs after the invoicing demo, whose customers and products it uses)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.core import clock
from laskutin.customers.models import Customer
from laskutin.invoices.demo import demo_actor
from laskutin.invoices.schemas import LineIn
from laskutin.products.models import Product
from laskutin.quotes import service
from laskutin.quotes.schemas import QuoteCreate
from laskutin.system.seeding import seeder


@seeder(40)
async def seed_demo_quotes(session: AsyncSession) -> list[str]:
    actor = await demo_actor(session)
    if actor is None:
        return []
    customers = dict(
        (
            await session.execute(
                select(Customer.name, Customer.id).where(Customer.company_id == actor.company_id)
            )
        ).all()
    )
    products = dict(
        (
            await session.execute(
                select(Product.code, Product.id).where(Product.company_id == actor.company_id)
            )
        ).all()
    )
    today = clock.today()
    sent = await service.create_quote(
        session,
        actor=actor,
        data=QuoteCreate(
            customer_id=customers["Byrå Lindqvist Ab"],
            quote_date=today - dt.timedelta(days=3),
            notes="Offerten gäller 30 dagar.",
            lines=[
                LineIn(product_id=products["SUUN"], quantity=Decimal(40)),
                LineIn(product_id=products["KONS"], quantity=Decimal(8)),
            ],
        ),
    )
    await service.send(session, actor=actor, quote_id=sent.id, if_match=None)
    accepted = await service.create_quote(
        session,
        actor=actor,
        data=QuoteCreate(
            customer_id=customers["Rakennus Virtanen Oy"],
            quote_date=today - dt.timedelta(days=10),
            lines=[LineIn(product_id=products["SUUN"], quantity=Decimal(16))],
        ),
    )
    await service.accept(session, actor=actor, quote_id=accepted.id, if_match=None)
    return ["demo data: a sent quote and an accepted one"]
