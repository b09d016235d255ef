"""Passwords: argon2id hashing, the policy (NIST SP 800-63B-4), e-mail normalisation (issue 4)."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from string import Formatter
from typing import Literal

import pytest
from argon2 import PasswordHasher, Type
from hypothesis import given
from hypothesis import strategies as st

from laskutin.auth import passwords
from laskutin.auth.passwords import (
    HASHER,
    MAX_LENGTH,
    MIN_LENGTH,
    InvalidEmail,
    PasswordCommon,
    PasswordContainsEmail,
    PasswordContainsName,
    PasswordContainsServiceName,
    PasswordRejected,
    PasswordRepetitive,
    PasswordTooLong,
    PasswordTooShort,
    check_password,
    dummy_hash,
    email_lookup_key,
    hash_new_password,
    hash_password,
    is_common_password,
    needs_rehash,
    normalise_email,
    verify_password,
)
from laskutin.core.errors import RuleViolation

GOOD = "kolme iloista kissaa kävelee"  # a passphrase: 28 characters, nothing common in it
# Cheap parameters, only to make hashes that differ from HASHER's.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


# --- hashing ---------------------------------------------------------------------------------


def test_hasher_uses_owasp_argon2id_parameters() -> None:
    assert HASHER.type is Type.ID
    assert (HASHER.memory_cost, HASHER.time_cost, HASHER.parallelism) == (19 * 1024, 2, 1)
    assert (HASHER.salt_len, HASHER.hash_len) == (16, 32)


def test_hash_round_trip_is_argon2id() -> None:
    stored = hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert GOOD not in stored
    assert verify_password(stored, GOOD)


def test_each_hash_has_its_own_salt() -> None:
    assert hash_password(GOOD) != hash_password(GOOD)


def test_wrong_password_does_not_verify() -> None:
    stored = hash_password(GOOD)
    assert not verify_password(stored, GOOD + " ")
    assert not verify_password(stored, GOOD.upper())
    assert not verify_password(stored, "")


def test_unicode_forms_of_one_password_are_the_same_password() -> None:
    composed = unicodedata.normalize("NFC", "Hämeenlinnan äänekäs öljylamppu")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(hash_password(decomposed), composed)
    assert verify_password(hash_password(composed), decomposed)


def test_needs_rehash_after_parameters_change() -> None:
    assert not needs_rehash(hash_password(GOOD))
    old = hash_password(GOOD, hasher=CHEAP)
    assert needs_rehash(old)
    assert not needs_rehash(old, hasher=CHEAP)
    # A hash made with the old parameters still verifies, so the user can sign in and be rehashed.
    assert verify_password(old, GOOD)


def test_needs_rehash_for_other_argon2_variants_and_unreadable_hashes() -> None:
    argon2i = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.I).hash(
        GOOD
    )
    assert needs_rehash(argon2i)
    assert needs_rehash("not a hash")


class CountingHasher(PasswordHasher):
    """The cheap parameters, counting verifications (and which hashes they used)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


def test_unknown_email_does_the_same_work_as_a_known_one() -> None:
    """No hash (unknown e-mail): one argon2 verification all the same, with the same parameters."""
    hasher = CountingHasher()
    assert not verify_password(None, GOOD, hasher=hasher)
    assert hasher.verified == [dummy_hash(hasher)]
    known = hash_password(GOOD, hasher=hasher)
    assert not verify_password(known, "wrong password here", hasher=hasher)
    assert len(hasher.verified) == 2
    assert _parameters(hasher.verified[0]) == _parameters(hasher.verified[1])


def test_dummy_hash_matches_the_hasher_and_is_made_once() -> None:
    assert _parameters(dummy_hash()) == _parameters(hash_password(GOOD))
    assert dummy_hash() == dummy_hash()
    assert _parameters(dummy_hash(CHEAP)) == _parameters(hash_password(GOOD, hasher=CHEAP))
    assert not verify_password(None, "")


