"""The development mailbox: mail sent in development is caught, kept in a folder, and delivered
to nobody.

`laskutin mailcatcher` (and `laskutin run`, which starts it in development) serves a real SMTP
server (:class:`~laskutin.delivery.catcher.SmtpCatcher`) on a loopback address. Each message it
receives is written as an ``.eml`` file to ``<data dir>/mailbox/`` (:func:`mailbox_dir`), named
by the time it arrived so that names sort oldest first; only the newest :data:`KEEP` are kept.
One line per message goes to stderr (recipients, subject and the links of its text), so that a
developer can open a verification link from the console. ``GET /api/v1/dev/mails``
(delivery/dev_routes.py) reads the same folder with :func:`read_mails`.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import os
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import TextIO

from laskutin.delivery.catcher import CaughtMessage, SmtpCatcher

MAILBOX_FOLDER = "mailbox"
KEEP = 200  # the newest messages kept; older ones are deleted as new ones arrive
SUFFIX = ".eml"
_LINK = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_TRAILING = ".,;:!?"


def mailbox_dir(data_dir: Path) -> Path:
    return data_dir / MAILBOX_FOLDER


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- writing ----------------------------------------------------------------------------------


def _new_name(now: dt.datetime) -> str:
    # Sorts by arrival (UTC, microseconds); the random part keeps two at the same instant apart.
    return f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}{SUFFIX}"


def _envelope_lines(caught: CaughtMessage, newline: bytes) -> bytes:
    # What a delivering server adds: who the message was sent from and to (the SMTP envelope,
    # which names Bcc recipients too). Angle brackets and commas cannot occur in an address.
    lines = [f"Return-Path: <{caught.mail_from}>"]
    lines += [f"Delivered-To: {recipient}" for recipient in caught.rcpt_tos]
    return b"".join(line.encode("utf-8", "replace") + newline for line in lines)


def store_message(
    folder: Path, caught: CaughtMessage, *, keep: int = KEEP, now: dt.datetime | None = None
) -> Path:
    """Write ``caught`` as a new .eml file in ``folder`` and delete all but the newest ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    newline = b"\r\n" if b"\r\n" in caught.data else b"\n"
    path = folder / _new_name(now or dt.datetime.now(dt.UTC))
    partial = path.with_suffix(".part")  # readers list *.eml only: they never see half a file
    partial.write_bytes(_envelope_lines(caught, newline) + caught.data)
    os.replace(partial, path)
    prune(folder, keep=keep)
    return path


def prune(folder: Path, *, keep: int = KEEP) -> None:
    for old in sorted(folder.glob(f"*{SUFFIX}"), reverse=True)[keep:]:
        old.unlink(missing_ok=True)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailAttachment:
    index: int  # its place among the message's attachments, from 0
    filename: str
    content_type: str
    size: int  # bytes, decoded


@dataclass(frozen=True)
class Mail:
    id: str  # the file's name without .eml
    date: dt.datetime | None
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    reply_to: str | None = None
    message_id: str | None = None
    attachments: tuple[MailAttachment, ...] = ()


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email_policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    """The plain-text body ("" when there is none)."""
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        return ""
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""


def links_in(text: str) -> list[str]:
    found: list[str] = []
    for match in _LINK.finditer(text):
        link = match.group(0).rstrip(_TRAILING)
        if link not in found:
            found.append(link)
    return found


def _addresses(message: EmailMessage, header: str) -> tuple[str, ...]:
    values = [str(value) for value in message.get_all(header, [])]
    return tuple(address for _, address in getaddresses(values) if address)


def _date(message: EmailMessage) -> dt.datetime | None:
    value = message.get("Date")
    if value is None:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None


def attachment_parts(message: EmailMessage) -> list[EmailMessage]:
    """The message's attachments, in order (an invoice mail: the PDF, then any XML)."""
    return list(message.iter_attachments())


def attachment_content(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _attachments(message: EmailMessage) -> tuple[MailAttachment, ...]:
    return tuple(
        MailAttachment(
            index=index,
            filename=part.get_filename() or f"attachment-{index}",
            content_type=part.get_content_type(),
            size=len(attachment_content(part)),
        )
        for index, part in enumerate(attachment_parts(message))
    )


def to_mail(stem: str, message: EmailMessage) -> Mail:
    reply_to = message.get("Reply-To")
    message_id = message.get("Message-ID")
    return Mail(
        id=stem,
        date=_date(message),
        sender=str(message.get("From", "")),
        to=_addresses(message, "To") or _addresses(message, "Delivered-To"),
        subject=str(message.get("Subject", "")),
        text=text_of(message),
        reply_to=None if reply_to is None else str(reply_to),
        message_id=None if message_id is None else str(message_id).strip(),
        attachments=_attachments(message),
    )


def read_mails(folder: Path, *, limit: int) -> list[Mail]:
    """The newest ``limit`` messages in ``folder``, newest first (none if there is no folder)."""
    if not folder.is_dir():
        return []
    mails = []
    for path in sorted(folder.glob(f"*{SUFFIX}"), reverse=True)[:limit]:
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # pruned since the listing
            continue
        mails.append(to_mail(path.stem, parse(data)))
    return mails


_MAIL_ID = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}$")


def read_raw(folder: Path, mail_id: str) -> bytes | None:
    """The stored bytes of one mail (as the catcher wrote them), or None: no such mail, or an
    id that is not a mailbox file name (nothing outside the folder is ever read)."""
    if not _MAIL_ID.match(mail_id):
        return None
    try:
        return (folder / f"{mail_id}{SUFFIX}").read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


# --- the server -------------------------------------------------------------------------------


def summary_line(caught: CaughtMessage) -> str:
    """One line for the console: recipients, subject, links of the text body."""
    message = parse(caught.data)
    recipients = ", ".join(caught.rcpt_tos) or "(no recipient)"
    line = f"mail to {recipients}: {str(message.get('Subject', '(no subject)'))!r}"
    links = links_in(text_of(message))
    if links:
        line += " — " + " ".join(links)
    return line


def console_store(folder: Path, *, out: TextIO | None = None) -> Callable[[CaughtMessage], None]:
    """A ``store`` for :class:`SmtpCatcher`: write the message to ``folder``, say it on ``out``
    (stderr by default)."""

    def store(caught: CaughtMessage) -> None:
        path = store_message(folder, caught)
        stream = out or sys.stderr
        stream.write(f"laskutin mailcatcher: {summary_line(caught)} ({path.name})\n")
        stream.flush()

    return store


def mailbox_catcher(folder: Path, *, host: str, port: int) -> SmtpCatcher:
    """A catcher on ``host``:``port`` that keeps what it receives in ``folder``."""
    if not is_loopback(host):
        raise ValueError(f"{host} is not a loopback address: the catcher accepts mail from anyone")
    return SmtpCatcher(host=host, port=port, store=console_store(folder))
