"""Quotes (tarjous) through the API, on the real database (issue 9): numbering, lines and
totals as invoices have them, the states and their refusals, expiry in Europe/Helsinki, the
invoice draft made from an accepted quote, PDFs in three languages, and the API conventions
(Idempotency-Key, ETag and If-Match, cursor lists, problem+json naming the field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from laskutin.companies.domain import Role
from laskutin.core import clock
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_product, make_seller
from tests.unit.documents.pdfs import pdf_text

from .test_invoices_api import INVOICES, ok, owner, problem

QUOTES = "/api/v1/quotes"


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


async def quote(
    client: AsyncClient, auth: TokenAuth, company: Company, **body: Any
) -> dict[str, Any]:
    if "customer_id" not in body:
        body["customer_id"] = await make_customer(auth, company)
    body.setdefault("lines", [line()])
    return ok(await client.post(QUOTES, json=body, headers=await owner(auth, company)), 201)


async def act(
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    quote_id: str,
    action: str,
    **headers: str,
) -> Any:
    return await client.post(
        f"{QUOTES}/{quote_id}/{action}", headers={**await owner(auth, company), **headers}
    )


async def get(client: AsyncClient, auth: TokenAuth, company: Company, quote_id: str) -> Any:
    return ok(await client.get(f"{QUOTES}/{quote_id}", headers=await owner(auth, company)))


def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in body.get("errors", [])]


# --- drafts ----------------------------------------------------------------------------------


async def test_create_numbers_defaults_and_totals_as_an_invoice_preview(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    customer_id = await make_customer(auth, company)
    lines = [
        line(quantity="2", unit_price="100.00", vat_rate="25.5"),
        line(description="Kirja", quantity="3", unit_price="19.99", vat_rate="13.5"),
        line(description="Alennus", quantity="1", unit_price="50", discount_percent="10"),
    ]
    answer = await client.post(
        QUOTES, json={"customer_id": customer_id, "lines": lines}, headers=headers
    )
    created = ok(answer, 201)
    assert answer.headers["location"] == f"{QUOTES}/{created['id']}"
    assert answer.headers["etag"].startswith('"')
    assert created["number"] == "1"
    assert created["status"] == "draft"
    assert (created["quote_date"], created["valid_until"]) == ("2026-03-05", "2026-04-04")
    assert created["language"] == "fi"
    assert created["seller"] is None
    assert created["buyer"] is None
    assert created["invoice_id"] is None

    preview = ok(
        await client.post(
            f"{INVOICES}/preview",
            json={"customer_id": customer_id, "invoice_date": "2026-03-05", "lines": lines},
            headers=headers,
        )
    )
    for key in ("net_total", "vat_total", "total", "vat_breakdown"):
        assert created[key] == preview[key], key
    amounts = (
        "description",
        "vat_rate",
        "vat_category",
        "net_amount",
        "vat_amount",
        "gross_amount",
    )
    assert [{k: r[k] for k in amounts} for r in created["lines"]] == [
        {k: r[k] for k in amounts} for r in preview["lines"]
    ]
    assert [Decimal(r["quantity"]) for r in created["lines"]] == [2, 3, 1]

    second = await quote(client, auth, company, quote_date="2026-02-01", valid_until="2026-02-01")
    assert second["number"] == "2"
    assert (second["quote_date"], second["valid_until"]) == ("2026-02-01", "2026-02-01")
    # Invoices keep their own series.
    invoice = ok(
        await client.post(
            INVOICES, json={"customer_id": customer_id, "lines": lines}, headers=headers
        ),
        201,
    )
    issued = ok(await client.post(f"{INVOICES}/{invoice['id']}/issue", headers=headers))
    assert issued["number"] == "1"
    assert (await quote(client, auth, company))["number"] == "3"


async def test_products_fill_lines_in_the_customers_language(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    customer_id = await make_customer(auth, company, language="sv")
    product_id = await make_product(auth, company)
    created = await quote(
        client,
        auth,
        company,
        customer_id=customer_id,
        prices_include_vat=True,
        lines=[{"product_id": product_id, "quantity": "1.5"}],
    )
    assert created["language"] == "sv"
    [row] = created["lines"]
    assert (row["description"], row["unit"], row["vat_rate"]) == ("Planering", "h", "25.5")
    assert created["prices_include_vat"] is True
    assert created["total"] == "120.00"  # 1.5 h at 80.00 including VAT


async def test_patch_recomputes_and_records_the_audit_trail(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    created = await quote(client, auth, company)
    url = f"{QUOTES}/{created['id']}"
    changed = ok(
        await client.patch(
            url,
            json={
                "notes": "Hinnat voimassa 30 päivää",
                "prices_include_vat": True,
                "language": "en",
                "buyer_reference": "Tilaus 9",
            },
            headers=headers,
        )
    )
    assert changed["notes"] == "Hinnat voimassa 30 päivää"
    assert changed["total"] == "200.00"  # 2 x 100.00 now including VAT
    assert changed["language"] == "en"
    replaced = ok(await client.patch(url, json={"lines": [line(quantity="1")]}, headers=headers))
    assert [r["quantity"] for r in replaced["lines"]] == ["1.0000"]
    trail = ok(await client.get(f"{url}/audit", headers=headers))
    assert [e["action"] for e in trail["items"]] == ["updated", "updated", "created"]
    assert trail["items"][1]["changes"]["notes"] == [None, "Hinnat voimassa 30 päivää"]
    removed = await client.delete(url, headers=headers)
    assert removed.status_code == 204, removed.text
    problem(await client.get(url, headers=headers), 404)


BAD_CREATES: list[tuple[dict[str, Any], str, str | None]] = [
    ({"customer_id": None}, "customer_id", None),
    ({"customer_id": "00000000-0000-4000-8000-000000000000"}, "customer_id", "unknown-customer"),
    ({"valid_until": "2026-03-04"}, "valid_until", "quote-valid-until-before-date"),
    ({"quote_date": "5.3.2026"}, "quote_date", None),
    ({"language": "de"}, "language", None),
    ({"colour": "red"}, "colour", None),
    ({"notes": "x" * 5001}, "notes", None),
    ({"lines": [line(vat_rate="24")]}, "lines.0.vat_rate", "vat-rate-not-in-force"),
    ({"lines": [line(unit_price="-1")]}, "lines.0.unit_price", None),
    ({"lines": [line(quantity="1.00001")]}, "lines.0.quantity", None),
    ({"lines": [line(description=None)]}, "lines.0.description", "line-value-required"),
    ({"lines": [line(unit_price=None)]}, "lines.0.unit_price", "line-value-required"),
    (
        {"lines": [line(product_id="00000000-0000-4000-8000-000000000000")]},
        "lines.0.product_id",
        "unknown-product",
    ),
    ({"lines": [line(vat_category="X")]}, "lines.0.vat_category", None),
    ({"lines": [line(vat_category="AE", vat_rate=None)]}, "lines.0.vat_ground", None),
]


@pytest.mark.parametrize(("changes", "field", "code"), BAD_CREATES)
async def test_bad_input_is_a_422_naming_the_field(
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    changes: dict[str, Any],
    field: str,
    code: str | None,
) -> None:
    body: dict[str, Any] = {"customer_id": await make_customer(auth, company), "lines": [line()]}
    body.update(changes)
    if body["customer_id"] is None:
        del body["customer_id"]
    headers = {**await owner(auth, company), "Accept-Language": "en"}
    answer = problem(await client.post(QUOTES, json=body, headers=headers), 422)
    fields = [f for f, _ in codes(answer)]
    assert field in fields, answer
    if code is not None:
        assert (field, code) in codes(answer), answer
    assert answer["errors"][0]["message"]
    listed = ok(await client.get(QUOTES, headers=headers))
    assert listed["items"] == []  # nothing saved, no number taken
    assert (await quote(client, auth, company))["number"] == "1"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"status": "lost"}, "status"),
        ({"sort": "colour"}, "sort"),
        ({"date_from": "eilen"}, "date_from"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
async def test_bad_list_queries_name_the_parameter(
    client: AsyncClient, auth: TokenAuth, company: Company, query: dict[str, str], field: str
) -> None:
    answer = problem(
        await client.get(QUOTES, params=query, headers=await owner(auth, company)), 422
    )
    assert any(field in f for f, _ in codes(answer)), answer


# --- states ----------------------------------------------------------------------------------


async def test_send_accept_and_what_each_state_refuses(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = {**await owner(auth, company), "Accept-Language": "en"}
    empty = await quote(client, auth, company, lines=[])
    answer = problem(await act(client, auth, company, empty["id"], "send"), 422)
    assert codes(answer) == [("lines", "quote-has-no-lines")]
    problem(await act(client, auth, company, empty["id"], "accept"), 422)

    created = await quote(client, auth, company)
    url = f"{QUOTES}/{created['id']}"
    sent = ok(await act(client, auth, company, created["id"], "send"))
    assert sent["status"] == "sent"
    assert sent["sent_at"] is not None
    assert sent["buyer"]["name"].startswith("Asiakas")
    assert sent["seller"]["business_id"] == "1234567-1"

    again = problem(await client.post(f"{url}/send", headers=headers), 409)
    assert again["type"] == "/problems/quote-already-sent"
    fixed = problem(await client.patch(url, json={"notes": "x"}, headers=headers), 409)
    assert codes(fixed) == [("notes", "quote-sent-fixed")]
    fixed = problem(await client.patch(url, json={"lines": []}, headers=headers), 409)
    assert codes(fixed) == [("lines", "quote-sent-fixed")]
    extended = ok(await client.patch(url, json={"valid_until": "2026-05-31"}, headers=headers))
    assert extended["valid_until"] == "2026-05-31"
    assert extended["status"] == "sent"
    gone = problem(await client.delete(url, headers=headers), 409)
    assert gone["type"] == "/problems/quote-not-draft"

    accepted = ok(await act(client, auth, company, created["id"], "accept"))
    assert (accepted["status"], accepted["buyer"]) == ("accepted", sent["buyer"])
    for action, code in (
        ("send", "quote-already-accepted"),
        ("accept", "quote-already-accepted"),
        ("decline", "quote-already-accepted"),
    ):
        refused = problem(await client.post(f"{url}/{action}", headers=headers), 409)
        assert refused["type"] == f"/problems/{code}", action
        assert "accepted" in refused["detail"]
    problem(await client.patch(url, json={"valid_until": "2026-06-30"}, headers=headers), 409)
    problem(await client.delete(url, headers=headers), 409)

    trail = ok(await client.get(f"{url}/audit", headers=headers))
    assert [e["action"] for e in trail["items"]] == ["accepted", "updated", "sent", "created"]


async def test_decline_and_accept_without_sending(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = {**await owner(auth, company), "Accept-Language": "fi"}
    declined_draft = await quote(client, auth, company)
    declined = ok(await act(client, auth, company, declined_draft["id"], "decline"))
    assert (declined["status"], declined["declined_at"] is not None) == ("declined", True)
    for action in ("send", "accept", "decline"):
        refused = problem(
            await client.post(f"{QUOTES}/{declined['id']}/{action}", headers=headers), 409
        )
        assert refused["type"] == "/problems/quote-already-declined"
        assert "hylätty" in refused["detail"]

    by_phone = await quote(client, auth, company)
    accepted = ok(await act(client, auth, company, by_phone["id"], "accept"))
    assert accepted["status"] == "accepted"
    assert accepted["sent_at"] is None
    assert accepted["buyer"] is not None  # the snapshot is taken at acceptance


async def test_expiry_follows_the_helsinki_calendar(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    created = await quote(client, auth, company, valid_until="2026-03-10")
    sent_one = await quote(client, auth, company, valid_until="2026-03-10")
    ok(await act(client, auth, company, sent_one["id"], "send"))
    accepted_one = await quote(client, auth, company, valid_until="2026-03-10")
    ok(await act(client, auth, company, accepted_one["id"], "accept"))

    # 23:30 in Helsinki on the last valid day: still valid.
    with clock.frozen_at(dt.datetime(2026, 3, 10, 21, 30, tzinfo=dt.UTC)):
        assert (await get(client, auth, company, created["id"]))["status"] == "draft"
    # 00:30 in Helsinki the day after (22:30 UTC): expired, drafts and sent ones alike.
    with clock.frozen_at(dt.datetime(2026, 3, 10, 22, 30, tzinfo=dt.UTC)):
        headers = {**await owner(auth, company), "Accept-Language": "en"}
        assert (await get(client, auth, company, created["id"]))["status"] == "expired"
        assert (await get(client, auth, company, sent_one["id"]))["status"] == "expired"
        assert (await get(client, auth, company, accepted_one["id"]))["status"] == "accepted"
        expired = ok(await client.get(QUOTES, params={"status": "expired"}, headers=headers))
        assert {q["id"] for q in expired["items"]} == {created["id"], sent_one["id"]}
        drafts = ok(await client.get(QUOTES, params={"status": "draft"}, headers=headers))
        assert drafts["items"] == []
        for quote_id, action in ((created["id"], "send"), (sent_one["id"], "accept")):
            refused = problem(
                await client.post(f"{QUOTES}/{quote_id}/{action}", headers=headers), 409
            )
            assert refused["type"] == "/problems/quote-expired"
            assert "2026-03-10" in refused["detail"]
        # Extending the validity revives it; declining needs no validity.
        url = f"{QUOTES}/{sent_one['id']}"
        revived = ok(await client.patch(url, json={"valid_until": "2026-03-20"}, headers=headers))
        assert revived["status"] == "sent"
        ok(await client.post(f"{url}/accept", headers=headers))
        declined = ok(await client.post(f"{QUOTES}/{created['id']}/decline", headers=headers))
        assert declined["status"] == "declined"


# --- the invoice -----------------------------------------------------------------------------


async def test_an_accepted_quote_becomes_an_invoice_draft_once(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = {**await owner(auth, company), "Accept-Language": "en"}
    product_id = await make_product(auth, company)
    created = await quote(
        client,
        auth,
        company,
        language="sv",
        prices_include_vat=True,
        buyer_reference="Order 5",
        notes="Offer terms",
        lines=[
            line(quantity="3", unit_price="12.40", vat_rate="13.5", discount_percent="5"),
            {"product_id": product_id, "quantity": "2"},
        ],
    )
    url = f"{QUOTES}/{created['id']}"
    refused = problem(await client.post(f"{url}/invoice", headers=headers), 409)
    assert refused["type"] == "/problems/quote-not-accepted"
    ok(await act(client, auth, company, created["id"], "accept"))

    key = {**headers, "Idempotency-Key": "quote-invoice-1"}
    answer = await client.post(f"{url}/invoice", headers=key)
    invoice = ok(answer, 201)
    assert answer.headers["location"] == f"{INVOICES}/{invoice['id']}"
    replay = await client.post(f"{url}/invoice", headers=key)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == invoice

    assert (invoice["status"], invoice["kind"]) == ("draft", "invoice")
    assert invoice["customer_id"] == created["customer_id"]
    assert (invoice["language"], invoice["prices_include_vat"]) == ("sv", True)
    assert invoice["buyer_reference"] == "Order 5"
    assert invoice["notes"] is None
    for key_name in ("net_total", "vat_total", "total", "vat_breakdown"):
        assert invoice[key_name] == created[key_name], key_name
    fields = ("product_id", "description", "quantity", "unit", "unit_price", "vat_rate")
    assert [{k: r[k] for k in fields} for r in invoice["lines"]] == [
        {k: r[k] for k in fields} for r in created["lines"]
    ]
    after = await get(client, auth, company, created["id"])
    assert after["invoice_id"] == invoice["id"]
    assert after["status"] == "accepted"

    second = problem(await client.post(f"{url}/invoice", headers=headers), 409)
    assert second["type"] == "/problems/quote-already-invoiced"
    assert invoice["id"] in second["detail"]
    issued = ok(await client.post(f"{INVOICES}/{invoice['id']}/issue", headers=headers))
    second = problem(await client.post(f"{url}/invoice", headers=headers), 409)
    assert issued["number"] in second["detail"]

    trail = ok(await client.get(f"{url}/audit", headers=headers))
    assert trail["items"][0]["action"] == "invoiced"
    assert trail["items"][0]["changes"] == {"invoice_id": invoice["id"]}


async def test_deleting_the_invoice_draft_lets_the_quote_be_invoiced_again(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    created = await quote(client, auth, company)
    ok(await act(client, auth, company, created["id"], "accept"))
    first = ok(await act(client, auth, company, created["id"], "invoice"), 201)
    removed = await client.delete(f"{INVOICES}/{first['id']}", headers=headers)
    assert removed.status_code == 204, removed.text
    assert (await get(client, auth, company, created["id"]))["invoice_id"] is None
    second = ok(await act(client, auth, company, created["id"], "invoice"), 201)
    assert second["id"] != first["id"]


async def test_an_old_quotes_rate_follows_its_rate_class_on_the_invoice(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    """VAT by the quote date (24 % before 1.9.2024); the invoice made today takes today's
    rate of the line's rate class (25.5 %)."""
    headers = await owner(auth, company)
    created = await quote(
        client,
        auth,
        company,
        quote_date="2024-08-15",
        valid_until="2026-12-31",
        lines=[line(vat_rate="24")],
    )
    assert created["lines"][0]["vat_rate"] == "24"
    moved = problem(
        await client.patch(
            f"{QUOTES}/{created['id']}", json={"quote_date": "2026-03-01"}, headers=headers
        ),
        422,
    )
    assert codes(moved) == [("lines.0.vat_rate", "vat-rate-not-in-force")]
    ok(await act(client, auth, company, created["id"], "accept"))
    invoice = ok(await act(client, auth, company, created["id"], "invoice"), 201)
    assert invoice["lines"][0]["vat_rate"] == "25.5"
    assert invoice["total"] == "251.00"


