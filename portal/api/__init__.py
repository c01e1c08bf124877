"""The JSON API under /api/v1: bearer tokens, one error shape, an OpenAPI 3.1 document."""
