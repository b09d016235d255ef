"""Recording and reading the audit trail. Nothing here commits: an event is written in the
transaction of the change it describes, so it exists exactly when the change does.

- :func:`record` ``(session, *, resource_type, resource_id, action, actor, changes=None)``:
  append one event for the active company. ``actor`` is the acting member (the routes'
  :class:`~laskutin.companies.service.Actor`, or the token's
  :class:`~laskutin.auth.tokens.AccessClaims`), or None for the system (a job); the actor's
  name is copied (read once per transaction), so the trail outlives the user.
- :func:`list_events` ``(session, *, resource_type, resource_id, limit, cursor)``: the events of
  one resource, newest first, as a :class:`~laskutin.api.pagination.Page`.
- :func:`diff` ``(before, after) -> dict``: ``{"field": [old, new]}`` for each changed field.

Example, in a service and its route::

    before = _read(row).model_dump(mode="json")
    ...change row...
    after = _read(row).model_dump(mode="json")
    await audit.record(session, resource_type="customer", resource_id=row.id,
                       action="updated", actor=actor, changes=diff(before, after))

    @router.get("/{customer_id}/audit", response_model=Page[AuditEventRead])
    async def customer_audit(customer_id: uuid.UUID, actor: Reader, session: TenantSession,
                             limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = None):
        await service.get_customer(session, actor=actor, customer_id=customer_id)  # 404 first
        return await audit.list_events(session, resource_type="customer",
                                       resource_id=customer_id, limit=limit, cursor=cursor)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit.models import AuditEvent
from laskutin.audit.schemas import AuditEventRead
from laskutin.auth.models import User
from laskutin.core import jsontext
from laskutin.core.db import driver_connection

__all__ = [
    "SYSTEM_ACTOR_NAME",
    "Acting",
    "diff",
    "list_events",
    "record",
    "remember_actor_name",
]

SYSTEM_ACTOR_NAME = "system"
NEWEST_FIRST = Sort("audit:newest", [(AuditEvent.at, "desc"), (AuditEvent.id, "desc")])
_NAMES = "laskutin.audit.actor_names"  # session.info: user id -> name, for this session


class Acting(Protocol):
    """Who acts: an Actor or AccessClaims (both name the user and the company)."""

    @property
    def user_id(self) -> uuid.UUID: ...

    @property
    def company_id(self) -> uuid.UUID: ...


def remember_actor_name(session: AsyncSession, user_id: uuid.UUID, name: str | None) -> None:
    """The user's name as just read in this transaction (the acting member's lookup reads it),
    so that :func:`record` needs no query for it."""
    names: dict[uuid.UUID, str] = session.info.setdefault(_NAMES, {})
    names[user_id] = name or str(user_id)


async def actor_name(session: AsyncSession, user_id: uuid.UUID) -> str:
    """The name events record for ``user_id`` (remembered for the transaction)."""
    names: dict[uuid.UUID, str] = session.info.setdefault(_NAMES, {})
    if user_id not in names:
        name = await session.scalar(select(User.name).where(User.id == user_id))
        names[user_id] = name or str(user_id)
    return names[user_id]


async def record(
    session: AsyncSession,
    *,
    resource_type: str,
    resource_id: uuid.UUID,
    action: str,
    actor: Acting | None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Append one event for the active company (the actor's, or the transaction's for None)."""
    stored = None if changes is None else jsontext.dumps_text(dict(changes))
    if actor is None:
        await (await driver_connection(session)).execute(
            _RECORD_SYSTEM_SQL, resource_type, resource_id, action, SYSTEM_ACTOR_NAME, stored
        )
        return
    name = await actor_name(session, actor.user_id)
    await (await driver_connection(session)).execute(
        _RECORD_SQL,
        actor.company_id,
        resource_type,
        resource_id,
        action,
        actor.user_id,
        name,
        stored,
    )


# Every change records one: lean SQL (core.db.driver_connection), prepared once per connection.
# The columns of an event, in this order; also for a caller that writes its event in the same
# statement as its change (issuing: one round trip less while the number series is locked).
AUDIT_COLUMNS = "company_id, resource_type, resource_id, action, actor_user_id, actor_name, changes"
_RECORD_SQL = f"INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
_RECORD_SYSTEM_SQL = (
    f"INSERT INTO audit_events ({AUDIT_COLUMNS}) "
    "VALUES (laskutin_company_id(), $1, $2, $3, NULL, $4, $5)"
)


async def list_events(
    session: AsyncSession,
    *,
    resource_type: str,
    resource_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[AuditEventRead]:
    """The resource's events, newest first (the active company's only)."""
    statement = select(AuditEvent).where(
        AuditEvent.company_id == func.laskutin_company_id(),
        AuditEvent.resource_type == resource_type,
        AuditEvent.resource_id == resource_id,
    )
    return await paginate(
        session,
        statement,
        sort=NEWEST_FIRST,
        limit=limit,
        cursor=cursor,
        item=AuditEventRead.model_validate,
    )


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for every key whose value differs (a missing key is None).

    Pass JSON-ready dicts (``model.model_dump(mode="json")``) so the result stores as JSON.
    """
    changed: dict[str, list[Any]] = {}
    for key in sorted({*before, *after}, key=str):
        old, new = before.get(key), after.get(key)
        if old != new:
            changed[key] = [old, new]
    return changed
