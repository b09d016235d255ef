"""Passwords and e-mail addresses: argon2id hashing, the password policy, e-mail normalisation.

Pure rules, no I/O (issue 4, "Accounts and sessions"). Sources named below:

- OWASP Password Storage Cheat Sheet (argon2id and its parameters),
- NIST SP 800-63B-4 §3.1.1.2 (password length, no composition rules, blocklist, Unicode),
- RFC 9106 (Argon2).

Hashing
    :data:`HASHER` is argon2id with OWASP's recommended configuration ``m=19 MiB, t=2, p=1``
    (:data:`ARGON2_PARAMETERS`). Measured on the 2-core development machine (AMD EPYC, another
    process using about one core, argon2-cffi 25.1), one verification takes a median 24 ms alone,
    48 ms with 2 at once and about 100 ms with 4 at once (throughput about 40 a second). RFC 9106's
    second recommendation (m=64 MiB, t=3) took 150-190 ms alone and 650-950 ms with 4 at once,
    which would break the issue's "no answer is delayed by more than a second" with a handful of
    simultaneous sign-ins on such a machine -- and every sign-in hashes, even for an unknown
    e-mail. Through :func:`verify_password`, a right password, a wrong one and an unknown
    e-mail (the dummy hash) each took a median 25-28 ms, alike. Raising the cost later is one
    line here: :func:`needs_rehash` tells the sign-in service to store a new hash the next time
    the user signs in.

    Passwords are NFKC-normalised before hashing and comparing (NIST SP 800-63B-4: "SHOULD apply
    the Normalization Process for Stabilized Strings using either NFKC or NFKD"), so an "ä" typed
    as one code point on one device and as "a" + combining diaeresis on another is the same
    password. Each code point counts as one character.

Policy (:func:`check_password`), for every new password (sign-up, change, reset)
    - at least :data:`MIN_LENGTH` = 15 characters. NIST SP 800-63B-4 requires 15 when the password
      is the only factor (8 only as part of multi-factor authentication); until two-factor
      authentication arrives (a later issue) a Laskutin password is the only factor, and the
      account holds a company's customers, bank details and money. A passphrase of three or four
      words passes easily;
    - at most :data:`MAX_LENGTH` = 256 characters (NIST: allow at least 64), which bounds the
      work per request; never truncated;
    - no composition rules (NIST: "SHALL NOT impose other composition rules");
    - not one of zxcvbn's 30,000 most common passwords, in any letter case (NIST: blocklist of
      commonly used passwords);
    - not only a repeated or sequential pattern (``aaaa…``, ``abcabc…``, ``123456789012345``), and
      not a shorter password repeated (NIST: "repetitive or sequential characters");
    - not containing the service's name, the user's e-mail address (its local part or a piece of
      it) or the user's name, when that word has at least :data:`MIN_CONTEXT_WORD` = 4
      characters (NIST: "context-specific words, such as the name of the service, the
      username"). Shorter words ("Jo", "al") would refuse too many good passwords.

E-mail addresses (:func:`normalise_email`)
    email-validator checks the syntax (no DNS here: ``check_deliverability=False``) and gives the
    normalised form: surrounding white space removed, Unicode NFC, the domain lower-cased (and
    IDNA-decoded: ``xn--4cab6c.fi`` becomes ``åäö.fi``). The local part keeps the case the user
    typed: RFC 5321 lets a mail server treat it case-sensitively, so mail goes out exactly as
    given. Identity is case-insensitive: the users table has a unique index on ``lower(email)``
    and :func:`email_lookup_key` is that same lower-cased form for lookups and counters.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import re
import secrets
import unicodedata
from collections.abc import Iterator
from typing import Final

import email_validator
from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

from laskutin.core.errors import RuleViolation

__all__ = [
    "ARGON2_PARAMETERS",
    "HASHER",
    "MAX_LENGTH",
    "MIN_CONTEXT_WORD",
    "MIN_LENGTH",
    "SERVICE_NAME",
    "InvalidEmail",
    "PasswordCommon",
    "PasswordContainsEmail",
    "PasswordContainsName",
    "PasswordContainsServiceName",
    "PasswordRejected",
    "PasswordRepetitive",
    "PasswordTooLong",
    "PasswordTooShort",
    "check_password",
    "dummy_hash",
    "email_lookup_key",
    "hash_new_password",
    "hash_password",
    "is_common_password",
    "needs_rehash",
    "normalise_email",
    "normalise_password",
    "verify_password",
]

log = logging.getLogger(__name__)

# --- hashing ---------------------------------------------------------------------------------

# OWASP Password Storage Cheat Sheet: "Use Argon2id with a minimum configuration of 19 MiB of
# memory, an iteration count of 2, and 1 degree of parallelism." Salt 16 bytes and tag 32 bytes
# as RFC 9106 §4 recommends. Measured: 24 ms median per hash here (see the module docstring).
ARGON2_PARAMETERS: Final = Parameters(
    type=Type.ID,
    version=19,
    salt_len=16,
    hash_len=32,
    time_cost=2,
    memory_cost=19 * 1024,  # KiB
    parallelism=1,
)

HASHER: Final = PasswordHasher.from_parameters(ARGON2_PARAMETERS)


def normalise_password(password: str) -> str:
    """The password as hashed and measured: Unicode NFKC (NIST SP 800-63B-4 §3.1.1.2)."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str, *, hasher: PasswordHasher = HASHER) -> str:
    """An argon2id hash (PHC string) of the NFKC-normalised password (OWASP Password Storage).

    Applies no policy: call :func:`check_password` first for a new password, or use
    :func:`hash_new_password` which does both.
    """
    return hasher.hash(normalise_password(password))


