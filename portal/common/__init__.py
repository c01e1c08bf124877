"""Pure helpers shared by several features (no Flask, no database)."""
