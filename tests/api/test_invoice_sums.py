"""Sums of issued invoices and their credit notes through the whole API, for random lines
(property-based, issue 5): what the database stores and the API answers adds up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laskutin.companies.domain import Role
from laskutin.core import clock
from laskutin.finnish.barcode import parse_virtual_barcode
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import make_customer, make_seller

INVOICES = "/api/v1/invoices"


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[str]:
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False
    ).map(str)


# Rates in force on 2026-03-05: general 25.5, foodstuffs 13.5, books/medicines 10; and a
# zero-rated export line (category G).
vat = st.sampled_from([("S", "25.5"), ("S", "13.5"), ("S", "10"), ("G", "0")])
lines = st.lists(
    st.builds(
        lambda quantity, price, discount, category: {
            "description": "Rivi",
            "quantity": quantity,
            "unit_price": price,
            "discount_percent": discount,
            "vat_category": category[0],
            "vat_rate": category[1],
        },
        decimals("0.0001", "500", 4),
        decimals("0", "2000", 4),
        st.sampled_from(["0", "5", "12.5", "33.33"]),
        vat,
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture(autouse=True)
def march_2026() -> Iterator[None]:
    with clock.frozen_at(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)):
        yield


def money(value: str) -> Decimal:
    return Decimal(value)


def assert_adds_up(invoice: dict[str, Any]) -> None:
    net, tax, total = (money(invoice[k]) for k in ("net_total", "vat_total", "total"))
    assert net + tax == total
    assert sum(money(r["taxable_amount"]) for r in invoice["vat_breakdown"]) == net
    assert sum(money(r["vat_amount"]) for r in invoice["vat_breakdown"]) == tax
    assert sum(money(line["net_amount"]) for line in invoice["lines"]) == net
    for amount in (net, tax, total):
        assert amount == amount.quantize(Decimal("0.01"))


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(chosen=lines, prices_include_vat=st.booleans())
async def test_issued_totals_barcode_and_full_credit_add_up(
    app: FastAPI, client: AsyncClient, chosen: list[dict[str, str]], prices_include_vat: bool
) -> None:
    auth = TokenAuth(app)
    company: Company = await auth.new_company("Sums")
    await make_seller(auth, company)
    headers = await auth.as_role(company, Role.OWNER)
    body = {
        "customer_id": await make_customer(auth, company),
        "prices_include_vat": prices_include_vat,
        "lines": chosen,
    }

    preview = await client.post(f"{INVOICES}/preview", json=body, headers=headers)
    assert preview.status_code == 200, preview.text
    created = await client.post(INVOICES, json=body, headers=headers)
    assert created.status_code == 201, created.text
    issued = await client.post(f"{INVOICES}/{created.json()['id']}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    invoice = issued.json()

    assert_adds_up(invoice)
    for key in ("net_total", "vat_total", "total", "vat_breakdown"):
        assert invoice[key] == preview.json()[key]
    if money(invoice["total"]) > 0:
        barcode = parse_virtual_barcode(invoice["bank_barcode"])
        assert barcode.amount == money(invoice["total"])

    note = await client.post(f"{INVOICES}/{invoice['id']}/credit-note", headers=headers)
    assert note.status_code == 201, note.text
    issued_note = await client.post(f"{INVOICES}/{note.json()['id']}/issue", headers=headers)
    assert issued_note.status_code == 200, issued_note.text
    credit = issued_note.json()
    assert_adds_up(credit)
    assert money(credit["total"]) == -money(invoice["total"])
    assert money(credit["vat_total"]) == -money(invoice["vat_total"])
    original = await client.get(f"{INVOICES}/{invoice['id']}", headers=headers)
    assert money(original.json()["credited_amount"]) == money(invoice["total"])
    assert original.json()["balance"] == "0.00"
