"""`flask portal ...` commands for operators and scripts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db

portal_cli = AppGroup("portal", help="Portal administration commands.")


@portal_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo schools and accounts (idempotent; refused in production)."""
    from portal.demo.services import DemoRefused, seed_demo

    try:
        accounts = seed_demo()
    except DemoRefused as err:
        raise click.ClickException(str(err)) from err
    db.session.commit()
    click.echo("Demo accounts (password: PORTAL_DEMO_PASSWORD, default demo-passport-2026):")
    for account in accounts:
        click.echo(f"  {account.email:28} {account.role.value}")


@portal_cli.command("audit-verify")
def audit_verify_command() -> None:
    """Check the audit hash chain and report the first broken link."""
    from portal.audit.services import verify_audit_chain

    report = verify_audit_chain()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} entries verified")
        return
    click.echo(
        f"audit chain BROKEN at entry {report.first_broken_seq} ({report.reason}); "
        f"{report.checked} entries before it verified",
        err=True,
    )
    raise SystemExit(1)


@portal_cli.command("create-token")
@click.argument("email")
@click.option("--name", default="script", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Expire after N days.")
def create_token_command(email: str, name: str, days: int | None) -> None:
    """Create a personal API token for EMAIL and print it once."""
    from portal.auth.services import create_api_token, find_user_by_email
    from portal.db import utcnow

    user = find_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"no active account for {email}")
    expires = utcnow() + timedelta(days=days) if days else None
    _token, secret = create_api_token(user, name, expires)
    db.session.commit()
    click.echo(secret)


def register_cli(app: Flask) -> None:
    """Attach the command group to the app."""
    app.cli.add_command(portal_cli)


