"""Placement policies: seed loading, engine adapters, the four-eyes lifecycle and its pages."""

from __future__ import annotations

import json
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.common.errors import NotFound
from portal.curricula.loader import DATA_DIR, ReferenceDataError
from portal.extensions import db
from portal.placement.domain import EvidenceLevel, PlacementBasis
from portal.placement.models import AcceleratedProgramme, PlacementPolicy
from portal.placement.policy import domain as parameters
from portal.placement.policy.services import content
from portal.placement.policy.services.lifecycle import (
    POLICIES,
    PolicyChanges,
    PolicyError,
    published_policy_on,
    update_draft,
)
from portal.schools.models import Jurisdiction
from portal.seed import load_reference
from portal.versioning import services as lifecycle
from tests import factories
from tests.conftest import sign_in


def _policy(code: str, version: int = 1) -> PlacementPolicy:
    return db.session.scalar(
        select(PlacementPolicy)
        .join(PlacementPolicy.jurisdiction)
        .where(Jurisdiction.code == code, PlacementPolicy.version == version)
    )


def _user(key: str, world) -> User:
    return db.session.scalar(select(User).where(User.email == world.emails[key]))


@pytest.fixture
def second_official(app, world):
    """A second DE-NW ministry official, who may publish what the first drafted."""
    with app.app_context():
        nw = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "DE-NW"))
        user = factories.make_user("ministry2@test.example", "ministry_official", jurisdiction=nw)
        db.session.commit()
        return user.email


# --- seed ---------------------------------------------------------------------------------


def test_seed_policies_loaded_once_per_system(app, reference):
    with app.app_context():
        rows = db.session.scalars(select(PlacementPolicy)).all()
        assert len(rows) == len(list((DATA_DIR / "policies").glob("*.json"))) == 26
        assert {r.status for r in rows} == {"published"}
        assert all(r.content_hash == content.content_hash(r) for r in rows)
        ug = _policy("UG")
        assert ug.system_version.code == "UG-7-4-2"
        assert [p.code for p in ug.programmes] == ["UG-AEP"]
        assert ug.programmes[0].levels[0] == {"code": "L1", "grades": ["UG-P1", "UG-P2", "UG-P3"]}
        assert ug.parameter_status["aep_age_band"] == "approved"
        assert (
            "Uganda AEP pilots" in ug.parameter_status[parameters.NOTES_KEY]["aep_age_band"]["en"]
        )