# --- conventions -----------------------------------------------------------------------------


async def test_etags_if_match_and_idempotent_create(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    customer_id = await make_customer(auth, company)
    body = {"customer_id": customer_id, "lines": [line()]}
    keyed = {**headers, "Idempotency-Key": "quote-create-1"}
    first = await client.post(QUOTES, json=body, headers=keyed)
    again = await client.post(QUOTES, json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    reused = await client.post(QUOTES, json={**body, "notes": "x"}, headers=keyed)
    problem(reused, 422)
    assert len(ok(await client.get(QUOTES, headers=headers))["items"]) == 1

    url = f"{QUOTES}/{first.json()['id']}"
    read = await client.get(url, headers=headers)
    etag = read.headers["etag"]
    assert etag == first.headers["etag"]
    assert (await client.get(url, headers={**headers, "If-None-Match": etag})).status_code == 304
    changed = await client.patch(url, json={"notes": "uusi"}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag
    stale = {**headers, "If-Match": etag}
    problem(await client.patch(url, json={"notes": "x"}, headers=stale), 412)
    problem(await client.post(f"{url}/send", headers=stale), 412)
    problem(await client.delete(url, headers=stale), 412)
    sent = await client.post(
        f"{url}/send", headers={**headers, "If-Match": changed.headers["etag"]}
    )
    assert sent.status_code == 200, sent.text
    assert sent.headers["etag"] == (await client.get(url, headers=headers)).headers["etag"]


async def test_list_filters_sorts_and_pages(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    acme = await make_customer(auth, company, name="Acme Rakennus Oy")
    other = await make_customer(auth, company, name="Muu Oy")
    a = await quote(
        client,
        auth,
        company,
        customer_id=acme,
        quote_date="2026-01-10",
        valid_until="2026-12-31",
        lines=[line()],
    )
    b = await quote(
        client,
        auth,
        company,
        customer_id=other,
        quote_date="2026-02-10",
        buyer_reference="Keittiöremontti",
        lines=[line(quantity="5")],
    )
    c = await quote(
        client,
        auth,
        company,
        customer_id=acme,
        quote_date="2026-03-01",
        valid_until="2026-03-02",
        lines=[line(quantity="1")],
    )
    ok(await act(client, auth, company, b["id"], "send"))

    async def ids(**params: Any) -> list[str]:
        page = ok(await client.get(QUOTES, params=params, headers=headers))
        return [item["id"] for item in page["items"]]

    assert await ids() == [c["id"], b["id"], a["id"]]  # newest quote date first
    assert await ids(sort="number") == [c["id"], b["id"], a["id"]]
    assert await ids(sort="total") == [b["id"], a["id"], c["id"]]
    assert await ids(sort="valid_until") == [c["id"], b["id"], a["id"]]
    assert await ids(customer_id=acme) == [c["id"], a["id"]]
    assert await ids(date_from="2026-02-01", date_to="2026-02-28") == [b["id"]]
    assert await ids(q="acme") == [c["id"], a["id"]]
    assert await ids(q="keittiö") == [b["id"]]
    assert await ids(q=b["number"]) == [b["id"]]
    assert await ids(status="sent") == [b["id"]]
    assert await ids(status=["draft", "expired"]) == [c["id"], a["id"]]
    assert await ids(status="expired") == [c["id"]]
    ok(await act(client, auth, company, a["id"], "accept"))
    ok(await act(client, auth, company, a["id"], "invoice"), 201)
    assert await ids(invoiced="true") == [a["id"]]
    assert await ids(invoiced="false", status="accepted") == []

    first = ok(await client.get(QUOTES, params={"limit": 2}, headers=headers))
    assert [i["id"] for i in first["items"]] == [c["id"], b["id"]]
    assert first["items"][1]["customer_name"] == "Muu Oy"
    assert first["items"][1]["status"] == "sent"
    rest = ok(
        await client.get(
            QUOTES, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    )
    assert ([i["id"] for i in rest["items"]], rest["next_cursor"]) == ([a["id"]], None)


async def test_an_accountant_reads_but_does_not_change(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    created = await quote(client, auth, company)
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    url = f"{QUOTES}/{created['id']}"
    ok(await client.get(url, headers=accountant))
    ok(await client.get(QUOTES, headers=accountant))
    assert (await client.get(f"{url}/pdf", headers=accountant)).status_code == 200
    body = {"customer_id": created["customer_id"], "lines": [line()]}
    problem(await client.post(QUOTES, json=body, headers=accountant), 403)
    problem(await client.patch(url, json={"notes": "x"}, headers=accountant), 403)
    for action in ("send", "accept", "decline", "invoice"):
        problem(await client.post(f"{url}/{action}", headers=accountant), 403)
    problem(await client.delete(url, headers=accountant), 403)
    member = await auth.as_role(company, Role.MEMBER)
    ok(await client.post(f"{url}/send", headers=member))


# --- PDF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected", "absent", "filename"),
    [
        (
            "fi",
            ["TARJOUS", "Tarjouksen numero", "Voimassa", "4.4.2026", "Yhteensä"],
            ["Viitenumero", "Eräpäivä", "Virtuaaliviivakoodi", "Viivästyskorko"],
            "tarjous-1.pdf",
        ),
        (
            "sv",
            ["OFFERT", "Offertnummer", "Giltig till", "2026-04-04", "Totalt"],
            ["Referensnummer", "Förfallodag", "Virtuell streckkod"],
            "offert-1.pdf",
        ),
        (
            "en",
            ["QUOTE", "Quote number", "Valid until", "4 Apr 2026", "Total"],
            ["Reference number", "Due date", "Virtual barcode"],
            "quote-1.pdf",
        ),
    ],
)
async def test_pdf_in_the_quotes_language(
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    language: str,
    expected: list[str],
    absent: list[str],
    filename: str,
) -> None:
    headers = await owner(auth, company)
    created = await quote(
        client,
        auth,
        company,
        language=language,
        notes="Erityisehdot 42",
        lines=[line(description="Kattoremontti")],
    )
    url = f"{QUOTES}/{created['id']}/pdf"
    draft_pdf = await client.get(url, headers=headers)
    assert draft_pdf.status_code == 200, draft_pdf.text
    assert draft_pdf.headers["content-type"] == "application/pdf"
    assert draft_pdf.headers["content-disposition"] == f'inline; filename="{filename}"'
    watermark = {"fi": "LUONNOS", "sv": "UTKAST", "en": "DRAFT"}[language]
    assert watermark in " ".join(pdf_text(draft_pdf.content))

    ok(await act(client, auth, company, created["id"], "send"))
    answer = await client.get(url, headers=headers)
    assert answer.status_code == 200
    text = " ".join(pdf_text(answer.content))
    for word in [*expected, "Kattoremontti", "Erityisehdot 42", "251,00"]:
        assert word in text, (word, text)
    for word in [*absent, watermark]:
        assert word not in text, (word, text)
    etag = answer.headers["etag"]
    again = await client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
