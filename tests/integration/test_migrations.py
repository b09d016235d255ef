"""Alembic migrations: empty -> head -> base -> head, schema_history in step, no drift."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine

from laskutin.core import migrations
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE, Settings
from laskutin.models_registry import metadata
from tests.conftest import Cluster
from tests.integration.procs import laskutin_env, run_at_once


@pytest.fixture
def empty_settings(cluster: Cluster, empty_database: str) -> Settings:
    return cluster.settings_for(empty_database)


@pytest.fixture
def owner_engine(settings: Settings) -> Iterator[Engine]:
    engine = create_engine(settings.migration_database.psycopg_url())
    try:
        yield engine
    finally:
        engine.dispose()


def _revisions_base_to_head(settings: Settings) -> list[str]:
    script = ScriptDirectory.from_config(migrations.alembic_config(settings))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _state(settings: Settings) -> dict[str, Any]:
    with psycopg.connect(settings.migration_database.libpq_url()) as conn:
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
        history: set[str] | None = None
        if "schema_history" in tables:
            history = {r for (r,) in conn.execute("SELECT revision FROM schema_history")}
        version: set[str] = set()
        if "alembic_version" in tables:
            version = {r for (r,) in conn.execute("SELECT version_num FROM alembic_version")}
        leftovers = conn.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public'"
        ).fetchone()
        types = conn.execute(
            "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'public' AND t.typname LIKE 'procrastinate%%'"
        ).fetchone()
    return {
        "tables": tables,
        "history": history,
        "version": version,
        "functions": leftovers[0] if leftovers else 0,
        "types": types[0] if types else 0,
    }


def _app_can_write(settings: Settings) -> bool:
    with psycopg.connect(settings.app_database.libpq_url()) as conn:
        conn.execute("INSERT INTO instance_metadata (key, value) VALUES ('probe', '1')")
        conn.rollback()
    return True


def test_upgrade_downgrade_upgrade(empty_settings: Settings) -> None:
    revisions = _revisions_base_to_head(empty_settings)
    assert revisions[-1] == migrations.code_head()
    before = _state(empty_settings)
    assert before["tables"] == set()

    # One step at a time up: schema_history holds exactly what was applied.
    for index, revision in enumerate(revisions):
        migrations.upgrade(empty_settings, revision)
        state = _state(empty_settings)
        assert state["version"] == {revision}
        assert state["history"] == set(revisions[: index + 1])
    at_head = _state(empty_settings)
    assert {"schema_history", "instance_metadata", "procrastinate_jobs"} <= at_head["tables"]
    assert migrations.current(empty_settings).up_to_date
    assert _app_can_write(empty_settings)

    # One step at a time down: schema_history forgets each undone revision.
    for index in range(len(revisions) - 1, -1, -1):
        migrations.downgrade(empty_settings, "-1")
        state = _state(empty_settings)
        applied = set(revisions[:index])
        assert state["version"] == ({revisions[index - 1]} if index else set())
        if state["history"] is not None:
            assert state["history"] == applied
    at_base = _state(empty_settings)
    assert at_base["tables"] <= {"alembic_version"}, "downgrade to base leaves tables behind"
    assert at_base["functions"] == 0, "downgrade to base leaves functions behind"
    assert at_base["types"] == 0, "downgrade to base leaves types behind"
    assert not migrations.current(empty_settings).up_to_date

    # And up again, all at once.
    migrations.upgrade(empty_settings)
    again = _state(empty_settings)
    assert again["tables"] == at_head["tables"]
    assert again["history"] == set(revisions)
    assert again["functions"] == at_head["functions"]
    assert _app_can_write(empty_settings)


def test_downgrade_to_base_in_one_go(empty_settings: Settings) -> None:
    migrations.upgrade(empty_settings)
    migrations.downgrade(empty_settings, "base")
    assert _state(empty_settings)["tables"] <= {"alembic_version"}
    migrations.upgrade(empty_settings)
    assert migrations.current(empty_settings).up_to_date


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
    # As migrations/env.py: the job queue's tables belong to Procrastinate.
    return not (name or "").startswith("procrastinate_")


def test_models_and_migrations_do_not_drift(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": _include_object,
                "compare_type": True,
                "compare_server_default": True,
                "target_metadata": metadata,
            },
        )
        diff = compare_metadata(context, metadata)
    assert diff == []


@pytest.mark.slow
def test_concurrent_upgrades_wait_for_each_other(
    cluster: Cluster, empty_database: str, empty_settings: Settings, workdir: Path
) -> None:
    """Replicas that all run `laskutin migrate upgrade` at once: one migrates, none fails."""
    env = laskutin_env(
        database_url=cluster.url(EMBEDDED_APP_ROLE, empty_database).libpq_url(),
        migration_database_url=cluster.url(EMBEDDED_OWNER_ROLE, empty_database).libpq_url(),
    )
    results = run_at_once("migrate", "upgrade", env=env, cwd=workdir)
    assert [code for code, _ in results] == [0, 0], "\n".join(output for _, output in results)
    assert _state(empty_settings)["history"] == set(_revisions_base_to_head(empty_settings))