def verify_password(
    stored_hash: str | None, password: str, *, hasher: PasswordHasher = HASHER
) -> bool:
    """Whether ``password`` matches ``stored_hash``; comparison in constant time by argon2.

    With no hash (the e-mail is unknown, or the user signs in only through an external
    provider) this verifies against :func:`dummy_hash` and answers False, so that unknown and
    known e-mails cost the same time (issue 4: "Answers never reveal whether an e-mail is
    registered"). A stored hash that argon2 cannot read is also False, after the same work.
    """
    candidate = normalise_password(password)
    if stored_hash is None:
        _verify_dummy(candidate, hasher)
        return False
    try:
        return hasher.verify(stored_hash, candidate)
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError):
        # A damaged or foreign hash: refuse, spend the usual time, and leave a trace for the
        # operator (without the hash or the password).
        log.error("a stored password hash could not be read by argon2")
        _verify_dummy(candidate, hasher)
        return False


def needs_rehash(stored_hash: str, *, hasher: PasswordHasher = HASHER) -> bool:
    """Whether ``stored_hash`` was made with other parameters than ``hasher``'s (or is not
    argon2id at all): after a successful sign-in the service stores a new hash (OWASP Password
    Storage Cheat Sheet, "Upgrading the work factor").
    """
    try:
        return hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def dummy_hash(hasher: PasswordHasher = HASHER) -> str:
    """A hash of a random password, made with ``hasher``'s parameters, to verify against when
    there is no user: unknown e-mails take as long as known ones (issue 4).
    """
    return _dummy_hash(
        hasher.type,
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
        hasher.hash_len,
        hasher.salt_len,
    )


@functools.cache
def _dummy_hash(
    kind: Type, time_cost: int, memory_cost: int, parallelism: int, hash_len: int, salt_len: int
) -> str:
    hasher = PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=hash_len,
        salt_len=salt_len,
        type=kind,
    )
    return hasher.hash(secrets.token_urlsafe(32))


def _verify_dummy(candidate: str, hasher: PasswordHasher) -> None:
    with contextlib.suppress(VerificationError):
        hasher.verify(dummy_hash(hasher), candidate)


# Made when the module is imported, so the first sign-in for an unknown e-mail does not pay
# for making it (that would make the first unknown e-mail slower than a known one).
dummy_hash()


# --- policy errors ---------------------------------------------------------------------------


