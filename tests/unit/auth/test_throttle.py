"""Sign-in throttling (issue 4): account locks, the per-address limit, keys for unknown e-mails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laskutin.auth.throttle import (
    ADDRESS_FAILURE_LIMIT,
    ADDRESS_WINDOW,
    FAILURES_BEFORE_LOCK,
    FORGET_AFTER,
    LONGEST_WAIT,
    MAX_LOCK,
    AccountState,
    AddressState,
    Allowed,
    Throttled,
    account_key,
    address_key,
    after_address_failure,
    after_failure,
    after_success,
    decide_login,
    lock_duration,
)

T0 = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
FRESH = AccountState()
NO_FAILURES = AddressState()
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)


def fail(account: AccountState, times: int, now: dt.datetime) -> AccountState:
    for _ in range(times):
        account = after_failure(account, now)
    return account


def fail_from_address(address: AddressState, times: int, now: dt.datetime) -> AddressState:
    for _ in range(times):
        address = after_address_failure(address, now)
    return address


# --- the account -----------------------------------------------------------------------------


def test_fresh_account_is_allowed() -> None:
    assert decide_login(FRESH, NO_FAILURES, T0) == Allowed()


def test_four_failures_are_allowed_the_fifth_locks_with_423() -> None:
    four = fail(FRESH, 4, T0)
    assert four.consecutive_failures == 4
    assert four.locked_until is None
    assert decide_login(four, NO_FAILURES, T0) == Allowed()
    five = after_failure(four, T0)
    assert five.locked_until == T0 + MINUTE
    decision = decide_login(five, NO_FAILURES, T0)
    assert decision == Throttled(423, "account-locked", 60)
    assert isinstance(decision, Throttled)
    assert decision.headers == {"Retry-After": "60"}


def test_retry_after_counts_down_and_rounds_up() -> None:
    locked = fail(FRESH, 5, T0)
    assert decide_login(locked, NO_FAILURES, T0 + 30 * SECOND) == Throttled(
        423, "account-locked", 30
    )
    just_before = T0 + MINUTE - dt.timedelta(microseconds=1)
    assert decide_login(locked, NO_FAILURES, just_before) == Throttled(423, "account-locked", 1)
    assert decide_login(locked, NO_FAILURES, T0 + 59.5 * SECOND) == Throttled(
        423, "account-locked", 1
    )
    assert decide_login(locked, NO_FAILURES, T0 + MINUTE) == Allowed()


def test_success_resets_the_count() -> None:
    four = fail(FRESH, 4, T0)
    assert after_success(four) == FRESH
    again = fail(after_success(four), 4, T0 + MINUTE)
    assert decide_login(again, NO_FAILURES, T0 + MINUTE) == Allowed()
    assert after_success(fail(FRESH, 7, T0)) == FRESH  # a success also ends a lock


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(0, None), (1, None), (4, None), (5, 1), (6, 2), (7, 4), (8, 8), (9, 15), (10, 15)],
)
def test_lock_schedule(failures: int, minutes: int | None) -> None:
    expected = None if minutes is None else dt.timedelta(minutes=minutes)
    assert lock_duration(failures) == expected


def test_lock_caps_for_any_count() -> None:
    assert lock_duration(10**9) == MAX_LOCK


def test_lock_grows_with_each_failure_after_a_lock_and_caps() -> None:
    """An attacker who waits out each lock: 1, 2, 4, 8, 15, 15 minutes."""
    account = fail(FRESH, 5, T0)
    now = T0
    waits: list[int] = []
    for _ in range(6):
        decision = decide_login(account, NO_FAILURES, now)
        assert isinstance(decision, Throttled)
        assert decision.status == 423
        waits.append(decision.retry_after_seconds)
        now += decision.retry_after_seconds * SECOND
        assert decide_login(account, NO_FAILURES, now) == Allowed()
        account = after_failure(account, now)
    assert waits == [60, 120, 240, 480, 900, 900]


def test_a_failure_never_shortens_a_lock() -> None:
    long_lock = AccountState(
        consecutive_failures=5, locked_until=T0 + 10 * MINUTE, last_failure_at=T0
    )
    after = after_failure(long_lock, T0 + SECOND)  # a racing request: wants only 2 minutes
    assert after.locked_until == T0 + 10 * MINUTE
    assert after.consecutive_failures == 6


def test_failures_are_forgotten_after_a_quiet_day() -> None:
    four = fail(FRESH, 4, T0)
    next_day = after_failure(four, T0 + FORGET_AFTER)
    assert next_day.consecutive_failures == 1
    assert decide_login(next_day, NO_FAILURES, T0 + FORGET_AFTER) == Allowed()
    same_day = after_failure(four, T0 + FORGET_AFTER - SECOND)
    assert same_day.consecutive_failures == 5
    assert isinstance(decide_login(same_day, NO_FAILURES, T0 + FORGET_AFTER), Throttled)


def test_states_are_immutable() -> None:
    with pytest.raises(FrozenInstanceError):
        FRESH.consecutive_failures = 3  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        NO_FAILURES.failures_in_window = 3  # type: ignore[misc]


def test_naive_datetimes_are_refused() -> None:
    naive = dt.datetime(2026, 11, 25, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        decide_login(FRESH, NO_FAILURES, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        after_failure(FRESH, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        after_address_failure(NO_FAILURES, naive)


# --- the client address ----------------------------------------------------------------------


def test_address_allows_exactly_fifty_failures_then_429_until_the_window_ends() -> None:
    start = T0
    address = NO_FAILURES
    for i in range(ADDRESS_FAILURE_LIMIT):
        now = start + i * SECOND
        assert decide_login(FRESH, address, now) == Allowed(), i
        address = after_address_failure(address, now)
    assert address == AddressState(failures_in_window=50, window_started=start)
    now = start + 50 * SECOND
    assert decide_login(FRESH, address, now) == Throttled(
        429, "too-many-sign-in-attempts", 15 * 60 - 50
    )
    end = start + ADDRESS_WINDOW
    assert decide_login(FRESH, address, end - dt.timedelta(microseconds=1)) == Throttled(
        429, "too-many-sign-in-attempts", 1
    )
    assert decide_login(FRESH, address, end) == Allowed()
    # The next failure opens a new window.
    assert after_address_failure(address, end) == AddressState(1, end)


def test_forty_nine_failures_leave_the_address_open() -> None:
    address = fail_from_address(NO_FAILURES, ADDRESS_FAILURE_LIMIT - 1, T0)
    assert decide_login(FRESH, address, T0 + 14 * MINUTE) == Allowed()


def test_window_is_fixed_from_its_first_failure() -> None:
    address = after_address_failure(NO_FAILURES, T0)
    address = after_address_failure(address, T0 + 14 * MINUTE)
    assert address == AddressState(2, T0)
    address = after_address_failure(address, T0 + 15 * MINUTE)
    assert address == AddressState(1, T0 + 15 * MINUTE)


def test_account_lock_and_address_limit_together_answer_423_with_the_longer_wait() -> None:
    account = fail(FRESH, 5, T0 + 14 * MINUTE)  # locked until T0 + 15 min
    address = fail_from_address(NO_FAILURES, ADDRESS_FAILURE_LIMIT, T0 + 10 * MINUTE)
    now = T0 + 14 * MINUTE
    assert decide_login(account, address, now) == Throttled(423, "account-locked", 11 * 60)


# --- the sign-in sequence, as the service will run it ----------------------------------------


@dataclass
class SignInDesk:
    """The service's sequence from the module docstring, over in-memory counters."""

    passwords: dict[str, str]  # registered users: lookup key -> password
    accounts: dict[str, AccountState] = field(default_factory=dict)
    addresses: dict[str, AddressState] = field(default_factory=dict)
    checked: int = 0  # passwords verified

    def sign_in(self, email: str, password: str, client: str, now: dt.datetime) -> int:
        akey, ckey = account_key(email), address_key(client)
        account = self.accounts.get(akey, AccountState())
        address = self.addresses.get(ckey, AddressState())
        decision = decide_login(account, address, now)
        if isinstance(decision, Throttled):
            return decision.status
        self.accounts[akey] = after_failure(account, now)  # counted before the check
        self.checked += 1
        if self.passwords.get(email.strip().lower()) == password:
            self.accounts[akey] = after_success(self.accounts[akey])
            return 200
        self.addresses[ckey] = after_address_failure(address, now)
        return 401


