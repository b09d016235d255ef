"""Invitations to a company by e-mail, with a role (issue 8)."""
