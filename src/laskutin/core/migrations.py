"""Alembic, driven from our settings (no alembic.ini): upgrade, downgrade, current, head.

Migrations run as the owner role. After an upgrade the app role is granted what it needs on
every table, so a new table never lacks grants. See docs/database.md for the expand/contract rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from laskutin.core.settings import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# Tables the app role may read but never change.
READ_ONLY_FOR_APP = ("alembic_version", "schema_history")
# Tables the app role may read and append to, never change or delete from (the audit trail).
APPEND_ONLY_FOR_APP = ("audit_events",)


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["settings"] = settings
    return config


@lru_cache(maxsize=1)
def code_head(migrations_dir: Path = MIGRATIONS_DIR) -> str:
    """The newest migration this code knows: the schema it needs."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str = "-1") -> None:
    command.downgrade(alembic_config(settings), revision)


@dataclass(frozen=True)
class SchemaState:
    current: tuple[str, ...]
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.head in self.current


def current(settings: Settings) -> SchemaState:
    from sqlalchemy import create_engine, text

    engine = create_engine(settings.migration_database.psycopg_url())
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass('alembic_version')")).scalar()
            revisions: tuple[str, ...] = ()
            if exists:
                rows = conn.execute(text("SELECT version_num FROM alembic_version"))
                revisions = tuple(str(row[0]) for row in rows)
            return SchemaState(revisions, code_head())
    finally:
        engine.dispose()