def test_unreadable_stored_hash_is_refused_after_the_same_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hasher = CountingHasher()
    with caplog.at_level(logging.ERROR, logger=passwords.__name__):
        assert not verify_password("$argon2id$garbage", GOOD, hasher=hasher)
    assert hasher.verified[-1] == dummy_hash(hasher)
    assert "could not be read" in caplog.text
    assert GOOD not in caplog.text


def _parameters(stored: str) -> str:
    """``$argon2id$v=19$m=…,t=…,p=…``: everything but the salt and the tag."""
    return "$".join(stored.split("$")[:4])


# --- policy ----------------------------------------------------------------------------------

POLICY_ERRORS: list[type[RuleViolation]] = [
    PasswordRejected,
    PasswordTooShort,
    PasswordTooLong,
    PasswordCommon,
    PasswordRepetitive,
    PasswordContainsServiceName,
    PasswordContainsEmail,
    PasswordContainsName,
    InvalidEmail,
]


def test_every_error_of_the_module_is_listed_here() -> None:
    defined = {
        value
        for value in vars(passwords).values()
        if isinstance(value, type) and issubclass(value, RuleViolation)
    }
    assert defined - {RuleViolation} == set(POLICY_ERRORS)


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@pytest.mark.parametrize("error", POLICY_ERRORS, ids=lambda cls: cls.code)
def test_three_languages_with_the_same_placeholders(error: type[RuleViolation]) -> None:
    assert set(error.messages) == {"fi", "sv", "en"}
    expected = _placeholders(error.messages["en"])
    for language in ("fi", "sv"):
        assert _placeholders(error.messages[language]) == expected, language
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", error.code)
    assert error.code != RuleViolation.code


def test_codes_are_unique() -> None:
    codes = [error.code for error in POLICY_ERRORS]
    assert len(codes) == len(set(codes))


REFUSALS: list[tuple[str, dict[str, str], type[PasswordRejected], dict[str, object]]] = [
    ("", {}, PasswordTooShort, {"min_length": 15}),
    ("lyhyt salasana", {}, PasswordTooShort, {"min_length": 15}),  # 14 characters
    ("x" * 256 + "y", {}, PasswordTooLong, {"max_length": 256}),
    ("QWERTYUIOP12345", {}, PasswordCommon, {}),
    ("PasswordStandard", {}, PasswordCommon, {}),
    ("1qaz2wsx3edc4rfv", {}, PasswordCommon, {}),
    ("aaaaaaaaaaaaaaaa", {}, PasswordRepetitive, {}),
    ("abcabcabcabcabcabc", {}, PasswordRepetitive, {}),
    ("PasswordPasswordPassword", {}, PasswordRepetitive, {}),
    ("abcdefghijklmnopq", {}, PasswordRepetitive, {}),
    ("ZYXWVUTSRQPONMLKJ", {}, PasswordRepetitive, {}),
    ("890123456789012345", {}, PasswordRepetitive, {}),
    ("987654321098765432", {}, PasswordRepetitive, {}),
    ("Laskutin on paras ohjelma", {}, PasswordContainsServiceName, {"service": "Laskutin"}),
    (
        "meikalainen rakastaa kahvia",
        {"email": "Matti.Meikalainen@esimerkki.fi"},
        PasswordContainsEmail,
        {},
    ),
    (
        "x-matti.meikalainen-2026",
        {"email": "matti.meikalainen@esimerkki.fi"},
        PasswordContainsEmail,
        {},
    ),
    ("MEIKÄLÄINEN tykkää kahvista", {"name": "Matti Meikäläinen"}, PasswordContainsName, {}),
    (
        "mattimeikäläinen on kotona",
        {"name": unicodedata.normalize("NFD", "Matti Meikäläinen")},
        PasswordContainsName,
        {},
    ),
]


