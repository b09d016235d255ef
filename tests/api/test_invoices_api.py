"""Invoices, credit notes and payments through the API, on the real database (issue 5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from laskutin.companies.domain import Role
from laskutin.core import clock
from laskutin.finnish.barcode import parse_virtual_barcode
from laskutin.finnish.vat import RateClass
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import IBAN, line, make_customer, make_product, make_seller

INVOICES = "/api/v1/invoices"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def march_2026() -> Iterator[None]:
    """Business dates in these tests: 2026-03-05 in Helsinki unless a test says otherwise."""
    with clock.frozen_at(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    made = await auth.new_company("A")
    await make_seller(auth, made)
    return made


async def owner(auth: TokenAuth, company: Company) -> dict[str, str]:
    return await auth.as_role(company, Role.OWNER)


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


async def draft(
    client: AsyncClient, auth: TokenAuth, company: Company, **body: Any
) -> dict[str, Any]:
    if "customer_id" not in body:
        body["customer_id"] = await make_customer(auth, company)
    body.setdefault("lines", [line()])
    return ok(await client.post(INVOICES, json=body, headers=await owner(auth, company)), 201)


async def issue(
    client: AsyncClient, auth: TokenAuth, company: Company, invoice_id: str, **body: Any
) -> dict[str, Any]:
    answer = await client.post(
        f"{INVOICES}/{invoice_id}/issue", json=body or None, headers=await owner(auth, company)
    )
    return ok(answer)


async def pay(
    client: AsyncClient, auth: TokenAuth, company: Company, invoice_id: str, amount: str
) -> dict[str, Any]:
    answer = await client.post(
        f"{INVOICES}/{invoice_id}/payments",
        json={"payment_date": "2026-03-10", "amount": amount},
        headers=await owner(auth, company),
    )
    return ok(answer, 201)


async def get(
    client: AsyncClient, auth: TokenAuth, company: Company, invoice_id: str
) -> dict[str, Any]:
    return ok(await client.get(f"{INVOICES}/{invoice_id}", headers=await owner(auth, company)))


# --- drafts and preview ----------------------------------------------------------------------


async def test_draft_preview_issue_payments_and_credit_notes(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    customer_id = await make_customer(auth, company, payment_terms_days=21)
    body = {
        "customer_id": customer_id,
        "invoice_date": "2026-03-02",
        "buyer_reference": "Tilaus 77",
        "lines": [
            line(quantity="2", unit_price="100.00", vat_rate="25.5"),
            line(description="Kirja", quantity="1", unit_price="20.00", vat_rate="13.5"),
        ],
    }
    preview = ok(await client.post(f"{INVOICES}/preview", json=body, headers=headers))
    assert (preview["net_total"], preview["vat_total"], preview["total"]) == (
        "220.00",
        "53.70",
        "273.70",
    )
    assert [(r["vat_rate"], r["vat_amount"]) for r in preview["vat_breakdown"]] == [
        ("25.5", "51.00"),
        ("13.5", "2.70"),
    ]
    listed = ok(await client.get(INVOICES, headers=headers))
    assert listed["items"] == []  # the preview saved nothing

    created = await draft(client, auth, company, **body)
    assert created["status"] == "draft"
    assert created["number"] is None
    assert created["bank_barcode"] is None
    assert created["total"] == preview["total"]
    assert created["lines"][0]["net_amount"] == "200.00"

    issued = await issue(client, auth, company, created["id"])
    assert issued["status"] == "issued"
    assert issued["number"] == "1"
    assert issued["invoice_date"] == "2026-03-02"
    assert issued["due_date"] == "2026-03-23"  # the customer's 21 days
    assert issued["reference"] == "1012"
    assert issued["seller"]["bank_accounts"][0]["iban"] == IBAN
    assert issued["seller"]["penalty_interest"] == "Viivästyskorko korkolain mukaan"
    assert issued["buyer"]["name"].startswith("Asiakas")
    barcode = parse_virtual_barcode(issued["bank_barcode"])
    assert (barcode.amount, barcode.reference, barcode.due_date) == (
        Decimal("273.70"),
        "1012",
        dt.date(2026, 3, 23),
    )
    invoice_id = issued["id"]

    # Immutable: PATCH, DELETE and issuing again answer 409.
    for answer in (
        await client.patch(f"{INVOICES}/{invoice_id}", json={"notes": "x"}, headers=headers),
        await client.delete(f"{INVOICES}/{invoice_id}", headers=headers),
        await client.post(f"{INVOICES}/{invoice_id}/issue", headers=headers),
    ):
        problem(answer, 409)

    with clock.frozen_at(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)):
        await pay(client, auth, company, invoice_id, "73.70")
        partial = await get(client, auth, company, invoice_id)
        assert partial["status"] == "partially_paid"
        assert (partial["paid_amount"], partial["balance"]) == ("73.70", "200.00")
    with clock.frozen_at(dt.datetime(2026, 3, 24, 12, tzinfo=dt.UTC)):
        headers = await owner(auth, company)  # tokens follow the clock
        assert (await get(client, auth, company, invoice_id))["status"] == "overdue"
        paid = await pay(client, auth, company, invoice_id, "250.00")
        over = await get(client, auth, company, invoice_id)
        assert over["status"] == "paid"
        assert (over["balance"], over["overpaid_amount"]) == ("-50.00", "50.00")
        removed = await client.delete(
            f"{INVOICES}/{invoice_id}/payments/{paid['id']}", headers=headers
        )
        assert removed.status_code == 204, removed.text
        back = await get(client, auth, company, invoice_id)
        assert (back["status"], back["paid_amount"], back["overpaid_amount"]) == (
            "overdue",
            "73.70",
            "0.00",
        )
        payments = ok(await client.get(f"{INVOICES}/{invoice_id}/payments", headers=headers))
        assert [p["amount"] for p in payments["items"]] == ["73.70"]
    headers = await owner(auth, company)

    # A partial credit note of chosen lines, then an amount, then more than remains.
    note = ok(
        await client.post(
            f"{INVOICES}/{invoice_id}/credit-note",
            json={"lines": [{"position": 1}]},
            headers=headers,
        ),
        201,
    )
    assert (note["kind"], note["status"], note["total"]) == ("credit_note", "draft", "-22.70")
    assert note["credited_invoice_id"] == invoice_id
    assert note["lines"][0]["quantity"].startswith("-1")
    assert note["lines"][0]["original_position"] == 1
    issued_note = await issue(client, auth, company, note["id"], invoice_date="2026-03-25")
    assert issued_note["number"] == "2"
    assert issued_note["bank_barcode"] is None
    assert issued_note["due_date"] == "2026-03-25"
    original = await get(client, auth, company, invoice_id)
    assert original["credited_amount"] == "22.70"
    assert [n["id"] for n in original["credit_notes"]] == [note["id"]]

    too_much = await client.post(
        f"{INVOICES}/{invoice_id}/credit-note", json={"amount": "251.01"}, headers=headers
    )
    assert problem(too_much, 422)["errors"][0]["field"] == "amount"
    rest = ok(
        await client.post(
            f"{INVOICES}/{invoice_id}/credit-note", json={"amount": "251.00"}, headers=headers
        ),
        201,
    )
    assert rest["total"] == "-251.00"
    # Split over both rates in proportion to the original's gross per rate (251.00, 22.70).
    assert {r["vat_rate"] for r in rest["vat_breakdown"]} == {"25.5", "13.5"}
    await issue(client, auth, company, rest["id"])
    credited = await get(client, auth, company, invoice_id)
    assert credited["status"] == "credited"
    assert credited["credited_amount"] == "273.70"

    # Crediting a credit note, a draft, or a fully credited invoice is refused.
    problem(await client.post(f"{INVOICES}/{note['id']}/credit-note", headers=headers), 409)
    fresh = await draft(client, auth, company)
    problem(await client.post(f"{INVOICES}/{fresh['id']}/credit-note", headers=headers), 409)
    problem(await client.post(f"{INVOICES}/{invoice_id}/credit-note", headers=headers), 422)

    trail = ok(await client.get(f"{INVOICES}/{invoice_id}/audit", headers=headers))
    actions = [event["action"] for event in reversed(trail["items"])]
    assert actions == [
        "created",
        "issued",
        "payment_recorded",
        "payment_recorded",
        "payment_removed",
        "credited",
        "credited",
    ]


async def test_full_credit_note_by_default(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    invoice = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    note = ok(await client.post(f"{INVOICES}/{invoice['id']}/credit-note", headers=headers), 201)
    assert note["total"] == "-251.00"
    assert note["lines"][0]["tax_point"] == invoice["invoice_date"]
    await issue(client, auth, company, note["id"])
    assert (await get(client, auth, company, invoice["id"]))["status"] == "credited"
    # Payments only on issued invoices.
    problem(
        await client.post(
            f"{INVOICES}/{note['id']}/payments",
            json={"payment_date": "2026-03-10", "amount": "1.00"},
            headers=headers,
        ),
        409,
    )


async def test_a_rate_not_in_force_is_refused_naming_the_rate_that_is(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    customer_id = await make_customer(auth, company)
    answer = await client.post(
        INVOICES,
        json={
            "customer_id": customer_id,
            "invoice_date": "2025-06-01",
            "lines": [line(vat_rate="24")],
        },
        headers={**await owner(auth, company), "Accept-Language": "en"},
    )
    body = problem(answer, 422)
    assert body["type"] == "/problems/vat-rate-not-in-force"
    [error] = body["errors"]
    assert error["field"] == "lines.0.vat_rate"
    assert "25.5" in error["message"]
    assert "24 %" in error["message"]


async def test_draft_without_date_is_checked_today_and_again_at_issue(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    with clock.frozen_at(dt.datetime(2025, 12, 30, 12, tzinfo=dt.UTC)):
        made = await draft(client, auth, company, lines=[line(vat_rate="14")])
    with clock.frozen_at(dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)):
        answer = await client.post(
            f"{INVOICES}/{made['id']}/issue", headers=await owner(auth, company)
        )
    assert problem(answer, 422)["errors"][0]["field"] == "lines.0.vat_rate"
    with clock.frozen_at(dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC)):
        issued = await issue(client, auth, company, made["id"])
    assert issued["invoice_date"] == "2025-12-31"


async def test_issue_takes_the_seller_and_buyer_as_they_are_then(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    """What issuing reads in one statement after locking the draft (the customer, the lines,
    the company and its accounts in order) lands on the invoice: the first account in the
    barcode, every account in the seller's snapshot, the lines in their order."""
    headers = await owner(auth, company)
    op = "FI4950009420028730"
    accounts = [{"iban": op, "bic": "OKOYFIHH"}, {"iban": IBAN}]
    ok(await client.patch("/api/v1/company", json={"bank_accounts": accounts}, headers=headers))
    customer_id = await make_customer(auth, company, name="Ostaja Oy", language="sv")
    lines = [line(description=f"Rivi {n}", unit_price=f"{n}.00") for n in range(1, 4)]
    created = await draft(client, auth, company, customer_id=customer_id, lines=lines)

    issued = await issue(client, auth, company, created["id"])

    assert [a["iban"] for a in issued["seller"]["bank_accounts"]] == [op, IBAN]
    assert parse_virtual_barcode(issued["bank_barcode"]).iban == op
    assert (issued["buyer"]["name"], issued["buyer"]["language"]) == ("Ostaja Oy", "sv")
    assert [row["description"] for row in issued["lines"]] == ["Rivi 1", "Rivi 2", "Rivi 3"]
    assert issued == await get(client, auth, company, created["id"])


