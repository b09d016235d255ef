"""API shape of an audit event (``GET /api/v1/<resources>/{id}/audit``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventRead(BaseModel):
    """One change of a resource: what was done, by whom, when."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    resource_type: str = Field(examples=["invoice"])
    resource_id: uuid.UUID
    action: str = Field(
        description="What was done: created, updated, issued, deleted, archived, "
        "payment_recorded, ...",
        examples=["updated"],
    )
    actor_user_id: uuid.UUID | None = Field(description="The user who did it; null for the system")
    actor_name: str = Field(description='The user\'s name at the time (or "system")')
    at: dt.datetime
    changes: dict[str, Any] | None = Field(
        description="For an update, each changed field as [old, new]; otherwise a summary or null",
        examples=[{"name": ["Vanha Oy", "Uusi Oy"]}],
    )
