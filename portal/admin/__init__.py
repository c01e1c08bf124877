"""System administration: schools and user accounts."""
