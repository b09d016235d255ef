"""Signing keys without a database: encryption of the private half, and the key lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from laskutin.auth import keys
from laskutin.auth.models import SigningKey

SECRET = "a-test-secret-of-at-least-32-characters!"
T0 = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _key(activated_at: dt.datetime, retired_at: dt.datetime | None = None) -> SigningKey:
    row = keys.new_signing_key(SECRET, now=activated_at, activated_at=activated_at)
    row.retired_at = retired_at
    return row


def test_private_key_round_trips_only_with_its_secret_and_kid() -> None:
    row = _key(T0)
    private = keys.decrypt_private_key(SECRET, row.kid, row.private_key)
    assert private["kty"] == "OKP"
    assert private["crv"] == "Ed25519"
    assert "d" in private
    assert private["x"] == row.public_jwk["x"]
    assert private["d"].encode() not in row.private_key  # stored encrypted
    with pytest.raises(keys.KeyDecryptionError):
        keys.decrypt_private_key(
            "another-secret-of-at-least-32-characters", row.kid, row.private_key
        )
    other = _key(T0)
    with pytest.raises(keys.KeyDecryptionError):  # a row's ciphertext is bound to its kid
        keys.decrypt_private_key(SECRET, other.kid, row.private_key)


def test_published_jwk_has_public_parameters_only() -> None:
    row = _key(T0)
    assert "d" not in row.public_jwk
    published = keys.public_jwk(row)
    assert set(published) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert published["alg"] == "Ed25519"
    assert published["use"] == "sig"
    assert published["kid"] == row.kid
    assert len(row.kid) == 43


def test_a_pending_key_verifies_before_it_signs() -> None:
    pending = keys.new_signing_key(SECRET, now=T0, activated_at=T0 + keys.PUBLISH_LEAD)
    assert keys.can_verify(pending, T0)
    assert not keys.can_sign(pending, T0)
    assert keys.can_sign(pending, T0 + keys.PUBLISH_LEAD)


def test_a_retiring_key_stops_signing_a_token_lifetime_before_it_stops_verifying() -> None:
    retire = T0 + dt.timedelta(hours=1)
    row = _key(T0, retired_at=retire)
    last_signing = retire - keys.ACCESS_TOKEN_MAX_LIFETIME
    assert keys.can_sign(row, last_signing)
    assert not keys.can_sign(row, last_signing + dt.timedelta(seconds=1))
    assert keys.can_verify(row, retire - dt.timedelta(seconds=1))
    assert not keys.can_verify(row, retire)


def test_the_newest_active_key_signs() -> None:
    old = _key(T0)
    new = keys.new_signing_key(SECRET, now=T0, activated_at=T0 + keys.PUBLISH_LEAD)
    old.retired_at = new.activated_at + keys.ACCESS_TOKEN_MAX_LIFETIME + keys.CLOCK_LEEWAY
    assert keys.choose_signing_key([old, new], T0) is old
    assert keys.choose_signing_key([old, new], new.activated_at - dt.timedelta(seconds=1)) is old
    assert keys.choose_signing_key([old, new], new.activated_at) is new
    assert keys.choose_signing_key([], T0) is None
