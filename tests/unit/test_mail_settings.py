"""LASKUTIN_SMTP_* and LASKUTIN_MAIL_FROM: defaults, validation, production's refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from laskutin.core.settings import SettingsError, load_settings
from laskutin.delivery.email import SmtpChannel, SmtpSecurity

PRODUCTION = {
    "env": "production",
    "secret_key": "x" * 40,
    "database_url": "postgresql://app:pw@db.internal/laskutin",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("LASKUTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no developer's .env


def test_development_defaults_point_at_a_local_catcher() -> None:
    settings = load_settings()
    assert settings.smtp_host == "127.0.0.1"
    assert settings.smtp_security == "none"
    assert settings.smtp_effective_port == 1025
    assert settings.smtp_username is None
    assert settings.smtp_password is None
    assert settings.smtp_timeout_seconds == 10.0
    assert settings.mail_sender.display_name == "Laskutin"
    assert settings.mail_sender.addr_spec == "noreply@laskutin.invalid"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SMTP_HOST": "smtp.example.fi",
        "SMTP_PORT": "2525",
        "SMTP_SECURITY": "starttls",
        "SMTP_USERNAME": "laskutin",
        "SMTP_PASSWORD": "salainen",
        "SMTP_TIMEOUT_SECONDS": "4.5",
        "MAIL_FROM": "Laskutin – Åbo <laskut@example.fi>",
    }.items():
        monkeypatch.setenv(f"LASKUTIN_{name}", value)
    settings = load_settings()
    assert settings.smtp_effective_port == 2525
    assert "salainen" not in repr(settings)
    assert settings.mail_sender.display_name == "Laskutin – Åbo"
    channel = SmtpChannel.from_settings(settings)
    assert channel.security is SmtpSecurity.STARTTLS
    assert (channel.host, channel.port, channel.timeout_seconds) == ("smtp.example.fi", 2525, 4.5)
    assert (channel.username, channel.password) == ("laskutin", "salainen")
    assert "salainen" not in repr(channel)


@pytest.mark.parametrize(
    ("env", "security", "port"),
    [
        ("development", "none", 1025),
        ("test", "none", 1025),
        ("development", "starttls", 587),
        ("development", "tls", 465),
        ("production", "none", 25),
        ("production", "starttls", 587),
        ("production", "tls", 465),
    ],
)
def test_port_follows_the_security_mode(env: str, security: str, port: int) -> None:
    values = PRODUCTION if env == "production" else {"env": env}
    settings = load_settings(**values, smtp_security=security, _env_file=None)
    assert settings.smtp_effective_port == port


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"smtp_security": "ssl"}, "LASKUTIN_SMTP_SECURITY: Input should be 'none', 'starttls'"),
        ({"smtp_port": 0}, "LASKUTIN_SMTP_PORT: Input should be greater than or equal to 1"),
        ({"smtp_port": 70000}, "LASKUTIN_SMTP_PORT: Input should be less than or equal to 65535"),
        ({"smtp_timeout_seconds": 0}, "LASKUTIN_SMTP_TIMEOUT_SECONDS: Input should be greater"),
        ({"smtp_host": ""}, "LASKUTIN_SMTP_HOST: String should have at least 1 character"),
        ({"mail_from": "noreply"}, "LASKUTIN_MAIL_FROM: 'noreply' is not"),
        ({"mail_from": "a@example.fi, b@example.fi"}, "LASKUTIN_MAIL_FROM: .* is not one address"),
        ({"mail_from": "Laskutin <noreply@localhost>"}, "LASKUTIN_MAIL_FROM: .* is not an address"),
        ({"mail_from": "Laskutin <a@example.fi>\nBcc: x@example.fi"}, "LASKUTIN_MAIL_FROM: must"),
        ({"smtp_username": "laskutin"}, "LASKUTIN_SMTP_USERNAME and LASKUTIN_SMTP_PASSWORD"),
        ({"smtp_password": "salainen"}, "LASKUTIN_SMTP_USERNAME and LASKUTIN_SMTP_PASSWORD"),
    ],
)
def test_bad_values_name_the_variable(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(_env_file=None, **overrides)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_production_allows_plain_smtp_to_a_relay_on_this_host(host: str) -> None:
    settings = load_settings(_env_file=None, **PRODUCTION, smtp_host=host)
    assert settings.smtp_security == "none"


def test_production_refuses_plain_smtp_over_the_network() -> None:
    with pytest.raises(SettingsError, match="LASKUTIN_SMTP_SECURITY=none is only allowed"):
        load_settings(_env_file=None, **PRODUCTION, smtp_host="smtp.example.fi")


def test_production_refuses_a_password_without_tls() -> None:
    with pytest.raises(SettingsError, match="LASKUTIN_SMTP_PASSWORD needs starttls or tls"):
        load_settings(
            _env_file=None, **PRODUCTION, smtp_username="laskutin", smtp_password="salainen"
        )


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_production_accepts_tls_to_a_remote_relay(security: str) -> None:
    settings = load_settings(
        _env_file=None,
        **PRODUCTION,
        smtp_host="smtp.example.fi",
        smtp_security=security,
        smtp_username="laskutin",
        smtp_password="salainen",
        mail_from="Laskutin <noreply@example.fi>",
    )
    assert SmtpChannel.from_settings(settings).security is SmtpSecurity(security)


def test_development_allows_anything_for_trying_out() -> None:
    settings = load_settings(
        _env_file=None, smtp_host="smtp.example.fi", smtp_username="u", smtp_password="p"
    )
    assert settings.smtp_security == "none"
