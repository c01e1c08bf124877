"""The versioned-document contract: one lifecycle, run over every kind that declares it.

Each kind starts from its shipped, published DE-NW version. To hold a new kind to the contract,
add a ``Case`` to ``KINDS``: draft → refused second draft → four eyes → stale review → publish
(the superseded version retired, dated and audited) → retire (dated and audited), the same 404
for everything out of scope, and 409 (never 500) when two officials start a version at once.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import event, func, insert, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.curricula.equivalency.services.lifecycle import TABLES
from portal.curricula.models import (
    EducationSystemVersion,
    EquivalencyGradeRule,
    EquivalencyTable,
)
from portal.db import new_public_id, utcnow
from portal.extensions import db
from portal.placement.models import AcceleratedProgramme, PlacementPolicy
from portal.placement.policy.services.lifecycle import POLICIES
from portal.schools.models import Jurisdiction
from portal.versioning import services as lifecycle
from portal.versioning.services import DocumentKind
from tests import factories
from tests.conftest import csrf_token, sign_in

REVIEWER = "ministry2@test.example"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')


@dataclass(frozen=True)
class Case:
    kind: DocumentKind
    url: str  # where the kind's versions live: <url>/<public_id>[/action]
    published: Callable[[], object]  # the shipped, published DE-NW version (in an app context)
    drafting_text: str  # what the detail page says when a new version is already being drafted


def _seed_table():
    return db.session.scalar(
        select(EquivalencyTable).where(
            EquivalencyTable.code == "SY__DE-NW", EquivalencyTable.version == 1
        )
    )


def _seed_policy():
    return db.session.scalar(
        select(PlacementPolicy)
        .join(EducationSystemVersion)
        .where(EducationSystemVersion.code == "DE-NW-2024", PlacementPolicy.version == 1)
    )


KINDS = {
    "equivalency_table": Case(
        TABLES,
        "/reference/tables",
        _seed_table,
        "A draft of this table is already being prepared.",
    ),
    "placement_policy": Case(
        POLICIES,
        "/placement/policies",
        _seed_policy,
        "A draft of this policy is already being prepared.",
    ),
}


@pytest.fixture(params=list(KINDS), ids=list(KINDS))
def case(request, app, world, reference) -> Case:
    with app.app_context():
        nw = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "DE-NW"))
        factories.make_user(REVIEWER, "ministry_official", jurisdiction=nw)
        db.session.commit()
    return KINDS[request.param]


@pytest.fixture
def reviewer(app, case):
    """A client signed in as the second DE-NW official, who may publish what the first drafted."""
    client = app.test_client()
    assert sign_in(client, REVIEWER).status_code == 302
    return client


def _published_id(app, case: Case) -> str:
    with app.app_context():
        return case.published().public_id


def _state(app, case: Case, public_id: str) -> dict:
    with app.app_context():
        doc = db.session.scalar(
            select(case.kind.model).where(case.kind.model.public_id == public_id)
        )

        def email(user_id: int | None) -> str | None:
            return user_id and db.session.get(User, user_id).email

        return {
            "status": doc.status,
            "version": doc.version,
            "lock": doc.lock_version,
            "drafted_by": email(doc.drafted_by_id),
            "published_by": email(doc.published_by_id),
            "retired_by": email(doc.retired_by_id),
            "retired_at": doc.retired_at,
            "content_hash": doc.content_hash,
            "hash_now": case.kind.content_hash(doc),
            "supersedes": doc.supersedes.public_id if doc.supersedes else None,
        }


def _versions(app, case: Case) -> int:
    with app.app_context():
        series = case.kind.series_of(case.published())
        return len(lifecycle.history(case.kind, series))


def _audit(app, public_id: str) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.action, AuditEntry.details)
            .where(AuditEntry.entity_id == public_id)
            .order_by(AuditEntry.seq)
        )
        return [(action, details) for action, details in rows]


def _post(client, case: Case, public_id: str, action: str, lock: int | None = None):
    data = {"csrf_token": csrf_token(client, "/dashboard")}
    if lock is not None:
        data["lock_version"] = str(lock)
    return client.post(f"{case.url}/{public_id}/{action}", data=data)


def _started_id(response, case: Case) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith("/edit")
    return response.location.split(f"{case.url}/")[1].split("/")[0]


def test_lifecycle_draft_review_publish_retire(app, case, login_as, reviewer):
    official = login_as("ministry_official")
    v1 = _published_id(app, case)
    name = case.kind.name

    v2 = _started_id(_post(official, case, v1, "new-version", 1), case)
    draft = _state(app, case, v2)
    assert (draft["status"], draft["version"], draft["supersedes"]) == ("draft", 2, v1)
    assert draft["drafted_by"] == "ministry@test.example"
    assert [a for a, _d in _audit(app, v2)] == [f"{name}.version_started"]

    second = _post(reviewer, case, v1, "new-version", 1)
    assert second.status_code == 409
    assert case.drafting_text in second.get_data(as_text=True)
    assert _versions(app, case) == 2

    own = _post(official, case, v2, "publish", draft["lock"])
    assert own.status_code == 403
    assert "You drafted this version, so you cannot publish it." in own.get_data(as_text=True)
    stale = _post(reviewer, case, v2, "publish", draft["lock"] - 1)
    assert stale.status_code == 409
    assert _state(app, case, v2)["status"] == "draft"

    assert _post(reviewer, case, v2, "publish", draft["lock"]).status_code == 302
    published, retired = _state(app, case, v2), _state(app, case, v1)
    assert (published["status"], published["published_by"]) == ("published", REVIEWER)
    assert published["content_hash"] == published["hash_now"]
    assert (retired["status"], retired["retired_by"]) == ("retired", REVIEWER)
    assert retired["retired_at"] is not None
    action, details = _audit(app, v1)[-1]
    assert action == f"{name}.retired"
    assert details["version"] == 1 and details["superseded_by"] == 2
    page = official.get(f"{case.url}/{v1}").get_data(as_text=True)
    assert '<dt class="col-sm-3">Retired</dt>' in page  # the retirement date is shown

    assert _post(official, case, v2, "retire", published["lock"]).status_code == 302
    withdrawn = _state(app, case, v2)
    assert (withdrawn["status"], withdrawn["retired_by"]) == ("retired", "ministry@test.example")
    assert withdrawn["retired_at"] is not None
    assert [a for a, _d in _audit(app, v2)][-1] == f"{name}.retired"
    again = _post(official, case, v2, "retire", withdrawn["lock"])
    assert again.status_code == 409
    assert "Only a published version can be retired" in again.get_data(as_text=True)


def _normalised(response, url: str) -> str:
    text = response.get_data(as_text=True).replace(url, "<url>")
    return CSRF_VALUE.sub(r'\1"', text)


@pytest.mark.parametrize("role", ["ministry_other", "school_admin", "guardian", "system_admin"])
def test_out_of_scope_looks_exactly_like_missing(app, case, world, login_as, role):
    v1 = _published_id(app, case)
    with app.app_context():
        official = db.session.scalar(select(User).where(User.email == "ministry@test.example"))
        v2 = lifecycle.new_version(case.kind, case.published(), official).public_id
        db.session.commit()
    client = login_as(role)
    for public_id in (v1, v2):
        for action in ("publish", "retire", "new-version"):
            url = f"{case.url}/{public_id}/{action}"
            missing_url = f"{case.url}/no-such-version/{action}"
            answer = _post(client, case, public_id, action, 1)
            missing = _post(client, case, "no-such-version", action, 1)
            assert (answer.status_code, missing.status_code) == (404, 404), (public_id, action)
            assert _normalised(answer, url) == _normalised(missing, missing_url)
        edit = client.get(f"{case.url}/{public_id}/edit")
        assert edit.status_code == 404
    draft_page = client.get(f"{case.url}/{v2}")
    assert draft_page.status_code == 404
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.emails[role]))
        readable = case.kind.readers(user)
    assert client.get(f"{case.url}/{v1}").status_code == (200 if readable else 404)
    assert _state(app, case, v1)["status"] == "published"


def test_lost_race_for_the_next_version_answers_409(app, case, login_as):
    """Another official's draft N+1 lands between our checks and our insert: 409, not 500."""
    v1 = _published_id(app, case)
    model = case.kind.model

    def rival_lands_first(_mapper, connection, target):
        if target.status != "draft":
            return
        table = model.__table__
        values = {c.name: getattr(target, key) for key, c in _columns(model)}
        values.update(public_id=new_public_id(), created_at=utcnow(), lock_version=1)
        connection.execute(insert(table).values(**values))

    event.listen(model, "before_insert", rival_lands_first)
    try:
        answer = _post(login_as("ministry_official"), case, v1, "new-version", 1)
    finally:
        event.remove(model, "before_insert", rival_lands_first)
    assert answer.status_code == 409
    assert case.drafting_text in answer.get_data(as_text=True)
    assert _versions(app, case) == 1  # nothing of the lost attempt (nor the rival) was kept
    assert _state(app, case, v1)["status"] == "published"


