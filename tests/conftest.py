"""Shared fixtures: one throwaway embedded PostgreSQL per test run, a fresh database per test.

The cluster lives in its own temporary folder and listens on a Unix socket only, so nothing on
port 5432 (or any running service) is assumed. Migrations run once into a template database;
each test that asks for ``settings`` gets a new database copied from it and dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from hypothesis import settings as hypothesis_settings
from psycopg import sql

from laskutin.app import create_app
from laskutin.core import migrations
from laskutin.core.dburl import DatabaseUrl
from laskutin.core.embedded_pg import EmbeddedPostgres
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE, Settings

# Property tests check correctness, not speed: on a loaded 2-core CI machine hypothesis's
# default 200 ms deadline per example would fail good code.
hypothesis_settings.register_profile("laskutin", deadline=None)
hypothesis_settings.load_profile("laskutin")

# Whether the developer has built web/dist must not change what the tests see: the app in the
# tests serves no front end unless a test asks for it (tests/api/test_web_static.py passes
# serve_web and a folder of its own). Explicit Settings(...) arguments still win over this.
os.environ["LASKUTIN_SERVE_WEB"] = "false"

TEMPLATE = "laskutin_template"
FAST_UNSAFE = {  # a throwaway cluster needs no durability
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
}
_counter = itertools.count()


def make_temp_dir(prefix: str) -> Path:
    """A folder the unprivileged PostgreSQL user can reach (pytest's tmp_path is 0700 as root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


class Cluster:
    def __init__(self, server: EmbeddedPostgres) -> None:
        self.server = server

    def url(self, role: str, database: str) -> DatabaseUrl:
        return DatabaseUrl(
            user=role, host=str(self.server.socket_dir), port=5432, database=database
        )

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.server.superuser_conninfo(), autocommit=True)

    def create_database(self, name: str, template: str | None = None) -> None:
        with self.admin() as conn:
            statement = sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(EMBEDDED_OWNER_ROLE)
            )
            if template:
                statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(statement)
            conn.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name))
            )
            conn.execute(
                sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                    sql.Identifier(name), sql.Identifier(EMBEDDED_APP_ROLE)
                )
            )

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def settings_for(self, database: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "env": "test",
            "data_dir": self.server.data_dir,
            "database_url": self.url(EMBEDDED_APP_ROLE, database).libpq_url(),
            "migration_database_url": self.url(EMBEDDED_OWNER_ROLE, database).libpq_url(),
            "log_format": "text",
            "db_pool_size": 5,
            "db_max_overflow": 0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    data_dir = make_temp_dir("laskutin-test-pg-")
    server = EmbeddedPostgres.create(data_dir, settings=FAST_UNSAFE)
    server.start(tie_to_parent=True)  # dies with pytest, even on SIGKILL
    server.ensure_database("postgres", EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)
    handle = Cluster(server)
    handle.create_database(TEMPLATE)
    migrations.upgrade(handle.settings_for(TEMPLATE))
    try:
        yield handle
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def database(cluster: Cluster) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    name = f"test_{os.getpid()}_{next(_counter)}"
    cluster.create_database(name, template=TEMPLATE)
    try:
        yield name
    finally:
        cluster.drop_database(name)


@pytest.fixture
def empty_database(cluster: Cluster) -> Iterator[str]:
    """A database with no migrations applied."""
    name = f"empty_{os.getpid()}_{next(_counter)}"
    cluster.create_database(name)
    try:
        yield name
    finally:
        cluster.drop_database(name)


@pytest.fixture
def settings(cluster: Cluster, database: str) -> Settings:
    return cluster.settings_for(database)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
