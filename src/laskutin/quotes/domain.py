"""Quotes: pure rules. No web, no database, no settings.

Stored states are ``draft``, ``sent``, ``accepted`` and ``declined``. The status a user sees
adds ``expired``: a draft or sent quote whose ``valid_until`` is before today in
Europe/Helsinki (the quote is valid through its last day). Accepted and declined quotes never
expire: the customer answered. quotes.listing has the same rule as SQL.

Transitions (anything else is a 409 naming why):

========== ============================= =========================================
action     from                          notes
========== ============================= =========================================
send       draft (not expired)           takes the seller and buyer snapshots
accept     draft or sent (not expired)   a yes by phone needs no "send" first
decline    draft or sent (expired too)   records the customer's no
invoice    accepted, not yet invoiced    an invoice draft from the quote's lines
========== ============================= =========================================

Changes: a draft changes freely; a sent quote only its ``valid_until`` (extending the offer);
accepted and declined quotes are closed. Only a draft is deleted.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

# The audit trail's resource type of quotes.
RESOURCE = "quote"
# The company's series of quote numbers (number_series.kind).
SERIES_KIND = "quote"
# valid_until when none is given: 30 days after the quote date.
DEFAULT_VALIDITY_DAYS = 30


class State(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Status(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


OPEN_STATES = frozenset({State.DRAFT, State.SENT})


def derive_status(state: str, valid_until: dt.date, today: dt.date) -> Status:
    """The status a user sees (module docstring)."""
    if state in OPEN_STATES and valid_until < today:
        return Status.EXPIRED
    return Status(state)


def default_valid_until(quote_date: dt.date) -> dt.date:
    return quote_date + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)
