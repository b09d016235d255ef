"""The audit trail (laskutin.audit) AS THE APP ROLE: recorded, listed newest first, append-only,
and confined to the active company by row-level security."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from laskutin.audit import service as audit
from laskutin.audit.models import AuditEvent
from laskutin.auth.models import User
from laskutin.companies.domain import Role
from laskutin.companies.models import Company, Membership
from laskutin.companies.service import Actor
from laskutin.core.db import create_engine, session_factory
from laskutin.core.errors import ValidationFailed
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE, Settings
from laskutin.core.tenancy import act_as
from tests.conftest import Cluster


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine: AsyncEngine = create_engine(settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def new_company(sessions: async_sessionmaker[AsyncSession], name: str) -> Actor:
    company_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        user = User(email=f"{uuid.uuid4().hex[:8]}@example.fi", name=name)
        session.add(user)
        await session.flush()
        await act_as(session, company_id=company_id, user_id=user.id)
        session.add(Company(id=company_id, name=f"{name} Oy"))
        await session.flush()
        session.add(Membership(company_id=company_id, user_id=user.id, role=Role.OWNER))
    return Actor(user_id=user.id, company_id=company_id, role=Role.OWNER)


async def as_tenant(session: AsyncSession, actor: Actor) -> None:
    await act_as(session, company_id=actor.company_id, user_id=actor.user_id)


async def test_events_are_recorded_and_listed_newest_first_across_pages(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    actor = await new_company(sessions, "Maija Mehiläinen")
    invoice = uuid.uuid4()
    actions = [f"step-{i}" for i in range(7)]
    for action in actions:  # one transaction each: distinct times
        async with sessions() as session, session.begin():
            await as_tenant(session, actor)
            await audit.record(
                session,
                resource_type="invoice",
                resource_id=invoice,
                action=action,
                actor=actor,
                changes={"n": [0, 1]},
            )
    async with sessions() as session, session.begin():
        await as_tenant(session, actor)
        await audit.record(
            session, resource_type="invoice", resource_id=invoice, action="reminded", actor=None
        )
        # Another resource's events are not listed.
        await audit.record(
            session,
            resource_type="customer",
            resource_id=invoice,
            action="created",
            actor=actor,
        )

    seen = []
    cursor = None
    pages = 0
    async with sessions() as session, session.begin():
        await as_tenant(session, actor)
        while True:
            page = await audit.list_events(
                session, resource_type="invoice", resource_id=invoice, limit=3, cursor=cursor
            )
            pages += 1
            seen.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
    assert pages == 3
    assert [e.action for e in seen] == ["reminded", *reversed(actions)]
    assert seen[0].actor_user_id is None
    assert seen[0].actor_name == "system"
    assert seen[1].actor_user_id == actor.user_id
    assert seen[1].actor_name == "Maija Mehiläinen"
    assert seen[1].changes == {"n": [0, 1]}
    assert all(e.resource_type == "invoice" and e.resource_id == invoice for e in seen)


async def test_a_cursor_of_another_list_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from laskutin.api.pagination import Sort, encode_cursor

    actor = await new_company(sessions, "Cursor")
    foreign = encode_cursor(
        Sort("customers:name", [(User.name, "asc"), (User.id, "asc")]), ["a", uuid.uuid4()]
    )
    async with sessions() as session, session.begin():
        await as_tenant(session, actor)
        with pytest.raises(ValidationFailed) as raised:
            await audit.list_events(
                session, resource_type="invoice", resource_id=uuid.uuid4(), limit=3, cursor=foreign
            )
    assert raised.value.errors[0].field == "query.cursor"


async def test_another_companys_events_are_invisible(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    a = await new_company(sessions, "A")
    b = await new_company(sessions, "B")
    resource = uuid.uuid4()
    async with sessions() as session, session.begin():
        await as_tenant(session, b)
        await audit.record(
            session, resource_type="invoice", resource_id=resource, action="created", actor=b
        )

    async with sessions() as session, session.begin():
        await as_tenant(session, a)
        page = await audit.list_events(
            session, resource_type="invoice", resource_id=resource, limit=10, cursor=None
        )
        # Even a query that forgets the company filter sees nothing of B.
        everything = await session.scalar(select(func.count()).select_from(AuditEvent))
        # And A cannot write an event into B.
        with pytest.raises(DBAPIError):
            async with session.begin_nested():
                await audit.record(
                    session, resource_type="invoice", resource_id=resource, action="x", actor=b
                )
    assert page.items == []
    assert everything == 0


async def test_the_app_role_cannot_update_or_delete_events(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    actor = await new_company(sessions, "Append")
    async with sessions() as session, session.begin():
        await as_tenant(session, actor)
        await audit.record(
            session,
            resource_type="product",
            resource_id=uuid.uuid4(),
            action="created",
            actor=actor,
        )
    for statement in (
        "UPDATE audit_events SET action = 'forged'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        async with sessions() as session, session.begin():
            await as_tenant(session, actor)
            with pytest.raises(DBAPIError, match="permission denied"):
                await session.execute(text(statement))
    async with sessions() as session, session.begin():
        await as_tenant(session, actor)
        assert await session.scalar(select(AuditEvent.action)) == "created"


def test_grants_and_trigger_hold_for_the_owner_too(cluster: Cluster, database: str) -> None:
    with psycopg.connect(cluster.url(EMBEDDED_APP_ROLE, database).libpq_url()) as conn:
        privileges = conn.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'audit_events' AND grantee = current_user ORDER BY 1"
        ).fetchall()
        assert [p for (p,) in privileges] == ["INSERT", "SELECT"]
    with psycopg.connect(cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url()) as conn:
        company = uuid.uuid4()

        def one_event() -> None:
            conn.execute("SELECT set_config('laskutin.company_id', %s, true)", (str(company),))
            conn.execute("SELECT set_config('laskutin.user_id', %s, true)", (str(company),))
            conn.execute(
                "INSERT INTO companies (id, name) VALUES (%s, 'T Oy') ON CONFLICT DO NOTHING",
                (company,),
            )
            conn.execute(
                "INSERT INTO audit_events (company_id, resource_type, resource_id, action, "
                "actor_name) VALUES (%s, 'invoice', %s, 'created', 'T')",
                (company, uuid.uuid4()),
            )
            # Even with the policies lifted (as a data migration would), the trigger refuses.
            conn.execute("ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY")

        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            one_event()
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
            conn.rollback()
        # A deleted company takes its trail with it (the foreign key's cascade).
        one_event()
        conn.execute("DELETE FROM companies WHERE id = %s", (company,))
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone() == (0,)
        conn.rollback()


def test_diff_lists_changed_fields_as_old_new() -> None:
    before = {"name": "Vanha Oy", "city": "Turku", "vat": None, "gone": 1}
    after = {"name": "Uusi Oy", "city": "Turku", "vat": "FI01162976", "new": True}
    assert audit.diff(before, after) == {
        "gone": [1, None],
        "name": ["Vanha Oy", "Uusi Oy"],
        "new": [None, True],
        "vat": [None, "FI01162976"],
    }
    assert audit.diff(after, after) == {}