def test_seed_reload_changes_nothing(app, reference):
    with app.app_context():
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
        report = load_reference()
        db.session.commit()
        assert report.unchanged["placement_policy"] == 26
        assert report.created["placement_policy"] == report.updated["placement_policy"] == 0
        assert db.session.scalar(select(func.count()).select_from(PlacementPolicy)) == 26
        assert db.session.scalar(select(func.count()).select_from(AcceleratedProgramme)) == 6
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def _data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit_policy_file(root: Path, code: str, change) -> None:
    path = root / "policies" / f"{code}.json"
    content = json.loads(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def test_seed_published_version_is_immutable(app, reference, tmp_path):
    root = _data_copy(tmp_path)
    _edit_policy_file(root, "DE-NW", lambda c: c["parameters"].update(entry_age=7))
    with app.app_context():
        report = load_reference(root)
        db.session.commit()
        assert any("DE-NW-2024 v1" in w and "immutable" in w for w in report.warnings)
        assert _policy("DE-NW").parameters["entry_age"] == 6


def test_seed_new_version_supersedes_the_published_one(app, reference, tmp_path):
    root = _data_copy(tmp_path)

    def bump(content):
        content["version"] = 2
        content["parameters"]["max_grades_below_age"] = 2

    _edit_policy_file(root, "DE-NW", bump)
    with app.app_context():
        report = load_reference(root)
        db.session.commit()
        assert report.created["placement_policy"] == 1
        first, second = _policy("DE-NW", 1), _policy("DE-NW", 2)
        assert (first.status, second.status) == ("retired", "published")
        assert second.supersedes_id == first.id


def test_seed_supersession_is_dated_and_audited_like_a_publication(app, reference, tmp_path):
    root = _data_copy(tmp_path)
    _edit_policy_file(root, "DE-NW", lambda c: c.update(version=2))
    with app.app_context():
        load_reference(root)
        db.session.commit()
        first = _policy("DE-NW", 1)
        assert first.status == "retired"
        assert first.retired_at is not None and first.retired_by_id is None  # by the seed
        details = db.session.scalar(
            select(AuditEntry.details).where(
                AuditEntry.entity_id == first.public_id,
                AuditEntry.action == "placement_policy.retired",
            )
        )
        assert details == {"system_version": "DE-NW-2024", "version": 1, "superseded_by": 2}


def test_seed_policy_naming_unknown_grades_is_refused(app, reference, tmp_path):
    root = _data_copy(tmp_path)
    _edit_policy_file(
        root, "UG", lambda c: c["aep_programmes"][0]["levels"][0]["grades"].append("UG-P99")
    )
    _edit_policy_file(root, "UG", lambda c: c.update(version=2))
    with app.app_context(), pytest.raises(ReferenceDataError, match="UG-P99"):
        load_reference(root)


def test_seed_policy_with_invalid_parameter_is_refused(app, reference, tmp_path):
    root = _data_copy(tmp_path)
    _edit_policy_file(
        root, "PL", lambda c: c.update(version=2) or c["parameters"].update(school_year_start="9")
    )
    with app.app_context(), pytest.raises(ReferenceDataError, match="school_year_start"):
        load_reference(root)


# --- adapters -----------------------------------------------------------------------------


def test_to_domain_policy_converts_seed_types(app, reference):
    with app.app_context():
        nw = content.to_domain_policy(_policy("DE-NW"))
        assert nw.policy_version == "DE-NW-2024/v1"
        assert nw.placement_basis is PlacementBasis.AGE_FIRST
        assert nw.allow_ahead_of_age.min_evidence is EvidenceLevel.E4
        assert nw.language_support.programme.startswith("Preparatory class")
        assert nw.transition_grades == ("DE-NW-G4", "DE-NW-G10")
        assert nw.provisional is True  # the seed marks parameters provisional
        assert content.to_domain_policy(_policy("ER")).language_support is None
        (aep,) = content.to_domain_programmes(_policy("UG"))
        assert (aep.code, aep.certified, aep.age_band) == ("UG-AEP", True, (12, 18))
        assert aep.level_for("UG-P5") == ("L2", ("UG-P4", "UG-P5"))


@pytest.mark.parametrize(
    ("value", "level"),
    [("E0", EvidenceLevel.E0), ("E4", EvidenceLevel.E4), (5, EvidenceLevel.E5)],
    ids=["E0", "E4", "int"],
)
def test_evidence_level_reads_names_and_numbers(value, level):
    assert parameters.evidence_level(value) is level


@pytest.mark.parametrize("value", ["E6", "4", 6, True, None], ids=str)
def test_evidence_level_refuses_others(value):
    with pytest.raises(ValueError):
        parameters.evidence_level(value)


# --- lifecycle ----------------------------------------------------------------------------


def _draft(world):
    return lifecycle.new_version(POLICIES, _policy("DE-NW"), _user("ministry_official", world))


def _changes(row: PlacementPolicy, **parameters) -> PolicyChanges:
    return PolicyChanges(
        parameters={**row.parameters, **parameters},
        valid_from=row.valid_from,
        provisional=row.provisional,
    )


def test_new_version_copies_parameters_and_programmes(app, world, reference):
    with app.app_context():
        draft = lifecycle.new_version(POLICIES, _policy("UG"), factories.make_user(
            "ug@test.example", "ministry_official",
            jurisdiction=db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "UG")),
        ))  # fmt: skip
        assert (draft.version, draft.status) == (2, "draft")
        assert draft.parameters == _policy("UG").parameters
        assert [p.code for p in draft.programmes] == ["UG-AEP"]
        assert draft.supersedes_id == _policy("UG").id


