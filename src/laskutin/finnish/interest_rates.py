"""Dated statutory figures for late payment: reference rates, reminder-fee caps, compensation.

Pure data and the small immutable table type that holds it (finnish-invoicing.md §7). Each
figure is valid for a period; a table refuses overlapping or gapped periods, and a date that no
row covers is a named error, never a silent reuse of the last row.

An operator adds the next half-year's reference rate (the Bank of Finland publishes it at the
end of June and of December) without a release, from a settings mapping such as::

    {"reference_rates": {"2026-H2": "2.0"}}

passed to :meth:`StatutoryTables.extended`; :meth:`StatutoryTables.from_mapping` replaces the
tables instead. Numbers in settings are strings or integers: floats are refused (core/money).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import ClassVar, Self

from laskutin.core.errors import RuleViolation
from laskutin.core.money import to_decimal

__all__ = [
    "DEFAULT_TABLES",
    "DatedValue",
    "HalfYear",
    "HalfYearFormat",
    "RateTableDateFormat",
    "RateTableGap",
    "RateTableOverlap",
    "RateTablePeriodReversed",
    "RateTableRowKeys",
    "RateTableValueFormat",
    "ReferenceRateNotHalfPoint",
    "ReferenceRateNotHalfYear",
    "ReferenceRateTable",
    "ReferenceRateUnknown",
    "StatutoryAmountUnknown",
    "StatutoryTableUnknown",
    "StatutoryTables",
    "ValidityTable",
]

# --- errors ----------------------------------------------------------------------------------
# {table} is the table's settings key (e.g. reference_rates), so an operator can find the row.


class HalfYearFormat(RuleViolation):
    code = "rate-table-half-year-format"
    messages = {
        "fi": "Taulukko {table}: {value!r} ei ole vuosipuolisko. Kirjoita esim. 2026-H1 tai "
        "2026-H2.",
        "sv": "Tabellen {table}: {value!r} är inget halvår. Skriv t.ex. 2026-H1 eller 2026-H2.",
        "en": "Table {table}: {value!r} is not a half-year. Write e.g. 2026-H1 or 2026-H2.",
    }


class RateTableDateFormat(RuleViolation):
    code = "rate-table-date-format"
    messages = {
        "fi": "Taulukko {table}, kenttä {field}: {value!r} ei ole päivämäärä (VVVV-KK-PP).",
        "sv": "Tabellen {table}, fältet {field}: {value!r} är inget datum (ÅÅÅÅ-MM-DD).",
        "en": "Table {table}, field {field}: {value!r} is not a date (YYYY-MM-DD).",
    }


class RateTableRowKeys(RuleViolation):
    code = "rate-table-row-keys"
    messages = {
        "fi": "Taulukko {table}: rivillä on oltava valid_from ja value, ja se voi sisältää "
        "valid_to ja source; nyt siinä on {keys}.",
        "sv": "Tabellen {table}: en rad ska ha valid_from och value och kan ha valid_to och "
        "source; nu har den {keys}.",
        "en": "Table {table}: a row needs valid_from and value and may have valid_to and "
        "source; this one has {keys}.",
    }


class RateTablePeriodReversed(RuleViolation):
    code = "rate-table-period-reversed"
    messages = {
        "fi": "Taulukko {table}: voimassaolo päättyy ({valid_to}) ennen kuin se alkaa "
        "({valid_from}).",
        "sv": "Tabellen {table}: giltigheten slutar ({valid_to}) innan den börjar ({valid_from}).",
        "en": "Table {table}: a row ends ({valid_to}) before it starts ({valid_from}).",
    }


class RateTableOverlap(RuleViolation):
    code = "rate-table-overlap"
    messages = {
        "fi": "Taulukko {table}: voimassaolot {first} ja {second} menevät päällekkäin.",
        "sv": "Tabellen {table}: giltighetstiderna {first} och {second} överlappar.",
        "en": "Table {table}: the periods {first} and {second} overlap.",
    }


class RateTableGap(RuleViolation):
    code = "rate-table-gap"
    messages = {
        "fi": "Taulukko {table}: ajalle {start} – {end} ei ole arvoa; jaksojen on jatkuttava "
        "aukotta.",
        "sv": "Tabellen {table}: inget värde gäller för {start} – {end}; perioderna måste följa "
        "på varandra utan lucka.",
        "en": "Table {table}: no value covers {start} – {end}; periods must follow each other "
        "without a gap.",
    }


class RateTableValueFormat(RuleViolation):
    code = "rate-table-value-format"
    messages = {
        "fi": "Taulukko {table}, kohta {key}: {value!r} on kirjoitettava desimaalilukuna "
        'merkkijonona, esim. "2.5" (ei liukulukuna).',
        "sv": "Tabellen {table}, posten {key}: {value!r} ska skrivas som ett decimaltal i en "
        'sträng, t.ex. "2.5" (inte som flyttal).',
        "en": 'Table {table}, entry {key}: write {value!r} as a decimal string such as "2.5" '
        "(not a floating-point number).",
    }


class StatutoryTableUnknown(RuleViolation):
    code = "statutory-table-unknown"
    messages = {
        "fi": "Tuntematon taulukko: {names}. Tunnetut: {known}.",
        "sv": "Okänd tabell: {names}. Kända: {known}.",
        "en": "Unknown table: {names}. Known: {known}.",
    }


class ReferenceRateNotHalfYear(RuleViolation):
    code = "reference-rate-not-half-year"
    messages = {
        "fi": "Viitekorko on voimassa kokonaisen vuosipuoliskon (1.1.–30.6. tai 1.7.–31.12.), "
        "ei ajan {period}.",
        "sv": "Referensräntan gäller ett helt halvår (1.1–30.6 eller 1.7–31.12), inte perioden "
        "{period}.",
        "en": "A reference rate is valid for a whole half-year (1 Jan – 30 Jun or 1 Jul – "
        "31 Dec), not for {period}.",
    }


class ReferenceRateNotHalfPoint(RuleViolation):
    code = "reference-rate-not-half-point"
    messages = {
        "fi": "Viitekorko {value} % ajalle {half_year} ei ole puolen prosenttiyksikön "
        "monikerta (korkolaki 12 § pyöristää ylöspäin seuraavaan puoleen "
        "prosenttiyksikköön).",
        "sv": "Referensräntan {value} % för {half_year} är ingen multipel av en halv "
        "procentenhet (räntelagen 12 § avrundar uppåt till närmaste halva procentenhet).",
        "en": "The reference rate {value} % for {half_year} is not a multiple of half a "
        "percentage point (Interest Act section 12 rounds up to the next half point).",
    }


class ReferenceRateUnknown(RuleViolation):
    code = "reference-rate-unknown"
    messages = {
        "fi": "Viitekorkoa ei tunneta ajalle {half_year} ({start} – {end}), jota päivä {date} "
        "tarvitsee. Suomen Pankki julkaisee sen edellisen vuosipuoliskon lopussa, ja ylläpito "
        "lisää sen viitekorkotaulukkoon.",
        "sv": "Referensräntan för {half_year} ({start} – {end}), som dagen {date} behöver, är "
        "inte känd. Finlands Bank publicerar den i slutet av föregående halvår, och "
        "administratören lägger till den i referensräntetabellen.",
        "en": "The reference rate for {half_year} ({start} – {end}), needed for {date}, is not "
        "known. The Bank of Finland publishes it at the end of the preceding half-year, and an "
        "operator adds it to the reference-rate table.",
    }


class StatutoryAmountUnknown(RuleViolation):
    code = "statutory-amount-unknown"
    messages = {
        "fi": "Taulukossa {table} ei ole arvoa päivälle {date}.",
        "sv": "Tabellen {table} har inget värde för dagen {date}.",
        "en": "Table {table} has no value for {date}.",
    }


# --- half-years ------------------------------------------------------------------------------

_HALF_YEAR = re.compile(r"(?P<year>[0-9]{4})-?H(?P<half>[12])", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class HalfYear:
    """A calendar half-year: H1 is 1 Jan – 30 Jun, H2 is 1 Jul – 31 Dec (korkolaki 12 §)."""

    year: int
    half: int

    def __post_init__(self) -> None:
        if self.half not in (1, 2) or not 1 <= self.year <= 9999:
            raise ValueError(f"not a half-year: {self.year} H{self.half}")

    @classmethod
    def of(cls, day: date) -> HalfYear:
        """The half-year containing ``day``."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: object, *, table: str = "reference_rates") -> HalfYear:
        """``2026-H2`` (also ``2026H2``, any case) -> HalfYear(2026, 2)."""
        match = _HALF_YEAR.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None or int(match["year"]) < 1:
            raise HalfYearFormat(table=table, value=text)
        return cls(int(match["year"]), int(match["half"]))

    @property
    def start(self) -> date:
        """First day: 1 January or 1 July."""
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        """Last day: 30 June or 31 December."""
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


