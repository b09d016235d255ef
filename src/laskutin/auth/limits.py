"""Rate limits of account mails and password guesses: every limit in one place.

Counted by laskutin.core.ratelimit (fixed windows in PostgreSQL, shared by every replica, on
the database's clock). Keys are never an e-mail address in clear: an account is
:func:`laskutin.auth.throttle.account_key` (a SHA-256 of the e-mail), a client address
:func:`laskutin.auth.throttle.address_key` (IPv4, or IPv6 /64), a user their id.

Answered 429 with Retry-After (problem+json; the answer tells nothing about whether an address
is registered, because it is decided before the address is looked up):

- :data:`PASSWORD_RESET_PER_ADDRESS`: 20 reset requests per client address per hour.
- :data:`SIGNUP_PER_ADDRESS`: 20 sign-ups per client address per hour.
- :data:`VERIFICATION_RESEND_PER_USER`: 3 "send the verification mail again" per user per hour.
- :data:`PASSWORD_GUESSES_PER_USER`: 5 password changes with a wrong current password per user
  per 15 minutes; beyond them the current password is not checked at all. Counted before the
  check, in a transaction of its own (so concurrent guesses cannot exceed it, and a 422 does
  not undo the count); a correct change forgets the count.

Skipped silently (same answer, no mail, logged), because a refusal would tell the caller that
the address is registered:

- :data:`RESET_MAILS_PER_ACCOUNT`: 3 reset mails per account per hour.
- :data:`SIGNUP_NOTICES_PER_ACCOUNT`: 3 "someone tried to sign up with your address" mails per
  account per day.

The per-address and per-account counts of sign-up, reset and resend are taken in the request's
transaction: a request that fails (422) is not counted, and an accepted one is counted with its
effect. A refused request is not counted either (its transaction rolls back); it need not be,
since the count is at the limit until the window ends.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from laskutin.core.ratelimit import RateLimit

HOUR: Final = dt.timedelta(hours=1)

PASSWORD_RESET_PER_ADDRESS: Final = RateLimit("auth.password-reset.address", 20, HOUR)
RESET_MAILS_PER_ACCOUNT: Final = RateLimit("auth.password-reset.account", 3, HOUR)
SIGNUP_PER_ADDRESS: Final = RateLimit("auth.signup.address", 20, HOUR)
SIGNUP_NOTICES_PER_ACCOUNT: Final = RateLimit("auth.signup-notice.account", 3, dt.timedelta(days=1))
VERIFICATION_RESEND_PER_USER: Final = RateLimit("auth.verify-resend.user", 3, HOUR)
PASSWORD_GUESSES_PER_USER: Final = RateLimit(
    "auth.password-change.user", 5, dt.timedelta(minutes=15)
)

ALL: Final = (
    PASSWORD_RESET_PER_ADDRESS,
    RESET_MAILS_PER_ACCOUNT,
    SIGNUP_PER_ADDRESS,
    SIGNUP_NOTICES_PER_ACCOUNT,
    VERIFICATION_RESEND_PER_USER,
    PASSWORD_GUESSES_PER_USER,
)
