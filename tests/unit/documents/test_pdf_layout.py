"""Pagination of the invoice body, text wrapping, table columns, and the number, money and
date formats of each language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from laskutin.documents.pdf.fonts import REGULAR, text_width
from laskutin.documents.pdf.labels import LABELS, formats
from laskutin.documents.pdf.layout import LEFT, RIGHT, Block, Frame, PagePlan, paginate
from laskutin.documents.pdf.sheet import MM, num
from laskutin.documents.pdf.table import columns
from laskutin.documents.pdf.text import clip, wrap
from laskutin.documents.service import pdf_filename

FRAME = Frame(first_top=80, next_top=30, bottom=270, last_bottom=180, header_height=6)
TAIL = Block(30.0)


def rows(count: int, height: float = 5.0) -> list[Block]:
    return [Block(height, is_row=True) for _ in range(count)]


def indexes(page: PagePlan) -> list[int]:
    return [index for index, _ in page.placed]


def test_a_short_body_is_one_page_with_the_header_above_the_first_row() -> None:
    (page,) = paginate([*rows(10), TAIL], FRAME)
    assert page.header_y == 80
    assert page.placed[0] == (0, 86)
    assert page.placed[-1] == (10, 136)


def test_rows_continue_on_the_next_page_under_a_repeated_header() -> None:
    pages = paginate([*rows(40), TAIL], FRAME)
    assert len(pages) == 2
    assert indexes(pages[0]) == list(range(36))  # (270 - 86) / 5 rows on the first page
    assert pages[1].header_y == 30
    assert indexes(pages[1]) == [*range(36, 40), 40]


def test_the_last_page_leaves_room_for_the_form_and_keeps_a_row_with_the_totals() -> None:
    # 30 rows and the tail fit the first page down to 270, but not above the form (180).
    pages = paginate([*rows(30), TAIL], FRAME)
    assert len(pages) == 2
    assert indexes(pages[0]) == list(range(29))  # the first page stays full
    assert indexes(pages[1]) == [29, 30]  # the last row goes with the totals
    assert pages[1].header_y == 30


def test_a_page_of_only_the_tail_when_no_row_can_go_along() -> None:
    tall_tail = Block(140.0)  # fits a fresh last page alone: 30 + 140 <= 180, with a row not
    pages = paginate([*rows(3), tall_tail], FRAME)
    assert [indexes(page) for page in pages] == [[0, 1, 2], [3]]
    assert pages[1].header_y is None


def test_a_form_page_of_its_own_when_nothing_fits_above_the_form() -> None:
    pages = paginate([*rows(2), Block(160.0)], FRAME)
    assert len(pages) == 2
    assert pages[-1].placed == []


def test_a_heading_never_ends_a_page() -> None:
    heading = Block(6.0, keep_with_next=True)
    body = [*rows(36), heading, Block(4.0), Block(4.0)]
    pages = paginate(body, FRAME)
    assert 36 in indexes(pages[-1])
    assert indexes(pages[-1])[0] in (35, 36)
    for page in pages[:-1]:
        assert not body[indexes(page)[-1]].keep_with_next


def test_nothing_is_lost_or_repeated_over_many_pages() -> None:
    body = [*rows(500, 4.8), *[Block(3.8) for _ in range(120)], TAIL]
    pages = paginate(body, FRAME)
    assert [i for page in pages for i in indexes(page)] == list(range(len(body)))
    for number, page in enumerate(pages):
        bottom = FRAME.last_bottom if number == len(pages) - 1 else FRAME.bottom
        index, top = page.placed[-1]
        assert top + body[index].height <= bottom


def test_wrap_keeps_the_writers_line_breaks_and_breaks_long_words() -> None:
    assert wrap("", REGULAR, 8, 50) == []
    assert wrap("Lyhyt", REGULAR, 8, 50) == ["Lyhyt"]
    assert wrap("Eka\n\nToka", REGULAR, 8, 50) == ["Eka", "", "Toka"]
    lines = wrap("sana " * 40, REGULAR, 8, 30)
    assert len(lines) > 3
    assert all(text_width(line, REGULAR, 8) <= 30 * MM for line in lines)
    long_word = "x" * 200
    broken = wrap(long_word, REGULAR, 8, 20)
    assert "".join(broken) == long_word
    assert clip("lyhyt", REGULAR, 8, 50) == "lyhyt"
    assert clip("pitkä " * 30, REGULAR, 8, 20).endswith("…")


def test_the_columns_fill_the_width_and_the_discount_column_only_when_needed() -> None:
    for with_discount in (False, True):
        found = columns(with_discount)
        assert found[0].left == LEFT
        assert found[-1].right == RIGHT
        assert ("discount" in [c.key for c in found]) is with_discount


@pytest.mark.parametrize(
    ("language", "money", "amount", "date"),
    [
        ("fi", "-1 234,50 €", "1 234 567,00", "6.12.2026"),
        ("sv", "-1 234,50 €", "1 234 567,00", "2026-12-06"),
        ("en", "-1 234,50 €", "1 234 567,00", "6 Dec 2026"),
    ],
)
def test_formats(language: str, money: str, amount: str, date: str) -> None:
    fmt = formats(language)  # type: ignore[arg-type]
    assert fmt.money(Decimal("-1234.50")).replace("\xa0", " ") == money
    assert fmt.amount(Decimal("1234567")).replace("\xa0", " ") == amount
    assert fmt.date(dt.date(2026, 12, 6)) == date


def test_quantities_prices_and_rates_print_every_digit_and_no_more() -> None:
    fmt = formats("fi")
    assert fmt.quantity(Decimal("2.0000")) == "2"
    assert fmt.quantity(Decimal("1.2500")) == "1,25"
    assert fmt.quantity(Decimal("0.0001")) == "0,0001"
    assert fmt.quantity(Decimal("25.5")) == "25,5"
    assert fmt.quantity(Decimal("100")) == "100"
    assert fmt.price(Decimal("100.000000")) == "100,00"
    assert fmt.price(Decimal("0.123456")) == "0,123456"
    assert fmt.price(Decimal("12.5")) == "12,50"


def test_every_language_has_every_label() -> None:
    for labels in LABELS.values():
        assert all(isinstance(value, str) and value for value in vars(labels).values())
        assert labels.file_invoice.isascii()
        assert labels.file_credit_note.isascii()


def test_pdf_numbers_are_short_and_fixed() -> None:
    assert num(1.0) == "1"
    assert num(2.345) == "2.35"
    assert num(-0.001) == "0"
    assert num(841.8897637795275) == "841.89"


@pytest.mark.parametrize(
    ("kind", "number", "language", "expected"),
    [
        ("invoice", "1001", "fi", "lasku-1001.pdf"),
        ("credit_note", "1002", "sv", "kreditnota-1002.pdf"),
        ("credit_note", "1003", "en", "credit-note-1003.pdf"),
        ("invoice", None, "fi", "lasku-luonnos.pdf"),
        ("invoice", None, "en", "invoice-draft.pdf"),
        ("invoice", "2026/7 Ä", "fi", "lasku-2026-7.pdf"),  # a header value: safe ASCII only
        ("invoice", "7", "xx", "lasku-7.pdf"),
    ],
)
def test_pdf_file_names(kind: str, number: str | None, language: str, expected: str) -> None:
    assert pdf_filename(kind=kind, number=number, language=language) == expected
