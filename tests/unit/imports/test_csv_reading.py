"""Reading CSV files as other Finnish invoicing services and spreadsheets export them."""

from __future__ import annotations

import datetime as dt

import pytest

from laskutin.imports.columns import cells_of, map_columns
from laskutin.imports.csvfile import CsvUnreadable, read_table
from laskutin.imports.rows import customer_body, decimal_text, product_body, rate_class_for

DAY = dt.date(2026, 12, 6)


def test_semicolons_windows_1252_and_a_bom_are_read() -> None:
    text = "Nimi;Y-tunnus;Postitoimipaikka\r\nÄänekosken Paja Oy;0116297-6;Äänekoski\r\n"
    for data in (text.encode("cp1252"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        table = read_table(data)
        assert table.delimiter == ";"
        assert table.header == ["Nimi", "Y-tunnus", "Postitoimipaikka"]
        assert table.rows == [(2, ["Äänekosken Paja Oy", "0116297-6", "Äänekoski"])]


def test_commas_tabs_quotes_and_blank_lines() -> None:
    table = read_table(b'name,notes\n\n"Oy, Ab","two\nlines"\n')
    assert table.delimiter == ","
    assert table.rows == [(4, ["Oy, Ab", "two\nlines"])]  # the line where the row ends
    assert read_table(b"Nimi\tHinta\nA\t1\n").delimiter == "\t"


@pytest.mark.parametrize("data", [b"", b"\n\n", b"PK\x03\x04\x00\x00 spreadsheet"])
def test_what_is_not_csv_is_refused(data: bytes) -> None:
    with pytest.raises(CsvUnreadable):
        read_table(data)


def test_headers_of_other_services_in_three_languages_map_to_fields() -> None:
    mapped = map_columns(
        "customers",
        ["Asiakasnumero", "Nimi", "Y-tunnus", "Sähköposti", "Osoite", "Postinumero",
         "Postitoimipaikka", "Verkkolaskuosoite", "Välittäjä", "Kieli", "Muuta"],
    )  # fmt: skip
    assert mapped.fields["customer_number"] == 0
    assert mapped.fields["billing_city"] == 6
    assert mapped.fields["einvoice_operator"] == 8
    assert mapped.ignored == ["Muuta"]
    swedish = map_columns("customers", ["Namn", "FO-nummer", "E-post", "Postnummer", "Ort"])
    assert set(swedish.fields) == {
        "name",
        "business_id",
        "email",
        "billing_postal_code",
        "billing_city",
    }
    products = map_columns(
        "products", ["Tuotekoodi", "Tuotteen nimi", "Yksikkö", "À-hinta", "ALV %"]
    )
    assert set(products.fields) == {"code", "name_fi", "unit", "unit_price", "vat_rate"}
    # A second column with the same meaning is ignored, not merged.
    assert map_columns("customers", ["Nimi", "Name"]).ignored == ["Name"]


def test_cells_are_trimmed_and_empty_ones_left_out() -> None:
    mapped = map_columns("customers", ["Nimi", "Puhelin"])
    assert cells_of(mapped, [" Oy Ab ", "  "]) == {"name": "Oy Ab"}
    assert cells_of(mapped, ["Oy Ab"]) == {"name": "Oy Ab"}  # a short row


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1 234,50", "1234.50"), ("1.234,50", "1234.50"), ("12.5", "12.5"), ("25,5 %", "25.5"),
     ("9,90 €", "9.90"), ("1\u00a0000", "1000")],
)  # fmt: skip
def test_decimal_commas_and_thousands(text: str, expected: str) -> None:
    assert decimal_text(text) == expected


def test_customer_values_read_leniently() -> None:
    body = customer_body(
        {"name": "A", "language": "Ruotsi", "kind": "Henkilö", "billing_country": "Suomi",
         "customer_number": "12", "payment_terms_days": "14,0", "billing_city": "Vaasa"}
    )  # fmt: skip
    assert body == {
        "name": "A",
        "language": "sv",
        "kind": "person",
        "customer_number": 12,
        "payment_terms_days": 14,
        "billing_address": {"city": "Vaasa", "country": "FI"},
    }


def test_a_vat_rate_names_its_class_by_the_rates_in_force() -> None:
    assert rate_class_for("25,5", DAY) == "general"
    assert rate_class_for("24", DAY) is None  # the rate before 2024-09-01
    assert rate_class_for("24", dt.date(2024, 8, 1)) == "general"
    assert rate_class_for("13,5", DAY) == "foodstuffs_restaurants"
    assert rate_class_for("10", DAY) == "newspapers_periodicals"
    body, bad = product_body(
        {"name_fi": "Työ", "unit_price_with_vat": "125,50", "vat_rate": "25,5"}, DAY
    )
    assert bad is None
    assert body == {"names": {"fi": "Työ"}, "unit_price": "125.50", "prices_include_vat": True,
                    "rate_class": "general"}  # fmt: skip
    assert product_body({"name_fi": "X", "unit_price": "1", "vat_rate": "0"}, DAY)[1] == "vat_rate"
    zero, bad_zero = product_body(
        {"name_fi": "X", "unit_price": "1", "vat_rate": "0", "vat_category": "z"}, DAY
    )
    assert bad_zero is None
    assert zero["vat_category"] == "Z"
    assert (
        product_body(
            {"name_fi": "X", "unit_price": "1", "vat_rate": "24", "vat_category": "Z"}, DAY
        )[1]
        == "vat_rate"
    )
    assert (
        product_body(
            {"name_fi": "X", "unit_price": "1", "vat_rate": "25,5", "vat_category": "Z"}, DAY
        )[1]
        == "vat_rate"
    )
