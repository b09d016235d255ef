"""Late payment interest (viivästyskorko) and the statutory reminder figures.

Pure rules, no I/O (finnish-invoicing.md §7). The dated figures (reference rates, fee caps,
the 40 euro compensation) live in :mod:`laskutin.finnish.interest_rates`, which an operator can
extend.

The rule (korkolaki 633/1982):

- 4 §: penalty interest is the reference rate + 7 percentage points a year (the general rule:
  consumers and every debt that is not commercial) -- :attr:`InterestRule.GENERAL`;
- 4 a §: + 8 points for a payment for goods or services from a business or a public procuring
  entity to a business (commercial contracts, in force since 16.3.2013) --
  :attr:`InterestRule.COMMERCIAL`;
- 12 §: the reference rate is fixed per calendar half-year, so a late period is split at
  1 January and 1 July and each part uses its own half-year's rate;
- interest runs from the day after the due date up to and including the payment date.

Day count: **actual/365**. The number of late days is counted exactly; each day earns
1/365 of the annual rate, in leap years too (a 366-day late year earns 366/365 of it). The law
states only an annual rate ("vuodessa") and no day-count convention, and the Bank of Finland
says it gives no advice on calculating the amount (suomenpankki.fi, penalty interest page).
This implementation follows actual/365 because it is the convention of the domain reference's
worked example (finnish-invoicing.md §7: 1 000.00 euro for 45 days at 10.5 % = 12.95 euro; a
360-day year would give 13.13) and of the public examples found (e.g. 300 euro x 9.5 % x 3 /
365); some accounting software divides by 360 instead (Lemonsoft's reminder formula). The
convention is therefore *not verified* against an authority.

Rounding: the exact sum over all parts is rounded once, to cents, half up
(:func:`laskutin.core.money.round_cents`, the only rounding). Split sums therefore agree with
the whole within one cent per split, and the exact ``rate_days`` add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum

from laskutin.core.errors import RuleViolation
from laskutin.core.money import ZERO, round_cents, to_decimal
from laskutin.finnish.interest_rates import DEFAULT_TABLES, HalfYear, StatutoryTables

__all__ = [
    "CONSUMER_REMINDER_MIN_DAYS",
    "DAYS_IN_YEAR",
    "MARGINS",
    "InterestPeriod",
    "InterestPrincipalNegative",
    "InterestRateNegative",
    "InterestRule",
    "LateInterest",
    "business_reminder_fee_cap",
    "consumer_reminder_fee_cap",
    "earliest_consumer_reminder_date",
    "late_interest",
    "penalty_interest_rate",
    "recovery_compensation",
]


class InterestPrincipalNegative(RuleViolation):
    code = "interest-principal-negative"
    messages = {
        "fi": "Kenttä {field}: viivästyskorkoa ei lasketa negatiiviselle pääomalle ({value}).",
        "sv": "Fältet {field}: dröjsmålsränta räknas inte på ett negativt kapital ({value}).",
        "en": "Field {field}: late interest is not computed on a negative principal ({value}).",
    }


class InterestRateNegative(RuleViolation):
    code = "interest-rate-negative"
    messages = {
        "fi": "Kenttä {field}: sovittu viivästyskorko {value} % ei voi olla negatiivinen.",
        "sv": "Fältet {field}: den avtalade dröjsmålsräntan {value} % kan inte vara negativ.",
        "en": "Field {field}: the agreed late-interest rate {value} % cannot be negative.",
    }


class InterestRule(StrEnum):
    """Which penalty-interest rule of the korkolaki applies to a debt."""

    GENERAL = "general"
    """4 §: reference rate + 7 points. Consumers and every non-commercial debt."""
    COMMERCIAL = "commercial"
    """4 a §: reference rate + 8 points. Business (or public procuring entity) paying a
    business for goods or services."""


MARGINS: dict[InterestRule, Decimal] = {
    InterestRule.GENERAL: Decimal(7),
    InterestRule.COMMERCIAL: Decimal(8),
}
"""Percentage points above the reference rate (korkolaki 4 § and 4 a §)."""

DAYS_IN_YEAR = 365
"""Day-count denominator: actual/365 (see the module docstring for the source followed)."""

CONSUMER_REMINDER_MIN_DAYS = 14
"""A fee-bearing reminder to a consumer goes out at least 14 days after the due date
(perintälaki; finnish-invoicing.md §7)."""


@dataclass(frozen=True)
class InterestPeriod:
    """Consecutive late days at one annual rate; ``start`` and ``end`` are both interest days."""

    start: date
    end: date
    annual_rate: Decimal
    """Percent a year, e.g. 10.5."""
    reference_rate: Decimal | None
    """The half-year's reference rate, or None under an agreed (contractual) rate."""

    @property
    def days(self) -> int:
        """Late days in the period, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class LateInterest:
    """Late interest on one principal, with the parts it was computed from."""

    principal: Decimal
    due_date: date
    payment_date: date
    rule: InterestRule | None
    """The statutory rule used, or None when ``contract_rate`` was agreed instead."""
    contract_rate: Decimal | None
    periods: tuple[InterestPeriod, ...]
    amount: Decimal
    """The interest in euros: principal x rate_days / 36 500, rounded once to cents."""

    @property
    def days(self) -> int:
        """Late days: from the day after the due date through the payment date."""
        return sum(period.days for period in self.periods)

    @property
    def rate_days(self) -> Decimal:
        """Sum of annual rate (percent) x days over the periods; exact, and additive."""
        return sum((period.annual_rate * period.days for period in self.periods), ZERO)


def penalty_interest_rate(
    on: date, rule: InterestRule = InterestRule.GENERAL, *, tables: StatutoryTables = DEFAULT_TABLES
) -> Decimal:
    """The statutory penalty interest rate in force on a day, percent a year.

    Reference rate of the day's half-year (korkolaki 12 §) + 7 points (4 §) or + 8 (4 a §),
    e.g. 9.5 or 10.5 in the first half of 2026. A half-year missing from the table raises
    ReferenceRateUnknown naming it. This is the figure an invoice states as its late-interest
    rate (Finvoice PaymentOverDueFinePercent).
    """
    return tables.reference_rates.value_on(on) + MARGINS[InterestRule(rule)]


def late_interest(
    principal: Decimal,
    due_date: date,
    payment_date: date,
    *,
    rule: InterestRule = InterestRule.GENERAL,
    contract_rate: Decimal | None = None,
    tables: StatutoryTables = DEFAULT_TABLES,
) -> LateInterest:
    """Late interest on ``principal`` paid on ``payment_date`` for a debt due on ``due_date``.

    Rule: korkolaki 4 § (+7) or 4 a § (+8) over the 12 § reference rate, split at the half-year
    boundaries; interest runs from the day after the due date through the payment date
    (finnish-invoicing.md §7). Day count actual/365 and one rounding to cents, half up: see the
    module docstring, which names the source followed for this unverified convention.

    Paid on or before the due date: no late days, amount 0.00 (not an error: paying early is
    the normal case). ``contract_rate`` (percent a year) is a penalty-interest rate the parties
    agreed instead of the statutory one; it applies to every late day and needs no reference
    rate. Whether an agreed rate is allowed (e.g. not above the statutory one against a
    consumer, korkolaki 2 §) is the caller's decision.

    Errors: InterestPrincipalNegative, InterestRateNegative, ReferenceRateUnknown (a late day
    in a half-year the table lacks), NotANumber / TooManyDecimals for an unusable amount.
    """
    principal = to_decimal(principal, field="principal", max_places=2)
    if principal < 0:
        raise InterestPrincipalNegative(field="principal", value=principal)
    rate = None
    if contract_rate is not None:
        rate = to_decimal(contract_rate, field="contract_rate", max_places=4)
        if rate < 0:
            raise InterestRateNegative(field="contract_rate", value=rate)
    statutory = InterestRule(rule) if rate is None else None

    first = due_date + timedelta(days=1)
    periods: tuple[InterestPeriod, ...] = ()
    if payment_date >= first:
        if rate is not None:
            periods = (InterestPeriod(first, payment_date, rate, None),)
        else:
            assert statutory is not None
            periods = tuple(_statutory_periods(first, payment_date, statutory, tables))

    rate_days = sum((period.annual_rate * period.days for period in periods), ZERO)
    with localcontext() as exact:
        exact.prec = 60  # products stay exact for any realistic amount; only the division rounds
        unrounded = principal * rate_days / (100 * DAYS_IN_YEAR)
    return LateInterest(
        principal=principal,
        due_date=due_date,
        payment_date=payment_date,
        rule=statutory,
        contract_rate=rate,
        periods=periods,
        amount=round_cents(unrounded),
    )


def _statutory_periods(
    first: date, last: date, rule: InterestRule, tables: StatutoryTables
) -> list[InterestPeriod]:
    """One period per half-year touched by [first, last], each at its half-year's rate."""
    periods = []
    start = first
    while start <= last:
        end = min(last, HalfYear.of(start).end)
        reference = tables.reference_rates.value_on(start)
        periods.append(InterestPeriod(start, end, reference + MARGINS[rule], reference))
        start = end + timedelta(days=1)
    return periods