@pytest.mark.parametrize(
    ("password", "context", "error", "params"),
    REFUSALS,
    ids=[f"{error.code}-{i}" for i, (_, _, error, _) in enumerate(REFUSALS)],
)
def test_policy_refusals(
    password: str,
    context: dict[str, str],
    error: type[PasswordRejected],
    params: dict[str, object],
) -> None:
    with pytest.raises(error) as caught:
        check_password(password, **context)
    refusal = caught.value
    assert type(refusal) is error
    assert refusal.code == error.code
    assert refusal.params == {"field": "password", **params}
    assert password not in refusal.params.values()
    for language in ("fi", "sv", "en"):
        text = refusal.message(language)
        assert text, language
        assert "{" not in text, (language, text)
        assert text == error.messages[language].format_map(refusal.params)
    assert str(refusal) == refusal.message("en")


def test_refusal_messages_read_well() -> None:
    refusal = PasswordTooShort(min_length=MIN_LENGTH)
    assert refusal.message("fi").startswith("Salasanassa on oltava vähintään 15 merkkiä.")
    assert refusal.message("sv").startswith("Lösenordet måste ha minst 15 tecken.")
    assert str(refusal).startswith("The password must have at least 15 characters.")
    assert PasswordTooLong(max_length=MAX_LENGTH).message("en") == (
        "The password can have at most 256 characters."
    )


