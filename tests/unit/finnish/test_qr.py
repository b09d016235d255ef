"""finnish/qr: the EPC069-12 "BCD" payload as the FI guideline uses it (finnish-invoicing.md §3).

Sizes are measured with segno: the payload must fit QR version 13 at error correction M.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from laskutin.core import money
from laskutin.finnish import bank, qr
from laskutin.finnish import reference as refs

from .test_bank import finnish_ibans

IBAN = "FI21 1234 5600 0007 85"
WORKED = (
    "BCD\n001\n1\nSCT\nOKOYFIHH\nEsimerkki Oy\nFI2112345600000785\nEUR1250.00\n\nRF341234561\n\n"
    "ReqdExctnDt/2026-03-31"
)


def qr_version(payload: qr.EpcQrPayload) -> int:
    """The QR version segno needs at error correction M, encoding the UTF-8 bytes."""
    code = segno.make(payload.data, error="m", mode="byte", micro=False, boost_error=False)
    assert code.error == "M"
    version = code.version
    assert isinstance(version, int)
    return version


def test_worked_payload() -> None:
    payload = qr.epc_qr_payload(
        bic="OKOYFIHH",
        name="Esimerkki Oy",
        iban=IBAN,
        amount=Decimal("1250.00"),
        reference="RF34 1234 561",
        due_date=date(2026, 3, 31),
    )
    assert payload.text == WORKED
    assert len(payload.data) == 102  # as finnish-invoicing.md §3 counts it
    assert not payload.name_shortened
    assert qr_version(payload) <= 13


def test_bic_derived_from_a_finnish_iban() -> None:
    payload = qr.epc_qr_payload(name="Esimerkki Oy", iban=IBAN, reference="1234561")
    assert payload.text.split("\n")[4] == "NDEAFIHH"


def test_bic_required_when_it_cannot_be_derived() -> None:
    with pytest.raises(qr.QrBicRequired) as caught:
        qr.epc_qr_payload(name="Beispiel GmbH", iban="DE89 3704 0044 0532 0130 00")
    assert caught.value.params == {"field": "bic", "iban": "DE89 3704 0044 0532 0130 00"}
    payload = qr.epc_qr_payload(
        name="Beispiel GmbH", iban="DE89 3704 0044 0532 0130 00", bic="cobadeffxxx"
    )
    assert payload.text.split("\n")[4:7] == [
        "COBADEFFXXX",
        "Beispiel GmbH",
        "DE89370400440532013000",
    ]


def test_invalid_bic_and_iban_are_refused() -> None:
    with pytest.raises(bank.InvalidBic):
        qr.epc_qr_payload(name="X", iban=IBAN, bic="OKOYFIH")
    with pytest.raises(bank.IbanWrongCheckDigits):
        qr.epc_qr_payload(name="X", iban="FI21 1234 5600 0007 86")


def test_nothing_after_the_last_element_used() -> None:
    payload = qr.epc_qr_payload(name="Esimerkki Oy", iban=IBAN, bic="OKOYFIHH")
    assert payload.text == "BCD\n001\n1\nSCT\nOKOYFIHH\nEsimerkki Oy\nFI2112345600000785"
    with_amount = qr.epc_qr_payload(name="Esimerkki Oy", iban=IBAN, bic="OKOYFIHH", amount=5)
    assert with_amount.text.endswith("\nFI2112345600000785\nEUR5.00")


def test_empty_elements_in_between_stay_as_empty_lines() -> None:
    payload = qr.epc_qr_payload(
        name="Esimerkki Oy", iban=IBAN, bic="OKOYFIHH", due_date=date(2026, 3, 31)
    )
    lines = payload.text.split("\n")
    assert len(lines) == 12
    assert lines[7:11] == ["", "", "", ""]
    assert lines[11] == "ReqdExctnDt/2026-03-31"


def test_national_reference_goes_to_line_10_compact() -> None:
    payload = qr.epc_qr_payload(name="Esimerkki Oy", iban=IBAN, reference="12 34561")
    assert payload.text.split("\n")[9] == "1234561"


def test_message_goes_to_line_11() -> None:
    payload = qr.epc_qr_payload(name="Esimerkki Oy", iban=IBAN, message="Lasku 1001")
    lines = payload.text.split("\n")
    assert lines[9:] == ["", "Lasku 1001"]


def test_reference_or_message_never_both() -> None:
    with pytest.raises(qr.QrReferenceAndMessage):
        qr.epc_qr_payload(name="X", iban=IBAN, reference="1234561", message="Lasku 1001")
    # blank ones count as absent
    payload = qr.epc_qr_payload(name="X", iban=IBAN, reference="1234561", message="  ")
    assert payload.text.split("\n")[9] == "1234561"


def test_bad_reference_is_refused() -> None:
    with pytest.raises(refs.ReferenceWrongCheckDigit):
        qr.epc_qr_payload(name="X", iban=IBAN, reference="1234562")


def test_purpose() -> None:
    payload = qr.epc_qr_payload(name="X", iban=IBAN, purpose="SUPP", reference="1234561")
    assert payload.text.split("\n")[8] == "SUPP"
    with pytest.raises(qr.QrPurposeInvalid):
        qr.epc_qr_payload(name="X", iban=IBAN, purpose="supp1")


@pytest.mark.parametrize(
    ("amount", "line"),
    [
        ("0.01", "EUR0.01"),
        (Decimal("999999999.99"), "EUR999999999.99"),
        (1250, "EUR1250.00"),
        ("12.5", "EUR12.50"),
    ],
)
def test_amounts(amount: Decimal | int | str, line: str) -> None:
    payload = qr.epc_qr_payload(name="X", iban=IBAN, amount=amount)
    assert payload.text.split("\n")[7] == line


@pytest.mark.parametrize("amount", ["0", "0.00", "1000000000.00"])
def test_amount_out_of_range(amount: str) -> None:
    with pytest.raises(qr.QrAmountOutOfRange) as caught:
        qr.epc_qr_payload(name="X", iban=IBAN, amount=amount)
    assert caught.value.params["field"] == "amount"


def test_amount_decimals_and_sign() -> None:
    with pytest.raises(money.TooManyDecimals):
        qr.epc_qr_payload(name="X", iban=IBAN, amount="1.001")
    with pytest.raises(money.NegativeNotAllowed):
        qr.epc_qr_payload(name="X", iban=IBAN, amount="-1.00")


# --- texts ----------------------------------------------------------------------------------------


def test_line_breaks_in_texts_become_spaces() -> None:
    payload = qr.epc_qr_payload(
        name="Esimerkki\r\nOy\t Ab", iban=IBAN, message="Lasku\n1001\u00ad / kesä"
    )
    lines = payload.text.split("\n")
    assert len(lines) == 11
    assert lines[5] == "Esimerkki Oy Ab"
    assert lines[10] == "Lasku 1001 / kesä"


def test_name_is_required() -> None:
    with pytest.raises(qr.QrNameMissing):
        qr.epc_qr_payload(name=" \n ", iban=IBAN)


def test_long_name_is_shortened_to_70_characters() -> None:
    name = "Pohjois-Pohjanmaan Esimerkillinen Rakennus- ja Saneerauspalvelu Osakeyhtiö Ab"
    payload = qr.epc_qr_payload(name=name, iban=IBAN, reference="1234561")
    short = payload.text.split("\n")[5]
    assert payload.name_shortened
    assert len(short) <= 70
    assert name.startswith(short)
    assert short == name[:70].rstrip()


def test_name_is_cut_at_characters_not_bytes() -> None:
    name = "Ää" * 50  # 100 characters, 200 bytes
    payload = qr.epc_qr_payload(name=name, iban=IBAN)
    short = payload.text.split("\n")[5]
    assert short == "Ää" * 35
    assert payload.data.decode("utf-8") == payload.text


def test_name_is_not_cut_between_a_letter_and_its_accent() -> None:
    # q + combining acute has no precomposed form, so NFC keeps two code points
    name = "x" * 69 + "q\u0301" + "zzz"
    payload = qr.epc_qr_payload(name=name, iban=IBAN)
    assert payload.text.split("\n")[5] == "x" * 69


def test_name_shortened_to_the_byte_budget() -> None:
    """A full message leaves less room; the name gives way, never the message."""
    message = "M" * 140
    name = "漢" * 70  # 3 bytes each
    payload = qr.epc_qr_payload(
        name=name,
        iban=IBAN,
        amount="999999999.99",
        message=message,
        due_date=date(2026, 3, 31),
        purpose="SUPP",
    )
    lines = payload.text.split("\n")
    assert lines[10] == message
    assert payload.name_shortened
    assert len(payload.data) <= qr.MAX_PAYLOAD_BYTES
    assert len(payload.data) > qr.MAX_PAYLOAD_BYTES - 3  # as much of the name as fits
    assert qr_version(payload) <= 13


def test_message_longer_than_140_characters_is_refused() -> None:
    with pytest.raises(qr.QrMessageTooLong) as caught:
        qr.epc_qr_payload(name="X", iban=IBAN, message="M" * 141)
    assert caught.value.params == {"field": "message", "max": 140, "length": 141}


def test_payload_too_large_is_refused() -> None:
    with pytest.raises(qr.QrPayloadTooLarge) as caught:
        qr.epc_qr_payload(
            name="Esimerkki Oy", iban=IBAN, message="ö" * 140, due_date=date(2026, 3, 31)
        )
    assert caught.value.params["max"] == 331


def test_331_bytes_is_the_limit_of_version_13_m() -> None:
    assert segno.make(b"x" * 331, error="m", mode="byte", micro=False).version == 13
    assert segno.make(b"x" * 332, error="m", mode="byte", micro=False).version == 14


def test_shorten_text() -> None:
    assert qr.shorten_text("abc def", max_chars=4, max_bytes=100) == "abc"  # no trailing space
    assert qr.shorten_text("abc def", max_chars=5, max_bytes=100) == "abc d"
    assert qr.shorten_text("ääää", max_chars=10, max_bytes=5) == "ää"
    assert qr.shorten_text("ab", max_chars=10, max_bytes=0) == ""


# --- properties -----------------------------------------------------------------------------------

texts = st.text(min_size=1, max_size=120)
references = st.one_of(
    st.none(),
    st.text(alphabet="0123456789", min_size=3, max_size=19)
    .filter(lambda base: len(base.lstrip("0")) >= 3)
    .map(refs.make_national_reference)
    .flatmap(lambda national: st.sampled_from([national, refs.rf_from_national(national)])),
)
amounts = st.one_of(
    st.none(), st.integers(1, 99_999_999_999).map(lambda cents: Decimal(cents).scaleb(-2))
)


@settings(max_examples=60, deadline=None)
@given(
    name=texts,
    iban=finnish_ibans,
    amount=amounts,
    reference=references,
    message=st.one_of(st.none(), st.text(max_size=140)),
    due_date=st.one_of(st.none(), st.dates()),
)
def test_payload_shape_and_size(
    name: str,
    iban: str,
    amount: Decimal | None,
    reference: str | None,
    message: str | None,
    due_date: date | None,
) -> None:
    if reference is not None and message:
        message = None
    if not qr.clean_text(name):
        name = "x"
    try:
        payload = qr.epc_qr_payload(
            name=name,
            iban=iban,
            bic="OKOYFIHH",
            amount=amount,
            reference=reference,
            message=message,
            due_date=due_date,
        )
    except qr.QrPayloadTooLarge:
        # Everything but the message and the name takes at most 84 bytes (73 of text, 11 LFs)
        # and one character of the name at most 4: only a message of wide characters overflows.
        assert len(qr.clean_text(message or "").encode("utf-8")) > 331 - 84 - 4
        return
    lines = payload.text.split("\n")
    assert 7 <= len(lines) <= 12
    assert lines[:5] == ["BCD", "001", "1", "SCT", "OKOYFIHH"]
    assert lines[6] == iban
    assert lines[-1] != ""
    cleaned = qr.clean_text(name)
    assert cleaned.startswith(lines[5])
    assert len(lines[5]) <= 70
    assert lines[5] == lines[5].strip()
    assert payload.name_shortened == (lines[5] != cleaned)
    if payload.name_shortened:
        assert not unicodedata.combining(cleaned[len(lines[5])])  # no accent cut off
    if amount is not None:
        assert lines[7] == f"EUR{amount:.2f}"
    if reference is not None:
        assert lines[9] == reference
    if due_date is not None:
        assert lines[11] == f"ReqdExctnDt/{due_date.isoformat()}"
    assert len(payload.data) <= qr.MAX_PAYLOAD_BYTES
    assert qr_version(payload) <= 13
