"""Use cases of accounts and sessions: sign-up, sign-in, refresh, sign-out, me, switching company.

Keyword-only arguments; nothing here commits the request's transaction. Two use cases run a
transaction of their own, because what they must keep is exactly what a refusal would roll
back:

- :func:`login`: a failed sign-in answers 401/423/429 AND its counts must stay (issue 4's
  throttle); it commits the counters, then raises.
- :func:`refresh_session`: a reused refresh token revokes its family AND is refused
  (:func:`laskutin.auth.tokens.refresh`).

Answers never reveal whether an e-mail is registered (issue 4):

- sign-up answers 201 with the same body for a new and for a registered address, after the
  same work (the password is checked and hashed either way); nothing is created for a
  registered one. Telling the owner of that address that someone tried is the e-mail channel's
  job (:func:`signup` returns ``created=False`` for it; see :class:`SignupResult`);
- sign-in answers the same 401 for an unknown e-mail and a wrong password, after the same work
  (argon2 against a dummy hash), and counts failures of unknown e-mails like known ones.

E-mail verification: ``users.email_verified_at`` stays empty until the verification mail's link
is followed (the e-mail channel, built separately). In development mode an unverified address
blocks nothing; in production it must be verified before anything is sent to customers, which
the sending use cases check, not sign-in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth import throttle
from laskutin.auth.keys import KeyRing
from laskutin.auth.models import LoginThrottle, User
from laskutin.auth.passwords import (
    check_password,
    email_lookup_key,
    hash_password,
    needs_rehash,
    normalise_email,
    verify_password,
)
from laskutin.auth.schemas import CompanyMembershipRead, MeRead, UserRead
from laskutin.auth.tokens import (
    AccessClaims,
    NotAMember,
    TokenPair,
    issue_token_pair,
    refresh,
    revoke_refresh_token,
)
from laskutin.companies.domain import Role
from laskutin.companies.models import Company, Membership
from laskutin.core.db import unit_of_work
from laskutin.core.errors import DomainError, Locked, NotFound, TooManyRequests, Unauthenticated
from laskutin.core.tenancy import act_as

log = logging.getLogger(__name__)

ACCOUNT_SCOPE = "account"
ADDRESS_SCOPE = "address"


class InvalidCredentials(Unauthenticated):
    """Unknown e-mail or wrong password: one answer for both (issue 4)."""

    code = "invalid-credentials"


class AccountLocked(Locked):
    """Too many failed sign-ins in a row for this e-mail: 423 with Retry-After."""

    code = "account-locked"


class TooManySignInAttempts(TooManyRequests):
    """Too many failed sign-ins from this client address: 429 with Retry-After."""

    code = "too-many-sign-in-attempts"


# --- sign-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupResult:
    """What sign-up did. The API answers the same for both outcomes; ``created`` and the ids
    are for the e-mail channel's seam: a verification mail to a new user, a "someone tried to
    sign up with your address" mail to the owner of a registered one."""

    email: str
    created: bool
    user_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None


async def signup(
    session: AsyncSession, *, email: str, password: str, name: str, company_name: str
) -> SignupResult:
    """Create the user, their first company and their ownership of it, atomically.

    Refuses a bad address (``email-invalid``, field ``email``) and a password the policy
    refuses (``password-*``, field ``password``) before anything is written. A registered
    address (in any letter case) creates nothing and answers like a new one.
    """
    address = normalise_email(email)
    check_password(password, email=address, name=name)
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    password_hash = await asyncio.to_thread(hash_password, password)
    user_id = await session.scalar(
        pg_insert(User)
        .values(id=uuid.uuid4(), email=address, name=name, password_hash=password_hash)
        .on_conflict_do_nothing(index_elements=[func.lower(User.email)])
        .returning(User.id)
    )
    if user_id is None:
        log.info("sign-up for an address that is already registered; nothing created")
        return SignupResult(email=address, created=False)
    company_id = uuid.uuid4()
    # Row-level security: a company is inserted while it is the active one and a user acts.
    await act_as(session, company_id=company_id, user_id=user_id)
    session.add(Company(id=company_id, name=company_name))
    await session.flush()
    session.add(Membership(company_id=company_id, user_id=user_id, role=Role.OWNER))
    await session.flush()
    user = await session.get_one(User, user_id)
    user.last_company_id = company_id
    await session.flush()
    return SignupResult(email=address, created=True, user_id=user_id, company_id=company_id)


