"""``GET /api/v1/dev/mails``: the development mailbox for the web app's development screen.

It lists what `laskutin mailcatcher` (started by `laskutin run`) caught, newest first. Only
when LASKUTIN_ENV is development: in test and production it answers 404 like any unknown
path, so an installation never shows its mail.

No authentication, on purpose: it exists only on a developer's own machine, where the server
listens on 127.0.0.1 by default and the mails are test mails that reached nobody. The
verification mail it shows is how a developer signs up at all, before there is an account to
authenticate with (docs/configuration.md#development-mailbox).

No path takes a mail's id: the cross-company contract harness walks every id path, and these
mails belong to no company.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from laskutin.api.deps import SettingsDep
from laskutin.api.problem import PROBLEM_JSON
from laskutin.core.errors import NotFound
from laskutin.core.settings import Environment
from laskutin.delivery.dev_mailbox import KEEP, mailbox_dir, read_mails

dev_router = APIRouter(prefix="/dev", tags=["development"])


class DevMail(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    id: str = Field(description="The mail's file name in the mailbox folder, without .eml")
    date: dt.datetime | None = Field(description="The Date header; null if it has none")
    sender: str = Field(alias="from", description="The From header")
    to: list[str] = Field(description="The addresses of the To header")
    subject: str
    text: str = Field(description="The plain-text body")


class DevMailList(BaseModel):
    items: list[DevMail]


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "Not in development (LASKUTIN_ENV is not development)",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


@dev_router.get("/mails", operation_id="dev-mails-list", responses=_NOT_FOUND)
def list_dev_mails(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=KEEP, description="How many, newest first")] = 50,
) -> DevMailList:
    """Development only: the mails the development mail catcher caught, newest first.

    No authentication: this exists only when LASKUTIN_ENV is development, on the developer's
    own machine; elsewhere it answers 404.
    """
    # A sync route: FastAPI runs it in a thread, so reading the files blocks no other request.
    if settings.env is not Environment.DEVELOPMENT:
        raise NotFound()
    mails = read_mails(mailbox_dir(settings.resolved_data_dir), limit=limit)
    return DevMailList(
        items=[
            DevMail(
                id=mail.id,
                date=mail.date,
                sender=mail.sender,
                to=list(mail.to),
                subject=mail.subject,
                text=mail.text,
            )
            for mail in mails
        ]
    )
