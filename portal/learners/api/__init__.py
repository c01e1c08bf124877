"""The learner JSON API: operations in ``routes``, their schemas in ``schemas``."""

from portal.learners.api.routes import ERRORS, bp, writable_learner

__all__ = ["ERRORS", "bp", "writable_learner"]
