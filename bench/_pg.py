"""A throwaway embedded PostgreSQL for the benchmarks, migrated as ``make run`` does.

    with throwaway_database() as environment:
        ...  # environment.env: LASKUTIN_* variables for `laskutin serve` and the like

It lives in a temporary folder (Unix socket only), has the owner and app roles, and is stopped
and removed when the block ends, also on an exception; the server is tied to this process, so
it dies with it even on SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import laskutin
from laskutin.core import migrations
from laskutin.core.dburl import DatabaseUrl
from laskutin.core.embedded_pg import EmbeddedPostgres
from laskutin.core.settings import (
    EMBEDDED_APP_ROLE,
    EMBEDDED_DATABASE,
    EMBEDDED_OWNER_ROLE,
    load_settings,
)

BENCH_DIR = Path(__file__).resolve().parent
BIN_DIR = Path(sys.executable).parent
# The servers import the same laskutin as the benchmark (also a copy on PYTHONPATH).
SRC_DIR = Path(laskutin.__file__).resolve().parents[1]


@dataclass
class Environment:
    data_dir: Path
    database: EmbeddedPostgres
    env: dict[str, str] = field(default_factory=dict)
    app_url: str = ""  # libpq URLs of the app role and the owner role
    owner_url: str = ""

    def superuser_conninfo(self) -> str:
        """libpq conninfo of the superuser (``postgres``) in the app's database."""
        return self.database.superuser_conninfo(EMBEDDED_DATABASE)

    def pg_bin(self, program: str) -> Path:
        """A program of the PostgreSQL the database runs (the pgserver wheel's: psql, pgbench)."""
        return self.database.bin_dir / program


@contextlib.contextmanager
def throwaway_database(settings: Mapping[str, str] | None = None) -> Iterator[Environment]:
    """A migrated database in a temporary folder; ``settings``: extra ``postgres -c`` ones."""
    data_dir = Path(tempfile.mkdtemp(prefix="laskutin-bench-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    database = EmbeddedPostgres.create(data_dir, settings=settings)
    try:
        database.start(tie_to_parent=True)  # dies with this process, even on SIGKILL
        database.ensure_database(EMBEDDED_DATABASE, EMBEDDED_OWNER_ROLE, EMBEDDED_APP_ROLE)

        def url(role: str) -> str:
            socket_dir = str(database.socket_dir)
            return DatabaseUrl(role, EMBEDDED_DATABASE, socket_dir, 5432).libpq_url()

        app_url, owner_url = url(EMBEDDED_APP_ROLE), url(EMBEDDED_OWNER_ROLE)
        migrations.upgrade(
            load_settings(
                _env_file=None,
                data_dir=data_dir,
                database_url=app_url,
                migration_database_url=owner_url,
            )
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("LASKUTIN_")}
        env.update(
            {
                "LASKUTIN_ENV": "development",
                "LASKUTIN_DATA_DIR": str(data_dir),
                "LASKUTIN_DATABASE_URL": app_url,
                "LASKUTIN_MIGRATION_DATABASE_URL": owner_url,
                "LASKUTIN_LOG_LEVEL": "WARNING",
                "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(SRC_DIR)]),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        yield Environment(data_dir, database, env, app_url, owner_url)
    finally:
        database.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
