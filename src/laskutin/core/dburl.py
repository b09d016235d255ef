"""PostgreSQL connection URLs: one parsed form, rendered for each driver we use."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

_SCHEMES = {"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg"}


class DatabaseUrlError(ValueError):
    pass


@dataclass(frozen=True)
class DatabaseUrl:
    user: str
    database: str
    host: str = "127.0.0.1"  # a path means a Unix-socket directory
    port: int = 5432
    password: str | None = field(default=None, repr=False)
    options: tuple[tuple[str, str], ...] = ()  # extra libpq parameters, e.g. sslmode

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            # urlsplit's own message quotes the netloc, which may hold part of a password.
            raise DatabaseUrlError(
                "not a valid PostgreSQL URL (check the port, and percent-encode special "
                "characters in the password, e.g. / as %2F, @ as %40, # as %23)"
            ) from None
        if parts.scheme not in _SCHEMES:
            raise DatabaseUrlError(
                "must start with postgresql:// "
                "(e.g. postgresql://user:password@localhost:5432/laskutin)"
            )
        query = dict(parse_qsl(parts.query))
        # libpq also takes these as query parameters (postgresql:///db?host=/run/pg&user=app).
        query_user = query.pop("user", None)
        query_password = query.pop("password", None)
        query_database = query.pop("dbname", None)
        host = query.pop("host", None) or unquote(parts.hostname or "") or "127.0.0.1"
        database = unquote(parts.path.lstrip("/")) or query_database or ""
        user = unquote(parts.username or "") or query_user or ""
        if not database:
            raise DatabaseUrlError("names no database (add /<database> after the host)")
        if not user:
            raise DatabaseUrlError("names no user (postgresql://<user>@host/database)")
        raw_port = query.pop("port", None)
        if raw_port is not None:
            if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
                raise DatabaseUrlError(f"port must be a number from 1 to 65535, not {raw_port!r}")
            port = int(raw_port)
        password = unquote(parts.password) if parts.password is not None else query_password
        return cls(user, database, host, port or 5432, password, tuple(sorted(query.items())))

    @property
    def is_socket(self) -> bool:
        return self.host.startswith("/")

    def _render(self, scheme: str, with_password: bool = True) -> str:
        auth = quote(self.user, safe="")
        if self.password is not None and with_password:
            auth += ":" + quote(self.password, safe="")
        query = dict(self.options)
        if self.is_socket:
            netloc = f"{auth}@"
            query = {"host": self.host, "port": str(self.port), **query}
        else:
            host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6
            netloc = f"{auth}@{host}:{self.port}"
        rendered = f"{scheme}://{netloc}/{quote(self.database, safe='')}"
        return rendered + ("?" + urlencode(query) if query else "")

    def sqlalchemy_url(self) -> str:
        """For SQLAlchemy's asyncpg dialect (asyncpg spells libpq's ``sslmode`` as ``ssl``)."""
        options = tuple(("ssl" if k == "sslmode" else k, v) for k, v in self.options)
        return DatabaseUrl(
            self.user, self.database, self.host, self.port, self.password, options
        )._render("postgresql+asyncpg")

    def psycopg_url(self) -> str:
        """For SQLAlchemy's (synchronous) psycopg dialect, used by migrations."""
        return self._render("postgresql+psycopg")

    def libpq_url(self) -> str:
        """For psycopg / libpq tools (psql, the job queue)."""
        return self._render("postgresql")

    def describe(self) -> str:
        """Safe to print: no password."""
        where = f"socket {self.host}" if self.is_socket else f"{self.host}:{self.port}"
        return f"database '{self.database}' as '{self.user}' at {where}"

    def with_database(self, database: str) -> DatabaseUrl:
        return DatabaseUrl(self.user, database, self.host, self.port, self.password, self.options)

    def with_user(self, user: str, password: str | None = None) -> DatabaseUrl:
        return DatabaseUrl(user, self.database, self.host, self.port, password, self.options)
