"""API: issuing, revoking and verifying passports."""
