"""Accounts: users, and later passwords, tokens and sign-in."""
