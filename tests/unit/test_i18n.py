"""core/i18n.py: Accept-Language negotiation and the API's message table."""

from __future__ import annotations

from string import Formatter

import pytest

from laskutin.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, MESSAGES, negotiate_language, translate


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "fi"),
        ("", "fi"),
        ("fi", "fi"),
        ("sv", "sv"),
        ("en", "en"),
        ("EN", "en"),
        ("sv-FI", "sv"),
        ("fi-FI", "fi"),
        ("en-GB", "en"),
        ("en-US,en;q=0.9", "en"),
        ("de", "fi"),
        ("de-DE,fr;q=0.8", "fi"),
        ("*", "fi"),
        ("de, sv;q=0.5", "sv"),
        ("fi;q=0.5, sv;q=0.9, en;q=0.7", "sv"),
        ("en;q=0.2, sv-FI;q=0.8", "sv"),
        ("fi;q=0.9, en", "en"),  # no q means 1
        ("sv, en", "sv"),  # equal weights: the order given
        ("en;q=0, sv;q=0.1", "sv"),  # q=0 means "not this one"
        ("en;q=0", "fi"),
        ("en;q=bogus, sv;q=0.3", "sv"),
        (" en-GB ; q=0.8 , de ", "en"),
        ("garbage;;;,,,", "fi"),
        ("en;Q=0.1, sv;q=0.5", "sv"),  # parameter names are case-insensitive
        ("en;q = 0.1, sv;q=0.5", "sv"),
        ("en;level=1;q=0.1, sv;q=0.5", "sv"),  # q need not be the first parameter
        ("sv, en;q=7", "sv"),  # no weight is above 1: equal, so the order given decides
        ("en;q=nan, sv;q=0.5", "sv"),
    ],
)
def test_negotiate_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected


def test_default_language_is_finnish() -> None:
    assert DEFAULT_LANGUAGE == "fi"
    assert LANGUAGES == ("fi", "sv", "en")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_all_languages_and_the_same_placeholders(key: str) -> None:
    entry = MESSAGES[key]

    assert set(entry) == set(LANGUAGES), key
    for language in LANGUAGES:
        assert entry[language].strip(), (key, language)
    expected = _placeholders(entry["en"])
    for language in LANGUAGES:
        assert _placeholders(entry[language]) == expected, (key, language)


def test_every_problem_detail_has_a_title() -> None:
    for key in MESSAGES:
        if key.endswith(".detail"):
            assert key.removesuffix(".detail") in MESSAGES, key


def test_translate_fills_placeholders() -> None:
    assert translate("method-not-allowed.detail", "en", {"method": "PUT", "allowed": "GET"}) == (
        "This address does not support PUT. Allowed: GET."
    )
    assert translate("field.string_too_short", "sv", {"min_length": 3}) == "Minst 3 tecken."


def test_translate_leaves_missing_placeholders_visible() -> None:
    assert translate("field.string_too_short", "fi") == "Vähintään {min_length} merkkiä."


def test_translate_does_not_interpret_braces_in_values() -> None:
    result = translate("schema-outdated.detail", "en", {"revision": "{request_id}"})

    assert result is not None
    assert "{request_id}" in result


def test_translate_unknown_key_is_none() -> None:
    assert translate("no-such-message", "fi") is None
