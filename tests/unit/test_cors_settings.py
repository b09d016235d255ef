"""LASKUTIN_CORS_ORIGINS: exact origins only, one clear line for a bad one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from laskutin.core.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("LASKUTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_no_origins_by_default() -> None:
    assert Settings(_env_file=None).cors_origins == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ()),
        ("https://shop.example.com", ("https://shop.example.com",)),
        (
            "https://shop.example.com, http://localhost:5173",
            ("https://shop.example.com", "http://localhost:5173"),
        ),
        (
            '["https://a.example.com", "https://b.example.com:8443"]',
            ("https://a.example.com", "https://b.example.com:8443"),
        ),
        ("http://127.0.0.1:3000,http://[::1]:3000", ("http://127.0.0.1:3000", "http://[::1]:3000")),
        ("https://xn--kauppa-cua.fi", ("https://xn--kauppa-cua.fi",)),
    ],
)
def test_origins_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple[str, ...]
) -> None:
    monkeypatch.setenv("LASKUTIN_CORS_ORIGINS", value)

    assert load_settings(_env_file=None).cors_origins == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("*", "no wildcards"),
        ("https://*.example.com", "no wildcards"),
        ("null", "no wildcards or null"),
        ("shop.example.com", "not an origin like https://shop.example.com"),
        ("ftp://shop.example.com", "not an origin like"),
        ("https://", "not an origin like"),
        ("https://shop.example.com:99999", "not an origin like"),
        ("https://shop.example.com/", "write https://shop.example.com"),
        ("https://shop.example.com/checkout", "write https://shop.example.com"),
        ("https://shop.example.com?x=1", "write https://shop.example.com"),
        ("https://user@shop.example.com", "write https://shop.example.com"),
        ("https://Shop.Example.com", "write https://shop.example.com"),
        ("https://shop.example.com:443", "write https://shop.example.com"),
        ("http://shop.example.com:80", "write http://shop.example.com"),
        ("https://kauppa.fi,https://verkkokauppa.fi/", "write https://verkkokauppa.fi"),
        ("https://kauppa_ä.fi", "invalid host"),
        ('["https://a.example.com"', "not a JSON list"),
    ],
)
def test_bad_origin_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("LASKUTIN_CORS_ORIGINS", value)

    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)

    text = str(info.value)
    assert text.startswith("LASKUTIN_CORS_ORIGINS: ")
    assert message in text
    assert "\n" not in text


def test_production_wants_https_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ENV": "production",
        "SECRET_KEY": "s" * 32,
        "DATABASE_URL": "postgresql://app:pw@db.internal/laskutin",
        "CORS_ORIGINS": "https://shop.example.com,http://shop.example.com,http://localhost:5173",
    }.items():
        monkeypatch.setenv(f"LASKUTIN_{name}", value)

    with pytest.raises(SettingsError, match=r"must use https: http://shop\.example\.com$"):
        load_settings(_env_file=None)


def test_production_accepts_https_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ENV": "production",
        "SECRET_KEY": "s" * 32,
        "DATABASE_URL": "postgresql://app:pw@db.internal/laskutin",
        "CORS_ORIGINS": "https://shop.example.com",
    }.items():
        monkeypatch.setenv(f"LASKUTIN_{name}", value)

    assert load_settings(_env_file=None).cors_origins == ("https://shop.example.com",)
