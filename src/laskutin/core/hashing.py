"""The one way secret tokens are stored: hex SHA-256 of the token.

For tokens with 256 random bits (refresh tokens, e-mail links, invitation links, API keys,
sign-in challenges, OpenID one-time codes) a plain hash is enough: no salt or stretching is
needed, and the row is found by the hash alone.
"""

from __future__ import annotations

import hashlib


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