# --- sign-in ---------------------------------------------------------------------------------


async def _lock_counter(session: AsyncSession, scope: str, key: str) -> LoginThrottle:
    """The counter row, created if missing, locked until the transaction ends."""
    statement = (
        pg_insert(LoginThrottle)
        .values(scope=scope, key=key)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.scope, LoginThrottle.key],
            set_={"scope": scope},  # a no-op update: it locks the existing row
        )
        .returning(LoginThrottle)
    )
    row = await session.scalar(statement, execution_options={"populate_existing": True})
    assert row is not None  # an upsert always returns its row
    return row


def _account_state(row: LoginThrottle) -> throttle.AccountState:
    return throttle.AccountState(
        consecutive_failures=row.consecutive_failures,
        locked_until=row.locked_until,
        last_failure_at=row.last_failure_at,
    )


def _address_state(row: LoginThrottle) -> throttle.AddressState:
    return throttle.AddressState(
        failures_in_window=row.failures_in_window, window_started=row.window_started
    )


def _store_account(row: LoginThrottle, state: throttle.AccountState) -> None:
    row.consecutive_failures = state.consecutive_failures
    row.locked_until = state.locked_until
    row.last_failure_at = state.last_failure_at


def _store_address(row: LoginThrottle, state: throttle.AddressState) -> None:
    row.failures_in_window = state.failures_in_window
    row.window_started = state.window_started


async def _forget_if_empty(session: AsyncSession, row: LoginThrottle) -> None:
    """Delete a counter row that counts nothing (a success, or an address with no failures)."""
    if row.consecutive_failures == 0 and row.failures_in_window == 0:
        await session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.scope == row.scope, LoginThrottle.key == row.key
            )
        )
        session.expunge(row)


async def _company_to_sign_in_to(session: AsyncSession, user: User) -> uuid.UUID:
    """The last-used company if the user still belongs to it, else their newest membership."""
    await act_as(session, company_id=None, user_id=user.id)  # memberships: "my companies"
    rows = await session.execute(
        select(Membership.company_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at.desc(), Membership.company_id)
    )
    companies = [company_id for (company_id,) in rows.all()]
    if user.last_company_id in companies:
        assert user.last_company_id is not None
        return user.last_company_id
    if not companies:
        raise NotAMember()  # removed from every company: nothing to act for
    return companies[0]


async def _attempt_login(
    session: AsyncSession,
    keyring: KeyRing,
    *,
    email: str,
    password: str,
    client_host: str,
    issuer: str,
) -> TokenPair | DomainError:
    """One sign-in attempt in ``session``'s transaction, in auth/throttle.py's order: lock both
    counters, decide, count the failure, check the password, then reset or count the address.
    A refusal is returned, not raised, so that the caller commits the counts first."""
    account = await _lock_counter(session, ACCOUNT_SCOPE, throttle.account_key(email))
    address = await _lock_counter(session, ADDRESS_SCOPE, throttle.address_key(client_host))
    # PostgreSQL's clock, not this replica's: every replica then agrees on locks and windows.
    now: dt.datetime | None = await session.scalar(select(func.now()))
    assert now is not None
    decision = throttle.decide_login(_account_state(account), _address_state(address), now)
    if isinstance(decision, throttle.Throttled):
        await _forget_if_empty(session, address)
        await _forget_if_empty(session, account)
        if decision.status == 423:
            return AccountLocked(retry_after_seconds=decision.retry_after_seconds)
        return TooManySignInAttempts(retry_after_seconds=decision.retry_after_seconds)
    # Counted before the password is checked: a racing attempt waits for this row and sees it.
    _store_account(account, throttle.after_failure(_account_state(account), now))
    await session.flush()

    user = await session.scalar(
        select(User).where(func.lower(User.email) == email_lookup_key(email))
    )
    stored_hash = user.password_hash if user is not None else None
    # verify_password with no hash checks the dummy hash: unknown e-mails cost the same.
    if user is None or not await asyncio.to_thread(verify_password, stored_hash, password):
        _store_address(address, throttle.after_address_failure(_address_state(address), now))
        await session.flush()
        return InvalidCredentials()

    _store_account(account, throttle.after_success(_account_state(account)))
    await session.flush()
    await _forget_if_empty(session, account)
    await _forget_if_empty(session, address)
    if stored_hash is not None and needs_rehash(stored_hash):
        user.password_hash = await asyncio.to_thread(hash_password, password)
    company_id = await _company_to_sign_in_to(session, user)
    pair = await issue_token_pair(
        session, keyring, issuer=issuer, user_id=user.id, company_id=company_id
    )
    user.last_company_id = company_id
    await session.flush()
    return pair