def test_length_bounds_are_exact() -> None:
    check_password("k" * 7 + " " + "talo" + "ssa!")  # 16 characters
    check_password("pitkä ja hyvä!!")  # exactly 15
    with pytest.raises(PasswordTooShort):
        check_password("pitkä ja hyvä!")  # 14
    check_password(secrets.token_hex(MAX_LENGTH // 2))  # exactly 256
    with pytest.raises(PasswordTooLong):
        check_password(secrets.token_hex(MAX_LENGTH // 2) + "x")


def test_length_counts_code_points_after_normalisation() -> None:
    # 15 letters typed with combining marks (NFD) are 15 characters, not 18.
    password = unicodedata.normalize("NFD", "ääkkösiä löytyy")
    assert len(password) > MIN_LENGTH
    check_password(password)
    with pytest.raises(PasswordTooShort):
        check_password(unicodedata.normalize("NFD", "ääkkösiä löyty"))


def test_long_random_passwords_and_passphrases_are_accepted() -> None:
    for _ in range(20):
        check_password(secrets.token_urlsafe(24))
    check_password("correct horse battery staple")
    check_password("Tänään sataa lunta Helsingissä")
    check_password("correct-horse-battery-staple!" * 2)  # a long unit repeated is still long
    check_password("no composition rules at all")  # no digits, capitals or symbols needed


@pytest.mark.parametrize("variant", ["password", "PASSWORD", "PassWord", "pAsSwOrD"])
def test_common_passwords_in_any_case(variant: str) -> None:
    assert is_common_password(variant)


@pytest.mark.parametrize("variant", ["qwertyuiop12345", "QWERTYUIOP12345", "QwErTyUiOp12345"])
def test_long_common_password_refused_in_any_case(variant: str) -> None:
    with pytest.raises(PasswordCommon):
        check_password(variant)


def test_every_listed_password_is_common() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    listed = FREQUENCY_LISTS["passwords"]
    assert len(listed) == 30_000
    assert all(is_common_password(word.upper()) for word in listed)
    assert not is_common_password(GOOD)


def test_short_context_words_do_not_refuse() -> None:
    # "al" (e-mail) and "Jo" (name) are shorter than 4 characters: too common to refuse.
    check_password("valkoinen joulu talvella", email="al@esimerkki.fi", name="Jo Al")
    # A different person's name is fine.
    check_password("meikäläisen mökki järvellä", name="Anna Virtanen")


def test_email_pieces_are_context_words() -> None:
    with pytest.raises(PasswordContainsEmail):
        check_password("virtanen ja kumppanit oy", email="anna_virtanen+laskut@yritys.fi")
    # The domain is not the user's word.
    check_password("yritys menestyy hyvin nyt", email="anna_virtanen+laskut@yritys.fi")


def test_hash_new_password_checks_then_hashes() -> None:
    stored = hash_new_password(GOOD, email="matti@esimerkki.fi", name="Matti")
    assert verify_password(stored, GOOD)
    with pytest.raises(PasswordContainsName):
        hash_new_password("matti on paras kirjanpitäjä", name="Matti")


def _refusal(password: str) -> PasswordRejected | None:
    try:
        check_password(password, email="matti@esimerkki.fi", name="Matti Meikäläinen")
    except PasswordRejected as refusal:
        return refusal
    return None


@given(st.text(max_size=MAX_LENGTH + 20))
def test_policy_refuses_only_with_password_errors(password: str) -> None:
    """Any text: accepted, or refused with a password error; the length rules come first."""
    normalised = unicodedata.normalize("NFKC", password)
    refusal = _refusal(password)
    if refusal is None:
        assert MIN_LENGTH <= len(normalised) <= MAX_LENGTH
        return
    assert refusal.params["field"] == "password"
    if max(len(password), len(normalised)) > MAX_LENGTH:
        assert isinstance(refusal, PasswordTooLong)
    elif len(normalised) < MIN_LENGTH:
        assert isinstance(refusal, PasswordTooShort)
    else:
        assert not isinstance(refusal, PasswordTooShort | PasswordTooLong)


# --- e-mail addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_email", "expected"),
    [
        ("matti@esimerkki.fi", "matti@esimerkki.fi"),
        ("Matti.Meikalainen@Esimerkki.FI", "Matti.Meikalainen@esimerkki.fi"),
        ("  matti@esimerkki.fi \n", "matti@esimerkki.fi"),
        ("matti+laskut@esimerkki.fi", "matti+laskut@esimerkki.fi"),
        ("mäkinen@esimerkki.fi", "mäkinen@esimerkki.fi"),
        (unicodedata.normalize("NFD", "mäkinen@esimerkki.fi"), "mäkinen@esimerkki.fi"),
        ("matti@ÅÄÖ.fi", "matti@åäö.fi"),
        ("matti@xn--4cab6c.fi", "matti@åäö.fi"),
    ],
)
def test_normalise_email(given_email: str, expected: str) -> None:
    assert normalise_email(given_email) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "matti",
        "matti@",
        "@esimerkki.fi",
        "matti@esimerkki",
        "matti@@esimerkki.fi",
        "matti meikäläinen@esimerkki.fi",
        "Matti <matti@esimerkki.fi>",
        '"matti m"@esimerkki.fi',
        "matti@[192.0.2.1]",
        "matti@localhost",
        "matti@esimerkki.test",
        "matti@esimerkki..fi",
        "a" * 250 + "@esimerkki.fi",
    ],
)
def test_invalid_email_refused_with_field_and_three_languages(bad: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalise_email(bad)
    refusal = caught.value
    assert refusal.code == "email-invalid"
    assert refusal.params == {"field": "email"}
    assert refusal.reason  # email-validator's explanation, for logs
    assert refusal.message("fi").startswith("Sähköpostiosoite ei kelpaa.")
    assert refusal.message("sv").startswith("E-postadressen är ogiltig.")
    assert str(refusal).startswith("The e-mail address is not valid.")


def test_lookup_key_is_case_insensitive_like_the_database() -> None:
    keys = {
        email_lookup_key(email)
        for email in ("Matti@Esimerkki.fi", "matti@esimerkki.fi", " MATTI@ESIMERKKI.FI ")
    }
    assert keys == {"matti@esimerkki.fi"}
    assert email_lookup_key("Mäkinen@ÅÄÖ.fi") == "mäkinen@åäö.fi"
    # Not an address (a sign-in with a typo) still has one key.
    assert email_lookup_key(" Matti@Esimerkki ") == "matti@esimerkki"
