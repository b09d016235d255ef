"""Sign-in with OpenID Connect: flows under way, one-time sign-in codes, external identities
(issue 8).

Revision ID: 20261206_0015
Revises: 20261206_0014
Created: 2026-12-06

Three new tables that belong to users, not to companies (like refresh tokens: no row-level
security; found by a state's or code's hash, or by the user's id). New tables only: expand,
nothing to contract.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_0015"
down_revision: str | None = "20261206_0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "oidc_flows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("intent", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("intent IN ('login', 'link')", name=op.f("ck_oidc_flows_intent")),
        _user_fk("oidc_flows"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_flows")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_oidc_flows_state_hash")),
    )
    op.create_index(op.f("ix_oidc_flows_user_id"), "oidc_flows", ["user_id"])
    op.create_index(op.f("ix_oidc_flows_expires_at"), "oidc_flows", ["expires_at"])
    op.create_table(
        "oidc_login_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("oidc_login_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_login_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oidc_login_codes_code_hash")),
    )
    op.create_index(op.f("ix_oidc_login_codes_user_id"), "oidc_login_codes", ["user_id"])
    op.create_index(op.f("ix_oidc_login_codes_expires_at"), "oidc_login_codes", ["expires_at"])
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("external_identities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_external_identities_provider")),
    )
    op.create_index(op.f("ix_external_identities_user_id"), "external_identities", ["user_id"])


def downgrade() -> None:
    op.drop_table("external_identities")
    op.drop_table("oidc_login_codes")
    op.drop_table("oidc_flows")
