"""Demo data for `make run`: a user and a company to try the service with."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.auth.service import signup
from laskutin.companies.models import Company, CompanyBankAccount
from laskutin.finnish.bank import bic_for_iban
from laskutin.system.seeding import seeder

DEMO_EMAIL = "demo@example.com"
# Shown on the terminal of a development machine only; `make run` never runs in production.
DEMO_PASSWORD = "Tilisiirto-Eräpäivä-42"  # noqa: S105
DEMO_COMPANY = "Demo Oy"
DEMO_BUSINESS_ID = "1234567-1"  # a valid check digit (finnish-invoicing.md §6), not a real firm
DEMO_VAT_NUMBER = "FI12345671"  # FI + the Y-tunnus digits
# The FFI bank barcode guide's example account (valid IBAN and national check digits; Nordea).
DEMO_IBAN = "FI2112345600000785"


@seeder(10)
async def seed_demo_company(session: AsyncSession) -> list[str]:
    """A verified demo user who owns "Demo Oy", with what issuing needs: a Y-tunnus, a VAT
    number, an address in Helsinki and a Finnish bank account."""
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
        .values(
            business_id=DEMO_BUSINESS_ID,
            vat_number=DEMO_VAT_NUMBER,
            street_address="Mannerheimintie 1",
            postal_code="00100",
            city="Helsinki",
            country_code="FI",
            email="laskutus@demo.example.com",
            phone="+358 9 123 4567",
        )
    )
    # signup() left the session acting for the new company (row-level security).
    session.add(
        CompanyBankAccount(
            company_id=result.company_id, position=0, iban=DEMO_IBAN, bic=bic_for_iban(DEMO_IBAN)
        )
    )
    await session.flush()
    return [f"demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}  (company {DEMO_COMPANY})"]
