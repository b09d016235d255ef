"""finnish/vat: rates by date and class (finnish-invoicing.md §5), categories and notes (§4)."""

from __future__ import annotations

import ast
import itertools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.finnish import lines, totals, vat
from laskutin.finnish.vat import PartyId, RateClass, VatCategory

GENERAL = RateClass.GENERAL
FOOD = RateClass.FOODSTUFFS_RESTAURANTS
BOOKS = RateClass.BOOKS_MEDICINES_CULTURE_TRANSPORT
PRESS = RateClass.NEWSPAPERS_PERIODICALS
YLE = RateClass.PUBLIC_BROADCASTING
POWER = RateClass.ELECTRICITY
HYGIENE = RateClass.MENSTRUAL_INCONTINENCE_DIAPERS


@pytest.mark.parametrize(
    ("rate_class", "day", "rate"),
    [
        (GENERAL, "2013-01-01", "24"),
        (GENERAL, "2024-08-31", "24"),
        (GENERAL, "2024-09-01", "25.5"),
        (GENERAL, "2026-06-01", "25.5"),
        (FOOD, "2024-12-31", "14"),
        (FOOD, "2025-12-31", "14"),
        (FOOD, "2026-01-01", "13.5"),
        (BOOKS, "2024-12-31", "10"),  # books, medicines, transport... at 10 % to 2024
        (BOOKS, "2025-01-01", "14"),  # HE 141/2024
        (BOOKS, "2025-12-31", "14"),
        (BOOKS, "2026-01-01", "13.5"),  # HE 93/2025
        (PRESS, "2024-12-31", "10"),
        (PRESS, "2025-06-01", "10"),
        (PRESS, "2026-01-01", "10"),  # from 2026 the only 10 % class
        (YLE, "2025-12-31", "10"),
        (YLE, "2026-01-01", "13.5"),  # moved from 10 % (HE 93/2025)
        (POWER, "2022-11-30", "24"),
        (POWER, "2022-12-01", "10"),  # temporary electricity rate, HE 194/2022
        (POWER, "2023-04-30", "10"),
        (POWER, "2023-05-01", "24"),
        (POWER, "2024-09-01", "25.5"),
        (HYGIENE, "2024-12-31", "25.5"),
        (HYGIENE, "2025-01-01", "14"),  # moved from the general rate in 2025
        (HYGIENE, "2026-01-01", "13.5"),
    ],
)
def test_rates_of_section_5(rate_class: RateClass, day: str, rate: str) -> None:
    assert vat.vat_rate(rate_class, date.fromisoformat(day)) == Decimal(rate)


def test_everything_at_14_on_new_years_eve_2025_is_13_5_in_2026_plus_yle() -> None:
    before, after = vat.rates_on(date(2025, 12, 31)), vat.rates_on(date(2026, 1, 1))
    moved = {cls for cls in RateClass if after[cls] == Decimal("13.5")}
    assert moved == {cls for cls in RateClass if before[cls] == 14} | {YLE}


def test_rate_classes_take_their_names_as_strings() -> None:
    assert vat.vat_rate("foodstuffs_restaurants", date(2026, 1, 1)) == Decimal("13.5")


def test_advance_payment_keeps_the_rate_of_the_day_it_was_received() -> None:
    # §5: a 14 % prepayment received in 2025 stays at 14 %; the payment date is its tax point.
    received = date(2025, 12, 15)
    assert vat.vat_rate(FOOD, vat.tax_point(date(2025, 12, 16), received)) == 14


def test_tax_point_is_the_delivery_date_else_the_invoice_date() -> None:
    assert vat.tax_point(date(2026, 1, 5)) == date(2026, 1, 5)
    assert vat.tax_point(date(2026, 1, 5), date(2025, 12, 20)) == date(2025, 12, 20)


def test_a_date_before_the_table_raises_a_named_error() -> None:
    with pytest.raises(vat.NoVatRateOnDate) as caught:
        vat.vat_rate(GENERAL, date(2012, 12, 31), field="lines.0.delivery_date")
    assert caught.value.params["field"] == "lines.0.delivery_date"
    assert str(caught.value) == (
        "Field lines.0.delivery_date: no known VAT rate (general) for the date 2012-12-31."
    )
    assert "2012-12-31" in caught.value.message("fi")


def test_an_unknown_rate_class_raises_a_named_error() -> None:
    with pytest.raises(vat.UnknownRateClass) as caught:
        vat.vat_rate("luxury", date(2025, 1, 1))
    assert caught.value.params["value"] == "luxury"


def test_rate_rows_of_each_class_follow_each_other_without_gaps_or_overlaps() -> None:
    for cls in RateClass:
        rows = [row for row in vat.VAT_RATES if row.rate_class is cls]
        assert rows[0].valid_from == date(2013, 1, 1), cls
        assert rows[-1].valid_to is None, cls
        for earlier, later in itertools.pairwise(rows):
            assert earlier.valid_to is not None
            assert later.valid_from == earlier.valid_to + timedelta(days=1), cls


@given(st.dates(min_value=date(2013, 1, 1), max_value=date(2100, 12, 31)))
def test_every_class_has_exactly_one_rate_on_any_day_since_2013(day: date) -> None:
    for cls in RateClass:
        assert sum(row.applies_on(day) for row in vat.VAT_RATES if row.rate_class is cls) == 1


