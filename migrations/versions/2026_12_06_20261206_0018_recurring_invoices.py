"""Recurring invoice templates and their runs (issue 9).

Revision ID: 20261206_0018
Revises: 20261206_0017
Created: 2026-12-06

``recurring_invoices`` and ``recurring_invoice_runs`` are new tenant tables: row-level security
enabled and forced, the policy on ``company_id``. One more policy, read-only, on the templates:
the recurring job runs with no active company and must find the due templates of every company.
With no active company and the transaction-local setting ``laskutin.sweep`` set to
``recurring_invoices`` it sees the templates that are not paused and have a next run, and
nothing else; it cannot write any row (it acts as each template's company for that), and a
transaction that never sets the marker still sees nothing. ``UNIQUE (template_id, sequence)``
of the runs makes each period's invoice exactly once. New tables only: expand, nothing to
contract.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0018"
down_revision: str | None = "20261206_0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "recurring_invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "lines", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("buyer_reference", sa.String(length=100), nullable=True),
        sa.Column("order_reference", sa.String(length=100), nullable=True),
        sa.Column("prices_include_vat", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("every", sa.Integer(), server_default="1", nullable=False),
        sa.Column("day_of_month", sa.Integer(), nullable=True),
        sa.Column("weekend", sa.String(length=6), server_default="keep", nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=5), server_default="draft", nullable=False),
        sa.Column("recipients", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("wait_for_payment", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_run", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.CheckConstraint(
            "unit IN ('day', 'week', 'month')", name=op.f("ck_recurring_invoices_unit")
        ),
        sa.CheckConstraint("every BETWEEN 1 AND 366", name=op.f("ck_recurring_invoices_every")),
        sa.CheckConstraint(
            "day_of_month IS NULL OR day_of_month BETWEEN 1 AND 31",
            name=op.f("ck_recurring_invoices_day"),
        ),
        sa.CheckConstraint(
            "weekend IN ('keep', 'friday', 'monday')", name=op.f("ck_recurring_invoices_weekend")
        ),
        sa.CheckConstraint(
            "action IN ('draft', 'issue', 'send')", name=op.f("ck_recurring_invoices_action")
        ),
        sa.CheckConstraint("count IS NULL OR count >= 1", name=op.f("ck_recurring_invoices_count")),
        sa.CheckConstraint("next_sequence >= 0", name=op.f("ck_recurring_invoices_next_sequence")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_recurring_invoices_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_recurring_invoices_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_recurring_invoices_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_invoices")),
    )
    op.create_index(
        "ix_recurring_invoices_company_created",
        "recurring_invoices",
        ["company_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_recurring_invoices_due",
        "recurring_invoices",
        ["next_run"],
        unique=False,
        postgresql_where=sa.text("paused_at IS NULL AND next_run IS NOT NULL"),
    )
    op.create_table(
        "recurring_invoice_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("period_date", sa.Date(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=6), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.CheckConstraint(
            "outcome IN ('draft', 'issued', 'sent', 'failed')",
            name=op.f("ck_recurring_invoice_runs_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_recurring_invoice_runs_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["recurring_invoices.id"],
            name=op.f("fk_recurring_invoice_runs_template_id_recurring_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_recurring_invoice_runs_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_invoice_runs")),
        sa.UniqueConstraint(
            "template_id", "sequence", name=op.f("uq_recurring_invoice_runs_template_id")
        ),
    )
    op.create_index(
        "ix_recurring_invoice_runs_company_template",
        "recurring_invoice_runs",
        ["company_id", "template_id"],
        unique=False,
    )
    op.create_index(
        "ix_recurring_invoice_runs_invoice_id",
        "recurring_invoice_runs",
        ["invoice_id"],
        unique=False,
    )
    for table in ("recurring_invoices", "recurring_invoice_runs"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_company ON {table} "
            "USING (company_id = laskutin_company_id()) "
            "WITH CHECK (company_id = laskutin_company_id())"
        )
    op.execute(
        "CREATE POLICY recurring_invoices_sweep ON recurring_invoices FOR SELECT "
        "USING (laskutin_company_id() IS NULL "
        "AND current_setting('laskutin.sweep', true) = 'recurring_invoices' "
        "AND paused_at IS NULL AND next_run IS NOT NULL)"
    )


def downgrade() -> None:
    op.drop_table("recurring_invoice_runs")
    op.drop_table("recurring_invoices")
