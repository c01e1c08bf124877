"""Issuers and their keys, status lists, issuing, downloading and revoking passports.

Every school that issues passports is an ``Issuer`` with one active Ed25519 ``SigningKey``;
rotating a key retires the old one (no new signatures) but keeps it verifying the passports it
signed. Private keys are stored sealed with PORTAL_KEY_SECRET and opened only to sign. Each
issuer has one W3C Bitstring Status List; a passport takes a random index in it and revoking
the passport sets that bit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy import exists, select

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.core.transaction import commit_independently
from portal.curricula.models import EducationSystemVersion, GradingScale
from portal.db import new_public_id, utcnow
from portal.extensions import db
from portal.i18n.domain import LOCALE_CODES
from portal.learners.models import Guardianship, Learner, StudyRecord
from portal.learners.services import LearnerReadOnly, active_consent, can_write
from portal.passports import domain as d
from portal.passports import keys, status_list
from portal.passports.cose import encode_passport_qr
from portal.passports.jws import b64url_decode, build_credential, sign_jws, strict_json_object
from portal.passports.models import Issuer, Passport, SigningKey, StatusList
from portal.passports.pdf import render_passport_pdf
from portal.placement.models import PlacementDecision, PlacementRecommendation
from portal.schools.models import School

REVOCATION = "revocation"
STATUS_LIST_TTL_SECONDS = 86_400  # verifiers may keep a fetched list for a day
# A key signs for at most a year, then issuing rotates it; it verifies until the last
# passport it could have signed expires (the DCC "shell model", SECURITY.md §2.2 J).
KEY_SIGNING_PERIOD = timedelta(days=365)


class PassportError(Exception):
    """A passport cannot be issued or revoked; ``code`` names why (translated at the edge)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PassportNotFound(LookupError):
    """No such passport, or not in the user's scope: both answer 404."""


# ---- addresses ---------------------------------------------------------------------------


def public_url(path: str) -> str:
    """Return the public address of a path on this instance (PORTAL_PUBLIC_URL)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def issuer_url(issuer: Issuer) -> str:
    """Return the issuer's identifier as it appears in passports and trust lists."""
    return public_url(f"/issuers/{issuer.public_id}")


def status_list_url(status_list_row: StatusList) -> str:
    """Return the public address of a status list credential."""
    return public_url(f"/status-lists/{status_list_row.public_id}")


# ---- issuers and keys --------------------------------------------------------------------


def _seal_context(kid: str) -> bytes:
    # The kid is derived from the public key, so a sealed blob copied onto another key's row
    # (or another instance's row) does not open.
    return b"signing-key:" + kid.encode("ascii")


