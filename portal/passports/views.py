"""Issuing, downloading, revoking and verifying learning passports; trust lists."""

from __future__ import annotations

import json
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth.access import roles_required
from portal.auth.domain import Role
from portal.core.errors import api_error
from portal.core.security import csrf_exempt
from portal.curricula.models import EducationSystemVersion
from portal.db import utcnow
from portal.extensions import db
from portal.i18n.domain import LOCALES
from portal.i18n.services import current_locale_info
from portal.learners.services import (
    LearnerInputError,
    LearnerNotFound,
    LearnerReadOnly,
    active_consent,
    can_write,
    learner_for,
    record_consent,
    view_learner,
)
from portal.passports import imports, services, trust, verification
from portal.passports.forms import (
    IMPORT_ERRORS,
    PASSPORT_ERRORS,
    STATUS_TEXT,
    TRUST_ERRORS,
    ImportForm,
    IssueForm,
    RevokeForm,
    TrustConfirmForm,
    TrustImportForm,
    VerifyForm,
    message,
)

bp = Blueprint("passports", __name__)

MAX_UPLOAD = 4 * 1024 * 1024
STATUS_STYLE = {  # (Bootstrap alert class, icon); the icon is decoration, the text says it
    "valid": ("success", "✓"),
    "valid_status_not_current": ("warning", "!"),
    "revoked": ("danger", "✗"),
    "expired": ("danger", "✗"),
    "invalid": ("danger", "✗"),
    "unknown_issuer": ("warning", "?"),
}


# ---- helpers -------------------------------------------------------------------------------


def _upload(storage) -> bytes | None:
    if storage is None or not getattr(storage, "filename", ""):
        return None
    data = storage.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        abort(413)
    return data


def _localised_claims(claims: dict | None) -> dict | None:
    """Replace the issuer's labels by ours, in the viewer's language, for systems we know."""
    if not claims:
        return claims
    locale = current_locale_info().code
    codes = {s["system"] for s in claims.get("studies", []) + claims.get("highest_grades", [])}
    codes |= {p["destination"] for p in claims.get("placements", [])}
    versions = {
        v.code: v
        for v in db.session.scalars(
            select(EducationSystemVersion).where(EducationSystemVersion.code.in_(codes))
        )
    }

    def relabel(item: dict, system_key: str) -> dict:
        version = versions.get(item[system_key])
        if version is None:
            return item
        grade = next((g for g in version.grades if g.code == item["grade"]), None)
        labels = {"grade_label": grade.label(locale)} if grade else {}
        if "system_label" in item:
            labels["system_label"] = version.label(locale)
        return {**item, **labels}

    out = dict(claims)
    for key in ("studies", "highest_grades"):
        if key in out:
            out[key] = [relabel(s, "system") for s in out[key]]
    if "placements" in out:
        out["placements"] = [relabel(p, "destination") for p in out["placements"]]
    return out


@bp.app_template_filter("passport_date")
def passport_date(value: str | None) -> str:
    """Format a full ISO date in the viewer's locale; partial dates stay as written."""
    if value and len(value) == 10:
        return format_date(date.fromisoformat(value))
    return value or ""


def _result_view(result: verification.Verification) -> dict:
    css, icon = STATUS_STYLE[result.status]
    title, text = STATUS_TEXT[result.status]
    return {
        "status": result.status,
        "reason": result.reason,
        "css": css,
        "icon": icon,
        "title": title,
        "text": text,
        "issuer": result.issuer,
        "claims": _localised_claims(result.claims),
    }


def _writable_learner(public_id: str):
    """Return a learner the user's school holds; a GET is an audited read."""
    try:
        if request.method == "GET":
            learner = view_learner(current_user, public_id, purpose="passports")
        else:
            learner = learner_for(current_user, public_id)
    except LearnerNotFound:
        abort(404)
    if not can_write(current_user, learner):
        abort(403)
    return learner


def _passport_or_404(public_id: str, *, write: bool = False):
    try:
        return services.passport_for(current_user, public_id, write=write)
    except services.PassportNotFound:
        abort(404)


