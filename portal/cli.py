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
    "--data-dir", type=click.Path(exists=True, file_okay=False), default=None,
    help="Folder with sources.json, systems/ and tables/ (default: the shipped data).",
)
def load_reference_command(data_dir: str | None) -> None:
    """Load education systems, sources and seed equivalency tables (idempotent)."""
    from portal.curricula.loader import ReferenceDataError, load_reference

    try:
        report = load_reference(Path(data_dir) if data_dir else None)
    except ReferenceDataError as err:
        db.session.rollback()
        raise click.ClickException(f"nothing loaded: {err}") from err
    db.session.commit()
    click.echo(f"reference data loaded: {report.summary()}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
