"""core/dburl.py: one parsed form of a PostgreSQL URL, rendered for libpq, asyncpg and psycopg."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from laskutin.core.dburl import DatabaseUrl, DatabaseUrlError


def test_tcp_url_parses_every_part() -> None:
    url = DatabaseUrl.parse("postgresql://app:pw@db.example.fi:6543/laskutin")

    assert (url.user, url.password, url.host, url.port, url.database) == (
        "app",
        "pw",
        "db.example.fi",
        6543,
        "laskutin",
    )
    assert not url.is_socket
    assert url.libpq_url() == "postgresql://app:pw@db.example.fi:6543/laskutin"


def test_tcp_url_without_port_or_password_gets_defaults() -> None:
    url = DatabaseUrl.parse("postgres://app@db/laskutin")

    assert url.port == 5432
    assert url.password is None
    assert url.libpq_url() == "postgresql://app@db:5432/laskutin"


@pytest.mark.parametrize(
    "scheme", ["postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg"]
)
def test_every_postgresql_scheme_is_accepted(scheme: str) -> None:
    assert DatabaseUrl.parse(f"{scheme}://app@db/laskutin").database == "laskutin"


def test_unix_socket_url_keeps_the_directory_and_port() -> None:
    url = DatabaseUrl.parse("postgresql://laskutin_app@/laskutin?host=/run/pg&port=5433")

    assert url.is_socket
    assert (url.host, url.port, url.user, url.database) == (
        "/run/pg",
        5433,
        "laskutin_app",
        "laskutin",
    )
    assert url.options == ()  # host and port are not passed on twice
    assert DatabaseUrl.parse(url.libpq_url()) == url


def test_unix_socket_url_renders_for_sqlalchemy_with_host_in_query() -> None:
    url = DatabaseUrl(user="app", database="db", host="/tmp/pg sock", port=5432)

    rendered = make_url(url.sqlalchemy_url())

    assert rendered.drivername == "postgresql+asyncpg"
    assert rendered.host is None
    assert rendered.query["host"] == "/tmp/pg sock"
    assert rendered.query["port"] == "5432"
    assert rendered.database == "db"


def test_libpq_style_user_and_dbname_in_the_query_are_understood() -> None:
    url = DatabaseUrl.parse("postgresql:///?host=/run/pg&user=app&dbname=laskutin&password=s")

    assert (url.user, url.database, url.host, url.password) == ("app", "laskutin", "/run/pg", "s")
    assert url.options == ()


PASSWORDS = ["p@ss/w:rd", "100%#?&=+ ok", "äö€", "a b", "'\"\\"]


@pytest.mark.parametrize("password", PASSWORDS)
def test_password_with_special_characters_round_trips(password: str) -> None:
    url = DatabaseUrl(user="app", database="laskutin", host="db", port=5432, password=password)

    for rendered in (url.libpq_url(), url.psycopg_url(), url.sqlalchemy_url()):
        assert DatabaseUrl.parse(rendered).password == password
        assert make_url(rendered).password == password  # what SQLAlchemy will hand the driver


def test_percent_encoded_password_is_decoded() -> None:
    url = DatabaseUrl.parse("postgresql://app:p%40ss%2Fw%3Ard%25@db/laskutin")

    assert url.password == "p@ss/w:rd%"


def test_password_is_not_in_repr_or_describe() -> None:
    url = DatabaseUrl.parse("postgresql://app:hunter2secret@db/laskutin")

    assert "hunter2secret" not in repr(url)
    assert "hunter2secret" not in url.describe()
    assert url.describe() == "database 'laskutin' as 'app' at db:5432"


def test_socket_describe_names_the_directory() -> None:
    url = DatabaseUrl.parse("postgresql://app@/laskutin?host=/run/pg")

    assert url.describe() == "database 'laskutin' as 'app' at socket /run/pg"


def test_sslmode_is_spelled_ssl_for_asyncpg_only() -> None:
    url = DatabaseUrl.parse("postgresql://app:pw@db/laskutin?sslmode=require")

    assert make_url(url.sqlalchemy_url()).query == {"ssl": "require"}
    assert make_url(url.psycopg_url()).query == {"sslmode": "require"}
    assert "sslmode=require" in url.libpq_url()


def test_ipv6_host_is_bracketed_when_rendered() -> None:
    url = DatabaseUrl.parse("postgresql://app@[::1]:6543/laskutin")

    assert url.host == "::1"
    assert url.libpq_url() == "postgresql://app@[::1]:6543/laskutin"
    assert DatabaseUrl.parse(url.sqlalchemy_url()) == url
    assert make_url(url.sqlalchemy_url()).host == "::1"


def test_with_database_and_with_user_keep_the_rest() -> None:
    url = DatabaseUrl.parse("postgresql://app:pw@db:6543/laskutin?sslmode=require")

    other = url.with_database("other")
    owner = url.with_user("owner", "secret")

    assert (other.database, other.user, other.password, other.options) == (
        "other",
        "app",
        "pw",
        (("sslmode", "require"),),
    )
    assert (owner.user, owner.password, owner.database, owner.port) == (
        "owner",
        "secret",
        "laskutin",
        6543,
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://app@db/laskutin", "must start with postgresql://"),
        ("db.example.fi/laskutin", "must start with postgresql://"),
        ("", "must start with postgresql://"),
        ("postgresql://app@db", "names no database"),
        ("postgresql://app@db/", "names no database"),
        ("postgresql://db/laskutin", "names no user"),
        ("postgresql://:pw@db/laskutin", "names no user"),
        ("postgresql://app@db:99999/laskutin", "not a valid PostgreSQL URL"),
        ("postgresql://app@db:port/laskutin", "not a valid PostgreSQL URL"),
        ("postgresql://app@db/laskutin?port=abc", "port must be a number"),
        ("postgresql://app@db/laskutin?port=70000", "port must be a number"),
    ],
)
def test_bad_urls_fail_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(DatabaseUrlError, match=message) as info:
        DatabaseUrl.parse(url)
    assert "\n" not in str(info.value)


def test_error_for_unencoded_password_does_not_echo_the_password() -> None:
    # A "/" in a password ends the netloc early, so urlsplit reads the password as the port.
    with pytest.raises(DatabaseUrlError, match="percent-encode") as info:
        DatabaseUrl.parse("postgresql://app:topsecret/x@db/laskutin")

    assert "topsecret" not in str(info.value)
