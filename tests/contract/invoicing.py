"""Test helpers for invoicing: company settings, customers and products written as ORM rows
(as the app's database role, row-level security on), independent of those domains' APIs."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.companies.domain import Role
from laskutin.companies.models import Company, CompanyBankAccount
from laskutin.core.tenancy import act_as
from laskutin.customers.models import Customer
from laskutin.products.models import Product
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company as HarnessCompany

IBAN = "FI2112345600000785"
BIC = "OKOYFIHH"
BUSINESS_ID = "1234567-1"
_numbers = itertools.count(1000)


@contextlib.asynccontextmanager
async def owner_session(auth: TokenAuth, company: HarnessCompany) -> AsyncIterator[AsyncSession]:
    """One transaction as the company's owner (the app's role; row-level security holds)."""
    sessions: async_sessionmaker[AsyncSession] = auth.app.state.session_factory
    async with sessions() as session, session.begin():
        await act_as(
            session,
            company_id=uuid.UUID(company.id),
            user_id=auth.members[(company.id, Role.OWNER)],
        )
        yield session


async def make_seller(
    auth: TokenAuth,
    company: HarnessCompany,
    *,
    business_id: str | None = BUSINESS_ID,
    iban: str | None = IBAN,
    **settings: Any,
) -> None:
    """Give the company a business id and a bank account (or take them away with None)."""
    async with owner_session(auth, company) as session:
        company_id = uuid.UUID(company.id)
        await session.execute(
            update(Company)
            .where(Company.id == company_id)
            .values(business_id=business_id, **settings)
        )
        await session.execute(
            delete(CompanyBankAccount).where(CompanyBankAccount.company_id == company_id)
        )
        if iban is not None:
            session.add(CompanyBankAccount(company_id=company_id, position=0, iban=iban, bic=BIC))


async def make_customer(auth: TokenAuth, company: HarnessCompany, **fields: Any) -> str:
    values: dict[str, Any] = {
        "name": f"Asiakas {uuid.uuid4().hex[:6]} Oy",
        "customer_number": next(_numbers),
        "language": "fi",
        "billing_street": "Asiakaskatu 1",
        "billing_postal_code": "00100",
        "billing_city": "Helsinki",
    }
    values.update(fields)
    async with owner_session(auth, company) as session:
        customer = Customer(id=uuid.uuid4(), company_id=uuid.UUID(company.id), **values)
        session.add(customer)
    return str(customer.id)


async def make_product(auth: TokenAuth, company: HarnessCompany, **fields: Any) -> str:
    values: dict[str, Any] = {
        "code": "P-1",
        "names": {"fi": "Suunnittelu", "sv": "Planering", "en": "Design"},
        "unit": "h",
        "unit_price": Decimal("80.00"),
        "vat_category": "S",
        "rate_class": "general",
    }
    values.update(fields)
    async with owner_session(auth, company) as session:
        product = Product(id=uuid.uuid4(), company_id=uuid.UUID(company.id), **values)
        session.add(product)
    return str(product.id)


def line(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": "Konsultointi",
        "quantity": "2",
        "unit": "h",
        "unit_price": "100.00",
        "vat_rate": "25.5",
    }
    body.update(changes)
    return body
