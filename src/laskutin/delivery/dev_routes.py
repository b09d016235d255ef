"""``GET /api/v1/dev/mails``: the development mailbox for the web app's development screen.

It lists what `laskutin mailcatcher` (started by `laskutin run`) caught, newest first. Only
when LASKUTIN_ENV is development: in test and production it answers 404 like any unknown
path, so an installation never shows its mail.

No authentication, on purpose: it exists only on a developer's own machine, where the server
listens on 127.0.0.1 by default and the mails are test mails that reached nobody. The
verification mail it shows is how a developer signs up at all, before there is an account to
authenticate with (docs/configuration.md#development-mailbox).

``GET /api/v1/dev/mails/{mail_id}/raw`` gives a mail as it was received (an ``.eml`` file that
any mail program opens), and ``GET /api/v1/dev/mails/{mail_id}/attachments/{index}`` one of its
attachments (an invoice mail's PDF opens in the browser): so a person trying the product sees
exactly what a customer would get. These mails belong to no company; the cross-company contract
harness exempts their paths (tests/contract/resources.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from laskutin.api.deps import SettingsDep
from laskutin.api.problem import PROBLEM_JSON
from laskutin.core.errors import NotFound
from laskutin.core.settings import Environment
from laskutin.delivery.dev_mailbox import (
    KEEP,
    Mail,
    attachment_content,
    attachment_parts,
    mailbox_dir,
    parse,
    read_mails,
    read_raw,
)

dev_router = APIRouter(prefix="/dev", tags=["development"])


class DevMailAttachment(BaseModel):
    index: int
    filename: str
    content_type: str
    size: int = Field(description="Bytes")
    url: str = Field(description="Where to open it")


class DevMail(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    id: str = Field(description="The mail's file name in the mailbox folder, without .eml")
    date: dt.datetime | None = Field(description="The Date header; null if it has none")
    sender: str = Field(alias="from", description="The From header")
    to: list[str] = Field(description="The addresses of the To header")
    subject: str
    text: str = Field(description="The plain-text body")
    reply_to: str | None = Field(default=None, description="The Reply-To header")
    message_id: str | None = Field(default=None, description="The Message-ID header")
    raw_url: str = Field(description="The whole message as received (.eml)")
    attachments: list[DevMailAttachment] = Field(default_factory=list)


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
    return DevMailList(items=[_dev_mail(mail) for mail in mails])


def _dev_mail(mail: Mail) -> DevMail:
    base = f"/api/v1/dev/mails/{mail.id}"
    return DevMail(
        id=mail.id,
        date=mail.date,
        sender=mail.sender,
        to=list(mail.to),
        subject=mail.subject,
        text=mail.text,
        reply_to=mail.reply_to,
        message_id=mail.message_id,
        raw_url=f"{base}/raw",
        attachments=[
            DevMailAttachment(
                index=a.index,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                url=f"{base}/attachments/{a.index}",
            )
            for a in mail.attachments
        ],
    )


MailId = Annotated[
    str,
    Path(
        max_length=64,
        description="The mail's id from the list",
        examples=["20261206T153923713439Z-be75ccb6"],
    ),
]
_NO_MAIL: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No such mail, or not in development",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


def _raw(settings: SettingsDep, mail_id: str) -> bytes:
    if settings.env is not Environment.DEVELOPMENT:
        raise NotFound()
    data = read_raw(mailbox_dir(settings.resolved_data_dir), mail_id)
    if data is None:
        raise NotFound()
    return data


def _disposition(kind: str, filename: str) -> str:
    ascii_name = "".join(c if c.isascii() and c not in '"\\\r\n' else "_" for c in filename)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@dev_router.get(
    "/mails/{mail_id}/raw",
    operation_id="dev-mails-raw",
    response_class=Response,
    responses={
        200: {"description": "The message", "content": {"message/rfc822": {}}},
        **_NO_MAIL,
    },
)
def get_dev_mail_raw(settings: SettingsDep, mail_id: MailId) -> Response:
    """Development only: one caught mail as received, to open in a mail program."""
    return Response(
        _raw(settings, mail_id),
        media_type="message/rfc822",
        headers={"Content-Disposition": _disposition("attachment", f"{mail_id}.eml")},
    )


@dev_router.get(
    "/mails/{mail_id}/attachments/{index}",
    operation_id="dev-mails-attachment",
    response_class=Response,
    responses={
        200: {"description": "The attachment, with its own content type", "content": {"*/*": {}}},
        **_NO_MAIL,
    },
)
def get_dev_mail_attachment(
    settings: SettingsDep,
    mail_id: MailId,
    index: Annotated[int, Path(ge=0, le=100, description="From the mail's attachments")],
) -> Response:
    """Development only: one attachment of a caught mail (a PDF opens in the browser)."""
    parts = attachment_parts(parse(_raw(settings, mail_id)))
    if index >= len(parts):
        raise NotFound()
    part = parts[index]
    content_type = part.get_content_type()
    filename = part.get_filename() or f"attachment-{index}"
    # Only a PDF is shown in the browser; anything else is downloaded.
    kind = "inline" if content_type == "application/pdf" else "attachment"
    return Response(
        attachment_content(part),
        media_type=content_type
        if content_type == "application/pdf"
        else "application/octet-stream",
        headers={"Content-Disposition": _disposition(kind, filename)},
    )