# --- the table type --------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedValue:
    """One figure and the days it is valid: ``valid_from`` through ``valid_to`` inclusive.

    ``valid_to=None`` means "until further notice": the statutory amounts that stay until the
    law changes. ``source`` names where the figure comes from.
    """

    valid_from: date
    valid_to: date | None
    value: Decimal
    source: str = ""

    def covers(self, day: date) -> bool:
        """True when ``day`` lies within the period, both ends included."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def period(self) -> str:
        """The period as text, e.g. ``2026-01-01 – 2026-06-30`` (open end: ``2022-05-01 –``)."""
        end = self.valid_to.isoformat() if self.valid_to is not None else ""
        return f"{self.valid_from.isoformat()} – {end}".rstrip()


_ROW_KEYS = frozenset({"valid_from", "valid_to", "value", "source"})


@dataclass(frozen=True)
class ValidityTable:
    """An immutable table of dated values whose periods follow each other without overlap or gap.

    Construction sorts the rows and refuses reversed periods (RateTablePeriodReversed),
    overlapping ones (RateTableOverlap; an open-ended row overlaps every later one) and gaps
    (RateTableGap). ``name`` is the table's settings key, used in error messages.
    """

    name: str
    rows: tuple[DatedValue, ...] = ()

    def __post_init__(self) -> None:
        rows = tuple(sorted(self.rows, key=lambda row: row.valid_from))
        object.__setattr__(self, "rows", rows)
        for row in rows:
            if row.valid_to is not None and row.valid_to < row.valid_from:
                raise RateTablePeriodReversed(
                    table=self.name,
                    valid_from=row.valid_from.isoformat(),
                    valid_to=row.valid_to.isoformat(),
                )
            self._check_row(row)
        for before, after in pairwise(rows):
            if before.valid_to is None or after.valid_from <= before.valid_to:
                raise RateTableOverlap(table=self.name, first=before.period, second=after.period)
            if after.valid_from != before.valid_to + timedelta(days=1):
                raise RateTableGap(
                    table=self.name,
                    start=(before.valid_to + timedelta(days=1)).isoformat(),
                    end=(after.valid_from - timedelta(days=1)).isoformat(),
                )

    def _check_row(self, row: DatedValue) -> None:
        """Per-row rules of a kind of table; none for a plain table."""

    def _unknown(self, day: date) -> RuleViolation:
        return StatutoryAmountUnknown(table=self.name, date=day.isoformat())

    def row_on(self, day: date) -> DatedValue:
        """The row valid on ``day``; a day no row covers is an error, never the nearest row."""
        for row in self.rows:
            if row.covers(day):
                return row
        raise self._unknown(day)

    def value_on(self, day: date) -> Decimal:
        """The value valid on ``day`` (see :meth:`row_on`)."""
        return self.row_on(day).value

    def extended(self, rows: Iterable[DatedValue]) -> Self:
        """A new table with ``rows`` added; this one is unchanged.

        The rows must continue the table without overlap or gap. One convenience: when the
        table ends in an open-ended row ("until further notice") and the new rows start after
        its first day, that row is closed the day before they start, which is what a new figure
        from a given date means.
        """
        added = tuple(rows)
        existing = list(self.rows)
        if added and existing and existing[-1].valid_to is None:
            first_new = min(row.valid_from for row in added)
            last = existing[-1]
            if first_new > last.valid_from:
                existing[-1] = DatedValue(
                    last.valid_from, first_new - timedelta(days=1), last.value, last.source
                )
        return type(self)(name=self.name, rows=(*existing, *added))

    @classmethod
    def from_rows(cls, name: str, rows: Iterable[Mapping[str, object]]) -> Self:
        """A table from settings rows ``{"valid_from": "2022-05-01", "value": "12.00"}``.

        Optional keys: ``valid_to`` (inclusive; absent or null = until further notice) and
        ``source``. Values are decimal strings or integers, at most two decimals.
        """
        return cls(name=name, rows=tuple(_parse_row(name, row) for row in rows))

    def to_rows(self) -> list[dict[str, str | None]]:
        """The rows in the shape :meth:`from_rows` reads."""
        return [
            {
                "valid_from": row.valid_from.isoformat(),
                "valid_to": row.valid_to.isoformat() if row.valid_to is not None else None,
                "value": str(row.value),
                "source": row.source,
            }
            for row in self.rows
        ]


def _parse_date(table: str, key: str, raw: object) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise RateTableDateFormat(table=table, field=key, value=raw)


def _decimal(raw: object, *, table: str, key: str) -> Decimal:
    """A figure from settings: a decimal string or an integer, at most two decimals."""
    if not isinstance(raw, (str, int, Decimal)) or isinstance(raw, bool):
        raise RateTableValueFormat(table=table, key=key, value=raw)
    return to_decimal(raw, field=f"{table}.{key}", max_places=2)


def _parse_row(table: str, row: Mapping[str, object]) -> DatedValue:
    keys = set(row)
    if not {"valid_from", "value"} <= keys <= _ROW_KEYS:
        raise RateTableRowKeys(table=table, keys=", ".join(sorted(map(str, keys))) or "-")
    raw_to = row.get("valid_to")
    value = row["value"]
    return DatedValue(
        valid_from=_parse_date(table, "valid_from", row["valid_from"]),
        valid_to=None if raw_to is None else _parse_date(table, "valid_to", raw_to),
        value=_decimal(value, table=table, key=str(row["valid_from"])),
        source=str(row.get("source") or "settings"),
    )


_HALF_POINT = Decimal("0.5")


@dataclass(frozen=True)
class ReferenceRateTable(ValidityTable):
    """Reference rates (viitekorko, korkolaki 12 §): one row per whole half-year, in percent.

    Besides the table rules, each row must be exactly one half-year and a multiple of half a
    percentage point (12 § rounds the ECB rate up to the next half point), which catches an
    ECB rate typed unrounded. A day without a row raises ReferenceRateUnknown naming the
    half-year.
    """

    name: str = "reference_rates"

    def _check_row(self, row: DatedValue) -> None:
        half_year = HalfYear.of(row.valid_from)
        if row.valid_from != half_year.start or row.valid_to != half_year.end:
            raise ReferenceRateNotHalfYear(period=row.period)
        if row.value % _HALF_POINT != 0:
            raise ReferenceRateNotHalfPoint(value=row.value, half_year=str(half_year))

    def _unknown(self, day: date) -> RuleViolation:
        half_year = HalfYear.of(day)
        return ReferenceRateUnknown(
            half_year=str(half_year),
            start=half_year.start.isoformat(),
            end=half_year.end.isoformat(),
            date=day.isoformat(),
        )

    def rate_for(self, half_year: HalfYear) -> Decimal:
        """The reference rate of a half-year, in percent."""
        return self.value_on(half_year.start)

    def with_half_years(self, rates: Mapping[str, object], *, source: str = "settings") -> Self:
        """A new table with half-years added, e.g. ``{"2026-H2": "2.0"}`` (see extended)."""
        return self.extended(_half_year_rows(self.name, rates, source))

    @classmethod
    def from_half_years(
        cls, rates: Mapping[str, object], *, source: str = "settings", name: str = "reference_rates"
    ) -> Self:
        """A table from ``{"2026-H1": "2.5", "2026-H2": "2.0"}`` (percent, as strings)."""
        return cls(name=name, rows=_half_year_rows(name, rates, source))

    def to_half_years(self) -> dict[str, str]:
        """The table in the shape :meth:`from_half_years` reads."""
        return {str(HalfYear.of(row.valid_from)): str(row.value) for row in self.rows}


def _half_year_rows(table: str, rates: Mapping[str, object], source: str) -> tuple[DatedValue, ...]:
    rows = []
    for key, raw in rates.items():
        half_year = HalfYear.parse(key, table=table)
        value = _decimal(raw, table=table, key=str(half_year))
        rows.append(DatedValue(half_year.start, half_year.end, value, source))
    return tuple(rows)


# --- the default data ------------------------------------------------------------------------

_BOF_TABLE = (
    "Bank of Finland statistics, 'Reference rate and penalty interest rates' "
    "(reports.suomenpankki.fi, viitekorko_en)"
)


def _half_year(text: str, rate: str, source: str) -> DatedValue:
    half_year = HalfYear.parse(text)
    return DatedValue(half_year.start, half_year.end, Decimal(rate), source)


_REFERENCE_RATES = ReferenceRateTable(
    rows=(
        # 2013 H2 - 2016 H1: 0.5 %; 2016 H2 - 2022 H2: 0.0 % (ECB MRO at 0 % from March 2016).
        *(
            _half_year(f"{year}-H{half}", "0.5", _BOF_TABLE)
            for year, half in ((2013, 2), (2014, 1), (2014, 2), (2015, 1), (2015, 2), (2016, 1))
        ),
        _half_year("2016-H2", "0.0", _BOF_TABLE),
        *(
            _half_year(f"{year}-H{half}", "0.0", _BOF_TABLE)
            for year in range(2017, 2022)
            for half in (1, 2)
        ),
        _half_year("2022-H1", "0.0", _BOF_TABLE),
        _half_year("2022-H2", "0.0", "SDK 519/2022 (Finlands Banks meddelande, 28.6.2022)"),
        _half_year("2023-H1", "2.5", "SDK 1276/2022 (Suomen Pankin ilmoitus)"),
        _half_year("2023-H2", "4.0", _BOF_TABLE),
        _half_year("2024-H1", "4.5", "Bank of Finland release 22.12.2023"),
        _half_year("2024-H2", "4.5", "Bank of Finland notice 25.6.2024 (Suomen säädöskokoelma)"),
        _half_year("2025-H1", "3.5", "Bank of Finland release (sttinfo.fi, 1.1.-30.6.2025)"),
        # Not found in a published notice: derived by the 12 § rule from the ECB main
        # refinancing rate 2.15 % (from 11.6.2025), rounded up to the next half point.
        _half_year("2025-H2", "2.5", "derived (finnish-invoicing.md §7): ECB MRO 2.15 % -> 2.5"),
        _half_year("2026-H1", "2.5", "Bank of Finland release (sttinfo.fi, 1.1.-30.6.2026)"),
        # 2026-H2 is left out on purpose: published end of June 2026, not verified here.
        # An operator adds it through settings (StatutoryTables.extended).
    )
)

_CONSUMER_REMINDER_FEE_CAP = ValidityTable(
    name="consumer_reminder_fee_cap",
    rows=(
        DatedValue(
            date(2013, 3, 16),
            None,
            Decimal("5.00"),
            # The 5 euro cap per written reminder is in force (ikassa.fi, cash-in.com); the
            # table starts with the 2013 reform of the consumer caps (HE 57/2012, in force
            # 16.3.2013). Whether 5 euro also applied before that is unverified.
            "perintälaki 10 a § (as amended in force 16.3.2013, HE 57/2012)",
        ),
    ),
)

_BUSINESS_REMINDER_FEE_CAP = ValidityTable(
    name="business_reminder_fee_cap",
    rows=(
        DatedValue(
            date(2022, 5, 1),
            None,
            Decimal("12.00"),
            "perintälaki as amended in force 1.5.2022 (HE 241/2021; procountor.fi, yrittajat.fi)",
        ),
    ),
)

_RECOVERY_COMPENSATION = ValidityTable(
    name="recovery_compensation",
    rows=(
        DatedValue(
            date(2013, 3, 16),
            None,
            Decimal("40.00"),
            "perintälaki 10 e § (HE 57/2012, late payment directive 2011/7/EU; in force 16.3.2013)",
        ),
    ),
)


@dataclass(frozen=True)
class StatutoryTables:
    """Every dated figure the late-payment rules need, as one immutable bundle.

    ``reference_rates``: korkolaki 12 § reference rate per half-year (percent).
    ``consumer_reminder_fee_cap``: most a consumer pays per written reminder (perintälaki).
    ``business_reminder_fee_cap``: most a business debtor pays per written reminder.
    ``recovery_compensation``: fixed compensation for a late B2B payment (perintälaki 10 e §).
    """

    reference_rates: ReferenceRateTable = _REFERENCE_RATES
    consumer_reminder_fee_cap: ValidityTable = _CONSUMER_REMINDER_FEE_CAP
    business_reminder_fee_cap: ValidityTable = _BUSINESS_REMINDER_FEE_CAP
    recovery_compensation: ValidityTable = _RECOVERY_COMPENSATION

    _AMOUNT_TABLES: ClassVar[tuple[str, ...]] = (
        "consumer_reminder_fee_cap",
        "business_reminder_fee_cap",
        "recovery_compensation",
    )

    def extended(self, settings: Mapping[str, object]) -> StatutoryTables:
        """New tables with an operator's rows added to these (these are unchanged).

        ``settings`` maps table names to additions: ``reference_rates`` to
        ``{"2026-H2": "2.0"}``, each amount table to a list of rows
        (``[{"valid_from": "2027-01-01", "value": "15.00"}]``). Unknown names are refused.
        """
        return self._build(settings, base=self)

    @classmethod
    def from_mapping(cls, settings: Mapping[str, object]) -> StatutoryTables:
        """Tables built only from ``settings`` (same shape as :meth:`extended`), replacing the
        defaults; a table not named is empty, so every lookup in it is a named error."""
        return cls._build(settings, base=None)

    @classmethod
    def _build(
        cls, settings: Mapping[str, object], base: StatutoryTables | None
    ) -> StatutoryTables:
        known = ("reference_rates", *cls._AMOUNT_TABLES)
        unknown = set(settings) - set(known)
        if unknown:
            raise StatutoryTableUnknown(
                names=", ".join(sorted(map(str, unknown))), known=", ".join(known)
            )
        rates = settings.get("reference_rates", {})
        if not isinstance(rates, Mapping):
            raise HalfYearFormat(table="reference_rates", value=rates)
        reference = (
            base.reference_rates.with_half_years(rates)
            if base is not None
            else ReferenceRateTable.from_half_years(rates)
        )
        tables: dict[str, ValidityTable] = {}
        for name in cls._AMOUNT_TABLES:
            raw_rows = settings.get(name, [])
            if not isinstance(raw_rows, Iterable) or isinstance(raw_rows, (str, Mapping)):
                raise RateTableRowKeys(table=name, keys=type(raw_rows).__name__)
            rows = ValidityTable.from_rows(name, _mappings(name, raw_rows)).rows
            current: ValidityTable = (
                getattr(base, name) if base is not None else ValidityTable(name)
            )
            tables[name] = current.extended(rows)
        return cls(
            reference_rates=reference,
            consumer_reminder_fee_cap=tables["consumer_reminder_fee_cap"],
            business_reminder_fee_cap=tables["business_reminder_fee_cap"],
            recovery_compensation=tables["recovery_compensation"],
        )


def _mappings(table: str, rows: Iterable[object]) -> list[Mapping[str, object]]:
    result = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise RateTableRowKeys(table=table, keys=type(row).__name__)
        result.append(row)
    return result


DEFAULT_TABLES = StatutoryTables()
"""The figures built into this release (sources on each row)."""
