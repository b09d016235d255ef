"""Authorisation dependencies: the acting member, checked for one permission.

Each dependency reads the acting member's CURRENT role from the database (through the request's
:data:`~laskutin.api.deps.TenantSession`, so a role change applies on the next request) and
gives the :class:`~laskutin.companies.service.Actor`; a role without the permission answers 403
(``/problems/forbidden``), a user no longer a member 401. The roles' permissions are
:mod:`laskutin.companies.domain`'s: owner and admin manage settings and members, member writes
business data, accountant only reads (and exports).

- :data:`Member`: any member, no permission checked (the service checks it; see below).
- :data:`Reader`: ``Permission.READ`` (every role).
- :data:`Writer`: ``Permission.WRITE`` (owner, admin, member; not accountant).
- :data:`SettingsManager`: ``Permission.MANAGE_SETTINGS`` (owner, admin).
- :func:`require` ``(permission)``: the dependency for any other permission.
- :func:`authorise` ``(actor, permission) -> None``: the same check, raising 403, for services.

**404 before 403.** Another company's resource is a 404 for every role (DESIGN.md; the
cross-company harness in tests/contract calls every operation as an accountant too). So a route
whose path names a resource (``/customers/{customer_id}``) takes :data:`Member` and its service
calls ``authorise(actor, Permission.WRITE)`` after it has found the row; :data:`Writer` and
:data:`SettingsManager` are for routes without an id (``POST /customers``, the settings)::

    @router.post("", status_code=201)
    async def create_customer(body: CustomerCreate, actor: Writer, session: TenantSession):
        ...

    # PATCH /customers/{customer_id}: actor: Member, and in the service:
    #     row = await _locked_customer(session, actor, customer_id)   # NotFound first
    #     authorise(actor, Permission.WRITE)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from laskutin.api.deps import TenantSession, request_claims
from laskutin.companies import service
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor

__all__ = [
    "Actor",
    "Member",
    "Permission",
    "Reader",
    "SettingsManager",
    "Writer",
    "authorise",
    "require",
]


async def _member(request: Request, session: TenantSession) -> Actor:
    return await service.acting_member(session, claims=request_claims(request))


def authorise(actor: Actor, permission: Permission) -> None:
    """Raise :class:`~laskutin.core.errors.PermissionDenied` (403) unless ``actor`` may."""
    service.require(actor, permission)


def require(permission: Permission) -> Callable[..., Awaitable[Actor]]:
    """A dependency giving the acting member, 403 unless their role has ``permission``.

    Example: ``Exporter = Annotated[Actor, Depends(require(Permission.EXPORT))]``.
    """

    async def dependency(actor: Annotated[Actor, Depends(_member)]) -> Actor:
        authorise(actor, permission)
        return actor

    dependency.__name__ = f"require_{permission.value}"
    return dependency


Member = Annotated[Actor, Depends(_member)]
Reader = Annotated[Actor, Depends(require(Permission.READ))]
Writer = Annotated[Actor, Depends(require(Permission.WRITE))]
SettingsManager = Annotated[Actor, Depends(require(Permission.MANAGE_SETTINGS))]
