"""Pure logic of equivalency tables (stdlib and other pure modules only)."""
