"""The lifecycle routes of every kind: the detail page, publish, retire and new version.

A kind declares its ``LifecyclePages`` and calls ``register_lifecycle_routes`` on its blueprint;
the routes keep the kind's endpoint names (``<stem>_detail``, ``<stem>_publish``, ...). A
refused step re-renders the detail page with the reason and its status; a version outside the
user's scope is answered 404 exactly like a missing one, by the service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import login_required
from portal.core.transaction import discard_changes
from portal.i18n.labels import code_text
from portal.i18n.services import current_locale_info
from portal.versioning import services
from portal.versioning.domain import Status
from portal.versioning.forms import ActionForm
from portal.versioning.messages import LIFECYCLE_ERRORS, STATUS_LABELS
from portal.versioning.services import DocumentKind, LifecycleError


def _no_detail(_err: LifecycleError) -> str:
    return ""


@dataclass(frozen=True)
class LifecyclePages:
    """What differs between the lifecycle pages of two kinds.

    ``context(doc)`` returns the kind's own variables of the detail ``template``; the lifecycle
    adds ``editable``, ``open_draft``, ``history``, ``statuses``, ``lifecycle`` (the URLs and
    texts the macros of ``versioning/_lifecycle.html`` need), ``locale`` and ``error``.
    ``done`` holds the flash texts of ``publish``, ``retire`` and ``new_version``, filled with
    ``done_params(doc)``. ``errors`` overrides the generic refusal texts with the kind's words;
    ``explain(err)`` may add details to a refusal (e.g. which rules are invalid).
    ``draft_link`` is the endpoint suffix the "being drafted" note links to.
    """

    kind: DocumentKind
    blueprint: str
    prefix: str
    stem: str
    template: str
    context: Callable[[Any], dict]
    done: Mapping[str, Any]
    done_params: Callable[[Any], dict]
    retire_confirm: Any
    errors: Mapping[str, Any] = field(default_factory=dict)
    explain: Callable[[LifecycleError], str] = _no_detail
    draft_link: str = "edit"

    def endpoint(self, suffix: str) -> str:
        """Return the full endpoint name of one of the kind's pages, e.g. ``table_edit``."""
        return f"{self.blueprint}.{self.stem}_{suffix}"

    def say(self, err: LifecycleError) -> str:
        """Translate a refusal, with the kind's own wording where it has one."""
        text = code_text({**LIFECYCLE_ERRORS, **self.errors}, err.code, err.params)
        more = self.explain(err)
        return f"{text} {more}" if more else text


def _user():
    return current_user._get_current_object()


def lifecycle_context(pages: LifecyclePages, doc: Any) -> dict:
    """Return what the lifecycle macros of a detail page need about one version."""
    user, kind = _user(), pages.kind
    editable = services.can_edit(kind, user, doc)
    series = kind.series_of(doc)
    draft = None
    if editable and doc.status == Status.PUBLISHED:
        draft = services.open_draft(kind, series)

    def url(suffix: str, target: Any = doc) -> str:
        return url_for(pages.endpoint(suffix), public_id=target.public_id)

    return {
        "editable": editable,
        "open_draft": draft,
        "history": services.history(kind, series, user),
        "statuses": STATUS_LABELS,
        "lifecycle": {
            "publish": url("publish"),
            "retire": url("retire"),
            "new_version": url("new_version"),
            "edit": url("edit"),
            "draft": url(pages.draft_link, draft) if draft is not None else None,
            "detail_endpoint": pages.endpoint("detail"),
            "retire_confirm": pages.retire_confirm,
        },
    }


def render_detail(pages: LifecyclePages, doc: Any, status: int = 200, error: str | None = None):
    """Render a version's detail page, optionally with the reason a step was refused."""
    return render_template(
        pages.template,
        **pages.context(doc),
        **lifecycle_context(pages, doc),
        locale=current_locale_info().code,
        error=error,
    ), status


def _act(pages: LifecyclePages, public_id: str, step: Callable, done: str):
    """Run one transition with the version the official looked at; redirect or explain."""
    doc = services.for_edit(pages.kind, _user(), public_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = step(pages.kind, doc, _user(), form.lock_version.data)
    except LifecycleError as err:
        discard_changes()
        return render_detail(pages, doc, err.status, pages.say(err))
    flash(str(pages.done[done]) % pages.done_params(result), "success")
    suffix = "edit" if result.status == Status.DRAFT else "detail"
    return redirect(url_for(pages.endpoint(suffix), public_id=result.public_id))


def _new_version(kind: DocumentKind, doc: Any, user, _lock: int | None):
    # Starting a version changes nothing that exists, so the lock is not checked.
    return services.new_version(kind, doc, user)


def register_lifecycle_routes(bp: Blueprint, pages: LifecyclePages) -> None:
    """Add the detail page and the publish, retire and new-version actions of a kind."""

    def detail(public_id: str):
        return render_detail(pages, services.for_view(pages.kind, _user(), public_id))

    def publish(public_id: str):
        return _act(pages, public_id, services.publish, "publish")

    def retire(public_id: str):
        return _act(pages, public_id, services.retire, "retire")

    def new_version(public_id: str):
        return _act(pages, public_id, _new_version, "new_version")

    url = f"{pages.prefix}/<public_id>"
    bp.add_url_rule(url, f"{pages.stem}_detail", login_required(detail), methods=["GET"])
    for suffix, path, view in (
        ("publish", "publish", publish),
        ("retire", "retire", retire),
        ("new_version", "new-version", new_version),
    ):
        bp.add_url_rule(
            f"{url}/{path}", f"{pages.stem}_{suffix}", login_required(view), methods=["POST"]
        )
