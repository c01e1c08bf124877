"""API operations: placement previews for unrecorded learners, recommendations for recorded ones."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint

from portal.api.operation import operation
from portal.api.problems import InvalidInput, Problem, ProblemStyle
from portal.api.tokens import api_user
from portal.auth.domain import Role
from portal.learners.api import writable_learner
from portal.learners.models import Learner
from portal.placement import explain, inputs, messages, services
from portal.placement.api import schemas as s

bp = Blueprint("placement", __name__)
TAG = "placement"


def _text(code: str, params: Mapping[str, object]) -> str:
    if "choices" in params:  # the schema's name for the list; placement's texts say "allowed"
        params = {**params, "allowed": params["choices"]}
    return messages.problem_message(code, params)


# Problems keep the codes and texts placement clients knew before the schema was published.
PROBLEMS = ProblemStyle(
    renames={
        "not_date": "invalid_date",
        "not_list": "not_a_list",
        "not_object": "not_an_object",
        "not_text": "required",
        "not_integer": "out_of_range",
    },
    text=_text,
)


def _invalid(err: inputs.PlacementInputError) -> InvalidInput:
    return InvalidInput([Problem(p.field, p.code, dict(p.params)) for p in err.problems], PROBLEMS)


def _grade(grade: Mapping | None, labels: explain.Labels) -> dict | None:
    if grade is None:
        return None
    return {
        "code": grade["code"],
        "label": labels.grade(grade["code"]),
        "cumulative_index": grade["cumulative_index"],
    }


def placement_json(snapshot: Mapping) -> dict:
    """Return the API form of a placement snapshot, with texts in the request's language."""
    labels = explain.labels_for(snapshot)
    computed = snapshot["computed"]
    recommendation = snapshot["recommendation"]
    return {
        "destination": {
            "jurisdiction": str(snapshot["destination"]).split("/")[0],
            "version": snapshot.get("destination_version"),
            "enrolment_date": snapshot["enrolment_date"],
        },
        "computed": {
            "age_reference_date": computed["age_reference_date"],
            "age": computed["age"],
            "entry_year": computed["entry_year"],
            "age_grade": computed["age_grade_index"],
            "attained_years": computed["attained_years"],
            "level_grade": computed["level_grade_index"],
            "delta": computed["delta"],
            "gap_years": computed["gap_years"],
            "mid_year": computed["mid_year"],
            "school_year_start_date": computed["school_year_start_date"],
            "remaining_year_fraction": computed["remaining_year_fraction"],
        },
        "recommendation": {
            "grade": _grade(recommendation["grade"], labels),
            "programmes": [
                {"code": p, "label": messages.programme_label(p)}
                for p in recommendation["programmes"]
            ],
            "aep_programme": recommendation["aep_programme"],
            "aep_level": recommendation["aep_level"],
            "provisional": recommendation["provisional"],
            "assessment_due": recommendation["assessment_due"],
            "review_due": recommendation["review_due"],
            "alternatives": [
                {
                    "grade": {"code": a["grade"], "label": labels.grade(a["grade"])},
                    "reason": a["reason"],
                    "text": messages.alternative_label(a["reason"]),
                }
                for a in recommendation["alternatives"]
            ],
            "summary": explain.summary(snapshot, labels),
        },
        "rules": [
            {"code": r.code, "params": r.params, "text": r.text}
            for r in explain.explain_rules(snapshot, labels)
        ],
        "confidence": snapshot["confidence"],
        "confidence_label": messages.confidence_label(snapshot["confidence"]),
        "confidence_factors": [
            {"code": f, "text": messages.factor_label(f)} for f in snapshot["confidence_factors"]
        ],
        "policy_version": snapshot["policy_version"],
        "equivalency_source": snapshot["equivalency_source"],
        "tables": [{"table": t["table_id"], "version": t["version"]} for t in snapshot["tables"]],
        "tables_consulted": [
            {"table": t["table_id"], "version": t["version"]}
            for t in snapshot.get("tables_consulted", [])
        ],
    }


@bp.post("/placements/preview")
@operation(
    "previewPlacement",
    tag=TAG,
    summary="Recommend a placement for a learner described in the request",
    description="Stateless: nothing is stored. The destination system version in force on "
    "the enrolment date, its published placement policy and the published equivalency "
    "tables are applied (DOMAIN §6.4). Texts are in the language of Accept-Language.",
    body=s.PlacementRequest,
    responses={200: s.Placement},
    problems=PROBLEMS,
)
def placement_preview(body: s.PlacementRequest):
    # The schema has passed; the reader shared with the cohort CSV builds the engine's
    # request and checks the rules across fields (a birth date after the enrolment).
    payload = body.model_dump(mode="json", exclude_none=True)
    try:
        placement = services.place(inputs.read_request(payload))
    except inputs.PlacementInputError as err:
        raise _invalid(err) from None
    return placement_json(services.snapshot(placement))


@bp.post("/learners/<id>/placements")
@operation(
    "recommendPlacement",
    tag=TAG,
    summary="Recommend and store a placement for a recorded learner",
    description="School administrators of the school holding the record only. The "
    "learner's studies, assessments and languages are used; the result is stored "
    "immutably with the policy and table versions.",
    roles=(Role.SCHOOL_ADMIN,),
    target=writable_learner,
    body=s.LearnerPlacementRequest,
    responses={201: s.StoredPlacement},
    errors=(403, 404),
    problems=PROBLEMS,
)
def learner_placement(learner: Learner, body: s.LearnerPlacementRequest):
    try:
        recommendation = services.recommend_for_learner(
            api_user(), learner, body.destination, body.enrolment_date
        )
    except inputs.PlacementInputError as err:
        raise _invalid(err) from None
    return {"id": recommendation.public_id, **placement_json(recommendation.snapshot)}, 201
