"""Fixed-window rate counters kept in PostgreSQL, so that every replica shares them.

A counter is one row of ``rate_counters`` per (``scope``, ``key``): ``scope`` names what is
limited (``auth.password-reset.address``; later an API key's requests), ``key`` whom (a hash
of an e-mail, a client address, a user id; never an e-mail in clear). A window opens at the
first :func:`take` and lasts ``window``; each take counts one; while the count is within
``limit`` the take is allowed, beyond it refused with the seconds until the window ends. The
first take after the window has ended opens a new one at 1.

Each take is one statement, ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: it creates or
updates the row and locks it until the transaction ends, so concurrent takes on any replica
take turns and each sees the previous one's count. The time is the database's ``now()`` (the
transaction's start), never a replica's clock, so replicas with drifting clocks agree. A row
whose window starts more than a window in the future (a clock that went far back) restarts.

Where the count lives decides what is counted: a take in the request's transaction is undone
when the request fails (only accepted requests count); to count attempts whatever their
outcome (password guesses), take in a transaction of its own and commit before the check.

A fixed window allows a burst of up to ``2 * limit`` across a window's end; that is its price
for being two columns instead of a log of instants. Windows are at most :data:`MAX_WINDOW`
long, so :func:`sweep` can forget every row whose window started longer ago than that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import CheckConstraint, DateTime, Integer, Text, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.core.models import Base

__all__ = [
    "MAX_WINDOW",
    "RateCounter",
    "RateDecision",
    "RateLimit",
    "reset",
    "sweep",
    "take",
]

# No window is longer than this; the sweeper deletes rows whose window started before it.
MAX_WINDOW: Final = dt.timedelta(days=1)


class RateCounter(Base):
    """One fixed-window counter (laskutin.core.ratelimit).

    Not a tenant table and no row-level security: counters are taken before any user or
    company is known (sign-up, password reset) and hold no company data; keys are hashes or
    ids, never an e-mail address in clear.
    """

    __tablename__ = "rate_counters"
    __table_args__ = (CheckConstraint("count >= 0", name="count"),)

    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    window_started: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class RateDecision:
    """What one :func:`take` decided: ``allowed``, the ``count`` in the window (this take
    included; it stops growing one past the limit), and when refused the whole seconds
    (at least 1, rounded up) until the window ends."""

    allowed: bool
    count: int
    retry_after_seconds: int

    @property
    def headers(self) -> dict[str, str]:
        """The response headers a refusal needs (RFC 9110 §10.2.3, delay in seconds)."""
        return {"Retry-After": str(self.retry_after_seconds)} if not self.allowed else {}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A named limit: at most ``limit`` takes per ``window`` for each key of ``scope``."""

    scope: str
    limit: int
    window: dt.timedelta

    def __post_init__(self) -> None:
        _check(self.scope, self.limit, self.window)

    async def take(self, session: AsyncSession, key: str) -> RateDecision:
        """Count one for ``key`` (see :func:`take`)."""
        return await take(session, scope=self.scope, key=key, limit=self.limit, window=self.window)


# The window restarts when it has ended, or starts more than a window after now (the
# database's clock went back that far). A start only a little after now() is normal: now() is
# when this transaction began, and it may have waited for the row while a younger one opened
# the window; restarting then would let concurrent takes count from 1 again.
_ENDED = (
    "(c.window_started + CAST(:window AS interval) <= now() "
    "OR c.window_started > now() + CAST(:window AS interval))"
)
_TAKE = text(
    f"""
    INSERT INTO rate_counters AS c (scope, key, window_started, count)
    VALUES (:scope, :key, now(), 1)
    ON CONFLICT (scope, key) DO UPDATE SET
        window_started = CASE WHEN {_ENDED} THEN now() ELSE c.window_started END,
        count = CASE WHEN {_ENDED} THEN 1 ELSE LEAST(c.count, CAST(:limit AS integer)) + 1 END
    RETURNING c.count, c.window_started + CAST(:window AS interval) - now() AS remaining
    """
)


async def take(
    session: AsyncSession, *, scope: str, key: str, limit: int, window: dt.timedelta
) -> RateDecision:
    """Count one take for (``scope``, ``key``) in the current window, in ``session``'s
    transaction, and say whether it is within ``limit``.

    The row stays locked until the transaction ends: commit soon. A refused take is counted
    too (the count stops at ``limit + 1``), so it is undone only if the transaction rolls back.
    """
    _check(scope, limit, window)
    params = {"scope": scope, "key": key, "limit": limit, "window": window}
    # By position: a Row is a tuple, and ``Row.count`` is the tuple's method.
    count, remaining = (await session.execute(_TAKE, params)).one()
    if count <= limit:
        return RateDecision(allowed=True, count=count, retry_after_seconds=0)
    wait = min(remaining, window)  # a window opened after this transaction began
    return RateDecision(allowed=False, count=count, retry_after_seconds=_whole_seconds(wait))


async def reset(session: AsyncSession, *, scope: str, key: str) -> None:
    """Forget the counter of (``scope``, ``key``): the next take opens a new window at 1."""
    await session.execute(
        text("DELETE FROM rate_counters WHERE scope = :scope AND key = :key"),
        {"scope": scope, "key": key},
    )


async def sweep(session: AsyncSession) -> int:
    """Delete every counter whose window has ended for any limit (it started more than
    :data:`MAX_WINDOW` ago); such a row and no row mean the same. Returns how many."""
    result = await session.execute(
        text("DELETE FROM rate_counters WHERE window_started < now() - CAST(:longest AS interval)"),
        {"longest": MAX_WINDOW},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _check(scope: str, limit: int, window: dt.timedelta) -> None:
    if not scope:
        raise ValueError("a rate limit needs a scope")
    if limit < 1:
        raise ValueError("a rate limit allows at least 1")
    if not dt.timedelta(0) < window <= MAX_WINDOW:
        raise ValueError(f"a rate limit's window is longer than nothing and at most {MAX_WINDOW}")


def _whole_seconds(wait: dt.timedelta) -> int:
    """Retry-After in whole seconds, rounded up so that a client that waits is let in."""
    return max(1, -(-wait // dt.timedelta(seconds=1)))
