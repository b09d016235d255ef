"""Foundation: schema history, instance metadata and the job queue (Procrastinate).

Revision ID: 20261125_0001
Revises:
Created: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql

revision: str = "20261125_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schema_history",
        sa.Column("revision", sa.String(64), nullable=False),
        sa.Column(
            "applied_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("revision", name=op.f("pk_schema_history")),
    )
    op.create_table(
        "instance_metadata",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", postgresql.JSONB(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_metadata")),
    )
    # The job queue: Procrastinate's schema as shipped with the pinned version (3.10). Later
    # Procrastinate upgrades add a migration that runs the package's matching migration files.
    op.execute(SchemaManager.get_schema())


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events,
            procrastinate_jobs, procrastinate_workers CASCADE;
        DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type,
            procrastinate_job_to_defer_v1 CASCADE;
        """
    )
    op.execute(
        """
        DO $$ DECLARE f record;
        BEGIN
          FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                   JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate%'
          LOOP EXECUTE 'DROP ROUTINE IF EXISTS ' || f.sig || ' CASCADE'; END LOOP;
        END $$;
        """
    )
    op.drop_table("instance_metadata")
    op.drop_table("schema_history")
