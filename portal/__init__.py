"""Education continuity and credential recognition portal."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import STATIC_DIR, TEMPLATES_DIR, load_config
from portal.extensions import babel, csrf, db, login_manager, migrate


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, hooks."""
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        instance_relative_config=False,
    )
    app.config.update(load_config(overrides))
    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy the client address and scheme come from X-Forwarded-*;
        # without this, per-address limits would treat every family as the proxy.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal.auth.services import load_session_user
    from portal.i18n.services import select_locale

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(TEMPLATES_DIR.parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # the server-side session is the authority
    login_manager.user_loader(load_session_user)
    import portal.models  # noqa: F401 - every model registered before first use


def register_blueprints(app: Flask) -> None:
    import portal.curricula.equivalency.views
    import portal.placement.decision_views
    import portal.placement.policy.views  # noqa: F401 - routes on the curricula/placement blueprints
    from portal.admin.views import bp as admin_bp
    from portal.auth.views import bp as auth_bp
    from portal.curricula.views import bp as curricula_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.families.views import bp as families_bp
    from portal.i18n.views import bp as i18n_bp
    from portal.learners.views import bp as learners_bp
    from portal.passports.views import bp as passports_bp
    from portal.placement.views import bp as placement_bp

    blueprints = (
        dashboard_bp,
        auth_bp,
        i18n_bp,
        admin_bp,
        curricula_bp,
        learners_bp,
        families_bp,
        passports_bp,
        placement_bp,
    )
    for bp in blueprints:
        app.register_blueprint(bp)
    register_json_api(app)


def register_json_api(app: Flask) -> None:
    """Mount each feature's JSON API under /api/v1 and register its error catalogs."""
    # Imported while the app is built, like the blueprints above: features import portal.*.
    from portal.api import register_api
    from portal.auth import api as auth_api
    from portal.core.errors import register_error_messages
    from portal.curricula import api as curricula_api
    from portal.learners import api as learners_api
    from portal.passports import api as passports_api
    from portal.placement import api as placement_api

    register_api(
        app, [auth_api.bp, curricula_api.bp, learners_api.bp, placement_api.bp, passports_api.bp]
    )
    register_error_messages(
        app, {**curricula_api.ERRORS, **learners_api.ERRORS, **passports_api.ERRORS}
    )


def register_hooks(app: Flask) -> None:
    from portal.cli import register_cli
    from portal.core.errors import register_errors
    from portal.core.security import register_security
    from portal.i18n.services import register_template_helpers

    register_security(app)
    register_errors(app)
    register_template_helpers(app)
    register_cli(app)
    logging.getLogger("portal").setLevel(logging.INFO)
