"""core/settings.py: one class reads the environment and refuses unsafe production settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from laskutin.core.settings import (
    EMBEDDED_APP_ROLE,
    EMBEDDED_OWNER_ROLE,
    Environment,
    Settings,
    SettingsError,
    load_settings,
)

GOOD_SECRET = "s" * 32
PROD_URL = "postgresql://laskutin_app:pw@db.internal/laskutin"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No LASKUTIN_* from the machine, and no .env in the working directory."""
    for name in list(os.environ):
        if name.upper().startswith("LASKUTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def production(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    values = {"ENV": "production", "SECRET_KEY": GOOD_SECRET, "DATABASE_URL": PROD_URL}
    values.update(variables)
    for name, value in values.items():
        monkeypatch.setenv(f"LASKUTIN_{name}", value)


def test_development_defaults_need_nothing_set() -> None:
    settings = Settings(_env_file=None)

    assert settings.env is Environment.DEVELOPMENT
    assert settings.is_development
    assert settings.uses_embedded_database
    assert settings.app_database.user == EMBEDDED_APP_ROLE
    assert settings.migration_database.user == EMBEDDED_OWNER_ROLE
    assert settings.app_database.is_socket
    assert settings.effective_secret_key  # a development secret, refused in production


def test_production_with_safe_settings_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch)

    settings = Settings(_env_file=None)

    assert settings.env is Environment.PRODUCTION
    assert not settings.is_development
    assert settings.effective_secret_key == GOOD_SECRET
    assert settings.app_database.host == "db.internal"
    # No separate migration URL: migrations use the same database.
    assert settings.migration_database == settings.app_database


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LASKUTIN_DB_POOL_SIZE", "17")
    monkeypatch.setenv("LASKUTIN_LOG_FORMAT", "text")
    monkeypatch.setenv("LASKUTIN_MIGRATION_DATABASE_URL", "postgresql://owner@db/laskutin")

    settings = Settings(_env_file=None)

    assert settings.db_pool_size == 17
    assert settings.log_format == "text"
    assert settings.migration_database.user == "owner"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text("LASKUTIN_PORT=8123\n")

    assert Settings(_env_file=env_file).port == 8123


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"SECRET_KEY": ""}, "LASKUTIN_SECRET_KEY must be"),
        ({"SECRET_KEY": "development-only-insecure-secret-key"}, "LASKUTIN_SECRET_KEY must be set"),
        ({"SECRET_KEY": "x" * 31}, "LASKUTIN_SECRET_KEY must be at least 32 characters"),
        ({"DEBUG": "true"}, "LASKUTIN_DEBUG must be off"),
    ],
)
def test_production_refuses_unsafe_values(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    production(monkeypatch, **variables)

    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None)


def test_production_refuses_a_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch)
    monkeypatch.delenv("LASKUTIN_SECRET_KEY")

    with pytest.raises(ValidationError, match="LASKUTIN_SECRET_KEY must be set"):
        Settings(_env_file=None)


def test_production_refuses_a_missing_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch)
    monkeypatch.delenv("LASKUTIN_DATABASE_URL")

    with pytest.raises(ValidationError, match="LASKUTIN_DATABASE_URL must name"):
        Settings(_env_file=None)


def test_production_lists_every_problem_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LASKUTIN_ENV", "production")
    monkeypatch.setenv("LASKUTIN_DEBUG", "1")

    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)

    message = str(info.value)
    assert "LASKUTIN_SECRET_KEY" in message
    assert "LASKUTIN_DEBUG" in message
    assert "LASKUTIN_DATABASE_URL" in message
    assert "\n" not in message


@pytest.mark.parametrize("env", ["development", "test"])
def test_unsafe_values_are_fine_outside_production(
    monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv("LASKUTIN_ENV", env)
    monkeypatch.setenv("LASKUTIN_DEBUG", "true")

    settings = Settings(_env_file=None)

    assert settings.debug
    assert settings.is_development


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u@h/db", "LASKUTIN_DATABASE_URL: must start with postgresql://"),
        ("postgresql://u@h", "LASKUTIN_DATABASE_URL: names no database"),
        ("postgresql://h/db", "LASKUTIN_DATABASE_URL: names no user"),
    ],
)
def test_bad_database_url_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("LASKUTIN_DATABASE_URL", url)

    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)

    message = str(info.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert "pydantic" not in message.lower()
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_bad_migration_database_url_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LASKUTIN_MIGRATION_DATABASE_URL", "sqlite:///x.db")

    with pytest.raises(SettingsError, match=r"^LASKUTIN_MIGRATION_DATABASE_URL: must start"):
        load_settings(_env_file=None)


def test_field_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LASKUTIN_PORT", "eighty")
    monkeypatch.setenv("LASKUTIN_LOG_FORMAT", "xml")

    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)

    message = str(info.value)
    assert "LASKUTIN_PORT: " in message
    assert "LASKUTIN_LOG_FORMAT: " in message
    assert "\n" not in message


def test_database_password_does_not_leak_through_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    production(
        monkeypatch,
        DATABASE_URL="postgresql://app:hunter2secret@db/laskutin",
        MIGRATION_DATABASE_URL="postgresql://owner:hunter3secret@db/laskutin",
    )

    settings = Settings(_env_file=None)

    assert "hunter2secret" not in repr(settings)
    assert "hunter3secret" not in repr(settings)
    assert GOOD_SECRET not in repr(settings)
    assert settings.app_database.password == "hunter2secret"
    assert settings.migration_database.password == "hunter3secret"


def test_settings_are_frozen() -> None:
    settings = Settings(_env_file=None)

    with pytest.raises(ValidationError):
        settings.debug = True  # type: ignore[misc]
