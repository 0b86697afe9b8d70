"""HTTP security headers (strict CSP without inline code), the Flask-Login user loader and the
per-request actor.

Owns response headers and identity loading; it must not make permission decisions (that is
``permissions``).
"""

from __future__ import annotations

from flask import Flask, Response

from catalogue.db import db
from catalogue.extensions import login_manager

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
    return response


@login_manager.user_loader
def _load_user(user_id: str):
    from catalogue.models import User

    raw_id, _, fingerprint = user_id.partition(":")
    user = db.session.get(User, int(raw_id)) if raw_id.isdigit() else None
    if user is None or not user.is_active or fingerprint != user.session_fingerprint:
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
    login_manager.login_message_category = "info"
    app.after_request(_set_headers)
