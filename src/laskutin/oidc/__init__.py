"""Sign-in with OpenID Connect (issue 8): providers, the authorization code flow with PKCE kept
in PostgreSQL, external identities linked to users (docs/oidc.md)."""
