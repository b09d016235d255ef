"""The calendar rule of recurring invoices (recurring/schedule.py): worked examples and
properties (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.recurring.schedule import (
    CountInvalid,
    DayOfMonthInvalid,
    EndBeforeStart,
    EveryOutOfRange,
    Rule,
    Unit,
    Weekend,
    WeekendMoveTooFrequent,
    first_on_or_after,
    last_day,
    nominal,
    occurrence,
    occurrences,
)

D = dt.date


def dates(rule: Rule, n: int) -> list[dt.date]:
    return [day for _, day in itertools.islice(occurrences(rule), n)]


def test_monthly_on_the_31st_is_the_last_day_of_shorter_months() -> None:
    rule = Rule(start=D(2027, 1, 31), unit=Unit.MONTH, day_of_month=31)
    assert dates(rule, 5) == [
        D(2027, 1, 31),
        D(2027, 2, 28),
        D(2027, 3, 31),
        D(2027, 4, 30),
        D(2027, 5, 31),
    ]
    leap = Rule(start=D(2028, 1, 30), day_of_month=30)
    assert dates(leap, 3) == [D(2028, 1, 30), D(2028, 2, 29), D(2028, 3, 30)]


def test_no_drift_after_a_short_month() -> None:
    # The start's day (31) is kept: March is the 31st again, not the 28th of February's.
    assert dates(Rule(start=D(2027, 1, 31)), 3) == [D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31)]


def test_a_day_of_month_before_the_start_begins_next_month() -> None:
    rule = Rule(start=D(2027, 3, 20), day_of_month=5)
    assert dates(rule, 2) == [D(2027, 4, 5), D(2027, 5, 5)]
    assert dates(Rule(start=D(2027, 3, 5), day_of_month=5), 1) == [D(2027, 3, 5)]


def test_every_three_months_and_every_two_weeks_and_ten_days() -> None:
    assert dates(Rule(start=D(2027, 11, 15), every=3), 3) == [
        D(2027, 11, 15),
        D(2028, 2, 15),
        D(2028, 5, 15),
    ]
    assert dates(Rule(start=D(2027, 1, 4), unit=Unit.WEEK, every=2), 3) == [
        D(2027, 1, 4),
        D(2027, 1, 18),
        D(2027, 2, 1),
    ]
    assert dates(Rule(start=D(2027, 1, 1), unit=Unit.DAY, every=10), 3) == [
        D(2027, 1, 1),
        D(2027, 1, 11),
        D(2027, 1, 21),
    ]


def test_weekends_move_to_friday_or_monday() -> None:
    # 2027-05-01 is a Saturday, 2027-08-01 a Sunday.
    friday = Rule(start=D(2027, 5, 1), day_of_month=1, weekend=Weekend.FRIDAY)
    monday = Rule(start=D(2027, 5, 1), day_of_month=1, weekend=Weekend.MONDAY)
    keep = Rule(start=D(2027, 5, 1), day_of_month=1)
    assert occurrence(friday, 0) == D(2027, 4, 30)
    assert occurrence(monday, 0) == D(2027, 5, 3)
    assert occurrence(keep, 0) == D(2027, 5, 1)
    assert occurrence(friday, 3) == D(2027, 7, 30)  # Sunday 1 Aug
    assert occurrence(monday, 3) == D(2027, 8, 2)
    assert occurrence(friday, 1) == D(2027, 6, 1)  # a Tuesday stays


def test_count_and_end_date() -> None:
    assert dates(Rule(start=D(2027, 1, 1), count=3), 10) == [
        D(2027, 1, 1),
        D(2027, 2, 1),
        D(2027, 3, 1),
    ]
    assert dates(Rule(start=D(2027, 1, 1), end=D(2027, 3, 1)), 10) == [
        D(2027, 1, 1),
        D(2027, 2, 1),
        D(2027, 3, 1),
    ]
    assert occurrence(Rule(start=D(2027, 1, 1), count=2), 2) is None


def test_first_on_or_after() -> None:
    rule = Rule(start=D(2027, 1, 10))
    assert first_on_or_after(rule, D(2027, 4, 11)) == 4  # 10 May
    assert first_on_or_after(rule, D(2027, 4, 10)) == 3
    assert first_on_or_after(Rule(start=D(2027, 1, 10), count=2), D(2028, 1, 1)) is None


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        (Rule(start=D(2027, 1, 1), every=0), EveryOutOfRange),
        (Rule(start=D(2027, 1, 1), every=367), EveryOutOfRange),
        (Rule(start=D(2027, 1, 1), day_of_month=32), DayOfMonthInvalid),
        (Rule(start=D(2027, 1, 1), unit=Unit.WEEK, day_of_month=3), DayOfMonthInvalid),
        (
            Rule(start=D(2027, 1, 1), unit=Unit.DAY, every=2, weekend=Weekend.FRIDAY),
            WeekendMoveTooFrequent,
        ),
        (Rule(start=D(2027, 1, 2), end=D(2027, 1, 1)), EndBeforeStart),
        (Rule(start=D(2027, 1, 1), count=0), CountInvalid),
    ],
)
def test_refused_rules_name_their_field(rule: Rule, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        rule.check()
    assert str(raised.value.params["field"]).startswith("schedule.")  # type: ignore[attr-defined]


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    unit = draw(st.sampled_from(list(Unit)))
    weekend = draw(st.sampled_from(list(Weekend)))
    low = 3 if unit is Unit.DAY and weekend is not Weekend.KEEP else 1
    every = draw(st.integers(low, 40 if unit is Unit.DAY else 13))
    start = draw(st.dates(D(2000, 1, 1), D(2090, 12, 31)))
    day_of_month = draw(st.none() | st.integers(1, 31)) if unit is Unit.MONTH else None
    end = draw(st.none() | st.dates(start, D(2100, 12, 31)))
    count = draw(st.none() | st.integers(1, 60))
    return Rule(
        start=start,
        unit=unit,
        every=every,
        day_of_month=day_of_month,
        weekend=weekend,
        end=end,
        count=count,
    ).check()


@given(rules())
def test_occurrences_strictly_increase_and_respect_count_and_end(rule: Rule) -> None:
    listed = dates(rule, 80)
    assert all(a < b for a, b in itertools.pairwise(listed))
    if rule.count is not None:
        assert len(listed) <= rule.count
    if rule.end is not None:
        assert all(day <= rule.end for day in listed)
    if rule.count is not None and rule.end is None:
        assert len(listed) == min(rule.count, 80)


@given(rules())
def test_weekends_are_moved_as_chosen(rule: Rule) -> None:
    for k, day in itertools.islice(occurrences(rule), 40):
        plain = nominal(rule, k)
        if rule.weekend is Weekend.KEEP or plain.weekday() < 5:
            assert day == plain
        elif rule.weekend is Weekend.FRIDAY:
            assert day.weekday() == 4
            assert 1 <= (plain - day).days <= 2
        else:
            assert day.weekday() == 0
            assert 1 <= (day - plain).days <= 2


@given(rules())
def test_monthly_day_is_the_chosen_one_or_the_months_last(rule: Rule) -> None:
    if rule.unit is not Unit.MONTH:
        return
    wanted = rule.day_of_month or rule.start.day
    for k in range(24):
        plain = nominal(rule, k)
        assert plain.day == min(wanted, last_day(plain.year, plain.month))
        assert plain >= rule.start


@given(rules(), st.integers(0, 200))
def test_occurrence_k_depends_on_the_start_only(rule: Rule, k: int) -> None:
    """No drift: k computed directly equals walking k steps, and the month of occurrence k is
    exactly k * every months after occurrence 0's."""
    assert nominal(rule, k) == nominal(rule, k)  # pure
    if rule.unit is Unit.MONTH:
        first, kth = nominal(rule, 0), nominal(rule, k)
        months = (kth.year - first.year) * 12 + kth.month - first.month
        assert months == k * rule.every
    else:
        step = rule.every * (7 if rule.unit is Unit.WEEK else 1)
        assert (nominal(rule, k) - rule.start).days == k * step