@bp.app_template_global()
def learner_passports(learner) -> list:
    """Return the learner's passports when the signed-in user may download them."""
    if not current_user.is_authenticated or not services.may_download(current_user, learner):
        return []
    return services.passports_of(learner)


@bp.app_template_global()
def passport_state(passport) -> str:
    """Return "revoked", "expired" or "valid" for the passport lists."""
    if passport.revoked_at is not None or services.is_revoked(passport):
        return "revoked"
    return "expired" if passport.expires_on < utcnow().date() else "valid"


@bp.app_template_global()
def may_issue_passport(learner) -> bool:
    """Tell whether the signed-in user may issue and revoke the learner's passports."""
    return current_user.is_authenticated and can_write(current_user, learner)


# ---- public verification -------------------------------------------------------------------


@bp.route("/verify", methods=["GET", "POST"])
@csrf_exempt  # public, reads no session, and changes nothing on the server
def verify():
    form = VerifyForm()
    result = None
    error = None
    if request.method == "POST" and form.validate():
        data = _upload(form.file.data)
        if data is not None:
            result = verification.verify_bytes(data)
        elif (form.text.data or "").strip():
            result = verification.verify_text(form.text.data)
        else:
            error = _("Paste the passport text or upload its file.")
    status = 422 if error or form.errors else 200
    return render_template(
        "passports/verify.html",
        form=form,
        result=_result_view(result) if result else None,
        error=error,
    ), status


@bp.get("/status-lists/<public_id>")
def status_list(public_id: str):
    row = services.status_list_by_public_id(public_id)
    if row is None:
        abort(404)
    wants_jwt = request.args.get("format") == "jwt" or (
        request.accept_mimetypes.best_match(["application/vc+ld+json", "application/vc+jwt"])
        == "application/vc+jwt"
    )
    if wants_jwt:
        body, mimetype = services.signed_status_list(row), "application/vc+jwt"
    else:
        body = json.dumps(services.status_list_credential(row), separators=(",", ":"))
        mimetype = "application/vc+ld+json"
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={services.status_list_ttl()}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get(trust.WELL_KNOWN_PATH)
def trust_list():
    try:
        document = trust.published_trust_list()
    except trust.TrustError as err:
        return api_error(503, err.code, message(TRUST_ERRORS, err.code))
    db.session.commit()  # the anchor key is created on first publication
    response = jsonify(document)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# ---- school side ---------------------------------------------------------------------------


@bp.route("/learners/<learner_id>/passports/new", methods=["GET", "POST"])
@roles_required(Role.SCHOOL_ADMIN)
def issue(learner_id: str):
    learner = _writable_learner(learner_id)
    form = IssueForm()
    consent = active_consent(learner, "passport")
    if not form.is_submitted():
        locale = current_locale_info().code
        form.primary_language.data = locale
        form.secondary_language.data = "en" if locale != "en" else "ar"
    if form.validate_on_submit():
        languages = [form.primary_language.data, form.secondary_language.data]
        if consent is None and not _record_inline_consent(form, learner):
            db.session.rollback()
        else:
            try:
                services.issue_passport(current_user, learner, languages)
            except services.PassportError as err:
                if err.code == "consent_required":
                    db.session.commit()  # the refusal is audited; keep that entry
                else:
                    db.session.rollback()
                form.primary_language.errors.append(message(PASSPORT_ERRORS, err.code))
            else:
                db.session.commit()
                flash(_("The passport was issued."), "success")
                return redirect(url_for("passports.issue", learner_id=learner.public_id))
    elif request.method == "GET":
        db.session.commit()  # the audited read of the record
    status = 400 if form.errors else 200
    return render_template(
        "passports/issue.html",
        learner=learner,
        form=form,
        consent=consent,
        revoke_form=RevokeForm(),
    ), status


