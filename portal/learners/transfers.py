"""Transfers between schools: pending until the receiving school accepts or rejects.

A transfer needs a recorded, unwithdrawn consent for the purpose "transfer". On
acceptance the record moves to the receiving school; the sending school keeps read-only
access to the history it held.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from portal.audit.services import record
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.learners.models import Enrolment, Learner, Transfer
from portal.learners.services import (
    LearnerInputError,
    LearnerNotFound,
    LearnerReadOnly,
    active_consent,
    can_write,
)
from portal.schools.models import School


def request_transfer(
    user: User, learner: Learner, to_school_public_id: str, reason: str = ""
) -> Transfer:
    """Ask another school to take over the record."""
    if not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    to_school = db.session.scalar(select(School).where(School.public_id == to_school_public_id))
    problems: dict[str, list[str]] = {}
    if to_school is None or to_school.id == learner.school_id:
        problems["to_school"] = ["invalid_school"]
    consent = active_consent(learner, "transfer")
    if consent is None:
        problems["consent"] = ["transfer_consent_missing"]
    if any(t.status == "pending" for t in transfers_of(learner)):
        problems["to_school"] = ["transfer_already_pending"]
    if problems:
        raise LearnerInputError(problems)
    transfer = Transfer(
        learner=learner,
        from_school_id=learner.school_id,
        to_school=to_school,
        consent=consent,
        requested_by_id=user.id,
        reason=reason.strip(),
    )
    db.session.add(transfer)
    db.session.flush()
    record(
        "learner.transfer_requested",
        "learner",
        learner.public_id,
        actor=user,
        details={"transfer": transfer.public_id},
    )
    return transfer


def transfers_of(learner: Learner) -> list[Transfer]:
    """Return every transfer of a learner, newest first."""
    return list(
        db.session.scalars(
            select(Transfer)
            .where(Transfer.learner_id == learner.id)
            .order_by(Transfer.requested_at.desc())
        )
    )


def school_transfers(user: User) -> tuple[list[Transfer], list[Transfer]]:
    """Return (incoming, outgoing) transfers of the user's school, newest first."""
    rows = db.session.scalars(
        select(Transfer)
        .where(
            or_(Transfer.to_school_id == user.school_id, Transfer.from_school_id == user.school_id)
        )
        .order_by(Transfer.requested_at.desc())
    ).all()
    incoming = [t for t in rows if t.to_school_id == user.school_id]
    outgoing = [t for t in rows if t.from_school_id == user.school_id]
    return incoming, outgoing


def _transfer_for_decision(user: User, public_id: str) -> Transfer:
    transfer = db.session.scalar(select(Transfer).where(Transfer.public_id == public_id))
    if transfer is None or transfer.to_school_id != user.school_id:
        raise LearnerNotFound(public_id)
    if transfer.status != "pending":
        raise LearnerInputError({"transfer": ["transfer_not_pending"]})
    return transfer


def accept_transfer(user: User, public_id: str) -> Transfer:
    """The receiving school takes the record; the sender keeps read-only history."""
    transfer = _transfer_for_decision(user, public_id)
    if transfer.consent.withdrawn_on is not None:
        raise LearnerInputError({"consent": ["transfer_consent_missing"]})
    learner = transfer.learner
    now = utcnow()
    for enrolment in learner.enrolments:
        if enrolment.school_id == transfer.from_school_id and enrolment.status == "active":
            enrolment.status, enrolment.end_on = "transferred", now.date()
    if not any(e.school_id == transfer.from_school_id for e in learner.enrolments):
        # Keep the sender's history visible even if it never formally enrolled the child.
        learner.enrolments.append(
            Enrolment(
                school_id=transfer.from_school_id,
                start_on=learner.created_at.date(),
                end_on=now.date(),
                status="transferred",
                created_by_id=user.id,
            )
        )
    learner.school_id = transfer.to_school_id
    transfer.status, transfer.decided_by_id, transfer.decided_at = "accepted", user.id, now
    db.session.flush()
    record(
        "learner.transfer_accepted",
        "learner",
        learner.public_id,
        actor=user,
        details={"transfer": transfer.public_id},
    )
    return transfer


def reject_transfer(user: User, public_id: str, reason: str) -> Transfer:
    """The receiving school declines; the record stays where it is."""
    transfer = _transfer_for_decision(user, public_id)
    transfer.status, transfer.decided_by_id, transfer.decided_at = "rejected", user.id, utcnow()
    transfer.reason = reason.strip() or transfer.reason
    record(
        "learner.transfer_rejected",
        "learner",
        transfer.learner.public_id,
        actor=user,
        details={"transfer": transfer.public_id},
    )
    return transfer
