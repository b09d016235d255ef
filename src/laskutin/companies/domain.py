"""Roles and what each may do in a company: pure rules, no I/O, no web or database.

- owner and admin manage the members and the company's settings;
- member creates and changes the business data (customers, products, invoices, payments);
- accountant reads everything, changes nothing and may export (reports, bookkeeping exports).

Only an owner may touch ownership: make someone an owner, change or remove an owner, change the
plan or delete the company. A company always keeps at least one owner.

These rules are the service layer's authorisation. Row-level security in PostgreSQL confines
every query to the active company whatever the role (docs/database.md); it knows no roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    ACCOUNTANT = "accountant"


class Plan(StrEnum):
    FREE = "free"
    PRO = "pro"


class Permission(StrEnum):
    READ = "read"  # see all of the company's data
    EXPORT = "export"  # reports and bookkeeping exports
    WRITE = "write"  # create and change business data: customers, products, invoices, payments
    MANAGE_MEMBERS = "manage_members"  # add and remove members, change roles (not owners)
    MANAGE_SETTINGS = "manage_settings"  # company details, numbering, delivery settings
    MANAGE_OWNERSHIP = "manage_ownership"  # owners, the plan, deleting the company


_READER = frozenset({Permission.READ, Permission.EXPORT})
_WRITER = _READER | {Permission.WRITE}
_MANAGER = _WRITER | {Permission.MANAGE_MEMBERS, Permission.MANAGE_SETTINGS}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: _MANAGER | {Permission.MANAGE_OWNERSHIP},
    Role.ADMIN: _MANAGER,
    Role.MEMBER: _WRITER,
    Role.ACCOUNTANT: _READER,
}


def permissions(role: Role) -> frozenset[Permission]:
    """Everything ``role`` may do."""
    return PERMISSIONS[role]


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def can_write(role: Role) -> bool:
    """Whether ``role`` may create or change business data (an accountant may not)."""
    return can(role, Permission.WRITE)


def can_assign(actor: Role, role: Role) -> bool:
    """Whether ``actor`` may give someone ``role`` (invite, or change a member to it)."""
    if role is Role.OWNER:
        return can(actor, Permission.MANAGE_OWNERSHIP)
    return can(actor, Permission.MANAGE_MEMBERS)


def can_manage_member(actor: Role, member: Role) -> bool:
    """Whether ``actor`` may change the role of, or remove, someone who is ``member``."""
    if member is Role.OWNER:
        return can(actor, Permission.MANAGE_OWNERSHIP)
    return can(actor, Permission.MANAGE_MEMBERS)


def leaves_an_owner(roles_after: Iterable[Role]) -> bool:
    """Whether the company's roles after a change still include an owner (it must)."""
    return Role.OWNER in set(roles_after)


def role_within(member_role: Role, scopes: Iterable[str]) -> Role:
    """The role of a request made with an API key: its maker's role, capped by the key's
    scopes (``write``: at most member; ``read`` alone: accountant). A key never manages
    settings or members."""
    if "write" in set(scopes) and member_role != Role.ACCOUNTANT:
        return Role.MEMBER
    return Role.ACCOUNTANT