def _record_inline_consent(form: IssueForm, learner) -> bool:
    """Record the passport consent typed into the issue form; False when incomplete."""
    missing = False
    for field in (form.consent_given_by, form.consent_legal_basis, form.consent_given_on):
        if not field.data:
            field.errors.append(_("Needed when no passport consent is on record."))
            missing = True
    if missing:
        return False
    try:
        record_consent(
            current_user,
            learner,
            "passport",
            form.consent_given_by.data,
            form.consent_legal_basis.data,
            form.consent_given_on.data,
        )
    except LearnerInputError as err:
        for name in err.problems:
            target = {"given_on": form.consent_given_on, "legal_basis": form.consent_legal_basis}
            target.get(name, form.consent_given_by).errors.append(_("Check this value."))
        return False
    return True


@bp.post("/passports/<public_id>/revoke")
@roles_required(Role.SCHOOL_ADMIN)
def revoke(public_id: str):
    passport = _passport_or_404(public_id, write=True)
    form = RevokeForm()
    learner_id = passport.learner.public_id
    if not form.validate_on_submit():
        flash(_("Give a reason for revoking the passport."), "danger")
        return redirect(url_for("passports.issue", learner_id=learner_id))
    try:
        services.revoke_passport(current_user, passport, form.reason.data)
    except services.PassportError as err:
        db.session.rollback()
        flash(message(PASSPORT_ERRORS, err.code), "danger")
    else:
        db.session.commit()
        flash(_("The passport was revoked. Verifiers will see it as revoked."), "success")
    return redirect(url_for("passports.issue", learner_id=learner_id))


def _download_name(passport, extension: str) -> str:
    return f"learning-passport-{passport.public_id}.{extension}"


@bp.get("/passports/<public_id>.pdf")
@roles_required(Role.SCHOOL_ADMIN, Role.GUARDIAN)
def pdf(public_id: str):
    passport = _passport_or_404(public_id)
    data = services.passport_pdf(current_user, passport)
    db.session.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_download_name(passport, "pdf")}"'
    )
    return response


@bp.get("/passports/<public_id>.json")
@roles_required(Role.SCHOOL_ADMIN, Role.GUARDIAN)
def document(public_id: str):
    passport = _passport_or_404(public_id)
    body = services.passport_document(current_user, passport)
    db.session.commit()
    response = jsonify(body)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_download_name(passport, "json")}"'
    )
    return response


# ---- receiving school: import a foreign passport -------------------------------------------


def _import_input(form: ImportForm) -> str:
    """Return the passport as text (a PDF is reduced to the LP1 text of its QR code)."""
    data = _upload(form.file.data)
    if data is None:
        return (form.text.data or "").strip()
    if data.lstrip()[:5] == b"%PDF-":
        found = verification.qr_texts_from_pdf(data)
        return found[0] if found else ""
    return data.decode("utf-8-sig", "replace").strip()


@bp.route("/learners/import-passport", methods=["GET", "POST"])
@roles_required(Role.SCHOOL_ADMIN)
def import_passport():
    form = ImportForm()
    result, text, error = None, "", None
    if form.validate_on_submit():
        text = _import_input(form)
        if not text:
            error = message(IMPORT_ERRORS, "input_required")
        else:
            result = verification.verify_text(text)
            if form.action.data == "import":
                try:
                    learner = imports.import_passport(
                        current_user, result, bool(form.confirm_not_current.data)
                    )
                except imports.ImportRefused as err:
                    db.session.rollback()
                    error = message(IMPORT_ERRORS, err.code)
                except LearnerReadOnly:
                    abort(403)
                else:
                    db.session.commit()
                    flash(_("The passport was imported into a new learner record."), "success")
                    return redirect(url_for("passports.issue", learner_id=learner.public_id))
    status = 422 if error or form.errors else 200
    return render_template(
        "passports/import.html",
        form=form,
        result=_result_view(result) if result else None,
        text=text,
        error=error,
        importable=result is not None and result.status in ("valid", "valid_status_not_current"),
    ), status


# ---- system administrators: trust lists -----------------------------------------------------


