"""Across borders: a receiving school turns a verified passport into a new learner record.

Only a passport that verifies as "valid" is imported. "valid_status_not_current" (the
signature holds but we hold no fresh copy of the issuer's revocation list) is imported only
when the school explicitly confirms it, because the passport may have been revoked since the
list was last fetched. Everything else (revoked, expired, invalid, unknown issuer) is refused.

Studies arrive at evidence level E5 (a signed credential from a trusted issuer, checked now),
with source "passport" and the signing issuer and key recorded; the issuer's own evidence level
for each study is kept in the evidence note. The credential id becomes an identifier of the
new learner, so the same passport cannot be imported twice at a school.
"""

from __future__ import annotations

from datetime import date

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.learners.models import Learner
from portal.learners.services import (
    EvidenceInput,
    LearnerInput,
    LearnerInputError,
    LearnerReadOnly,
    NameInput,
    ResultInput,
    StudyInput,
    add_study,
    create_learner,
    identifier_elsewhere,
    matching_identifiers,
)
from portal.passports import domain as d
from portal.passports import status_list as sl
from portal.passports.verification import Verification

CREDENTIAL_IDENTIFIER = "other"
VERIFIED_EVIDENCE_LEVEL = 5


class ImportRefused(Exception):
    """The passport is not imported; ``code`` says why (translated at the edge)."""

    def __init__(self, code: str, problems: dict | None = None) -> None:
        super().__init__(code)
        self.code, self.problems = code, problems or {}


def check_importable(result: Verification, confirm_not_current: bool = False) -> None:
    """Raise ImportRefused unless the verification allows an import."""
    if result.status == sl.VALID_STATUS_NOT_CURRENT and not confirm_not_current:
        raise ImportRefused("confirm_status_not_current")
    if result.status not in (sl.VALID, sl.VALID_STATUS_NOT_CURRENT):
        raise ImportRefused(f"status_{result.status}")
    if not isinstance(result.document, d.PassportContent) or result.key is None:
        raise ImportRefused("summary_only")


def _partial_date(text: str | None) -> date | None:
    """Return the first day a partial ISO date (YYYY, YYYY-MM, YYYY-MM-DD) can mean."""
    if not text:
        return None
    parts = [int(p) for p in text.split("-")]
    return date(parts[0], *[*parts[1:], 1, 1][:2])


def _birth(holder: d.Holder) -> tuple[date, str]:
    precision = {4: "year", 7: "month"}.get(len(holder.birth_date), holder.birth_date_precision)
    return _partial_date(holder.birth_date), precision


def _study_input(claim: d.StudyClaim, doc: d.PassportContent, issuer: str) -> StudyInput:
    partial = [p for p in (claim.period_start, claim.period_end) if p and len(p) < 10]
    return StudyInput(
        system_version_code=claim.system,
        grade_code=claim.grade_code,
        status=claim.status,
        evidence_level=VERIFIED_EVIDENCE_LEVEL,
        school_name=claim.issuer or "",
        period_start=_partial_date(claim.period_start),
        period_end=_partial_date(claim.period_end),
        period_original=" – ".join(partial),
        evidence=[
            EvidenceInput(
                document_type="credential",
                issuer=doc.issuer_name,
                verified=True,
                note=f"{doc.credential_id} {claim.evidence_level}",
            )
        ],
        results=[
            ResultInput(
                subject_name=m.subject,
                raw_mark=m.raw,
                scale_best=m.scale.best or None,
                scale_pass=m.scale.pass_mark or None,
                scale_worst=m.scale.worst or None,
            )
            for m in claim.marks
        ],
        source="passport",
        verified_issuer=issuer[:200],
    )


def import_passport(user: User, result: Verification, confirm_not_current: bool = False) -> Learner:
    """Create a learner at the user's school from a verified passport; all or nothing."""
    if user.role != Role.SCHOOL_ADMIN or user.school_id is None:
        raise LearnerReadOnly("import")
    check_importable(result, confirm_not_current)
    doc, key = result.document, result.key
    if key.trusted_by is None:
        raise ImportRefused("issued_here")  # the child's record is on this instance: transfer it
    identifier = (CREDENTIAL_IDENTIFIER, doc.credential_id)
    if matching_identifiers(user, [identifier]) or identifier_elsewhere(user, *identifier):
        raise ImportRefused("already_imported")
    birth, precision = _birth(doc.holder)
    issuer = f"{key.issuer_name} ({key.kid})"
    try:
        learner = create_learner(
            user,
            LearnerInput(
                names=[
                    NameInput(
                        given=name.text,
                        script=name.script,
                        kind="original" if position == 0 else "transliteration",
                    )
                    for position, name in enumerate(doc.holder.names)
                ],
                birth_date=birth,
                birth_date_precision=precision,
                birth_date_source="passport",
                birth_date_original=doc.holder.birth_date,
                identifiers=[identifier],
            ),
        )
        for claim in doc.studies:
            add_study(user, learner, _study_input(claim, doc, issuer))
    except LearnerInputError as error:
        raise ImportRefused("record_refused", error.problems) from None
    record(
        "passport.imported",
        "learner",
        learner.public_id,
        actor=user,
        details={
            "credential": doc.credential_id,
            "issuer": key.issuer_name,
            "kid": key.kid,
            "trusted_by": key.trusted_by,
            "status": result.status,
            "studies": len(doc.studies),
        },
    )
    return learner
