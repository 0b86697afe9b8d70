"""Domain enumerations with their German labels.

Values are stable English identifiers stored in the database; ``label`` is the German text the UI
shows. Workflow transition tables live in ``catalogue.workflow``, not here.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Role(LabelledEnum):
    MEMBER = "member"
    CONTRIBUTOR = "contributor"
    CURATOR = "curator"
    ADMIN = "admin"


class MunicipalityKind(LabelledEnum):
    KREIS = "kreis"
    KREISFREIE_STADT = "kreisfreie_stadt"
    STADT = "stadt"
    GEMEINDE = "gemeinde"


class ContentState(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class SolutionKind(LabelledEnum):
    SOFTWARE = "software"
    SERVICE = "service"
    ORGANISATIONAL_MODEL = "organisational_model"
    TEMPLATE = "template"
    DATA_INFRASTRUCTURE = "data_infrastructure"


class ProjectStatus(LabelledEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IN_OPERATION = "in_operation"
    COMPLETED = "completed"


class Readiness(LabelledEnum):
    NOT_YET = "not_yet"
    ON_REQUEST = "on_request"
    DOCUMENTED = "documented"
    PROVEN = "proven"


class ReportRole(LabelledEnum):
    ORIGINATOR = "originator"
    REUSER = "reuser"


class NeedStatus(LabelledEnum):
    OPEN = "open"
    BROKERED = "brokered"
    SOLVED = "solved"
    CLOSED = "closed"


class NeedVisibility(LabelledEnum):
    PUBLIC = "public"
    CURATORS = "curators"


class ReuseStatus(LabelledEnum):
    INTERESTED = "interested"
    EVALUATING = "evaluating"
    PILOT = "pilot"
    IN_OPERATION = "in_operation"
    ENDED = "ended"

    @classmethod
    def started(cls) -> tuple[ReuseStatus, ...]:
        """A reuse under way: every figure of reuses counts these. An interest ("interessiert")
        is no reuse yet, an ended one is none any more."""
        return (cls.EVALUATING, cls.PILOT, cls.IN_OPERATION)


class ContactRequestStatus(LabelledEnum):
    OPEN = "open"
    BROKERED = "brokered"
    REUSE = "reuse"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Still being brokered: messages can be posted, reminders run."""
        return self in (ContactRequestStatus.OPEN, ContactRequestStatus.BROKERED)


class ContactOutcome(LabelledEnum):
    REUSE_STARTED = "reuse_started"
    NOT_SUITABLE = "not_suitable"
    NO_ANSWER = "no_answer"


class ImportRunStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def is_finished(self) -> bool:
        return self in (ImportRunStatus.DONE, ImportRunStatus.FAILED)


class OutboxOp(LabelledEnum):
    UPSERT = "upsert"
    DELETE = "delete"


_LABELS: dict[str, dict[str, str]] = {
    "Role": {
        "member": "Kommunale Mitarbeitende",
        "contributor": "Beitragende",
        "curator": "Kuratierung (DigitalBüro)",
        "admin": "Administration",
    },
    "MunicipalityKind": {
        "kreis": "Kreis",
        "kreisfreie_stadt": "Kreisfreie Stadt",
        "stadt": "Stadt",
        "gemeinde": "Gemeinde",
    },
    "ContentState": {
        "draft": "Entwurf",
        "submitted": "In Prüfung",
        "changes_requested": "Überarbeitung erbeten",
        "published": "Veröffentlicht",
        "rejected": "Abgelehnt",
        "archived": "Archiviert",
    },
    "SolutionKind": {
        "software": "Software",
        "service": "Dienstleistung",
        "organisational_model": "Organisationsmodell",
        "template": "Vergabe- oder Vertragsvorlage",
        "data_infrastructure": "Daten oder Infrastruktur",
    },
    "ProjectStatus": {
        "planned": "geplant",
        "in_progress": "in Umsetzung",
        "in_operation": "im Betrieb",
        "completed": "abgeschlossen",
    },
    "Readiness": {
        "not_yet": "noch nicht nachnutzbar",
        "on_request": "nachnutzbar nach Absprache",
        "documented": "dokumentiert und nachnutzbar",
        "proven": "bereits nachgenutzt",
    },
    "ReportRole": {"originator": "als Entwicklerin", "reuser": "als Nachnutzerin"},
    "NeedStatus": {
        "open": "offen",
        "brokered": "vermittelt",
        "solved": "gelöst",
        "closed": "geschlossen",
    },
    "NeedVisibility": {"public": "öffentlich", "curators": "nur DigitalBüro"},
    "ReuseStatus": {
        "interested": "interessiert",
        "evaluating": "in Prüfung",
        "pilot": "Pilot",
        "in_operation": "im Betrieb",
        "ended": "beendet",
    },
    "ImportRunStatus": {
        "queued": "wartet",
        "running": "läuft",
        "done": "fertig",
        "failed": "abgebrochen",
    },
    "ContactRequestStatus": {
        "open": "offen",
        "brokered": "vermittelt",
        "reuse": "in Nachnutzung überführt",
        "closed": "geschlossen",
    },
    "ContactOutcome": {
        "reuse_started": "Nachnutzung gestartet",
        "not_suitable": "passt nicht",
        "no_answer": "keine Antwort",
    },
    "OutboxOp": {"upsert": "aktualisieren", "delete": "entfernen"},
}
