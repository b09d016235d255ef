"""Brute-force protection for sign-in: the policy as pure functions over counts and instants.

Issue 4: "after at most 5 failed sign-ins in a row for an account, answer 429 with Retry-After
(423 while it is locked); a per-address limit counts failures only and allows at least 50 per
15 minutes; unknown e-mails count like known ones; no answer is delayed by more than a second."
The counters live in PostgreSQL (so every replica sees them); this module only decides. Nothing
here reads the clock: ``now`` is an argument -- take it from the database (``now()`` in the
transaction) so that replicas with drifting clocks agree.

Per account (keyed by :func:`account_key`, a hash of the e-mail, whether or not it is registered)
    :class:`AccountState` counts failed sign-ins in a row. The 5th locks the account for 1 minute;
    each further failure after a lock has ended locks it again for twice as long, up to 15
    minutes: 1, 2, 4, 8, 15, 15, … minutes (:func:`lock_duration`). At the cap a guesser gets
    about 96 tries a day per account. A success resets the count; so do 24 hours without a
    failure (:data:`FORGET_AFTER`), so that a user who mistyped last month starts afresh. While
    the account is locked, sign-in answers 423 Locked with ``Retry-After`` and checks no password.
    (OWASP Authentication Cheat Sheet, "Account Lockout": lock for a while, growing, not for
    ever, so that an attacker cannot lock a user out for good.)

Per client address (keyed by :func:`address_key`: the IPv4 address, or the IPv6 /64 prefix)
    :class:`AddressState` counts failures only (a busy office signing in correctly is never
    limited) in a fixed window of 15 minutes that opens at the first failure. After 50 failures
    sign-in answers 429 Too Many Requests with ``Retry-After`` until the window ends; then the
    next failure opens a new window. A fixed window needs two columns instead of a log of
    instants, and never allows fewer than 50 failures per 15 minutes; its cost is a burst of up
    to 100 across a window's end, which the per-account locks make harmless.

How the sign-in service uses it (the answer is never delayed: no sleeping, only 423/429)::

    in one transaction, with the two counter rows locked (SELECT ... FOR UPDATE, or created):
        decision = decide_login(account, address, now)
        if decision is a Throttled: answer decision.status with decision.headers; stop
        store after_failure(account, now)   # count the attempt *before* checking the password
    verify the password (argon2, about 25 ms)
    success: store after_success(account)
    failure: store after_address_failure(address, now); answer 401

Counting the attempt before the password is checked keeps "at most 5" true when many requests
for one account race on several replicas: each takes the row lock in turn and sees the previous
one's count, so the 6th is refused before any password is checked. The 5th failure itself
answers 401 (the password was wrong); the attempts after it answer 423 while the lock lasts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Final, Literal

from laskutin.auth.passwords import email_lookup_key

__all__ = [
    "ADDRESS_FAILURE_LIMIT",
    "ADDRESS_WINDOW",
    "FAILURES_BEFORE_LOCK",
    "FIRST_LOCK",
    "FORGET_AFTER",
    "LONGEST_WAIT",
    "MAX_LOCK",
    "AccountState",
    "AddressState",
    "Allowed",
    "Throttled",
    "account_key",
    "address_key",
    "after_address_failure",
    "after_failure",
    "after_success",
    "decide_login",
    "lock_duration",
]

FAILURES_BEFORE_LOCK: Final = 5
FIRST_LOCK: Final = dt.timedelta(minutes=1)
MAX_LOCK: Final = dt.timedelta(minutes=15)
FORGET_AFTER: Final = dt.timedelta(hours=24)
ADDRESS_FAILURE_LIMIT: Final = 50
ADDRESS_WINDOW: Final = dt.timedelta(minutes=15)
# No Retry-After is ever longer than this.
LONGEST_WAIT: Final = max(MAX_LOCK, ADDRESS_WINDOW)

IPV6_PREFIX: Final = 64


@dataclass(frozen=True, slots=True)
class AccountState:
    """Failed sign-ins in a row for one account key, and the lock they caused."""

    consecutive_failures: int = 0
    locked_until: dt.datetime | None = None
    last_failure_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class AddressState:
    """Failed sign-ins from one client address in the current window."""

    failures_in_window: int = 0
    window_started: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Allowed:
    """Go on and check the password."""


@dataclass(frozen=True, slots=True)
class Throttled:
    """Refuse without checking the password: ``status`` with ``Retry-After`` (issue 4).

    423 (``account-locked``) while the account is locked; 429 (``too-many-sign-in-attempts``)
    when only the client address is over its limit. ``retry_after_seconds`` is a whole number
    of seconds, at least 1 and at most :data:`LONGEST_WAIT`; waiting that long lifts every
    limit that applied.
    """

    status: Literal[423, 429]
    code: Literal["account-locked", "too-many-sign-in-attempts"]
    retry_after_seconds: int

    @property
    def headers(self) -> dict[str, str]:
        """The response headers the refusal needs (RFC 9110 §10.2.3, delay in seconds)."""
        return {"Retry-After": str(self.retry_after_seconds)}


def lock_duration(consecutive_failures: int) -> dt.timedelta | None:
    """How long the account is locked after this many failures in a row: none before the 5th,
    then 1 minute doubling to at most 15 (issue 4; OWASP Authentication Cheat Sheet).
    """
    if consecutive_failures < FAILURES_BEFORE_LOCK:
        return None
    doublings = consecutive_failures - FAILURES_BEFORE_LOCK
    if doublings >= 10:  # 2**10 minutes is far past the cap; keep the arithmetic small
        return MAX_LOCK
    return min(FIRST_LOCK * (1 << doublings), MAX_LOCK)


def decide_login(
    account: AccountState, address: AddressState, now: dt.datetime
) -> Allowed | Throttled:
    """Whether a sign-in may check the password now (issue 4): 423 while the account is
    locked, 429 while the address has used up its failures in the window, else :class:`Allowed`.

    When both apply the answer is 423, with the longer of the two waits.
    """
    _require_aware(now)
    account_wait = _remaining(account.locked_until, now)
    address_wait = _address_wait(address, now)
    wait = max(account_wait, address_wait)
    if account_wait > dt.timedelta(0):
        return Throttled(423, "account-locked", _whole_seconds(wait))
    if address_wait > dt.timedelta(0):
        return Throttled(429, "too-many-sign-in-attempts", _whole_seconds(wait))
    return Allowed()


def after_failure(account: AccountState, now: dt.datetime) -> AccountState:
    """The account's state after one more failed sign-in (issue 4: lock after at most 5 in a
    row): the count grows (or starts again after :data:`FORGET_AFTER` without failures), and
    from the 5th on the account is locked for :func:`lock_duration`. An existing lock is never
    shortened.
    """
    _require_aware(now)
    failures = account.consecutive_failures
    last = account.last_failure_at
    if last is not None and now - last >= FORGET_AFTER:
        failures = 0
    failures += 1
    locked_until = account.locked_until
    duration = lock_duration(failures)
    if duration is not None:
        candidate = now + duration
        locked_until = candidate if locked_until is None else max(locked_until, candidate)
    return AccountState(
        consecutive_failures=failures,
        locked_until=locked_until,
        last_failure_at=now if last is None else max(last, now),
    )


def after_success(account: AccountState) -> AccountState:
    """The account's state after a successful sign-in: nothing counted, not locked (issue 4:
    failures "in a row").
    """
    return AccountState()


def after_address_failure(address: AddressState, now: dt.datetime) -> AddressState:
    """The address's state after one more failed sign-in: counted in the current 15-minute
    window, or the first of a new window when the current one has ended (issue 4: "a
    per-address limit counts failures only and allows at least 50 per 15 minutes").
    """
    _require_aware(now)
    started = address.window_started
    if started is None or now >= started + ADDRESS_WINDOW or now < started:
        return AddressState(failures_in_window=1, window_started=now)
    return AddressState(failures_in_window=address.failures_in_window + 1, window_started=started)


def account_key(email: str) -> str:
    """The key under which an e-mail's failed sign-ins are counted: SHA-256 (hex) of its
    case-insensitive form. Registered or not, every e-mail has one, so unknown e-mails count
    like known ones (issue 4), and the counters table holds no e-mail address in clear.
    """
    return hashlib.sha256(email_lookup_key(email).encode()).hexdigest()


def address_key(client_host: str) -> str:
    """The key under which a client address's failures are counted: the IPv4 address, or the
    /64 prefix of an IPv6 address (one subscriber usually holds a whole /64, so counting single
    IPv6 addresses would give each attacker 2**64 budgets). An IPv4-mapped IPv6 address is its
    IPv4 address. Anything that is not an IP address (a test client's name) is kept as given.
    """
    try:
        ip = ipaddress.ip_address(client_host.strip().split("%", 1)[0])
    except ValueError:
        return client_host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


def _address_wait(address: AddressState, now: dt.datetime) -> dt.timedelta:
    started = address.window_started
    if started is None or address.failures_in_window < ADDRESS_FAILURE_LIMIT or now < started:
        return dt.timedelta(0)
    return _remaining(started + ADDRESS_WINDOW, now)


def _remaining(until: dt.datetime | None, now: dt.datetime) -> dt.timedelta:
    if until is None or until <= now:
        return dt.timedelta(0)
    return until - now


def _whole_seconds(wait: dt.timedelta) -> int:
    """Retry-After in whole seconds, rounded up so that a client that waits is let in."""
    return max(1, -(-wait // dt.timedelta(seconds=1)))


def _require_aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("the throttle needs a timezone-aware datetime")