def test_sixth_attempt_is_refused_before_the_password_is_checked() -> None:
    desk = SignInDesk({"matti@esimerkki.fi": "oikea salasana tässä"})
    answers = [desk.sign_in("matti@esimerkki.fi", "väärä", "192.0.2.1", T0) for _ in range(5)]
    assert answers == [401] * 5
    # Even the right password waits out the lock.
    assert desk.sign_in("matti@esimerkki.fi", "oikea salasana tässä", "192.0.2.1", T0) == 423
    assert desk.checked == 5
    assert (
        desk.sign_in("matti@esimerkki.fi", "oikea salasana tässä", "192.0.2.1", T0 + MINUTE) == 200
    )


def test_correct_fifth_attempt_signs_in_and_resets() -> None:
    desk = SignInDesk({"matti@esimerkki.fi": "oikea salasana tässä"})
    for _ in range(4):
        desk.sign_in("matti@esimerkki.fi", "väärä", "192.0.2.1", T0)
    assert desk.sign_in("matti@esimerkki.fi", "oikea salasana tässä", "192.0.2.1", T0) == 200
    assert desk.accounts[account_key("matti@esimerkki.fi")] == FRESH


def test_address_limit_counts_failures_only() -> None:
    """An office behind one address: many correct sign-ins never use up its failures."""
    users = {f"user{i}@toimisto.fi": f"salasana numero {i:04d}" for i in range(200)}
    desk = SignInDesk(users)
    for email, password in users.items():
        assert desk.sign_in(email, password, "198.51.100.7", T0) == 200
    assert desk.addresses == {}


