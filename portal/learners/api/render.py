"""The JSON form of learners, studies and assessments (as the response schemas describe)."""

from __future__ import annotations

from portal.curricula.models import EducationSystemVersion
from portal.extensions import db
from portal.learners import services
from portal.learners.models import Assessment, Learner, StudyRecord


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _names(learner: Learner) -> list[dict]:
    return [
        {"given": n.given, "family": n.family, "script": n.script, "kind": n.kind}
        for n in learner.names
    ]


def summary_json(user, learner: Learner) -> dict:
    """Return the search-result form of a learner (with the token user's access)."""
    return {
        "id": learner.public_id,
        "names": _names(learner),
        "birth_date": _iso(learner.birth_date),
        "birth_date_precision": learner.birth_date_precision,
        "access": "write" if services.can_write(user, learner) else "read",
    }


def study_json(study: StudyRecord) -> dict:
    """Return a study with its evidence and raw results."""
    return {
        "id": study.public_id,
        "system": study.system_version.jurisdiction.code,
        "system_version": study.system_version.code,
        "grade": study.grade_code,
        "status": study.status,
        "fraction": study.fraction,
        "evidence_level": study.evidence_level,
        "school_name": study.school_name,
        "school_place": study.school_place,
        "period_start": _iso(study.period_start),
        "period_end": _iso(study.period_end),
        "period_original": study.period_original,
        "period_calendar": study.period_calendar,
        "source": study.source,
        "verified_issuer": study.verified_issuer,
        "evidence": [
            {
                "document_type": e.document_type,
                "issuer": e.issuer,
                "verified": e.verified,
                "note": e.note,
            }
            for e in study.evidence
        ],
        "results": [
            {
                "subject_code": r.subject_code,
                "subject_name": r.subject_name,
                "raw_mark": r.raw_mark,
                "scale": {
                    "code": r.scale_code,
                    "kind": r.scale_kind,
                    "best": r.scale_best,
                    "pass": r.scale_pass,
                    "worst": r.scale_worst,
                },
            }
            for r in study.results
        ],
    }


def assessment_json(assessment: Assessment) -> dict:
    """Return an assessment."""
    level_id = assessment.level_system_version_id
    level_system = db.session.get(EducationSystemVersion, level_id) if level_id else None
    return {
        "id": assessment.public_id,
        "kind": assessment.kind,
        "instrument": assessment.instrument,
        "assessor": assessment.assessor,
        "assessed_on": assessment.assessed_on.isoformat(),
        "results": assessment.results,
        "level_cumulative_index": assessment.level_cumulative_index,
        "level_system_version": level_system.code if level_system else None,
        "language": assessment.language,
        "cefr": assessment.cefr,
    }


def learner_json(user, learner: Learner) -> dict:
    """Return the full record of a learner."""
    return {
        **summary_json(user, learner),
        "school": {"id": learner.school.public_id, "name": learner.school.name},
        "birth_date_source": learner.birth_date_source,
        "birth_date_original": learner.birth_date_original,
        "birth_date_calendar": learner.birth_date_calendar,
        "languages": [
            {"language": lang.language, "proficiency": lang.proficiency}
            for lang in learner.languages
        ],
        "identifiers": [{"kind": i.kind, "value": i.value} for i in learner.identifiers],
        "studies": [study_json(s) for s in learner.studies],
        "assessments": [assessment_json(a) for a in learner.assessments],
        "enrolments": [
            {
                "school": {"id": e.school.public_id, "name": e.school.name},
                "grade": e.grade_code,
                "programmes": list(e.programmes or []),
                "start_on": _iso(e.start_on),
                "end_on": _iso(e.end_on),
                "status": e.status,
            }
            for e in learner.enrolments
        ],
    }
