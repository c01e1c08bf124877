"""Demo data for trying the portal (never in production)."""
