"""The one place that reads the environment.

Every knob is a ``LASKUTIN_*`` variable (or a line in ``.env``); docs/configuration.md lists them.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
from email.headerregistry import Address, HeaderRegistry
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from laskutin.core.dburl import DatabaseUrl, DatabaseUrlError

PROJECT_ROOT = Path(__file__).resolve().parents[3]

# Names of the two roles the embedded PostgreSQL creates (see docs/database.md).
EMBEDDED_OWNER_ROLE = "laskutin_owner"
EMBEDDED_APP_ROLE = "laskutin_app"
EMBEDDED_DATABASE = "laskutin"
_DEV_SECRET = "development-only-insecure-secret-key"  # noqa: S105 - refused in production
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """Settings that cannot work; the message says which variable to fix."""


_OIDC_PRESETS = ("google", "microsoft", "auth0")
_PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class OidcProviderSetting(BaseModel):
    """One OpenID provider of LASKUTIN_OIDC_PROVIDERS (laskutin.oidc.providers reads it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    preset: Literal["google", "microsoft", "auth0"] | None = None
    # What the sign-in button says; unset: the preset's name, or the id.
    name: str | None = Field(default=None, min_length=1, max_length=60)
    # Any standard issuer (discovery at {issuer}/.well-known/openid-configuration).
    issuer: str | None = None
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    # Microsoft: common, organizations, consumers or a tenant id (a GUID or a domain).
    tenant: str | None = None
    # Auth0: the tenant's domain, e.g. example.eu.auth0.com.
    domain: str | None = None
    # Scopes asked for besides openid.
    scopes: tuple[str, ...] = ("email", "profile")

    @model_validator(mode="after")
    def _check(self) -> OidcProviderSetting:
        if not _PROVIDER_ID.match(self.id):
            raise ValueError(f"provider id {self.id!r}: lowercase letters, digits and -")
        if self.preset is None and self.issuer is None:
            raise ValueError(
                f"provider {self.id!r}: give a preset ({', '.join(_OIDC_PRESETS)}) or an issuer"
            )
        if self.preset is not None and self.issuer is not None:
            raise ValueError(f"provider {self.id!r}: a preset sets the issuer; give one of them")
        if self.preset == "auth0" and not self.domain:
            raise ValueError(f"provider {self.id!r}: the auth0 preset needs a domain")
        if self.domain is not None and not _HOST.match(self.domain):
            raise ValueError(f"provider {self.id!r}: domain {self.domain!r} is not a host name")
        if self.tenant is not None and not re.fullmatch(r"[A-Za-z0-9.-]{1,100}", self.tenant):
            raise ValueError(f"provider {self.id!r}: tenant {self.tenant!r} is not a tenant id")
        if self.issuer is not None:
            parts = urlsplit(self.issuer)
            loopback = parts.hostname is not None and _is_loopback(parts.hostname)
            if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
                raise ValueError(
                    f"provider {self.id!r}: the issuer must be an https URL (http only on "
                    "this host, for tests)"
                )
            if parts.query or parts.fragment:
                raise ValueError(f"provider {self.id!r}: the issuer has no query or fragment")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LASKUTIN_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.DEVELOPMENT
    debug: bool = False
    secret_key: SecretStr | None = None
    # The "iss" of the access tokens this installation signs, and the only one it accepts.
    jwt_issuer: str = Field(default="laskutin", min_length=1)

    # Where the embedded PostgreSQL keeps its files (git-ignored by default).
    data_dir: Path = Path(".data")
    # App/worker connection (a role that owns nothing). Unset: the embedded PostgreSQL.
    # Not in repr: the URL may carry a password.
    database_url: str | None = Field(default=None, repr=False)
    # Migration connection (the owner of the tables). Unset: same as database_url.
    migration_database_url: str | None = Field(default=None, repr=False)
    # Unix user that runs the embedded PostgreSQL when we are root (initdb refuses root).
    embedded_pg_user: str | None = None
    # Folder with initdb/postgres binaries; unset: the pgserver wheel, then the system's.
    pg_bin_dir: Path | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    # Bounds that turn a database outage into a quick 503 instead of hanging requests.
    db_connect_timeout_seconds: float = Field(default=3.0, gt=0)
    db_pool_timeout_seconds: float = Field(default=3.0, gt=0)
    db_statement_timeout_seconds: float = Field(default=30.0, gt=0)

    # Graceful shutdown: how long /readyz says 503 while still serving (so a load balancer
    # notices), then how long running requests may take to finish.
    shutdown_drain_seconds: float = Field(default=0.0, ge=0)
    shutdown_timeout_seconds: float = Field(default=20.0, ge=0)

    # Origins (scheme://host[:port]) whose browser pages may call the API; none: no CORS at all.
    # Comma-separated, or a JSON list.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()

    # Addresses of the load balancers whose X-Forwarded-For / X-Forwarded-Proto are believed
    # (comma-separated IPs or networks, "*" for any). The client address feeds the sign-in
    # throttle: behind a balancer it must be the client's, not the balancer's.
    forwarded_allow_ips: str = "127.0.0.1"

    worker_concurrency: int = Field(default=4, ge=1)
    # Finished jobs older than this are deleted by a periodic task.
    job_retention_hours: int = Field(default=24 * 14, ge=1)

    # --- outgoing e-mail (docs/configuration.md#e-mail) ---
    smtp_host: str = Field(default="127.0.0.1", min_length=1)
    # Unset: 1025 (a local catcher) in development and test with security "none"; else the
    # standard port of the security mode: 25 none, 587 starttls, 465 tls.
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "Laskutin <noreply@laskutin.invalid>"
    # Where people open the web app: links in mails (verification, password reset) start here.
    public_url: str = Field(default="http://127.0.0.1:8000", min_length=1)

    # --- e-invoices (docs/einvoices.md) ---
    # The official schemas and rule sets (Finvoice 3.0 XSD, UBL 2.1 XSDs, the EN 16931 and
    # PEPPOL schematron XSLTs), kept outside the repository in the shared folder beside it.
    einvoice_artifacts_dir: Path = PROJECT_ROOT.parent / "shared" / "einvoice"
    # Validate each e-invoice with them before it is stored (a fatal finding refuses it).
    einvoice_validate: bool = True

    # --- the web app (docs/operations.md#serving-the-front-end) ---
    # Single-machine mode: `laskutin serve` also serves the built front end (index.html, the
    # service worker, /assets/*) for every path the API does not claim. Off where a CDN or an
    # object store serves web/dist; then / answers the API's name and version.
    serve_web: bool = True
    # The built front end (`npm run build` in web/, which `make run` does). A relative path is
    # relative to the working directory. A missing folder is no error: / then says how to build.
    web_dist_dir: Path = PROJECT_ROOT / "web" / "dist"

    # --- sign-in with OpenID Connect (docs/oidc.md) ---
    # A JSON list of providers: {"id": "google", "preset": "google", "client_id": ...,
    # "client_secret": ...}; presets google, microsoft (with "tenant"), auth0 (with "domain"),
    # or any standard issuer ({"id": "corp", "name": "Corp SSO", "issuer": "https://..."}).
    oidc_providers: Annotated[tuple[OidcProviderSetting, ...], NoDecode] = Field(
        default=(), repr=False
    )
    # Where providers send the browser back (registered with each provider). Unset:
    # {LASKUTIN_PUBLIC_URL}/api/v1/auth/oidc/callback (the single-machine mode's address).
    oidc_callback_url: str | None = None

    @field_validator("oidc_providers", mode="before")
    @classmethod
    def _parse_oidc_providers(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return ()
            try:
                return tuple(json.loads(value))
            except (ValueError, TypeError):
                raise ValueError("not a JSON list of providers") from None
        return value

    @field_validator("oidc_providers")
    @classmethod
    def _check_oidc_providers(
        cls, value: tuple[OidcProviderSetting, ...]
    ) -> tuple[OidcProviderSetting, ...]:
        ids = [provider.id for provider in value]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ValueError(f"provider ids must be unique: {', '.join(doubles)}")
        return value

    @property
    def oidc_effective_callback_url(self) -> str:
        if self.oidc_callback_url is not None:
            return self.oidc_callback_url
        return self.public_url.rstrip("/") + "/api/v1/auth/oidc/callback"

    @field_validator("mail_from")
    @classmethod
    def _check_mail_from(cls, value: str) -> str:
        _mailbox(value)
        return value

    @model_validator(mode="after")
    def _check_mail(self) -> Settings:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("LASKUTIN_SMTP_USERNAME and LASKUTIN_SMTP_PASSWORD go together")
        if self.env is Environment.PRODUCTION:
            problems = []
            if self.smtp_security == "none":
                if not _is_loopback(self.smtp_host):
                    problems.append(
                        "LASKUTIN_SMTP_SECURITY=none is only allowed for a relay on this host "
                        "(localhost, 127.0.0.1, ::1); use starttls or tls"
                    )
                elif self.smtp_username is not None:
                    problems.append("LASKUTIN_SMTP_PASSWORD needs starttls or tls")
            if problems:
                raise ValueError("unsafe settings for production: " + "; ".join(problems))
        return self

    @property
    def smtp_effective_port(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        if self.smtp_security == "none" and self.is_development:
            return 1025
        return {"none": 25, "starttls": 587, "tls": 465}[self.smtp_security]

    @property
    def mail_sender(self) -> Address:
        """LASKUTIN_MAIL_FROM, parsed: the From of every message (``build_message``)."""
        name, address = _mailbox(self.mail_from)
        return Address(name, addr_spec=address)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return tuple(json.loads(text))
                except (ValueError, TypeError):
                    raise ValueError("not a JSON list of origins") from None
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            check_origin(origin)
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            problems = []
            if self.secret_key is None or self.secret_key.get_secret_value() == _DEV_SECRET:
                problems.append("LASKUTIN_SECRET_KEY must be set to a random secret")
            elif len(self.secret_key.get_secret_value()) < 32:
                problems.append("LASKUTIN_SECRET_KEY must be at least 32 characters")
            if self.debug:
                problems.append("LASKUTIN_DEBUG must be off")
            if self.database_url is None:
                problems.append("LASKUTIN_DATABASE_URL must name the production database")
            plain = [o for o in self.cors_origins if not _secure_origin(o)]
            if plain:
                problems.append(f"LASKUTIN_CORS_ORIGINS must use https: {', '.join(plain)}")
            if problems:
                raise ValueError("unsafe settings for production: " + "; ".join(problems))
        for name in ("database_url", "migration_database_url"):
            value = getattr(self, name)
            if value is not None:
                try:
                    DatabaseUrl.parse(value)
                except DatabaseUrlError as exc:
                    raise ValueError(f"LASKUTIN_{name.upper()}: {exc}") from None
        return self

    @property
    def is_development(self) -> bool:
        return self.env is not Environment.PRODUCTION

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @cached_property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().absolute()

    @cached_property
    def resolved_web_dist_dir(self) -> Path:
        return self.web_dist_dir.expanduser().absolute()

    @property
    def effective_secret_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _DEV_SECRET

    @cached_property
    def app_database(self) -> DatabaseUrl:
        if self.database_url is not None:
            return DatabaseUrl.parse(self.database_url)
        return embedded_url(self.resolved_data_dir, EMBEDDED_APP_ROLE)

    @cached_property
    def migration_database(self) -> DatabaseUrl:
        if self.migration_database_url is not None:
            return DatabaseUrl.parse(self.migration_database_url)
        if self.database_url is not None:
            return self.app_database
        return embedded_url(self.resolved_data_dir, EMBEDDED_OWNER_ROLE)


def _mailbox(value: str) -> tuple[str, str]:
    """One mailbox (``Name <user@example.fi>`` or ``user@example.fi``) as (name, address)."""
    if "\r" in value or "\n" in value:
        raise ValueError("must be one line")
    header = HeaderRegistry()("from", value)
    addresses = header.addresses  # type: ignore[attr-defined]
    if header.defects or len(addresses) != 1:
        raise ValueError(f"{value!r} is not one address like Laskutin <noreply@example.fi>")
    address = addresses[0]
    if not address.username or "." not in address.domain.strip("."):
        raise ValueError(f"{value!r} is not an address like Laskutin <noreply@example.fi>")
    return str(address.display_name), str(address.addr_spec)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_origin(origin: str) -> None:
    """Refuse anything but an exact, canonical origin, as browsers send it in ``Origin``."""
    if "*" in origin or origin == "null":
        raise ValueError(
            f"{origin!r}: no wildcards or null; list each origin (https://shop.example.com)"
        )
    parts = urlsplit(origin)
    try:
        port = parts.port
    except ValueError:
        port = -1
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host or port == -1:
        raise ValueError(f"{origin!r} is not an origin like https://shop.example.com")
    if not _HOST.match(host) and not _is_ip_literal(parts.netloc, host):
        raise ValueError(f"{origin!r} has an invalid host (write IDN names in punycode)")
    canonical = f"{scheme}://{_netloc(host)}"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        canonical += f":{port}"
    if origin != canonical:
        raise ValueError(
            f"{origin!r} is not an origin (no path, user, default port or capitals); "
            f"write {canonical}"
        )


def _is_ip_literal(netloc: str, host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 4 or f"[{host}]" in netloc


def _netloc(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _secure_origin(origin: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme == "https" or parts.hostname in ("localhost", "127.0.0.1", "::1")


def embedded_url(data_dir: Path, role: str) -> DatabaseUrl:
    from laskutin.core.embedded_pg import socket_dir_for

    return DatabaseUrl(
        user=role, host=str(socket_dir_for(data_dir)), port=5432, database=EMBEDDED_DATABASE
    )


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["loc"]:  # a field's own check; model checks name their variables
                field = ".".join(str(part) for part in error["loc"])
                message = f"LASKUTIN_{field.upper()}: {message}"
            lines.append(" ".join(message.split()))
        raise SettingsError("; ".join(lines)) from None
