"""Row-level security, the second isolation layer, proved AS THE APP ROLE: a query that forgets
its company filter still sees only the active company (docs/database.md#row-level-security)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from laskutin.auth.models import User
from laskutin.auth.tokens import AccessClaims, NotAMember
from laskutin.companies import service as companies
from laskutin.companies.domain import Plan, Role
from laskutin.companies.models import Company, Membership
from laskutin.core.db import create_engine, session_factory
from laskutin.core.settings import EMBEDDED_APP_ROLE, EMBEDDED_OWNER_ROLE, Settings
from laskutin.core.tenancy import act_as
from tests.conftest import Cluster

# Tenant tables without a company_id column of their own (their key is the company).
TENANT_TABLES_KEYED_BY_ID = {"companies"}
# Tables with a company_id that are no tenant tables, each with its reason in its model and in
# docs/database.md#tables-without-row-level-security. Keep this list short.
NOT_TENANT_TABLES = {
    "refresh_tokens",  # per user; found by the token's hash before any tenant is known
}


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.model_copy(update={"db_pool_size": 1}))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@dataclass(frozen=True)
class World:
    a: uuid.UUID  # company A: alice owns it, carol keeps its books
    b: uuid.UUID  # company B: bob owns it, carol keeps its books
    alice: uuid.UUID
    bob: uuid.UUID
    carol: uuid.UUID


async def sign_up(
    factory: async_sessionmaker[AsyncSession], *, email: str, company_name: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """Sign-up as the service will do it: the user, then their first company and ownership."""
    async with factory() as session, session.begin():
        user = User(email=email, name=email.split("@")[0].title())
        session.add(user)
        await session.flush()
        company_id = uuid.uuid4()
        await act_as(session, company_id=company_id, user_id=user.id)
        session.add(Company(id=company_id, name=company_name, business_id="0737546-2"))
        await session.flush()
        session.add(Membership(company_id=company_id, user_id=user.id, role=Role.OWNER))
        user.last_company_id = company_id
    return user.id, company_id


@pytest.fixture
async def world(factory: async_sessionmaker[AsyncSession]) -> World:
    alice, a = await sign_up(factory, email="alice@a.example", company_name="A Oy")
    bob, b = await sign_up(factory, email="bob@b.example", company_name="B Oy")
    async with factory() as session, session.begin():
        carol = User(email="carol@tilitoimisto.example", name="Carol")
        session.add(carol)
        await session.flush()
        for company in (a, b):  # an owner of each company adds the accountant
            await act_as(session, company_id=company, user_id=alice if company == a else bob)
            session.add(Membership(company_id=company, user_id=carol.id, role=Role.ACCOUNTANT))
            await session.flush()
    return World(a=a, b=b, alice=alice, bob=bob, carol=carol.id)


async def visible(session: AsyncSession) -> tuple[set[uuid.UUID], set[tuple[uuid.UUID, uuid.UUID]]]:
    """What a query with no WHERE clause at all returns: company ids and membership keys."""
    companies = set((await session.scalars(text("SELECT id FROM companies"))).all())
    memberships = await session.execute(text("SELECT company_id, user_id FROM memberships"))
    return companies, {(c, u) for c, u in memberships.all()}


async def test_signup_creates_the_company_and_its_owner(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with factory() as session, session.begin():
        await act_as(session, company_id=world.a, user_id=world.alice)
        company = await session.get_one(Company, world.a)
        assert (company.name, company.plan) == ("A Oy", Plan.FREE)
        membership = await session.get_one(Membership, (world.a, world.alice))
        assert membership.role is Role.OWNER
        user = await session.get_one(User, world.alice)
        assert user.last_company_id == world.a


async def test_a_query_that_forgets_the_filter_sees_only_the_active_company(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with factory() as session, session.begin():
        await act_as(session, company_id=world.a, user_id=world.alice)
        companies, memberships = await visible(session)
        assert companies == {world.a}
        assert memberships == {(world.a, world.alice), (world.a, world.carol)}
        # Even asking for B by its id finds nothing.
        assert await session.get(Company, world.b) is None
        found = await session.scalars(select(Membership).where(Membership.company_id == world.b))
        assert found.all() == []

    async with factory() as session, session.begin():
        # The accountant of both, acting for A, also sees "my companies": B's row and her own
        # membership of B (for /me and switching), never B's other members.
        await act_as(session, company_id=world.a, user_id=world.carol)
        companies, memberships = await visible(session)
        assert companies == {world.a, world.b}
        assert memberships == {
            (world.a, world.alice),
            (world.a, world.carol),
            (world.b, world.carol),
        }

    async with factory() as session, session.begin():  # a job: a company, no user
        await act_as(session, company_id=world.b, user_id=None)
        companies, memberships = await visible(session)
        assert companies == {world.b}
        assert memberships == {(world.b, world.bob), (world.b, world.carol)}


async def test_no_tenant_means_nothing_is_visible(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with factory() as session, session.begin():  # act_as never called
        assert await visible(session) == (set(), set())
    async with factory() as session, session.begin():
        await act_as(session, company_id=None, user_id=None)
        assert await visible(session) == (set(), set())
        # users is not a tenant table: the service layer alone confines it.
        assert await session.scalar(select(func.count()).select_from(User)) == 3


async def test_writes_into_another_company_are_refused(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async def as_alice_in_a(statement: str, params: dict[str, object]) -> None:
        async with factory() as session, session.begin():
            await act_as(session, company_id=world.a, user_id=world.alice)
            await session.execute(text(statement), params)

    async def refused(statement: str, **params: object) -> None:
        with pytest.raises(ProgrammingError, match="row-level security"):
            await as_alice_in_a(statement, params)

    await refused(
        "INSERT INTO memberships (company_id, user_id, role) VALUES (:c, :u, 'owner')",
        c=world.b,
        u=world.alice,
    )
    await refused(  # moving a row of A into B
        "UPDATE memberships SET company_id = :b WHERE company_id = :a", a=world.a, b=world.b
    )
    await refused(  # a company other than the active one cannot be created
        "INSERT INTO companies (id, name) VALUES (:id, 'Sneaky Oy')", id=uuid.uuid4()
    )
    await refused("UPDATE companies SET id = :b WHERE id = :a", a=world.a, b=world.b)

    async with factory() as session, session.begin():
        await act_as(session, company_id=world.a, user_id=world.carol)
        # B's rows cannot be reached to change or delete them: nothing happens.
        changed = await session.execute(
            update(Membership).where(Membership.company_id == world.b).values(role=Role.OWNER)
        )
        assert changed.rowcount == 0  # type: ignore[attr-defined]
        deleted = await session.execute(
            text("DELETE FROM memberships WHERE company_id = :b"), {"b": world.b}
        )
        assert deleted.rowcount == 0  # type: ignore[attr-defined]
        renamed = await session.execute(
            update(Company).where(Company.id == world.b).values(name="Taken Oy")
        )
        assert renamed.rowcount == 0  # type: ignore[attr-defined]
        everything = await session.execute(text("DELETE FROM companies"))
        assert everything.rowcount == 1  # type: ignore[attr-defined]  # only A
        await session.rollback()

    async with factory() as session, session.begin():
        await act_as(session, company_id=world.b, user_id=world.bob)
        b = await session.get_one(Company, world.b)
        assert b.name == "B Oy"
        roles = await session.scalars(
            select(Membership.role).where(Membership.company_id == world.b)
        )
        assert set(roles.all()) == {Role.OWNER, Role.ACCOUNTANT}


async def test_creating_a_company_needs_an_acting_user(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    async def create_without_user() -> None:
        new = uuid.uuid4()
        async with factory() as session, session.begin():
            await act_as(session, company_id=new, user_id=None)
            await session.execute(
                text("INSERT INTO companies (id, name) VALUES (:id, 'X')"), {"id": new}
            )

    with pytest.raises(ProgrammingError, match="row-level security"):
        await create_without_user()


async def test_the_acting_user_sees_every_company_of_theirs_and_no_other(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with factory() as session, session.begin():  # "my companies", before choosing one
        await act_as(session, company_id=None, user_id=world.carol)
        companies, memberships = await visible(session)
        assert companies == {world.a, world.b}
        assert memberships == {(world.a, world.carol), (world.b, world.carol)}

    async with factory() as session, session.begin():
        await act_as(session, company_id=None, user_id=world.alice)
        companies, memberships = await visible(session)
        assert companies == {world.a}
        assert memberships == {(world.a, world.alice)}

    stranger = uuid.uuid4()
    async with factory() as session, session.begin():
        await act_as(session, company_id=None, user_id=stranger)
        assert await visible(session) == (set(), set())


async def test_a_removed_member_no_longer_sees_the_company(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with factory() as session, session.begin():
        await act_as(session, company_id=world.b, user_id=world.bob)
        await session.execute(
            text("DELETE FROM memberships WHERE company_id = :b AND user_id = :u"),
            {"b": world.b, "u": world.carol},
        )
    async with factory() as session, session.begin():
        await act_as(session, company_id=None, user_id=world.carol)
        assert (await visible(session))[0] == {world.a}


def _claims(company_id: uuid.UUID, user_id: uuid.UUID) -> AccessClaims:
    now = dt.datetime.now(dt.UTC)
    return AccessClaims(user_id, company_id, Role.OWNER, now, now, "jti", "kid")


async def test_act_as_member_sets_the_tenant_and_reads_that_membership_alone(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    """A tenant request's first statement (migration 20261207_0020): the settings as act_as
    makes them, and the acting member's row, read once the settings hold."""
    tenant = text("SELECT laskutin_company_id(), laskutin_user_id()")
    async with factory() as session, session.begin():
        await companies.act_as_member(session, claims=_claims(world.b, world.carol))
        assert (await session.execute(tenant)).one() == (world.b, world.carol)
        assert await visible(session) == (
            {world.a, world.b},  # B as active, A as one of carol's
            {(world.b, world.bob), (world.b, world.carol), (world.a, world.carol)},
        )
        actor = await companies.acting_member(session, claims=_claims(world.b, world.carol))
        assert (actor.company_id, actor.user_id, actor.role) == (
            world.b,
            world.carol,
            Role.ACCOUNTANT,
        )
    async with factory() as session, session.begin():  # alice is no member of B
        await companies.act_as_member(session, claims=_claims(world.b, world.alice))
        assert (await session.execute(tenant)).one() == (world.b, world.alice)
        with pytest.raises(NotAMember):
            await companies.acting_member(session, claims=_claims(world.b, world.alice))


