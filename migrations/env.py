"""Alembic environment: runs as the owner, records applied revisions, grants the app role."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.sql.schema import SchemaItem

from laskutin.core.migrations import APPEND_ONLY_FOR_APP, READ_ONLY_FOR_APP
from laskutin.core.settings import Settings
from laskutin.models_registry import metadata

settings: Settings = context.config.attributes["settings"]


def include_object(
    obj: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # The job queue's tables belong to Procrastinate; its own SQL defines them.
    return not (name or "").startswith("procrastinate_")


def record_revision(*, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Keep schema_history in step: readiness asks "is my migration among the applied ones?"."""
    conn: Connection = ctx.connection
    if conn.execute(text("SELECT to_regclass('schema_history')")).scalar() is None:
        return
    revision = step.up_revision_id
    if step.is_upgrade:
        conn.execute(
            text("INSERT INTO schema_history (revision) VALUES (:r) ON CONFLICT DO NOTHING"),
            {"r": revision},
        )
    else:
        conn.execute(text("DELETE FROM schema_history WHERE revision = :r"), {"r": revision})


def grant_app_role(conn: Connection) -> None:
    app_role = settings.app_database.user
    if app_role == settings.migration_database.user:
        return
    role = conn.dialect.identifier_preparer.quote(app_role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}",
    ]
    for table in READ_ONLY_FOR_APP:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None:
            statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {role}")
    for table in APPEND_ONLY_FOR_APP:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None:
            statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")
    for statement in statements:
        conn.execute(text(statement))


# Any 64-bit number that no other code takes as an advisory lock.
MIGRATION_LOCK = 0x6C61_736B_7574_696E & 0x7FFF_FFFF_FFFF_FFFF  # "laskutin"


def run_migrations_online() -> None:
    engine = create_engine(settings.migration_database.psycopg_url())
    try:
        with engine.connect() as conn:
            # Replicas (or two `laskutin run`s) may migrate at the same moment: the first takes
            # the lock and migrates, the others wait, then find nothing left to do. The lock
            # belongs to this transaction, which alembic joins and we commit below.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            context.configure(
                connection=conn,
                target_metadata=metadata,
                include_object=include_object,
                on_version_apply=record_revision,
                compare_type=True,
                compare_server_default=True,
                transaction_per_migration=False,
            )
            with context.begin_transaction():
                context.run_migrations()
                grant_app_role(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run them online")
run_migrations_online()
