"""Families: invitation codes, a guardian's read-only view of a child, corrections, access log.

Invitation codes are typed by hand, often on a phone, so they are short: 12 characters from
an alphabet without look-alikes, printed as three groups of four. The first group (the
*selector*) is not secret; it finds the invitation so that a wrong code can be counted
against it. Only an HMAC of the whole code is stored (keyed with SECRET_KEY, so a copy of
the database alone does not let anyone search the 30^8 secret part offline).

Guessing is throttled twice, both counted in the database so that the limits hold with
several worker processes and cannot be escaped by dropping a cookie:

* per invitation: after 5 wrong codes with its selector the invitation is burnt, even for
  the right code; the school creates a new one;
* per client: after 20 failed attempts from one network address in an hour, every attempt
  from it is refused for the rest of that hour. Failures are audit entries keyed by an HMAC
  of the address (never the address itself), so they are also the security log.

With at most a few thousand live invitations, one address gets 20 guesses an hour at a
30^12 space: brute force is impractical, and a family behind a shared address (a camp's
Wi-Fi) is not locked out by one neighbour's typos.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEntry
from portal.audit.services import entries_for, record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.auth.services import find_user_by_email, normalise_email
from portal.db import utcnow
from portal.extensions import db
from portal.learners.domain import RELATIONSHIPS, clean_text
from portal.learners.models import (
    CorrectionRequest,
    GuardianInvitation,
    Guardianship,
    Learner,
    StudyRecord,
)
from portal.learners.services import LearnerNotFound, LearnerReadOnly, can_write, view_learner

INVITATION_DAYS = 14
MAX_CODE_FAILURES = 5
SOURCE_FAILURE_LIMIT = 20
SOURCE_WINDOW = timedelta(hours=1)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, or U (read as V)
SELECTOR_LENGTH = 4
CODE_LENGTH = 12
CORRECTION_MAX_LENGTH = 2000
CORRECTION_STATUSES = ("answered", "closed")
JOIN_FAILED = "family.join_failed"


class InvitationRefused(ValueError):
    """The code is unknown, expired, used up or burnt; `reason` is logged, never shown."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class JoinThrottled(InvitationRefused):
    """Too many failed attempts from this client; nothing was checked."""

    def __init__(self):
        super().__init__("throttled")


class FamilyInputError(ValueError):
    """Input refused; `field` names the input at fault and `code` the reason."""

    def __init__(self, field: str, code: str):
        super().__init__(code)
        self.field, self.code = field, code


# --- codes (pure) --------------------------------------------------------------------------


def new_invitation_code() -> str:
    """Return a fresh random code of CODE_LENGTH characters from CODE_ALPHABET."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """Return the code as printed: groups of four separated by dashes."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    """Return the code as typed without spaces, dashes or case; any script's digits as ASCII."""
    chars = []
    for char in unicodedata.normalize("NFKC", text or ""):
        if char.isspace() or char in "-‐‑–—_.":
            continue
        digit = unicodedata.decimal(char, None)
        chars.append(str(digit) if digit is not None else char.upper())
    return "".join(chars)


def _key(purpose: str) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{purpose}|{secret}".encode()).digest()


def _code_hash(code: str) -> str:
    digest = hmac.new(_key("guardian-invitation"), code.encode(), hashlib.sha256).hexdigest()
    # "<selector>:<digest>" fits the 64-character column and lets us find the invitation.
    return f"{code[:SELECTOR_LENGTH]}:{digest[: 63 - SELECTOR_LENGTH]}"


def client_key(address: str | None) -> str:
    """Return a pseudonymous key for a client address (the address itself is never stored)."""
    raw = (address or "unknown").encode()
    return hmac.new(_key("join-client"), raw, hashlib.sha256).hexdigest()[:32]


# --- invitations ---------------------------------------------------------------------------


def create_invitation(
    user: User, learner: Learner, relationship: str
) -> tuple[GuardianInvitation, str]:
    """Create a one-time code for a learner's guardian; the code is returned once, never kept."""
    if not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    if relationship not in RELATIONSHIPS:
        raise FamilyInputError("relationship", "invalid_choice")
    now = utcnow()
    for _attempt in range(20):
        code = new_invitation_code()
        taken = db.session.scalar(
            select(func.count())
            .select_from(GuardianInvitation)
            .where(GuardianInvitation.code_hash.startswith(code[:SELECTOR_LENGTH] + ":"))
            .where(GuardianInvitation.used_at.is_(None), GuardianInvitation.expires_at > now)
        )
        if not taken:
            break
    invitation = GuardianInvitation(
        learner=learner,
        code_hash=_code_hash(code),
        relationship_kind=relationship,
        created_by_id=user.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        "guardian.invited",
        "learner",
        learner.public_id,
        actor=user,
        details={"relationship": relationship, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation, code


def invitation_state(invitation: GuardianInvitation, now: datetime | None = None) -> str:
    """Return used | burnt | expired | pending."""
    now = now or utcnow()
    if invitation.used_at is not None:
        return "used"
    if invitation.failed_attempts >= MAX_CODE_FAILURES:
        return "burnt"
    if invitation.expires_at <= now:
        return "expired"
    return "pending"


def source_failures(source: str, now: datetime | None = None) -> int:
    """Count the failed join attempts of a client in the current window."""
    since = (now or utcnow()) - SOURCE_WINDOW
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == JOIN_FAILED,
            AuditEntry.entity == "client",
            AuditEntry.entity_id == source,
            AuditEntry.at >= since,
        )
    )


