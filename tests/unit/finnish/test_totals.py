"""finnish/lines and finnish/totals: line amounts, VAT breakdown, credit notes (§8, §11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.core import money
from laskutin.core.money import round_cents
from laskutin.finnish import lines, totals, vat
from laskutin.finnish.lines import Line, build_line, credit_lines, line_amount
from laskutin.finnish.totals import InvoiceTotals, invoice_totals
from laskutin.finnish.vat import RateClass, VatCategory

D = Decimal
MID_2025 = date(2025, 6, 1)
FOOD = RateClass.FOODSTUFFS_RESTAURANTS
BOOKS = RateClass.BOOKS_MEDICINES_CULTURE_TRANSPORT


def line(quantity: str, unit_price: str, **options: Any) -> Line:
    options.setdefault("invoice_date", MID_2025)
    return build_line(quantity=quantity, unit_price=unit_price, **options)


# --- worked examples of finnish-invoicing.md §11 ---------------------------------------------


def test_vat_is_computed_per_rate_on_the_sum_of_line_nets() -> None:
    # §11: nets 1.00 + 1.07 + 1.28 at 25.5 %: per line 0.26 + 0.27 + 0.33 = 0.86, per rate 0.85.
    result = invoice_totals([line("1", "1.00"), line("1", "1.07"), line("1", "1.28")])
    (row,) = result.breakdown
    assert (row.category, row.rate, row.taxable_amount) == (
        VatCategory.STANDARD,
        D("25.5"),
        D("3.35"),
    )
    assert row.vat_amount == D("0.85")
    assert sum(amounts.vat for amounts in result.lines) == D("0.86")  # informational only
    assert (result.net_total, result.vat_total, result.gross_total) == (
        D("3.35"),
        D("0.85"),
        D("4.20"),
    )


def test_a_gross_price_backs_out_the_net_and_derives_the_vat() -> None:
    # §11: 10.00 € incl. 25.5 % -> net 7.97, VAT 2.03; the customer pays 10.00.
    result = invoice_totals([line("1", "10.00", prices_include_vat=True)])
    assert result.lines[0] == totals.LineAmounts(D("7.97"), D("2.03"), D("10.00"))
    assert result.breakdown[0].taxable_amount == D("7.97")
    assert result.breakdown[0].vat_amount == D("2.03")
    assert result.gross_total == D("10.00")


def test_three_gross_prices_still_total_what_the_customer_saw() -> None:
    # Each 10.00 backs out to 7.968…; no net N has N + round(N × 25.5 %) = 30.00, so the net is
    # round(30.00 / 1.255) = 23.90 and the VAT 6.10, one cent off round(23.90 × 25.5 %) = 6.09.
    result = invoice_totals([line("1", "10.00", prices_include_vat=True)] * 3)
    assert result.gross_total == D("30.00")
    assert (result.net_total, result.vat_total) == (D("23.90"), D("6.10"))
    assert sorted(amounts.net for amounts in result.lines) == [D("7.96"), D("7.97"), D("7.97")]
    assert all(amounts.gross == D("10.00") for amounts in result.lines)


@pytest.mark.parametrize(
    ("quantity", "unit_price", "discount", "net"),
    [
        ("1.5", "60.00", "0", "90.00"),  # decimal quantities: 1.5 h
        ("3", "19.99", "12.5", "52.47"),  # 52.47375, rounded once
        ("1234.5", "0.0125", "0", "15.43"),  # a price finer than cents: 15.43125
        ("2", "0.005", "0", "0.01"),  # half up
        ("7", "9.99", "100", "0.00"),
    ],
)
def test_line_net_is_rounded_once(quantity: str, unit_price: str, discount: str, net: str) -> None:
    assert line_amount(line(quantity, unit_price, discount_percent=discount)) == D(net)


# --- rates by tax point, credit notes (§5, §8) -----------------------------------------------


def test_december_and_january_deliveries_on_one_invoice_get_their_own_rates() -> None:
    invoice_date = date(2026, 1, 10)
    december, january = date(2025, 12, 20), date(2026, 1, 5)
    result = invoice_totals(
        [
            line("1", "100.00", rate_class=FOOD, invoice_date=invoice_date, delivery_date=december),
            line("1", "100.00", rate_class=FOOD, invoice_date=invoice_date, delivery_date=january),
            line(
                "1", "100.00", rate_class=BOOKS, invoice_date=invoice_date, delivery_date=december
            ),
            line("1", "100.00", rate_class=BOOKS, invoice_date=invoice_date),  # tax point: 10.1.
        ]
    )
    assert [(row.rate, row.taxable_amount, row.vat_amount) for row in result.breakdown] == [
        (D("14"), D("200.00"), D("28.00")),
        (D("13.5"), D("200.00"), D("27.00")),
    ]


def test_credit_note_of_a_2025_invoice_issued_in_2026_keeps_the_original_rates() -> None:
    invoice_date = date(2025, 1, 10)
    original = [
        line("2", "50.00", invoice_date=invoice_date, delivery_date=date(2024, 8, 20)),  # 24 %
        line("3", "12.40", rate_class=FOOD, invoice_date=invoice_date),  # 14 %
        line("1", "29.90", rate_class=BOOKS, invoice_date=invoice_date),  # 14 % (10 % in 2024)
    ]
    credit = credit_lines(original)  # issued 2026-02-01: the date of issue picks nothing
    assert [c.vat_rate for c in credit] == [D("24"), D("14"), D("14")]
    assert [c.tax_point for c in credit] == [o.tax_point for o in original]
    assert [c.quantity for c in credit] == [D("-2"), D("-3"), D("-1")]
    invoice, credit_note = invoice_totals(original), invoice_totals(credit, credit_note=True)
    assert [(row.rate, row.taxable_amount) for row in credit_note.breakdown] == [
        (D("24"), D("-100.00")),
        (D("14"), D("-67.10")),
    ]
    assert credit_note == _negated(invoice)


def test_partial_credit_of_chosen_lines() -> None:
    original = [line("10", "5.00"), line("4", "2.50", rate_class=FOOD, discount_percent="10")]
    credit = credit_lines(original, {1: "1.5"})
    assert credit == [replace(original[1], quantity=D("-1.5"))]
    result = invoice_totals(credit, credit_note=True)
    assert (result.net_total, result.gross_total) == (D("-3.38"), D("-3.85"))  # -3.375 -> -3.38
    assert credit_lines(original, {0: None}) == [replace(original[0], quantity=D("-10"))]


@pytest.mark.parametrize("wanted", ["0", "-1", "4.0001"])
def test_credit_quantity_must_be_above_zero_and_at_most_the_original(wanted: str) -> None:
    with pytest.raises(lines.CreditQuantityOutOfRange) as caught:
        credit_lines([line("4", "1.00")], {0: wanted})
    assert caught.value.params["field"] == "lines.0.quantity"


def test_credit_of_a_line_the_invoice_does_not_have() -> None:
    with pytest.raises(lines.UnknownOriginalLine):
        credit_lines([line("4", "1.00")], {1: None})


def test_tiny_credit_amounts_are_zero_not_minus_zero() -> None:
    credit = credit_lines([line("0.0001", "0.01")])
    result = invoice_totals(credit, credit_note=True)
    assert str(result.lines[0].net) == "0.00"
    assert str(result.gross_total) == "0.00"


# --- categories and the breakdown ------------------------------------------------------------


def test_breakdown_rows_carry_category_code_rate_and_note() -> None:
    result = invoice_totals(
        [
            line("1", "100.00", rate_class=FOOD),
            line("1", "1000.00", category="AE", vat_ground_key="construction_reverse_charge"),
            line("1", "100.00"),
            line("2", "10.00", category="AE", vat_ground_key="construction_reverse_charge"),
        ]
    )
    assert [(row.category.value, row.rate, row.taxable_amount) for row in result.breakdown] == [
        ("S", D("25.5"), D("100.00")),
        ("S", D("14"), D("100.00")),
        ("AE", D("0"), D("1020.00")),
    ]
    reverse_charge = result.breakdown[2]
    assert reverse_charge.vat_amount == 0
    assert reverse_charge.note("fi") == "Käännetty verovelvollisuus (AVL 8 c §)"
    assert reverse_charge.note("en") == "Reverse charge (Finnish VAT Act 8 c §)"
    assert result.breakdown[0].note() is None
    assert result.gross_total == D("1259.50")


def test_non_standard_lines_get_rate_zero_whatever_the_rate_class() -> None:
    exported = line("1", "10.00", category="G", rate_class=FOOD)
    assert (exported.vat_rate, exported.rate_class) == (D(0), None)
    assert exported.ground is vat.VAT_GROUNDS["export_outside_eu"]


def test_sales_not_subject_to_vat_cannot_mix_with_other_categories() -> None:
    with pytest.raises(totals.NotSubjectToVatMixed) as caught:
        invoice_totals([line("1", "10.00", category="O"), line("1", "10.00")])
    assert caught.value.params["field"] == "lines.1.category"
    assert invoice_totals([line("1", "10.00", category="O")]).gross_total == D("10.00")


def test_one_exemption_ground_per_category_on_one_invoice() -> None:
    health = line("1", "80.00", category="E", vat_ground_key="health_care")
    school = line("1", "50.00", category="E", vat_ground_key="education")
    with pytest.raises(totals.ConflictingVatGrounds) as caught:
        invoice_totals([health, health, school])
    assert caught.value.params["field"] == "lines.2.vat_ground"


# --- bad input -------------------------------------------------------------------------------


def test_negative_quantity_belongs_on_a_credit_note() -> None:
    with pytest.raises(lines.NegativeQuantityOnInvoice) as caught:
        line("-1", "10.00", position=2)
    assert caught.value.params["field"] == "lines.2.quantity"
    assert "hyvityslasku" in caught.value.message("fi")
    assert line("-1", "10.00", credit_note=True).quantity == -1


def test_negative_unit_price_is_refused() -> None:  # EN 16931 BR-27
    with pytest.raises(money.NegativeNotAllowed) as caught:
        line("1", "-10.00", position=1)
    assert caught.value.params["field"] == "lines.1.unit_price"


@pytest.mark.parametrize("discount", ["-1", "100.01"])
def test_discount_outside_0_to_100_is_refused(discount: str) -> None:
    with pytest.raises(lines.DiscountOutOfRange) as caught:
        line("1", "10.00", discount_percent=discount)
    assert caught.value.params["field"] == "lines.0.discount_percent"


@pytest.mark.parametrize(
    ("field", "options"),
    [
        ("quantity", {"quantity": "1.00001"}),
        ("unit_price", {"unit_price": "0.0000001"}),
        ("discount_percent", {"discount_percent": "10.125"}),
    ],
)
def test_too_many_decimals_name_the_field(field: str, options: dict[str, str]) -> None:
    values = {"quantity": "1", "unit_price": "1.00"} | options
    with pytest.raises(money.TooManyDecimals) as caught:
        build_line(invoice_date=MID_2025, position=4, **values)  # type: ignore[arg-type]
    assert caught.value.params["field"] == f"lines.4.{field}"


def test_floats_are_refused() -> None:
    with pytest.raises(money.NotANumber):
        build_line(quantity=1.5, unit_price="1.00", invoice_date=MID_2025)  # type: ignore[arg-type]


def test_unknown_rate_class_and_date_before_any_rate_name_the_field() -> None:
    with pytest.raises(vat.UnknownRateClass) as unknown:
        line("1", "1.00", rate_class="luxury", position=3)
    assert unknown.value.params["field"] == "lines.3.rate_class"
    with pytest.raises(vat.NoVatRateOnDate) as too_early:
        line("1", "1.00", delivery_date=date(2012, 6, 1))
    assert too_early.value.params["field"] == "lines.0.delivery_date"
    with pytest.raises(vat.NoVatRateOnDate) as no_delivery_date:
        line("1", "1.00", invoice_date=date(2012, 6, 1))
    assert no_delivery_date.value.params["field"] == "lines.0.invoice_date"


def test_category_rate_mismatches_are_refused() -> None:  # BR-S-05, BR-AE-05 and peers
    standard = line("1", "1.00")
    reverse = line("1", "1.00", category="AE", vat_ground_key="eu_services_reverse_charge")
    for bad in (replace(reverse, vat_rate=D("25.5")), replace(standard, vat_rate=D("0"))):
        with pytest.raises(lines.VatRateNotAllowed) as caught:
            invoice_totals([standard, bad])
        assert caught.value.params["field"] == "lines.1.vat_rate"


def test_lines_made_by_hand_are_checked_too() -> None:
    standard = line("1", "1.00")
    with pytest.raises(vat.VatGroundRequired):
        invoice_totals([replace(standard, category=VatCategory.EXEMPT, vat_rate=D(0))])
    with pytest.raises(vat.VatGroundMismatch):
        invoice_totals([replace(standard, ground=vat.VAT_GROUNDS["health_care"])])
    with pytest.raises(lines.NegativeQuantityOnInvoice):
        invoice_totals([replace(standard, quantity=D(-1))])


def test_unknown_category_and_ground_name_the_field() -> None:
    with pytest.raises(vat.UnknownVatCategory) as category:
        line("1", "1.00", category="VAT", position=1)
    assert category.value.params["field"] == "lines.1.category"
    with pytest.raises(vat.VatGroundRequired) as ground:
        line("1", "1.00", category="E", position=1)
    assert ground.value.params["field"] == "lines.1.vat_ground"


# --- properties ------------------------------------------------------------------------------

BOOLEANS = st.booleans()
CLASSES = st.sampled_from(list(RateClass))
DAYS = st.dates(min_value=date(2013, 1, 1), max_value=date(2027, 12, 31))
# One ground per category, so random mixes stay valid (O is tested alone).
CATEGORIES = st.sampled_from(
    [("S", None)] * 4
    + [("Z", None), ("E", "education"), ("AE", "eu_services_reverse_charge"), ("K", None)]
    + [("G", None)]
)


@st.composite
def invoice_lines(draw: st.DrawFn, include_vat: st.SearchStrategy[bool] = BOOLEANS) -> Line:
    category, ground = draw(CATEGORIES)
    return build_line(
        quantity=draw(st.decimals(0, 10_000, places=draw(st.integers(0, 4)))),
        unit_price=draw(st.decimals(0, 100_000, places=draw(st.integers(0, 6)))),
        discount_percent=draw(st.sampled_from([D(0)] * 3 + [draw(st.decimals(0, 100, places=2))])),
        invoice_date=draw(DAYS),
        rate_class=draw(CLASSES),
        category=category,
        vat_ground_key=ground,
        prices_include_vat=draw(include_vat),
    )


INVOICES = st.lists(invoice_lines(), max_size=12)


def _negated(result: InvoiceTotals) -> InvoiceTotals:
    return InvoiceTotals(
        lines=tuple(totals.LineAmounts(-a.net + 0, -a.vat + 0, -a.gross + 0) for a in result.lines),
        breakdown=tuple(
            replace(row, taxable_amount=-row.taxable_amount + 0, vat_amount=-row.vat_amount + 0)
            for row in result.breakdown
        ),
        net_total=-result.net_total + 0,
        vat_total=-result.vat_total + 0,
        gross_total=-result.gross_total + 0,
    )


def _cents(amount: Decimal) -> bool:
    return amount == round_cents(amount)


@given(INVOICES)
def test_totals_are_the_sum_of_their_parts_to_the_cent(invoice: list[Line]) -> None:
    result = invoice_totals(invoice)
    assert result.gross_total == result.net_total + result.vat_total  # BR-CO-15
    assert result.vat_total == sum(row.vat_amount for row in result.breakdown)  # BR-CO-14
    assert result.net_total == sum(row.taxable_amount for row in result.breakdown)
    assert result.net_total == sum(amounts.net for amounts in result.lines)  # BR-CO-10
    for row in result.breakdown:  # BR-S-08: taxable = Σ line nets of the rate
        members = [
            amounts
            for source, amounts in zip(invoice, result.lines, strict=True)
            if (source.category, source.vat_rate) == (row.category, row.rate)
        ]
        assert row.taxable_amount == sum(amounts.net for amounts in members)
    for amounts in result.lines:
        assert amounts.net + amounts.vat == amounts.gross
    money_out = [result.net_total, result.vat_total, result.gross_total]
    money_out += [a for row in result.breakdown for a in (row.taxable_amount, row.vat_amount)]
    money_out += [a for amounts in result.lines for a in (amounts.net, amounts.vat, amounts.gross)]
    assert all(_cents(amount) for amount in money_out)


@given(st.lists(invoice_lines(include_vat=st.just(False)), max_size=12))
def test_vat_per_rate_is_the_rounded_rate_of_the_taxable_amount(invoice: list[Line]) -> None:
    for row in invoice_totals(invoice).breakdown:  # BR-CO-17, exactly
        assert row.vat_amount == round_cents(row.taxable_amount * row.rate / 100)


@given(INVOICES)
def test_vat_inclusive_groups_stay_within_a_cent_of_br_co_17(invoice: list[Line]) -> None:
    for row in invoice_totals(invoice).breakdown:
        assert abs(row.vat_amount - round_cents(row.taxable_amount * row.rate / 100)) <= D("0.01")


@given(st.lists(invoice_lines(include_vat=st.just(True)), max_size=12))
def test_customer_pays_exactly_the_gross_they_saw(invoice: list[Line]) -> None:
    result = invoice_totals(invoice)
    assert result.gross_total == sum((line_amount(each) for each in invoice), D(0))
    for each, amounts in zip(invoice, result.lines, strict=True):
        assert amounts.gross == line_amount(each)
        exact_net = Fraction(amounts.gross) * 100 / (100 + Fraction(each.vat_rate))
        assert abs(Fraction(amounts.net) - exact_net) <= Fraction("0.015")


@given(INVOICES)
def test_mixed_invoices_total_the_gross_lines_plus_the_taxed_net_lines(invoice: list[Line]) -> None:
    expected = D(0)
    for rate in {each.vat_rate for each in invoice}:
        net = sum(
            (line_amount(e) for e in invoice if e.vat_rate == rate and not e.prices_include_vat),
            D(0),
        )
        expected += net + round_cents(net * rate / 100)
    expected += sum((line_amount(e) for e in invoice if e.prices_include_vat), D(0))
    assert invoice_totals(invoice).gross_total == expected


@given(invoice_lines())
def test_line_amount_is_the_exact_product_rounded_once(each: Line) -> None:
    exact = (
        Fraction(each.quantity)
        * Fraction(each.unit_price)
        * (1 - Fraction(each.discount_percent) / 100)
    )
    amount = line_amount(each)
    assert _cents(amount)
    assert abs(Fraction(amount) - exact) <= Fraction(1, 200)
    assert abs(Fraction(amount) - exact) < Fraction(1, 200) or amount > exact  # half up


@given(INVOICES)
def test_a_full_credit_note_is_the_exact_negative_of_its_invoice(invoice: list[Line]) -> None:
    credit = credit_lines(invoice)
    assert all(
        c.vat_rate == o.vat_rate and c.tax_point == o.tax_point
        for c, o in zip(credit, invoice, strict=True)
    )
    assert invoice_totals(credit, credit_note=True) == _negated(invoice_totals(invoice))


@given(st.lists(invoice_lines(), min_size=1, max_size=6), st.data())
def test_partial_credits_never_exceed_the_original(
    invoice: list[Line], data: st.DataObject
) -> None:
    wanted = {
        position: data.draw(st.decimals(D("0.0001"), each.quantity, places=4))
        for position, each in enumerate(invoice)
        if each.quantity >= D("0.0001")
    }
    credit = credit_lines(invoice, wanted)
    assert [-c.quantity for c in credit] == list(wanted.values())
    original, credited = invoice_totals(invoice), invoice_totals(credit, credit_note=True)
    assert credited.net_total <= 0 <= original.net_total
