"""The placement JSON API: operations in ``routes``, their schemas in ``schemas``."""

from portal.placement.api.routes import bp

__all__ = ["bp"]
