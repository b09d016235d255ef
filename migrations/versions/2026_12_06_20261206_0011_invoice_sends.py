"""Invoice delivery: send requests (``invoice_sends``), a company's sender name and reply address
(issue 6).

Revision ID: 20261206_0011
Revises: 20261206_0010
Created: 2026-12-06

``invoice_sends`` is a new tenant table: row-level security enabled and forced, the policy on
``company_id``. One more policy, read-only: the delivery sweeper runs with no active company
and must find the pending sends of every company (those that no job holds, to queue them
again). With no active company and the transaction-local setting ``laskutin.sweep`` set to
``invoice_sends`` it sees the rows in state queued or sending and nothing else; it cannot
write any row, and a transaction that never sets the marker still sees nothing.

The two new ``companies`` columns allow NULL, so the previous release keeps working while this
one rolls out (expand only).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0011"
down_revision: str | None = "20261206_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("companies", sa.Column("sender_name", sa.String(length=100), nullable=True))
    op.add_column("companies", sa.Column("reply_to_email", sa.String(length=320), nullable=True))
    op.create_table(
        "invoice_sends",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column(
            "recipients",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "attach", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("smtp_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unconfirmed_handoffs", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_invoice_sends_attempts")),
        sa.CheckConstraint(
            "channel IN ('email', 'download')", name=op.f("ck_invoice_sends_channel")
        ),
        sa.CheckConstraint(
            "language IN ('fi', 'sv', 'en')", name=op.f("ck_invoice_sends_language")
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'failed')", name=op.f("ck_invoice_sends_state")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_invoice_sends_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_sends_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_invoice_sends_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_sends")),
    )
    op.create_index(
        "ix_invoice_sends_company_id_invoice_id_created_at",
        "invoice_sends",
        ["company_id", "invoice_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_invoice_sends_pending",
        "invoice_sends",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("state IN ('queued', 'sending')"),
    )
    op.execute("ALTER TABLE invoice_sends ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE invoice_sends FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY invoice_sends_company ON invoice_sends "
        "USING (company_id = laskutin_company_id()) "
        "WITH CHECK (company_id = laskutin_company_id())"
    )
    op.execute(
        "CREATE POLICY invoice_sends_sweep ON invoice_sends FOR SELECT "
        "USING (laskutin_company_id() IS NULL "
        "AND current_setting('laskutin.sweep', true) = 'invoice_sends' "
        "AND state IN ('queued', 'sending'))"
    )


def downgrade() -> None:
    op.drop_index("ix_invoice_sends_pending", table_name="invoice_sends")
    op.drop_index("ix_invoice_sends_company_id_invoice_id_created_at", table_name="invoice_sends")
    op.drop_table("invoice_sends")
    op.drop_column("companies", "reply_to_email")
    op.drop_column("companies", "sender_name")
