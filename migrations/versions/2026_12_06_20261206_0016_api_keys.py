"""API keys (pro plan, issue 8).

Revision ID: 20261206_0016
Revises: 20261206_0015
Created: 2026-12-06

``api_keys`` is a new tenant table: row-level security enabled and forced, the policy on
``company_id``. One more policy, read-only: a request with a key acts for no company until the
key is found, so a transaction that sets ``laskutin.api_key`` to the SHA-256 of a key sees that
key's row and nothing else. A new table only: expand, nothing to contract.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0016"
down_revision: str | None = "20261206_0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=10)), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_api_keys_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_api_keys_created_by_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(
        "ix_api_keys_company_created", "api_keys", ["company_id", "created_at", "id"], unique=False
    )
    op.execute("ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE api_keys FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY api_keys_company ON api_keys "
        "USING (company_id = laskutin_company_id()) "
        "WITH CHECK (company_id = laskutin_company_id())"
    )
    op.execute(
        "CREATE POLICY api_keys_by_hash ON api_keys FOR SELECT "
        "USING (key_hash = nullif(current_setting('laskutin.api_key', true), ''))"
    )


def downgrade() -> None:
    op.drop_table("api_keys")
