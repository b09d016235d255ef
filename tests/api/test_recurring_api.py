"""Recurring invoices through the API (issue 9): templates, their schedule, pause and resume,
the history, ETags, idempotency, roles and problems. The job itself is driven in-process here
(recurring.runner.run_due, as the worker's job calls it); tests/integration/test_recurring_job.py
covers concurrency, catching up and a real worker."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from laskutin.companies.domain import Role
from laskutin.core import clock
from laskutin.core.settings import Settings
from laskutin.recurring.runner import run_due
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_seller

PATH = "/api/v1/recurring-invoices"
PROBLEM = "application/problem+json"
START = dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC)  # a Sunday in Helsinki too


@pytest.fixture(autouse=True)
def january_2027() -> Iterator[None]:
    with clock.frozen_at(START):
        yield


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:
    return TokenAuth(app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    made = await auth.new_company("A")
    await make_seller(auth, made)
    return made


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def body(customer_id: str, **changes: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "name": "Kuukausihuolto",
        "customer_id": customer_id,
        "lines": [line(description="Ylläpito", quantity="1")],
        "notes": "Kuukauden ylläpito",
        "schedule": {"unit": "month", "day_of_month": 31, "start_date": "2027-01-01"},
        "action": "issue",
    }
    made.update(changes)
    return made


async def run_job(app: FastAPI, settings: Settings) -> list[Any]:
    return await run_due(app.state.session_factory, settings)


async def test_create_read_list_and_the_first_period_is_not_before_today(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company, name="Huollettava Oy")
    created = await client.post(PATH, json=body(customer), headers=headers)
    read = ok(created, 201)
    assert created.headers["Location"] == f"{PATH}/{read['id']}"
    assert read["state"] == "active"
    assert read["customer_name"] == "Huollettava Oy"
    # Started on 1 Jan (in the past): the 31st rule's first period from today (10 Jan) on.
    assert read["next_run"] == "2027-01-31"
    assert read["upcoming"] == [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
        "2027-05-31",
    ]
    assert read["invoices_made"] == 0
    assert read["last_run"] is None
    assert read["created_by_name"]
    got = await client.get(f"{PATH}/{read['id']}", headers=headers)
    assert ok(got) == read
    assert got.headers["ETag"] == created.headers["ETag"]
    cached = await client.get(
        f"{PATH}/{read['id']}", headers={**headers, "If-None-Match": got.headers["ETag"]}
    )
    assert cached.status_code == 304
    listed = ok(await client.get(PATH, headers=headers))
    assert [item["id"] for item in listed["items"]] == [read["id"]]
    assert listed["next_cursor"] is None
    for state, expected in (("active", 1), ("paused", 0), ("finished", 0)):
        page = ok(await client.get(PATH, params={"state": state}, headers=headers))
        assert len(page["items"]) == expected
    assert ok(await client.get(PATH, params={"q": "huolto"}, headers=headers))["items"]
    assert not ok(await client.get(PATH, params={"q": "muu"}, headers=headers))["items"]


async def test_the_job_makes_each_due_period_once_and_the_history_shows_them(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company)
    read = ok(await client.post(PATH, json=body(customer), headers=headers), 201)
    assert await run_job(app, settings) == []  # nothing due on 10 Jan
    with clock.frozen_at(dt.datetime(2027, 3, 31, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        made = await run_job(app, settings)
        assert [m.period_date for m in made] == [
            dt.date(2027, 1, 31),
            dt.date(2027, 2, 28),
            dt.date(2027, 3, 31),
        ]
        assert await run_job(app, settings) == []
        runs = ok(await client.get(f"{PATH}/{read['id']}/runs", headers=headers))["items"]
        assert [r["period_date"] for r in runs] == ["2027-03-31", "2027-02-28", "2027-01-31"]
        assert {r["outcome"] for r in runs} == {"issued"}
        assert all(r["invoice_number"] for r in runs)
        first = ok(await client.get(f"/api/v1/invoices/{runs[-1]['invoice_id']}", headers=headers))
        assert first["invoice_date"] == "2027-01-31"
        assert first["status"] in ("issued", "overdue")
        assert first["notes"] == "Kuukauden ylläpito"
        again = ok(await client.get(f"{PATH}/{read['id']}", headers=headers))
        assert again["invoices_made"] == 3
        assert again["next_run"] == "2027-04-30"
        assert again["last_run"]["period_date"] == "2027-03-31"
        trail = ok(await client.get(f"{PATH}/{read['id']}/audit", headers=headers))["items"]
        assert [e["action"] for e in trail][:3] == ["invoice_made"] * 3
        assert trail[0]["actor_name"] == "system"


async def test_draft_action_and_count_finish_the_template(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company)
    schedule = {"unit": "week", "every": 2, "start_date": "2027-01-11", "count": 2}
    read = ok(
        await client.post(
            PATH, json=body(customer, schedule=schedule, action="draft"), headers=headers
        ),
        201,
    )
    assert read["upcoming"] == ["2027-01-11", "2027-01-25"]
    with clock.frozen_at(dt.datetime(2027, 3, 1, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        assert len(await run_job(app, settings)) == 2
        done = ok(await client.get(f"{PATH}/{read['id']}", headers=headers))
        assert done["state"] == "finished"
        assert done["next_run"] is None
        runs = ok(await client.get(f"{PATH}/{read['id']}/runs", headers=headers))["items"]
        assert {r["outcome"] for r in runs} == {"draft"}
        assert {r["invoice_status"] for r in runs} == {"draft"}
        # Extending the count of a finished template goes on from today, like a resume.
        etag = (await client.get(f"{PATH}/{read['id']}", headers=headers)).headers["ETag"]
        more = ok(
            await client.patch(
                f"{PATH}/{read['id']}",
                json={"schedule": {"count": 10}},
                headers={**headers, "If-Match": etag},
            )
        )
        assert more["state"] == "active"
        assert more["next_run"] == "2027-03-08"


async def test_pause_skips_the_periods_of_the_pause(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company)
    created = await client.post(PATH, json=body(customer), headers=headers)
    read = ok(created, 201)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    paused = await client.post(
        f"{PATH}/{read['id']}/pause",
        headers={**headers, **key, "If-Match": created.headers["ETag"]},
    )
    assert ok(paused)["state"] == "paused"
    replay = await client.post(
        f"{PATH}/{read['id']}/pause",
        headers={**headers, **key, "If-Match": created.headers["ETag"]},
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    stale = await client.post(
        f"{PATH}/{read['id']}/resume", headers={**headers, "If-Match": created.headers["ETag"]}
    )
    assert problem(stale, 412)["type"] == "/problems/precondition-failed"
    with clock.frozen_at(dt.datetime(2027, 4, 15, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        assert await run_job(app, settings) == []
        resumed = ok(await client.post(f"{PATH}/{read['id']}/resume", headers=headers))
        assert resumed["state"] == "active"
        assert resumed["next_run"] == "2027-04-30"
        assert await run_job(app, settings) == []
    with clock.frozen_at(dt.datetime(2027, 4, 30, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        assert [m.period_date for m in await run_job(app, settings)] == [dt.date(2027, 4, 30)]


async def test_wait_for_payment(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company)
    read = ok(
        await client.post(PATH, json=body(customer, wait_for_payment=True), headers=headers), 201
    )
    with clock.frozen_at(dt.datetime(2027, 3, 31, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        made = await run_job(app, settings)
        assert [m.period_date for m in made] == [dt.date(2027, 1, 31)]
        assert await run_job(app, settings) == []
        waiting = ok(await client.get(f"{PATH}/{read['id']}", headers=headers))
        assert waiting["waiting_for_payment"] is True
        assert waiting["next_run"] == "2027-02-28"
        invoice = ok(await client.get(f"/api/v1/invoices/{made[0].invoice_id}", headers=headers))
        ok(
            await client.post(
                f"/api/v1/invoices/{made[0].invoice_id}/payments",
                json={"payment_date": "2027-03-30", "amount": invoice["total"]},
                headers=headers,
            ),
            201,
        )
        # Paid: the next period is made (and waits again, as it is unpaid).
        assert [m.period_date for m in await run_job(app, settings)] == [dt.date(2027, 2, 28)]


async def test_issue_refused_leaves_a_draft_and_records_why(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company)
    read = ok(await client.post(PATH, json=body(customer), headers=headers), 201)
    await make_seller(auth, company, iban=None)  # no bank account: not issuable
    with clock.frozen_at(dt.datetime(2027, 1, 31, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        [made] = await run_job(app, settings)
        assert made.outcome == "failed"
        [run] = ok(await client.get(f"{PATH}/{read['id']}/runs", headers=headers))["items"]
        assert run["outcome"] == "failed"
        assert run["invoice_status"] == "draft"
        assert "company.bank_accounts" in run["error"]


async def test_changes_if_match_and_the_fixed_schedule(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company)
    created = await client.post(PATH, json=body(customer), headers=headers)
    read = ok(created, 201)
    url = f"{PATH}/{read['id']}"
    changed = await client.patch(
        url,
        json={"name": "Huolto", "schedule": {"day_of_month": 15}},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert ok(changed)["next_run"] == "2027-01-15"
    stale = await client.patch(
        url, json={"name": "X"}, headers={**headers, "If-Match": created.headers["ETag"]}
    )
    assert problem(stale, 412)["type"] == "/problems/precondition-failed"
    trail = ok(await client.get(f"{url}/audit", headers=headers))["items"]
    assert trail[0]["action"] == "updated"
    assert trail[0]["changes"]["name"] == ["Kuukausihuolto", "Huolto"]
    with clock.frozen_at(dt.datetime(2027, 1, 15, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        assert len(await run_job(app, settings)) == 1
    headers = await auth.as_role(company, Role.OWNER)  # a token of today again
    fixed = await client.patch(url, json={"schedule": {"every": 2}}, headers=headers)
    assert problem(fixed, 409)["type"] == "/problems/recurring-schedule-fixed"
    end = await client.patch(url, json={"schedule": {"end_date": "2027-03-31"}}, headers=headers)
    assert ok(end)["upcoming"] == ["2027-02-15", "2027-03-15"]
    gone = await client.delete(url, headers=headers)
    assert gone.status_code == 204
    assert (await client.get(url, headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"schedule": {"unit": "week", "day_of_month": 3, "start_date": "2027-01-10"}},
            "schedule.day_of_month",
        ),
        (
            {
                "schedule": {
                    "unit": "day",
                    "every": 1,
                    "weekend": "friday",
                    "start_date": "2027-01-10",
                }
            },
            "schedule.weekend",
        ),
        ({"schedule": {"start_date": "2027-01-10", "end_date": "2027-01-01"}}, "schedule.end_date"),
        ({"schedule": {"start_date": "2026-01-01", "end_date": "2026-12-31"}}, "schedule.end_date"),
        ({"customer_id": str(uuid.uuid4())}, "customer_id"),
        ({"lines": [line(vat_rate="24")]}, "lines.0.vat_rate"),
        ({"action": "send"}, "recipients"),
        ({"action": "send", "recipients": ["ei osoite"]}, "recipients.0"),
    ],
)
async def test_refusals_name_the_field_in_words(
    client: AsyncClient,
    auth: TokenAuth,
    company: Company,
    changes: dict[str, Any],
    field: str,
) -> None:
    headers = {**await auth.as_role(company, Role.OWNER), "Accept-Language": "en"}
    customer = await make_customer(auth, company, email=None)
    payload = body(customer)
    payload.update(changes)
    answer = await client.post(PATH, json=payload, headers=headers)
    found = problem(answer, 422)
    assert field in [error["field"] for error in found["errors"]], found
    assert all(error["message"] for error in found["errors"])


async def test_an_accountant_reads_and_changes_nothing(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    owner = await auth.as_role(company, Role.OWNER)
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    customer = await make_customer(auth, company)
    read = ok(await client.post(PATH, json=body(customer), headers=owner), 201)
    assert ok(await client.get(f"{PATH}/{read['id']}", headers=accountant))["id"] == read["id"]
    refused = await client.post(PATH, json=body(customer), headers=accountant)
    assert problem(refused, 403)["type"] == "/problems/forbidden"
    paused = await client.post(f"{PATH}/{read['id']}/pause", headers=accountant)
    assert problem(paused, 403)["type"] == "/problems/forbidden"


async def test_idempotent_create(client: AsyncClient, auth: TokenAuth, company: Company) -> None:
    headers = {**await auth.as_role(company, Role.OWNER), "Idempotency-Key": "r-1"}
    customer = await make_customer(auth, company)
    first = ok(await client.post(PATH, json=body(customer), headers=headers), 201)
    again = await client.post(PATH, json=body(customer), headers=headers)
    assert ok(again, 201)["id"] == first["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(ok(await client.get(PATH, headers=headers))["items"]) == 1


async def test_send_action_requests_the_e_mail(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company, email="laskut@asiakas.example.fi")
    read = ok(await client.post(PATH, json=body(customer, action="send"), headers=headers), 201)
    with clock.frozen_at(dt.datetime(2027, 1, 31, 8, tzinfo=dt.UTC)):
        headers = await auth.as_role(company, Role.OWNER)
        [made] = await run_job(app, settings)
        assert (made.outcome, made.error) == ("sent", None)
        sends = ok(await client.get(f"/api/v1/invoices/{made.invoice_id}/sends", headers=headers))
        [send] = sends["items"]
        assert send["recipients"] == ["laskut@asiakas.example.fi"]
        [run] = ok(await client.get(f"{PATH}/{read['id']}/runs", headers=headers))["items"]
        assert run["outcome"] == "sent"


async def test_deleting_a_never_invoiced_customer_takes_its_templates(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await auth.as_role(company, Role.OWNER)
    customer = await make_customer(auth, company)
    read = ok(await client.post(PATH, json=body(customer), headers=headers), 201)
    assert (
        await client.delete(f"/api/v1/customers/{customer}", headers=headers)
    ).status_code == 204
    assert (await client.get(f"{PATH}/{read['id']}", headers=headers)).status_code == 404