def _columns(model):
    for prop in model.__mapper__.column_attrs:
        for column in prop.columns:
            if column.name != "id" and column.table is model.__table__:
                yield prop.key, column


def test_concurrent_new_versions_on_postgresql_one_wins_one_gets_409(app, case, login_as, reviewer):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers: the second request simply sees the draft")
    v1 = _published_id(app, case)
    clients = [login_as("ministry_official"), reviewer]
    tokens = [csrf_token(c, "/dashboard") for c in clients]
    both_checked = threading.Barrier(2, timeout=20)

    def hold_until_both_checked(_mapper, _connection, target):
        # Both requests have found no draft and taken N+1 before either inserts it.
        if target.status == "draft":
            with contextlib.suppress(threading.BrokenBarrierError):
                both_checked.wait()

    answers: dict[int, int] = {}

    def start(i: int) -> None:
        data = {"csrf_token": tokens[i], "lock_version": "1"}
        answers[i] = clients[i].post(f"{case.url}/{v1}/new-version", data=data).status_code

    event.listen(case.kind.model, "before_insert", hold_until_both_checked)
    try:
        threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        event.remove(case.kind.model, "before_insert", hold_until_both_checked)
    assert sorted(answers.values()) == [302, 409]
    assert _versions(app, case) == 2
    with app.app_context():
        drafts = db.session.scalar(
            select(func.count())
            .select_from(case.kind.model)
            .where(case.kind.model.status == "draft")
        )
    assert drafts == 1


