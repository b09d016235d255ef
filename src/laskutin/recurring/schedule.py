"""The calendar rule of a recurring invoice: pure, no I/O (no SQLAlchemy, no settings).

A rule is "every ``every`` days, weeks or months from ``start``", for months on a
``day_of_month`` (1-31; a day the month does not have is its last day, so 31 means "the last day
of every month"), optionally moved off weekends to the Friday before or the Monday after, until
an ``end`` date (inclusive) or for ``count`` occurrences, whichever comes first (neither: for
ever).

Occurrence ``k`` (0, 1, 2, ...) is computed from the start alone, never from occurrence
``k - 1``: a rule on the 31st gives 31 Jan, 28 Feb, 31 Mar (not 28 Mar), and a weekend moved to
Friday does not move the next one.

- The **nominal** date of occurrence 0 is the first date on or after ``start`` that the rule
  names (for months: ``day_of_month`` of the start's month if that is not before the start,
  else of the next month).
- The weekend move applies to each nominal date; the moved date is the occurrence (it may be
  before ``start`` when a start on a Saturday moves to Friday). ``end`` limits the moved dates.
- With the weekend move, every-N-days rules need N >= 3, so that two nominal dates never move
  onto the same day (occurrences are strictly increasing: property-tested).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from laskutin.core.errors import RuleViolation

MAX_EVERY = 366
MIN_DAYS_WITH_WEEKEND_MOVE = 3


class Unit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Weekend(StrEnum):
    KEEP = "keep"  # a Saturday or Sunday stays
    FRIDAY = "friday"  # moved to the Friday before
    MONDAY = "monday"  # moved to the Monday after


class EveryOutOfRange(RuleViolation):
    code = "recurring-every-invalid"
    messages = {
        "fi": "Toistovälin on oltava 1–{maximum}.",
        "sv": "Intervallet måste vara 1–{maximum}.",
        "en": "The interval must be 1–{maximum}.",
    }

    def __init__(self, field: str = "schedule.every") -> None:
        super().__init__(field=field, maximum=MAX_EVERY)


class DayOfMonthInvalid(RuleViolation):
    code = "recurring-day-of-month-invalid"
    messages = {
        "fi": "Kuukauden päivä on 1–31 (31 on kuun viimeinen päivä), ja vain kuukausittaiselle "
        "toistolle.",
        "sv": "Dag i månaden är 1–31 (31 är månadens sista dag), och bara för månatlig upprepning.",
        "en": "The day of the month is 1–31 (31 is the last day of the month), and only for a "
        "monthly rule.",
    }

    def __init__(self, field: str = "schedule.day_of_month") -> None:
        super().__init__(field=field)


class WeekendMoveTooFrequent(RuleViolation):
    code = "recurring-weekend-too-frequent"
    messages = {
        "fi": "Viikonlopun siirto vaatii vähintään {minimum} päivän toistovälin.",
        "sv": "Flytt från veckoslut kräver ett intervall på minst {minimum} dagar.",
        "en": "Moving off weekends needs at least {minimum} days between invoices.",
    }

    def __init__(self, field: str = "schedule.weekend") -> None:
        super().__init__(field=field, minimum=MIN_DAYS_WITH_WEEKEND_MOVE)


class EndBeforeStart(RuleViolation):
    code = "recurring-end-before-start"
    messages = {
        "fi": "Päättymispäivä ei voi olla ennen alkamispäivää.",
        "sv": "Slutdatumet kan inte vara före startdatumet.",
        "en": "The end date cannot be before the start date.",
    }

    def __init__(self, field: str = "schedule.end_date") -> None:
        super().__init__(field=field)


class CountInvalid(RuleViolation):
    code = "recurring-count-invalid"
    messages = {
        "fi": "Laskujen määrän on oltava vähintään 1.",
        "sv": "Antalet fakturor måste vara minst 1.",
        "en": "The number of invoices must be at least 1.",
    }

    def __init__(self, field: str = "schedule.count") -> None:
        super().__init__(field=field)


@dataclass(frozen=True)
class Rule:
    start: dt.date
    unit: Unit = Unit.MONTH
    every: int = 1
    day_of_month: int | None = None  # months only; None: the start's day
    weekend: Weekend = Weekend.KEEP
    end: dt.date | None = None  # inclusive
    count: int | None = None

    def check(self) -> Rule:
        """Raise the first rule violation (with its field), else give the rule back."""
        if not 1 <= self.every <= MAX_EVERY:
            raise EveryOutOfRange()
        if self.day_of_month is not None and (
            self.unit is not Unit.MONTH or not 1 <= self.day_of_month <= 31
        ):
            raise DayOfMonthInvalid()
        if (
            self.weekend is not Weekend.KEEP
            and self.unit is Unit.DAY
            and self.every < MIN_DAYS_WITH_WEEKEND_MOVE
        ):
            raise WeekendMoveTooFrequent()
        if self.end is not None and self.end < self.start:
            raise EndBeforeStart()
        if self.count is not None and self.count < 1:
            raise CountInvalid()
        return self


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, last_day(year, month)))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def nominal(rule: Rule, k: int) -> dt.date:
    """Occurrence ``k``'s date before any weekend move (``k >= 0``)."""
    if k < 0:
        raise ValueError("occurrences are numbered from 0")
    if rule.unit is Unit.DAY:
        return rule.start + dt.timedelta(days=k * rule.every)
    if rule.unit is Unit.WEEK:
        return rule.start + dt.timedelta(weeks=k * rule.every)
    day = rule.day_of_month or rule.start.day
    year, month = rule.start.year, rule.start.month
    if _month_day(year, month, day) < rule.start:
        year, month = _add_months(year, month, 1)
    year, month = _add_months(year, month, k * rule.every)
    return _month_day(year, month, day)


def move_off_weekend(day: dt.date, weekend: Weekend) -> dt.date:
    weekday = day.weekday()  # Monday 0 .. Sunday 6
    if weekday < 5 or weekend is Weekend.KEEP:
        return day
    if weekend is Weekend.FRIDAY:
        return day - dt.timedelta(days=weekday - 4)
    return day + dt.timedelta(days=7 - weekday)


def occurrence(rule: Rule, k: int) -> dt.date | None:
    """Occurrence ``k``'s date, or None when the rule has ended before it (count or end)."""
    if rule.count is not None and k >= rule.count:
        return None
    day = move_off_weekend(nominal(rule, k), rule.weekend)
    if rule.end is not None and day > rule.end:
        return None
    return day


def occurrences(rule: Rule, *, start_at: int = 0) -> Iterator[tuple[int, dt.date]]:
    """``(k, date)`` from occurrence ``start_at`` on, until the rule ends (maybe never)."""
    k = start_at
    while (day := occurrence(rule, k)) is not None:
        yield k, day
        k += 1


def first_on_or_after(rule: Rule, day: dt.date, *, start_at: int = 0) -> int | None:
    """The number of the first occurrence (from ``start_at``) dated ``day`` or later; None when
    the rule ends before. Used to skip the periods of a pause."""
    for k, when in occurrences(rule, start_at=start_at):
        if when >= day:
            return k
    return None
