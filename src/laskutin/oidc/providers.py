"""The configured OpenID providers (LASKUTIN_OIDC_PROVIDERS), with their presets resolved.

Presets fill in the issuer and what the provider's e-mail claim is worth:

- ``google``: https://accounts.google.com; ``email_verified`` is trustworthy.
- ``microsoft``: https://login.microsoftonline.com/{tenant}/v2.0 (tenant ``common`` by
  default, or ``organizations``, ``consumers``, a tenant id). The multi-tenant endpoints'
  discovery names the issuer as a template, ``https://login.microsoftonline.com/{tenantid}/v2.0``:
  an ID token's ``iss`` is then checked against the template filled with its own ``tid`` claim.
  Microsoft's ``email`` claim is not verified by Microsoft (any tenant admin can set it), so it
  never links an identity to an existing account by itself.
- ``auth0``: https://{domain}/; ``email_verified`` is trustworthy (Auth0 sets it from its own
  verification or the upstream connection's).
- no preset: any standard issuer; ``email_verified`` is believed as the provider says it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from laskutin.core.settings import OidcProviderSetting, Settings

MICROSOFT_LOGIN: Final = "https://login.microsoftonline.com"
# Microsoft's tenant of personal accounts (outlook.com, hotmail.com ...).
MICROSOFT_CONSUMERS_TENANT: Final = "9188040d-6c67-4c5b-b112-36a304b66dad"
MICROSOFT_MULTI_TENANT: Final = frozenset({"common", "organizations", "consumers"})
TENANT_PLACEHOLDER: Final = "{tenantid}"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

_PRESET_NAMES: Final = {"google": "Google", "microsoft": "Microsoft", "auth0": "Auth0"}


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    # Where discovery lives: {issuer}/.well-known/openid-configuration.
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    # Whether an ``email_verified: true`` from this provider proves the address (links).
    trusts_email_verified: bool
    # Microsoft's multi-tenant endpoints: common, organizations or consumers; else None.
    microsoft_tenant: str | None = None
    # Other spellings of the issuer that this provider's ID tokens carry (Google's old one).
    other_issuers: tuple[str, ...] = ()

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def accepted_issuers(self, metadata_issuer: str, claims: dict[str, object]) -> set[str]:
        """The ``iss`` values an ID token of this provider may carry, given the discovery
        document's ``issuer`` and the token's claims (Microsoft's ``tid``). Empty: none."""
        if self.microsoft_tenant is not None and TENANT_PLACEHOLDER in metadata_issuer:
            tid = claims.get("tid")
            if not isinstance(tid, str) or not _GUID.match(tid):
                return set()
            if self.microsoft_tenant == "consumers" and tid != MICROSOFT_CONSUMERS_TENANT:
                return set()
            if self.microsoft_tenant == "organizations" and tid == MICROSOFT_CONSUMERS_TENANT:
                return set()
            return {metadata_issuer.replace(TENANT_PLACEHOLDER, tid)}
        return {metadata_issuer, *self.other_issuers}

    def metadata_issuer_ok(self, metadata_issuer: object) -> bool:
        """OpenID Connect Discovery §4.3: the document's ``issuer`` is the one configured
        (Microsoft's multi-tenant endpoints publish the template instead)."""
        if not isinstance(metadata_issuer, str):
            return False
        if self.microsoft_tenant is not None:
            return metadata_issuer == f"{MICROSOFT_LOGIN}/{TENANT_PLACEHOLDER}/v2.0"
        return metadata_issuer == self.issuer


def resolve(setting: OidcProviderSetting) -> Provider:
    """A provider's settings with its preset filled in."""
    base = Provider(
        id=setting.id,
        name=setting.name or _PRESET_NAMES.get(setting.preset or "", setting.id),
        issuer=setting.issuer or "",
        client_id=setting.client_id,
        client_secret=setting.client_secret.get_secret_value(),
        scopes=setting.scopes,
        trusts_email_verified=True,
    )
    if setting.preset == "google":
        return replace(
            base, issuer="https://accounts.google.com", other_issuers=("accounts.google.com",)
        )
    if setting.preset == "microsoft":
        tenant = setting.tenant or "common"
        return replace(
            base,
            issuer=f"{MICROSOFT_LOGIN}/{tenant}/v2.0",
            trusts_email_verified=False,
            microsoft_tenant=tenant if tenant in MICROSOFT_MULTI_TENANT else None,
        )
    if setting.preset == "auth0":
        return replace(base, issuer=f"https://{setting.domain}/")
    return base


def configured(settings: Settings) -> dict[str, Provider]:
    """Every configured provider by id, in the order of the setting."""
    return {setting.id: resolve(setting) for setting in settings.oidc_providers}
