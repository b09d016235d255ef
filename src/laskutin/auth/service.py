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

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth import limits, throttle, two_factor
from laskutin.auth.keys import KeyRing
from laskutin.auth.models import EmailToken, LoginThrottle, RefreshToken, User
from laskutin.auth.passwords import (
    PasswordRejected,
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
    hash_refresh_token,
    issue_token_pair,
    refresh,
    revoke_refresh_token,
)
from laskutin.companies.domain import Role
from laskutin.companies.models import Company, Membership
from laskutin.core import clock, ratelimit
from laskutin.core.db import unit_of_work
from laskutin.core.errors import (
    DomainError,
    Locked,
    NotFound,
    PermissionDenied,
    RuleViolation,
    TooManyRequests,
    Unauthenticated,
)
from laskutin.core.hashing import token_digest
from laskutin.core.i18n import DEFAULT_LANGUAGE, Language
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from laskutin.jobs.queue import enqueue

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


class TooManySignups(TooManyRequests):
    """Too many sign-ups from this client address (auth/limits.py): 429 with Retry-After."""

    code = "too-many-signups"


class TooManyPasswordResets(TooManyRequests):
    """Too many password reset requests from this client address: 429 with Retry-After."""

    code = "too-many-password-resets"


class TooManyVerificationMails(TooManyRequests):
    """The verification mail was asked for too often: 429 with Retry-After."""

    code = "too-many-verification-mails"


class TooManyPasswordGuesses(TooManyRequests):
    """Too many wrong current passwords in a password change: 429 with Retry-After."""

    code = "too-many-password-guesses"


# --- sign-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecondFactorNeeded:
    """The password was right; the sign-in continues with a code (the challenge's token)."""

    challenge: str
    expires_in: int = int(two_factor.CHALLENGE_LIFETIME.total_seconds())


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
    session: AsyncSession,
    *,
    email: str,
    password: str,
    name: str,
    company_name: str,
    language: Language = DEFAULT_LANGUAGE,
    email_verified: bool = False,
    client_host: str | None = None,
) -> SignupResult:
    """Create the user, their first company and their ownership of it, atomically, and the
    verification mail's intent (:func:`request_email_token`) in the same transaction.

    Refuses a bad address (``email-invalid``, field ``email``) and a password the policy
    refuses (``password-*``, field ``password``) before anything is written. A registered
    address (in any letter case) creates nothing and answers like a new one; its owner gets a
    "someone tried to sign up with your address" mail instead (in ``language``, the
    requester's: the owner's own is not known), at most
    :data:`~laskutin.auth.limits.SIGNUP_NOTICES_PER_ACCOUNT` of them (then silently none).

    With ``client_host`` (the API's sign-up), at most
    :data:`~laskutin.auth.limits.SIGNUP_PER_ADDRESS` sign-ups per client address are let in;
    beyond it :class:`TooManySignups` (429), before anything is checked.
    """
    if client_host is not None:
        decision = await limits.SIGNUP_PER_ADDRESS.take(session, throttle.address_key(client_host))
        if not decision.allowed:
            raise TooManySignups(retry_after_seconds=decision.retry_after_seconds)
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
        owner_id = await session.scalar(
            select(User.id).where(func.lower(User.email) == email_lookup_key(address))
        )
        notice = (
            None
            if owner_id is None
            else await limits.SIGNUP_NOTICES_PER_ACCOUNT.take(
                session, throttle.account_key(address)
            )
        )
        if notice is not None and not notice.allowed:
            log.warning("sign-up notices for one address over their limit; no mail")
        elif owner_id is not None:
            await enqueue(
                session,
                SEND_ACCOUNT_MAIL,
                kind="signup_attempt",
                user_id=str(owner_id),
                notice_id=str(uuid.uuid4()),
                language=language,
            )
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
    if email_verified:  # demo data and trusted imports: no verification mail
        user.email_verified_at = clock.now()
        await session.flush()
    else:
        await request_email_token(session, user_id=user_id, purpose=VERIFY_EMAIL, language=language)
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
) -> TokenPair | SecondFactorNeeded | DomainError:
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
    user.last_company_id = company_id
    await session.flush()
    if await two_factor.is_enabled(session, user.id):
        token = await two_factor.create_challenge(session, user_id=user.id)
        return SecondFactorNeeded(challenge=token)
    return await issue_token_pair(
        session, keyring, issuer=issuer, user_id=user.id, company_id=company_id
    )


