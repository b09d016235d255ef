"""core/clock.py: business dates are calendar days in Europe/Helsinki; tests set the time."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from laskutin.core import clock

UTC = dt.UTC


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("instant", "helsinki_day"),
    [
        # winter, UTC+2: Helsinki midnight is 22:00 UTC
        (at(2026, 1, 14, 21, 59, 59), dt.date(2026, 1, 14)),
        (at(2026, 1, 14, 22, 0, 0), dt.date(2026, 1, 15)),
        (at(2026, 1, 14, 23, 30), dt.date(2026, 1, 15)),
        (at(2026, 1, 15, 0, 30), dt.date(2026, 1, 15)),
        # summer, UTC+3: Helsinki midnight is 21:00 UTC
        (at(2026, 7, 14, 20, 59, 59), dt.date(2026, 7, 14)),
        (at(2026, 7, 14, 21, 0, 0), dt.date(2026, 7, 15)),
        # the year turns in Helsinki two hours before it turns in UTC
        (at(2026, 12, 31, 22, 30), dt.date(2027, 1, 1)),
        # DST starts 2026-03-29 at 01:00 UTC (03:00 -> 04:00 local)
        (at(2026, 3, 28, 21, 59), dt.date(2026, 3, 28)),
        (at(2026, 3, 28, 22, 0), dt.date(2026, 3, 29)),
        (at(2026, 3, 29, 20, 59), dt.date(2026, 3, 29)),  # already UTC+3 on the same day
        (at(2026, 3, 29, 21, 0), dt.date(2026, 3, 30)),
        # DST ends 2026-10-25 at 01:00 UTC (04:00 -> 03:00 local)
        (at(2026, 10, 24, 20, 59), dt.date(2026, 10, 24)),
        (at(2026, 10, 24, 21, 0), dt.date(2026, 10, 25)),
        (at(2026, 10, 25, 21, 59), dt.date(2026, 10, 25)),  # back on UTC+2
        (at(2026, 10, 25, 22, 0), dt.date(2026, 10, 26)),
    ],
)
def test_today_is_the_helsinki_calendar_day(instant: dt.datetime, helsinki_day: dt.date) -> None:
    with clock.frozen_at(instant):
        assert clock.today() == helsinki_day
        assert clock.to_helsinki_date(clock.now()) == helsinki_day


def test_frozen_at_accepts_any_timezone_and_now_answers_in_utc() -> None:
    new_york = dt.datetime(2026, 5, 1, 20, 0, tzinfo=ZoneInfo("America/New_York"))

    with clock.frozen_at(new_york):
        now = clock.now()
        assert now == new_york
        assert now.utcoffset() == dt.timedelta(0)
        assert now.tzinfo is UTC
        assert clock.today() == dt.date(2026, 5, 2)  # 03:00 in Helsinki


def test_frozen_at_refuses_a_naive_datetime() -> None:
    with (
        pytest.raises(ValueError, match="timezone-aware"),
        clock.frozen_at(dt.datetime(2026, 1, 1, 12, 0)),
    ):
        pass


def test_to_helsinki_date_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.to_helsinki_date(dt.datetime(2026, 1, 1, 12, 0))


def test_frozen_at_nests_and_restores() -> None:
    outer, inner = at(2026, 2, 1, 12), at(2030, 6, 1, 12)

    with clock.frozen_at(outer):
        with clock.frozen_at(inner):
            assert clock.now() == inner
        assert clock.now() == outer


def test_frozen_at_restores_after_an_error() -> None:
    frozen = at(2000, 1, 1)

    with pytest.raises(RuntimeError), clock.frozen_at(frozen):
        raise RuntimeError("boom")

    assert clock.now() != frozen


def test_unfrozen_clock_is_aware_and_utc() -> None:
    now = clock.now()

    assert now.tzinfo is not None
    assert now.utcoffset() == dt.timedelta(0)
    assert now.year >= 2025


async def test_frozen_time_is_seen_by_tasks_started_inside() -> None:
    frozen = at(2026, 8, 8, 8)

    async def read() -> dt.datetime:
        return clock.now()

    with clock.frozen_at(frozen):
        assert await asyncio.create_task(read()) == frozen