def test_categories_are_the_en_16931_codes() -> None:
    assert {c.value for c in VatCategory} == {"S", "Z", "E", "AE", "K", "G", "O"}
    assert vat.parse_vat_category("AE") is VatCategory.REVERSE_CHARGE
    with pytest.raises(vat.UnknownVatCategory):
        vat.parse_vat_category("X", field="lines.1.category")


def test_every_ground_has_a_note_in_three_languages_and_a_fitting_vatex_code() -> None:
    vatex_of_category = {  # PEPPOL-EN16931-P0104..P0108, and BR-Z-10: no reason for Z
        VatCategory.REVERSE_CHARGE: "VATEX-EU-AE",
        VatCategory.INTRA_COMMUNITY_SUPPLY: "VATEX-EU-IC",
        VatCategory.EXPORT_OUTSIDE_EU: "VATEX-EU-G",
        VatCategory.NOT_SUBJECT_TO_VAT: "VATEX-EU-O",
        VatCategory.ZERO_RATED: None,
    }
    for key, ground in vat.VAT_GROUNDS.items():
        assert ground.key == key
        assert ground.category is not VatCategory.STANDARD
        assert set(ground.notes) == {"fi", "sv", "en"}
        assert all(note.strip() for note in ground.notes.values())
        if ground.category is VatCategory.EXEMPT:
            assert str(ground.vatex).startswith(("VATEX-EU-132", "VATEX-EU-135"))
            assert "AVL" in ground.note("fi")
            assert "art." in ground.note("en")
        else:
            assert ground.vatex == vatex_of_category[ground.category]


def test_construction_reverse_charge_prints_the_words_of_avl_209e() -> None:
    ground = vat.VAT_GROUNDS["construction_reverse_charge"]
    assert ground.note("fi") == "Käännetty verovelvollisuus (AVL 8 c §)"
    assert ground.note("sv").startswith("Omvänd skattskyldighet")
    assert ground.note("en").startswith("Reverse charge")
    assert ground.buyer_ids == {PartyId.BUSINESS_ID}  # §4: the buyer's Y-tunnus


@pytest.mark.parametrize(
    ("key", "buyer_ids", "seller_ids"),
    [
        ("eu_services_reverse_charge", {PartyId.VAT_ID}, {PartyId.VAT_ID}),
        ("intra_community_supply", {PartyId.VAT_ID}, {PartyId.VAT_ID}),  # §4: both VAT numbers
        ("export_outside_eu", set(), {PartyId.BUSINESS_ID}),
        ("small_business", set(), {PartyId.BUSINESS_ID}),
    ],
)
def test_grounds_name_the_ids_the_invoice_needs(
    key: str, buyer_ids: set[PartyId], seller_ids: set[PartyId]
) -> None:
    ground = vat.VAT_GROUNDS[key]
    assert ground.buyer_ids == buyer_ids
    assert ground.seller_ids == seller_ids


def test_exemption_notes_cite_the_law() -> None:
    assert "AVL 72 a §" in vat.VAT_GROUNDS["intra_community_supply"].note("fi")
    assert "art. 138" in vat.VAT_GROUNDS["intra_community_supply"].note("en")
    assert "AVL 70 §" in vat.VAT_GROUNDS["export_outside_eu"].note("fi")
    assert "vähäinen toiminta" in vat.VAT_GROUNDS["small_business"].note("fi")
    assert "ML 3 §" in vat.VAT_GROUNDS["small_business"].note("sv")
    assert vat.VAT_GROUNDS["health_care"].note("fi").startswith("Veroton myynti")


def test_single_ground_categories_default_and_others_must_choose() -> None:
    assert vat.vat_ground(VatCategory.STANDARD) is None
    assert (
        vat.vat_ground(VatCategory.INTRA_COMMUNITY_SUPPLY)
        is vat.VAT_GROUNDS["intra_community_supply"]
    )
    assert vat.vat_ground(VatCategory.NOT_SUBJECT_TO_VAT) is vat.VAT_GROUNDS["small_business"]
    for category in (VatCategory.EXEMPT, VatCategory.REVERSE_CHARGE):
        with pytest.raises(vat.VatGroundRequired):
            vat.vat_ground(category)


def test_a_ground_must_exist_and_fit_its_category() -> None:
    with pytest.raises(vat.UnknownVatGround):
        vat.vat_ground(VatCategory.EXEMPT, "charity")
    with pytest.raises(vat.VatGroundMismatch):
        vat.vat_ground(VatCategory.EXEMPT, "construction_reverse_charge")
    with pytest.raises(vat.VatGroundMismatch):
        vat.vat_ground(VatCategory.STANDARD, "health_care")


@pytest.mark.parametrize("module", [vat, lines, totals], ids=lambda m: m.__name__)
def test_pure_modules_import_no_io(module: object) -> None:
    source = Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    allowed_stdlib = {
        "__future__", "collections", "collections.abc", "dataclasses", "datetime", "decimal",
        "enum",
    }  # fmt: skip
    allowed = allowed_stdlib | {"laskutin.core.errors", "laskutin.core.money"}
    assert {name for name in imported if not name.startswith("laskutin.finnish.")} <= allowed
