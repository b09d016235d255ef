"""Companies (the tenants) and memberships: who belongs to which company, in which role.

Both tables have row-level security enabled and forced (migration 20261125_0002,
docs/database.md#row-level-security): the app role sees a company only while it is the active
company or the acting user is one of its members, and a membership only when it belongs to the
active company or to the acting user.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.companies.domain import Plan, Role
from laskutin.core.models import Base


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


PLAN_TYPE = Enum(Plan, name="company_plan", values_callable=_values)
ROLE_TYPE = Enum(Role, name="membership_role", values_callable=_values)


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    name: Mapped[str] = mapped_column(String(200))
    # Y-tunnus (Finnish business id, "1234567-8"); associations and sole traders may lack one.
    business_id: Mapped[str | None] = mapped_column(String(20))
    # EU VAT number ("FI12345678").
    vat_number: Mapped[str | None] = mapped_column(String(20))
    plan: Mapped[Plan] = mapped_column(PLAN_TYPE, default=Plan.FREE, server_default=Plan.FREE.value)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Membership(Base):
    __tablename__ = "memberships"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    # Primary key (company_id, user_id) serves "members of a company"; this index "my companies".
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
