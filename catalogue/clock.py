"""The app's clock: stored moments are naive UTC, calendar days are Berlin days.

Deadlines, reminders, digest periods, "überfällig", date filters and file stamps count in the
day people live in: at 00:30 on 4 December in Berlin it is still 3 December in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

APP_TIMEZONE = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_date(moment: datetime | None = None) -> date:
    """The calendar day in Berlin of a stored UTC moment (now by default)."""
    moment = moment or utcnow()
    return moment.replace(tzinfo=UTC).astimezone(APP_TIMEZONE).date()


def day_start(day: date) -> datetime:
    """Midnight in Berlin at the start of ``day``, as a stored (naive UTC) moment: the bound
    for "since that day" in queries on UTC columns."""
    local = datetime.combine(day, time.min, tzinfo=APP_TIMEZONE)
    return local.astimezone(UTC).replace(tzinfo=None)