@portal_cli.command("load-reference")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Folder with sources.json, systems/ and tables/ (default: the shipped data).",
)
def load_reference_command(data_dir: str | None) -> None:
    """Load education systems, sources and seed equivalency tables (idempotent)."""
    from portal.curricula.loader import ReferenceDataError
    from portal.seed import load_reference

    try:
        report = load_reference(Path(data_dir) if data_dir else None)
    except ReferenceDataError as err:
        db.session.rollback()
        raise click.ClickException(f"nothing loaded: {err}") from err
    db.session.commit()
    click.echo(f"reference data loaded: {report.summary()}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


@portal_cli.command("import-learners")
@click.argument("file", type=click.File("rb"))
@click.option("--school-admin", "email", required=True, help="The school administrator importing.")
def import_learners_command(file, email: str) -> None:
    """Import a cohort of arriving learners with their prior studies from a CSV FILE.

    All or nothing: every problem is listed with its row number and nothing is written
    unless the whole file is valid (exit status 1 otherwise).
    """
    import sys
    from contextlib import ExitStack

    from flask_babel import force_locale, ngettext
    from flask_babel import gettext as _

    from portal.auth.domain import Role
    from portal.auth.services import find_user_by_email
    from portal.learners.intake_csv import MAX_BYTES, import_cohort

    user = find_user_by_email(email)
    admin = user is not None and user.active and user.role == Role.SCHOOL_ADMIN
    # Messages in the administrator's language (English when unknown).
    with force_locale((user.locale if admin else None) or "en"):
        if not admin:
            raise click.ClickException(
                _("No active school administrator account for %(email)s.", email=email)
            )
        raw = file.read(MAX_BYTES + 1)
        with ExitStack() as bar_stack:
            bars: list = []

            def progress(done: int, total: int) -> None:
                if not bars and total >= 400:  # a bar only for files worth waiting on
                    bar = click.progressbar(length=total, label=_("Importing"), file=sys.stderr)
                    bars.append(bar_stack.enter_context(bar))
                if bars:
                    bars[0].update(done - bars[0].pos)

            report = import_cohort(user, raw, progress=progress)
        if not report.ok:
            db.session.rollback()
            for line in report.messages():
                click.echo(line, err=True)
            if report.truncated:
                more = ngettext(
                    "... and %(num)d more problem.",
                    "... and %(num)d more problems.",
                    report.truncated,
                )
                click.echo(more, err=True)
            click.echo(_("Nothing was imported."), err=True)
            raise SystemExit(1)
        db.session.commit()
        created = len(report.created)
        click.echo(ngettext("%(num)d learner imported.", "%(num)d learners imported.", created))
        click.echo(
            ngettext(
                "%(num)d prior study recorded.", "%(num)d prior studies recorded.", report.studies
            )
        )


@portal_cli.command("place")
@click.argument("arrivals", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--destination", required=True, help="Jurisdiction code, e.g. DE-NW.")
@click.option(
    "--on",
    "enrolment",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Enrolment date (YYYY-MM-DD).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the placements CSV.",
)
@click.option("--lang", default="en", show_default=True, help="Language of messages and names.")
def place_command(arrivals: Path, destination: str, enrolment, output: Path, lang: str) -> None:
    """Recommend placements for a CSV of arrivals (columns: see portal/placement/cohort.py)."""
    from flask_babel import force_locale, ngettext
    from flask_babel import gettext as _

    from portal.placement.cohort import CohortFileError, place_rows, read_arrivals, write_placements
    from portal.placement.messages import problem_message

    with force_locale(lang):
        try:
            rows = read_arrivals(arrivals)
        except CohortFileError as err:
            raise click.ClickException(problem_message(err.code, err.params)) from err
        with click.progressbar(rows, label=_("Placing learners")) as bar:
            placed, failed = write_placements(
                output, place_rows(bar, destination, enrolment.date(), lang)
            )
        db.session.rollback()  # read-only: nothing to keep
        click.echo(ngettext("%(num)d learner placed.", "%(num)d learners placed.", placed))
        if failed:
            click.echo(
                ngettext(
                    "%(num)d row could not be placed: see its error column.",
                    "%(num)d rows could not be placed: see their error column.",
                    failed,
                ),
                err=True,
            )


@portal_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--on", "on", default=None, help="Validation date YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_passport_command(file: str, on: str | None, as_json: bool) -> None:
    """Verify a passport offline (LP1 text, JSON credential or PDF); exit 0 only if valid.

    Uses only this database: its own issuer keys, imported trust lists and cached status lists.
    """
    import json
    from datetime import date

    from portal.passports.verification import verify_bytes

    try:
        today = date.fromisoformat(on) if on else None
    except ValueError as err:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--on") from err
    result = verify_bytes(Path(file).read_bytes(), today)
    db.session.rollback()  # verification writes nothing
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"status: {result.status} ({result.reason})")
        if result.issuer:
            trusted = result.issuer["trusted_by"] or "this instance"
            click.echo(f"issuer: {result.issuer['name']} [{result.issuer['kid']}], via {trusted}")
        if result.claims:
            names = " / ".join(n["text"] for n in result.claims["holder"]["names"])
            click.echo(f"holder: {names}, born {result.claims['holder']['birth_date']}")
            click.echo(f"valid:  {result.claims['issued_on']} to {result.claims['expires_on']}")
    if not result.ok:
        raise SystemExit(1)


@portal_cli.command("trust-fingerprint")
def trust_fingerprint_command() -> None:
    """Print the fingerprint of this instance's trust-list key, to read out to other instances."""
    from portal.passports.trust import own_fingerprint

    fingerprint = own_fingerprint()
    db.session.commit()  # the anchor key is created on first use
    click.echo(fingerprint)


@portal_cli.command("rotate-passport-key")
@click.argument("school_id")
def rotate_passport_key_command(school_id: str) -> None:
    """Retire a school's passport signing key and start a new one (old passports still verify)."""
    from sqlalchemy import select

    from portal.passports.services import rotate_key, school_issuer
    from portal.schools.models import School

    school = db.session.scalar(select(School).where(School.public_id == school_id))
    if school is None:
        raise click.ClickException(f"no school with id {school_id}")
    key = rotate_key(school_issuer(school))
    db.session.commit()
    click.echo(f"new signing key {key.kid} for {school.name}")
