"""Routes of accounts and sessions outside /api/v1: the JSON Web Key Set."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from laskutin.auth.keys import KeyRing

well_known_router = APIRouter(tags=["auth"])

# Verifiers may keep the key set this long; a new key is published PUBLISH_LEAD (10 minutes)
# before it signs, so a cached copy always knows every key that signs (auth/keys.py).
JWKS_MAX_AGE_SECONDS = 300


class JsonWebKey(BaseModel):
    """A public key that verifies access tokens (RFC 7517, RFC 8037)."""

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    x: str = Field(description="The public key, base64url")
    kid: str = Field(description="Key id: the JWT header's kid names it (RFC 7638 thumbprint)")
    alg: str = Field(examples=["Ed25519"])
    use: str = Field(examples=["sig"])


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]


@well_known_router.get(
    "/.well-known/jwks.json",
    operation_id="jwks-get",
    response_model=JsonWebKeySet,
    summary="Public keys that verify access tokens",
)
async def jwks(request: Request) -> JSONResponse:
    """Every key that signs or may still verify an access token, newest first; public
    parameters only. Cacheable for 5 minutes: a new key appears here 10 minutes before it
    signs, and an old one stays until every token it signed has expired."""
    keyring: KeyRing = request.app.state.keyring
    await keyring.signing_key()  # a fresh installation publishes its first key at once
    return JSONResponse(
        await keyring.jwks(),
        headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"},
    )
