"""finnish/interest and interest_rates: late interest, reference rates, fee caps (§7)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.core import money
from laskutin.finnish import interest_rates as rates
from laskutin.finnish.interest import (
    InterestPrincipalNegative,
    InterestRateNegative,
    InterestRule,
    business_reminder_fee_cap,
    consumer_reminder_fee_cap,
    earliest_consumer_reminder_date,
    late_interest,
    penalty_interest_rate,
    recovery_compensation,
)
from laskutin.finnish.interest_rates import (
    DEFAULT_TABLES,
    DatedValue,
    HalfYear,
    ReferenceRateTable,
    StatutoryTables,
    ValidityTable,
)

D = Decimal
GENERAL = InterestRule.GENERAL
COMMERCIAL = InterestRule.COMMERCIAL

# Days the default table covers: 2013-07-01 .. 2026-06-30.
FIRST_KNOWN = date(2013, 7, 1)
LAST_KNOWN = date(2026, 6, 30)


# --- worked examples (finnish-invoicing.md §7) -----------------------------------------------


def test_worked_example_b2b() -> None:
    result = late_interest(D("1000.00"), date(2026, 1, 15), date(2026, 3, 1), rule=COMMERCIAL)
    assert result.days == 45
    assert result.periods[0].annual_rate == D("10.5")
    assert result.amount == D("12.95")


def test_worked_example_consumer() -> None:
    result = late_interest(D("1000.00"), date(2026, 1, 15), date(2026, 3, 1), rule=GENERAL)
    assert result.days == 45
    assert result.periods[0].annual_rate == D("9.5")
    assert result.amount == D("11.71")


def test_general_is_the_default_rule() -> None:
    assert late_interest(D("1000.00"), date(2026, 1, 15), date(2026, 3, 1)).amount == D("11.71")


def test_interest_starts_the_day_after_the_due_date() -> None:
    result = late_interest(D("1000.00"), date(2026, 1, 15), date(2026, 1, 16))
    assert result.days == 1
    assert result.periods[0].start == result.periods[0].end == date(2026, 1, 16)
    assert result.amount == D("0.26")  # 1000 * 9.5 / 36500 = 0.2603


@pytest.mark.parametrize(
    ("half_year", "reference", "general", "commercial"),
    [
        ("2022-H1", "0.0", "7.0", "8.0"),
        ("2022-H2", "0.0", "7.0", "8.0"),
        ("2023-H1", "2.5", "9.5", "10.5"),
        ("2023-H2", "4.0", "11.0", "12.0"),
        ("2024-H1", "4.5", "11.5", "12.5"),
        ("2024-H2", "4.5", "11.5", "12.5"),
        ("2025-H1", "3.5", "10.5", "11.5"),
        ("2025-H2", "2.5", "9.5", "10.5"),
        ("2026-H1", "2.5", "9.5", "10.5"),
    ],
)
def test_penalty_rates_of_the_doc_table(
    half_year: str, reference: str, general: str, commercial: str
) -> None:
    period = HalfYear.parse(half_year)
    for day in (period.start, period.end):
        assert DEFAULT_TABLES.reference_rates.value_on(day) == D(reference)
        assert penalty_interest_rate(day) == D(general)
        assert penalty_interest_rate(day, COMMERCIAL) == D(commercial)


# --- splitting at half-years and the day count -----------------------------------------------


def test_split_at_1_july() -> None:
    result = late_interest(D("1000.00"), date(2025, 6, 20), date(2025, 7, 10), rule=COMMERCIAL)
    assert [(p.start, p.end, p.days, p.annual_rate, p.reference_rate) for p in result.periods] == [
        (date(2025, 6, 21), date(2025, 6, 30), 10, D("11.5"), D("3.5")),
        (date(2025, 7, 1), date(2025, 7, 10), 10, D("10.5"), D("2.5")),
    ]
    # 1000 * (10 * 11.5 + 10 * 10.5) / 36500 = 6.0274
    assert result.rate_days == D("220.0")
    assert result.amount == D("6.03")


def test_split_at_new_year_across_several_half_years() -> None:
    result = late_interest(D("500.00"), date(2023, 5, 31), date(2024, 1, 10))
    assert [(p.start, p.days, p.annual_rate) for p in result.periods] == [
        (date(2023, 6, 1), 30, D("9.5")),
        (date(2023, 7, 1), 184, D("11.0")),
        (date(2024, 1, 1), 10, D("11.5")),
    ]
    assert result.days == 224 == (date(2024, 1, 10) - date(2023, 5, 31)).days
    exact = D("500.00") * (30 * D("9.5") + 184 * D("11.0") + 10 * D("11.5")) / 36500
    assert result.amount == money.round_cents(exact) == D("33.21")  # 500 * 2424 / 36500


def test_leap_year_days_count_at_one_365th() -> None:
    # actual/365 in a leap year too: 366 late days earn 366/365 of the annual rate.
    result = late_interest(
        D("1000.00"), date(2023, 12, 31), date(2024, 12, 31), contract_rate=D(10)
    )
    assert result.days == 366
    assert result.amount == D("100.27")


def test_half_up_rounding_of_the_total() -> None:
    # 5.00 * 36.5 % * 1 / 365 = 0.005 exactly: half up gives 0.01 (banker's would give 0.00).
    result = late_interest(D("5.00"), date(2026, 1, 1), date(2026, 1, 2), contract_rate=D("36.5"))
    assert result.amount == D("0.01")


# --- paid in time, and bad input -------------------------------------------------------------


@pytest.mark.parametrize("paid", [date(2026, 1, 15), date(2026, 1, 14), date(2025, 12, 1)])
def test_paid_on_or_before_the_due_date_is_zero(paid: date) -> None:
    result = late_interest(D("1000.00"), date(2026, 1, 15), paid, rule=COMMERCIAL)
    assert result.amount == D("0.00")
    assert result.days == 0
    assert result.periods == ()


def test_paid_in_time_needs_no_reference_rate() -> None:
    assert late_interest(D("1.00"), date(2030, 1, 1), date(2030, 1, 1)).amount == D("0.00")


def test_zero_principal() -> None:
    assert late_interest(D("0"), date(2026, 1, 15), date(2026, 3, 1)).amount == D("0.00")


def test_negative_principal_is_refused() -> None:
    with pytest.raises(InterestPrincipalNegative) as caught:
        late_interest(D("-1.00"), date(2026, 1, 15), date(2026, 3, 1))
    assert caught.value.params["field"] == "principal"
    assert "-1.00" in caught.value.message("sv")


def test_float_principal_is_refused() -> None:
    with pytest.raises(money.NotANumber):
        late_interest(1000.0, date(2026, 1, 15), date(2026, 3, 1))  # type: ignore[arg-type]


def test_principal_with_fractions_of_a_cent_is_refused() -> None:
    with pytest.raises(money.TooManyDecimals):
        late_interest(D("1000.001"), date(2026, 1, 15), date(2026, 3, 1))


def test_a_day_without_a_rate_names_the_half_year() -> None:
    with pytest.raises(rates.ReferenceRateUnknown) as caught:
        late_interest(D("1000.00"), date(2026, 6, 20), date(2026, 7, 2))
    assert caught.value.params["half_year"] == "2026-H2"
    assert caught.value.params["start"] == "2026-07-01"
    assert caught.value.params["end"] == "2026-12-31"
    for language in ("fi", "sv", "en"):
        assert "2026-H2" in caught.value.message(language)


def test_a_day_before_the_first_known_rate_is_an_error() -> None:
    with pytest.raises(rates.ReferenceRateUnknown) as caught:
        penalty_interest_rate(FIRST_KNOWN - timedelta(days=1))
    assert caught.value.params["half_year"] == "2013-H1"


def test_the_last_rate_is_never_reused() -> None:
    with pytest.raises(rates.ReferenceRateUnknown):
        penalty_interest_rate(LAST_KNOWN + timedelta(days=1))


def test_an_operator_adds_the_next_half_year() -> None:
    tables = DEFAULT_TABLES.extended({"reference_rates": {"2026-H2": "2.0"}})
    result = late_interest(
        D("1000.00"), date(2026, 6, 20), date(2026, 7, 2), rule=COMMERCIAL, tables=tables
    )
    assert [(p.days, p.annual_rate) for p in result.periods] == [(10, D("10.5")), (2, D("10.0"))]
    # the defaults are untouched
    with pytest.raises(rates.ReferenceRateUnknown):
        penalty_interest_rate(date(2026, 7, 1))


# --- contractual rate ------------------------------------------------------------------------


def test_contract_rate_replaces_the_statutory_rate() -> None:
    result = late_interest(
        D("1000.00"), date(2026, 1, 15), date(2026, 3, 1), rule=COMMERCIAL, contract_rate=D("16")
    )
    assert result.rule is None
    assert result.contract_rate == D("16")
    assert [(p.days, p.annual_rate, p.reference_rate) for p in result.periods] == [
        (45, D("16"), None)
    ]
    assert result.amount == D("19.73")  # 1000 * 16 * 45 / 36500 = 19.7260


def test_contract_rate_needs_no_reference_rate() -> None:
    result = late_interest(D("100.00"), date(2030, 1, 1), date(2030, 12, 31), contract_rate=D(8))
    assert result.amount == D("7.98")  # 364 days


def test_negative_contract_rate_is_refused() -> None:
    with pytest.raises(InterestRateNegative) as caught:
        late_interest(D("1.00"), date(2026, 1, 1), date(2026, 2, 1), contract_rate=D("-1"))
    assert caught.value.params["field"] == "contract_rate"


# --- properties ------------------------------------------------------------------------------

known_days = st.dates(min_value=FIRST_KNOWN - timedelta(days=1), max_value=LAST_KNOWN)
principals = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@given(principals, known_days, known_days, known_days, st.sampled_from(InterestRule))
def test_interest_is_additive_over_a_split_date(
    principal: Decimal, a: date, b: date, c: date, rule: InterestRule
) -> None:
    a, b, c = sorted((a, b, c))
    whole = late_interest(principal, a, c, rule=rule)
    first = late_interest(principal, a, b, rule=rule)
    second = late_interest(principal, b, c, rule=rule)
    # the exact parts add up exactly ...
    assert whole.days == first.days + second.days == (c - a).days
    assert whole.rate_days == first.rate_days + second.rate_days
    # ... and each part is rounded once, so the rounded parts differ by at most a cent.
    assert abs(whole.amount - (first.amount + second.amount)) <= D("0.01")


@given(principals, known_days, st.integers(min_value=0, max_value=5000))
def test_zero_when_paid_on_or_before_the_due_date(
    principal: Decimal, due: date, early: int
) -> None:
    paid = due - timedelta(days=early)
    for rule in InterestRule:
        assert late_interest(principal, due, paid, rule=rule).amount == D("0.00")


@given(principals, known_days, known_days)
def test_amount_is_the_exact_sum_rounded_once(principal: Decimal, due: date, paid: date) -> None:
    general = late_interest(principal, due, paid, rule=GENERAL)
    commercial = late_interest(principal, due, paid, rule=COMMERCIAL)
    assert general.amount == money.round_cents(principal * general.rate_days / 36500)
    assert commercial.rate_days - general.rate_days == general.days  # one point more per day
    assert D(0) <= general.amount <= commercial.amount
    assert all(
        p.start <= p.end and HalfYear.of(p.start) == HalfYear.of(p.end) for p in general.periods
    )


# --- the tables ------------------------------------------------------------------------------


def test_default_reference_rates_are_contiguous_half_years() -> None:
    table = DEFAULT_TABLES.reference_rates
    half_years = [HalfYear.of(row.valid_from) for row in table.rows]
    assert half_years[0] == HalfYear(2013, 2)
    assert half_years[-1] == HalfYear(2026, 1)
    assert len(half_years) == 26
    assert all(row.source for row in table.rows)


def test_half_year() -> None:
    assert HalfYear.of(date(2026, 6, 30)) == HalfYear(2026, 1)
    assert HalfYear.of(date(2026, 7, 1)) == HalfYear(2026, 2)
    assert HalfYear.parse("2026h2") == HalfYear.parse(" 2026-H2 ") == HalfYear(2026, 2)
    assert (HalfYear(2026, 2).start, HalfYear(2026, 2).end) == (
        date(2026, 7, 1),
        date(2026, 12, 31),
    )
    assert str(HalfYear(2026, 1)) == "2026-H1"


@pytest.mark.parametrize("raw", ["2026", "2026-H3", "H1-2026", "2026-06", "0000-H1", 2026])
def test_bad_half_year(raw: object) -> None:
    with pytest.raises(rates.HalfYearFormat):
        HalfYear.parse(raw)


def test_tables_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_TABLES.reference_rates.rows = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_TABLES.reference_rates = ReferenceRateTable()  # type: ignore[misc]


def test_adding_an_existing_half_year_is_an_overlap() -> None:
    with pytest.raises(rates.RateTableOverlap):
        DEFAULT_TABLES.reference_rates.with_half_years({"2026-H1": "3.0"})


def test_skipping_a_half_year_is_a_gap() -> None:
    with pytest.raises(rates.RateTableGap) as caught:
        DEFAULT_TABLES.reference_rates.with_half_years({"2027-H1": "3.0"})
    assert caught.value.params["start"] == "2026-07-01"
    assert caught.value.params["end"] == "2026-12-31"


def test_a_reference_rate_row_must_be_a_half_year() -> None:
    row = DatedValue(date(2026, 7, 1), date(2026, 9, 30), D("2.0"))
    with pytest.raises(rates.ReferenceRateNotHalfYear):
        ReferenceRateTable(rows=(row,))
    with pytest.raises(rates.ReferenceRateNotHalfYear):
        ReferenceRateTable(rows=(DatedValue(date(2026, 7, 1), None, D("2.0")),))


def test_an_unrounded_ecb_rate_is_refused() -> None:
    with pytest.raises(rates.ReferenceRateNotHalfPoint) as caught:
        DEFAULT_TABLES.extended({"reference_rates": {"2026-H2": "2.15"}})
    assert caught.value.params["half_year"] == "2026-H2"


@pytest.mark.parametrize("value", [2.0, None, True, [2]])
def test_rates_in_settings_are_decimal_strings(value: object) -> None:
    with pytest.raises(rates.RateTableValueFormat):
        DEFAULT_TABLES.extended({"reference_rates": {"2026-H2": value}})


def test_garbage_rate_is_not_a_number() -> None:
    with pytest.raises(money.NotANumber):
        DEFAULT_TABLES.extended({"reference_rates": {"2026-H2": "two"}})


def test_reference_rates_round_trip_through_a_mapping() -> None:
    table = DEFAULT_TABLES.reference_rates
    again = ReferenceRateTable.from_half_years(table.to_half_years())
    assert [(r.valid_from, r.valid_to, r.value) for r in again.rows] == [
        (r.valid_from, r.valid_to, r.value) for r in table.rows
    ]


def test_rows_are_sorted_whatever_the_input_order() -> None:
    table = ReferenceRateTable.from_half_years({"2027-H1": "1.0", "2026-H2": "1.5"})
    assert [row.valid_from for row in table.rows] == [date(2026, 7, 1), date(2027, 1, 1)]


def test_generic_table_rules() -> None:
    jan = DatedValue(date(2026, 1, 1), date(2026, 1, 31), D(1))
    feb = DatedValue(date(2026, 2, 1), date(2026, 2, 28), D(2))
    overlapping = DatedValue(date(2026, 1, 31), date(2026, 2, 28), D(2))
    april = DatedValue(date(2026, 4, 1), None, D(4))
    assert ValidityTable("t", (feb, jan)).value_on(date(2026, 2, 14)) == D(2)
    with pytest.raises(rates.RateTableOverlap):
        ValidityTable("t", (jan, overlapping))
    with pytest.raises(rates.RateTableGap) as caught:
        ValidityTable("t", (jan, feb, april))
    assert (caught.value.params["start"], caught.value.params["end"]) == (
        "2026-03-01",
        "2026-03-31",
    )
    with pytest.raises(rates.RateTablePeriodReversed):
        ValidityTable("t", (DatedValue(date(2026, 2, 1), date(2026, 1, 1), D(1)),))
    with pytest.raises(rates.RateTableOverlap):  # an open-ended row must be the last one
        ValidityTable("t", (DatedValue(date(2026, 1, 1), None, D(1)), feb))
    with pytest.raises(rates.StatutoryAmountUnknown) as unknown:
        ValidityTable("t", (jan,)).value_on(date(2026, 2, 1))
    assert unknown.value.params == {"table": "t", "date": "2026-02-01"}


def test_extending_closes_an_open_ended_last_row() -> None:
    table = DEFAULT_TABLES.extended(
        {"recovery_compensation": [{"valid_from": "2027-01-01", "value": "50", "source": "law"}]}
    ).recovery_compensation
    assert [(r.valid_from, r.valid_to, r.value) for r in table.rows] == [
        (date(2013, 3, 16), date(2026, 12, 31), D("40.00")),
        (date(2027, 1, 1), None, D("50")),
    ]
    assert recovery_compensation(date(2026, 12, 31)) == D("40.00")
    assert DEFAULT_TABLES.recovery_compensation.rows[0].valid_to is None


def test_extending_before_an_open_ended_row_is_an_overlap() -> None:
    with pytest.raises(rates.RateTableOverlap):
        DEFAULT_TABLES.extended(
            {"business_reminder_fee_cap": [{"valid_from": "2022-05-01", "value": "10"}]}
        )


def test_amount_rows_round_trip() -> None:
    table = DEFAULT_TABLES.business_reminder_fee_cap
    assert ValidityTable.from_rows(table.name, table.to_rows()) == table


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ({"valid_from": "2027-01-01"}, rates.RateTableRowKeys),
        ({"valid_from": "2027-01-01", "value": "1", "until": "x"}, rates.RateTableRowKeys),
        ({"valid_from": "1.1.2027", "value": "1"}, rates.RateTableDateFormat),
        (
            {"valid_from": "2027-01-01", "valid_to": 20271231, "value": "1"},
            rates.RateTableDateFormat,
        ),
        ({"valid_from": "2027-01-01", "value": 1.5}, rates.RateTableValueFormat),
        ({"valid_from": "2027-01-01", "value": "1.005"}, money.TooManyDecimals),
    ],
)
def test_bad_settings_rows(row: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        DEFAULT_TABLES.extended({"consumer_reminder_fee_cap": [row]})


def test_unknown_table_name_is_refused() -> None:
    with pytest.raises(rates.StatutoryTableUnknown) as caught:
        DEFAULT_TABLES.extended({"referense_rates": {}})
    assert caught.value.params["names"] == "referense_rates"


def test_from_mapping_replaces_the_defaults() -> None:
    tables = StatutoryTables.from_mapping({"reference_rates": {"2030-H1": "1.0"}})
    assert penalty_interest_rate(date(2030, 3, 1), tables=tables) == D("8.0")
    with pytest.raises(rates.ReferenceRateUnknown):
        penalty_interest_rate(date(2026, 3, 1), tables=tables)
    with pytest.raises(rates.StatutoryAmountUnknown):
        recovery_compensation(date(2030, 3, 1), tables=tables)


# --- reminder figures ------------------------------------------------------------------------


def test_reminder_fee_caps_and_compensation() -> None:
    assert consumer_reminder_fee_cap(date(2026, 3, 1)) == D("5.00")
    assert business_reminder_fee_cap(date(2022, 5, 1)) == D("12.00")
    assert recovery_compensation(date(2026, 3, 1)) == D("40.00")


def test_no_business_reminder_cap_before_1_may_2022() -> None:
    with pytest.raises(rates.StatutoryAmountUnknown) as caught:
        business_reminder_fee_cap(date(2022, 4, 30))
    assert caught.value.params["table"] == "business_reminder_fee_cap"


def test_earliest_consumer_reminder_is_14_days_after_the_due_date() -> None:
    assert earliest_consumer_reminder_date(date(2026, 1, 15)) == date(2026, 1, 29)
