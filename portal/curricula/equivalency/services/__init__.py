"""Services of equivalency tables: they load and save models, flush, and never commit."""
