"""Demo data: the registered seeders run once per database, in order, all or nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.core import clock
from laskutin.core.db import create_engine, session_factory, unit_of_work
from laskutin.core.models import InstanceMetadata
from laskutin.core.settings import Settings
from laskutin.invoices.domain import Status
from laskutin.invoices.models import Invoice
from laskutin.invoices.status import status_of
from laskutin.system import seeding


@pytest.fixture
async def factory(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two seeders registered (out of order) in a registry of this test's own."""
    monkeypatch.setattr(seeding, "_SEEDERS", [])
    monkeypatch.setattr(seeding, "SEEDER_MODULES", ())
    called: list[str] = []

    @seeding.seeder(20)
    async def second(session: AsyncSession) -> list[str]:
        called.append("second")
        session.add(InstanceMetadata(key="seeded-by-second", value={"ok": True}))
        return ["second seeder ran"]

    @seeding.seeder(10)
    async def first(session: AsyncSession) -> list[str]:
        called.append("first")
        await session.execute(
            text("INSERT INTO instance_metadata (key, value) VALUES ('seeded-by-first', '1')")
        )
        return ["sign in as demo@example.com"]

    return called


async def _keys(factory: async_sessionmaker[AsyncSession]) -> set[str]:
    async with unit_of_work(factory) as session:
        return set((await session.scalars(select(InstanceMetadata.key))).all())


async def test_seeders_run_once(
    factory: async_sessionmaker[AsyncSession], calls: list[str]
) -> None:
    lines = await seeding.seed_demo_data(factory)
    assert lines == ["sign in as demo@example.com", "second seeder ran"]
    assert calls == ["first", "second"]
    assert await _keys(factory) == {"seeded-by-first", "seeded-by-second", seeding.SEEDED_KEY}

    assert await seeding.seed_demo_data(factory) is None
    assert calls == ["first", "second"]
    assert await _keys(factory) == {"seeded-by-first", "seeded-by-second", seeding.SEEDED_KEY}


async def test_a_failing_seeder_leaves_nothing_and_runs_again(
    factory: async_sessionmaker[AsyncSession], calls: list[str]
) -> None:
    @seeding.seeder(30)
    async def broken(session: AsyncSession) -> list[str]:
        raise RuntimeError("demo data could not be made")

    with pytest.raises(RuntimeError):
        await seeding.seed_demo_data(factory)
    assert await _keys(factory) == set()

    seeding._SEEDERS[:] = [item for item in seeding._SEEDERS if item[2] is not broken]
    assert await seeding.seed_demo_data(factory) is not None
    assert await seeding.seed_demo_data(factory) is None


async def test_no_seeders_still_marks_the_database(
    factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seeding, "_SEEDERS", [])
    monkeypatch.setattr(seeding, "SEEDER_MODULES", ())
    assert await seeding.seed_demo_data(factory) == []
    assert await seeding.seed_demo_data(factory) is None


async def test_demo_company_and_user_are_seeded_and_can_sign_in(
    factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    from laskutin.auth.passwords import verify_password
    from laskutin.companies import demo
    from laskutin.core.tenancy import act_as

    lines = await seeding.seed_demo_data(factory)

    assert lines is not None
    assert any(demo.DEMO_EMAIL in line and demo.DEMO_PASSWORD in line for line in lines)
    async with unit_of_work(factory) as session:
        row = (
            await session.execute(
                text(
                    "SELECT id, password_hash, email_verified_at, last_company_id FROM users "
                    "WHERE email = :e"
                ),
                {"e": demo.DEMO_EMAIL},
            )
        ).one()
        assert row.email_verified_at is not None
        assert verify_password(row.password_hash, demo.DEMO_PASSWORD)
        await act_as(session, company_id=row.last_company_id, user_id=row.id)
        company = (await session.execute(text("SELECT name, business_id FROM companies"))).one()
        assert tuple(company) == (demo.DEMO_COMPANY, demo.DEMO_BUSINESS_ID)
        # verified already: no verification mail is queued for the demo user
        assert await session.scalar(text("SELECT count(*) FROM email_tokens")) == 0
        queued = await session.execute(
            text("SELECT task_name, count(*) FROM procrastinate_jobs GROUP BY task_name")
        )
        # Only the issued demo invoices' PDFs are queued (documents.tasks), no mail.
        assert {task for task, _ in queued.all()} <= {"documents.render_pdf"}
        # Invoicing to try: every state a list shows, made through the services' rules.
        rows = await session.scalars(select(Invoice))
        statuses = {status_of(invoice, clock.today()) for invoice in rows}
        assert statuses == {
            Status.DRAFT,
            Status.ISSUED,
            Status.PARTIALLY_PAID,
            Status.PAID,
            Status.OVERDUE,
            Status.CREDITED,
        }
        assert await session.scalar(text("SELECT count(*) FROM customers")) == 3
        assert await session.scalar(text("SELECT count(*) FROM products")) == 3
        # Issue 9: a recurring template with a history, and quotes (sent and accepted).
        assert await session.scalar(text("SELECT count(*) FROM recurring_invoices")) >= 1
        quotes = await session.execute(text("SELECT state FROM quotes ORDER BY state"))
        assert [state for (state,) in quotes.all()] == ["accepted", "sent"]
    assert any(line.startswith("demo data:") for line in lines)
    assert await seeding.seed_demo_data(factory) is None
