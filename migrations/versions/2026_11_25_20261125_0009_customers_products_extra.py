"""Customers and products: rate class columns (products, invoice lines) wide enough for every
RateClass, and a product code unique among a company's active products (issue 5).

Revision ID: 20261125_0009
Revises: 20261125_0008
Created: 2026-11-25

``products.rate_class`` and ``invoice_lines.rate_class`` were VARCHAR(30);
``books_medicines_culture_transport`` has 33
characters. Widening a VARCHAR is a catalogue-only change in PostgreSQL (no rewrite) and the
previous release keeps working (expand only). The partial unique index backs the service's
check (which runs under a per-company advisory lock) with a constraint.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_0009"
down_revision: str | None = "20261125_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_CODE_INDEX = "uq_products_company_id_active_code"


RATE_CLASS_TABLES = ("products", "invoice_lines")


def upgrade() -> None:
    for table in RATE_CLASS_TABLES:
        op.alter_column(
            table,
            "rate_class",
            existing_type=sa.String(length=30),
            type_=sa.String(length=40),
            existing_nullable=True,
        )
    op.create_index(
        ACTIVE_CODE_INDEX,
        "products",
        ["company_id", sa.text("lower(code)")],
        unique=True,
        postgresql_where=sa.text("archived_at IS NULL AND code IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(ACTIVE_CODE_INDEX, table_name="products")
    for table in RATE_CLASS_TABLES:
        op.alter_column(
            table,
            "rate_class",
            existing_type=sa.String(length=40),
            type_=sa.String(length=30),
            existing_nullable=True,
        )
