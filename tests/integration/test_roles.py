"""Two database roles: migrations run as the owner; the app role owns nothing and is no
superuser (so row-level security will hold for it), yet can do its daily work."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors

from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE
from tests.conftest import Cluster


@pytest.fixture
def app_conn(cluster: Cluster, database: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(
        cluster.url(EMBEDDED_APP_ROLE, database).libpq_url(), autocommit=True
    ) as conn:
        yield conn


def _refused(conn: psycopg.Connection, statement: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)


def test_app_role_is_no_superuser_and_owns_nothing(app_conn: psycopg.Connection) -> None:
    role = app_conn.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user"
    ).fetchone()
    assert role == (False, False, False, False)
    owned = app_conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"
    ).fetchall()
    assert owned == []
    owners = {
        row[0]
        for row in app_conn.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    }
    assert owners == {EMBEDDED_OWNER_ROLE}


def test_app_role_cannot_change_the_schema(app_conn: psycopg.Connection) -> None:
    assert app_conn.execute(
        "SELECT has_schema_privilege(current_user, 'public', 'CREATE')"
    ).fetchone() == (False,)
    _refused(app_conn, "CREATE TABLE public.sneaky (id int)")
    _refused(app_conn, "CREATE TABLE sneaky (id int)")
    _refused(app_conn, "ALTER TABLE instance_metadata ADD COLUMN sneaky int")
    _refused(app_conn, "DROP TABLE instance_metadata")
    _refused(app_conn, "TRUNCATE procrastinate_jobs")


@pytest.mark.parametrize("table", ["schema_history", "alembic_version"])
def test_app_role_reads_but_cannot_modify_migration_records(
    app_conn: psycopg.Connection, table: str
) -> None:
    column = "revision" if table == "schema_history" else "version_num"
    rows = app_conn.execute(f"SELECT {column} FROM {table}").fetchall()
    assert rows, f"{table} should hold the applied revision"
    _refused(app_conn, f"INSERT INTO {table} ({column}) VALUES ('sneaky')")
    _refused(app_conn, f"UPDATE {table} SET {column} = 'sneaky'")
    _refused(app_conn, f"DELETE FROM {table}")
    _refused(app_conn, f"TRUNCATE {table}")


def test_app_role_reads_and_writes_instance_metadata(app_conn: psycopg.Connection) -> None:
    app_conn.execute(
        "INSERT INTO instance_metadata (key, value) VALUES ('role-test', '{\"n\": 1}')"
    )
    app_conn.execute("UPDATE instance_metadata SET value = '{\"n\": 2}' WHERE key = 'role-test'")
    row = app_conn.execute("SELECT value FROM instance_metadata WHERE key = 'role-test'")
    assert row.fetchone() == ({"n": 2},)
    app_conn.execute("DELETE FROM instance_metadata WHERE key = 'role-test'")
    assert app_conn.execute("SELECT count(*) FROM instance_metadata").fetchone() == (0,)


def test_app_role_uses_the_job_queue_tables(app_conn: psycopg.Connection) -> None:
    """The whole life of a job through Procrastinate's functions, as the app role."""
    [worker_id] = app_conn.execute("SELECT procrastinate_register_worker_v1()").fetchone() or []
    [job_id] = (
        app_conn.execute(
            "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW('q', 'role.test', 0, NULL, NULL, "
            "'{}'::jsonb, NULL)::procrastinate_job_to_defer_v1]))"
        ).fetchone()
        or []
    )
    fetched = app_conn.execute(
        "SELECT id FROM procrastinate_fetch_job_v2(ARRAY['q']::varchar[], %s)", (worker_id,)
    ).fetchone()
    assert fetched == (job_id,)
    app_conn.execute("SELECT procrastinate_finish_job_v1(%s, 'succeeded', false)", (job_id,))
    events = app_conn.execute(
        "SELECT type::text FROM procrastinate_events WHERE job_id = %s ORDER BY id", (job_id,)
    ).fetchall()
    assert [e for (e,) in events] == ["deferred", "started", "succeeded"]
    app_conn.execute(
        "INSERT INTO procrastinate_periodic_defers (task_name, defer_timestamp, job_id) "
        "VALUES ('role.test', 1, %s)",
        (job_id,),
    )
    app_conn.execute("UPDATE procrastinate_jobs SET priority = 1 WHERE id = %s", (job_id,))
    app_conn.execute("DELETE FROM procrastinate_jobs WHERE id = %s", (job_id,))
    app_conn.execute("DELETE FROM procrastinate_periodic_defers WHERE task_name = 'role.test'")
    app_conn.execute("SELECT procrastinate_unregister_worker_v1(%s)", (worker_id,))
    for table in ("jobs", "events", "workers", "periodic_defers"):
        count = app_conn.execute(f"SELECT count(*) FROM procrastinate_{table}").fetchone()
        assert count == (0,), table
