"""The e-mail channel: plain message data, a MIME builder, and an SMTP sender.

``build_message`` turns ``EmailMessageData`` into an ``email.message.EmailMessage`` with the
standard library's modern (policy-based) API. Names and subjects with ä, ö and å are stored as
text; how they go on the wire is decided per SMTP transaction by aiosmtplib: RFC 2047 encoded
words (which every server accepts) when all envelope addresses are ASCII, raw UTF-8 under the
SMTPUTF8 extension only when an address itself needs it and the server offers it.

``SmtpChannel.send`` raises ``TemporaryDeliveryError`` (retry later) or
``PermanentDeliveryError`` (do not retry this message); see ``SmtpChannel`` for the rules.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email import policy as email_policy
from email.errors import NonASCIILocalPartDefect
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Protocol

import aiosmtplib

from laskutin.core import clock

if TYPE_CHECKING:
    from laskutin.core.settings import Settings

# Serialising with this policy gives CRLF line ends and RFC 2047 headers: what SMTP carries.
MESSAGE_POLICY = email_policy.SMTP
_HEADERS = HeaderRegistry()
_MESSAGE_ID_NAMESPACE = b"laskutin/message-id\x00"
# A Message-ID as Laskutin makes them: <left@right>, visible ASCII without spaces or brackets.
_MESSAGE_ID = re.compile(r"^<[\x21-\x3b=\x3f\x41-\x7e]+@[\x21-\x3b=\x3f\x41-\x7e]+>$")


class SmtpSecurity(enum.StrEnum):
    NONE = "none"  # plain SMTP (a catcher, or a relay on the same host)
    STARTTLS = "starttls"  # plain connect, then STARTTLS, required (usually port 587)
    TLS = "tls"  # TLS from the first byte (usually port 465)


# --- message data ---------------------------------------------------------------------------


def parse_mailbox(value: str) -> Address:
    """One mailbox, ``addr@example.fi`` or ``Näyttönimi <addr@example.fi>``; ValueError if not."""
    if not value or "\r" in value or "\n" in value:
        raise ValueError(f"{value!r} is not an e-mail address")
    header = _HEADERS("to", value)
    addresses = header.addresses  # type: ignore[attr-defined]
    # A non-ASCII local part is fine: it travels under SMTPUTF8 (or fails as permanent).
    defects = [d for d in header.defects if not isinstance(d, NonASCIILocalPartDefect)]
    if defects or len(addresses) != 1:
        raise ValueError(f"{value!r} is not one e-mail address")
    address: Address = addresses[0]
    local, _, domain = address.addr_spec.partition("@")
    if not local or not domain or ("." not in domain.strip(".") and domain != "localhost"):
        raise ValueError(f"{value!r} is not an e-mail address like name@example.fi")
    return address


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    data: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _no_newlines("attachment filename", self.filename)
        maintype, _, subtype = self.content_type.partition("/")
        if not self.filename or not maintype or not subtype or " " in self.content_type:
            raise ValueError(f"attachment needs a filename and a type/subtype: {self!r}")


@dataclass(frozen=True)
class EmailMessageData:
    """What to send. ``message_key`` is the caller's stable id for this message (a send
    request's id, a verification token's id): the Message-ID is derived from it, so a retried
    send carries the same Message-ID and receivers can drop the duplicate. Give a new key for a
    new message (a "send again"), and do not put secrets in it."""

    to: tuple[str, ...]
    subject: str
    text: str
    message_key: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None
    date: dt.datetime | None = None  # unset: the time of building
    # Unset: derived from message_key (message_id_for). Set: this exact ``<left@right>``, for a
    # caller that made and stored its Message-ID when it recorded the message (invoice sends).
    message_id: str | None = None

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError("a message needs at least one recipient")
        for address in self.to:
            parse_mailbox(address)
        if self.reply_to is not None:
            parse_mailbox(self.reply_to)
        _no_newlines("subject", self.subject)
        if not self.message_key.strip():
            raise ValueError("message_key must name the message")
        if self.date is not None and self.date.tzinfo is None:
            raise ValueError("date must be timezone-aware")
        if self.message_id is not None and not _MESSAGE_ID.match(self.message_id):
            raise ValueError(f"{self.message_id!r} is not a Message-ID like <id@example.fi>")


def _no_newlines(what: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValueError(f"{what} must be one line: {value!r}")


def message_id_for(message_key: str, domain: str) -> str:
    """``<hash@domain>``: the same key always gives the same Message-ID, and the key itself is
    not revealed to the receiver."""
    digest = hashlib.sha256(_MESSAGE_ID_NAMESPACE + message_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_message(data: EmailMessageData, sender: Address | str) -> EmailMessage:
    """A MIME message: text/plain alone, or multipart/alternative (text, then html) when html is
    given; wrapped in multipart/mixed when there are attachments."""
    from_ = sender if isinstance(sender, Address) else parse_mailbox(sender)
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = from_
    message["To"] = [parse_mailbox(address) for address in data.to]
    if data.reply_to is not None:
        message["Reply-To"] = parse_mailbox(data.reply_to)
    message["Subject"] = data.subject
    message["Date"] = format_datetime((data.date or clock.now()).astimezone(dt.UTC))
    message["Message-ID"] = data.message_id or message_id_for(data.message_key, from_.domain)
    # Quoted-printable keeps the text readable and 7-bit clean for any server.
    message.set_content(data.text, subtype="plain", cte="quoted-printable")
    if data.html is not None:
        message.add_alternative(data.html, subtype="html", cte="quoted-printable")
    for attachment in data.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


# --- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpReply:
    code: int
    message: str


class DeliveryError(Exception):
    """A send failed. ``refused`` maps recipients the server refused to its reply; ``accepted``
    lists recipients it took the message for (non-empty only for a partial delivery).
    ``maybe_delivered``: the connection broke (or timed out) during the mail transaction, so
    the server may have taken the message before its answer was lost."""

    def __init__(
        self,
        reason: str,
        *,
        code: int | None = None,
        refused: Mapping[str, SmtpReply] | None = None,
        accepted: tuple[str, ...] = (),
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.refused: Mapping[str, SmtpReply] = dict(refused or {})
        self.accepted = accepted
        self.maybe_delivered = maybe_delivered


class TemporaryDeliveryError(DeliveryError):
    """Nothing was delivered and a later attempt may succeed: connection refused or lost,
    timeout, TLS or login failure, a 4xx reply."""


class PermanentDeliveryError(DeliveryError):
    """Do not send this message again as it is: a 5xx reply to its recipients or content, or an
    address the server cannot carry. When ``accepted`` is non-empty the message did reach
    those recipients."""


# --- channels ---------------------------------------------------------------------------------


class EmailChannel(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery; return only once it was accepted."""
        ...


