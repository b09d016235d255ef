"""Idempotency keys and the audit trail: two tenant tables shared by every domain (issue 5).

Revision ID: 20261125_0007
Revises: 20261125_0006
Created: 2026-11-25

``idempotency_keys`` (``laskutin.api.idempotency``): one row per (company, credential,
``Idempotency-Key``), written in the same transaction as the POST's effect, with the first
answer. Row-level security enabled and forced; the active company reads and writes its own
rows. An expired row may also be deleted with no company active: the sweeper job deletes what
that policy lets it (``laskutin.api.idempotency.sweep``).

``audit_events`` (``laskutin.audit``): append-only. Row-level security enabled and forced with
SELECT and INSERT policies only; the app role is granted SELECT and INSERT only
(``APPEND_ONLY_FOR_APP`` in ``laskutin.core.migrations``, applied by migrations/env.py after
every upgrade), and a trigger refuses UPDATE and DELETE for every role, the owner included. The
one exception: rows go with their company (``ON DELETE CASCADE`` from ``companies``), which the
trigger tells apart by running nested in the foreign key's own trigger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261125_0007"
down_revision: str | None = "20261125_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICIES = """
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY idempotency_keys_select ON idempotency_keys FOR SELECT
    USING (company_id = laskutin_company_id());
CREATE POLICY idempotency_keys_insert ON idempotency_keys FOR INSERT
    WITH CHECK (company_id = laskutin_company_id());
CREATE POLICY idempotency_keys_update ON idempotency_keys FOR UPDATE
    USING (company_id = laskutin_company_id())
    WITH CHECK (company_id = laskutin_company_id());
CREATE POLICY idempotency_keys_delete ON idempotency_keys FOR DELETE
    USING (company_id = laskutin_company_id());
-- The sweeper has no active company: an expired key may go, whoever deletes it. A DELETE
-- without a WHERE clause needs no SELECT policy, so the sweeper sees nothing it deletes.
CREATE POLICY idempotency_keys_delete_expired ON idempotency_keys FOR DELETE
    USING (expires_at < now());

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_select ON audit_events FOR SELECT
    USING (company_id = laskutin_company_id());
CREATE POLICY audit_events_insert ON audit_events FOR INSERT
    WITH CHECK (company_id = laskutin_company_id());

CREATE FUNCTION laskutin_audit_events_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- Nested in another trigger: the cascade of a deleted company (its foreign key's trigger).
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
COMMENT ON FUNCTION laskutin_audit_events_append_only() IS
    'Refuses UPDATE and DELETE on audit_events, except the cascade of a deleted company.';
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION laskutin_audit_events_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_idempotency_keys_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "credential", "key", name=op.f("pk_idempotency_keys")
        ),
    )
    op.create_index(op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_audit_events_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "ix_audit_events_resource",
        "audit_events",
        ["company_id", "resource_type", "resource_id", "at", "id"],
    )
    op.execute(POLICIES)


def downgrade() -> None:
    op.drop_table("audit_events")
    op.execute("DROP FUNCTION laskutin_audit_events_append_only()")
    op.drop_table("idempotency_keys")