def _refuse(source: str, reason: str) -> InvitationRefused:
    record(JOIN_FAILED, "client", source, details={"reason": reason})
    return InvitationRefused(reason)


def _match(code: str, source: str, now: datetime) -> GuardianInvitation:
    """Find the invitation a code opens, counting a wrong code against its selector."""
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise _refuse(source, "malformed")
    candidates = db.session.scalars(
        select(GuardianInvitation).where(
            GuardianInvitation.code_hash.startswith(code[:SELECTOR_LENGTH] + ":")
        )
    ).all()
    wanted = _code_hash(code)
    found = next((i for i in candidates if hmac.compare_digest(i.code_hash, wanted)), None)
    if found is None:
        live = [i for i in candidates if invitation_state(i, now) == "pending"]
        for invitation in live:
            db.session.execute(
                update(GuardianInvitation)
                .where(GuardianInvitation.id == invitation.id)
                .values(failed_attempts=GuardianInvitation.failed_attempts + 1)
                .execution_options(synchronize_session=False)
            )
        raise _refuse(source, "wrong_code" if live else "unknown")
    state = invitation_state(found, now)
    if state != "pending":
        raise _refuse(source, state)
    return found


def _claim(invitation: GuardianInvitation, source: str, now: datetime) -> None:
    """Mark the invitation used in one conditional UPDATE, so that only one request wins."""
    claimed = db.session.execute(
        update(GuardianInvitation)
        .where(
            GuardianInvitation.id == invitation.id,
            GuardianInvitation.used_at.is_(None),
            GuardianInvitation.failed_attempts < MAX_CODE_FAILURES,
            GuardianInvitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise _refuse(source, "used")


@dataclass(frozen=True)
class NewGuardian:
    display_name: str
    email: str
    password: str
    locale: str | None = None


@dataclass(frozen=True)
class Redeemed:
    user: User
    learner: Learner
    already_linked: bool


def redeem_invitation(
    code: str, source: str, *, user: User | None = None, new: NewGuardian | None = None
) -> Redeemed:
    """Use up a code: link its child to the signed-in guardian, or to a new guardian account.

    Raises JoinThrottled, InvitationRefused (the failure is already recorded; the caller
    commits so that it counts) or FamilyInputError (nothing recorded, code not used).
    """
    now = utcnow()
    if source_failures(source, now) >= SOURCE_FAILURE_LIMIT:
        record("family.join_throttled", "client", source)
        raise JoinThrottled()
    invitation = _match(normalise_code(code), source, now)
    if user is None:
        if new is None:
            raise FamilyInputError("email", "required")
        if find_user_by_email(new.email) is not None:
            raise FamilyInputError("email", "email_taken")
    _claim(invitation, source, now)
    if user is None:
        user = User(
            email=normalise_email(new.email),
            display_name=clean_text(new.display_name),
            role=Role.GUARDIAN.value,
            password_hash=hash_password(new.password),
            locale=new.locale,
        )
        db.session.add(user)
        db.session.flush()
        record("user.created", "user", user.public_id, actor=user, details={"via": "invitation"})
    learner = invitation.learner
    already = any(g.user_id == user.id for g in learner.guardianships)
    if not already:
        learner.guardianships.append(
            Guardianship(user_id=user.id, relationship_kind=invitation.relationship_kind)
        )
    invitation.used_by_id = user.id
    db.session.flush()
    record(
        "guardian.linked",
        "learner",
        learner.public_id,
        actor=user,
        details={"relationship": invitation.relationship_kind, "already": already},
    )
    return Redeemed(user, learner, already)


# --- the school's panel --------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolPanel:
    guardianships: list[Guardianship]
    invitations: list[tuple[GuardianInvitation, str]]
    corrections: list[CorrectionRequest]


def school_panel(learner: Learner) -> SchoolPanel:
    """Return what the holding school sees about a learner's family links and requests."""
    now = utcnow()
    invitations = db.session.scalars(
        select(GuardianInvitation)
        .where(GuardianInvitation.learner_id == learner.id, GuardianInvitation.used_at.is_(None))
        .where(GuardianInvitation.expires_at > now - timedelta(days=INVITATION_DAYS))
        .order_by(GuardianInvitation.created_at.desc())
    ).all()
    corrections = db.session.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.learner_id == learner.id)
        .options(selectinload(CorrectionRequest.requested_by))
        .order_by(CorrectionRequest.status != "open", CorrectionRequest.created_at.desc())
    ).all()
    guardianships = db.session.scalars(
        select(Guardianship)
        .where(Guardianship.learner_id == learner.id)
        .options(selectinload(Guardianship.user))
        .order_by(Guardianship.created_at)
    ).all()
    return SchoolPanel(
        list(guardianships),
        [(i, invitation_state(i, now)) for i in invitations],
        list(corrections),
    )


