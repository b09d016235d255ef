"""Delivery channels behind one small protocol, with a registry (DESIGN.md: outputs are small
protocols with a registry, taking plain data, never ORM objects).

A channel decides three things:

- what a request must say (:meth:`Channel.check`: recipients, attachments), refusing what it
  cannot use with a RuleViolation naming the field;
- whether a job carries it out (``queued``) or it is done when it is requested (download);
- for a queued channel, how one attempt goes: :meth:`Channel.build` makes the outgoing
  message from a :class:`Parcel` (before anything is marked as handed over), and
  :meth:`Channel.send` hands it over, calling ``accepted`` the moment the other side took it
  and raising :class:`~laskutin.delivery.email.TemporaryDeliveryError` (try again later) or
  :class:`~laskutin.delivery.email.PermanentDeliveryError` (do not).

``email`` and ``download`` are here. An e-invoice operator channel (a later issue) registers
itself the same way: its ``check`` takes the buyer's e-invoice address instead of e-mail
addresses, its ``build`` the Finvoice or Peppol document, its ``send`` the operator's API.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any, ClassVar, Protocol

from laskutin.core.settings import Settings
from laskutin.delivery import mails
from laskutin.delivery.domain import (
    MAX_NOTE,
    NotForChannel,
    SendSpec,
    buyer_email,
    recipients_of,
    unique,
)
from laskutin.delivery.email import (
    Attachment,
    EmailMessageData,
    SmtpChannel,
    SmtpReply,
    build_message,
)
from laskutin.documents.data import InvoiceDocument


@dataclass(frozen=True)
class Parcel:
    """One send request with everything needed to carry it out: plain data."""

    send_id: uuid.UUID
    message_id: str | None  # "<...@...>", the same on every attempt
    recipients: tuple[str, ...]
    language: str
    document: InvoiceDocument
    files: tuple[Attachment, ...]  # the PDF first, then any e-invoice XML
    note: str | None
    sender_name: str  # the company's sender name, or its name
    reply_to: str | None  # the company's reply address, or its e-mail


@dataclass(frozen=True)
class Receipt:
    """What the other side answered when it took the message: recipients it refused (with its
    reply), when it took it for the others only."""

    refused: Mapping[str, str] = field(default_factory=dict)


Accepted = Callable[[Receipt], Awaitable[None]]


class Channel(Protocol):
    name: ClassVar[str]
    queued: ClassVar[bool]  # carried out by a job (True), or done when requested (False)

    def check(
        self,
        *,
        recipients: Sequence[str] | None,
        attach: Sequence[str],
        note: str | None,
        buyer: Mapping[str, Any] | None,
    ) -> SendSpec:
        """The request's content, checked and normalised (RuleViolation naming the field)."""
        ...

    def build(self, parcel: Parcel, settings: Settings) -> Any:
        """The outgoing message (raises ValueError when the parcel cannot make one)."""
        ...

    async def send(self, outgoing: Any, settings: Settings, *, accepted: Accepted) -> None:
        """Hand ``outgoing`` over; see the module docstring for what it raises."""
        ...


class EmailDelivery:
    """The invoice by e-mail: the PDF (and any e-invoice XML) attached, subject and text in the
    invoice's language, From the service's address (LASKUTIN_MAIL_FROM) with the company's
    sender name, Reply-To the company's address, several recipients in To."""

    name: ClassVar[str] = "email"
    queued: ClassVar[bool] = True

    def __init__(self, transport: Callable[[Settings], SmtpChannel] | None = None) -> None:
        self._transport = transport or SmtpChannel.from_settings

    def check(
        self,
        *,
        recipients: Sequence[str] | None,
        attach: Sequence[str],
        note: str | None,
        buyer: Mapping[str, Any] | None,
    ) -> SendSpec:
        chosen = recipients_of(recipients, default=buyer_email(buyer))
        text = (note or "").strip()[:MAX_NOTE]
        return SendSpec(recipients=chosen, attach=unique(attach), note=text or None)

    def build(self, parcel: Parcel, settings: Settings) -> EmailMessage:
        text = mails.invoice_mail(parcel.document, parcel.language, note=parcel.note)
        data = EmailMessageData(
            to=parcel.recipients,
            subject=text.subject,
            text=text.text,
            message_key=f"invoice-send:{parcel.send_id}",
            message_id=parcel.message_id,
            attachments=parcel.files,
            reply_to=parcel.reply_to,
        )
        service = settings.mail_sender
        sender = Address(display_name=parcel.sender_name, addr_spec=service.addr_spec)
        return build_message(data, sender)

    async def send(self, outgoing: Any, settings: Settings, *, accepted: Accepted) -> None:
        assert isinstance(outgoing, EmailMessage)

        async def on_accepted(refused: Mapping[str, SmtpReply]) -> None:
            await accepted(
                Receipt({rcpt: f"{reply.code} {reply.message}" for rcpt, reply in refused.items()})
            )

        await self._transport(settings).send(outgoing, on_accepted=on_accepted)


class DownloadOnly:
    """No message: the user downloads the PDF and passes it on; the request is recorded as
    sent when it is made, and the invoice counts as sent."""

    name: ClassVar[str] = "download"
    queued: ClassVar[bool] = False

    def check(
        self,
        *,
        recipients: Sequence[str] | None,
        attach: Sequence[str],
        note: str | None,
        buyer: Mapping[str, Any] | None,
    ) -> SendSpec:
        if recipients:
            raise NotForChannel(field="recipients", channel=self.name)
        if attach:
            raise NotForChannel(field="attach", channel=self.name)
        if note:
            raise NotForChannel(field="message", channel=self.name)
        return SendSpec()

    # Never called: ``queued`` is False, so the send is recorded as sent when requested and no
    # job carries it out. Reaching these is a programming error, not a missing feature.
    def build(self, parcel: Parcel, settings: Settings) -> Any:
        raise RuntimeError("a download is recorded when requested; no job builds it")

    async def send(self, outgoing: Any, settings: Settings, *, accepted: Accepted) -> None:
        raise RuntimeError("a download is recorded when requested; no job sends it")


CHANNELS: dict[str, Channel] = {}


def register_channel(channel: Channel) -> Channel:
    if channel.name in CHANNELS and CHANNELS[channel.name] is not channel:
        raise ValueError(f"channel {channel.name!r} is registered twice")
    CHANNELS[channel.name] = channel
    return channel


def channel_for(name: str) -> Channel:
    """The registered channel ``name`` (KeyError if there is none)."""
    return CHANNELS[name]


register_channel(EmailDelivery())
register_channel(DownloadOnly())
