"""The one clock. Dates that users see are calendar days in Europe/Helsinki.

Tests set the time with ``frozen_at``; nothing else reads the system clock for business dates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")

_frozen: ContextVar[dt.datetime | None] = ContextVar("frozen_now", default=None)


def now() -> dt.datetime:
    """The current instant, timezone-aware in UTC."""
    frozen = _frozen.get()
    return frozen if frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's calendar date in Finland (an invoice dated at 00:30 Helsinki time is today's)."""
    return now().astimezone(HELSINKI).date()


def to_helsinki_date(instant: dt.datetime) -> dt.date:
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no calendar day; give it a timezone")
    return instant.astimezone(HELSINKI).date()


@contextlib.contextmanager
def frozen_at(instant: dt.datetime) -> Iterator[None]:
    """Make ``now()`` answer ``instant`` within the block (tests only)."""
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    token = _frozen.set(instant.astimezone(dt.UTC))
    try:
        yield
    finally:
        _frozen.reset(token)
