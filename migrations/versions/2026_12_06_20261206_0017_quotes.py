"""Quotes (tarjous) and their lines (issue 9).

Revision ID: 20261206_0017
Revises: 20261206_0016
Created: 2026-12-06

``quotes`` and ``quote_lines`` are new tenant tables: row-level security enabled and forced,
the policy on ``company_id`` (as migration 20261206_0011's). A quote's number comes from the
company's ``number_series`` row of kind ``quote``, made on first use (no rows here). New
tables only: expand, nothing to contract.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0017"
down_revision: str | None = "20261206_0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("quotes", "quote_lines")


def _money(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Numeric(precision=18, scale=2), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=10), server_default="draft", nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("sequence_number", sa.BigInteger(), nullable=False),
        sa.Column("quote_date", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("buyer_reference", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=2), server_default="fi", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column("prices_include_vat", sa.Boolean(), server_default="false", nullable=False),
        _money("net_total"),
        _money("vat_total"),
        _money("total"),
        sa.Column(
            "vat_breakdown",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("seller", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("buyer", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
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
        sa.CheckConstraint(
            "state IN ('draft', 'sent', 'accepted', 'declined')", name=op.f("ck_quotes_state")
        ),
        sa.CheckConstraint("language IN ('fi', 'sv', 'en')", name=op.f("ck_quotes_language")),
        sa.CheckConstraint("valid_until >= quote_date", name=op.f("ck_quotes_valid_after_date")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_quotes_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_quotes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_quotes_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_quotes_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_quotes_company_id")),
    )
    op.create_index("ix_quotes_company_id_quote_date", "quotes", ["company_id", "quote_date", "id"])
    op.create_index(
        "ix_quotes_company_id_sequence_number", "quotes", ["company_id", "sequence_number"]
    )
    op.create_index("ix_quotes_company_id_customer_id", "quotes", ["company_id", "customer_id"])
    op.create_index("ix_quotes_company_id_created_at", "quotes", ["company_id", "created_at", "id"])
    op.create_index("ix_quotes_invoice_id", "quotes", ["invoice_id"])
    op.create_table(
        "quote_lines",
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column(
            "discount_percent", sa.Numeric(precision=5, scale=2), server_default="0", nullable=False
        ),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("vat_category", sa.String(length=2), server_default="S", nullable=False),
        sa.Column("rate_class", sa.String(length=40), nullable=True),
        sa.Column("vat_ground", sa.String(length=40), nullable=True),
        sa.Column("tax_point", sa.Date(), nullable=True),
        sa.Column("net_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("vat_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("gross_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.CheckConstraint(
            "vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')",
            name=op.f("ck_quote_lines_vat_category"),
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_lines_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_quote_lines_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_quote_lines_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("quote_id", "position", name=op.f("pk_quote_lines")),
    )
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_company ON {table} "
            "USING (company_id = laskutin_company_id()) "
            "WITH CHECK (company_id = laskutin_company_id())"
        )


def downgrade() -> None:
    op.drop_table("quote_lines")
    op.drop_table("quotes")