async def login(
    factory: async_sessionmaker[AsyncSession],
    keyring: KeyRing,
    *,
    email: str,
    password: str,
    client_host: str,
    issuer: str,
) -> TokenPair | SecondFactorNeeded:
    """Sign in: a token pair for the only or last-used company (issue 4), or, for a user with
    a second factor, a challenge to finish with a code (issue 8: laskutin.auth.two_factor).

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


# --- one-time e-mail links: verification, password reset -------------------------------------
#
# The request writes an ``email_tokens`` row (the intent: purpose, user, language, expiry) and
# enqueues ``auth.send_account_mail`` with the row's id, both in its own transaction. The job
# makes the token (256 random bits), stores its SHA-256 and sends the mail, in the job's
# transaction (laskutin.auth.tasks): the token is never in the queue's table (whose rows stay
# until pruned, and show in its tools), only in the mail. Following a link finds the row by the
# token's hash.

SEND_ACCOUNT_MAIL = "auth.send_account_mail"
VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a secret
# A verification link waits for the user to read their mail; a reset link is a password in
# the inbox, so it is short-lived (OWASP Forgot Password Cheat Sheet).
EMAIL_TOKEN_LIFETIMES = {
    VERIFY_EMAIL: dt.timedelta(days=7),
    RESET_PASSWORD: dt.timedelta(hours=1),
}


class EmailTokenInvalid(DomainError):
    """An unknown link token (or one for another purpose): 400."""

    code = "email-token-invalid"


class EmailTokenExpired(EmailTokenInvalid):
    code = "email-token-expired"


class EmailTokenUsed(EmailTokenInvalid):
    """The link was followed already: each works once."""

    code = "email-token-used"


class EmailNotVerified(PermissionDenied):
    """Production: nothing goes to customers from an unverified address (403)."""

    code = "email-not-verified"


class WrongCurrentPassword(RuleViolation):
    """Password change: the current password is wrong (422 naming ``current_password``)."""

    code = "current-password-wrong"
    messages = {
        "fi": "Nykyinen salasana on väärin.",
        "sv": "Det nuvarande lösenordet är fel.",
        "en": "The current password is wrong.",
    }

    def __init__(self) -> None:
        super().__init__(field="current_password")


def hash_email_token(token: str) -> str:
    """Hex SHA-256: the token has 256 random bits, so no salt or stretching is needed."""
    return token_digest(token)


def require_verified_email(user: User, settings: Settings) -> None:
    """Refuse to send anything to customers for a user whose address is not verified, in
    production (issue 4). In development and test (what ``make run`` starts) it blocks
    nothing. Raises :class:`EmailNotVerified` (403)."""
    if user.email_verified_at is None and not settings.is_development:
        raise EmailNotVerified()


async def request_email_token(
    session: AsyncSession, *, user_id: uuid.UUID, purpose: str, language: Language
) -> uuid.UUID:
    """Write a link's intent and enqueue its mail, in the session's transaction."""
    now = clock.now()
    row = EmailToken(
        id=uuid.uuid4(),
        purpose=purpose,
        user_id=user_id,
        language=language,
        created_at=now,
        expires_at=now + EMAIL_TOKEN_LIFETIMES[purpose],
    )
    session.add(row)
    await session.flush()
    await enqueue(session, SEND_ACCOUNT_MAIL, kind=purpose, token_id=str(row.id))
    return row.id


async def _take_email_token(session: AsyncSession, token: str, purpose: str) -> EmailToken:
    """The link's row, locked and marked used; :class:`EmailTokenInvalid` and its kinds."""
    row = await session.scalar(
        select(EmailToken)
        .where(EmailToken.token_hash == hash_email_token(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.purpose != purpose:
        raise EmailTokenInvalid()
    if row.used_at is not None:
        raise EmailTokenUsed()
    now = clock.now()
    if row.expires_at <= now:
        raise EmailTokenExpired()
    row.used_at = now
    return row


async def verify_email(session: AsyncSession, *, token: str) -> None:
    """Follow a verification link: the address is verified (once; the link works once)."""
    row = await _take_email_token(session, token, VERIFY_EMAIL)
    user = await session.get_one(User, row.user_id, with_for_update=True)
    if user.email_verified_at is None:
        user.email_verified_at = row.used_at
    await session.flush()


async def resend_verification(
    session: AsyncSession, *, claims: AccessClaims, language: Language
) -> None:
    """A new verification mail, unless the address is verified already (same answer). At
    most :data:`~laskutin.auth.limits.VERIFICATION_RESEND_PER_USER` requests are let in (each
    counts, mail or not); beyond it :class:`TooManyVerificationMails` (429)."""
    decision = await limits.VERIFICATION_RESEND_PER_USER.take(session, str(claims.user_id))
    if not decision.allowed:
        raise TooManyVerificationMails(retry_after_seconds=decision.retry_after_seconds)
    user = await session.get(User, claims.user_id)
    if user is None:
        raise Unauthenticated()
    if user.email_verified_at is None:
        await request_email_token(session, user_id=user.id, purpose=VERIFY_EMAIL, language=language)


async def request_password_reset(
    session: AsyncSession, *, email: str, language: Language, client_host: str | None = None
) -> None:
    """Mail a reset link to a registered address; an unknown one gets nothing, and the caller
    the same answer. A malformed address is refused (``email-invalid``), registered or not.

    With ``client_host``, at most :data:`~laskutin.auth.limits.PASSWORD_RESET_PER_ADDRESS`
    requests per client address are let in; beyond it :class:`TooManyPasswordResets` (429),
    decided before the address is looked up. An account gets at most
    :data:`~laskutin.auth.limits.RESET_MAILS_PER_ACCOUNT` reset mails; beyond it none, with
    the same answer (a refusal would tell that the address is registered)."""
    if client_host is not None:
        decision = await limits.PASSWORD_RESET_PER_ADDRESS.take(
            session, throttle.address_key(client_host)
        )
        if not decision.allowed:
            raise TooManyPasswordResets(retry_after_seconds=decision.retry_after_seconds)
    address = normalise_email(email)
    user_id = await session.scalar(
        select(User.id).where(func.lower(User.email) == email_lookup_key(address))
    )
    if user_id is None:
        log.info("password reset asked for an unregistered address; no mail")
        return
    mails = await limits.RESET_MAILS_PER_ACCOUNT.take(session, throttle.account_key(address))
    if not mails.allowed:
        log.warning("password reset mails for one account over their limit; no mail")
        return
    await request_email_token(session, user_id=user_id, purpose=RESET_PASSWORD, language=language)


async def _end_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, keep_family: uuid.UUID | None = None
) -> None:
    """Revoke every refresh-token family of the user (all but ``keep_family``)."""
    statement = update(RefreshToken).where(
        RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )
    if keep_family is not None:
        statement = statement.where(RefreshToken.family_id != keep_family)
    await session.execute(
        statement.values(revoked_at=clock.now()).execution_options(synchronize_session=False)
    )


async def confirm_password_reset(session: AsyncSession, *, token: str, password: str) -> None:
    """Follow a reset link with a new password: the password is set (the policy applies), the
    link and every other unused reset link of the user are spent, every session ends, and the
    account's sign-in throttle starts afresh. Following the link also proves the address."""
    row = await _take_email_token(session, token, RESET_PASSWORD)
    user = await session.get_one(User, row.user_id, with_for_update=True)
    check_password(password, email=user.email, name=user.name)
    user.password_hash = await asyncio.to_thread(hash_password, password)
    if user.email_verified_at is None:
        user.email_verified_at = row.used_at
    await session.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == user.id,
            EmailToken.purpose == RESET_PASSWORD,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=row.used_at)
        .execution_options(synchronize_session=False)
    )
    await _end_sessions(session, user.id)
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.scope == ACCOUNT_SCOPE,
            LoginThrottle.key == throttle.account_key(user.email),
        )
    )
    await session.flush()


