"""CSV import of customers and products through the API against the real database (issue 9):
upload and check (every bad row by line, column and field; nothing imported while any row is
bad), run (the job, in-process as the worker would), progress, idempotency, roles."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import text

from laskutin.companies.domain import Role
from laskutin.core.db import unit_of_work
from laskutin.imports.tasks import run_import_job
from laskutin.jobs.registry import JobContext
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company

IMPORTS = "/api/v1/imports"
PROBLEM = "application/problem+json"
CUSTOMERS_CSV = (
    "Asiakasnumero;Nimi;Y-tunnus;Sähköposti;Katuosoite;Postinumero;Postitoimipaikka;Kieli;Muuta\n"
    "101;Ääneksen Paja Oy;0116297-6;laskut@paja.fi;Kauppakatu 1;44100;Äänekoski;suomi;x\n"
    ";Henkilö Asiakas;;asiakas@example.fi;;;;ruotsi;\n"
)


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


async def upload(
    client: AsyncClient, headers: dict[str, str], kind: str, data: str | bytes, **more: str
) -> Response:
    content = data.encode() if isinstance(data, str) else data
    return await client.post(
        IMPORTS,
        params={"kind": kind, "filename": f"{kind}.csv"},
        content=content,
        headers={**headers, "Content-Type": "text/csv", **more},
    )


async def run_jobs(app: FastAPI) -> int:
    """The queued import jobs, run like the worker runs them."""
    factory = app.state.session_factory
    async with unit_of_work(factory) as session:
        rows = (
            await session.execute(
                text(
                    "SELECT args FROM procrastinate_jobs WHERE task_name = 'imports.run' "
                    "AND status = 'todo'"
                )
            )
        ).all()
        await session.execute(
            text(
                "UPDATE procrastinate_jobs SET status = 'succeeded' "
                "WHERE task_name = 'imports.run' AND status = 'todo'"
            )
        )
    for (args,) in rows:
        async with unit_of_work(factory) as session:
            ctx = JobContext(session, app.state.settings, None, sessions=factory)
            await run_import_job(ctx, **dict(args))
    return len(rows)


async def test_customers_are_checked_then_imported(
    client: AsyncClient, app: FastAPI, owner: dict[str, str]
) -> None:
    checked = await upload(client, owner, "customers", CUSTOMERS_CSV)
    assert checked.status_code == 201, checked.text
    report = checked.json()
    assert report["state"] == "checked"
    assert report["total_rows"] == 2
    assert report["errors"] == []
    assert report["columns"]["used"]["business_id"] == "Y-tunnus"
    assert report["columns"]["ignored"] == ["Muuta"]
    # Nothing is imported by the check.
    assert (await client.get("/api/v1/customers", headers=owner)).json()["items"] == []

    started = await client.post(f"{IMPORTS}/{report['id']}/run", headers=owner)
    assert started.status_code == 202, started.text
    assert started.json()["state"] == "queued"
    assert await run_jobs(app) == 1
    done = (await client.get(f"{IMPORTS}/{report['id']}", headers=owner)).json()
    assert done["state"] == "done"
    assert done["created_count"] == done["done_rows"] == 2
    customers = (await client.get("/api/v1/customers?sort=customer_number", headers=owner)).json()
    by_name = {c["name"]: c for c in customers["items"]}
    paja = by_name["Ääneksen Paja Oy"]
    assert paja["customer_number"] == 101
    assert paja["business_id"] == "0116297-6"
    assert paja["billing_address"]["city"] == "Äänekoski"
    assert by_name["Henkilö Asiakas"]["customer_number"] == 102  # the next free one
    assert by_name["Henkilö Asiakas"]["language"] == "sv"
    trail = await client.get(f"/api/v1/customers/{paja['id']}/audit", headers=owner)
    assert [e["action"] for e in trail.json()["items"]] == ["imported"]
    # Once only.
    problem(
        await client.post(f"{IMPORTS}/{report['id']}/run", headers=owner), 409, "import-not-ready"
    )

    # The same numbers again: every row is refused by line and field, nothing imported.
    again = (await upload(client, owner, "customers", CUSTOMERS_CSV)).json()
    assert again["state"] == "invalid"
    assert [(e["line"], e["column"], e["field"]) for e in again["errors"]] == [
        (2, "Asiakasnumero", "customer_number")
    ]
    assert [w["field"] for w in again["warnings"]] == ["business_id"]  # a warning, not an error
    problem(
        await client.post(f"{IMPORTS}/{again['id']}/run", headers=owner), 409, "import-not-ready"
    )


async def test_every_bad_row_is_reported_and_nothing_is_imported(
    client: AsyncClient, owner: dict[str, str]
) -> None:
    data = (
        "Nimi;Y-tunnus;Sähköposti;Asiakasnumero;Maksuehto\n"
        "Hyvä Oy;0116297-6;a@b.fi;1;14\n"
        ";;;2;\n"  # line 3: no name
        "Huono Oy;1234567-8;ei osoite;3;-5\n"  # line 4: id, e-mail, terms
        "Toinen Oy;;;1;\n"  # line 5: number 1 twice
    )
    report = (await upload(client, owner, "customers", data)).json()
    assert report["state"] == "invalid"
    found = {(e["line"], e["field"]) for e in report["errors"]}
    assert (3, "name") in found
    assert {(4, "business_id"), (4, "email"), (4, "payment_terms_days")} <= found
    assert (5, "customer_number") in found
    assert (2, "name") not in found
    assert report["error_count"] == len(report["errors"])
    assert all(e["message"] for e in report["errors"])
    assert {e["column"] for e in report["errors"] if e["line"] == 4} == {
        "Y-tunnus", "Sähköposti", "Maksuehto"
    }  # fmt: skip


async def test_products_with_vat_rates_and_prices_as_exported(
    client: AsyncClient, app: FastAPI, owner: dict[str, str]
) -> None:
    data = (
        "Tuotekoodi;Tuotteen nimi;Yksikkö;À-hinta;ALV %\n"
        "T1;Suunnittelu;h;85,00;25,5\n"
        "T2;Kirja;kpl;19,90;13,5\n"
        "T3;Vienti;kpl;10;0\n"  # 0 % needs the category
        "t1;Kaksoiskappale;kpl;1;25,5\n"  # the code again (in any case)
    )
    report = (await upload(client, owner, "products", data)).json()
    assert report["state"] == "invalid"
    assert {(e["line"], e["field"]) for e in report["errors"]} == {(4, "vat_rate"), (5, "code")}
    fixed = data.replace("T3;Vienti;kpl;10;0\n", "").replace("t1;Kaksoiskappale;kpl;1;25,5\n", "")
    ok = (await upload(client, owner, "products", fixed)).json()
    assert ok["state"] == "checked", ok
    await client.post(f"{IMPORTS}/{ok['id']}/run", headers=owner)
    await run_jobs(app)
    items = (await client.get("/api/v1/products", headers=owner)).json()["items"]
    by_code = {p["code"]: p for p in items}
    assert by_code["T1"]["unit_price"].startswith("85.00")
    assert by_code["T1"]["rate_class"] == "general"
    assert by_code["T2"]["rate_class"] == "foodstuffs_restaurants"


async def test_files_that_cannot_be_imported(client: AsyncClient, owner: dict[str, str]) -> None:
    problem(await upload(client, owner, "customers", b""), 422, "import-file-unreadable")
    problem(
        await upload(client, owner, "customers", b"PK\x03\x04\x00\x00"),
        422,
        "import-file-unreadable",
    )
    missing = problem(
        await upload(client, owner, "customers", "Puhelin\n0401\n"), 422, "import-column-missing"
    )
    assert missing["errors"][0]["field"] == "file"
    assert (
        await client.post(IMPORTS, params={"kind": "laskut"}, content=b"a", headers=owner)
    ).status_code == 422


async def test_roles_idempotency_and_other_companies(
    client: AsyncClient, auth: TokenAuth, company: Company, owner: dict[str, str]
) -> None:
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    problem(await upload(client, accountant, "customers", CUSTOMERS_CSV), 403, "forbidden")
    key = {"Idempotency-Key": f"tuonti-{uuid.uuid4()}"}
    first = await upload(client, owner, "customers", CUSTOMERS_CSV, **key)
    replay = await upload(client, owner, "customers", CUSTOMERS_CSV, **key)
    assert replay.json()["id"] == first.json()["id"]
    other = await auth.as_role(await auth.new_company("B"), Role.OWNER)
    assert (await client.get(f"{IMPORTS}/{first.json()['id']}", headers=other)).status_code == 404
    assert (
        await client.post(f"{IMPORTS}/{first.json()['id']}/run", headers=other)
    ).status_code == 404
    assert (await client.get(IMPORTS, headers=other)).json()["items"] == []