def _trust_page(form=None, confirm=None, candidate=None, error=None, status=200):
    # Callers have committed or rolled back their own work; this keeps a new anchor key.
    try:
        own_fingerprint = trust.own_fingerprint()
        db.session.commit()
    except trust.TrustError as err:
        own_fingerprint, error = None, error or message(TRUST_ERRORS, err.code)
    return render_template(
        "passports/trust.html",
        instances=trust.trusted_instances(),
        own_fingerprint=own_fingerprint,
        well_known=services.public_url(trust.WELL_KNOWN_PATH),
        form=form or TrustImportForm(),
        confirm=confirm,
        candidate=candidate,
        error=error,
    ), status


@bp.route("/admin/trust", methods=["GET", "POST"])
@roles_required(Role.SYSTEM_ADMIN)
def trust_admin():
    form = TrustImportForm()
    if not form.validate_on_submit():
        return _trust_page(form, status=400 if form.errors else 200)
    try:
        raw = (form.document.data or "").strip()
        if not raw and (form.url.data or "").strip():
            url = form.url.data.strip().rstrip("/")
            if not url.endswith(".json"):
                url += trust.WELL_KNOWN_PATH
            raw = trust.fetch_url(url)
        if not raw:
            raise trust.TrustError("input_required")
        candidate = trust.inspect_trust_list(raw)
    except trust.TrustError as err:
        db.session.rollback()
        return _trust_page(form, error=message(TRUST_ERRORS, err.code), status=422)
    confirm = TrustConfirmForm(formdata=None, document=candidate.document)
    return _trust_page(form, confirm=confirm, candidate=candidate)


@bp.post("/admin/trust/confirm")
@roles_required(Role.SYSTEM_ADMIN)
def trust_confirm():
    confirm = TrustConfirmForm()
    if not confirm.validate_on_submit():
        return _trust_page(error=_("Type the fingerprint to confirm."), status=400)
    try:
        candidate = trust.inspect_trust_list(confirm.document.data or "")
    except trust.TrustError as err:
        db.session.rollback()
        return _trust_page(error=message(TRUST_ERRORS, err.code), status=422)
    try:
        instance = trust.import_trust_list(current_user, candidate, confirm.fingerprint.data)
    except trust.TrustError as err:
        if err.code == "fingerprint_mismatch":
            db.session.commit()  # the refused attempt stays in the audit log
        else:
            db.session.rollback()
        return _trust_page(
            confirm=confirm,
            candidate=candidate,
            error=message(TRUST_ERRORS, err.code),
            status=422,
        )
    db.session.commit()
    flash(
        ngettext(
            "Passports from %(name)s now verify here (%(num)d issuer key).",
            "Passports from %(name)s now verify here (%(num)d issuer keys).",
            len(instance.entries),
            name=instance.name,
        ),
        "success",
    )
    return redirect(url_for("passports.trust_admin"))


@bp.post("/admin/trust/<public_id>/refresh")
@roles_required(Role.SYSTEM_ADMIN)
def trust_refresh(public_id: str):
    instance = next((i for i in trust.trusted_instances() if i.public_id == public_id), None)
    if instance is None:
        abort(404)
    cached, failed = trust.refresh_status_lists(instance)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d revocation list fetched.", "%(num)d revocation lists fetched.", len(cached)
        ),
        "success",
    )
    if failed:
        flash(
            ngettext(
                "%(num)d revocation list could not be fetched; verification will say "
                "that revocation could not be checked.",
                "%(num)d revocation lists could not be fetched; verification will say "
                "that revocation could not be checked.",
                len(failed),
            ),
            "warning",
        )
    return redirect(url_for("passports.trust_admin"))


@bp.post("/admin/trust/<public_id>/remove")
@roles_required(Role.SYSTEM_ADMIN)
def trust_remove(public_id: str):
    try:
        trust.remove_trusted_instance(current_user, public_id)
    except trust.TrustError:
        abort(404)
    db.session.commit()
    flash(_("The portal is no longer trusted. Its passports now show as unknown issuer."), "info")
    return redirect(url_for("passports.trust_admin"))


@bp.app_context_processor
def _passport_context():
    return {"PASSPORT_LANGUAGES": {info.code: info for info in LOCALES}}
