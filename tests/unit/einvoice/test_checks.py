"""The app's own pre-checks: every missing item named by its field, all at once, in words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from laskutin.core.errors import Conflict, RuleViolation
from laskutin.documents.data import Address, InvoiceDocument, Party
from laskutin.einvoice import checks
from laskutin.einvoice.checks import EinvoiceNotReady, EinvoiceOfDraft, check, problems
from laskutin.einvoice.codes import Format
from laskutin.einvoice.parties import (
    buyer_vat_number,
    finvoice_address,
    peppol_endpoint,
    seller_vat_number,
)
from tests.unit.einvoice.documents import (
    BUILDER,
    BUYER,
    DOMESTIC,
    EXPORT,
    INTRA_COMMUNITY,
    NOT_SUBJECT,
    REVERSE_CHARGE,
    SELLER,
    SWEDISH_BUYER,
    invoice,
)

CONSUMER = Party(
    name="Maija Meikäläinen",
    address=Address(street="Kotikatu 3", postal_code="33100", city="Tampere"),
    is_person=True,
)


def _fields(document: InvoiceDocument, format: Format) -> list[tuple[str, str]]:
    return [(field, violation.code) for field, violation in problems(document, format)]


def test_a_draft_is_a_conflict() -> None:
    with pytest.raises(EinvoiceOfDraft) as refused:
        check(replace(invoice(DOMESTIC), draft=True), "peppol")
    assert isinstance(refused.value, Conflict)
    assert "laskuta se ensin" in refused.value.message("fi")


def test_everything_missing_is_listed_at_once() -> None:
    document = invoice(
        DOMESTIC,
        seller=replace(SELLER, business_id=None),
        buyer=CONSUMER,
        buyer_reference=None,
    )
    document = replace(document, bank_accounts=())

    with pytest.raises(EinvoiceNotReady) as refused:
        check(document, "peppol")

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("company.business_id", "einvoice-seller-business-id-missing"),
        ("company.bank_accounts", "einvoice-bank-account-missing"),
        ("buyer_reference", "einvoice-buyer-reference-missing"),
        ("customer.einvoice_address", "einvoice-buyer-address-missing"),
    ]
    assert refused.value.localised("sv")[0].message.startswith("Företagets FO-nummer saknas")


def test_an_order_reference_is_enough_for_peppol() -> None:
    document = invoice(DOMESTIC, buyer_reference=None, order_reference="PO-1")
    assert _fields(document, "peppol") == []


def test_finvoice_needs_no_buyer_reference_but_fits_its_lengths() -> None:
    document = invoice(DOMESTIC, buyer_reference="x" * 71, number="2026-" + "1" * 16)
    assert _fields(document, "finvoice") == [
        ("number", "einvoice-too-long-for-finvoice"),
        ("buyer_reference", "einvoice-too-long-for-finvoice"),
    ]
    assert _fields(replace(document, buyer_reference=None, number="2026-15"), "finvoice") == []


def test_the_buyer_address_is_derived_from_the_business_id() -> None:
    endpoint = peppol_endpoint(BUYER)
    assert endpoint is not None
    assert (endpoint.scheme, endpoint.value, endpoint.derived) == ("0216", "003701162976", True)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("003701162976001", ("0216", "003701162976001")),
        ("0037:003701162976", ("0216", "003701162976")),
        ("0216:003701162976", ("0216", "003701162976")),
        ("0007:5560360793", ("0007", "5560360793")),
    ],
)
def test_a_given_address_wins(given: str, expected: tuple[str, str]) -> None:
    endpoint = peppol_endpoint(replace(BUYER, einvoice_address=given))
    assert endpoint is not None
    assert (endpoint.scheme, endpoint.value) == expected


def test_a_consumer_bank_address_is_finvoice_only() -> None:
    consumer = replace(CONSUMER, einvoice_address="FI2112345600000785")
    address = finvoice_address(consumer)
    assert address is not None
    assert (address.scheme, address.value) == (None, "FI2112345600000785")
    assert peppol_endpoint(consumer) is None
    assert _fields(invoice(DOMESTIC, buyer=consumer), "finvoice") == []
    assert _fields(invoice(DOMESTIC, buyer=consumer), "peppol") == [
        ("customer.einvoice_address", "einvoice-buyer-address-missing")
    ]


def test_an_address_scheme_peppol_does_not_know() -> None:
    document = invoice(DOMESTIC, buyer=replace(BUYER, einvoice_address="0037:12345"))
    [(field, violation)] = problems(document, "peppol")
    assert field == "customer.einvoice_address"
    assert "0037" in violation.message("en")


def test_intra_community_supply_needs_the_buyers_vat_number() -> None:
    buyer = replace(SWEDISH_BUYER, vat_number=None)
    assert _fields(invoice(INTRA_COMMUNITY, buyer=buyer), "finvoice") == [
        ("customer.vat_number", "einvoice-buyer-vat-number-missing")
    ]


def test_construction_reverse_charge_derives_a_finnish_buyers_vat_number() -> None:
    document = invoice(REVERSE_CHARGE, buyer=BUILDER)
    assert buyer_vat_number(document) == "FI01162976"
    assert _fields(document, "peppol") == []
    nameless = invoice(
        REVERSE_CHARGE,
        buyer=replace(BUILDER, business_id=None, einvoice_address="0216:003701162976"),
    )
    assert _fields(nameless, "peppol") == [
        ("customer.business_id", "einvoice-buyer-business-id-missing")
    ]


def test_an_export_goes_outside_the_eu() -> None:
    to_sweden = invoice(EXPORT, buyer=SWEDISH_BUYER)
    [(field, violation)] = problems(to_sweden, "peppol")
    assert field == "customer.delivery_country"
    assert "SE" in violation.message("fi")
    overseas = Address(street="1 Main St", postal_code="10001", city="New York", country_code="US")
    assert problems(replace(to_sweden, delivery_address=overseas), "peppol") == []


def test_vat_numbers_follow_from_the_business_id_but_not_outside_vat() -> None:
    assert seller_vat_number(invoice(DOMESTIC)) == "FI12345671"
    outside = invoice(NOT_SUBJECT, buyer=replace(BUYER, vat_number="FI01162976"))
    assert seller_vat_number(outside) is None
    assert buyer_vat_number(outside) is None


def test_a_seller_abroad_needs_its_vat_number() -> None:
    abroad = replace(SELLER, address=replace(SELLER.address, country_code="SE"))
    document = invoice(
        DOMESTIC, seller=abroad, buyer=replace(BUYER, einvoice_address="003701162976")
    )
    assert ("company.vat_number", "einvoice-seller-vat-number-missing") in _fields(
        document, "peppol"
    )


def _rule_errors() -> list[type[RuleViolation]]:
    return [
        value
        for value in vars(checks).values()
        if isinstance(value, type)
        and issubclass(value, RuleViolation)
        and value.__module__ == checks.__name__
    ]


@pytest.mark.parametrize("error", _rule_errors(), ids=lambda cls: cls.code)
def test_messages_in_three_languages(error: type[RuleViolation]) -> None:
    assert set(error.messages) == {"fi", "sv", "en"}
    assert error.code.startswith("einvoice-")
    filled = error(limit=20, length=21, country="SE", address="0037:1", scheme="0037")
    for language in ("fi", "sv", "en"):
        assert "{" not in filled.message(language)
