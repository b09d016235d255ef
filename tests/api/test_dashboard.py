"""The dashboard's figures on real data (issue 7): receivables, overdue per Helsinki today,
payments this month, sales per month, the latest invoices and what needs attention; another
company's rows never count."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from laskutin.companies.domain import Role
from laskutin.core import clock
from tests.conftest import Cluster
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_seller

INVOICES = "/api/v1/invoices"
DASHBOARD = "/api/v1/reports/dashboard"


@pytest.fixture(autouse=True)
def march_2026() -> Iterator[None]:
    """2026-03-31 23:30 in Helsinki (20:30 UTC, summer time): still March there."""
    with clock.frozen_at(dt.datetime(2026, 3, 31, 20, 30, tzinfo=dt.UTC)):
        yield


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:
    return TokenAuth(app)


async def seller(auth: TokenAuth, label: str) -> Company:
    made = await auth.new_company(label)
    await make_seller(auth, made)
    return made


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def issued(
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    *,
    invoice_date: str,
    price: str = "100.00",
    terms: int = 14,
) -> dict[str, Any]:
    headers = await auth.as_role(company, Role.OWNER)
    customer_id = await make_customer(auth, company, payment_terms_days=terms)
    body = {"customer_id": customer_id, "lines": [line(quantity="1", unit_price=price)]}
    made = ok(await client.post(INVOICES, json=body, headers=headers), 201)
    answer = await client.post(
        f"{INVOICES}/{made['id']}/issue", json={"invoice_date": invoice_date}, headers=headers
    )
    return ok(answer)


async def pay(
    client: AsyncClient, auth: TokenAuth, company: Company, invoice_id: str, amount: str, day: str
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    body = {"payment_date": day, "amount": amount}
    ok(await client.post(f"{INVOICES}/{invoice_id}/payments", json=body, headers=headers), 201)


async def test_an_empty_company_has_zero_figures_and_twelve_months(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("Empty")
    body = ok(await client.get(DASHBOARD, headers=await auth.as_role(company, Role.ACCOUNTANT)))

    assert body["today"] == "2026-03-31"
    assert body["open_receivables"] == {"amount": "0.00", "count": 0}
    assert body["overdue_receivables"] == {"amount": "0.00", "count": 0}
    assert body["paid_this_month"] == "0.00"
    assert [m["month"] for m in body["sales_by_month"]][:2] == ["2025-04", "2025-05"]
    assert body["sales_by_month"][-1] == {"month": "2026-03", "net": "0.00", "gross": "0.00"}
    assert len(body["sales_by_month"]) == 12
    assert body["latest_invoices"] == []
    assert body["attention"] == {"overdue_invoices": 0, "drafts": 0, "failed_sends": 0}


async def test_figures_on_real_data_and_another_company_never_shows(
    client: AsyncClient, auth: TokenAuth, cluster: Cluster, database: str
) -> None:
    company = await seller(auth, "A")
    other = await seller(auth, "B")
    # B: an overdue invoice, a payment this month, a draft: none of it is A's.
    b_invoice = await issued(client, auth, other, invoice_date="2026-01-02", price="999.00")
    await pay(client, auth, other, b_invoice["id"], "10.00", "2026-03-02")
    ok(
        await client.post(
            INVOICES,
            json={"customer_id": await make_customer(auth, other), "lines": [line()]},
            headers=await auth.as_role(other, Role.OWNER),
        ),
        201,
    )

    # A: 1) February, due 2026-03-03: overdue, partly paid (25.50 of 125.50) in March.
    first = await issued(client, auth, company, invoice_date="2026-02-17")
    await pay(client, auth, company, first["id"], "25.50", "2026-03-10")
    # 2) Due 2026-03-31 (today in Helsinki): open, not overdue.
    second = await issued(client, auth, company, invoice_date="2026-03-17", price="200.00")
    # 3) Paid in full, the payment in February: not open, not paid this month.
    third = await issued(client, auth, company, invoice_date="2026-02-01", price="40.00")
    await pay(client, auth, company, third["id"], "50.20", "2026-02-20")
    # 4) Credited in full by a credit note dated in March.
    fourth = await issued(client, auth, company, invoice_date="2025-04-30", price="10.00")
    headers = await auth.as_role(company, Role.OWNER)
    note = ok(await client.post(f"{INVOICES}/{fourth['id']}/credit-note", headers=headers), 201)
    ok(
        await client.post(
            f"{INVOICES}/{note['id']}/issue", json={"invoice_date": "2026-03-20"}, headers=headers
        )
    )
    # 5) Dated 2025-03-31: 13 months back, outside the chart.
    fifth = await issued(
        client, auth, company, invoice_date="2025-03-31", price="1000.00", terms=365
    )  # due today
    # A draft, and a failed send of the second invoice.
    draft = ok(
        await client.post(
            INVOICES,
            json={"customer_id": await make_customer(auth, company), "lines": [line()]},
            headers=headers,
        ),
        201,
    )
    with psycopg.connect(cluster.server.superuser_conninfo(), dbname=database) as conn:
        conn.execute(
            "INSERT INTO invoice_sends (id, company_id, invoice_id, channel, language, state)"
            " VALUES (%s, %s, %s, 'email', 'fi', 'failed')",
            (uuid.uuid4(), company.id, second["id"]),
        )

    body = ok(await client.get(DASHBOARD, headers=await auth.as_role(company, Role.ACCOUNTANT)))

    # Open: 100.00 left of the first, 251.00 of the second, 1255.00 of the fifth.
    assert body["open_receivables"] == {"amount": "1606.00", "count": 3}
    assert body["overdue_receivables"] == {"amount": "100.00", "count": 1}
    assert body["paid_this_month"] == "25.50"
    months = {m["month"]: (m["net"], m["gross"]) for m in body["sales_by_month"]}
    assert months["2026-02"] == ("140.00", "175.70")
    assert months["2026-03"] == ("190.00", "238.45")  # 200.00 - 10.00; 251.00 - 12.55
    assert months["2025-04"] == ("10.00", "12.55")
    assert months["2026-01"] == ("0.00", "0.00")  # B's January invoice is not A's
    assert "2025-03" not in months
    latest = body["latest_invoices"]  # newest first
    assert [i["id"] for i in latest] == [
        draft["id"],
        fifth["id"],
        note["id"],
        fourth["id"],
        third["id"],
    ]
    assert (latest[0]["number"], latest[0]["status"]) == (None, "draft")
    assert latest[1]["customer_name"] == fifth["buyer"]["name"]
    assert {k: latest[2][k] for k in ("kind", "total", "status")} == {
        "kind": "credit_note",
        "total": "-12.55",
        "status": "issued",
    }
    assert (latest[3]["status"], latest[4]["status"]) == ("credited", "paid")
    assert body["attention"] == {"overdue_invoices": 1, "drafts": 1, "failed_sends": 1}

    # B sees only its own.
    theirs = ok(await client.get(DASHBOARD, headers=await auth.as_role(other, Role.MEMBER)))
    assert theirs["open_receivables"] == {"amount": "1243.75", "count": 1}
    assert theirs["paid_this_month"] == "10.00"
    assert theirs["attention"] == {"overdue_invoices": 1, "drafts": 1, "failed_sends": 0}
    assert len(theirs["latest_invoices"]) == 2


async def test_without_a_token_401(client: AsyncClient) -> None:
    answer = await client.get(DASHBOARD)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
