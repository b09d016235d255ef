"""What each role may do in a company (companies/domain.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from laskutin.companies.domain import (
    PERMISSIONS,
    Permission,
    Role,
    can,
    can_assign,
    can_manage_member,
    can_write,
    leaves_an_owner,
    permissions,
)

P = Permission


def test_every_role_has_its_permissions() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert permissions(Role.OWNER) == set(Permission)
    assert permissions(Role.ADMIN) == {
        P.READ,
        P.EXPORT,
        P.WRITE,
        P.MANAGE_MEMBERS,
        P.MANAGE_SETTINGS,
    }
    assert permissions(Role.MEMBER) == {P.READ, P.EXPORT, P.WRITE}
    assert permissions(Role.ACCOUNTANT) == {P.READ, P.EXPORT}


@pytest.mark.parametrize("role", list(Role))
def test_everyone_reads_and_exports(role: Role) -> None:
    assert can(role, P.READ)
    assert can(role, P.EXPORT)


def test_the_accountant_changes_nothing() -> None:
    assert not can_write(Role.ACCOUNTANT)
    assert permissions(Role.ACCOUNTANT) <= {P.READ, P.EXPORT}
    for role in Role:
        assert not can_assign(Role.ACCOUNTANT, role)
        assert not can_manage_member(Role.ACCOUNTANT, role)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
def test_owners_admins_and_members_change_business_data(role: Role) -> None:
    assert can_write(role)


@pytest.mark.parametrize(
    ("role", "manages"),
    [(Role.OWNER, True), (Role.ADMIN, True), (Role.MEMBER, False), (Role.ACCOUNTANT, False)],
)
def test_owners_and_admins_manage_members_and_settings(role: Role, manages: bool) -> None:
    assert can(role, P.MANAGE_MEMBERS) is manages
    assert can(role, P.MANAGE_SETTINGS) is manages


def test_only_an_owner_touches_ownership() -> None:
    assert [r for r in Role if can(r, P.MANAGE_OWNERSHIP)] == [Role.OWNER]
    assert can_assign(Role.OWNER, Role.OWNER)
    assert not can_assign(Role.ADMIN, Role.OWNER)
    assert can_manage_member(Role.OWNER, Role.OWNER)
    assert not can_manage_member(Role.ADMIN, Role.OWNER)


@pytest.mark.parametrize("target", [Role.ADMIN, Role.MEMBER, Role.ACCOUNTANT])
def test_admins_manage_everyone_but_owners(target: Role) -> None:
    assert can_assign(Role.ADMIN, target)
    assert can_manage_member(Role.ADMIN, target)
    assert can_assign(Role.OWNER, target)
    assert not can_assign(Role.MEMBER, target)
    assert not can_manage_member(Role.MEMBER, target)


def test_a_company_keeps_an_owner() -> None:
    assert leaves_an_owner([Role.OWNER, Role.ACCOUNTANT])
    assert leaves_an_owner(iter([Role.MEMBER, Role.OWNER]))
    assert not leaves_an_owner([Role.ADMIN, Role.MEMBER])
    assert not leaves_an_owner([])


def test_roles_are_the_stored_strings() -> None:
    assert [r.value for r in Role] == ["owner", "admin", "member", "accountant"]
    assert Role("accountant") is Role.ACCOUNTANT


def test_the_rules_are_pure() -> None:
    """No I/O, web, database or settings: only the standard library."""
    import laskutin.companies.domain as domain

    tree = ast.parse(Path(domain.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert imported <= {"__future__", "collections", "enum"}
