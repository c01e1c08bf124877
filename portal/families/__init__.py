"""Families: invitations, a guardian's view of their children, corrections, access log."""
