"""Products through the API against the real database (issue 5)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from laskutin.companies.domain import Role
from laskutin.core.tenancy import act_as
from laskutin.invoices.models import Invoice, InvoiceLine
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company

PRODUCTS = "/api/v1/products"
CUSTOMERS = "/api/v1/customers"
PROBLEM = "application/problem+json"
WRITERS = {Role.OWNER, Role.ADMIN, Role.MEMBER}
HOUR = {"names": {"fi": "Työtunti", "en": "Hour of work"}, "unit": "h", "unit_price": "85"}


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    return await auth.new_company("A")


@pytest.fixture
async def owner(auth: TokenAuth, company: Company) -> dict[str, str]:
    return await auth.as_role(company, Role.OWNER)


def problem(response: Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{kind}", body
    return body


async def create(client: AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(PRODUCTS, json={"rate_class": "general", **body}, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_create_and_read_a_product(client: AsyncClient, owner: dict[str, str]) -> None:
    response = await client.post(
        PRODUCTS, json={**HOUR, "code": " TYO-1 ", "rate_class": "general"}, headers=owner
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == "TYO-1"
    assert body["names"] == {"fi": "Työtunti", "en": "Hour of work"}
    assert body["unit_price"] == "85.00"
    assert body["prices_include_vat"] is False
    assert body["vat_category"] == "S"
    assert body["rate_class"] == "general"
    assert body["vat_ground"] is None
    assert body["vat_rate_today"] == "25.5"
    read = await client.get(response.headers["location"], headers=owner)
    assert read.json() == body
    assert read.headers["etag"] == response.headers["etag"]


async def test_prices_are_exact_decimal_strings(client: AsyncClient, owner: dict[str, str]) -> None:
    body = await create(client, owner, names={"sv": "Skruv"}, unit_price="0.123456")
    assert body["unit_price"] == "0.123456"
    assert Decimal(body["unit_price"]) == Decimal("0.123456")
    assert body["names"] == {"sv": "Skruv"}
    gross = await create(
        client,
        owner,
        names={"fi": "Kirja"},
        unit_price="29.90",
        prices_include_vat=True,
        rate_class="books_medicines_culture_transport",
    )
    assert gross["prices_include_vat"] is True
    assert gross["unit_price"] == "29.90"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"names": {"fi": "  "}}, "names", "product-name-required"),
        ({"names": {}}, "names", "product-name-required"),
        ({"unit_price": "-1"}, "unit_price", "negative-not-allowed"),
        ({"unit_price": "1.1234567"}, "unit_price", "too-many-decimals"),
        ({"unit_price": "abc"}, "unit_price", "not-a-number"),
        ({"unit_price": "NaN"}, "unit_price", "not-a-number"),
        ({"unit_price": "1e12"}, "unit_price", "price-too-large"),
        ({"unit_price": 12.5}, "unit_price", "validation-error"),
        ({"rate_class": None}, "rate_class", "rate-class-required"),
        ({"rate_class": "luxury"}, "rate_class", "validation-error"),
        ({"vat_category": "Z"}, "rate_class", "rate-class-not-allowed"),
        ({"vat_category": "E", "rate_class": None}, "vat_ground", "vat-ground-required"),
        (
            {"vat_category": "E", "rate_class": None, "vat_ground": "zero_rated"},
            "vat_ground",
            "vat-ground-category-mismatch",
        ),
        ({"vat_ground": "health_care"}, "vat_ground", "vat-ground-not-allowed"),
        ({"vat_category": "X"}, "vat_category", "validation-error"),
        ({"unit": "x" * 21}, "unit", "validation-error"),
        ({"unit": ""}, "unit", "validation-error"),
        ({"code": "A" * 51}, "code", "validation-error"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: AsyncClient, owner: dict[str, str], body: dict[str, Any], field: str, code: str
) -> None:
    sent = {**HOUR, "rate_class": "general", **body}
    response = await client.post(PRODUCTS, json=sent, headers={**owner, "Accept-Language": "en"})

    problem_body = problem(response, 422, code)
    assert field in {e["field"] for e in problem_body["errors"]}, problem_body
    assert (await client.get(PRODUCTS, headers=owner)).json()["items"] == []


async def test_non_standard_categories_and_their_grounds(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    zero = await create(
        client, owner, names={"fi": "Nolla"}, unit_price="1", rate_class=None, vat_category="Z"
    )
    assert (zero["vat_ground"], zero["rate_class"], zero["vat_rate_today"]) == (
        "zero_rated",
        None,
        None,
    )
    reverse = await create(
        client,
        owner,
        names={"fi": "Rakennus"},
        unit_price="1",
        rate_class=None,
        vat_category="AE",
        vat_ground="construction_reverse_charge",
    )
    assert reverse["vat_ground"] == "construction_reverse_charge"
    # Back to S: the ground goes, a rate class is needed.
    refused = await client.patch(
        f"{PRODUCTS}/{reverse['id']}", json={"vat_category": "S"}, headers=owner
    )
    problem(refused, 422, "rate-class-required")
    moved = await client.patch(
        f"{PRODUCTS}/{reverse['id']}",
        json={"vat_category": "S", "rate_class": "foodstuffs_restaurants"},
        headers=owner,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["vat_ground"] is None
    assert moved.json()["rate_class"] == "foodstuffs_restaurants"


async def test_codes_are_unique_among_active_products(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    first = await create(client, owner, **HOUR, code="ABC")
    problem(
        await client.post(
            PRODUCTS, json={**HOUR, "code": "abc", "rate_class": "general"}, headers=owner
        ),
        409,
        "product-code-taken",
    )
    other = await create(client, owner, **HOUR, code="DEF")
    problem(
        await client.patch(f"{PRODUCTS}/{other['id']}", json={"code": "ABC"}, headers=owner),
        409,
        "product-code-taken",
    )
    # Archived products free their code; unarchiving needs it free again.
    assert (
        await client.post(f"{PRODUCTS}/{first['id']}/archive", headers=owner)
    ).status_code == 200
    await create(client, owner, **HOUR, code="ABC")
    problem(
        await client.post(f"{PRODUCTS}/{first['id']}/unarchive", headers=owner),
        409,
        "product-code-taken",
    )


async def test_patch_if_match_and_archive(client: AsyncClient, owner: dict[str, str]) -> None:
    created = await client.post(PRODUCTS, json={**HOUR, "rate_class": "general"}, headers=owner)
    url, tag = created.headers["location"], created.headers["etag"]

    assert (await client.get(url, headers={**owner, "If-None-Match": tag})).status_code == 304
    changed = await client.patch(
        url,
        json={"unit_price": "90.5", "names": {"sv": "Arbetstimme"}},
        headers={**owner, "If-Match": tag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["unit_price"] == "90.50"
    assert changed.json()["names"] == {"sv": "Arbetstimme"}
    assert changed.json()["unit"] == "h"
    problem(
        await client.patch(url, json={"unit": "pv"}, headers={**owner, "If-Match": tag}),
        412,
        "precondition-failed",
    )
    problem(
        await client.delete(url, headers={**owner, "If-Match": tag}), 412, "precondition-failed"
    )

    archived = await client.post(url + "/archive", headers=owner)
    assert archived.json()["archived"] is True
    assert (await client.get(PRODUCTS, headers=owner)).json()["items"] == []
    listed = (await client.get(PRODUCTS, params={"archived": "true"}, headers=owner)).json()
    assert [p["id"] for p in listed["items"]] == [created.json()["id"]]


async def test_delete_unless_on_an_invoice_line(
    app: FastAPI, client: AsyncClient, owner: dict[str, str], company: Company
) -> None:
    fresh = await create(client, owner, **HOUR)
    used = await create(client, owner, **HOUR)
    customer = await client.post(CUSTOMERS, json={"name": "Ostaja Oy"}, headers=owner)
    company_id = uuid.UUID(company.id)
    async with app.state.session_factory() as session, session.begin():
        await act_as(session, company_id=company_id, user_id=None)
        invoice = Invoice(
            company_id=company_id, customer_id=uuid.UUID(customer.json()["id"]), state="draft"
        )
        session.add(invoice)
        await session.flush()
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=0,
                company_id=company_id,
                product_id=uuid.UUID(used["id"]),
                description="Työ",
                quantity=Decimal(1),
                unit_price=Decimal(85),
                vat_rate=Decimal("25.5"),
                net_amount=Decimal(85),
                vat_amount=Decimal("21.68"),
                gross_amount=Decimal("106.68"),
            )
        )

    assert (await client.delete(f"{PRODUCTS}/{fresh['id']}", headers=owner)).status_code == 204
    assert (await client.get(f"{PRODUCTS}/{fresh['id']}", headers=owner)).status_code == 404
    refused = await client.delete(
        f"{PRODUCTS}/{used['id']}", headers={**owner, "Accept-Language": "en"}
    )
    assert "Archive" in problem(refused, 409, "product-in-use")["detail"]
    assert (await client.get(f"{PRODUCTS}/{used['id']}", headers=owner)).status_code == 200


async def test_search_and_pages(client: AsyncClient, owner: dict[str, str]) -> None:
    await create(client, owner, names={"fi": "Kahvi", "sv": "Kaffe"}, unit_price="3", code="K-1")
    await create(client, owner, names={"en": "Tea"}, unit_price="3", code="T-1")
    for i in range(3):
        await create(client, owner, names={"fi": f"Pulla {i}"}, unit_price="2")

    async def names(**params: Any) -> list[dict[str, str]]:
        response = await client.get(PRODUCTS, params=params, headers=owner)
        assert response.status_code == 200, response.text
        return [p["names"] for p in response.json()["items"]]

    assert await names(q="kaffe") == [{"fi": "Kahvi", "sv": "Kaffe"}]
    assert await names(q="t-1") == [{"en": "Tea"}]
    assert await names(q="TEA") == [{"en": "Tea"}]
    assert len(await names(q="pulla")) == 3
    assert await names(q="fi") == []  # the language keys are not searched
    first = (await client.get(PRODUCTS, params={"limit": 2}, headers=owner)).json()
    assert [p["names"] for p in first["items"]] == [
        {"fi": "Kahvi", "sv": "Kaffe"},
        {"fi": "Pulla 0"},
    ]
    second = (
        await client.get(
            PRODUCTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner
        )
    ).json()
    assert [p["names"] for p in second["items"]] == [{"fi": "Pulla 1"}, {"fi": "Pulla 2"}]


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_reads_only_writers_write(
    client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str], role: Role
) -> None:
    made = await create(client, owner, **HOUR)
    url = f"{PRODUCTS}/{made['id']}"
    headers = await auth.as_role(company, role)

    assert (await client.get(url, headers=headers)).status_code == 200
    assert (await client.get(PRODUCTS, headers=headers)).status_code == 200
    assert (await client.get(f"{url}/audit", headers=headers)).status_code == 200
    attempts = [
        await client.post(PRODUCTS, json={**HOUR, "rate_class": "general"}, headers=headers),
        await client.patch(url, json={"unit": "pv"}, headers=headers),
        await client.post(f"{url}/archive", headers=headers),
    ]
    if role in WRITERS:
        assert [a.status_code for a in attempts] == [201, 200, 200]
        assert (await client.delete(url, headers=headers)).status_code == 204
    else:
        for attempt in attempts:
            problem(attempt, 403, "forbidden")
        problem(await client.delete(url, headers=headers), 403, "forbidden")


async def test_idempotent_create_and_audit_trail(
    client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str]
) -> None:
    headers = {**owner, "Idempotency-Key": "tuote-1"}
    body = {**HOUR, "rate_class": "general"}
    first = await client.post(PRODUCTS, json=body, headers=headers)
    again = await client.post(PRODUCTS, json=body, headers=headers)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len((await client.get(PRODUCTS, headers=owner)).json()["items"]) == 1

    url = first.headers["location"]
    await client.patch(url, json={"unit_price": "99"}, headers=owner)
    await client.post(url + "/archive", headers=owner)
    events = (await client.get(url + "/audit", headers=owner)).json()["items"]
    assert [e["action"] for e in events] == ["archived", "updated", "created"]
    assert events[1]["changes"] == {"unit_price": ["85.00", "99.00"]}
    assert events[1]["actor_user_id"] == str(auth.members[(company.id, Role.OWNER)])