def test_draft_edit_is_validated_against_the_engine(app, world, reference):
    with app.app_context():
        official = _user("ministry_official", world)
        draft = _draft(world)
        bad_reference = {"type": "cutoff_date", "month_day": "13-45", "months": None}
        with pytest.raises(PolicyError) as err:
            update_draft(
                draft, official, _changes(draft, age_reference=bad_reference), draft.lock_version
            )
        assert (err.value.code, err.value.field) == ("invalid_parameter", "age_reference.month_day")
        with pytest.raises(PolicyError) as err:
            update_draft(
                draft, official, _changes(draft, transition_grades=["PL-SP8"]), draft.lock_version
            )
        assert (err.value.code, err.value.field) == ("unknown_grade", "transition_grades")
        with pytest.raises(PolicyError) as err:
            update_draft(draft, official, _changes(draft, colour="red"), None)
        assert err.value.code == "unknown_parameter"
        changed = update_draft(
            draft, official, _changes(draft, max_grades_below_age=2), draft.lock_version
        )
        assert changed == ["max_grades_below_age"]


def test_stale_draft_edit_is_refused(app, world, reference):
    with app.app_context():
        draft = _draft(world)
        with pytest.raises(PolicyError, match="stale"):
            update_draft(
                draft,
                _user("ministry_official", world),
                _changes(draft, entry_age=6),
                draft.lock_version - 1,
            )


def test_publish_needs_a_second_official_and_retires_the_old_version(
    app, world, reference, second_official
):
    with app.app_context():
        official = _user("ministry_official", world)
        draft = _draft(world)
        update_draft(draft, official, _changes(draft, max_grades_below_age=2), draft.lock_version)
        with pytest.raises(PolicyError, match="four_eyes"):
            lifecycle.publish(POLICIES, draft, official)
        reviewer = db.session.scalar(select(User).where(User.email == second_official))
        lifecycle.publish(POLICIES, draft, reviewer, draft.lock_version)
        db.session.commit()
        assert (draft.status, draft.published_by_id) == ("published", reviewer.id)
        assert draft.content_hash == content.content_hash(draft)
        assert _policy("DE-NW", 1).status == "retired"
        on = date(2026, 9, 1)
        assert published_policy_on(draft.system_version, on).version == 2
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "placement_policy")
        ).all()
        # The retirement of version 1 by this publication is audited (it was not before).
        assert actions == [
            "placement_policy.version_started",
            "placement_policy.updated",
            "placement_policy.retired",
            "placement_policy.published",
        ]


def test_published_policy_is_immutable(app, world, reference):
    with app.app_context():
        published = _policy("DE-NW")
        with pytest.raises(PolicyError, match="published_immutable"):
            update_draft(published, _user("ministry_official", world), _changes(published), None)


def test_four_eyes_is_also_a_database_constraint(app, world, reference):
    with app.app_context():
        draft = _draft(world)
        db.session.commit()
        draft.status, draft.published_by_id = "published", draft.drafted_by_id
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_other_jurisdiction_cannot_touch_the_policy(app, world, reference):
    with app.app_context():
        other = _user("ministry_other", world)
        with pytest.raises(NotFound):
            lifecycle.new_version(POLICIES, _policy("DE-NW"), other)
        draft = _draft(world)
        db.session.commit()
        with pytest.raises(NotFound):
            lifecycle.for_view(POLICIES, other, draft.public_id)
        assert lifecycle.for_view(POLICIES, other, _policy("DE-NW").public_id).version == 1


def test_retire_withdraws_the_policy_from_placements(app, world, reference):
    with app.app_context():
        row = _policy("DE-NW")
        lifecycle.retire(POLICIES, row, _user("ministry_official", world), row.lock_version)
        assert published_policy_on(row.system_version, date(2026, 9, 1)) is None
        with pytest.raises(PolicyError, match="not_published"):
            lifecycle.retire(POLICIES, row, _user("ministry_official", world))


# --- pages --------------------------------------------------------------------------------


