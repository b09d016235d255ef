"""The recurring invoices' job (issue 9): each period's invoice exactly once, with several
workers at once, after a pause of the workers (catching up, oldest first), across companies
with row-level security forced; and a real `laskutin worker` process making a due invoice."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.companies.domain import Role
from laskutin.core import clock
from laskutin.core.db import create_engine, session_factory, unit_of_work
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from laskutin.recurring.runner import SWEEP_SETTING, Made, run_due
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_seller
from tests.integration.procs import laskutin_env, spawn

PATH = "/api/v1/recurring-invoices"
MADE_ON = dt.datetime(2027, 1, 5, 10, tzinfo=dt.UTC)
# Workers stopped from January to the end of June: six periods of the 31st rule are due.
BACK_ON = dt.datetime(2027, 6, 30, 10, tzinfo=dt.UTC)
DUE = [
    dt.date(2027, 1, 29),
    dt.date(2027, 2, 26),
    dt.date(2027, 3, 31),
    dt.date(2027, 4, 30),
    dt.date(2027, 5, 31),
    dt.date(2027, 6, 30),
]  # 31 Jan and 28 Feb 2027 are weekend days: moved to Friday


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:
    return TokenAuth(app)


@pytest.fixture
async def workers(settings: Settings) -> AsyncIterator[list[async_sessionmaker[AsyncSession]]]:
    """Three workers' session factories, each on its own engine (its own connections)."""
    engines = [create_engine(settings) for _ in range(3)]
    try:
        yield [session_factory(engine) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def template(
    client: AsyncClient, auth: TokenAuth, company: Company, **changes: Any
) -> dict[str, Any]:
    customer = await make_customer(auth, company)
    body: dict[str, Any] = {
        "name": f"Ylläpito {company.label}",
        "customer_id": customer,
        "lines": [line(description=f"Ylläpito {company.label}")],
        "schedule": {
            "unit": "month",
            "day_of_month": 31,
            "weekend": "friday",
            "start_date": "2027-01-01",
        },
        "action": "issue",
    }
    body.update(changes)
    answer = await client.post(PATH, json=body, headers=await auth.as_role(company, Role.OWNER))
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


async def company_with_seller(auth: TokenAuth, label: str) -> Company:
    made = await auth.new_company(label)
    await make_seller(auth, made)
    return made


async def runs_of(app: FastAPI, company: Company, auth: TokenAuth, template_id: str) -> list[Any]:
    async with unit_of_work(app.state.session_factory) as session:
        await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
        rows = await session.execute(
            text(
                "SELECT r.sequence, r.period_date, r.outcome, i.invoice_date, i.number "
                "FROM recurring_invoice_runs r JOIN invoices i ON i.id = r.invoice_id "
                "WHERE r.template_id = :t ORDER BY r.sequence"
            ),
            {"t": template_id},
        )
        return [tuple(row) for row in rows.all()]


async def invoice_count(app: FastAPI, company: Company) -> int:
    async with unit_of_work(app.state.session_factory) as session:
        await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
        return int(await session.scalar(text("SELECT count(*) FROM invoices")) or 0)


async def test_three_workers_at_once_after_a_pause_make_each_period_once_in_order(
    client: AsyncClient,
    app: FastAPI,
    settings: Settings,
    auth: TokenAuth,
    workers: list[async_sessionmaker[AsyncSession]],
) -> None:
    with clock.frozen_at(MADE_ON):
        a = await company_with_seller(auth, "A")
        b = await company_with_seller(auth, "B")
        made_a = await template(client, auth, a)
        made_b = await template(client, auth, b, action="draft")
        assert made_a["next_run"] == "2027-01-29"
    with clock.frozen_at(BACK_ON):
        for _ in range(3):  # run after run, three at a time: the first round does it all
            rounds = await asyncio.gather(*(run_due(w, settings) for w in workers))
            everything: list[Made] = [m for share in rounds for m in share]
            if _ == 0:
                per_template = {
                    t: sorted(m.period_date for m in everything if str(m.template_id) == t)
                    for t in (made_a["id"], made_b["id"])
                }
                assert per_template == {made_a["id"]: DUE, made_b["id"]: DUE}
            else:
                assert everything == []
    runs = await runs_of(app, a, auth, made_a["id"])
    assert [r[0] for r in runs] == [0, 1, 2, 3, 4, 5]
    assert [r[1] for r in runs] == DUE
    assert [r[3] for r in runs] == DUE  # each invoice dated its period
    assert {r[2] for r in runs} == {"issued"}
    numbers = [int(str(r[4]).split("-")[-1]) for r in runs]
    assert numbers == sorted(numbers)  # issued oldest first: numbers follow the dates
    assert await invoice_count(app, a) == 6
    assert await invoice_count(app, b) == 6
    drafts = await runs_of(app, b, auth, made_b["id"])
    assert {r[2] for r in drafts} == {"draft"}
    assert all(r[4] is None for r in drafts)


async def test_two_sessions_racing_for_one_period(
    client: AsyncClient,
    app: FastAPI,
    settings: Settings,
    auth: TokenAuth,
    workers: list[async_sessionmaker[AsyncSession]],
) -> None:
    """Many rounds of two workers started together on one due period: one makes it."""
    with clock.frozen_at(MADE_ON):
        a = await company_with_seller(auth, "A")
        made = await template(
            client,
            auth,
            a,
            schedule={"unit": "day", "every": 1, "start_date": "2027-01-05"},
        )
    for day in range(5, 15):
        with clock.frozen_at(dt.datetime(2027, 1, day, 10, tzinfo=dt.UTC)):
            rounds = await asyncio.gather(
                run_due(workers[0], settings), run_due(workers[1], settings)
            )
            assert sum(len(share) for share in rounds) == 1
    runs = await runs_of(app, a, auth, made["id"])
    assert [r[1] for r in runs] == [dt.date(2027, 1, d) for d in range(5, 15)]


async def test_the_sweep_policy_reads_only_due_templates_and_writes_nothing(
    client: AsyncClient,
    app: FastAPI,
    auth: TokenAuth,
) -> None:
    with clock.frozen_at(MADE_ON):
        a = await company_with_seller(auth, "A")
        b = await company_with_seller(auth, "B")
        active = await template(client, auth, a)
        paused = await template(client, auth, b)
        answer = await client.post(
            f"{PATH}/{paused['id']}/pause", headers=await auth.as_role(b, Role.OWNER)
        )
        assert answer.status_code == 200, answer.text
    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    async with unit_of_work(sessions) as session:
        await act_as(session, company_id=None, user_id=None)
        count = "SELECT count(*) FROM recurring_invoices"
        assert await session.scalar(text(count)) == 0  # no marker: nothing
        await session.execute(SWEEP_SETTING)
        ids = (await session.scalars(text("SELECT id::text FROM recurring_invoices"))).all()
        assert ids == [active["id"]]  # the paused one stays hidden
        assert await session.scalar(text("SELECT count(*) FROM recurring_invoice_runs")) == 0
        changed = await session.execute(text("UPDATE recurring_invoices SET name = 'x' WHERE true"))
        assert changed.rowcount == 0  # type: ignore[attr-defined]


async def test_a_member_who_can_no_longer_invoice_pauses_the_template(
    client: AsyncClient,
    app: FastAPI,
    settings: Settings,
    auth: TokenAuth,
) -> None:
    with clock.frozen_at(MADE_ON):
        a = await company_with_seller(auth, "A")
        made = await template(client, auth, a)
    owner = auth.members[(a.id, Role.OWNER)]
    async with unit_of_work(app.state.session_factory) as session:
        await act_as(session, company_id=uuid.UUID(a.id), user_id=owner)
        await session.execute(
            text("UPDATE memberships SET role = 'accountant' WHERE user_id = :u"), {"u": owner}
        )
    with clock.frozen_at(BACK_ON):
        assert await run_due(app.state.session_factory, settings) == []
        headers = await auth.as_role(a, Role.ADMIN)
        read = (await client.get(f"{PATH}/{made['id']}", headers=headers)).json()
        assert read["state"] == "paused"
        assert read["next_run"] == "2027-01-29"  # no period used up
        trail = (await client.get(f"{PATH}/{made['id']}/audit", headers=headers)).json()
        assert trail["items"][0]["action"] == "paused"
        assert trail["items"][0]["actor_name"] == "system"
        resumed = await client.post(f"{PATH}/{made['id']}/resume", headers=headers)
        assert resumed.json()["created_by_name"].startswith("Admin")
        assert resumed.json()["next_run"] == "2027-06-30"


@pytest.mark.slow
async def test_a_real_worker_makes_todays_invoice_once(
    client: AsyncClient,
    app: FastAPI,
    settings: Settings,
    auth: TokenAuth,
    workdir: Path,
) -> None:
    """`laskutin worker` queues the job as it starts (``at_start``): a template due today (the
    real clock: the worker is another process) is invoiced, once, even with two workers."""
    a = await company_with_seller(auth, "A")
    today = clock.today().isoformat()
    made = await template(
        client, auth, a, schedule={"unit": "month", "start_date": today}, action="issue"
    )
    assert made["next_run"] == today
    env = laskutin_env(
        database_url=settings.app_database.libpq_url(),
        migration_database_url=settings.migration_database.libpq_url(),
    )
    with (
        spawn("worker", "--name", "rec-1", env=env, cwd=workdir, name="worker-1") as one,
        spawn("worker", "--name", "rec-2", env=env, cwd=workdir, name="worker-2") as two,
    ):
        loop = asyncio.get_running_loop()
        deadline = asyncio.get_running_loop().time() + 120
        while await _runs_now(settings, a, made["id"]) < 1:
            assert loop.time() < deadline, one.output() + two.output()
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)  # both workers' start-up runs are done by now
        assert await _runs_now(settings, a, made["id"]) == 1
    runs = await runs_of(app, a, auth, made["id"])
    assert [(r[1].isoformat(), r[2]) for r in runs] == [(today, "issued")]


