"""Accounts, roles, server-side sessions, login throttling and API tokens."""
