"""HTTP security headers (strict CSP without inline code, no caching of personal pages), the
Flask-Login user loader, session lifetime, the trusted-proxy setup and the removal of bidi
controls from single-line text before it is stored.

Owns response headers, identity loading and where the client address comes from; it must not
make permission decisions (that is ``permissions``).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, Response, request, session
from flask_login import user_logged_in
from sqlalchemy import event, orm
from werkzeug.middleware.proxy_fix import ProxyFix

from catalogue.db import db
from catalogue.extensions import login_manager
from catalogue.web.input_guard import BIDI_CONTROLS

CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def _set_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if _personal(response):
        # Drafts, notifications, confidential needs: never in a shared or back-button cache.
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def _personal(response: Response) -> bool:
    """True if the page depends on who is signed in (static files and the anonymous API do not)."""
    if request.endpoint == "static" or request.path.startswith("/api/"):
        return False
    # The session, not ``current_user``: after a failed transaction no query may run here.
    return bool(session.get("_user_id"))


def _single_line_columns(mapper: orm.Mapper) -> list[str]:
    return [
        attr.key
        for attr in mapper.column_attrs
        for column in attr.columns[:1]
        if isinstance(column.type, sa.String) and not isinstance(column.type, (sa.Text, sa.Enum))
    ]


def _strip_bidi_before_flush(session_: orm.Session, _context, _instances) -> None:
    """Single-line text (titles, names, file names) loses bidi overrides: U+202E can make a
    title or file name read backwards. Multi-line text keeps them for genuine RTL passages."""
    for obj in (*session_.new, *session_.dirty):
        for key in _single_line_columns(sa.inspect(obj).mapper):
            value = getattr(obj, key, None)
            if isinstance(value, str) and BIDI_CONTROLS.search(value):
                setattr(obj, key, BIDI_CONTROLS.sub("", value))


def _permanent_session(_app, user, **_extra) -> None:
    # A permanent session expires after PERMANENT_SESSION_LIFETIME without a request; Flask
    # checks the signed timestamp on the server, so a copied cookie expires as well.
    session.permanent = True


@login_manager.user_loader
def _load_user(user_id: str):
    from catalogue.models import User

    raw_id, _, fingerprint = user_id.partition(":")
    user = db.session.get(User, int(raw_id)) if raw_id.isdigit() else None
    if user is None or not user.is_active or fingerprint != user.session_fingerprint:
        return None
    return user


def init_app(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies > 0:
        # Only then are X-Forwarded-For/-Proto believed, and only the last ``proxies`` hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    if not event.contains(orm.Session, "before_flush", _strip_bidi_before_flush):
        event.listen(orm.Session, "before_flush", _strip_bidi_before_flush)
    user_logged_in.connect(_permanent_session, app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
    login_manager.login_message_category = "info"
    app.after_request(_set_headers)
