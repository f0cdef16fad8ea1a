"""Accounts: password hashing, tokens and users."""
