"""Configuration: every key the app reads, with its default and meaning.

Order of precedence: the defaults below → ``CATALOGUE_*`` environment variables → the mapping
passed to ``create_app()`` (tests). This module only describes configuration; it must not import
the application or touch the database.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Key:
    default: Any
    doc: str


# Keys are the names used inside ``app.config``; the environment variable is ``CATALOGUE_<KEY>``.
KEYS: dict[str, Key] = {
    "SECRET_KEY": Key(None, "Secret for sessions and CSRF. Required outside development/testing."),
    "ENV": Key("production", "production | development | testing. development enables demo mode."),
    "DATABASE_URL": Key(
        None, "SQLAlchemy URL. Default: SQLite file catalogue.sqlite3 in the instance folder."
    ),
    "SEARCH_INDEX_DIR": Key(
        None,
        "Directory of this host's Whoosh index. Default: search-index/ in the instance folder.",
    ),
    "SEARCH_SYNC": Key(
        "inline",
        "inline: each process applies outbox rows to the index right after its own commit; "
        "worker: only `catalogue search worker` writes the index (recommended with gunicorn).",
    ),
    "HOST_ID": Key(
        "",
        "Name of this host in worker heartbeats and /readyz (default: the machine's host name). "
        "Give each host that has its own index a distinct name.",
    ),
    "INLINE_SIDE_EFFECTS": Key(
        "",
        "Inline mode only: thread (default) runs jobs and mail in a background thread of each "
        "web process; sync runs them right after the commit (the default in tests).",
    ),
    "INLINE_POLL_SECONDS": Key(10, "Inline mode: seconds between background catch-up runs."),
    "READY_MAX_LAG_SECONDS": Key(
        120, "/readyz fails when the oldest outbox row not yet in this host's index is older."
    ),
    "READY_MAX_HEARTBEAT_SECONDS": Key(
        60, "/readyz (worker mode) fails when this host's worker has not succeeded for longer."
    ),
    "OUTBOX_KEEP_DAYS": Key(
        14, "`catalogue outbox prune` keeps outbox rows and done jobs this long."
    ),
    "DEMO_MODE": Key(False, "Show the demo-data banner and allow demo accounts."),
    "REGION_NAME": Key("Ostwestfalen-Lippe", "Name of the region the catalogue serves."),
    "OPERATOR_NAME": Key(
        "DigitalBüro OWL", "Who runs this catalogue (shown in header and footer)."
    ),
    "OPERATOR_ADDRESS": Key(
        "Musterstraße 1\n33098 Paderborn", "Postal address for the Impressum (multi-line)."
    ),
    "OPERATOR_EMAIL": Key("kontakt@example.org", "Contact e-mail address for the Impressum."),
    "OPERATOR_PHONE": Key("", "Contact phone number for the Impressum (optional)."),
    "OPERATOR_REPRESENTATIVE": Key(
        "", "Person or body legally representing the operator (Impressum, optional)."
    ),
    "DATA_PROTECTION_OFFICER": Key(
        "", "Contact of the data protection officer (Datenschutzerklärung, optional)."
    ),
    "ACCESSIBILITY_CONTACT": Key(
        "barrierefreiheit@example.org", "Where accessibility feedback is also sent/answered."
    ),
    "ACCESSIBILITY_STATEMENT_DATE": Key(
        "2026-12-03",
        "Date (YYYY-MM-DD) the accessibility statement was drawn up or last reviewed; "
        "update it with every new self-assessment.",
    ),
    "ENFORCEMENT_BODY": Key(
        "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen",
        "Schlichtungs-/Durchsetzungsstelle named in the accessibility statement.",
    ),
    "REGION_BOUNDARIES": Key(
        None,
        "GeoJSON file with the region's municipality and Kreis boundaries for the DigitalBüro "
        "map (WGS 84; properties ags, name, level = gemeinde | kreis). Default: the shipped OWL "
        "file catalogue/data/owl/boundaries.geojson.",
    ),
    "REGION_BOUNDARIES_ATTRIBUTION": Key(
        "© GeoBasis-DE / BKG (2021), dl-de/by-2-0; Daten verändert",
        "Attribution required by the licence of the boundaries file, shown under every map.",
    ),
    "CONTACT_REQUEST_ANSWER_DAYS": Key(
        7, "Days after which an open contact request counts as unanswered (DigitalBüro queue)."
    ),
    "PER_PAGE": Key(20, "Entries per page in lists."),
    "RATELIMIT_STORAGE_URI": Key(
        "memory://", "Flask-Limiter storage: memory:// embedded, redis://host:6379 in production."
    ),
    "SESSION_IDLE_MINUTES": Key(
        120,
        "Minutes without a request after which a sign-in ends (checked on the server against "
        "the signed session timestamp).",
    ),
    "TRUSTED_PROXIES": Key(
        0,
        "Number of reverse proxies in front of the app (e.g. 1 for nginx). 0: X-Forwarded-* "
        "headers are ignored and the TCP peer is the client address.",
    ),
    "SESSION_COOKIE_SECURE": Key(True, "Send the session cookie over HTTPS only (off in dev)."),
    "UPLOAD_DIR": Key(None, "Attachment storage outside the web root. Default: instance/uploads."),
    "MAIL_SERVER": Key("", "SMTP host. Empty: mails are only logged and listed for admins."),
    "MAIL_PORT": Key(587, "SMTP port."),
    "MAIL_USE_TLS": Key(True, "Use STARTTLS for SMTP."),
    "MAIL_USERNAME": Key("", "SMTP user name (optional)."),
    "MAIL_PASSWORD": Key("", "SMTP password (optional)."),
    "MAIL_SENDER": Key("loesungskatalog@example.org", "From address of outgoing mail."),
    "BASE_URL": Key(
        "http://127.0.0.1:5000", "Public base URL, used for links in e-mails and feeds."
    ),
    "INVITATION_DAYS": Key(14, "Days an invitation link stays valid."),
    "PASSWORD_RESET_HOURS": Key(2, "Hours a password-reset link stays valid."),
    "REVIEW_INTERVAL_MONTHS": Key(
        12,
        'Months after publication or the last "Angaben sind aktuell" confirmation until a '
        "solution is due for review.",
    ),
    "REVIEW_REMINDER_DAYS": Key(
        30, "Days before the review-by date when the first freshness reminder goes out."
    ),
    "MAX_CONTENT_LENGTH": Key(20 * 1024 * 1024, "Largest accepted request body in bytes."),
}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, (dict, list)):
        return json.loads(raw)
    return raw


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the effective configuration as a plain dict."""
    config: dict[str, Any] = {name: key.default for name, key in KEYS.items()}
    for name, key in KEYS.items():
        raw = os.environ.get(f"CATALOGUE_{name}")
        if raw is not None:
            config[name] = _coerce(raw, key.default)
    config.update(overrides or {})
    if config["ENV"] in {"development", "testing"}:
        config.setdefault("SECRET_KEY", None)
        if not config["SECRET_KEY"]:
            config["SECRET_KEY"] = "dev-only-not-secret"
        if "SESSION_COOKIE_SECURE" not in (overrides or {}) and not os.environ.get(
            "CATALOGUE_SESSION_COOKIE_SECURE"
        ):
            config["SESSION_COOKIE_SECURE"] = False
    if config["ENV"] == "development" and "DEMO_MODE" not in (overrides or {}):
        if os.environ.get("CATALOGUE_DEMO_MODE") is None:
            config["DEMO_MODE"] = True
    if not config["SECRET_KEY"]:
        raise RuntimeError("CATALOGUE_SECRET_KEY must be set outside development and testing.")
    return config
