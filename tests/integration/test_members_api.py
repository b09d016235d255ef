"""The active company and its members through the API, against the real database (issue 4).

Roles come from tests/contract/auth.py's TokenAuth (a company with one user per role, written
as the app's database role, tokens signed by the app's key ring); removal's effect on sessions
goes through the real sign-up, sign-in and refresh.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from laskutin.companies.domain import Role
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company, FactoryContext
from tests.contract.resources import member as make_member
from tests.integration.test_auth_api import REFRESH, SWITCH, add_member, bearer, log_in, me, sign_up

COMPANY = "/api/v1/company"
MEMBERS = "/api/v1/members"
PROBLEM = "application/problem+json"
MANAGERS = {Role.OWNER, Role.ADMIN}


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


def problem(response: Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{kind}"
    return body


def field_of(response: Response) -> str:
    body = problem(response, 422, response.json()["type"].removeprefix("/problems/"))
    [error] = body["errors"]
    field: str = error["field"]
    return field


async def member_id(auth: TokenAuth, company: Company, role: Role) -> str:
    return str(auth.members[(company.id, role)])


async def extra_member(client: AsyncClient, auth: TokenAuth, company: Company) -> str:
    """A further user with the member role (adding members by invitation is issue 8)."""
    made = await make_member(FactoryContext(client, auth, company))
    return made.id


# --- the company -----------------------------------------------------------------------------


async def test_every_role_reads_the_active_company(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    await auth.new_company("B")
    for role in Role:
        response = await client.get(COMPANY, headers=await auth.as_role(company, role))
        assert response.status_code == 200, response.text
        body = response.json()
        assert {"id", "name", "business_id", "vat_number", "plan"} <= set(body)
        assert body["id"] == company.id
        assert body["plan"] == "free"
        assert body["name"].startswith("Harness A-")
    assert (await client.get(COMPANY)).status_code == 401


@pytest.mark.parametrize("role", list(Role))
async def test_only_owners_and_admins_change_the_company(
    client: AsyncClient, auth: TokenAuth, role: Role
) -> None:
    company = await auth.new_company("A")
    headers = await auth.as_role(company, role)

    response = await client.patch(
        COMPANY,
        json={"name": "Uusi Nimi Oy", "business_id": "0116297-6", "vat_number": "FI01162976"},
        headers=headers,
    )

    if role in MANAGERS:
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Uusi Nimi Oy"
    else:
        problem(response, 403, "forbidden")
    after = await client.get(COMPANY, headers=await auth.as_role(company, Role.OWNER))
    assert (after.json()["name"] == "Uusi Nimi Oy") is (role in MANAGERS)


async def test_only_an_owner_changes_the_plan(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    admin = await auth.as_role(company, Role.ADMIN)
    owner = await auth.as_role(company, Role.OWNER)

    problem(await client.patch(COMPANY, json={"plan": "pro"}, headers=admin), 403, "forbidden")
    # The same plan is no change: an admin may send it with other fields.
    same = await client.patch(COMPANY, json={"plan": "free", "name": "Admin Oy"}, headers=admin)
    assert same.status_code == 200, same.text
    upgraded = await client.patch(COMPANY, json={"plan": "pro"}, headers=owner)
    assert upgraded.status_code == 200, upgraded.text
    assert upgraded.json()["plan"] == "pro"


async def test_business_id_and_vat_number_are_normalised(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)

    response = await client.patch(
        COMPANY, json={"business_id": " 01162976 ", "vat_number": "fi 0116297-6"}, headers=owner
    )

    assert response.status_code == 200, response.text
    assert (response.json()["business_id"], response.json()["vat_number"]) == (
        "0116297-6",
        "FI01162976",
    )
    # Not VAT-registered: the VAT number is cleared, the Y-tunnus stays.
    cleared = await client.patch(COMPANY, json={"vat_number": None}, headers=owner)
    assert (cleared.json()["business_id"], cleared.json()["vat_number"]) == ("0116297-6", None)


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({"business_id": "0116297-5"}, "business_id", "business-id-check-digit"),
        ({"business_id": "FI01162976"}, "business_id", "business-id-format"),
        ({"vat_number": "01162976"}, "vat_number", "vat-number-not-finnish"),
        ({"vat_number": "FI01162975"}, "vat_number", "vat-number-check-digit"),
        (
            {"business_id": "0116297-6", "vat_number": "FI07375462"},
            "vat_number",
            "vat-number-business-id-mismatch",
        ),
        ({"name": ""}, "name", "validation-error"),
        ({"name": None}, "name", "validation-error"),
        ({"plan": "gold"}, "plan", "validation-error"),
        ({"owner": "me"}, "owner", "validation-error"),
    ],
)
async def test_bad_company_input_names_the_field_and_changes_nothing(
    client: AsyncClient, auth: TokenAuth, body: dict[str, Any], field: str, kind: str
) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    before = (await client.get(COMPANY, headers=owner)).json()

    response = await client.patch(COMPANY, json={"name": "Ei Tallennu Oy", **body}, headers=owner)

    problem(response, 422, kind)
    assert field_of(response) == field
    assert (await client.get(COMPANY, headers=owner)).json() == before


# --- listing members -------------------------------------------------------------------------


async def test_every_role_lists_the_members_page_by_page(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    other = await auth.new_company("B")
    expected = {str(user) for (cid, _), user in auth.members.items() if cid == company.id}

    for role in Role:
        headers = await auth.as_role(company, role)
        seen: list[dict[str, Any]] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            response = await client.get(MEMBERS, params=params, headers=headers)
            assert response.status_code == 200, response.text
            page = response.json()
            assert set(page) == {"items", "next_cursor"}
            seen += page["items"]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == 2
        assert {m["user_id"] for m in seen} == expected
        assert len(seen) == len(expected)
        assert {m["role"] for m in seen} == {r.value for r in Role}
        assert set(seen[0]) == {"user_id", "name", "email", "role", "joined_at"}
        assert not any(other.label + "-" in m["name"] for m in seen)

    bad = await client.get(MEMBERS, params={"cursor": "nonsense!"}, headers=headers)
    assert field_of(bad) == "query.cursor"
    too_many = await client.get(MEMBERS, params={"limit": 1000}, headers=headers)
    assert field_of(too_many) == "query.limit"


# --- changing roles --------------------------------------------------------------------------


@pytest.mark.parametrize("actor", list(Role))
@pytest.mark.parametrize("target", list(Role))
@pytest.mark.parametrize("new_role", list(Role))
async def test_who_may_change_whose_role(
    client: AsyncClient, auth: TokenAuth, actor: Role, target: Role, new_role: Role
) -> None:
    company = await auth.new_company("A")
    # Another user in the target role (the actor's own membership is the self-change case).
    target_id = await extra_member(client, auth, company)
    owner = await auth.as_role(company, Role.OWNER)
    if target is not Role.MEMBER:
        setup = await client.patch(f"{MEMBERS}/{target_id}", json={"role": target}, headers=owner)
        assert setup.status_code == 200, setup.text

    response = await client.patch(
        f"{MEMBERS}/{target_id}",
        json={"role": new_role},
        headers=await auth.as_role(company, actor),
    )

    touches_owner = Role.OWNER in (target, new_role)
    allowed = actor is Role.OWNER or (actor is Role.ADMIN and not touches_owner)
    if allowed:
        assert response.status_code == 200, response.text
        assert response.json()["role"] == new_role
        assert response.json()["user_id"] == target_id
    else:
        problem(response, 403, "forbidden")
    now = await client.get(f"{MEMBERS}/{target_id}", headers=owner)
    assert now.json()["role"] == (new_role if allowed else target)


async def test_the_last_owner_cannot_step_down_or_leave(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    owner_id = await member_id(auth, company, Role.OWNER)

    demoted = await client.patch(f"{MEMBERS}/{owner_id}", json={"role": "admin"}, headers=owner)
    assert field_of(demoted) == "role"
    problem(demoted, 422, "last-owner")
    problem(await client.delete(f"{MEMBERS}/{owner_id}", headers=owner), 422, "last-owner")
    # An admin may not remove the owner at all.
    admin = await auth.as_role(company, Role.ADMIN)
    problem(await client.delete(f"{MEMBERS}/{owner_id}", headers=admin), 403, "forbidden")

    # With a second owner, the first may step down, and then the second is the last one.
    admin_id = await member_id(auth, company, Role.ADMIN)
    promoted = await client.patch(f"{MEMBERS}/{admin_id}", json={"role": "owner"}, headers=owner)
    assert promoted.status_code == 200, promoted.text
    stepped = await client.patch(f"{MEMBERS}/{owner_id}", json={"role": "member"}, headers=owner)
    assert stepped.status_code == 200, stepped.text
    problem(await client.delete(f"{MEMBERS}/{admin_id}", headers=admin), 422, "last-owner")
    roles = [m["role"] for m in (await client.get(MEMBERS, headers=admin)).json()["items"]]
    assert roles.count("owner") == 1


async def test_two_owners_removing_each_other_at_once_leave_one_owner(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    first = await auth.as_role(company, Role.OWNER)
    first_id = await member_id(auth, company, Role.OWNER)
    second_id = await member_id(auth, company, Role.ADMIN)
    promoted = await client.patch(f"{MEMBERS}/{second_id}", json={"role": "owner"}, headers=first)
    assert promoted.status_code == 200, promoted.text
    second = await auth.as_role(company, Role.ADMIN)  # the same user, now an owner

    answers = await asyncio.gather(
        client.delete(f"{MEMBERS}/{second_id}", headers=first),
        client.delete(f"{MEMBERS}/{first_id}", headers=second),
    )

    assert sorted(a.status_code for a in answers)[0] == 204
    assert [a.status_code for a in answers].count(204) == 1
    loser = next(a for a in answers if a.status_code != 204)
    assert loser.json()["type"] in {"/problems/last-owner", "/problems/not-a-member"}
    survivor = first if answers[0].status_code == 204 else second
    items = (await client.get(MEMBERS, headers=survivor)).json()["items"]
    assert [m["role"] for m in items].count("owner") == 1


async def test_a_role_change_applies_to_the_next_request(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    admin = await auth.as_role(company, Role.ADMIN)  # a token that says "admin"
    admin_id = await member_id(auth, company, Role.ADMIN)
    owner = await auth.as_role(company, Role.OWNER)

    demoted = await client.patch(
        f"{MEMBERS}/{admin_id}", json={"role": "accountant"}, headers=owner
    )
    assert demoted.status_code == 200, demoted.text

    refused = await client.patch(COMPANY, json={"name": "Ei Enää Oy"}, headers=admin)
    problem(refused, 403, "forbidden")


# --- removing members ------------------------------------------------------------------------


@pytest.mark.parametrize("actor", list(Role))
async def test_who_may_remove_a_member(client: AsyncClient, auth: TokenAuth, actor: Role) -> None:
    company = await auth.new_company("A")
    target_id = await extra_member(client, auth, company)

    response = await client.delete(
        f"{MEMBERS}/{target_id}", headers=await auth.as_role(company, actor)
    )

    owner = await auth.as_role(company, Role.OWNER)
    after = await client.get(f"{MEMBERS}/{target_id}", headers=owner)
    if actor in MANAGERS:
        assert response.status_code == 204, response.text
        assert response.content == b""
        problem(after, 404, "not-found")
    else:
        problem(response, 403, "forbidden")
        assert after.status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER, Role.ACCOUNTANT])
async def test_a_member_may_leave(client: AsyncClient, auth: TokenAuth, role: Role) -> None:
    company = await auth.new_company("A")
    own_id = await member_id(auth, company, role)
    headers = await auth.as_role(company, role)

    left = await client.delete(f"{MEMBERS}/{own_id}", headers=headers)

    assert left.status_code == 204, left.text
    owner = await auth.as_role(company, Role.OWNER)
    listed = (await client.get(MEMBERS, headers=owner)).json()["items"]
    assert own_id not in {m["user_id"] for m in listed}
    # The access token still verifies, but its user no longer belongs to the company.
    problem(await client.get(COMPANY, headers=headers), 401, "not-a-member")


async def test_another_companys_member_is_not_found_for_every_role(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    other = await auth.new_company("B")
    theirs = await extra_member(client, auth, other)
    their_owner = await member_id(auth, other, Role.OWNER)

    for role in Role:
        headers = await auth.as_role(company, role)
        for target in (theirs, their_owner, str(uuid.uuid4())):
            url = f"{MEMBERS}/{target}"
            problem(await client.get(url, headers=headers), 404, "not-found")
            problem(
                await client.patch(url, json={"role": "member"}, headers=headers), 404, "not-found"
            )
            problem(await client.delete(url, headers=headers), 404, "not-found")
    b_owner = await auth.as_role(other, Role.OWNER)
    assert (await client.get(f"{MEMBERS}/{theirs}", headers=b_owner)).json()["role"] == "member"


# --- removal and sessions ----------------------------------------------------------------------


async def test_removal_ends_the_members_sessions_in_that_company(
    client: AsyncClient, app: FastAPI
) -> None:
    await sign_up(client, "liisa@example.fi", name="Liisa", company_name="Liisan Kirjat Oy")
    await sign_up(client, "matti@example.fi")
    liisa_tokens = await log_in(client, "liisa@example.fi")
    liisa = await me(client, liisa_tokens)
    matti = await me(client, await log_in(client, "matti@example.fi"))
    books = uuid.UUID(liisa["active_company_id"])
    matti_id = matti["user"]["id"]
    # Invitations come in issue 8: the membership is written directly, as its owner would.
    await add_member(
        app,
        company_id=books,
        owner_id=uuid.UUID(liisa["user"]["id"]),
        user_id=uuid.UUID(matti_id),
        role=Role.MEMBER,
    )
    tokens = await log_in(client, "matti@example.fi")
    switched = await client.post(SWITCH, json={"company_id": str(books)}, headers=bearer(tokens))
    assert switched.status_code == 200, switched.text
    in_books = switched.json()
    assert (await client.get(COMPANY, headers=bearer(in_books))).json()["id"] == str(books)

    removed = await client.delete(f"{MEMBERS}/{matti_id}", headers=bearer(liisa_tokens))
    assert removed.status_code == 204, removed.text

    # New tokens: none for that company, at once.
    refused = await client.post(REFRESH, json={"refresh_token": in_books["refresh_token"]})
    problem(refused, 401, "refresh-token-revoked")
    again = await client.post(SWITCH, json={"company_id": str(books)}, headers=bearer(tokens))
    problem(again, 404, "not-found")
    # /me lists only the companies the user still belongs to.
    assert [c["name"] for c in (await me(client, tokens))["companies"]] == ["Matin Paja Oy"]
    # The access token already issued is refused wherever the membership is read.
    problem(await client.get(COMPANY, headers=bearer(in_books)), 401, "not-a-member")
    problem(await client.get(MEMBERS, headers=bearer(in_books)), 401, "not-a-member")
    # Sessions in the user's own company are untouched.
    own = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert own.status_code == 200, own.text


async def test_member_changes_carry_etags_and_are_audited(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    target = await member_id(auth, company, Role.MEMBER)
    read = await client.get(f"{MEMBERS}/{target}", headers=owner)
    assert read.status_code == 200, read.text
    etag = read.headers["etag"]
    not_modified = await client.get(f"{MEMBERS}/{target}", headers={**owner, "If-None-Match": etag})
    assert not_modified.status_code == 304

    changed = await client.patch(
        f"{MEMBERS}/{target}", json={"role": "admin"}, headers={**owner, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag
    # The old tag is stale now: neither a change nor a removal goes through with it.
    problem(
        await client.patch(
            f"{MEMBERS}/{target}", json={"role": "member"}, headers={**owner, "If-Match": etag}
        ),
        412,
        "precondition-failed",
    )
    problem(
        await client.delete(f"{MEMBERS}/{target}", headers={**owner, "If-Match": etag}),
        412,
        "precondition-failed",
    )
    assert (await client.get(f"{MEMBERS}/{target}", headers=owner)).json()["role"] == "admin"
    removed = await client.delete(
        f"{MEMBERS}/{target}", headers={**owner, "If-Match": changed.headers["etag"]}
    )
    assert removed.status_code == 204, removed.text

    trail = await client.get(f"{COMPANY}/audit", headers=owner)
    assert trail.status_code == 200, trail.text
    events = [(e["action"], e["changes"]) for e in trail.json()["items"]]
    assert events[:2] == [
        (
            "member_removed",
            {"user_id": target, "email": events[0][1]["email"], "role": ["admin", None]},
        ),
        (
            "member_role_changed",
            {"user_id": target, "email": events[0][1]["email"], "role": ["member", "admin"]},
        ),
    ]