def test_unknown_emails_count_like_known_ones() -> None:
    """The same attack on a registered and an unregistered e-mail gets the same answers."""
    known, unknown = "matti@esimerkki.fi", "ei.ketaan@esimerkki.fi"
    desk = SignInDesk({known: "oikea salasana tässä"})

    def attack(email: str) -> list[int]:
        now, answers = T0, []
        for _ in range(12):
            answers.append(desk.sign_in(email, "arvaus", "203.0.113.9", now))
            now += 30 * SECOND
        return answers

    desk_known = attack(known)
    desk.addresses.clear()
    desk_unknown = attack(unknown)
    assert desk_known == desk_unknown
    assert desk_known[:6] == [401, 401, 401, 401, 401, 423]
    assert desk.accounts[account_key(known)] == desk.accounts[account_key(unknown)]


def test_per_address_limit_across_many_accounts() -> None:
    """Credential stuffing: one failure per account, 50 accounts, then 429 for the address."""
    desk = SignInDesk({})
    answers = [
        desk.sign_in(f"kohde{i}@esimerkki.fi", "arvaus", "2001:db8:1:2::7", T0) for i in range(51)
    ]
    assert answers == [401] * 50 + [429]
    # Another address in the same IPv6 /64 shares the limit; another /64 does not.
    assert desk.sign_in("uusi@esimerkki.fi", "arvaus", "2001:db8:1:2::ffff", T0) == 429
    assert desk.sign_in("uusi@esimerkki.fi", "arvaus", "2001:db8:1:3::7", T0) == 401
    assert (
        desk.sign_in("uusi@esimerkki.fi", "arvaus", "2001:db8:1:2::7", T0 + ADDRESS_WINDOW) == 401
    )


# --- keys ------------------------------------------------------------------------------------


def test_account_key_is_a_hash_of_the_case_insensitive_email() -> None:
    key = account_key("Matti@Esimerkki.FI")
    assert key == account_key(" matti@esimerkki.fi ")
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert "matti" not in key
    assert key != account_key("matti2@esimerkki.fi")
    # Input that is not an address still has a key, the same in any case.
    assert account_key("Matti@Esimerkki") == account_key("matti@esimerkki")


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1 ", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("testclient", "testclient"),
    ],
)
def test_address_key(host: str, key: str) -> None:
    assert address_key(host) == key