async def test_issue_lists_everything_missing(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    made = await draft(client, auth, company, lines=[])
    answer = await client.post(f"{INVOICES}/{made['id']}/issue", headers=await owner(auth, company))
    fields = {error["field"] for error in problem(answer, 422)["errors"]}
    assert fields == {"company.business_id", "company.bank_accounts", "lines"}


async def test_products_fill_lines_and_archived_customers_are_refused(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    product_id = await make_product(auth, company, rate_class="foodstuffs_restaurants")
    customer_id = await make_customer(auth, company, language="sv")
    made = await draft(
        client,
        auth,
        company,
        customer_id=customer_id,
        invoice_date="2026-02-01",
        lines=[{"product_id": product_id, "quantity": "3"}],
    )
    [row] = made["lines"]
    assert (row["description"], row["unit"], row["vat_rate"]) == ("Planering", "h", "13.5")
    assert made["total"] == "272.40"
    archived = await make_customer(auth, company, archived_at=clock.now())
    refused = await draft(client, auth, company, customer_id=archived)
    answer = await client.post(
        f"{INVOICES}/{refused['id']}/issue", headers=await owner(auth, company)
    )
    assert problem(answer, 422)["errors"][0]["field"] == "customer_id"


@pytest.mark.parametrize("rate_class", list(RateClass))
async def test_every_rate_class_of_a_product_reaches_an_issued_line(
    client: AsyncClient, auth: TokenAuth, company: Company, rate_class: RateClass
) -> None:
    product_id = await make_product(auth, company, rate_class=rate_class.value)
    made = await draft(client, auth, company, lines=[{"product_id": product_id}])
    issued = await issue(client, auth, company, made["id"])
    assert issued["lines"][0]["product_id"] == product_id
    assert issued["status"] == "issued"


async def test_patch_etag_if_match_and_delete(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    made = await draft(client, auth, company)
    url = f"{INVOICES}/{made['id']}"
    read = await client.get(url, headers=headers)
    etag = read.headers["etag"]
    assert etag.startswith('"')
    changed = await client.patch(
        url,
        json={"notes": "Kiitos", "lines": [line(quantity="1")]},
        headers={**headers, "If-Match": etag},
    )
    body = ok(changed)
    assert (body["notes"], body["total"]) == ("Kiitos", "125.50")
    assert changed.headers["etag"] != etag
    stale = await client.patch(url, json={"notes": "x"}, headers={**headers, "If-Match": etag})
    problem(stale, 412)
    problem(await client.delete(url, headers={**headers, "If-Match": etag}), 412)
    gone = await client.delete(url, headers={**headers, "If-Match": changed.headers["etag"]})
    assert gone.status_code == 204
    problem(await client.get(url, headers=headers), 404)


async def test_roles_accountant_reads_only(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    made = await draft(client, auth, company)
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    customer_id = made["customer_id"]
    assert (await client.get(f"{INVOICES}/{made['id']}", headers=accountant)).status_code == 200
    for answer in (
        await client.post(INVOICES, json={"customer_id": customer_id}, headers=accountant),
        await client.patch(f"{INVOICES}/{made['id']}", json={}, headers=accountant),
        await client.delete(f"{INVOICES}/{made['id']}", headers=accountant),
        await client.post(f"{INVOICES}/{made['id']}/issue", headers=accountant),
    ):
        problem(answer, 403)
    member = await auth.as_role(company, Role.MEMBER)
    assert (await client.post(f"{INVOICES}/{made['id']}/issue", headers=member)).status_code == 200


async def test_idempotent_issue_replays_and_takes_one_number(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = {**await owner(auth, company), "Idempotency-Key": "issue-once-1"}
    made = await draft(client, auth, company)
    first = await client.post(f"{INVOICES}/{made['id']}/issue", headers=headers)
    second = await client.post(f"{INVOICES}/{made['id']}/issue", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    other = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    assert other["number"] == "2"

    pay_headers = {**await owner(auth, company), "Idempotency-Key": "pay-once-1"}
    payment = {"payment_date": "2026-03-10", "amount": "10.00"}
    for _ in range(2):
        answer = await client.post(
            f"{INVOICES}/{made['id']}/payments", json=payment, headers=pay_headers
        )
        assert answer.status_code == 201
    assert (await get(client, auth, company, made["id"]))["paid_amount"] == "10.00"


async def test_rf_references(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    await make_seller(auth, company, reference_type="rf")
    issued = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    assert issued["reference"].startswith("RF")
    assert issued["reference"].replace(" ", "") == issued["reference_machine"]
    assert parse_virtual_barcode(issued["bank_barcode"]).version == 5


async def test_list_filters_sorts_and_pages(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    special = await make_customer(auth, company, name="Erikoinen Asiakas Oy")
    drafts = [await draft(client, auth, company) for _ in range(2)]
    issued = []
    for day in ("2026-01-10", "2026-02-10", "2026-03-01"):
        made = await draft(client, auth, company, customer_id=special, invoice_date=day)
        issued.append(await issue(client, auth, company, made["id"]))
    await pay(client, auth, company, issued[1]["id"], "251.00")

    async def ids(**params: Any) -> list[str]:
        found: list[str] = []
        cursor = None
        while True:
            query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = ok(await client.get(INVOICES, params=query, headers=headers))
            found += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    everything = await ids()
    assert len(everything) == 5
    assert set(everything[:2]) == {d["id"] for d in drafts}  # no date yet: first
    assert everything[2:] == [i["id"] for i in reversed(issued)]
    by_number = await ids(sort="number", kind="invoice", status=["issued", "paid", "overdue"])
    assert by_number == [issued[2]["id"], issued[1]["id"], issued[0]["id"]]
    with clock.frozen_at(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)):
        assert set(await ids(overdue="true")) == {issued[0]["id"]}
        assert set(await ids(status="overdue")) == {issued[0]["id"]}
        assert set(await ids(status=["paid", "draft"])) == {
            issued[1]["id"],
            *(d["id"] for d in drafts),
        }
    assert set(await ids(customer_id=special)) == {i["id"] for i in issued}
    assert await ids(date_from="2026-02-01", date_to="2026-02-28") == [issued[1]["id"]]
    assert set(await ids(q="erikoinen")) == {i["id"] for i in issued}
    assert await ids(q=issued[2]["number"], kind="invoice", date_from="2026-03-01") == [
        issued[2]["id"]
    ]
    assert await ids(sort="due_date", customer_id=special) == [i["id"] for i in issued]
    assert len(await ids(sort="total")) == 5
    assert len(await ids(sort="created_at", updated_since="2000-01-01T00:00:00Z")) == 5
    bad = await client.get(INVOICES, params={"cursor": "garbage"}, headers=headers)
    problem(bad, 422)
    assert Decimal(ok(await client.get(INVOICES, headers=headers))["items"][0]["total"]) > 0
