"""laskutin.core.ratelimit against a real PostgreSQL: counting, refusing, restarting a window,
concurrent takes on separate sessions, sweeping. No sleeping: windows are moved into the past
with SQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth import limits
from laskutin.core import ratelimit
from laskutin.core.db import create_engine, session_factory, unit_of_work
from laskutin.core.ratelimit import RateDecision, RateLimit
from laskutin.core.settings import Settings

HOUR = dt.timedelta(hours=1)


@pytest.fixture
async def factory(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.model_copy(update={"db_pool_size": 30}))
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _take(
    factory: async_sessionmaker[AsyncSession],
    *,
    scope: str = "test.scope",
    key: str = "k",
    limit: int = 3,
    window: dt.timedelta = HOUR,
) -> RateDecision:
    async with unit_of_work(factory) as session:
        return await ratelimit.take(session, scope=scope, key=key, limit=limit, window=window)


async def _age(factory: async_sessionmaker[AsyncSession], by: dt.timedelta) -> None:
    """Move every window ``by`` into the past (or the future, for a negative ``by``)."""
    async with unit_of_work(factory) as session:
        await session.execute(
            text(
                "UPDATE rate_counters SET window_started = window_started - CAST(:by AS interval)"
            ),
            {"by": by},
        )


async def _rows(factory: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, int]]:
    async with unit_of_work(factory) as session:
        result = await session.execute(
            text("SELECT scope, key, count FROM rate_counters ORDER BY scope, key")
        )
        return [(scope, key, count) for scope, key, count in result.all()]


async def test_takes_within_the_limit_are_allowed_then_refused_until_the_window_ends(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    decisions = [await _take(factory) for _ in range(5)]

    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4, 4]  # stops one past the limit
    assert [d.retry_after_seconds for d in decisions[:3]] == [0, 0, 0]
    for refused in decisions[3:]:
        assert 3590 <= refused.retry_after_seconds <= 3600
        assert refused.headers == {"Retry-After": str(refused.retry_after_seconds)}
    assert decisions[0].headers == {}

    await _age(factory, dt.timedelta(minutes=50))
    refused = await _take(factory)
    assert not refused.allowed
    assert 590 <= refused.retry_after_seconds <= 600  # what is left of the window


async def test_a_window_that_has_ended_restarts_at_one(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    for _ in range(4):
        await _take(factory)
    await _age(factory, HOUR)  # exactly one window ago: ended

    again = await _take(factory)

    assert again == RateDecision(allowed=True, count=1, retry_after_seconds=0)
    assert (await _take(factory)).count == 2


async def test_a_window_far_in_the_future_restarts(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    for _ in range(4):
        await _take(factory)
    await _age(factory, -dt.timedelta(minutes=5))  # a younger transaction opened it: counts
    assert (await _take(factory)).count == 4
    await _age(factory, -HOUR)  # more than a window ahead: the database's clock went back

    assert (await _take(factory)).count == 1


async def test_scopes_and_keys_count_apart(factory: async_sessionmaker[AsyncSession]) -> None:
    for _ in range(4):
        await _take(factory, key="a")

    assert (await _take(factory, key="b")).allowed
    assert (await _take(factory, scope="other", key="a")).allowed
    assert await _rows(factory) == [
        ("other", "a", 1),
        ("test.scope", "a", 4),
        ("test.scope", "b", 1),
    ]


async def test_a_rolled_back_take_is_not_counted(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    async with factory() as session, session.begin():
        decision = await ratelimit.take(session, scope="s", key="k", limit=1, window=HOUR)
        assert decision.allowed
        await session.rollback()

    assert (await _take(factory, scope="s", limit=1)).allowed


async def test_concurrent_takes_never_allow_more_than_the_limit(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    # 25 sessions, each its own connection and transaction, all at once.
    decisions = await asyncio.gather(*(_take(factory, limit=7) for _ in range(25)))

    assert sum(d.allowed for d in decisions) == 7
    assert sorted(d.count for d in decisions if d.allowed) == list(range(1, 8))
    assert await _rows(factory) == [("test.scope", "k", 8)]


async def test_reset_forgets_a_counter(factory: async_sessionmaker[AsyncSession]) -> None:
    for _ in range(4):
        await _take(factory)
    async with unit_of_work(factory) as session:
        await ratelimit.reset(session, scope="test.scope", key="k")

    assert (await _take(factory)).count == 1


async def test_sweep_deletes_counters_whose_window_ended_for_any_limit(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await _take(factory, key="old")
    await _age(factory, ratelimit.MAX_WINDOW + dt.timedelta(minutes=1))
    await _take(factory, key="new")

    async with unit_of_work(factory) as session:
        assert await ratelimit.sweep(session) == 1

    assert await _rows(factory) == [("test.scope", "new", 1)]


async def test_a_rate_limit_takes_by_its_own_scope_limit_and_window(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    two = RateLimit("test.two", 2, dt.timedelta(minutes=15))
    async with unit_of_work(factory) as session:
        decisions = [await two.take(session, "k") for _ in range(3)]

    assert [d.allowed for d in decisions] == [True, True, False]
    assert 890 <= decisions[2].retry_after_seconds <= 900


@pytest.mark.parametrize(
    ("scope", "limit", "window"),
    [
        ("", 1, HOUR),
        ("s", 0, HOUR),
        ("s", 1, dt.timedelta(0)),
        ("s", 1, ratelimit.MAX_WINDOW + dt.timedelta(seconds=1)),
    ],
)
def test_a_limit_needs_a_scope_a_positive_limit_and_a_window_within_the_maximum(
    scope: str, limit: int, window: dt.timedelta
) -> None:
    with pytest.raises(ValueError, match="a rate limit"):
        RateLimit(scope, limit, window)


def test_the_account_limits_have_distinct_scopes() -> None:
    assert len({limit.scope for limit in limits.ALL}) == len(limits.ALL)
