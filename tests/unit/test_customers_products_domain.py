"""Pure rules of customers and products (issue 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from laskutin.core import clock
from laskutin.core.errors import RuleViolation
from laskutin.customers import domain as customers
from laskutin.finnish.vat import RateClass, VatCategory
from laskutin.products import domain as products
from laskutin.products.service import _rate_text


def test_the_rate_today_is_the_helsinki_days() -> None:
    books = RateClass.BOOKS_MEDICINES_CULTURE_TRANSPORT.value
    # 2025-12-31 22:30 UTC is already 2026-01-01 in Helsinki: 13.5 % instead of 14 %.
    with clock.frozen_at(dt.datetime(2025, 12, 31, 21, 30, tzinfo=dt.UTC)):
        assert _rate_text(books) == "14"
    with clock.frozen_at(dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC)):
        assert _rate_text(books) == "13.5"
    assert _rate_text(None) is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [("12.5", "12.50"), ("10", "10.00"), ("0.123456", "0.123456"), ("1.100000", "1.10")],
)
def test_prices_show_at_least_two_decimals(text: str, shown: str) -> None:
    assert products.format_price(Decimal(text)) == shown


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1.5, "not-a-number"),
        ("-0.01", "negative-not-allowed"),
        ("0.0000001", "too-many-decimals"),
        ("Infinity", "not-a-number"),
        ("1000000000000", "price-too-large"),
    ],
)
def test_bad_prices(value: object, code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        products.parse_unit_price(value)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.params["field"] == "unit_price"


def test_vat_treatment_fills_the_only_ground_and_refuses_mixtures() -> None:
    assert products.vat_treatment("G", None, None).vat_ground == "export_outside_eu"
    assert products.vat_treatment("S", "general", None).rate_class is RateClass.GENERAL
    assert products.vat_treatment("AE", None, "eu_services_reverse_charge").category is (
        VatCategory.REVERSE_CHARGE
    )
    for args, code in [
        (("S", None, None), "rate-class-required"),
        (("E", None, None), "vat-ground-required"),
        (("Z", "general", None), "rate-class-not-allowed"),
        (("S", "general", "zero_rated"), "vat-ground-not-allowed"),
        (("Q", None, None), "unknown-vat-category"),
    ]:
        with pytest.raises(RuleViolation) as caught:
            products.vat_treatment(*args)
        assert caught.value.code == code


def test_names_need_one_language() -> None:
    assert products.clean_names({"fi": " Kahvi ", "sv": "", "en": None}) == {"fi": "Kahvi"}
    with pytest.raises(RuleViolation):
        products.clean_names({"fi": " ", "sv": None})


def test_vat_numbers_take_the_billing_countrys_prefix() -> None:
    assert customers.normalise_vat_number("01162976", country="FI") == "FI01162976"
    assert customers.normalise_vat_number("SE 5560 3607 9301", country="FI") == "SE556036079301"
    assert customers.normalise_vat_number("094259216", country="GR") == "EL094259216"
    with pytest.raises(RuleViolation) as caught:
        customers.normalise_vat_number("12345", country="US")
    assert caught.value.code == "vat-number-unknown-country"


def test_finnish_vat_number_must_match_the_business_id() -> None:
    customers.check_identifiers("0116297-6", "FI01162976")
    customers.check_identifiers("0116297-6", "SE556036079301")  # a foreign number: no rule
    with pytest.raises(RuleViolation) as caught:
        customers.check_identifiers("0116297-6", "FI12345671", changed_field="business_id")
    assert caught.value.params["field"] == "business_id"


def test_ovt_addresses_are_checked_others_kept() -> None:
    assert customers.normalise_einvoice_address(" 0037 0116 2976 ABC") == "003701162976ABC"
    assert customers.normalise_einvoice_address("FI4819503000000010") == "FI4819503000000010"
    with pytest.raises(RuleViolation):
        customers.normalise_einvoice_address("003701162975")


def test_numbers_continue_after_the_highest() -> None:
    assert customers.next_customer_number(None) == 1
    assert customers.next_customer_number(41) == 42