# --- a guardian's children -----------------------------------------------------------------


def my_children(user: User) -> list[Learner]:
    """Return the guardian's linked children, oldest link first."""
    return list(
        db.session.scalars(
            select(Learner)
            .join(Guardianship, Guardianship.learner_id == Learner.id)
            .where(Guardianship.user_id == user.id)
            .options(selectinload(Learner.names), selectinload(Learner.school))
            .order_by(Guardianship.created_at, Learner.id)
        )
    )


def _guardian_only(user: User) -> None:
    if user.role != Role.GUARDIAN:
        raise LearnerNotFound("not a guardian")


def child_record(user: User, public_id: str, purpose: str = "family") -> Learner:
    """Return a guardian's child with everything the record page shows; the read is audited."""
    _guardian_only(user)
    learner = view_learner(user, public_id, purpose=purpose)
    studies = selectinload(Learner.studies)
    return db.session.scalars(
        select(Learner)
        .where(Learner.id == learner.id)
        .options(
            studies.selectinload(StudyRecord.evidence),
            studies.selectinload(StudyRecord.results),
            studies.selectinload(StudyRecord.system_version),
            selectinload(Learner.assessments),
            selectinload(Learner.enrolments),
            selectinload(Learner.languages),
            selectinload(Learner.identifiers),
        )
        .execution_options(populate_existing=True)
    ).one()


# --- corrections ---------------------------------------------------------------------------


def request_correction(user: User, learner: Learner, message: str) -> CorrectionRequest:
    """Ask the holding school to correct a child's record."""
    _guardian_only(user)
    text = clean_text(message or "")
    if not text:
        raise FamilyInputError("message", "required")
    if len(text) > CORRECTION_MAX_LENGTH:
        raise FamilyInputError("message", "too_long")
    item = CorrectionRequest(learner=learner, requested_by_id=user.id, message=text)
    db.session.add(item)
    db.session.flush()
    record(
        "learner.correction_requested",
        "learner",
        learner.public_id,
        actor=user,
        details={"request": item.public_id},
    )
    return item


def my_corrections(user: User, learner: Learner) -> list[CorrectionRequest]:
    """Return the requests this guardian made about this child, newest first."""
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(
                CorrectionRequest.learner_id == learner.id,
                CorrectionRequest.requested_by_id == user.id,
            )
            .order_by(CorrectionRequest.created_at.desc(), CorrectionRequest.id.desc())
        )
    )


def correction_for_school(user: User, public_id: str) -> CorrectionRequest:
    """Return a correction request for the school that holds the record, else raise (404)."""
    item = db.session.scalar(
        select(CorrectionRequest).where(CorrectionRequest.public_id == public_id)
    )
    if item is None or not can_write(user, item.learner):
        raise LearnerNotFound(public_id)
    return item


def answer_correction(
    user: User, item: CorrectionRequest, response: str, status: str = "answered"
) -> CorrectionRequest:
    """Answer a family's correction request (or change the answer); the family sees it."""
    if not can_write(user, item.learner):
        raise LearnerReadOnly(item.learner.public_id)
    text = clean_text(response or "")
    if not text:
        raise FamilyInputError("response", "required")
    if len(text) > CORRECTION_MAX_LENGTH:
        raise FamilyInputError("response", "too_long")
    if status not in CORRECTION_STATUSES:
        raise FamilyInputError("status", "invalid_choice")
    item.response, item.status = text, status
    item.answered_by_id, item.answered_at = user.id, utcnow()
    record(
        "learner.correction_answered",
        "learner",
        item.learner.public_id,
        actor=user,
        details={"request": item.public_id, "status": status},
    )
    return item


# --- access log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessLine:
    at: datetime
    action: str
    # you | guardian | school | ministry | system_admin | portal
    who: str
    school: str | None


def access_log(user: User, learner: Learner, limit: int = 200) -> list[AccessLine]:
    """Return who read or changed a child's record, for a guardian; no other family's data."""
    _guardian_only(user)
    entries = entries_for("learner", learner.public_id, limit=limit)
    actor_ids = {e.actor_id for e in entries if e.actor_id}
    actors = {
        u.public_id: u
        for u in db.session.scalars(
            select(User).where(User.public_id.in_(actor_ids)).options(selectinload(User.school))
        )
    }
    lines = []
    for entry in entries:
        actor = actors.get(entry.actor_id)
        school = None
        if entry.actor_id is None:
            who = "portal"
        elif entry.actor_id == user.public_id:
            who = "you"
        elif entry.actor_role == Role.SCHOOL_ADMIN:
            who = "school"
            school = actor.school.name if actor is not None and actor.school else None
        elif entry.actor_role in {Role.GUARDIAN, Role.MINISTRY_OFFICIAL, Role.SYSTEM_ADMIN}:
            who = str(entry.actor_role)
        else:
            who = "portal"
        lines.append(AccessLine(entry.at, entry.action, who, school))
    return lines
