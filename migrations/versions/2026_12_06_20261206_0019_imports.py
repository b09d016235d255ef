"""CSV imports of customers and products (issue 9).

Revision ID: 20261206_0019
Revises: 20261206_0018
Created: 2026-12-06

``imports`` is a new tenant table: row-level security enabled and forced, the policy on
``company_id``. A new table only: expand, nothing to contract.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0019"
down_revision: str | None = "20261206_0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("done_rows", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("warnings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("columns", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
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
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_imports_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_imports_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(
        "ix_imports_company_created", "imports", ["company_id", "created_at", "id"], unique=False
    )
    op.execute("ALTER TABLE imports ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE imports FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY imports_company ON imports "
        "USING (company_id = laskutin_company_id()) "
        "WITH CHECK (company_id = laskutin_company_id())"
    )


def downgrade() -> None:
    op.drop_table("imports")
