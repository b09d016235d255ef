"""Auth providers for the cross-company harness.

:class:`TokenAuth` is the real app's: a company with one user per role, written as the app's
database role (row-level security on, as in production), and access tokens signed by the app's
own key ring (auth/tokens.py), sent as ``Authorization: Bearer``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth import tokens
from laskutin.auth.keys import KeyRing
from laskutin.auth.models import User
from laskutin.companies.domain import Role
from laskutin.companies.models import Company as CompanyRow
from laskutin.companies.models import Membership
from laskutin.core.tenancy import act_as
from tests.contract.harness import Company


@dataclass
class TokenAuth:
    """Needs the app's lifespan running (its session factory and key ring)."""

    app: FastAPI
    members: dict[tuple[str, Role], uuid.UUID] = field(default_factory=dict)

    async def new_company(self, label: str) -> Company:
        sessions: async_sessionmaker[AsyncSession] = self.app.state.session_factory
        company_id = uuid.uuid4()
        tag = uuid.uuid4().hex[:8]
        async with sessions() as session, session.begin():
            users = {
                role: User(
                    email=f"{role.value}.{tag}@harness.example.fi",
                    name=f"{role.value.title()} {label}-{tag}",
                )
                for role in Role
            }
            session.add_all(users.values())
            await session.flush()
            await act_as(session, company_id=company_id, user_id=users[Role.OWNER].id)
            session.add(CompanyRow(id=company_id, name=f"Harness {label}-{tag} Oy"))
            await session.flush()
            for role, user in users.items():
                session.add(Membership(company_id=company_id, user_id=user.id, role=role))
        for role, user in users.items():
            self.members[(str(company_id), role)] = user.id
        return Company(id=str(company_id), label=label)

    async def as_role(self, company: Company, role: Role) -> dict[str, str]:
        keyring: KeyRing = self.app.state.keyring
        token = await tokens.issue_access_token(
            keyring,
            issuer=self.app.state.settings.jwt_issuer,
            user_id=self.members[(company.id, role)],
            company_id=uuid.UUID(company.id),
            role=role,
        )
        return {"Authorization": f"Bearer {token.token}"}
