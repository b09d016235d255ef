"""Invitations to a company by e-mail (issue 8).

Revision ID: 20261206_0013
Revises: 20261206_0012
Created: 2026-12-06

``invitations`` is a new tenant table: row-level security enabled and forced, the policy on
``company_id``. One more policy, read-only: the person invited belongs to no company yet, so a
transaction that sets ``laskutin.invitation_token`` to the SHA-256 of a link's token sees the
one invitation with that hash and nothing else (it cannot write it; accepting makes the
invitation's company the active one first). A new table only: expand, nothing to contract.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0013"
down_revision: str | None = "20261206_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    role = postgresql.ENUM(name="membership_role", create_type=False)
    op.create_table(
        "invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", role, nullable=False),
        sa.Column("language", sa.String(length=2), server_default="fi", nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
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
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_invitations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["users.id"],
            name=op.f("fk_invitations_accepted_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(
        "uq_invitations_open_email",
        "invitations",
        ["company_id", sa.text("lower(email)")],
        unique=True,
        postgresql_where=sa.text("accepted_at IS NULL AND revoked_at IS NULL"),
    )
    op.create_index(
        "ix_invitations_company_created",
        "invitations",
        ["company_id", "created_at", "id"],
        unique=False,
    )
    op.execute("ALTER TABLE invitations ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE invitations FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY invitations_company ON invitations "
        "USING (company_id = laskutin_company_id()) "
        "WITH CHECK (company_id = laskutin_company_id())"
    )
    op.execute(
        "CREATE POLICY invitations_by_token ON invitations FOR SELECT "
        "USING (token_hash IS NOT NULL "
        "AND token_hash = nullif(current_setting('laskutin.invitation_token', true), ''))"
    )


def downgrade() -> None:
    op.drop_table("invitations")
