"""API keys for machine access (pro plan, issue 8)."""
