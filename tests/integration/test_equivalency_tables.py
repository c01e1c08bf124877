"""Equivalency-table lifecycle: drafting, rules editor, four eyes, versions, diff, locking."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.curricula.equivalency.domain.rules import TableFields
from portal.curricula.equivalency.services import content, drafting
from portal.curricula.equivalency.services.lifecycle import TABLES, TableError
from portal.curricula.models import EquivalencyGradeRule, EquivalencyTable
from portal.extensions import db
from portal.versioning import services as lifecycle
from portal.versioning.domain import canonical_hash
from tests import curricula_factories
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def ref(app, world):
    with app.app_context():
        built = curricula_factories.build_reference()
        db.session.commit()
        return built


@pytest.fixture
def second(app, ref):
    """A client signed in as the second DE-NW official (the reviewer)."""
    c = app.test_client()
    assert sign_in(c, ref.second_official).status_code == 302
    return c


def _table(app, public_id: str) -> dict:
    with app.app_context():
        t = db.session.scalar(
            select(EquivalencyTable).where(EquivalencyTable.public_id == public_id)
        )
        return {
            "status": t.status,
            "version": t.version,
            "lock_version": t.lock_version,
            "precedence": t.precedence,
            "drafted_by": t.drafted_by_id and db.session.get(User, t.drafted_by_id).email,
            "published_by": t.published_by_id and db.session.get(User, t.published_by_id).email,
            "content_hash": t.content_hash,
            "supersedes": t.supersedes.public_id if t.supersedes else None,
            "rules": [(r.origin_grade, r.dest_grade, r.relation) for r in t.grade_rules],
            "code": t.code,
        }


def _actions(app, public_id: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_id == public_id)
                .order_by(AuditEntry.seq)
            )
        )


def _lock(html: str, prefix: str = "") -> str:
    name = f"{prefix}lock_version"
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="(\d+)"', html)
    assert match, name
    return match.group(1)


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _new_draft(c, origin="UA-2018", destination="DE-NW-2024", **extra):
    data = {
        "origin": origin,
        "destination": destination,
        "valid_from": "2025-08-01",
        "precedence": "0",
        "authority": "Ministry of Schools NRW",
        "basis": "Bilateral agreement",
        "sources": "UIS-COM",
        "csrf_token": csrf_token(c, "/reference/tables/new"),
        **extra,
    }
    return c.post("/reference/tables/new", data=data)


def _rules_post(c, public_id: str, *, lock: str, grade=(), subject=(), mark=()):
    data = {"rules-csrf_token": csrf_token(c, "/reference/tables"), "rules-lock_version": lock}
    for kind, rows in (("grade_rules", grade), ("subject_mappings", subject), ("mark_rules", mark)):
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"rules-{kind}-{i}-{key}"] = value
    return c.post(f"/reference/tables/{public_id}/rules", data=data)


def _action(c, public_id: str, action: str, lock: str | int | None = None):
    data = {"csrf_token": csrf_token(c, "/reference/tables")}
    if lock is not None:
        data["lock_version"] = str(lock)
    return c.post(f"/reference/tables/{public_id}/{action}", data=data)


def _public_id(location: str) -> str:
    return location.split("/reference/tables/")[1].split("/")[0]


# --- drafting -----------------------------------------------------------------------------


def test_official_creates_draft_owned_by_own_authority(app, login_as, ref):
    c = login_as("ministry_official")
    r = _new_draft(c)
    assert r.status_code == 302
    public_id = _public_id(r.headers["Location"])
    assert r.headers["Location"].endswith("/edit")
    t = _table(app, public_id)
    assert (t["code"], t["status"], t["version"]) == ("UA__DE-NW", "draft", 1)
    assert t["drafted_by"] == "ministry@test.example"
    assert _actions(app, public_id) == ["equivalency_table.drafted"]
    with app.app_context():
        details = db.session.scalar(
            select(AuditEntry.details).where(AuditEntry.entity_id == public_id)
        )
    assert details == {
        "code": "UA__DE-NW",
        "version": 1,
        "origin": "UA-2018",
        "destination": "DE-NW-2024",
    }


def test_new_table_destination_must_be_own_authority(app, login_as, ref):
    c = login_as("ministry_official")
    html = c.get("/reference/tables/new").get_data(as_text=True)
    destination_select = html.split('name="destination"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option[^>]*value="([^"]+)"', destination_select) == ["DE-NW-2024"]
    r = _new_draft(c, destination="DE-BY-2024")
    assert r.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EquivalencyTable)) == 2
        official = db.session.scalar(select(User).where(User.email == "ministry@test.example"))
        with pytest.raises(TableError) as err:
            drafting.create_draft(
                official, "UA-2018", "DE-BY-2024", TableFields(valid_from=_date())
            )
        assert err.value.code == "destination_not_own"


def _date():
    from datetime import date

    return date(2025, 8, 1)


def test_new_table_for_an_existing_code_is_refused(login_as, ref):
    r = _new_draft(login_as("ministry_official"), origin="SY-2002")
    assert r.status_code == 400
    assert "The table SY__DE-NW already exists." in _text(r.get_data(as_text=True))


def test_new_table_with_unknown_source_key_is_refused(login_as, ref):
    r = _new_draft(login_as("ministry_official"), sources="UIS-COM NOPE")
    assert r.status_code == 400
    assert "Unknown source keys: NOPE" in _text(r.get_data(as_text=True))


@pytest.mark.parametrize("role", ["system_admin", "school_admin", "guardian"])
def test_new_table_page_is_403_for_other_roles(login_as, ref, role):
    assert login_as(role).get("/reference/tables/new").status_code == 403


# --- rules editor --------------------------------------------------------------------------


def _draft_with_rules(c) -> str:
    r = _new_draft(c)
    public_id = _public_id(r.headers["Location"])
    lock = _lock(c.get(f"/reference/tables/{public_id}/edit").get_data(as_text=True), "rules-")
    r = _rules_post(
        c,
        public_id,
        lock=lock,
        grade=[
            {"origin": "UA-G1", "destination": "DE-NW-G1", "relation": "exact"},
            {"origin": "UA-G2", "destination": "DE-NW-G2", "relation": "exact"},
            {"origin": "UA-G3", "destination": "DE-NW-G3", "relation": "partial"},
        ],
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    return public_id


def test_rules_editor_shows_rows_with_selects_empty_rows_and_remove(login_as, ref):
    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    html = c.get(f"/reference/tables/{public_id}/edit").get_data(as_text=True)
    # three rules plus three empty rows, each with a grade select and a remove box
    assert len(re.findall(r'<select[^>]+name="rules-grade_rules-\d+-origin"', html)) == 6
    assert len(re.findall(r'name="rules-grade_rules-\d+-remove"', html)) == 6
    selected = re.findall(r'<option selected value="(UA-G\d)"', html) or re.findall(
        r'<option value="(UA-G\d)" selected', html
    )
    assert selected == ["UA-G1", "UA-G2", "UA-G3"]
    assert 'name="rules-subject_mappings-0-origin"' in html
    assert 'name="rules-mark_rules-0-method"' in html
    assert "<script>" not in html


def test_rules_editor_changes_adds_and_removes_rows(app, login_as, ref):
    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    lock = _lock(c.get(f"/reference/tables/{public_id}/edit").get_data(as_text=True), "rules-")
    r = _rules_post(
        c,
        public_id,
        lock=lock,
        grade=[
            {"origin": "UA-G1", "destination": "DE-NW-G1", "relation": "exact"},
            {"origin": "UA-G2", "destination": "DE-NW-G2", "relation": "exact", "remove": "y"},
            {"origin": "UA-G3", "destination": "DE-NW-G4", "relation": "broader"},
            {
                "origin": "UA-G4",
                "destination": "DE-NW-G4",
                "relation": "exact",
                "conditions": "requires_certificate=UA-BASIC;requires_assessment=true",
            },
            {"origin": "", "destination": "", "relation": "exact"},
        ],
        subject=[{"origin": "MATH", "destination": "MATH", "note_en": "Same subject"}],
        mark=[
            {
                "origin": "UA-1-12",
                "destination": "DE-1-6",
                "method": "modified_bavarian",
                "rounding": "KMK_TRUNCATE_1DP",
                "best": "12",
                "pass_mark": "4",
            }
        ],
    )
    assert r.status_code == 302, _text(r.get_data(as_text=True))
    assert _table(app, public_id)["rules"] == [
        ("UA-G1", "DE-NW-G1", "exact"),
        ("UA-G3", "DE-NW-G4", "broader"),
        ("UA-G4", "DE-NW-G4", "exact"),
    ]
    with app.app_context():
        rules = content.rule_rows(lifecycle.for_view(TABLES, _official(), public_id), "grade")
        mark = content.rule_rows(lifecycle.for_view(TABLES, _official(), public_id), "mark")
    assert rules[2]["conditions"] == {
        "requires_assessment": True,
        "requires_certificate": "UA-BASIC",
    }
    assert mark == [
        {
            "origin_scale": "UA-1-12",
            "method": "modified_bavarian",
            "rounding": "KMK_TRUNCATE_1DP",
            "best": "12",
            "pass_mark": "4",
            "target_scale": "DE-1-6",
        }
    ]
    assert _actions(app, public_id).count("equivalency_table.rules_replaced") == 2


def _official(email: str = "ministry@test.example") -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_rules_editor_reports_every_invalid_row_and_saves_nothing(app, login_as, ref):
    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    before = _table(app, public_id)
    r = _rules_post(
        c,
        public_id,
        lock=str(before["lock_version"]),
        grade=[
            {"origin": "UA-G1", "destination": "DE-NW-G1", "relation": "exact"},
            {"origin": "UA-G1", "destination": "DE-NW-G2", "relation": "exact"},
            {"origin": "UA-G5", "destination": "", "relation": "exact"},
        ],
        mark=[
            {"origin": "UA-1-12", "method": "modified_bavarian", "rounding": "", "best": "twelve"}
        ],
    )
    assert r.status_code == 400
    text = _text(r.get_data(as_text=True))
    assert "Some rules are not valid. Nothing was saved." in text
    assert "The same rule already appears in row 1." in text
    assert "A value is required." in text
    assert "twelve is not a number." in text
    assert _table(app, public_id) == before


def test_rules_editor_refuses_malformed_conditions(app, login_as, ref):
    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    before = _table(app, public_id)
    r = _rules_post(
        c,
        public_id,
        lock=str(before["lock_version"]),
        grade=[
            {
                "origin": "UA-G1",
                "destination": "DE-NW-G1",
                "relation": "exact",
                "conditions": "Stream scientific",
            }
        ],
    )
    assert r.status_code == 400
    assert "Write conditions as key=value;key=value" in _text(r.get_data(as_text=True))
    assert _table(app, public_id) == before


# --- four eyes, publication, immutability ---------------------------------------------------


def test_drafter_cannot_publish_but_a_second_official_can(app, login_as, second, ref):
    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    lock = _table(app, public_id)["lock_version"]

    r = _action(c, public_id, "publish", lock)
    assert r.status_code == 403
    assert "You drafted this version, so you cannot publish it." in _text(r.get_data(as_text=True))
    assert _table(app, public_id)["status"] == "draft"

    r = _action(second, public_id, "publish", lock)
    assert r.status_code == 302
    t = _table(app, public_id)
    assert (t["status"], t["published_by"]) == ("published", ref.second_official)
    assert re.fullmatch(r"[0-9a-f]{64}", t["content_hash"])
    with app.app_context():
        table = db.session.scalar(
            select(EquivalencyTable).where(EquivalencyTable.public_id == public_id)
        )
        assert t["content_hash"] == content.content_hash(table)
        details = db.session.scalar(
            select(AuditEntry.details).where(
                AuditEntry.action == "equivalency_table.published",
                AuditEntry.entity_id == public_id,
            )
        )
    assert details == {
        "code": "UA__DE-NW",
        "version": 1,
        "content_hash": t["content_hash"],
        "retired_version": None,
    }


def test_publishing_needs_rules(app, login_as, second, ref):
    r = _new_draft(login_as("ministry_official"))
    public_id = _public_id(r.headers["Location"])
    r = _action(second, public_id, "publish", _table(app, public_id)["lock_version"])
    assert r.status_code == 400
    assert "This draft has no rules yet." in _text(r.get_data(as_text=True))
    assert _table(app, public_id)["status"] == "draft"


def test_publish_refuses_a_draft_changed_after_review(app, login_as, second, ref):
    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    reviewed = _lock(second.get(f"/reference/tables/{public_id}").get_data(as_text=True))
    _rules_post(
        c,
        public_id,
        lock=str(_table(app, public_id)["lock_version"]),
        grade=[{"origin": "UA-G1", "destination": "DE-NW-G5", "relation": "exact"}],
    )
    r = _action(second, public_id, "publish", reviewed)
    assert r.status_code == 409
    assert "Someone changed this table after you opened it" in _text(r.get_data(as_text=True))
    assert _table(app, public_id)["status"] == "draft"


def test_published_table_is_immutable(app, login_as, ref):
    public_id = ref.tables["sy_nw"]
    c = login_as("ministry_official")
    before = _table(app, public_id)
    r = c.post(
        f"/reference/tables/{public_id}/edit",
        data={
            "valid_from": "2020-01-01",
            "precedence": "5",
            "lock_version": str(before["lock_version"]),
            "csrf_token": csrf_token(c, "/reference/tables"),
        },
    )
    assert r.status_code == 409
    assert "Published and retired versions cannot be changed." in _text(r.get_data(as_text=True))
    r = _rules_post(c, public_id, lock=str(before["lock_version"]), grade=[])
    assert r.status_code == 409
    r = c.get(f"/reference/tables/{public_id}/edit")
    assert r.status_code == 302
    assert _table(app, public_id) == before
    with app.app_context():
        table = db.session.scalar(
            select(EquivalencyTable).where(EquivalencyTable.public_id == public_id)
        )
        for call in (
            lambda: drafting.update_draft(
                table, _official(), TableFields(valid_from=_date()), table.lock_version
            ),
            lambda: drafting.replace_rules(table, _official(), [], [], []),
            lambda: lifecycle.publish(
                TABLES, table, _official(curricula_factories.SECOND_OFFICIAL)
            ),
        ):
            with pytest.raises(TableError) as err:
                call()
            assert err.value.code == "published_immutable"


def test_new_version_supersedes_and_retires_the_old_one_on_publish(app, login_as, second, ref):
    v1 = ref.tables["sy_nw"]
    c = login_as("ministry_official")
    r = _action(c, v1, "new-version", _table(app, v1)["lock_version"])
    assert r.status_code == 302
    v2 = _public_id(r.headers["Location"])
    draft = _table(app, v2)
    assert (draft["version"], draft["status"], draft["supersedes"]) == (2, "draft", v1)
    assert draft["rules"] == _table(app, v1)["rules"]
    assert draft["drafted_by"] == "ministry@test.example"
    # only one draft at a time
    r = _action(c, v1, "new-version", _table(app, v1)["lock_version"])
    assert r.status_code == 409
    assert "A draft of this table is already being prepared." in _text(r.get_data(as_text=True))

    r = _action(second, v2, "publish", draft["lock_version"])
    assert r.status_code == 302
    assert _table(app, v1)["status"] == "retired"
    assert _table(app, v2)["status"] == "published"
    # identical content, so the same fingerprint
    assert _table(app, v2)["content_hash"] == _table(app, v1)["content_hash"]
    assert _actions(app, v1)[-1] == "equivalency_table.retired"  # by the publication
    with app.app_context():
        details = db.session.scalar(
            select(AuditEntry.details)
            .where(AuditEntry.entity_id == v1)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
    assert details == {"code": "SY__DE-NW", "version": 1, "superseded_by": 2}
    with app.app_context():
        history = lifecycle.history(TABLES, "SY__DE-NW")
        assert [(t.version, t.status) for t in history] == [(2, "published"), (1, "retired")]
        published = lifecycle.visible(TABLES, _official("guardian@test.example"))
        assert [t.public_id for t in published] == [v2]

    html = c.get(f"/reference/tables/{v2}").get_data(as_text=True)
    versions = html.split('<h2 class="h5 mt-4">Versions</h2>', 1)[1]
    assert versions.index(f"/reference/tables/{v2}") < versions.index(f"/reference/tables/{v1}")
    assert "Retired" in _text(versions) and "Published" in _text(versions)


def test_retire_withdraws_a_published_table(app, login_as, ref):
    public_id = ref.tables["sy_nw"]
    c = login_as("ministry_official")
    r = _action(c, public_id, "retire", _table(app, public_id)["lock_version"])
    assert r.status_code == 302
    assert _table(app, public_id)["status"] == "retired"
    assert _actions(app, public_id)[-1] == "equivalency_table.retired"
    html = login_as("guardian").get("/reference/tables").get_data(as_text=True)
    assert public_id not in html
    # still readable from its history
    assert login_as("guardian").get(f"/reference/tables/{public_id}").status_code == 200


# --- diff -----------------------------------------------------------------------------------


def test_diff_shows_added_removed_and_changed_rules_side_by_side(app, login_as, ref):
    v1 = ref.tables["sy_nw"]
    c = login_as("ministry_official")
    v2 = _public_id(_action(c, v1, "new-version", 1).headers["Location"])
    lock = _lock(c.get(f"/reference/tables/{v2}/edit").get_data(as_text=True), "rules-")
    r = _rules_post(
        c,
        v2,
        lock=lock,
        grade=[
            {
                "origin": "SY-G1",
                "destination": "DE-NW-G1",
                "relation": "exact",
                "note_en": "Same year 1",
            },
            {
                "origin": "SY-G3",
                "destination": "DE-NW-G2",
                "relation": "narrower",
                "note_en": "Same year 3",
            },
            {"origin": "SY-G4", "destination": "DE-NW-G4", "relation": "exact"},
        ],
        subject=[{"origin": "MATH", "destination": "MATH"}],
        mark=[
            {
                "origin": "SY-0-100",
                "destination": "DE-1-6",
                "method": "modified_bavarian",
                "rounding": "KMK_TRUNCATE_1DP",
            }
        ],
    )
    assert r.status_code == 302
    with app.app_context():
        official = _official()
        d = drafting.diff(
            lifecycle.for_edit(TABLES, official, v2), lifecycle.for_view(TABLES, official, v1)
        )
        grade = [
            (row.status, (row.old or row.new)["origin_grade"], row.changed) for row in d.grade_rules
        ]
    assert grade == [
        ("unchanged", "SY-G1", ()),
        ("removed", "SY-G2", ()),
        ("changed", "SY-G3", ("dest_grade", "relation")),
        ("added", "SY-G4", ()),
    ]
    assert (d.count("added"), d.count("removed"), d.count("changed")) == (1, 1, 1)

    html = c.get(f"/reference/tables/{v2}/diff").get_data(as_text=True)
    rows = re.findall(r"<tr( class=\"[^\"]*\")?>(.*?)</tr>", html, flags=re.S)
    marked = [(cls.strip(), _text(body).split()[0:2]) for cls, body in rows if "SY-G" in body]
    assert marked == [
        ("", ["=", "Unchanged"]),
        ('class="table-danger"', ["−", "Removed"]),
        ('class="table-warning"', ["~", "Changed"]),
        ('class="table-success"', ["+", "Added"]),
    ]
    changed_row = next(body for cls, body in rows if "table-warning" in cls)
    assert "<ins><code>DE-NW-G2</code>" in changed_row
    assert "<del><code>DE-NW-G3</code>" in changed_row
    assert "Destination grade, Relation" in _text(changed_row)
    assert "1 rule added" in _text(html) and "1 rule removed" in _text(html)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["ministry_other", "school_admin", "guardian", "system_admin"])
def test_edit_urls_are_404_outside_the_owning_authority(app, login_as, ref, role):
    c = login_as(role)
    for public_id in (ref.tables["sy_nw"], "no-such-table"):
        for path in ("edit", "import"):
            assert c.get(f"/reference/tables/{public_id}/{path}").status_code == 404, path
        for action in ("publish", "retire", "new-version", "rules"):
            assert _action(c, public_id, action, 1).status_code == 404, action
    assert _table(app, ref.tables["sy_nw"])["status"] == "published"


def test_drafts_of_another_authority_are_404_for_officials(login_as, ref):
    draft = ref.tables["ua_by_draft"]
    c = login_as("ministry_official")
    for path in ("", "/edit", "/import", "/diff", "/export.csv"):
        assert c.get(f"/reference/tables/{draft}{path}").status_code == 404, path
    assert _action(c, draft, "publish", 1).status_code == 404


# --- optimistic locking ---------------------------------------------------------------------


def test_stale_edit_answers_409_and_changes_nothing(app, login_as, ref):
    first = login_as("ministry_official")
    public_id = _draft_with_rules(first)
    other = login_as("ministry_official")
    page_a = first.get(f"/reference/tables/{public_id}/edit").get_data(as_text=True)
    page_b = other.get(f"/reference/tables/{public_id}/edit").get_data(as_text=True)
    lock = _lock(page_a)
    assert lock == _lock(page_b)

    def post(client, precedence):
        return client.post(
            f"/reference/tables/{public_id}/edit",
            data={
                "valid_from": "2025-08-01",
                "precedence": precedence,
                "authority": "Ministry",
                "lock_version": lock,
                "csrf_token": csrf_token(client, "/reference/tables"),
            },
        )

    assert post(first, "1").status_code == 302
    after_first = _table(app, public_id)
    r = post(other, "7")
    assert r.status_code == 409
    assert "Someone changed this table after you opened it, so nothing was saved." in _text(
        r.get_data(as_text=True)
    )
    assert _table(app, public_id) == after_first
    assert after_first["precedence"] == 1
    assert after_first["lock_version"] == int(lock) + 1


def test_stale_rules_submit_answers_409_and_changes_nothing(app, login_as, ref):
    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    stale = _lock(c.get(f"/reference/tables/{public_id}/edit").get_data(as_text=True), "rules-")
    ok = _rules_post(
        c,
        public_id,
        lock=stale,
        grade=[{"origin": "UA-G1", "destination": "DE-NW-G1", "relation": "exact"}],
    )
    assert ok.status_code == 302
    before = _table(app, public_id)
    r = _rules_post(
        c,
        public_id,
        lock=stale,
        grade=[{"origin": "UA-G9", "destination": "DE-NW-G9", "relation": "exact"}],
    )
    assert r.status_code == 409
    assert _table(app, public_id) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EquivalencyGradeRule)) == 5


def test_concurrent_writer_is_refused_by_the_version_column(app, login_as, ref):
    """The in-memory check is backed by the database: a lost race raises StaleDataError,
    which the lifecycle answers as the table's "stale" refusal (409), not as a crash."""
    from sqlalchemy.orm.exc import StaleDataError

    c = login_as("ministry_official")
    public_id = _draft_with_rules(c)
    with app.app_context():
        table = lifecycle.for_edit(TABLES, _official(), public_id)
        seen = table.lock_version
        db.session.execute(
            EquivalencyTable.__table__.update()
            .where(EquivalencyTable.__table__.c.public_id == public_id)
            .values(lock_version=seen + 1)
        )
        with pytest.raises(TableError) as err:
            drafting.update_draft(
                table, _official(), TableFields(valid_from=_date(), precedence=3), seen
            )
        assert isinstance(err.value.__cause__, StaleDataError)
        assert (err.value.code, err.value.status) == ("stale", 409)
        db.session.rollback()


# --- content hash ---------------------------------------------------------------------------


def test_content_hash_is_canonical_and_stable(app, ref):
    with app.app_context():
        table = lifecycle.for_view(TABLES, _official(), ref.tables["sy_nw"])
        canonical = content.table_content(table)
        # the same bytes on SQLite and PostgreSQL: fixed factory content, fixed digest
        assert table.content_hash == canonical_hash(canonical)
        assert table.content_hash == (
            "ce91f8df27ba54918ad211623a3afc809e472a6b42fdee00b4e2bcd6cb72eaf1"
        )
        assert list(canonical) == [
            "origin",
            "destination",
            "valid_from",
            "valid_to",
            "precedence",
            "provisional",
            "authority",
            "basis",
            "sources",
            "grade_rules",
            "subject_mappings",
            "mark_rules",
        ]
