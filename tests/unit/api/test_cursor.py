"""Cursor encoding and keyset conditions (laskutin.api.pagination), without a database."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Numeric, String, Table, Uuid
from sqlalchemy.dialects import postgresql

from laskutin.api.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    Sort,
    decode_cursor,
    encode_cursor,
)
from laskutin.api.problem import install_problem_handlers
from laskutin.core.errors import ValidationFailed

ROWS = Table(
    "rows",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("name", String),
    Column("at", DateTime(timezone=True)),
    Column("due", Date),
    Column("amount", Numeric(12, 2)),
    Column("n", Integer),
)
ALL = Sort(
    "rows:all",
    [
        (ROWS.c.at, "desc"),
        (ROWS.c.due, "asc"),
        (ROWS.c.amount, "asc"),
        (ROWS.c.n, "asc"),
        (ROWS.c.name, "asc"),
        (ROWS.c.id, "asc"),
    ],
)


def test_a_cursor_round_trips_every_kind_of_value() -> None:
    values = [
        dt.datetime(2026, 11, 25, 18, 0, 1, 123456, tzinfo=dt.UTC),
        dt.date(2026, 12, 31),
        Decimal("124.00"),
        7,
        "Öljy & vesi",
        uuid.uuid4(),
    ]
    cursor = encode_cursor(ALL, values)
    assert "=" not in cursor
    assert decode_cursor(ALL, cursor) == values


def _field(error: ValidationFailed) -> tuple[str, str]:
    [only] = error.errors
    return only.field, only.code


def _raw(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64!",
        "e30",  # {}
        _raw([1, 2]),
        _raw({"s": "rows:other", "k": ["x"] * 6}),
        _raw({"s": "rows:all", "k": ["x"] * 5}),
        _raw({"s": "rows:all", "k": ["x"] * 6}),
        _raw({"s": "rows:all", "k": [1, 2, 3, 4, 5, 6]}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_foreign_or_garbled_cursor_names_query_cursor(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(ALL, cursor)
    assert _field(raised.value) == ("query.cursor", "cursor-invalid")
    assert raised.value.errors[0].message.startswith("Not a cursor from this list")


def _sql(sort: Sort, values: list[object]) -> str:
    return str(
        sort.after(values).compile(
            dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
            compile_kwargs={"literal_binds": True},
        )
    )


def test_one_direction_is_a_row_comparison() -> None:
    up = Sort("rows:name", [(ROWS.c.name, "asc"), (ROWS.c.id, "asc")])
    down = Sort("rows:name-desc", [(ROWS.c.name, "desc"), (ROWS.c.id, "desc")])
    marker = uuid.UUID(int=1)
    assert _sql(up, ["b", marker]).startswith("(rows.name, rows.id) > ('b',")
    assert _sql(down, ["b", marker]).startswith("(rows.name, rows.id) < ('b',")


def test_mixed_directions_are_an_or_chain() -> None:
    mixed = Sort("rows:mixed", [(ROWS.c.n, "desc"), (ROWS.c.name, "asc")])
    assert _sql(mixed, [3, "b"]) == "rows.n < 3 OR rows.n = 3 AND rows.name > 'b'"


def test_a_sort_needs_columns_and_known_directions() -> None:
    with pytest.raises(ValueError, match="no columns"):
        Sort("empty", [])
    with pytest.raises(ValueError, match="direction"):
        Sort("bad", [(ROWS.c.n, "up")])  # type: ignore[list-item]


async def test_list_parameters_and_a_bad_cursor_answer_422_naming_the_parameter() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/rows")
    async def rows(limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = None) -> Page[int]:
        if cursor is not None:
            decode_cursor(ALL, cursor)
        return Page(items=list(range(limit)), next_cursor=None)

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        default = await client.get("/rows")
        assert default.json() == {"items": list(range(50)), "next_cursor": None}
        for limit in (0, 201):
            refused = await client.get("/rows", params={"limit": limit})
            assert refused.status_code == 422
            assert refused.json()["errors"][0]["field"] == "query.limit"
        garbled = await client.get("/rows", params={"cursor": "nonsense"})
        assert garbled.status_code == 422
        assert garbled.headers["content-type"].startswith("application/problem+json")
        assert garbled.json()["errors"][0] == {
            "field": "query.cursor",
            "code": "cursor-invalid",
            "message": "Not a cursor from this list; start again without one.",
        }
