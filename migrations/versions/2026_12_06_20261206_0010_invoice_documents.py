"""Stored invoice documents: the PDF and e-invoices of issued invoices, made once (issue 6).

Revision ID: 20261206_0010
Revises: 20261125_0009
Created: 2026-12-06

A new tenant table (row-level security enabled and forced, policy on ``company_id``); nothing
existing changes, so the previous release keeps working (expand only).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_0010"
down_revision: str | None = "20261125_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_documents",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("renderer", sa.String(length=40), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "format IN ('pdf', 'finvoice', 'peppol')", name=op.f("ck_invoice_documents_format")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_invoice_documents_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_documents_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invoice_id", "format", name=op.f("pk_invoice_documents")),
    )
    op.execute("ALTER TABLE invoice_documents ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE invoice_documents FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY invoice_documents_company ON invoice_documents "
        "USING (company_id = laskutin_company_id()) "
        "WITH CHECK (company_id = laskutin_company_id())"
    )


def downgrade() -> None:
    op.drop_table("invoice_documents")
