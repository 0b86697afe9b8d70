"""Transaction helpers for the layers above the services (the error handlers).

Owns nothing but discarding a failed transaction; it must not commit (only ``db.unit_of_work``
does).
"""

from __future__ import annotations

from catalogue.db import db


def discard_failed_transaction() -> None:
    """Roll back whatever the failed request left open, so the error page can query again
    (a failed statement on PostgreSQL poisons the transaction until it is rolled back)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the page must still render
        db.session.close()