async def test_acting_member_uses_the_row_read_with_the_tenant_once(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    """The row act_as_member read answers the request's first acting_member (no statement of
    its own); a later call, or one for other claims, reads the role again."""
    async with factory() as session, session.begin():
        await companies.act_as_member(session, claims=_claims(world.a, world.carol))
        await session.execute(
            text("UPDATE memberships SET role = 'member' WHERE company_id = :a AND user_id = :u"),
            {"a": world.a, "u": world.carol},
        )
        first = await companies.acting_member(session, claims=_claims(world.a, world.carol))
        again = await companies.acting_member(session, claims=_claims(world.a, world.carol))
        assert (first.role, again.role) == (Role.ACCOUNTANT, Role.MEMBER)
        await companies.act_as_member(session, claims=_claims(world.a, world.carol))
        other = await companies.acting_member(session, claims=_claims(world.a, world.alice))
        assert other.role == Role.OWNER
        await session.rollback()


async def test_deleting_a_company_removes_its_memberships_and_last_choices(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with factory() as session, session.begin():
        await act_as(session, company_id=world.a, user_id=world.alice)
        await session.execute(text("DELETE FROM companies WHERE id = :a"), {"a": world.a})
    async with factory() as session, session.begin():
        await act_as(session, company_id=None, user_id=world.carol)
        companies, memberships = await visible(session)
        assert (companies, memberships) == ({world.b}, {(world.b, world.carol)})
        alice = await session.get_one(User, world.alice)
        assert alice.last_company_id is None


async def test_the_tenant_never_leaks_into_the_next_transaction(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    """One pooled connection (pool size 1), used by request after request."""
    query = text(
        "SELECT pg_backend_pid(), laskutin_company_id(), laskutin_user_id(), "
        "(SELECT count(*) FROM companies), (SELECT count(*) FROM memberships)"
    )
    async with factory() as session, session.begin():
        await act_as(session, company_id=world.a, user_id=world.alice)
        pid, company, user, companies, memberships = (await session.execute(query)).one()
        assert (company, user, companies, memberships) == (world.a, world.alice, 1, 2)

    async def next_request() -> None:
        async with factory() as session, session.begin():
            row = (await session.execute(query)).one()
            assert row == (pid, None, None, 0, 0), "the same connection, and no tenant left"

    await next_request()  # after a commit

    async with factory() as session, session.begin():
        await act_as(session, company_id=world.b, user_id=world.bob)
        await session.rollback()
    await next_request()  # after a rollback

    async def failing_request() -> None:
        async with factory() as session, session.begin():
            await act_as(session, company_id=world.b, user_id=world.bob)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    await next_request()  # after a request that failed

    async with engine.connect() as conn:  # a connection used directly, outside any session
        await act_as(conn, company_id=world.b, user_id=None)
        assert (await conn.execute(query)).one()[1:] == (world.b, None, 1, 2)
        await conn.commit()
    await next_request()


async def test_a_malformed_tenant_is_an_error_not_a_wider_view(
    factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    async def query_with_a_bad_setting() -> None:
        async with factory() as session, session.begin():
            await session.execute(text("SELECT set_config('laskutin.company_id', 'x', true)"))
            await session.execute(text("SELECT count(*) FROM companies"))

    with pytest.raises(DBAPIError, match="uuid"):
        await query_with_a_bad_setting()


def test_forced_row_level_security_on_every_tenant_table(cluster: Cluster, database: str) -> None:
    """Every table with a company_id column (and companies) has row-level security enabled and
    forced, and policies. New tenant tables are held to this without changing the test."""
    with psycopg.connect(cluster.url(EMBEDDED_APP_ROLE, database).libpq_url()) as conn:
        with_company = {
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name = 'company_id'"
            ).fetchall()
        }
        assert "memberships" in with_company
        tenant_tables = (with_company | TENANT_TABLES_KEYED_BY_ID) - NOT_TENANT_TABLES
        rows = conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
            (sorted(tenant_tables),),
        ).fetchall()
    assert {name for name, *_ in rows} == tenant_tables
    for name, enabled, forced, policies in rows:
        assert (enabled, forced) == (True, True), f"{name}: row-level security not forced"
        assert policies > 0, f"{name}: no policies"


def test_the_owner_alone_owns_and_is_bound_too(cluster: Cluster, database: str) -> None:
    with psycopg.connect(cluster.url(EMBEDDED_APP_ROLE, database).libpq_url()) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == (False, False)
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
        ).fetchall()
        assert owners == [(EMBEDDED_OWNER_ROLE,)]
        functions = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname LIKE 'laskutin%%'"
        ).fetchall()
        assert functions == [(EMBEDDED_OWNER_ROLE,)]
    with psycopg.connect(cluster.url(EMBEDDED_OWNER_ROLE, database).libpq_url()) as conn:
        owner = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert owner == (False, False)
        company = uuid.uuid4()
        # Forced: the owner too needs an active company and an acting user to create a company.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO companies (id, name) VALUES (%s, 'O Oy')", (company,))
        conn.rollback()
        conn.execute("SELECT set_config('laskutin.company_id', %s, true)", (str(company),))
        conn.execute("SELECT set_config('laskutin.user_id', %s, true)", (str(uuid.uuid4()),))
        conn.execute("INSERT INTO companies (id, name) VALUES (%s, 'O Oy')", (company,))
        conn.commit()
        assert conn.execute("SELECT count(*) FROM companies").fetchone() == (0,)
