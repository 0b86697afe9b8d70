"""The Lösungskatalog Flask application.

``create_app()`` wires configuration, extensions, blueprints, CLI and error handlers and does
nothing else: no queries, no index work, no seeding.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from catalogue import config as config_module
from catalogue.clock import APP_TIMEZONE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    settings = config_module.load(overrides)
    app.config.update(settings)
    os.makedirs(app.instance_path, exist_ok=True)

    database_url = settings["DATABASE_URL"] or (
        "sqlite:///" + os.path.join(app.instance_path, "catalogue.sqlite3")
    )
    app.config["DATABASE_URL"] = database_url
    app.config["SEARCH_INDEX_DIR"] = settings["SEARCH_INDEX_DIR"] or os.path.join(
        app.instance_path, "search-index"
    )
    app.config["UPLOAD_DIR"] = settings["UPLOAD_DIR"] or os.path.join(app.instance_path, "uploads")
    engine_options: dict[str, Any] = {"url": database_url}
    if database_url.startswith("sqlite"):
        engine_options["connect_args"] = {"timeout": 30}
    else:
        engine_options["pool_pre_ping"] = True
    app.config["SQLALCHEMY_ENGINES"] = {"default": engine_options}
    app.config["ALEMBIC"] = {"script_location": "migrations"}
    app.config["TESTING"] = settings["ENV"] == "testing"
    app.config["DEBUG"] = False
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["BABEL_DEFAULT_LOCALE"] = "de"
    app.config["BABEL_DEFAULT_TIMEZONE"] = str(APP_TIMEZONE)
    app.config["RATELIMIT_STORAGE_URI"] = settings["RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    # CSRF tokens live as long as the session: a long form must not expire after an hour.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)

    from catalogue import api, cli, extensions, security
    from catalogue.db import register_after_commit
    from catalogue.services.worker import after_commit as side_effects_after_commit
    from catalogue.web import register_blueprints, register_error_handlers, template_helpers

    extensions.db.init_app(app)
    extensions.alembic.init_app(app)
    extensions.babel.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.login_manager.init_app(app)
    security.init_app(app)
    template_helpers.init_app(app)
    register_blueprints(app)
    api.init_app(app)
    register_error_handlers(app)
    cli.init_app(app)
    register_after_commit(app, side_effects_after_commit)
    return app
