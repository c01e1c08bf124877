"""One transaction per request: handlers never commit; the request's outcome decides.

A successful answer (status below 400) commits what the handlers flushed; an error answer or
an exception rolls everything back. A handler that catches an expected error and re-renders
its form with a success status calls ``discard_changes`` so that nothing half-done is kept.
Work that must persist whatever the request's fate (a failed-login counter, the audit entry
of a refusal) goes through ``commit_independently``, the one documented exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, g
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db

T = TypeVar("T")


def discard_changes() -> None:
    """Undo this request's writes now and keep the request from committing later ones."""
    db.session.rollback()
    g.discard_changes = True


def commit_independently(work: Callable[[], T]) -> T:
    """Run ``work`` in its own committed transaction, apart from the request's.

    Whatever the request had pending is rolled back first: it must not be committed along
    with the independent write.
    """
    db.session.rollback()
    try:
        result = work()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def register_transaction(app: Flask, on_conflict: Callable[[int], Response]) -> None:
    """Commit each request's work once when it succeeded; roll it back otherwise.

    ``on_conflict(status)`` renders the answer when the commit itself fails: 409 when another
    request changed the same rows first, 503 when the database is unreachable.
    """

    @app.after_request
    def _finish(response: Response) -> Response:
        if response.status_code >= 400 or g.pop("discard_changes", False):
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            return on_conflict(409)
        except OperationalError:
            db.session.rollback()
            return on_conflict(503)
        return response