class PasswordRejected(RuleViolation):
    """A new password that the policy refuses; always ``field="password"``.

    The password itself is never a parameter: errors end up in logs and problem details.
    """

    code = "password-rejected"
    messages = {
        "fi": "Salasana ei kelpaa. Valitse toinen.",
        "sv": "Lösenordet duger inte. Välj ett annat.",
        "en": "This password cannot be used. Choose another one.",
    }

    def __init__(self, **params: object) -> None:
        super().__init__(field="password", **params)


class PasswordTooShort(PasswordRejected):
    code = "password-too-short"
    messages = {
        "fi": (
            "Salasanassa on oltava vähintään {min_length} merkkiä. Muutaman sanan lause on "
            "helppo muistaa."
        ),
        "sv": (
            "Lösenordet måste ha minst {min_length} tecken. En mening med några ord är lätt "
            "att komma ihåg."
        ),
        "en": (
            "The password must have at least {min_length} characters. A sentence of a few "
            "words is easy to remember."
        ),
    }


class PasswordTooLong(PasswordRejected):
    code = "password-too-long"
    messages = {
        "fi": "Salasanassa saa olla enintään {max_length} merkkiä.",
        "sv": "Lösenordet får ha högst {max_length} tecken.",
        "en": "The password can have at most {max_length} characters.",
    }


class PasswordCommon(PasswordRejected):
    code = "password-common"
    messages = {
        "fi": "Tämä salasana on yleisesti käytetty ja helppo arvata. Valitse toinen.",
        "sv": "Det här lösenordet är vanligt och lätt att gissa. Välj ett annat.",
        "en": "This password is commonly used and easy to guess. Choose another one.",
    }


class PasswordRepetitive(PasswordRejected):
    code = "password-repetitive"
    messages = {
        "fi": (
            "Salasana on pelkkää toistoa tai peräkkäisiä merkkejä (kuten aaaa tai 1234). "
            "Valitse toinen."
        ),
        "sv": (
            "Lösenordet är bara upprepningar eller tecken i följd (som aaaa eller 1234). "
            "Välj ett annat."
        ),
        "en": (
            "The password is only a repetition or a run of characters (like aaaa or 1234). "
            "Choose another one."
        ),
    }


class PasswordContainsServiceName(PasswordRejected):
    code = "password-contains-service-name"
    messages = {
        "fi": "Salasana ei saa sisältää palvelun nimeä ({service}).",
        "sv": "Lösenordet får inte innehålla tjänstens namn ({service}).",
        "en": "The password must not contain the name of the service ({service}).",
    }


class PasswordContainsEmail(PasswordRejected):
    code = "password-contains-email"
    messages = {
        "fi": "Salasana ei saa sisältää sähköpostiosoitettasi tai sen osaa.",
        "sv": "Lösenordet får inte innehålla din e-postadress eller en del av den.",
        "en": "The password must not contain your e-mail address or part of it.",
    }


class PasswordContainsName(PasswordRejected):
    code = "password-contains-name"
    messages = {
        "fi": "Salasana ei saa sisältää nimeäsi.",
        "sv": "Lösenordet får inte innehålla ditt namn.",
        "en": "The password must not contain your name.",
    }


class InvalidEmail(RuleViolation):
    """An e-mail address that is not a valid address; always ``field="email"``.

    email-validator's explanation (English only) is kept in ``reason`` for logs, not shown.
    """

    code = "email-invalid"
    messages = {
        "fi": "Sähköpostiosoite ei kelpaa. Tarkista se (esimerkiksi nimi@yritys.fi).",
        "sv": "E-postadressen är ogiltig. Kontrollera den (till exempel namn@foretag.fi).",
        "en": "The e-mail address is not valid. Check it (for example name@company.fi).",
    }

    def __init__(self, reason: str = "") -> None:
        super().__init__(field="email")
        self.reason = reason


# --- policy ----------------------------------------------------------------------------------

MIN_LENGTH: Final = 15
MAX_LENGTH: Final = 256
MIN_CONTEXT_WORD: Final = 4
SERVICE_NAME: Final = "laskutin"

_COMMON_PASSWORDS: Final[frozenset[str]] = frozenset(
    str(word).casefold() for word in FREQUENCY_LISTS["passwords"]
)
_WORD_SEPARATORS: Final = re.compile(r"[\s._+\-'’]+")


