"""Accounts and companies: users, companies, memberships; row-level security on tenant tables.

Revision ID: 20261125_0002
Revises: 20261125_0001
Created: 2026-11-25

Tenant isolation's second layer (docs/database.md#row-level-security). Two transaction-local
settings, written by ``laskutin.core.tenancy.act_as``, name the active company and the acting
user; the functions ``laskutin_company_id()`` and ``laskutin_user_id()`` read them, and an unset
or empty setting reads as NULL, which matches no row. Every tenant table gets row-level security
enabled and FORCED (the owner role is bound too), with policies that later tables copy:

    USING (company_id = laskutin_company_id())

``users`` is not a tenant table: no row-level security (see auth/models.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261125_0002"
down_revision: str | None = "20261125_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN = postgresql.ENUM("free", "pro", name="company_plan", create_type=False)
ROLE = postgresql.ENUM(
    "owner", "admin", "member", "accountant", name="membership_role", create_type=False
)

# current_setting(name, true): NULL when never set; '' after a transaction that set it locally
# has ended. Both mean "no tenant". STABLE and plain SQL, so the planner inlines them.
SETTING_FUNCTIONS = """
CREATE FUNCTION laskutin_company_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('laskutin.company_id', true), '')::uuid $$;
COMMENT ON FUNCTION laskutin_company_id() IS
    'The active company of this transaction (laskutin.company_id), or NULL.';
CREATE FUNCTION laskutin_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('laskutin.user_id', true), '')::uuid $$;
COMMENT ON FUNCTION laskutin_user_id() IS
    'The acting user of this transaction (laskutin.user_id), or NULL.';
"""

# memberships' policies never consult companies, so companies' policy may consult memberships
# (through memberships' own policy, as the same role) without any recursion.
POLICIES = """
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_select ON memberships FOR SELECT
    USING (company_id = laskutin_company_id() OR user_id = laskutin_user_id());
CREATE POLICY memberships_insert ON memberships FOR INSERT
    WITH CHECK (company_id = laskutin_company_id());
CREATE POLICY memberships_update ON memberships FOR UPDATE
    USING (company_id = laskutin_company_id())
    WITH CHECK (company_id = laskutin_company_id());
CREATE POLICY memberships_delete ON memberships FOR DELETE
    USING (company_id = laskutin_company_id());

ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
ALTER TABLE companies FORCE ROW LEVEL SECURITY;
CREATE POLICY companies_select ON companies FOR SELECT
    USING (
        id = laskutin_company_id()
        OR EXISTS (
            SELECT 1 FROM memberships m
            WHERE m.company_id = companies.id AND m.user_id = laskutin_user_id()
        )
    );
-- Sign-up: the service picks the new company's id, makes it active with act_as (the acting user
-- set), then inserts the company and the owner's membership.
CREATE POLICY companies_insert ON companies FOR INSERT
    WITH CHECK (id = laskutin_company_id() AND laskutin_user_id() IS NOT NULL);
CREATE POLICY companies_update ON companies FOR UPDATE
    USING (id = laskutin_company_id())
    WITH CHECK (id = laskutin_company_id());
CREATE POLICY companies_delete ON companies FOR DELETE
    USING (id = laskutin_company_id());
"""


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    PLAN.create(bind)
    ROLE.create(bind)
    op.execute(SETTING_FUNCTIONS)

    op.create_table(
        "companies",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("business_id", sa.String(20), nullable=True),
        sa.Column("vat_number", sa.String(20), nullable=True),
        sa.Column("plan", PLAN, server_default="free", nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_company_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["last_company_id"],
            ["companies.id"],
            name=op.f("fk_users_last_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.create_table(
        "memberships",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_memberships_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "user_id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"])
    op.execute(POLICIES)


def downgrade() -> None:
    # Dropping a table drops its own policies; companies' SELECT policy reads memberships.
    op.execute("DROP POLICY companies_select ON companies")
    op.drop_table("memberships")
    op.drop_table("users")
    op.drop_table("companies")
    op.execute("DROP FUNCTION laskutin_user_id(); DROP FUNCTION laskutin_company_id();")
    bind = op.get_bind()
    ROLE.drop(bind)
    PLAN.drop(bind)
