"""Demo data for `make run`: two recurring invoices of the demo company, one with a history.

Registered by adding ``"laskutin.recurring.demo"`` to ``SEEDER_MODULES`` (system/seeding.py);
runs after the invoicing demo (order 30), whose customers and products it uses.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.core import clock
from laskutin.core.tenancy import act_as
from laskutin.customers.models import Customer
from laskutin.invoices.demo import demo_actor
from laskutin.invoices.schemas import LineIn
from laskutin.products.models import Product
from laskutin.recurring import schedule, service
from laskutin.recurring.models import RecurringInvoice
from laskutin.recurring.runner import run_period
from laskutin.recurring.schemas import RecurringInvoiceCreate, Schedule
from laskutin.system.seeding import seeder


@seeder(30)
async def seed_demo_recurring(session: AsyncSession) -> list[str]:
    """A monthly maintenance invoice (issued on the last weekday of each month) with three
    months of history, and a fortnightly one left as drafts, paused."""
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
    builder, cafe = customers.get("Rakennus Virtanen Oy"), customers.get("Kahvila Aalto")
    design, consulting = products.get("SUUN"), products.get("KONS")
    if builder is None or cafe is None or design is None or consulting is None:
        return []
    today = clock.today()
    first_of_month = today.replace(day=1)
    monthly = await service.create_template(
        session,
        actor=actor,
        data=RecurringInvoiceCreate(
            name="Ylläpitosopimus",
            customer_id=builder,
            lines=[LineIn(product_id=design, quantity=Decimal(4))],
            notes="Kuukausittainen ylläpito sopimuksen mukaan.",
            schedule=Schedule(
                unit=schedule.Unit.MONTH,
                day_of_month=31,
                weekend=schedule.Weekend.FRIDAY,
                start_date=_months_back(first_of_month, 3),
            ),
            action="issue",
        ),
    )
    # The history: as if the template had been made three months ago, the job catches up.
    row = await session.get_one(RecurringInvoice, monthly.id)
    row.next_sequence = 0
    row.next_run = schedule.occurrence(service.rule_of(row), 0)
    await session.flush()
    made = 0
    while await run_period(
        session, None, company_id=actor.company_id, template_id=row.id, today=today
    ):
        made += 1
    await act_as(session, company_id=actor.company_id, user_id=actor.user_id)
    fortnightly = await service.create_template(
        session,
        actor=actor,
        data=RecurringInvoiceCreate(
            name="Kahvilan kassajärjestelmän tuki",
            customer_id=cafe,
            lines=[LineIn(product_id=consulting, quantity=Decimal(2))],
            schedule=Schedule(
                unit=schedule.Unit.WEEK,
                every=2,
                start_date=today + dt.timedelta(days=7 - today.weekday()),
                count=12,
            ),
            action="draft",
            wait_for_payment=True,
        ),
    )
    await service.pause(session, actor=actor, template_id=fortnightly.id, if_match=None)
    return [f"demo data: 2 recurring invoices ({made} invoices made by the monthly one)"]


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
