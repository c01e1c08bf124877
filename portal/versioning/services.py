"""The lifecycle of every versioned document, as one service: access, drafts, four eyes, retirement.

A document kind is described once by a ``DocumentKind``; every transition below takes it as its
first argument. A document is owned by one jurisdiction: only that authority's ministry
officials see its drafts and change it, and anyone else is answered exactly as if it did not
exist (``NotFound``). Services flush, never commit; every write appends an audit entry in the
caller's transaction. A writer that lost a race to another request gets the kind's ``stale``
or ``draft_exists`` refusal (409), never a database exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.common.errors import CodedError, NotFound
from portal.db import utcnow
from portal.extensions import db
from portal.versioning.domain import Status


class LifecycleError(CodedError):
    """A lifecycle step was refused; each kind subclasses it so its callers can tell them apart.

    Refusals that mean "someone else got there first" or "not in that state" answer 409, the
    four-eyes refusal 403, and everything else (invalid content) 400.
    """

    status = 400
    STATUSES: Mapping[str, int] = {
        "stale": 409,
        "published_immutable": 409,
        "not_published": 409,
        "draft_exists": 409,
        "four_eyes": 403,
    }

    def __init__(
        self,
        code: str,
        params: Mapping[str, object] | None = None,
        *,
        field: str | None = None,
        **more: object,
    ) -> None:
        super().__init__(code, params, field=field, status=self.STATUSES.get(code), **more)


def _anyone(_user: User) -> bool:
    return True


def _nothing_to_check(_doc: Any) -> None:
    return None


@dataclass(frozen=True)
class DocumentKind:
    """What differs from one kind of versioned document to another; the lifecycle does not.

    ``series`` is the attribute that all versions of one document share (a table's code, a
    policy's system version); ``owner`` holds the owning jurisdiction's id. ``copy(published,
    draft)`` fills a new draft's own columns and children from the published version; the draft
    is not in the session yet, so a kind whose children need its id adds and flushes it itself.
    ``check(draft)`` raises the kind's error when the content cannot be published as it is.
    ``readers(user)`` tells who may read published and retired versions.
    """

    name: str
    model: type
    series: str
    owner: str
    error: type[LifecycleError]
    missing: str
    identify: Callable[[Any], dict]
    copy: Callable[[Any, Any], None]
    content_hash: Callable[[Any], str]
    check: Callable[[Any], None] = _nothing_to_check
    readers: Callable[[User], bool] = _anyone
    load: tuple = ()

    def series_of(self, doc: Any) -> object:
        """Return the value that all versions of the document share."""
        return getattr(doc, self.series)

    def column(self, name: str):
        """Return a mapped attribute of the kind's model, for queries."""
        return getattr(self.model, name)


# --- access ----------------------------------------------------------------------------------


def can_edit(kind: DocumentKind, user: User, doc: Any) -> bool:
    """Tell whether the user is a ministry official of the document's owning jurisdiction."""
    return (
        user.role == Role.MINISTRY_OFFICIAL
        and user.jurisdiction_id is not None
        and user.jurisdiction_id == getattr(doc, kind.owner)
    )


def can_view(kind: DocumentKind, user: User, doc: Any) -> bool:
    """Tell whether the user may see the version: a draft only if they may change it."""
    if doc.status == Status.DRAFT:
        return can_edit(kind, user, doc)
    return kind.readers(user)


def _by_public_id(kind: DocumentKind, public_id: str) -> Any:
    return db.session.scalar(
        select(kind.model).where(kind.column("public_id") == public_id).options(*kind.load)
    )


def for_view(kind: DocumentKind, user: User, public_id: str) -> Any:
    """Return a version the user may see, or raise NotFound (out of scope looks missing)."""
    doc = _by_public_id(kind, public_id)
    if doc is None or not can_view(kind, user, doc):
        raise NotFound(kind.missing)
    return doc


def for_edit(kind: DocumentKind, user: User, public_id: str) -> Any:
    """Return a version the official may act on, or raise NotFound exactly as for a missing one."""
    doc = _by_public_id(kind, public_id)
    if doc is None or not can_edit(kind, user, doc):
        raise NotFound(kind.missing)
    return doc


# --- queries ---------------------------------------------------------------------------------


def history(kind: DocumentKind, series: object, user: User | None = None) -> list:
    """Return every version of a document, newest first (only those the user may see)."""
    versions = db.session.scalars(
        select(kind.model)
        .where(kind.column(kind.series) == series)
        .order_by(kind.column("version").desc())
    )
    return [v for v in versions if user is None or can_view(kind, user, v)]


def open_draft(kind: DocumentKind, series: object) -> Any:
    """Return the draft version of a document, if one is being prepared."""
    return db.session.scalar(
        select(kind.model).where(
            kind.column(kind.series) == series, kind.column("status") == Status.DRAFT
        )
    )


def visible(kind: DocumentKind, user: User) -> list:
    """Return the published versions the user may read, and the drafts of their own authority."""
    shown = []
    if kind.readers(user):
        shown.append(kind.column("status") == Status.PUBLISHED)
    if user.role == Role.MINISTRY_OFFICIAL and user.jurisdiction_id is not None:
        own = kind.column(kind.owner) == user.jurisdiction_id
        shown.append((kind.column("status") == Status.DRAFT) & own)
    if not shown:
        return []
    return list(
        db.session.scalars(
            select(kind.model)
            .where(or_(*shown))
            .order_by(kind.column(kind.series), kind.column("version").desc())
        )
    )


# --- building blocks of every write ----------------------------------------------------------


def audit(kind: DocumentKind, action: str, doc: Any, **details: object) -> None:
    """Append ``<kind>.<action>`` about one version (codes and numbers only, never free text)."""
    record(
        f"{kind.name}.{action}",
        kind.name,
        doc.public_id,
        details={**kind.identify(doc), **details},
    )


@contextmanager
def guard(kind: DocumentKind, *, lost_race: str = "stale") -> Iterator[None]:
    """Run a step's writes in a SAVEPOINT and turn a lost race into the kind's 409 refusal.

    A version number taken by a concurrent request (IntegrityError) becomes ``lost_race``; a
    version changed since it was read (StaleDataError, the optimistic lock) becomes ``stale``.
    The SAVEPOINT keeps the caller's transaction usable, on PostgreSQL too.
    """
    try:
        with db.session.begin_nested():
            yield
    except StaleDataError as err:
        raise kind.error("stale") from err
    except IntegrityError as err:
        raise kind.error(lost_race) from err


def check_lock(kind: DocumentKind, doc: Any, expected_lock: int | None) -> None:
    """Refuse when the version changed after the official opened it."""
    if expected_lock is not None and expected_lock != doc.lock_version:
        raise kind.error("stale")


def require_draft(kind: DocumentKind, doc: Any, official: User, expected_lock: int | None) -> None:
    """Refuse anything but an unchanged draft of the official's own jurisdiction."""
    if not can_edit(kind, official, doc):
        raise NotFound(kind.missing)
    if doc.status != Status.DRAFT:
        raise kind.error("published_immutable")
    check_lock(kind, doc, expected_lock)


@contextmanager
def editing(kind: DocumentKind, doc: Any, official: User, expected_lock: int | None):
    """Change a draft's content inside the block; refused as ``require_draft`` and ``guard``."""
    require_draft(kind, doc, official, expected_lock)
    with guard(kind):
        yield doc


# --- transitions -----------------------------------------------------------------------------


def start(kind: DocumentKind, doc: Any, official: User, *, lost_race: str, **details) -> Any:
    """Add version 1 of a new document, drafted by the official; audit ``drafted``."""
    doc.version, doc.status, doc.drafted_by_id = 1, Status.DRAFT.value, official.id
    with guard(kind, lost_race=lost_race):
        db.session.add(doc)
    audit(kind, "drafted", doc, **details)
    return doc


def new_version(kind: DocumentKind, published: Any, official: User) -> Any:
    """Copy a published version into a new draft N+1 that supersedes it."""
    if not can_edit(kind, official, published):
        raise NotFound(kind.missing)
    if published.status != Status.PUBLISHED:
        raise kind.error("not_published")
    series = kind.series_of(published)
    if open_draft(kind, series) is not None:
        raise kind.error("draft_exists")
    latest = db.session.scalar(
        select(func.max(kind.column("version"))).where(kind.column(kind.series) == series)
    )
    draft = kind.model(
        version=latest + 1,
        status=Status.DRAFT.value,
        valid_from=published.valid_from,
        valid_to=published.valid_to,
        supersedes=published,
        drafted_by_id=official.id,
    )
    setattr(draft, kind.series, series)
    setattr(draft, kind.owner, getattr(published, kind.owner))
    # Between the checks above and this insert another official may have taken N+1: the
    # unique (series, version) constraint refuses the second, and the guard answers 409.
    with guard(kind, lost_race="draft_exists"):
        kind.copy(published, draft)
        db.session.add(draft)
    audit(kind, "version_started", draft, supersedes=published.version)
    return draft


def supersede(kind: DocumentKind, previous: Any, successor: Any, by: User | None) -> None:
    """Retire the version that a newly published one replaces, and say so in the audit log."""
    previous.status, previous.retired_at = Status.RETIRED.value, utcnow()
    previous.retired_by_id = by.id if by is not None else None
    audit(kind, "retired", previous, superseded_by=successor.version)


def publish(
    kind: DocumentKind, draft: Any, official: User, expected_lock: int | None = None
) -> Any:
    """Publish a draft reviewed by a second official; retire the version it supersedes."""
    require_draft(kind, draft, official, expected_lock)
    if draft.drafted_by_id == official.id:
        raise kind.error("four_eyes")
    kind.check(draft)
    retired = None
    with guard(kind):
        previous = draft.supersedes
        if previous is not None and previous.status == Status.PUBLISHED:
            supersede(kind, previous, draft, official)
            retired = previous.version
        draft.content_hash = kind.content_hash(draft)
        draft.status, draft.published_by_id = Status.PUBLISHED.value, official.id
        draft.published_at = utcnow()
    audit(kind, "published", draft, content_hash=draft.content_hash, retired_version=retired)
    return draft


def retire(
    kind: DocumentKind, published: Any, official: User, expected_lock: int | None = None
) -> Any:
    """Withdraw a published version: it stays in the history but no longer applies."""
    if not can_edit(kind, official, published):
        raise NotFound(kind.missing)
    if published.status != Status.PUBLISHED:
        raise kind.error("not_published")
    check_lock(kind, published, expected_lock)
    with guard(kind):
        published.status, published.retired_at = Status.RETIRED.value, utcnow()
        published.retired_by_id = official.id
    audit(kind, "retired", published)
    return published
