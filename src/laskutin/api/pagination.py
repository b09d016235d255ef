"""Cursor (keyset) pagination for every list: ``{"items": [...], "next_cursor": ...}``.

- :class:`Page` ``[T]``: the answer of a list; ``next_cursor`` is null on the last page.
- :data:`LimitParam` (query ``limit``, 1..200, default 50) and :data:`CursorParam` (query
  ``cursor``, optional): the two query parameters every list takes.
- :class:`Sort`: a named order, a list of ``(column, "asc" | "desc")`` that ends with a unique
  column (the id), so that the order is total. Columns must be NOT NULL. Directions may be mixed
  (``created_at desc, id asc``): the keyset condition is then an OR chain instead of a row
  comparison, which an index serves less well; prefer one direction for big tables.
- :func:`paginate` ``(session, statement, *, sort, limit, cursor, item) -> Page[T]``: orders
  ``statement`` by ``sort``, continues after ``cursor``, fetches ``limit + 1`` rows to know
  whether there is a next page, and maps each row with ``item``.

A cursor is opaque to clients: base64url of JSON ``{"s": <sort name>, "k": [<last row's sort
values as strings>]}``. A cursor of another list or sort, or a garbled one, answers 422 with a
field error on ``query.cursor`` (code ``cursor-invalid``). So give each sort a name unique
across the API (``"customers:name"``). Example::

    BY_NAME = Sort("customers:name", [(Customer.name, "asc"), (Customer.id, "asc")])

    @router.get("")
    async def list_customers(
        actor: Reader, session: TenantSession, limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> Page[CustomerRead]:
        return await paginate(session, select(Customer), sort=BY_NAME, limit=limit,
                              cursor=cursor, item=CustomerRead.model_validate)

``item`` receives the selected entity (``select(Customer)``) or, for a select of several
columns or entities, the tuple of them. The sort columns are added to the select for the
cursor and taken off again, so they need not be selected themselves.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, or_, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.core.errors import FieldError, ValidationFailed

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "CursorParam",
    "LimitParam",
    "Page",
    "Sort",
    "decode_cursor",
    "encode_cursor",
    "paginate",
]

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_MAX_LENGTH = 1000

LimitParam = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="How many items to answer at most (1-200).")
]
CursorParam = Annotated[
    str | None,
    Query(
        max_length=CURSOR_MAX_LENGTH,
        description="The `next_cursor` of the previous page; omit it for the first page.",
    ),
]


class Page(BaseModel, Generic[T]):
    """One page of a list, in the list's order."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


Direction = Literal["asc", "desc"]


@dataclass(frozen=True)
class Sort:
    """A named total order: ``(column, direction)`` pairs ending with a unique column."""

    name: str
    columns: Sequence[tuple[Any, Direction]] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError(f"sort {self.name!r} has no columns")
        for _, direction in self.columns:
            if direction not in ("asc", "desc"):
                raise ValueError(f"sort {self.name!r}: direction {direction!r}")

    def order_by(self) -> list[ColumnElement[Any]]:
        return [c.desc() if d == "desc" else c.asc() for c, d in self.columns]

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after ``values`` (the last row's sort values) in this order."""
        directions = {d for _, d in self.columns}
        columns = [c for c, _ in self.columns]
        if len(directions) == 1:
            left, right = tuple_(*columns), tuple_(*values)
            return left < right if directions == {"desc"} else left > right
        clauses = []
        for index, (column, direction) in enumerate(self.columns):
            equal = [columns[i] == values[i] for i in range(index)]
            beyond = column < values[index] if direction == "desc" else column > values[index]
            clauses.append(and_(*equal, beyond))
        return or_(*clauses)


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                field="query.cursor",
                code="cursor-invalid",
                message="Not a cursor from this list; start again without one.",
            )
        ]
    )


def _to_text(value: Any) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _from_text(column: Any, text: str) -> Any:
    python_type: Any = column.type.python_type
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat(text)
    if python_type is dt.date:
        return dt.date.fromisoformat(text)
    if python_type is Decimal:
        return Decimal(text)
    if python_type is uuid.UUID:
        return uuid.UUID(text)
    if python_type is bool:
        return {"True": True, "False": False}[text]
    return python_type(text)


def encode_cursor(sort: Sort, values: Sequence[Any]) -> str:
    """The opaque cursor that continues ``sort`` after a row with these sort values."""
    raw = json.dumps({"s": sort.name, "k": [_to_text(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(sort: Sort, cursor: str) -> list[Any]:
    """The sort values of ``cursor``; a cursor of another sort or list, or garbled, is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or payload.get("s") != sort.name:
            raise ValueError("another sort")
        keys = payload.get("k")
        if not isinstance(keys, list) or len(keys) != len(sort.columns):
            raise ValueError("wrong keys")
        values = []
        for (column, _), text in zip(sort.columns, keys, strict=True):
            if not isinstance(text, str):
                raise ValueError("not a string")
            values.append(_from_text(column, text))
        return values
    except (binascii.Error, ValueError, TypeError, KeyError, InvalidOperation, UnicodeError):
        raise _invalid_cursor() from None


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    sort: Sort,
    limit: int,
    cursor: str | None,
    item: Callable[[Any], T],
) -> Page[T]:
    """One page of ``statement`` in ``sort`` order after ``cursor`` (see the module doc)."""
    width = len(sort.columns)
    statement = statement.add_columns(*(c for c, _ in sort.columns))
    if cursor is not None:
        statement = statement.where(sort.after(decode_cursor(sort, cursor)))
    statement = statement.order_by(*sort.order_by()).limit(limit + 1)
    rows = (await session.execute(statement)).all()
    items: list[T] = []
    for row in rows[:limit]:
        head = tuple(row)[:-width]
        items.append(item(head[0] if len(head) == 1 else head))
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(sort, tuple(rows[limit - 1])[-width:])
    return Page(items=items, next_cursor=next_cursor)
