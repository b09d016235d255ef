"""Sign-in throttle: failed sign-ins counted per account key and per client address.

Revision ID: 20261125_0004
Revises: 20261125_0003
Created: 2026-11-25

``login_throttle`` has no row-level security (docs/database.md#tables-without-row-level-security):
sign-in counts failures before any user or company is known; the rows hold no company data and
no e-mail address in clear (the account key is a SHA-256 of the e-mail). See
``laskutin.auth.throttle`` for the policy and ``laskutin.auth.service`` for its use.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_0004"
down_revision: str | None = "20261125_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures_in_window", sa.Integer(), server_default="0", nullable=False),
        sa.Column("window_started", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('account', 'address')", name=op.f("ck_login_throttle_scope")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
