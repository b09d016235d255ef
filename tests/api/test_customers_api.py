"""Customers through the API against the real database (issue 5)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select

from laskutin.audit.models import AuditEvent
from laskutin.companies.domain import Role
from laskutin.core.tenancy import act_as
from laskutin.invoices.models import Invoice
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company

CUSTOMERS = "/api/v1/customers"
PROBLEM = "application/problem+json"
WRITERS = {Role.OWNER, Role.ADMIN, Role.MEMBER}


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


def failed_fields(response: Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


async def create(client: AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(CUSTOMERS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


# --- create and read -------------------------------------------------------------------------


async def test_a_customer_needs_only_a_name(client: AsyncClient, owner: dict[str, str]) -> None:
    response = await client.post(CUSTOMERS, json={"name": "  Asiakas Oy "}, headers=owner)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Asiakas Oy"
    assert body["customer_number"] == 1
    assert body["kind"] == "company"
    assert body["language"] == "fi"
    assert body["billing_address"] == {
        "street": None,
        "postal_code": None,
        "city": None,
        "country": "FI",
    }
    assert body["delivery_address"] is None
    assert body["archived"] is False
    assert body["warnings"] == []
    assert response.headers["location"] == f"{CUSTOMERS}/{body['id']}"
    read = await client.get(response.headers["location"], headers=owner)
    assert read.status_code == 200
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json() == {k: v for k, v in body.items() if k != "warnings"}


async def test_every_field_round_trips_normalised(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    body = await create(
        client,
        owner,
        name="Matin Paja Oy",
        kind="company",
        business_id="116297-6",
        vat_number="fi 0116 2976",
        email="  Laskut@Esimerkki.FI ",
        phone="+358 40 123 4567",
        contact_person="Matti Meikäläinen",
        language="sv",
        billing_address={"street": "Kauppakatu 1", "postal_code": "20100", "city": "Turku"},
        delivery_address={"name": "Varasto", "street": "Satama 3", "city": "Naantali"},
        einvoice_address="0037 01162976",
        einvoice_operator="NDEAFIHH",
        payment_terms_days=21,
        customer_number=1001,
        notes="Toimitus aamuisin",
    )
    assert body["business_id"] == "0116297-6"
    assert body["vat_number"] == "FI01162976"
    assert body["email"] == "Laskut@esimerkki.fi"
    assert body["einvoice_address"] == "003701162976"
    assert body["customer_number"] == 1001
    assert body["delivery_address"] == {
        "name": "Varasto",
        "street": "Satama 3",
        "postal_code": None,
        "city": "Naantali",
        "country": None,
    }
    # The next one continues after the highest number.
    assert (await create(client, owner, name="Toinen"))["customer_number"] == 1002


async def test_a_person_with_a_swedish_vat_number(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    body = await create(
        client,
        owner,
        name="Anna Andersson",
        kind="person",
        vat_number="556036079301",
        billing_address={"city": "Stockholm", "country": "se"},
    )
    assert body["kind"] == "person"
    assert body["vat_number"] == "SE556036079301"
    assert body["billing_address"]["country"] == "SE"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"business_id": "0116297-5"}, "business_id", "business-id-check-digit"),
        ({"business_id": "abc"}, "business_id", "business-id-format"),
        ({"vat_number": "FI01162975"}, "vat_number", "vat-number-check-digit"),
        ({"vat_number": "XX123"}, "vat_number", "vat-number-unknown-country"),
        (
            {"business_id": "0116297-6", "vat_number": "FI12345671"},
            "vat_number",
            "vat-number-business-id-mismatch",
        ),
        ({"email": "not an address"}, "email", "email-invalid"),
        ({"einvoice_address": "003701162975"}, "einvoice_address", "ovt-code-check-digit"),
    ],
)
async def test_bad_identifiers_are_refused_naming_the_field(
    client: AsyncClient, owner: dict[str, str], body: dict[str, Any], field: str, code: str
) -> None:
    response = await client.post(
        CUSTOMERS, json={"name": "X Oy", **body}, headers={**owner, "Accept-Language": "en"}
    )

    problem_body = problem(response, 422, code)
    [error] = problem_body["errors"]
    assert error["field"] == field
    assert problem_body["detail"]
    # Nothing was written.
    listed = await client.get(CUSTOMERS, headers=owner)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "X", "language": "de"}, "language"),
        ({"name": "X", "kind": "robot"}, "kind"),
        ({"name": "X", "payment_terms_days": 400}, "payment_terms_days"),
        ({"name": "X", "customer_number": 0}, "customer_number"),
        ({"name": "X", "billing_address": {"country": "Suomi"}}, "billing_address.country"),
        ({"name": "X\x00"}, "name"),
        ({"name": "X", "archived": True}, "archived"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: AsyncClient, owner: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post(CUSTOMERS, json=body, headers=owner)

    assert field in failed_fields(response)


# --- duplicates and numbers ------------------------------------------------------------------


async def test_a_duplicate_business_id_or_vat_number_is_a_warning(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    first = await create(
        client, owner, name="Eka Oy", business_id="0116297-6", vat_number="FI01162976"
    )
    response = await client.post(
        CUSTOMERS,
        json={"name": "Toka Oy", "business_id": "01162976"},
        headers={**owner, "Accept-Language": "en"},
    )
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning["code"] == "duplicate-business-id"
    assert warning["field"] == "business_id"
    assert warning["customer_id"] == first["id"]
    assert "Eka Oy" in warning["message"]
    second = response.json()

    # A PATCH that makes the VAT number the same warns too (both codes).
    patched = await client.patch(
        f"{CUSTOMERS}/{second['id']}", json={"vat_number": "FI01162976"}, headers=owner
    )
    assert patched.status_code == 200, patched.text
    codes = {w["code"] for w in patched.json()["warnings"]}
    assert codes == {"duplicate-business-id", "duplicate-vat-number"}
    assert (
        patched.headers["etag"]
        == (await client.get(f"{CUSTOMERS}/{second['id']}", headers=owner)).headers["etag"]
    )


async def test_a_taken_customer_number_is_a_409(client: AsyncClient, owner: dict[str, str]) -> None:
    first = await create(client, owner, name="Eka", customer_number=7)
    second = await create(client, owner, name="Toka")
    assert second["customer_number"] == 8

    taken = await client.post(
        CUSTOMERS, json={"name": "Kolmas", "customer_number": 7}, headers=owner
    )
    body = problem(taken, 409, "customer-number-taken")
    assert body["errors"][0]["field"] == "customer_number"
    patch = await client.patch(
        f"{CUSTOMERS}/{second['id']}", json={"customer_number": 7}, headers=owner
    )
    problem(patch, 409, "customer-number-taken")
    # Its own number is no conflict.
    same = await client.patch(
        f"{CUSTOMERS}/{first['id']}", json={"customer_number": 7, "name": "Eka 2"}, headers=owner
    )
    assert same.status_code == 200, same.text


async def test_concurrent_creates_get_numbers_one_to_twenty(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(CUSTOMERS, json={"name": f"Rinnakkain {i}"}, headers=owner)
            for i in range(20)
        )
    )

    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    assert sorted(r.json()["customer_number"] for r in responses) == list(range(1, 21))


# --- update, ETag, archive, delete -----------------------------------------------------------


async def test_patch_changes_only_what_is_sent_and_if_match_guards_it(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    created = await client.post(
        CUSTOMERS,
        json={"name": "Vanha Oy", "email": "a@example.fi", "billing_address": {"city": "Oulu"}},
        headers=owner,
    )
    url = created.headers["location"]
    tag = created.headers["etag"]

    unchanged = await client.get(url, headers={**owner, "If-None-Match": tag})
    assert unchanged.status_code == 304

    changed = await client.patch(
        url,
        json={"name": "Uusi Oy", "email": None, "billing_address": {"city": "Kemi"}},
        headers={**owner, "If-Match": tag},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "Uusi Oy"
    assert body["email"] is None
    assert body["billing_address"]["city"] == "Kemi"
    assert body["language"] == "fi"
    assert changed.headers["etag"] != tag

    stale = await client.patch(url, json={"name": "Myöhässä"}, headers={**owner, "If-Match": tag})
    problem(stale, 412, "precondition-failed")
    stale_delete = await client.delete(url, headers={**owner, "If-Match": tag})
    problem(stale_delete, 412, "precondition-failed")
    assert (await client.get(url, headers=owner)).json()["name"] == "Uusi Oy"
    refused_null = await client.patch(url, json={"name": None}, headers=owner)
    assert "name" in failed_fields(refused_null)


async def test_archive_hides_from_the_list_and_unarchive_brings_back(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    kept = await create(client, owner, name="Aktiivinen")
    gone = await create(client, owner, name="Arkistoitava")

    archived = await client.post(f"{CUSTOMERS}/{gone['id']}/archive", headers=owner)
    assert archived.status_code == 200, archived.text
    assert archived.json()["archived"] is True
    assert (
        archived.headers["etag"]
        == (await client.get(f"{CUSTOMERS}/{gone['id']}", headers=owner)).headers["etag"]
    )

    active = (await client.get(CUSTOMERS, headers=owner)).json()["items"]
    assert [c["id"] for c in active] == [kept["id"]]
    only_archived = (
        await client.get(CUSTOMERS, params={"archived": "true"}, headers=owner)
    ).json()["items"]
    assert [c["id"] for c in only_archived] == [gone["id"]]

    back = await client.post(f"{CUSTOMERS}/{gone['id']}/unarchive", headers=owner)
    assert back.json()["archived"] is False
    assert len((await client.get(CUSTOMERS, headers=owner)).json()["items"]) == 2


async def test_delete_only_a_customer_never_invoiced(
    app: FastAPI, client: AsyncClient, owner: dict[str, str], company: Company
) -> None:
    fresh = await create(client, owner, name="Poistettava")
    invoiced = await create(client, owner, name="Laskutettu")
    sessions = app.state.session_factory
    async with sessions() as session, session.begin():
        await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
        session.add(
            Invoice(
                company_id=uuid.UUID(company.id),
                customer_id=uuid.UUID(invoiced["id"]),
                state="draft",
            )
        )

    deleted = await client.delete(f"{CUSTOMERS}/{fresh['id']}", headers=owner)
    assert deleted.status_code == 204
    assert (await client.get(f"{CUSTOMERS}/{fresh['id']}", headers=owner)).status_code == 404

    refused = await client.delete(
        f"{CUSTOMERS}/{invoiced['id']}", headers={**owner, "Accept-Language": "en"}
    )
    body = problem(refused, 409, "customer-invoiced")
    assert "archive" in body["detail"].lower()
    assert (await client.get(f"{CUSTOMERS}/{invoiced['id']}", headers=owner)).status_code == 200


# --- lists -----------------------------------------------------------------------------------


async def test_search_sort_and_pages(client: AsyncClient, owner: dict[str, str]) -> None:
    await create(client, owner, name="Bravo Oy", business_id="0116297-6")
    await create(client, owner, name="alfa ky")
    await create(client, owner, name="Charlie 100% Oy")
    for i in range(4):
        await create(client, owner, name=f"Delta {i}")

    async def names(**params: Any) -> list[str]:
        response = await client.get(CUSTOMERS, params=params, headers=owner)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["items"]]

    assert await names(q="ALFA") == ["alfa ky"]
    assert await names(q="100%") == ["Charlie 100% Oy"]
    assert await names(q="%") == ["Charlie 100% Oy"]
    assert await names(q="01162976") == ["Bravo Oy"]
    assert await names(q="0116297") == ["Bravo Oy"]
    assert await names(q="5") == ["Delta 1"]  # customer number 5
    assert (await names())[:3] == ["alfa ky", "Bravo Oy", "Charlie 100% Oy"]
    assert (await names(sort="-customer_number"))[0] == "Delta 3"

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "customer_number"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(CUSTOMERS, params=params, headers=owner)).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Bravo Oy", "alfa ky", "Charlie 100% Oy"] + [f"Delta {i}" for i in range(4)]

    by_name = await client.get(CUSTOMERS, params={"limit": 2, "sort": "-name"}, headers=owner)
    following = await client.get(
        CUSTOMERS,
        params={"limit": 2, "sort": "-name", "cursor": by_name.json()["next_cursor"]},
        headers=owner,
    )
    assert [c["name"] for c in following.json()["items"]] == ["Delta 1", "Delta 0"]

    later = await client.get(
        CUSTOMERS, params={"updated_since": "2999-01-01T00:00:00Z"}, headers=owner
    )
    assert later.json()["items"] == []
    bad = await client.get(CUSTOMERS, params={"cursor": "garbage"}, headers=owner)
    assert "query.cursor" in failed_fields(bad)


# --- roles, idempotency, audit ---------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_reads_only_writers_write(
    client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str], role: Role
) -> None:
    made = await create(client, owner, name="Roolit Oy")
    url = f"{CUSTOMERS}/{made['id']}"
    headers = await auth.as_role(company, role)

    assert (await client.get(url, headers=headers)).status_code == 200
    assert (await client.get(CUSTOMERS, headers=headers)).status_code == 200
    assert (await client.get(f"{url}/audit", headers=headers)).status_code == 200
    attempts = [
        await client.post(CUSTOMERS, json={"name": "Uusi"}, headers=headers),
        await client.patch(url, json={"notes": "muutos"}, headers=headers),
        await client.post(f"{url}/archive", headers=headers),
    ]
    if role in WRITERS:
        assert [a.status_code for a in attempts] == [201, 200, 200]
        assert (await client.delete(url, headers=headers)).status_code == 204
    else:
        for attempt in attempts:
            problem(attempt, 403, "forbidden")
        problem(await client.delete(url, headers=headers), 403, "forbidden")
        assert (await client.get(url, headers=owner)).json()["notes"] is None


async def test_a_retried_create_answers_the_first_answer(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    headers = {**owner, "Idempotency-Key": "asiakas-1"}
    first = await client.post(CUSTOMERS, json={"name": "Kerran Oy"}, headers=headers)
    again = await client.post(CUSTOMERS, json={"name": "Kerran Oy"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    assert len((await client.get(CUSTOMERS, headers=owner)).json()["items"]) == 1
    other = await client.post(CUSTOMERS, json={"name": "Toinen Oy"}, headers=headers)
    problem(other, 422, "idempotency-key-reused")


async def test_changes_are_audited_with_actor_and_fields(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str]
) -> None:
    member = await auth.as_role(company, Role.MEMBER)
    made = await create(client, owner, name="Audit Oy")
    url = f"{CUSTOMERS}/{made['id']}"
    await client.patch(url, json={"name": "Audit 2 Oy", "notes": "x"}, headers=member)
    await client.patch(url, json={"name": "Audit 2 Oy"}, headers=member)  # no change: no event
    await client.post(f"{url}/archive", headers=member)
    await client.post(f"{url}/unarchive", headers=owner)

    events = (await client.get(f"{url}/audit", headers=owner)).json()["items"]

    assert [e["action"] for e in events] == ["unarchived", "archived", "updated", "created"]
    updated = events[2]
    assert updated["changes"] == {"name": ["Audit Oy", "Audit 2 Oy"], "notes": [None, "x"]}
    assert updated["actor_user_id"] == str(auth.members[(company.id, Role.MEMBER)])
    assert events[3]["changes"]["name"] == [None, "Audit Oy"]

    await client.delete(url, headers=owner)
    async with app.state.session_factory() as session, session.begin():
        await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
        actions = (
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.resource_id == uuid.UUID(made["id"]))
                .order_by(AuditEvent.id)
            )
        ).all()
    assert actions[-1] == "deleted"


async def test_another_companys_customer_is_not_found(
    client: AsyncClient, auth: TokenAuth, owner: dict[str, str]
) -> None:
    other = await auth.new_company("B")
    theirs = await create(client, await auth.as_role(other, Role.OWNER), name="Toisen Oy")

    problem(await client.get(f"{CUSTOMERS}/{theirs['id']}", headers=owner), 404, "not-found")
    assert (await client.get(CUSTOMERS, headers=owner)).json()["items"] == []
    mine = await create(client, owner, name="Oma")
    assert mine["customer_number"] == 1  # numbering is per company