async def _runs_now(settings: Settings, company: Company, template_id: str) -> int:
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await act_as(session, company_id=uuid.UUID(company.id), user_id=None)
            return int(
                await session.scalar(
                    text("SELECT count(*) FROM recurring_invoice_runs WHERE template_id = :t"),
                    {"t": template_id},
                )
                or 0
            )
    finally:
        await engine.dispose()


async def test_the_demo_company_gets_recurring_invoices(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `make run` demo data with this package's seeder (system/seeding.py lists it)."""
    from laskutin.recurring.models import RecurringInvoice, RecurringInvoiceRun
    from laskutin.system import seeding

    modules = (*seeding.SEEDER_MODULES, "laskutin.recurring.demo")
    monkeypatch.setattr(seeding, "SEEDER_MODULES", tuple(dict.fromkeys(modules)))
    engine = create_engine(settings)
    try:
        factory = session_factory(engine)
        lines = await seeding.seed_demo_data(factory)
        assert lines is not None
        assert any("recurring" in line_ for line_ in lines), lines
        async with unit_of_work(factory) as session:
            await act_as(session, company_id=None, user_id=None)
            await session.execute(SWEEP_SETTING)  # active templates of every company
            active = (await session.scalars(select(RecurringInvoice))).all()
            assert [row.name for row in active] == ["Ylläpitosopimus"]
            assert active[0].next_run is not None
            assert active[0].next_run >= clock.today()
            await act_as(session, company_id=active[0].company_id, user_id=None)
            runs = (await session.scalars(select(RecurringInvoiceRun))).all()
            assert len(runs) >= 3
            assert {run.outcome for run in runs} == {"issued"}
    finally:
        await engine.dispose()


async def test_templates_waiting_for_a_payment_do_not_hide_the_others(
    client: AsyncClient,
    app: FastAPI,
    settings: Settings,
    auth: TokenAuth,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from laskutin.recurring import runner

    monkeypatch.setattr(runner, "SWEEP_LIMIT", 1)  # one template per page of the sweep
    with clock.frozen_at(MADE_ON):
        a = await company_with_seller(auth, "A")
        waiting = [await template(client, auth, a, wait_for_payment=True) for _ in range(2)]
    with clock.frozen_at(dt.datetime(2027, 2, 1, 10, tzinfo=dt.UTC)):
        assert len(await run_due(app.state.session_factory, settings)) == 2
        later = await template(
            client, auth, a, schedule={"unit": "day", "start_date": "2027-02-01"}
        )
    with clock.frozen_at(dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)):
        made = await run_due(app.state.session_factory, settings)
    # The two waiting templates (due since 26 Feb) come first in the sweep and make nothing.
    assert {str(m.template_id) for m in made} == {later["id"]}
    assert len(made) == 29  # 1 Feb .. 1 Mar
    for item in waiting:
        assert len(await runs_of(app, a, auth, item["id"])) == 1


async def test_the_unique_run_backs_the_lock(
    client: AsyncClient, app: FastAPI, settings: Settings, auth: TokenAuth
) -> None:
    """A run row already there for the next period (as if another worker had made it without
    the lock): no second invoice for it; the template moves on."""
    with clock.frozen_at(MADE_ON):
        a = await company_with_seller(auth, "A")
        made = await template(client, auth, a, schedule={"unit": "day", "start_date": "2027-01-05"})
    async with unit_of_work(app.state.session_factory) as session:
        await act_as(session, company_id=uuid.UUID(a.id), user_id=None)
        await session.execute(
            text(
                "INSERT INTO recurring_invoice_runs (id, company_id, template_id, sequence, "
                "period_date, outcome) VALUES (gen_random_uuid(), :c, :t, 0, '2027-01-05', "
                "'draft')"
            ),
            {"c": a.id, "t": made["id"]},
        )
    with clock.frozen_at(dt.datetime(2027, 1, 6, 10, tzinfo=dt.UTC)):
        assert await run_due(app.state.session_factory, settings) == []  # stops at the clash
        again = await run_due(app.state.session_factory, settings)
    assert [(m.sequence, m.period_date) for m in again] == [(1, dt.date(2027, 1, 6))]
    assert await invoice_count(app, a) == 1
