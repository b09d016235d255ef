"""Rate counters: fixed-window counts per scope and key, shared by every replica.

Revision ID: 20261125_0006
Revises: 20261125_0005
Created: 2026-11-25

``rate_counters`` has no row-level security (docs/database.md#tables-without-row-level-security):
counters are taken before any user or company is known (sign-up, password reset); the rows
hold no company data and no e-mail address in clear (keys are hashes or ids). See
``laskutin.core.ratelimit`` for how they count and ``laskutin.auth.limits`` for the limits.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_0006"
down_revision: str | None = "20261125_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("window_started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_rate_counters_count")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_rate_counters")),
    )


def downgrade() -> None:
    op.drop_table("rate_counters")
