"""Token errors become 401 problems with a Bearer challenge, in every language."""

from __future__ import annotations

import pytest

from laskutin.api.problem import from_domain_error
from laskutin.auth import tokens
from laskutin.core.i18n import LANGUAGES, translate

ERRORS = [
    tokens.InvalidAccessToken,
    tokens.AccessTokenExpired,
    tokens.InvalidRefreshToken,
    tokens.RefreshTokenExpired,
    tokens.RefreshTokenRevoked,
    tokens.RefreshTokenReused,
    tokens.NotAMember,
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.code)
def test_token_errors_answer_401_with_their_own_words(error: type[tokens.TokenError]) -> None:
    problem = from_domain_error(error())
    assert problem.status == 401
    assert problem.code == error.code
    assert problem.headers == {"WWW-Authenticate": 'Bearer realm="laskutin"'}
    for language in LANGUAGES:
        assert translate(error.code, language)
        assert translate(f"{error.code}.detail", language)


def test_codes_are_distinct() -> None:
    assert len({error.code for error in ERRORS}) == len(ERRORS)
