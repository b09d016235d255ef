"""finnish/business_ids: Y-tunnus, VAT numbers and OVT codes (finnish-invoicing.md §6, §9)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.finnish import business_ids as ids

WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def doc_check_digit(base: str) -> int | None:
    """§6 written out independently of stdnum: None when the remainder is 1 (never issued)."""
    remainder = sum(int(d) * w for d, w in zip(base, WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


bases = st.integers(min_value=0, max_value=9_999_999).map(lambda n: f"{n:07d}")
valid_ids = bases.filter(lambda b: doc_check_digit(b) is not None).map(
    lambda b: f"{b}-{doc_check_digit(b)}"
)


# --- worked examples (§6, §9) ----------------------------------------------------------------


def test_check_digit_of_0116297_is_6() -> None:
    assert ids.business_id_check_digit("0116297") == 6
    assert ids.complete_business_id("0116297") == "0116297-6"


def test_1234567_1_is_valid() -> None:
    assert ids.business_id_check_digit("1234567") == 1
    assert ids.normalise_business_id("1234567-1") == "1234567-1"


def test_1000008_has_no_check_digit() -> None:
    with pytest.raises(ids.BusinessIdNeverIssued) as caught:
        ids.business_id_check_digit("1000008")
    assert caught.value.params["value"] == "1000008"
    for digit in range(10):
        assert not ids.is_valid_business_id(f"1000008-{digit}")


def test_vat_number_of_0116297_6() -> None:
    assert ids.vat_number_from_business_id("0116297-6") == "FI01162976"
    assert ids.business_id_from_vat_number("FI01162976") == "0116297-6"


def test_ovt_code_of_0116297_6() -> None:
    assert ids.ovt_from_business_id("0116297-6") == "003701162976"
    assert ids.parse_ovt("003701162976") == ids.OvtCode("0116297-6", "")


@pytest.mark.parametrize(
    ("code", "business_id"),
    [
        ("003721291126", "2129112-6"),  # Maventa's operator ID (§9)
        ("003723327487", "2332748-7"),  # Apix (§9)
        ("003724004364", "2400436-4"),  # the real example of §9
    ],
)
def test_operator_codes_parse(code: str, business_id: str) -> None:
    parsed = ids.parse_ovt(code)
    assert parsed.business_id == business_id
    assert parsed.extension == ""
    assert str(parsed) == code


# --- Y-tunnus --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["0116297-6", "01162976", "116297-6", " 0116297-6 ", "0116297 - 6", "0116297\u20136"],
)
def test_accepted_spellings_normalise(spelling: str) -> None:
    assert ids.normalise_business_id(spelling) == "0116297-6"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0116297",
        "0116297-",
        "FI01162976",
        "011629-76",
        "01162976-6",
        "12345-6",
        "abc",
        "０１１６２９７-６",
    ],
)
def test_malformed_business_ids_are_refused(raw: str) -> None:
    with pytest.raises(ids.BusinessIdFormat) as caught:
        ids.normalise_business_id(raw, field="customer.business_id")
    assert caught.value.params["field"] == "customer.business_id"


def test_non_string_business_id_is_a_format_error() -> None:
    with pytest.raises(ids.BusinessIdFormat):
        ids.normalise_business_id(1162976)  # type: ignore[arg-type]


def test_wrong_check_digit_names_the_field_and_the_id() -> None:
    with pytest.raises(ids.BusinessIdCheckDigit) as caught:
        ids.normalise_business_id("116297-5")
    assert caught.value.params == {"field": "business_id", "value": "0116297-5"}
    assert "0116297-5" in caught.value.message("fi")


@pytest.mark.parametrize("raw", ["", "12345", "12345678", "116297-6", "x116297"])
def test_check_digit_needs_a_six_or_seven_digit_base(raw: str) -> None:
    with pytest.raises(ids.BusinessIdFormat):
        ids.business_id_check_digit(raw)


def test_short_base_is_left_padded() -> None:
    assert ids.complete_business_id("116297") == "0116297-6"


@given(bases)
def test_check_digit_agrees_with_the_rule_as_written_in_the_doc(base: str) -> None:
    expected = doc_check_digit(base)
    if expected is None:
        with pytest.raises(ids.BusinessIdNeverIssued):
            ids.business_id_check_digit(base)
    else:
        assert ids.business_id_check_digit(base) == expected
        assert ids.normalise_business_id(f"{base}{expected}") == f"{base}-{expected}"


@given(valid_ids)
def test_every_valid_id_survives_normalise_vat_and_back(business_id: str) -> None:
    normalised = ids.normalise_business_id(business_id)
    vat_number = ids.vat_number_from_business_id(normalised)
    assert vat_number == "FI" + business_id.replace("-", "")
    assert ids.normalise_finnish_vat_number(vat_number) == vat_number
    assert ids.normalise_eu_vat_number(vat_number) == vat_number
    assert ids.business_id_from_vat_number(vat_number) == normalised == business_id
    assert ids.parse_ovt(ids.ovt_from_business_id(normalised)).business_id == business_id


# Why single errors are caught: the weights with the check digit's own weight 1 are
# 7, 9, 10, 5, 8, 4, 2, 1. Each is non-zero and below 11, and 11 is prime, so changing one
# digit by d (1 <= |d| <= 9) changes the sum by w*d, never a multiple of 11. The weights are
# also pairwise distinct mod 11, so swapping two different digits a, b at positions i, j
# changes the sum by (w_i - w_j)(b - a), again never a multiple of 11. Two changes can cancel.

ALL_WEIGHTS = (*WEIGHTS, 1)


def test_the_weights_have_the_properties_the_proofs_need() -> None:
    assert all(0 < w < 11 for w in ALL_WEIGHTS)
    assert len({w % 11 for w in ALL_WEIGHTS}) == len(ALL_WEIGHTS)


@given(valid_ids, st.integers(min_value=0, max_value=7), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_detected(business_id: str, position: int, delta: int) -> None:
    digits = business_id.replace("-", "")
    changed = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1 :]
    assert changed != digits
    assert not ids.is_valid_business_id(changed)


@given(valid_ids, st.integers(min_value=0, max_value=7), st.integers(min_value=0, max_value=7))
def test_any_swap_of_two_different_digits_is_detected(business_id: str, i: int, j: int) -> None:
    digits = list(business_id.replace("-", ""))
    if digits[i] == digits[j]:
        return
    digits[i], digits[j] = digits[j], digits[i]
    assert not ids.is_valid_business_id("".join(digits))


def test_two_digit_changes_are_not_always_detected() -> None:
    # What does not hold: two changed digits can cancel out mod 11. 0116297-6 -> 2816297-6
    # changes the sum by 2*7 + 7*9 = 77 = 7 * 11.
    assert ids.is_valid_business_id("0116297-6")
    assert ids.is_valid_business_id("2816297-6")


# --- Finnish VAT numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["FI01162976", "fi01162976", "FI 0116297-6", " FI 01162976 "])
def test_finnish_vat_number_spellings(raw: str) -> None:
    assert ids.normalise_finnish_vat_number(raw) == "FI01162976"


def test_finnish_vat_number_needs_the_prefix() -> None:
    with pytest.raises(ids.VatNumberNotFinnish):
        ids.normalise_finnish_vat_number("01162976")
    with pytest.raises(ids.VatNumberNotFinnish):
        ids.business_id_from_vat_number("SE556703748501")


@pytest.mark.parametrize("raw", ["FI0116297", "FI011629766", "FI0116297A", "FI"])
def test_malformed_finnish_vat_number(raw: str) -> None:
    with pytest.raises(ids.VatNumberFormat) as caught:
        ids.normalise_finnish_vat_number(raw, field="seller.vat_number")
    assert caught.value.params["country"] == "FI"
    assert caught.value.params["field"] == "seller.vat_number"


def test_finnish_vat_number_check_digit() -> None:
    with pytest.raises(ids.VatNumberCheckDigit):
        ids.normalise_finnish_vat_number("FI01162977")


# --- EU VAT numbers --------------------------------------------------------------------------

# One valid number per member state (and XI, Northern Ireland), from python-stdnum's examples.
VALID_EU = {
    "AT": ("ATU13585627", "ATU13585627"),
    "BE": ("BE 428759497", "BE0428759497"),
    "BG": ("BG175074752", "BG175074752"),
    "CY": ("CY-10259033P", "CY10259033P"),
    "CZ": ("CZ 25123891", "CZ25123891"),
    "DE": ("DE 136 695 976", "DE136695976"),
    "DK": ("DK 13585628", "DK13585628"),
    "EE": ("EE100594102", "EE100594102"),
    "EL": ("EL 094259216", "EL094259216"),
    "ES": ("ESB64717838", "ESB64717838"),
    "FI": ("FI 20774740", "FI20774740"),
    "FR": ("FR 23 334 175 221", "FR23334175221"),
    "HR": ("HR33392005961", "HR33392005961"),
    "HU": ("HU-12892312", "HU12892312"),
    "IE": ("IE6433435F", "IE6433435F"),
    "IT": ("IT 00743110157", "IT00743110157"),
    "LT": ("LT119511515", "LT119511515"),
    "LU": ("LU 150 274 42", "LU15027442"),
    "LV": ("LV 4000 3521 600", "LV40003521600"),
    "MT": ("MT 1167-9112", "MT11679112"),
    "NL": ("NL004495445B01", "NL004495445B01"),
    "PL": ("PL 8567346215", "PL8567346215"),
    "PT": ("PT 501 964 843", "PT501964843"),
    "RO": ("RO18547290", "RO18547290"),
    "SE": ("SE 123456789701", "SE123456789701"),
    "SI": ("SI 5022 3054", "SI50223054"),
    "SK": ("SK 202 274 96 19", "SK2022749619"),
    "XI": ("XI 980 7806 84", "XI980780684"),
}

WRONG_CHECK_DIGITS = [
    "ATU13585626", "BE0431150351", "BG175074751", "CY10259033Z", "CZ25123890", "DE136695978",
    "DK13585627", "EE100594103", "EL123456781", "ESB64717839", "FI20774741", "FR23334175222",
    "HR33392005962", "HU12892313", "IE6433435E", "IT00743110158", "LT119511516", "LU15027443",
    "LV40003521601", "MT11679113", "NL123456789B90", "PL8567346216", "PT501964842",
    "RO18547291", "SE123456789101", "SI50223055", "SK2022749618", "XI980780685",
]  # fmt: skip


def test_every_member_state_is_covered() -> None:
    assert set(VALID_EU) == ids.EU_VAT_PREFIXES
    assert {number[:2] for number in WRONG_CHECK_DIGITS} == ids.EU_VAT_PREFIXES


@pytest.mark.parametrize(("raw", "compact"), VALID_EU.values(), ids=list(VALID_EU))
def test_valid_eu_vat_numbers(raw: str, compact: str) -> None:
    assert ids.normalise_eu_vat_number(raw) == compact
    assert ids.normalise_eu_vat_number(compact) == compact


@pytest.mark.parametrize("number", WRONG_CHECK_DIGITS)
def test_wrong_check_digits_in_every_member_state(number: str) -> None:
    with pytest.raises(ids.VatNumberCheckDigit) as caught:
        ids.normalise_eu_vat_number(number)
    assert caught.value.params["country"] == number[:2]


@pytest.mark.parametrize(
    "number",
    ["ATU1358562", "DE13669597", "FI2077474", "SE12345678970", "NL004495445B1", "FRIO334175221"],
)
def test_malformed_eu_vat_numbers(number: str) -> None:
    with pytest.raises(ids.VatNumberFormat) as caught:
        ids.normalise_eu_vat_number(number, field="buyer.vat_number")
    assert caught.value.params["country"] == number[:2]
    assert caught.value.params["field"] == "buyer.vat_number"


@pytest.mark.parametrize(
    "number", ["US123456789", "GB980780684", "NO123456789", "EU372000041", "", "12"]
)
def test_non_member_prefixes_are_refused(number: str) -> None:
    with pytest.raises(ids.VatNumberUnknownCountry):
        ids.normalise_eu_vat_number(number)


def test_greece_is_written_el() -> None:
    assert ids.normalise_eu_vat_number("GR094259216") == "EL094259216"
    assert ids.normalise_eu_vat_number("094259216", country="GR") == "EL094259216"


def test_country_adds_a_missing_prefix() -> None:
    assert ids.normalise_eu_vat_number("136695976", country="de") == "DE136695976"
    assert ids.normalise_eu_vat_number("U13585627", country="AT") == "ATU13585627"


def test_country_mismatch_is_refused() -> None:
    with pytest.raises(ids.VatNumberCountryMismatch) as caught:
        ids.normalise_eu_vat_number("DE136695976", country="SE")
    assert caught.value.params["actual"] == "DE"
    assert caught.value.params["expected"] == "SE"


def test_unknown_country_parameter_is_refused() -> None:
    with pytest.raises(ids.VatNumberUnknownCountry):
        ids.normalise_eu_vat_number("123456789", country="US")


# --- OVT codes -------------------------------------------------------------------------------


def test_ovt_with_extension() -> None:
    assert ids.ovt_from_business_id("0116297-6", "001") == "003701162976001"
    assert ids.parse_ovt("003701162976ABC12") == ids.OvtCode("0116297-6", "ABC12")
    assert ids.parse_ovt("0037 0116 2976 001").code == "003701162976001"


@pytest.mark.parametrize("extension", ["123456", "A-1", "ä", " 1"])
def test_bad_ovt_extension(extension: str) -> None:
    with pytest.raises(ids.OvtExtensionFormat):
        ids.ovt_from_business_id("0116297-6", extension)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0037",
        "00370116297",
        "003801162976",
        "3701162976",
        "003701162976123456",
        "0037-0116297-6",
        "DABAFIHH",
    ],
)
def test_malformed_ovt_codes(raw: str) -> None:
    with pytest.raises(ids.OvtCodeFormat) as caught:
        ids.parse_ovt(raw, field="buyer.einvoice_address")
    assert caught.value.params["field"] == "buyer.einvoice_address"


def test_ovt_code_check_digit() -> None:
    with pytest.raises(ids.OvtCodeCheckDigit):
        ids.parse_ovt("003701162975")


def test_ovt_from_an_invalid_business_id_is_refused() -> None:
    with pytest.raises(ids.BusinessIdCheckDigit) as caught:
        ids.ovt_from_business_id("0116297-5")
    assert caught.value.params["field"] == "einvoice_address"


@given(
    valid_ids,
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", max_size=5),
)
def test_ovt_round_trip(business_id: str, extension: str) -> None:
    code = ids.ovt_from_business_id(business_id, extension)
    assert len(code) == 12 + len(extension)
    assert ids.parse_ovt(code) == ids.OvtCode(business_id, extension)