# Called once the server has taken the message for at least one recipient (the reply to DATA),
# before the connection is closed; it gets the recipients the server refused (usually none).
OnAccepted = Callable[[Mapping[str, "SmtpReply"]], Awaitable[None]]


@dataclass(frozen=True)
class SmtpChannel:
    """Sends each message over its own SMTP connection (a job sends one message; a pool is not
    worth its failure modes).

    Failure rules: before the recipients are named (connect, TLS, EHLO, AUTH, MAIL FROM) a
    failure concerns the installation, not the message, and is temporary, whatever the reply
    code: the queue's back-off gives the operator time to fix a password or the relay. From
    RCPT TO on, the reply code decides (RFC 5321): 4xx temporary, 5xx permanent. Once the
    server has accepted the message, a failure of QUIT is ignored, so a retry cannot send it
    twice.

    ``on_accepted`` (optional) runs the moment the server has accepted the message, before
    QUIT: a caller that records "sent" there keeps the time between acceptance and its record
    as short as it can be (a crash in that time is the only way a retry sends twice). An
    exception from it propagates as it is (it is not a delivery error: the message went).
    """

    host: str
    port: int
    security: SmtpSecurity = SmtpSecurity.NONE
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0
    # For a private CA (or a test's self-signed certificate); unset: the system's trust store.
    tls_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpChannel:
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_effective_port,
            security=SmtpSecurity(settings.smtp_security),
            username=settings.smtp_username,
            password=password.get_secret_value() if password is not None else None,
            timeout_seconds=settings.smtp_timeout_seconds,
        )

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            timeout=self.timeout_seconds,
            use_tls=self.security is SmtpSecurity.TLS,
            # False, not None: with "none" we never upgrade on our own (aiosmtplib would try
            # STARTTLS whenever offered); with "starttls" it is required.
            start_tls=self.security is SmtpSecurity.STARTTLS,
            tls_context=self.tls_context,
        )

    async def send(self, message: EmailMessage, *, on_accepted: OnAccepted | None = None) -> None:
        client = self._client()
        try:
            try:
                await client.connect()
            except aiosmtplib.SMTPException as exc:
                raise _before_recipients(exc, self) from exc
            except (OSError, TimeoutError) as exc:  # a failed STARTTLS handshake is not wrapped
                raise TemporaryDeliveryError(f"{self.host}:{self.port}: {exc}") from exc
            try:
                errors, _ = await client.send_message(message)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                raise _all_refused(exc) from exc
            except aiosmtplib.SMTPSenderRefused as exc:
                raise _before_recipients(exc, self) from exc
            except aiosmtplib.SMTPNotSupported as exc:
                raise PermanentDeliveryError(exc.message) from exc
            except aiosmtplib.SMTPResponseException as exc:  # DATA refused
                error = TemporaryDeliveryError if exc.code < 500 else PermanentDeliveryError
                raise error(f"{exc.code} {exc.message}", code=exc.code) from exc
            except aiosmtplib.SMTPException as exc:  # disconnect, timeout
                # Perhaps after the data went: whether the server took it is unknown.
                raise TemporaryDeliveryError(str(exc), maybe_delivered=True) from exc
            refused = {rcpt: SmtpReply(r.code, r.message) for rcpt, r in errors.items()}
            if on_accepted is not None:
                await on_accepted(refused)
            if refused:
                accepted = tuple(
                    address.addr_spec
                    for header in ("To", "Cc", "Bcc")
                    for value in message.get_all(header, [])
                    for address in value.addresses
                    if address.addr_spec not in refused
                )
                raise PermanentDeliveryError(
                    "some recipients were refused; the message reached the others",
                    refused=refused,
                    accepted=accepted,
                )
        finally:
            await _close(client)


def _before_recipients(exc: aiosmtplib.SMTPException, channel: SmtpChannel) -> DeliveryError:
    code = getattr(exc, "code", None)
    detail = f"{code} {exc.message}" if code is not None else exc.message
    return TemporaryDeliveryError(f"{channel.host}:{channel.port}: {detail}", code=code)


def _all_refused(exc: aiosmtplib.SMTPRecipientsRefused) -> DeliveryError:
    refused = {r.recipient: SmtpReply(r.code, r.message) for r in exc.recipients}
    temporary = all(reply.code < 500 for reply in refused.values())
    error = TemporaryDeliveryError if temporary else PermanentDeliveryError
    summary = "; ".join(f"{rcpt}: {r.code} {r.message}" for rcpt, r in refused.items())
    return error(f"recipients refused: {summary}", refused=refused)


async def _close(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


__all__ = [
    "MESSAGE_POLICY",
    "Attachment",
    "DeliveryError",
    "EmailChannel",
    "EmailMessageData",
    "PermanentDeliveryError",
    "SmtpChannel",
    "SmtpReply",
    "SmtpSecurity",
    "TemporaryDeliveryError",
    "build_message",
    "message_id_for",
    "parse_mailbox",
]
