"""Demo data for `make run`: a user and a company to try the service with."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.auth.service import signup
from laskutin.companies.models import Company
from laskutin.system.seeding import seeder

DEMO_EMAIL = "demo@example.com"
# Shown on the terminal of a development machine only; `make run` never runs in production.
DEMO_PASSWORD = "Tilisiirto-Eräpäivä-42"  # noqa: S105
DEMO_COMPANY = "Demo Oy"
DEMO_BUSINESS_ID = "1234567-1"  # a valid check digit (finnish-invoicing.md §6), not a real firm


@seeder(10)
async def seed_demo_company(session: AsyncSession) -> list[str]:
    """A verified demo user who owns "Demo Oy"."""
    result = await signup(
        session,
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        name="Demo Käyttäjä",
        company_name=DEMO_COMPANY,
        email_verified=True,
    )
    if not result.created:
        return []
    await session.execute(
        update(Company)
        .where(Company.id == result.company_id)
        .values(business_id=DEMO_BUSINESS_ID, vat_number="FI12345671")
    )
    return [f"demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}  (company {DEMO_COMPANY})"]
