"""Services of placement policies: they load and save models, flush, and never commit."""