# --- properties ------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2027, 1, 1),
    timezones=st.just(dt.UTC),
)
gaps = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=30))
account_states = st.builds(
    AccountState,
    consecutive_failures=st.integers(min_value=0, max_value=10_000),
    locked_until=st.none() | instants,
    last_failure_at=st.none() | instants,
)
address_states = st.builds(
    AddressState,
    failures_in_window=st.integers(min_value=0, max_value=10_000),
    window_started=st.none() | instants,
)


@given(account_states, instants)
def test_a_failure_never_shortens_an_existing_lock(account: AccountState, now: dt.datetime) -> None:
    after = after_failure(account, now)
    if account.locked_until is not None:
        assert after.locked_until is not None
        assert after.locked_until >= account.locked_until
    assert after.consecutive_failures >= 1
    if after.consecutive_failures >= FAILURES_BEFORE_LOCK:
        assert after.locked_until is not None
        assert after.locked_until > now


def _throttled_waits(
    events: list[tuple[bool, dt.timedelta]],
    start: dt.datetime,
    check: Callable[[Throttled], None],
) -> None:
    account, address, now = FRESH, NO_FAILURES, start
    for success, gap in events:
        now += gap
        decision = decide_login(account, address, now)
        if isinstance(decision, Throttled):
            check(decision)
            continue
        if success:
            account = after_success(account)
        else:
            account = after_failure(account, now)
            address = after_address_failure(address, now)


@given(st.lists(st.tuples(st.booleans(), gaps), max_size=80), instants)
def test_retry_after_is_always_positive_and_at_most_the_cap(
    events: list[tuple[bool, dt.timedelta]], start: dt.datetime
) -> None:
    def check(decision: Throttled) -> None:
        assert 1 <= decision.retry_after_seconds <= LONGEST_WAIT.total_seconds()
        assert decision.status in (423, 429)

    _throttled_waits(events, start, check)


@given(account_states, address_states, instants)
def test_retry_after_bounds_hold_for_any_stored_state(
    account: AccountState, address: AddressState, now: dt.datetime
) -> None:
    """Even rows written by hand (or by an older version) never ask for more than the cap --
    except a lock set further ahead than this version would, which is honoured as stored."""
    decision = decide_login(account, address, now)
    if isinstance(decision, Throttled):
        assert decision.retry_after_seconds >= 1
        waits = [dt.timedelta(0)]
        if account.locked_until is not None:
            waits.append(account.locked_until - now)
        if address.window_started is not None:
            waits.append(address.window_started + ADDRESS_WINDOW - now)
        assert decision.retry_after_seconds * SECOND < max(waits) + SECOND
        if decision.status == 429:
            assert decision.retry_after_seconds <= ADDRESS_WINDOW.total_seconds()


@given(st.lists(gaps.map(lambda gap: gap / 10_000), min_size=1, max_size=30), instants)
def test_at_most_five_password_checks_in_a_row(
    gaps_between: list[dt.timedelta], start: dt.datetime
) -> None:
    """Failing attempts, each counted before its check: never more than 5 checks before a
    lock of at least a minute, whatever the timing within that minute."""
    account, now, checked = FRESH, start, 0
    for gap in gaps_between:
        now += gap
        if now - start >= MINUTE:
            break
        if isinstance(decide_login(account, NO_FAILURES, now), Allowed):
            account = after_failure(account, now)
            checked += 1
    assert checked <= FAILURES_BEFORE_LOCK


@given(
    st.lists(
        st.timedeltas(min_value=dt.timedelta(0), max_value=ADDRESS_WINDOW - SECOND),
        min_size=ADDRESS_FAILURE_LIMIT,
        max_size=ADDRESS_FAILURE_LIMIT,
    ),
    instants,
)
def test_fifty_failures_within_fifteen_minutes_are_all_allowed(
    offsets: list[dt.timedelta], start: dt.datetime
) -> None:
    address = NO_FAILURES
    for offset in sorted(offsets):
        now = start + offset
        assert isinstance(decide_login(FRESH, address, now), Allowed)
        address = after_address_failure(address, now)