def new_signing_key(issuer: Issuer, now: datetime | None = None) -> SigningKey:
    """Generate an Ed25519 key for the issuer and store it sealed."""
    private = keys.generate_key()
    kid = keys.key_id(private.public_key())
    secret = current_app.config["PORTAL_KEY_SECRET"]
    row = SigningKey(
        issuer=issuer,
        kid=kid,
        public_key=keys.raw_public_key(private.public_key()),
        private_key_sealed=keys.seal_private_key(private, secret, _seal_context(kid)),
        valid_from=now or utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def private_key(row: SigningKey) -> Ed25519PrivateKey:
    """Open the sealed private key of a signing key."""
    secret = current_app.config["PORTAL_KEY_SECRET"]
    return keys.open_private_key(row.private_key_sealed, secret, _seal_context(row.kid))


def public_key(row: SigningKey) -> Ed25519PublicKey:
    """Return the public key of a signing key."""
    return Ed25519PublicKey.from_public_bytes(row.public_key)


def active_key(issuer: Issuer) -> SigningKey:
    """Return the issuer's current signing key, creating the first one when there is none."""
    current = db.session.scalar(
        select(SigningKey)
        .where(SigningKey.issuer_id == issuer.id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.valid_from.desc(), SigningKey.id.desc())
        .limit(1)
    )
    return current or new_signing_key(issuer)


def school_issuer(school: School) -> Issuer:
    """Return the issuer of a school, creating it with a first signing key."""
    issuer = db.session.scalar(select(Issuer).where(Issuer.school_id == school.id))
    if issuer is None:
        issuer = Issuer(
            kind="school",
            name=school.name,
            school_id=school.id,
            jurisdiction_id=school.jurisdiction_id,
        )
        db.session.add(issuer)
        db.session.flush()
        key = new_signing_key(issuer)
        record(
            "passport.issuer_created",
            "issuer",
            issuer.public_id,
            details={"school": school.public_id, "kid": key.kid},
        )
    return issuer


def rotate_key(issuer: Issuer, actor: User | None = None, now: datetime | None = None):
    """Retire the issuer's current key and start a new one; the old key keeps verifying.

    The retired key stays valid until the last passport it could have signed expires
    (retirement day plus the passport validity).
    """
    now = now or utcnow()
    old = active_key(issuer)
    old.retired_at = now
    old.valid_until = datetime.combine(d.default_expiry(now.date()), time(23, 59, 59), UTC)
    new = new_signing_key(issuer, now)
    record(
        "passport.key_rotated",
        "issuer",
        issuer.public_id,
        actor=actor,
        details={"retired": old.kid, "new": new.kid},
    )
    return new


def signing_key(issuer: Issuer, actor: User | None = None) -> SigningKey:
    """Return the key to sign with now, rotating one that has signed for a full period."""
    key = active_key(issuer)
    if utcnow() - key.valid_from > KEY_SIGNING_PERIOD:
        key = rotate_key(issuer, actor)
    return key


# ---- status lists --------------------------------------------------------------------------


def revocation_list(issuer: Issuer) -> StatusList:
    """Return the issuer's revocation status list, creating an empty one."""
    row = db.session.scalar(
        select(StatusList).where(
            StatusList.issuer_id == issuer.id, StatusList.purpose == REVOCATION
        )
    )
    if row is None:
        empty = status_list.BitstringStatusList()
        row = StatusList(issuer=issuer, purpose=REVOCATION, size=len(empty), bits=empty.to_bytes())
        db.session.add(row)
        db.session.flush()
    return row


def allocate_status_index(row: StatusList) -> int:
    """Pick a random free index in the list (the unique constraint catches a race)."""
    taken = set(
        db.session.scalars(select(Passport.status_index).where(Passport.status_list_id == row.id))
    )
    return status_list.allocate_index(taken, row.size)


def status_list_credential(row: StatusList) -> dict:
    """Return the W3C BitstringStatusListCredential of a list, unsigned."""
    bits = status_list.BitstringStatusList.from_bytes(row.bits)
    return status_list.status_list_credential(
        status_list_url(row),
        issuer_url(row.issuer),
        bits.encode(),
        row.updated_at,
        ttl=timedelta(seconds=status_list_ttl()),
        purpose=row.purpose,
    )


def status_list_ttl() -> int:
    """Return how long (seconds) a verifier may rely on a fetched status list."""
    return int(current_app.config.get("PASSPORT_STATUS_LIST_TTL", STATUS_LIST_TTL_SECONDS))


def signed_status_list(row: StatusList) -> str:
    """Return the status list credential as a VC-JOSE compact JWS (typ vc+jwt)."""
    key = active_key(row.issuer)
    return sign_jws(status_list_credential(row), private_key(key), key.kid)


def status_list_by_public_id(public_id: str) -> StatusList | None:
    """Return a status list by its public id."""
    return db.session.scalar(select(StatusList).where(StatusList.public_id == public_id))


def is_revoked(passport: Passport) -> bool:
    """Tell whether the passport's bit is set in its status list."""
    bits = status_list.BitstringStatusList.from_bytes(passport.status_list.bits)
    return bits.get(passport.status_index)


# ---- building the content ------------------------------------------------------------------


def _holder(learner: Learner) -> d.Holder:
    if learner.birth_date is None or learner.birth_date_precision == "unknown":
        raise PassportError("birth_date_required")
    precision = learner.birth_date_precision
    text = learner.birth_date.isoformat()
    text = {"month": text[:7], "year": text[:4]}.get(precision, text)
    names = tuple(d.Name(n.script, n.full) for n in learner.names if n.full)
    if not names:
        raise PassportError("name_required")
    return d.Holder(names, text, precision)


def _scale(study: StudyRecord, result) -> d.MarkScale:
    best, pass_mark, worst = result.scale_best, result.scale_pass, result.scale_worst
    if result.scale_code and None in (best, pass_mark, worst):
        scale = db.session.scalar(
            select(GradingScale).where(
                GradingScale.system_id == study.system_version_id,
                GradingScale.code == result.scale_code,
            )
        )
        if scale is not None:
            best = best or scale.best
            pass_mark = pass_mark or scale.pass_mark
            worst = worst or scale.worst
    return d.MarkScale(best or "", pass_mark or "", worst or "")


def _grade_label(system: EducationSystemVersion, code: str, locale: str) -> str:
    grade = next((g for g in system.grades if g.code == code), None)
    return grade.label(locale) if grade else code


def _study(study: StudyRecord, locale: str) -> d.StudyClaim:
    start = study.period_start or study.period_end
    if start is None:
        raise PassportError("study_without_dates")
    system = study.system_version
    school = ", ".join(p for p in (study.school_name, study.school_place) if p)
    return d.StudyClaim(
        system=system.code,
        system_label=system.label(locale),
        grade_code=study.grade_code,
        grade_label=_grade_label(system, study.grade_code, locale),
        period_start=start.isoformat(),
        period_end=study.period_end.isoformat() if study.period_end else None,
        status=study.status,
        evidence_level=f"E{study.evidence_level}",
        issuer=school or None,
        marks=tuple(
            d.MarkClaim(r.subject_name, r.raw_mark, _scale(study, r)) for r in study.results
        ),
    )


def _assessments(learner: Learner) -> tuple[d.AssessmentClaim, ...]:
    # The school's own assessments are first-hand records (E5); assessments another school
    # recorded before a transfer were not made by this issuer (E4).
    return tuple(
        d.AssessmentClaim(
            kind=a.kind,
            instrument=a.instrument or a.kind,
            date=a.assessed_on.isoformat(),
            level_cumulative_index=a.level_cumulative_index,
            cefr=a.cefr,
            evidence_level="E5" if a.school_id == learner.school_id else "E4",
        )
        for a in learner.assessments
    )


def _placements(learner: Learner, locale: str) -> tuple[d.PlacementClaim, ...]:
    """Return decided placements, always labelled as recommendations (not recognition)."""
    rows = db.session.execute(
        select(PlacementRecommendation, PlacementDecision)
        .join(PlacementDecision, PlacementDecision.recommendation_id == PlacementRecommendation.id)
        .where(PlacementRecommendation.learner_id == learner.id)
        .order_by(PlacementDecision.decided_at)
    ).all()
    claims = []
    for recommendation, decision in rows:
        recommended = (recommendation.snapshot.get("recommendation") or {}).get("grade") or {}
        grade_code = decision.grade_code or recommended.get("code")
        if not grade_code:
            continue
        destination = recommendation.destination
        claims.append(
            d.PlacementClaim(
                destination=destination.code,
                grade_code=grade_code,
                grade_label=_grade_label(destination, grade_code, locale),
                programmes=tuple(decision.programmes or ()),
                decided_on=decision.decided_at.date().isoformat(),
            )
        )
    return tuple(claims)


def build_content(
    learner: Learner,
    issuer: Issuer,
    row: StatusList,
    index: int,
    locale: str,
    today: date,
) -> d.PassportContent:
    """Build the passport content from the learner's record (no nationality or legal status)."""
    return d.PassportContent(
        credential_id=d.new_credential_id(),
        issuer_id=issuer_url(issuer),
        issuer_name=issuer.name,
        issuer_jurisdiction=issuer.jurisdiction.code,
        issued_on=today,
        expires_on=d.default_expiry(today),
        status_list_url=status_list_url(row),
        status_index=index,
        holder=_holder(learner),
        studies=tuple(_study(s, locale) for s in learner.studies),
        assessments=_assessments(learner),
        placements=_placements(learner, locale),
    )


# ---- issuing and revoking ------------------------------------------------------------------


def check_languages(languages: object) -> list[str]:
    """Return two distinct shipped locale codes, or raise PassportError."""
    if (
        not isinstance(languages, list | tuple)
        or len(languages) != 2
        or not all(isinstance(code, str) and code in LOCALE_CODES for code in languages)
    ):
        raise PassportError("languages_invalid")
    if languages[0] == languages[1]:
        raise PassportError("languages_same")
    return list(languages)


def issue_passport(
    user: User, learner: Learner, languages: list[str], today: date | None = None
) -> Passport:
    """Sign and store a passport for the learner; needs a recorded passport consent."""
    if not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    languages = check_languages(languages)
    consent = active_consent(learner, "passport")
    if consent is None:
        # A refusal is a security event: its audit entry outlives the failed request.
        commit_independently(
            lambda: record(
                "passport.refused",
                "learner",
                learner.public_id,
                actor=user,
                details={"reason": "consent_required"},
            )
        )
        raise PassportError("consent_required")
    today = today or utcnow().date()
    issuer = school_issuer(learner.school)
    key = signing_key(issuer, user)
    row = revocation_list(issuer)
    content = build_content(learner, issuer, row, allocate_status_index(row), languages[0], today)
    signer = private_key(key)
    public_id = new_public_id()
    credential = build_credential(content, passport_url=public_url(f"/passports/{public_id}.pdf"))
    credential_jws = sign_jws(credential, signer, key.kid)
    passport = Passport(
        public_id=public_id,
        credential_id=content.credential_id,
        learner=learner,
        issuer=issuer,
        key=key,
        status_list=row,
        status_index=content.status_index,
        languages=languages,
        expires_on=content.expires_on,
        qr_text=encode_passport_qr(
            content, credential_jws, signer, keys.key_id_bytes(signer.public_key())
        ),
        credential_jws=credential_jws,
        consent_id=consent.id,
        issued_by_id=user.id,
    )
    db.session.add(passport)
    db.session.flush()
    record(
        "passport.issued",
        "learner",
        learner.public_id,
        actor=user,
        details={
            "passport": passport.public_id,
            "credential": passport.credential_id,
            "kid": key.kid,
            "languages": languages,
            "consent": consent.public_id,
        },
    )
    return passport


def revoke_passport(user: User, passport: Passport, reason: str) -> Passport:
    """Set the passport's revocation bit and record who revoked it and why."""
    if not can_write(user, passport.learner):
        raise LearnerReadOnly(passport.learner.public_id)
    reason = (reason or "").strip()
    if not reason:
        raise PassportError("reason_required")
    if passport.revoked_at is not None:
        raise PassportError("already_revoked")
    # Lock the list row so that two revocations on the same list never lose a bit.
    row = db.session.scalar(
        select(StatusList)
        .where(StatusList.id == passport.status_list_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    bits = status_list.BitstringStatusList.from_bytes(row.bits)
    bits.set(passport.status_index, True)
    row.bits = bits.to_bytes()
    row.updated_at = utcnow()
    passport.revoked_at = row.updated_at
    passport.revoked_reason = reason[:500]
    passport.revoked_by_id = user.id
    db.session.flush()
    record(
        "passport.revoked",
        "learner",
        passport.learner.public_id,
        actor=user,
        details={"passport": passport.public_id, "credential": passport.credential_id},
    )
    return passport


# ---- reading -------------------------------------------------------------------------------


def passports_of(learner: Learner) -> list[Passport]:
    """Return the learner's passports, newest first."""
    return list(
        db.session.scalars(
            select(Passport)
            .where(Passport.learner_id == learner.id)
            .order_by(Passport.issued_at.desc(), Passport.id.desc())
        )
    )


def may_download(user: User, learner: Learner) -> bool:
    """Tell whether the user may download the learner's passports.

    Only the school that holds the record, or a guardian linked to the child.
    """
    if user.role == Role.SCHOOL_ADMIN:
        return can_write(user, learner)
    if user.role == Role.GUARDIAN:
        return bool(
            db.session.scalar(
                select(
                    exists().where(
                        Guardianship.learner_id == learner.id, Guardianship.user_id == user.id
                    )
                )
            )
        )
    return False


def passport_for(user: User, public_id: str, *, write: bool = False) -> Passport:
    """Return a passport the user may download (or revoke), else raise PassportNotFound."""
    passport = db.session.scalar(select(Passport).where(Passport.public_id == public_id))
    if passport is None or not may_download(user, passport.learner):
        raise PassportNotFound(public_id)
    if write and not can_write(user, passport.learner):
        raise PassportNotFound(public_id)
    return passport


def _audit_download(user: User, passport: Passport, kind: str) -> None:
    record(
        "passport.downloaded",
        "learner",
        passport.learner.public_id,
        actor=user,
        details={"passport": passport.public_id, "format": kind},
    )


def passport_document(user: User, passport: Passport) -> dict:
    """Return the downloadable JSON (signed credential and QR text); audited."""
    _audit_download(user, passport, "json")
    return {
        "type": "LearningPassport",
        "id": passport.public_id,
        "credential": passport.credential_jws,
        "qr": passport.qr_text,
        "expires_at": passport.expires_on.isoformat(),
        "verify_url": public_url("/verify"),
    }


def pdf_labels(locale: str) -> dict[str, str]:
    """Return the PDF's label dictionary (see portal.passports.pdf) translated into a locale."""
    with force_locale(locale):
        labels = {
            "title": _("Learning passport"),
            "holder": _("Holder"),
            "birth_date": _("Date of birth"),
            "issuer": _("Issuer"),
            "issued": _("Issued"),
            "expires": _("Expires"),
            "studies": _("Prior studies"),
            "system": _("Education system / school"),
            "grade": pgettext("school year", "Grade"),
            "period": _("Period"),
            "status": _("Status"),
            "evidence": _("Evidence"),
            "subject": _("Subject"),
            "original_mark": _("Original mark"),
            "scale": _("Scale (best · pass · worst)"),
            "converted": _("Converted"),
            "method": _("Method"),
            "assessments": _("Assessments"),
            "assessment_kind": _("Kind"),
            "instrument": _("Instrument"),
            "date": _("Date"),
            "level": pgettext("assessment", "Level"),
            "placements": _("Placement recommendations"),
            "destination": _("Destination"),
            "programmes": _("Programmes"),
            "decided_on": _("Decided on"),
            "recommendation_note": _("A placement recommendation, not a recognition decision."),
            "evidence_levels": _("Evidence levels"),
            "evidence_explained_E0": _("No information"),
            "evidence_explained_E1": _("Declared by the child or guardian"),
            "evidence_explained_E2": _(
                "Declaration corroborated by interview and indirect evidence"
            ),
            "evidence_explained_E3": _("Non-state or unverified document"),
            "evidence_explained_E4": _("Original official document, not verified with the issuer"),
            "evidence_explained_E5": _("Official record verified with the issuer"),
            "how_to_verify": _("How to verify"),
            "how_to_verify_text": _(
                "Scan the QR code with a passport verifier, or open the address below. "
                "It works offline with the published list of trusted issuers."
            ),
            "status_completed": _("completed"),
            "status_partial": _("partly completed"),
            "status_promoted_without_exam": _("promoted without exam"),
            "status_interrupted": _("interrupted"),
            "precision_day": "",
            "precision_month": _("(month and year only)"),
            "precision_year": _("(year only)"),
            "precision_estimated": _("(estimated)"),
            "kind_placement_test": _("Placement test"),
            "kind_language_test": _("Language test"),
            "kind_literacy_diagnostic": _("Literacy diagnostic"),
            "kind_numeracy_diagnostic": _("Numeracy diagnostic"),
            "kind_interview": _("Interview"),
        }
    return labels


def passport_pdf(user: User, passport: Passport) -> bytes:
    """Render the passport's PDF in its two languages; audited."""
    content = stored_content(passport)
    primary, secondary = passport.languages
    data = render_passport_pdf(
        content,
        passport.qr_text,
        pdf_labels(primary),
        pdf_labels(secondary),
        primary,
        secondary,
        public_url("/verify"),
    )
    _audit_download(user, passport, "pdf")
    return data


def stored_content(passport: Passport) -> d.PassportContent:
    """Return the content exactly as signed, rebuilt from the stored credential."""
    vc = strict_json_object(b64url_decode(passport.credential_jws.split(".")[1]))
    return content_from_credential(vc)


def content_from_credential(vc: dict) -> d.PassportContent:
    """Rebuild passport content from a W3C VC built by build_credential; PassportDataError if not.

    The reverse of portal.passports.jws.build_credential, used for stored credentials and by
    the verifier for uploaded JSON credentials.
    """
    try:
        return _content_from_credential(vc)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, d.PassportDataError):
            raise
        raise d.PassportDataError("credential_shape") from None


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _content_from_credential(vc: dict) -> d.PassportContent:
    subject, issuer, status = vc["credentialSubject"], vc["issuer"], vc["credentialStatus"]
    names = tuple(
        d.Name(i["script"], i["identityHash"])
        for i in subject["identifier"]
        if i.get("identityType") == "name"
    )
    studies = tuple(
        d.StudyClaim(
            system=s["educationSystem"]["code"],
            system_label=s["educationSystem"]["name"],
            grade_code=s["grade"]["code"],
            grade_label=s["grade"]["name"],
            period_start=s["period"]["start"],
            period_end=s["period"].get("end"),
            status=s["status"],
            evidence_level=s["evidenceLevel"],
            issuer=s.get("school"),
            marks=tuple(
                d.MarkClaim(
                    m["subject"],
                    m["originalMark"],
                    d.MarkScale(
                        m["originalScale"]["best"],
                        m["originalScale"]["pass"],
                        m["originalScale"]["worst"],
                    ),
                    m.get("convertedMark"),
                    m.get("conversionMethod"),
                )
                for m in s.get("marks", ())
            ),
        )
        for s in subject.get("studies", ())
    )
    assessments = tuple(
        d.AssessmentClaim(
            kind=a["kind"],
            instrument=a["instrument"],
            date=a["date"],
            level_cumulative_index=a.get("levelCumulativeIndex"),
            cefr=a.get("cefrLevel"),
            evidence_level=a["evidenceLevel"],
        )
        for a in subject.get("assessments", ())
    )
    placements = tuple(
        d.PlacementClaim(
            destination=p["destination"],
            grade_code=p["grade"]["code"],
            grade_label=p["grade"]["name"],
            programmes=tuple(p["programmes"]),
            decided_on=p["decidedOn"],
            kind=p["kind"],
        )
        for p in subject.get("placements", ())
    )
    index = status["statusListIndex"]
    if not isinstance(index, str) or not index.isdigit():
        raise d.PassportDataError("status_entry")
    return d.PassportContent(
        credential_id=vc["id"],
        issuer_id=issuer["id"],
        issuer_name=issuer["name"],
        issuer_jurisdiction=issuer["jurisdiction"],
        issued_on=_day(vc["validFrom"]),
        expires_on=_day(vc["validUntil"]),
        status_list_url=status["statusListCredential"],
        status_index=int(index),
        holder=d.Holder(names, subject["birthDate"], subject["birthDatePrecision"]),
        studies=studies,
        assessments=assessments,
        placements=placements,
    )