def consumer_reminder_fee_cap(on: date, *, tables: StatutoryTables = DEFAULT_TABLES) -> Decimal:
    """Most a consumer can be charged for one written payment reminder sent on ``on``.

    5.00 euro (perintälaki, kuluttajasaatavat; finnish-invoicing.md §7), and only for a reminder
    sent at least 14 days after the due date (:func:`earliest_consumer_reminder_date`). The
    table starts 16.3.2013; an earlier day raises StatutoryAmountUnknown.
    """
    return tables.consumer_reminder_fee_cap.value_on(on)


def business_reminder_fee_cap(on: date, *, tables: StatutoryTables = DEFAULT_TABLES) -> Decimal:
    """Most a business debtor can be charged for one written payment reminder sent on ``on``.

    12.00 euro since 1.5.2022 (perintälaki as amended, HE 241/2021; finnish-invoicing.md §7).
    Before that the law set no euro cap, so an earlier day raises StatutoryAmountUnknown.
    Whether own reminder fees may be charged on top of the 40 euro compensation is unverified
    (§7); the safe default is one or the other.
    """
    return tables.business_reminder_fee_cap.value_on(on)


def recovery_compensation(on: date, *, tables: StatutoryTables = DEFAULT_TABLES) -> Decimal:
    """The fixed compensation for recovery costs when a business pays a business late.

    40.00 euro per late invoice (perintälaki 10 e §, from the late payment directive; in force
    16.3.2013; finnish-invoicing.md §7). ``on`` is the first late day.
    """
    return tables.recovery_compensation.value_on(on)


def earliest_consumer_reminder_date(due_date: date) -> date:
    """The first day a fee-bearing reminder may be sent to a consumer: due date + 14 days.

    Perintälaki (finnish-invoicing.md §7: "sent at least 14 days after the due date").
    """
    return due_date + timedelta(days=CONSUMER_REMINDER_MIN_DAYS)
