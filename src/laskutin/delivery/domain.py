"""The send state machine and the rules of a send request, as pure rules: no I/O, no database.

States (``invoice_sends.state``)::

    queued --attempt--> sending --accepted--> sent            (final)
      ^                   |  \\--refused for good--> failed    (final)
      |                   |   \\-attempts used up--> failed
      +---temporary error-+
      +---worker died (the sweeper queues it again)

A download-only request needs no attempt: it is ``sent`` when it is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import email_validator

from laskutin.core.errors import Conflict, RuleViolation
from laskutin.delivery.email import parse_mailbox

SendState = Literal["queued", "sending", "sent", "failed"]
ChannelName = Literal["email", "download"]
AttachFormat = Literal["finvoice", "peppol"]

SEND_INVOICE = "delivery.send_invoice"  # the job (delivery.tasks)
MAX_RECIPIENTS = 10
MAX_NOTE = 2000
# A temporary failure is retried after RETRY_BACKOFF_BASE ** attempts seconds (4 s, 16 s, 1 min,
# 4 min, 17 min, 68 min, 4.5 h: the queue's own back-off, laskutin.jobs.queue); after the
# MAX_ATTEMPTS-th attempt fails the send is failed. Attempts interrupted by a crash count too.
RETRY_BACKOFF_BASE = 4
MAX_ATTEMPTS = 8
MAX_ERROR_LENGTH = 2000


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th attempt failed for now."""
    return dt.timedelta(seconds=RETRY_BACKOFF_BASE ** max(1, attempts))


def gives_up(attempts: int) -> bool:
    """Whether a temporary failure of attempt number ``attempts`` ends the send."""
    return attempts >= MAX_ATTEMPTS


# --- errors ----------------------------------------------------------------------------------


class NotSendable(RuleViolation, Conflict):
    """A draft has no number and no frozen content: it cannot go to a customer (409)."""

    code = "invoice-not-sendable"
    messages = {
        "fi": "Luonnosta ei voi lähettää: laskuta se ensin.",
        "sv": "Ett utkast kan inte skickas: utfärda det först.",
        "en": "A draft cannot be sent: issue it first.",
    }


class RecipientsRequired(RuleViolation):
    code = "recipients-required"
    messages = {
        "fi": "Kenttä {field}: anna vähintään yksi sähköpostiosoite (asiakkaalla ei ole "
        "sähköpostiosoitetta).",
        "sv": "Fältet {field}: ange minst en e-postadress (kunden har ingen e-postadress).",
        "en": "Field {field}: give at least one e-mail address (the customer has none).",
    }


class RecipientInvalid(RuleViolation):
    code = "recipient-invalid"
    messages = {
        "fi": "Kenttä {field}: {value!r} ei ole sähköpostiosoite, esim. laskut@asiakas.fi.",
        "sv": "Fältet {field}: {value!r} är inte en e-postadress, t.ex. fakturor@kund.fi.",
        "en": "Field {field}: {value!r} is not an e-mail address, e.g. invoices@customer.fi.",
    }


class NotForChannel(RuleViolation):
    code = "not-for-channel"
    messages = {
        "fi": "Kenttä {field}: ei käytössä kanavalla {channel}; jätä se pois.",
        "sv": "Fältet {field}: används inte av kanalen {channel}; lämna bort det.",
        "en": "Field {field}: not used by the {channel} channel; leave it out.",
    }


# --- a request's content ---------------------------------------------------------------------


@dataclass(frozen=True)
class SendSpec:
    """What a send request asks, checked and normalised by its channel."""

    recipients: tuple[str, ...] = ()
    attach: tuple[str, ...] = ()
    note: str | None = None


def normalise_recipient(value: str, *, field: str) -> str:
    """An e-mail address as the API takes it (``name@example.fi``, syntax only, no DNS), in the
    form stored and sent: the domain lower-cased and IDNA-checked; a display name is refused
    (the customer's name is not the sender's to write)."""
    address = value.strip()
    try:
        checked = email_validator.validate_email(address, check_deliverability=False)
        parse_mailbox(checked.normalized)
    except (email_validator.EmailNotValidError, ValueError):
        raise RecipientInvalid(field=field, value=value) from None
    return str(checked.normalized)


def recipients_of(
    given: Sequence[str] | None, *, default: str | None, field: str = "recipients"
) -> tuple[str, ...]:
    """The recipients: ``given`` (each checked, duplicates dropped whatever their case), or the
    customer's address ``default`` when none were given; none at all is refused."""
    if given is None:
        if not default:
            raise RecipientsRequired(field=field)
        try:
            return (normalise_recipient(default, field=field),)
        except RecipientInvalid:  # a snapshot from before the address rules: ask for one
            raise RecipientsRequired(field=field) from None
    if not given:
        raise RecipientsRequired(field=field)
    seen: dict[str, str] = {}
    for index, value in enumerate(given):
        address = normalise_recipient(value, field=f"{field}.{index}")
        seen.setdefault(address.lower(), address)
    return tuple(seen.values())


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def buyer_email(buyer: Mapping[str, Any] | None) -> str | None:
    value = (buyer or {}).get("email")
    return value if isinstance(value, str) and value.strip() else None


def clip(reason: str) -> str:
    """An error as stored: one paragraph, at most MAX_ERROR_LENGTH characters."""
    text = " ".join(reason.split())
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"
