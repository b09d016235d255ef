"""Keyset pagination (laskutin.api.pagination) over a real table, as the app role."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.auth.models import User
from laskutin.core.db import create_engine, session_factory
from laskutin.core.settings import Settings

TAG = "@paging.example.fi"
BY_NAME = Sort("test:name", [(User.name, "asc"), (User.id, "asc")])
NEWEST = Sort("test:newest", [(User.created_at, "desc"), (User.id, "desc")])
MIXED = Sort("test:mixed", [(User.name, "desc"), (User.created_at, "asc"), (User.id, "asc")])


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def users(sessions: async_sessionmaker[AsyncSession]) -> list[User]:
    """Eleven users; names repeat (ties broken by the next column) and times differ."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    made = [
        User(
            id=uuid.uuid4(),
            email=f"u{i}{TAG}",
            name=f"Nimi {i % 4}",
            created_at=start + dt.timedelta(minutes=i, microseconds=i),
        )
        for i in range(11)
    ]
    async with sessions() as session, session.begin():
        session.add_all(made)
    return made


async def walk(
    sessions: async_sessionmaker[AsyncSession], sort: Sort, limit: int
) -> tuple[list[uuid.UUID], int]:
    seen: list[uuid.UUID] = []
    cursor = None
    pages = 0
    while True:
        async with sessions() as session, session.begin():  # each page its own request
            page: Page[uuid.UUID] = await paginate(
                session,
                select(User).where(User.email.endswith(TAG)),
                sort=sort,
                limit=limit,
                cursor=cursor,
                item=lambda user: user.id,
            )
        pages += 1
        assert len(page.items) <= limit
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return seen, pages


async def test_ascending_by_name_then_id(
    sessions: async_sessionmaker[AsyncSession], users: list[User]
) -> None:
    seen, pages = await walk(sessions, BY_NAME, 4)
    assert seen == [u.id for u in sorted(users, key=lambda u: (u.name, str(u.id)))]
    assert pages == 3


async def test_descending_by_time(
    sessions: async_sessionmaker[AsyncSession], users: list[User]
) -> None:
    seen, pages = await walk(sessions, NEWEST, 3)
    assert seen == [u.id for u in reversed(users)]
    assert pages == 4


async def test_mixed_directions(
    sessions: async_sessionmaker[AsyncSession], users: list[User]
) -> None:
    seen, _ = await walk(sessions, MIXED, 2)
    by_time = sorted(users, key=lambda u: u.created_at)
    expected = sorted(by_time, key=lambda u: u.name, reverse=True)  # stable: time ascending
    assert seen == [u.id for u in expected]


async def test_an_exact_last_page_has_no_next_cursor(
    sessions: async_sessionmaker[AsyncSession], users: list[User]
) -> None:
    seen, pages = await walk(sessions, NEWEST, 11)
    assert len(seen) == 11
    assert pages == 1


async def test_a_select_of_columns_gives_the_mapper_a_tuple(
    sessions: async_sessionmaker[AsyncSession], users: list[User]
) -> None:
    async with sessions() as session, session.begin():
        page = await paginate(
            session,
            select(User.email, User.name).where(User.email.endswith(TAG)),
            sort=NEWEST,
            limit=2,
            cursor=None,
            item=lambda row: f"{row[1]} <{row[0]}>",
        )
    assert page.items == [f"Nimi 2 <u10{TAG}>", f"Nimi 1 <u9{TAG}>"]
    assert page.next_cursor is not None
