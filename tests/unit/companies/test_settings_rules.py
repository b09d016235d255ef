"""Pure rules of the company settings and the logo reader (issue 5)."""

from __future__ import annotations

import contextlib
import struct
import zlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.companies import logo, settings
from laskutin.core.errors import RuleViolation


def test_bank_accounts_normalised_with_bic_derived() -> None:
    accounts = settings.normalise_bank_accounts(
        [("IBAN FI21 1234 5600 0007 85", None), ("FI4950009420028730", " okoyfihh ")]
    )
    assert [(a.iban, a.bic) for a in accounts] == [
        ("FI2112345600000785", "NDEAFIHH"),
        ("FI4950009420028730", "OKOYFIHH"),
    ]
    assert accounts[0].iban_formatted == "FI21 1234 5600 0007 85"


def test_duplicate_account_names_the_second() -> None:
    with pytest.raises(settings.DuplicateBankAccount) as caught:
        settings.normalise_bank_accounts(
            [("FI2112345600000785", None), ("fi21 1234 5600 0007 85", None)]
        )
    assert caught.value.params["field"] == "bank_accounts.1.iban"
    assert "account 1" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("0037 0116 2976", "003701162976"),
        ("003701162976ABC", "003701162976ABC"),
        ("0037:003701162976", "0037:003701162976"),
        ("0216:003701162976", "0216:003701162976"),
        ("FI21 1234 5600 0007 85", "FI2112345600000785"),
        ("  ", None),
        (None, None),
    ],
)
def test_einvoice_address_kinds(value: str | None, stored: str | None) -> None:
    assert settings.normalise_einvoice_address(value) == stored


@pytest.mark.parametrize(
    ("value", "stored"),
    [("003721291126", "003721291126"), ("003723327487", "003723327487"), ("ndeafihh", "NDEAFIHH")],
)
def test_einvoice_operator_kinds(value: str, stored: str) -> None:
    assert settings.normalise_einvoice_operator(value) == stored


@pytest.mark.parametrize("value", ["Maventa", "0037212911", "12345"])
def test_einvoice_operator_refused(value: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        settings.normalise_einvoice_operator(value)
    assert caught.value.params["field"] == "einvoice_operator"


def test_penalty_interest() -> None:
    assert settings.normalise_penalty_interest(Decimal("8")) == Decimal("8.00")
    assert settings.normalise_penalty_interest(None) is None
    for bad in ("-1", "100.01", "7.125", "NaN"):
        with pytest.raises(settings.PenaltyInterestRange):
            settings.normalise_penalty_interest(Decimal(bad))


def test_missing_for_issuing() -> None:
    assert settings.missing_for_issuing(business_id=None, bank_account_count=0) == [
        "business_id",
        "bank_accounts",
    ]
    assert settings.missing_for_issuing(business_id="0116297-6", bank_account_count=1) == []


@given(
    prefix=st.text(alphabet="AB-0123456789", max_size=5),
    sequence=st.integers(min_value=1, max_value=10**12),
)
def test_invoice_number_and_sequence_round_trip(prefix: str, sequence: int) -> None:
    assert settings.sequence_of(settings.invoice_number(prefix, sequence), prefix) == sequence


def test_sequence_of_refuses_padded_and_foreign_numbers() -> None:
    assert settings.sequence_of("2026-042", "2026-") is None
    assert settings.sequence_of("2025-42", "2026-") is None
    assert settings.sequence_of("2026-", "2026-") is None


# --- logo -----------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        logo.PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def test_png_size() -> None:
    assert logo.inspect_logo(_png(7, 5), "image/png") == logo.ImageInfo("image/png", 7, 5)


def test_jpeg_size_after_fill_bytes_and_restart_markers() -> None:
    sof = b"\xff\xc2\x00\x0b\x08\x01\x2c\x02\x58\x01\x01\x11\x00"  # progressive, 600 x 300
    data = b"\xff\xd8\xff\xe0\x00\x04ab\xff\xff\xd0" + sof + b"\xff\xd9"
    assert logo.jpeg_size(data) == (600, 300)


def test_jpeg_without_frame_header_is_broken() -> None:
    with pytest.raises(logo.LogoBroken):
        logo.jpeg_size(b"\xff\xd8\xff\xda\x00\x02\xff\xd9")


def test_dht_is_not_mistaken_for_a_frame_header() -> None:
    dht = b"\xff\xc4\x00\x07\x00\x01\x00\x00\x00"
    with pytest.raises(logo.LogoBroken):
        logo.jpeg_size(b"\xff\xd8" + dht + b"\xff\xd9")


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [("image/PNG", "image/png"), ("image/jpeg; q=1", "image/jpeg")],
)
def test_check_type(content_type: str, expected: str) -> None:
    assert logo.check_type(content_type) == expected


def test_unsupported_and_too_large() -> None:
    with pytest.raises(logo.LogoUnsupportedType):
        logo.check_type("image/webp")
    with pytest.raises(logo.LogoTooLarge):
        logo.check_size(logo.MAX_LOGO_BYTES + 1)
    logo.check_size(logo.MAX_LOGO_BYTES)


@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_readers(data: bytes) -> None:
    for kind in logo.LOGO_TYPES:
        with contextlib.suppress(RuleViolation):
            logo.inspect_logo(data, kind)
        try:
            logo.inspect_logo(logo.PNG_SIGNATURE + data, "image/png")
            logo.inspect_logo(logo.JPEG_SOI + data, "image/jpeg")
        except RuleViolation:
            pass