# Rows that reference the migrated tables: a careless SQLite table copy would cascade-delete them.
CHILDREN_TOO = (PlacementPolicy, AcceleratedProgramme, EquivalencyTable, EquivalencyGradeRule)


def test_migration_0004_keeps_every_row_and_dates_superseded_policies(app, reference):
    """Upgrading a database written before the shared lifecycle loses nothing; a policy that
    a publication retired gets that publication's time as its retirement time."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import column, table, update

    from portal.db import UTCDateTime

    old = table(
        "placement_policies",
        column("id"),
        column("status"),
        column("supersedes_id"),
        column("published_at", UTCDateTime()),
    )
    published_at = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    with app.app_context():
        ids = {
            code: db.session.scalar(
                select(PlacementPolicy.id)
                .join(Jurisdiction, PlacementPolicy.jurisdiction_id == Jurisdiction.id)
                .where(Jurisdiction.code == code)
            )
            for code in ("DE-NW", "DE-BY", "PL")
        }
        before = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in CHILDREN_TOO
        }
        parameters = db.session.scalar(
            select(PlacementPolicy.parameters).where(PlacementPolicy.id == ids["DE-BY"])
        )
        db.session.remove()
        downgrade(revision="0003_name_tokens")
        with db.engine.begin() as conn:  # as the code before 0004 left things
            conn.execute(
                update(old).where(old.c.id.in_([ids["DE-NW"], ids["PL"]])).values(status="retired")
            )
            conn.execute(
                update(old)
                .where(old.c.id == ids["DE-BY"])
                .values(supersedes_id=ids["DE-NW"], published_at=published_at)
            )
        upgrade()
        after = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in CHILDREN_TOO
        }
        rows = {code: db.session.get(PlacementPolicy, i) for code, i in ids.items()}
        assert after == before and min(before.values()) > 0
        assert rows["DE-NW"].retired_at == published_at  # dated by its successor's publication
        assert rows["PL"].retired_at is None  # retired without a successor: unknown, not invented
        assert rows["DE-BY"].parameters == parameters
        assert {r.retired_by_id for r in rows.values()} == {None}
