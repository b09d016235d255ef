"""finnish/bank: IBAN and BIC with schwifty (ISO 13616, EBS204 print form, ISO 9362)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum import luhn

from laskutin.finnish import bank

WORKED = "FI2112345600000785"  # finnish-invoicing.md §2


def finnish_iban(body: str) -> str:
    """A valid Finnish IBAN from 13 BBAN digits: Luhn check digit, then the IBAN check digits."""
    bban = body + luhn.calc_check_digit(body)
    return str(IBAN.from_bban("FI", bban))


finnish_ibans = st.text(alphabet="0123456789", min_size=13, max_size=13).map(finnish_iban)


def test_the_finnish_check_digit_is_luhn() -> None:
    assert finnish_iban("1234560000078") == WORKED


@pytest.mark.parametrize(
    "written",
    [
        "FI2112345600000785",  # electronic form
        "FI21 1234 5600 0007 85",  # paper form
        "IBAN FI21 1234 5600 0007 85",  # paper form with its prefix (EBS204)
        "iban: fi21 1234 5600 0007 85",
        " FI21\u00a01234\u00a05600\u00a00007\u00a085 ",  # no-break spaces from a copied PDF
    ],
)
def test_normalize_iban_forms(written: str) -> None:
    assert bank.normalize_iban(written) == WORKED
    assert bank.format_iban(written) == "FI21 1234 5600 0007 85"
    assert bank.is_valid_iban(written)


@pytest.mark.parametrize(
    ("iban", "country"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE"),
        ("SE45 5000 0000 0583 9825 7466", "SE"),
        ("GB82 WEST 1234 5698 7654 32", "GB"),  # SEPA, not EU
        ("CH93 0076 2011 6238 5295 7", "CH"),
        ("NO93 8601 1117 947", "NO"),
    ],
)
def test_other_sepa_countries(iban: str, country: str) -> None:
    normal = bank.normalize_iban(iban)
    assert normal == iban.replace(" ", "")
    assert normal.startswith(country)
    assert bank.format_iban(normal) == iban


def test_wrong_check_digits() -> None:
    with pytest.raises(bank.IbanWrongCheckDigits) as caught:
        bank.normalize_iban("FI21 1234 5600 0007 86", field="seller_iban")
    assert caught.value.params["field"] == "seller_iban"
    assert "FI21 1234 5600 0007 86" in str(caught.value)


def test_wrong_length_names_the_expected_length() -> None:
    with pytest.raises(bank.IbanWrongLength) as caught:
        bank.normalize_iban("FI21 1234 5600 0007 8")
    assert caught.value.params["expected"] == 18
    assert caught.value.params["actual"] == 17
    assert str(caught.value) == (
        "IBAN FI21 1234 5600 0007 8: an IBAN of FI has 18 characters, this one 17."
    )


def test_unknown_country() -> None:
    with pytest.raises(bank.IbanUnknownCountry) as caught:
        bank.normalize_iban("XX21 1234 5600 0007 85")
    assert caught.value.params["country"] == "XX"


@pytest.mark.parametrize("value", ["", "FI", "FI21", "FI21-1234-5600-0007-85", "2112345600000785"])
def test_malformed(value: str) -> None:
    with pytest.raises(bank.IbanMalformed):
        bank.normalize_iban(value)


def test_letters_where_the_country_has_digits() -> None:
    with pytest.raises(bank.IbanInvalidAccount):
        bank.normalize_iban("FI21 1234 5600 0007 8X")


def test_finnish_national_check_digit_is_verified() -> None:
    """IBAN check digits right, the account's own Luhn digit wrong."""
    iban = str(IBAN.from_bban("FI", "12345600000786", allow_invalid=True))
    assert IBAN(iban).is_valid  # schwifty alone (without the BBAN check) accepts it
    with pytest.raises(bank.IbanInvalidAccount):
        bank.normalize_iban(iban)


def test_outside_sepa_refused_unless_asked() -> None:
    brazil = "BR1800360305000010009795493C1"
    with pytest.raises(bank.IbanNotSepa):
        bank.normalize_iban(brazil)
    assert bank.normalize_iban(brazil, sepa_only=False) == brazil
    assert not bank.is_valid_iban(brazil)
    assert bank.is_valid_iban(brazil, sepa_only=False)


def test_finnish_only() -> None:
    assert bank.normalize_finnish_iban("FI21 1234 5600 0007 85") == WORKED
    with pytest.raises(bank.IbanNotFinnish):
        bank.normalize_finnish_iban("DE89 3704 0044 0532 0130 00")


@pytest.mark.parametrize(
    ("iban", "bic"),
    [
        ("FI21 1234 5600 0007 85", "NDEAFIHH"),  # Nordea (1xx)
        ("FI49 5000 9420 0287 30", "OKOYFIHH"),  # OP (5xx)
        ("FI16 8000 1400 0502 67", "DABAFIHH"),  # Danske Bank (8xx)
        ("FI15 6601 0001 5306 41", "AABAFI22"),  # Ålandsbanken (6xx)
        ("FI02 5000 4640 0013 02", "OKOYFIHH"),
    ],
)
def test_bic_from_a_finnish_iban(iban: str, bic: str) -> None:
    assert bank.bic_for_iban(iban) == bic


def test_no_bic_guessed_outside_finland_or_for_an_unknown_bank() -> None:
    assert bank.bic_for_iban("DE89 3704 0044 0532 0130 00") is None
    assert bank.bic_for_iban(finnish_iban("0000123456789")) is None  # bank code 000


@pytest.mark.parametrize(
    ("written", "normal"),
    [("OKOYFIHH", "OKOYFIHH"), ("okoy fi hh", "OKOYFIHH"), ("NDEAFIHHXXX", "NDEAFIHHXXX")],
)
def test_normalize_bic(written: str, normal: str) -> None:
    assert bank.normalize_bic(written) == normal
    assert bank.is_valid_bic(written)


@pytest.mark.parametrize("value", ["OKOYFIH", "OKOYFIHH1", "OKOY1IHH", "", "OKOY-FI-HH"])
def test_invalid_bic(value: str) -> None:
    with pytest.raises(bank.InvalidBic):
        bank.normalize_bic(value)
    assert not bank.is_valid_bic(value)


def test_bic_unknown_country() -> None:
    with pytest.raises(bank.BicUnknownCountry) as caught:
        bank.normalize_bic("OKOYXXHH")
    assert caught.value.params["country"] == "XX"


@given(finnish_ibans)
def test_finnish_iban_round_trip(iban: str) -> None:
    printed = bank.format_iban(iban)
    assert bank.normalize_iban(printed) == iban
    assert bank.normalize_finnish_iban("IBAN " + printed.lower()) == iban


@given(finnish_ibans, st.data())
def test_a_single_wrong_digit_is_caught(iban: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(2, len(iban) - 1))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != iban[i]))
    with pytest.raises(bank.InvalidIban):
        bank.normalize_iban(iban[:i] + digit + iban[i + 1 :])
