"""Copying an invoice or a credit note into a new draft (issue 9), against the real database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from laskutin.companies.domain import Role
from laskutin.core import clock
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_product, make_seller

INVOICES = "/api/v1/invoices"


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    made = await auth.new_company("A")
    await make_seller(auth, made)
    return made


@pytest.fixture
async def owner(auth: TokenAuth, company: Company) -> dict[str, str]:
    return await auth.as_role(company, Role.OWNER)


async def issued(
    client: AsyncClient,
    owner: dict[str, str],
    customer: str,
    lines: list[dict[str, Any]],
    **more: Any,
) -> dict[str, Any]:
    draft = await client.post(
        INVOICES, json={"customer_id": customer, "lines": lines, **more}, headers=owner
    )
    assert draft.status_code == 201, draft.text
    done = await client.post(f"{INVOICES}/{draft.json()['id']}/issue", headers=owner)
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


async def test_a_copy_is_a_new_draft_with_the_lines_at_todays_rates(
    client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str]
) -> None:
    customer = await make_customer(auth, company)
    other = await make_customer(auth, company, language="sv")
    product = await make_product(auth, company)
    with clock.frozen_at(dt.datetime(2024, 8, 15, 10, tzinfo=dt.UTC)):
        then = await auth.as_role(company, Role.OWNER)  # a token of that time
        old = await issued(
            client,
            then,
            customer,
            [line(product_id=product, description=None, unit_price=None, vat_rate=None),
             line(description="Kirja", vat_rate="10", quantity="3")],
            buyer_reference="Tilaus 7",
            notes="Kiitos!",
        )  # fmt: skip
    assert old["lines"][0]["vat_rate"] == "24"  # the general rate before 2024-09-01

    copy = await client.post(f"{INVOICES}/{old['id']}/copy", headers=owner)
    assert copy.status_code == 201, copy.text
    draft = copy.json()
    assert copy.headers["Location"] == f"/api/v1/invoices/{draft['id']}"
    assert draft["status"] == "draft"
    assert draft["number"] is None
    assert draft["invoice_date"] is None
    assert draft["customer_id"] == customer
    assert draft["buyer_reference"] == "Tilaus 7"
    assert draft["notes"] == "Kiitos!"
    assert [(ln["description"], ln["quantity"]) for ln in draft["lines"]] == [
        (old["lines"][0]["description"], "2.0000"),
        ("Kirja", "3.0000"),
    ]
    assert draft["lines"][0]["vat_rate"] == "25.5"  # today's general rate
    assert draft["lines"][0]["product_id"] == product

    elsewhere = await client.post(
        f"{INVOICES}/{old['id']}/copy", json={"customer_id": other}, headers=owner
    )
    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["customer_id"] == other
    assert elsewhere.json()["language"] == "sv"  # the new customer's
    # The original is untouched.
    assert (await client.get(f"{INVOICES}/{old['id']}", headers=owner)).json()["number"] == old[
        "number"
    ]


async def test_a_credit_note_copies_back_into_charges(
    client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str]
) -> None:
    wrong = await make_customer(auth, company)
    right = await make_customer(auth, company)
    invoice = await issued(client, owner, wrong, [line(quantity="2")])
    note = await client.post(f"{INVOICES}/{invoice['id']}/credit-note", headers=owner)
    assert note.status_code == 201, note.text
    await client.post(f"{INVOICES}/{note.json()['id']}/issue", headers=owner)
    copy = await client.post(
        f"{INVOICES}/{note.json()['id']}/copy", json={"customer_id": right}, headers=owner
    )
    assert copy.status_code == 201, copy.text
    assert copy.json()["kind"] == "invoice"
    assert copy.json()["lines"][0]["quantity"] == "2.0000"
    assert copy.json()["total"] == invoice["total"]


async def test_refusals(
    client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str]
) -> None:
    customer = await make_customer(auth, company)
    invoice = await issued(client, owner, customer, [line()])
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    assert (
        await client.post(f"{INVOICES}/{invoice['id']}/copy", headers=accountant)
    ).status_code == 403
    unknown = await client.post(
        f"{INVOICES}/{invoice['id']}/copy",
        json={"customer_id": "00000000-0000-0000-0000-000000000000"},
        headers=owner,
    )
    assert unknown.status_code in (404, 422), unknown.text
    assert (
        await client.post(f"{INVOICES}/{invoice['id']}/copy", json={"x": 1}, headers=owner)
    ).status_code == 422
    key = {"Idempotency-Key": "kopio-1", **owner}
    first = await client.post(f"{INVOICES}/{invoice['id']}/copy", headers=key)
    again = await client.post(f"{INVOICES}/{invoice['id']}/copy", headers=key)
    assert first.json()["id"] == again.json()["id"]