async def login(
    factory: async_sessionmaker[AsyncSession],
    keyring: KeyRing,
    *,
    email: str,
    password: str,
    client_host: str,
    issuer: str,
) -> TokenPair:
    """Sign in: a token pair for the only or last-used company (issue 4).

    Runs its own transaction: the throttle's counts of a refused attempt are committed before
    :class:`InvalidCredentials` (401), :class:`AccountLocked` (423) or
    :class:`TooManySignInAttempts` (429) is raised. No answer is delayed on purpose.
    """
    async with unit_of_work(factory) as session:
        outcome = await _attempt_login(
            session,
            keyring,
            email=email,
            password=password,
            client_host=client_host,
            issuer=issuer,
        )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


# --- refresh, sign-out -------------------------------------------------------------------------


async def refresh_session(
    factory: async_sessionmaker[AsyncSession], keyring: KeyRing, *, refresh_token: str, issuer: str
) -> TokenPair:
    """Trade a refresh token for a new pair (its own transaction: a reuse's revocation stays)."""
    return await refresh(factory, keyring, refresh_token, issuer=issuer)


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    """Sign out: revoke the refresh token's family. An unknown token is no error (the answer
    is the same: nothing to tell a caller who holds no session)."""
    await revoke_refresh_token(session, refresh_token)


# --- me --------------------------------------------------------------------------------------


async def me(session: AsyncSession, *, claims: AccessClaims) -> MeRead:
    """The signed-in user, their companies with their roles, and the active company.

    ``session`` acts for the token's company and user (TenantSession): row-level security lets
    it see the user's own memberships and the companies they belong to, nothing more.
    """
    user = await session.get(User, claims.user_id)
    if user is None:  # deleted since the token was issued
        raise Unauthenticated()
    rows = await session.execute(
        select(Company.id, Company.name, Membership.role)
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.user_id == user.id)
        .order_by(Company.name, Company.id)
    )
    return MeRead(
        user=UserRead(
            id=user.id,
            email=user.email,
            name=user.name,
            email_verified=user.email_verified_at is not None,
        ),
        companies=[
            CompanyMembershipRead(id=company_id, name=name, role=role)
            for company_id, name, role in rows.all()
        ],
        active_company_id=claims.company_id,
    )


async def switch_company(
    session: AsyncSession,
    keyring: KeyRing,
    *,
    claims: AccessClaims,
    company_id: uuid.UUID,
    issuer: str,
) -> TokenPair:
    """A new token pair (a new session family) acting for ``company_id``, remembered as the
    last-used company. A company the user does not belong to is :class:`NotFound` (404, as for
    any other company's resource). The current session is left as it is; sign it out with its
    refresh token if it is no longer wanted."""
    try:
        pair = await issue_token_pair(
            session, keyring, issuer=issuer, user_id=claims.user_id, company_id=company_id
        )
    except NotAMember:
        raise NotFound() from None
    user = await session.get(User, claims.user_id)
    if user is None:
        raise Unauthenticated()
    user.last_company_id = company_id
    await session.flush()
    return pair