class _FormValues(HTMLParser):
    """Collect what a browser would submit for the first form with a submit button."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "y")))
            else:
                self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(html: str) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(html[html.index('<form method="post" novalidate>') :])
    values: dict[str, list[str]] = {}
    for name, value in parser.values:
        values.setdefault(name, []).append(value)
    return values


def test_policy_pages_are_for_ministry_officials(app, login_as, reference):
    official = login_as("ministry_official")
    page = official.get("/placement/policies")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "DE-NW-2024" in html and "UG-7-4-2" in html
    with app.app_context():
        public_id = _policy("UG").public_id
    detail = official.get(f"/placement/policies/{public_id}").get_data(as_text=True)
    assert "Accelerated and catch-up programmes" in detail and "UG-AEP" in detail
    assert "Uganda AEP pilots 12-18" in detail  # the seed's provenance note
    assert "Start a new version" not in detail  # not the official's own authority
    assert login_as("school_admin").get("/placement/policies").status_code == 403


def test_policy_ui_draft_edit_and_four_eyes_publication(
    app, login_as, world, reference, second_official, bearer, client
):
    official = login_as("ministry_official")
    with app.app_context():
        public_id = _policy("DE-NW").public_id
    detail = official.get(f"/placement/policies/{public_id}").get_data(as_text=True)
    assert "Start a new version" in detail
    token = _csrf(detail)
    started = official.post(
        f"/placement/policies/{public_id}/new-version",
        data={"csrf_token": token, "lock_version": "1"},
    )
    assert started.status_code == 302 and started.location.endswith("/edit")
    edit_url = started.location
    values = form_values(official.get(edit_url).get_data(as_text=True))
    assert values["entry_age"] == ["6"]
    assert values["age_reference_month_day"] == ["09-30"]
    assert values["transition_grades"] == ["DE-NW-G4", "DE-NW-G10"]
    assert values["ahead_min_evidence"] == ["E4"]

    invalid = {**values, "age_reference_month_day": ["02-31"]}
    refused = official.post(edit_url, data=invalid)
    assert refused.status_code == 400
    assert "This value is not valid" in refused.get_data(as_text=True)

    changed = {**values, "max_grades_below_age": ["2"], "status_max_grades_below_age": ["approved"]}
    saved = official.post(edit_url, data=changed)
    assert saved.status_code == 302
    draft_id = edit_url.rstrip("/").split("/")[-2]

    publish = {"csrf_token": token, "lock_version": _lock(app, draft_id)}
    own = official.post(f"/placement/policies/{draft_id}/publish", data=publish)
    assert own.status_code == 403
    assert "you cannot publish it" in own.get_data(as_text=True)

    reviewer = app.test_client()
    assert sign_in(reviewer, second_official).status_code == 302
    review_page = reviewer.get(f"/placement/policies/{draft_id}").get_data(as_text=True)
    publish["csrf_token"] = _csrf(review_page)
    done = reviewer.post(f"/placement/policies/{draft_id}/publish", data=publish)
    assert done.status_code == 302
    with app.app_context():
        v2 = _policy("DE-NW", 2)
        assert (v2.status, v2.parameters["max_grades_below_age"]) == ("published", 2)
        assert v2.parameter_status["max_grades_below_age"] == "approved"

    from tests.integration.test_placement_api import worked_example

    body = client.post(
        "/api/v1/placements/preview", json=worked_example(), headers=bearer("school_admin")
    ).get_json()
    assert body["policy_version"] == "DE-NW-2024/v2"
    # With two grades allowed below the age, the target is max(5, 9 - 2) = 7.
    assert body["recommendation"]["grade"]["code"] == "DE-NW-G7"


def test_policy_draft_is_hidden_from_other_authorities(app, login_as, world, reference):
    with app.app_context():
        draft = _draft(world)
        db.session.commit()
        draft_id = draft.public_id
    assert login_as("ministry_other").get(f"/placement/policies/{draft_id}").status_code == 404
    assert login_as("ministry_other").get(f"/placement/policies/{draft_id}/edit").status_code == 404
    assert login_as("ministry_official").get(f"/placement/policies/{draft_id}").status_code == 200


def _csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _lock(app, public_id: str) -> str:
    with app.app_context():
        row = db.session.scalar(
            select(PlacementPolicy).where(PlacementPolicy.public_id == public_id)
        )
        return str(row.lock_version)