def is_common_password(password: str) -> bool:
    """Whether the password, in any letter case, is one of zxcvbn's 30,000 most common
    passwords (NIST SP 800-63B-4: compare against a blocklist of commonly used passwords).
    """
    return normalise_password(password).casefold() in _COMMON_PASSWORDS


def check_password(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Refuse a new password that breaks the policy (NIST SP 800-63B-4 §3.1.1.2; issue 4:
    "minimum length and a check against a list of common passwords"); see the module docstring.

    ``email`` and ``name`` are the account's, when known: a password containing them (or the
    service's name) is refused. Raises a :class:`PasswordRejected` subclass; returns nothing.
    """
    if len(password) > MAX_LENGTH:  # before normalising: bound the work on hostile input
        raise PasswordTooLong(max_length=MAX_LENGTH)
    normalised = normalise_password(password)
    if len(normalised) > MAX_LENGTH:
        raise PasswordTooLong(max_length=MAX_LENGTH)
    if len(normalised) < MIN_LENGTH:
        raise PasswordTooShort(min_length=MIN_LENGTH)
    folded = normalised.casefold()
    if folded in _COMMON_PASSWORDS:
        raise PasswordCommon()
    if _is_repetitive(folded):
        raise PasswordRepetitive()
    if SERVICE_NAME in folded:
        raise PasswordContainsServiceName(service=SERVICE_NAME.capitalize())
    if email is not None and any(word in folded for word in _email_words(email)):
        raise PasswordContainsEmail()
    if name is not None and any(word in folded for word in _name_words(name)):
        raise PasswordContainsName()


def hash_new_password(
    password: str,
    *,
    email: str | None = None,
    name: str | None = None,
    hasher: PasswordHasher = HASHER,
) -> str:
    """:func:`check_password`, then :func:`hash_password`: what sign-up, password change and
    password reset store.
    """
    check_password(password, email=email, name=name)
    return hash_password(password, hasher=hasher)


def _is_repetitive(folded: str) -> bool:
    """A shorter string repeated (``abcabc…``; a unit shorter than :data:`MIN_LENGTH` adds
    almost nothing by repetition), or a run with a constant step of one (``abcdef…``,
    ``987654…``, digits wrapping round as in ``1234567890123``).
    """
    length = len(folded)
    for unit in range(1, min(length // 2, MIN_LENGTH - 1) + 1):
        if length % unit == 0 and folded == folded[:unit] * (length // unit):
            return True
    if length < 3:
        return False
    if folded.isdigit() and folded.isascii():
        steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(folded)}
        return steps in ({1}, {9})
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(folded)}
    return steps in ({1}, {-1})


def _context_words(text: str) -> Iterator[str]:
    """The whole text without separators, and each of its words, that are long enough."""
    folded = normalise_password(text).casefold()
    words = [word for word in _WORD_SEPARATORS.split(folded) if word]
    for word in ("".join(words), *words):
        if len(word) >= MIN_CONTEXT_WORD:
            yield word


def _email_words(email: str) -> list[str]:
    local_part = email.strip().rpartition("@")[0] or email.strip()
    return list(_context_words(local_part))


def _name_words(name: str) -> list[str]:
    return list(_context_words(name))


# --- e-mail addresses ------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """The address in its stored form, or :class:`InvalidEmail` (issue 4, sign-up).

    Syntax by email-validator without DNS (``check_deliverability=False``): no display names,
    quoted local parts, IP-literal or special-use domains (``localhost``, ``.test``). Surrounding
    white space is removed, the domain lower-cased and IDNA-normalised, the local part keeps
    its case (see the module docstring).
    """
    try:
        validated = email_validator.validate_email(email.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise InvalidEmail(reason=str(exc)) from None
    return validated.normalized


def email_lookup_key(email: str) -> str:
    """The case-insensitive identity of an address: the normalised address lower-cased, as
    the ``lower(email)`` unique index on users compares. For input that is not a valid
    address (a sign-in with a typo), the trimmed input lower-cased, so it still has one key.
    """
    try:
        return normalise_email(email).lower()
    except InvalidEmail:
        return email.strip().lower()
