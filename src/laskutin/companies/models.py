"""Companies (the tenants) and memberships: who belongs to which company, in which role.

Both tables have row-level security enabled and forced (migration 20261125_0002,
docs/database.md#row-level-security): the app role sees a company only while it is the active
company or the acting user is one of its members, and a membership only when it belongs to the
active company or to the acting user.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.companies.domain import Plan, Role
from laskutin.core.models import Base


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


PLAN_TYPE = Enum(Plan, name="company_plan", values_callable=_values)
ROLE_TYPE = Enum(Role, name="membership_role", values_callable=_values)


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("reference_type IN ('national', 'rf')", name="reference_type"),
        CheckConstraint("invoice_language IN ('fi', 'sv', 'en')", name="invoice_language"),
        CheckConstraint("payment_terms_days BETWEEN 0 AND 365", name="payment_terms_days"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    name: Mapped[str] = mapped_column(String(200))
    # Y-tunnus (Finnish business id, "1234567-8"); associations and sole traders may lack one.
    business_id: Mapped[str | None] = mapped_column(String(20))
    # EU VAT number ("FI12345678").
    vat_number: Mapped[str | None] = mapped_column(String(20))
    plan: Mapped[Plan] = mapped_column(PLAN_TYPE, default=Plan.FREE, server_default=Plan.FREE.value)
    # Members must sign in with a second factor (TOTP); those without one can only enrol (issue 8).
    require_two_factor: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # --- invoicing settings (issue 5); the seller's details that issuing copies onto invoices ---
    street_address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(String(2), default="FI", server_default="FI")
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(200))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    # Penalty interest printed on invoices, percent a year; NULL: the statutory rate (korkolaki
    # 4 §: reference rate + 8 points between businesses, + 7 for consumers).
    penalty_interest_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    reference_type: Mapped[str] = mapped_column(
        String(10), default="national", server_default="national"
    )
    invoice_language: Mapped[str] = mapped_column(String(2), default="fi", server_default="fi")
    einvoice_address: Mapped[str | None] = mapped_column(String(64))
    einvoice_operator: Mapped[str | None] = mapped_column(String(64))
    # --- delivery (issue 6): the From name of mailed invoices (the address is the service's,
    # LASKUTIN_MAIL_FROM) and where customers' replies go (NULL: the company's email) ---
    sender_name: Mapped[str | None] = mapped_column(String(100))
    reply_to_email: Mapped[str | None] = mapped_column(String(320))
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


class CompanyBankAccount(Base):
    """The company's bank accounts in order: the first goes on invoices and into the barcode.
    Tenant table (row-level security on company_id); a settings PATCH replaces the list."""

    __tablename__ = "company_bank_accounts"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    iban: Mapped[str] = mapped_column(String(34))  # machine form, no spaces
    bic: Mapped[str | None] = mapped_column(String(11))


class CompanyLogo(Base):
    """The logo printed on documents (PNG or JPEG), apart from ``companies`` so that reading
    the company never loads the image. Tenant table."""

    __tablename__ = "company_logos"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class NumberSeries(Base):
    """A numbering series (``kind``: invoice; later quote): the prefix and the next number.

    Issuing takes the next number with ``UPDATE ... SET next_number = next_number + 1
    RETURNING`` inside the issuing transaction: the row lock serialises issuers on every
    replica, and a rolled-back issue gives its number back, so numbers have no gaps. The unique
    constraint on (company_id, number) of invoices backs it. Tenant table.
    """

    __tablename__ = "number_series"
    __table_args__ = (CheckConstraint("next_number >= 1", name="next_number"),)

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(20), default="", server_default="")
    next_number: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