async def count_password_guess(
    factory: async_sessionmaker[AsyncSession], *, user_id: uuid.UUID
) -> None:
    """Count one check of the user's current password, in a transaction of its own that is
    committed at once: :class:`TooManyPasswordGuesses` (429) beyond
    :data:`~laskutin.auth.limits.PASSWORD_GUESSES_PER_USER`. Counted before the check (like
    sign-in's throttle), so concurrent guesses on any replica cannot exceed the limit, and a
    wrong guess's 422 (which rolls the request back) does not undo the count. Call it before
    the request's own session holds a connection: one request never holds two."""
    async with unit_of_work(factory) as counting:
        decision = await limits.PASSWORD_GUESSES_PER_USER.take(counting, str(user_id))
    if not decision.allowed:
        raise TooManyPasswordGuesses(retry_after_seconds=decision.retry_after_seconds)


async def change_password(
    session: AsyncSession,
    *,
    claims: AccessClaims,
    current_password: str,
    new_password: str,
    refresh_token: str | None = None,
) -> None:
    """Change the password of the signed-in user: the current one must be right
    (:class:`WrongCurrentPassword`), the new one passes the policy. Every other session ends;
    the one ``refresh_token`` belongs to (when given, and the user's) stays.

    The API counts the attempt first (:func:`count_password_guess`, before this session
    takes a connection); a change that succeeds forgets the count in its transaction, so only
    failed attempts add up (a wrong current password, or a new one the policy refuses)."""
    user = await session.get(User, claims.user_id, with_for_update=True)
    if user is None:
        raise Unauthenticated()
    if not await asyncio.to_thread(verify_password, user.password_hash, current_password):
        raise WrongCurrentPassword()
    try:
        check_password(new_password, email=user.email, name=user.name)
    except PasswordRejected as exc:
        exc.params = {**exc.params, "field": "new_password"}  # this request's field
        raise
    user.password_hash = await asyncio.to_thread(hash_password, new_password)
    keep: uuid.UUID | None = None
    if refresh_token is not None:
        keep = await session.scalar(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == hash_refresh_token(refresh_token),
                RefreshToken.user_id == user.id,
            )
        )
    await _end_sessions(session, user.id, keep_family=keep)
    await ratelimit.reset(session, scope=limits.PASSWORD_GUESSES_PER_USER.scope, key=str(user.id))
    await session.flush()
