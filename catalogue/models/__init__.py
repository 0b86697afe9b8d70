"""All mapped classes, importable from one place (Alembic autogenerate reads Base.metadata)."""

from catalogue.models.alerts import (
    DigestFrequency,
    Subscription,
    SubscriptionDelivery,
    SubscriptionKind,
)
from catalogue.models.audit import (
    BarrierReport,
    ReviewEvent,
    SearchOutbox,
    SearchSetting,
    ZeroResultQuery,
)
from catalogue.models.enums import (
    ContactOutcome,
    ContactRequestStatus,
    ContentState,
    ImportRunStatus,
    MunicipalityKind,
    NeedStatus,
    NeedVisibility,
    OutboxOp,
    ProjectStatus,
    Readiness,
    ReportRole,
    ReuseStatus,
    Role,
    SolutionKind,
)
from catalogue.models.exchange import (
    ContactMessage,
    ContactRequest,
    MailOptOut,
    Need,
    Reminder,
    Reuse,
)
from catalogue.models.import_key import ImportKey, ImportRun
from catalogue.models.municipality import Municipality
from catalogue.models.operations import Job, NeedMatchSet, PeriodicRun, WorkerHeartbeat
from catalogue.models.report import ExperienceReport
from catalogue.models.solution import Attachment, ContactPerson, Solution, SolutionLink, Tag
from catalogue.models.user import AccountToken, Notification, OutgoingMail, ResetRequest, User

__all__ = [
    "ImportRun",
    "ImportRunStatus",
    "Job",
    "NeedMatchSet",
    "PeriodicRun",
    "WorkerHeartbeat",
    "AccountToken",
    "ResetRequest",
    "Notification",
    "OutgoingMail",
    "Attachment",
    "BarrierReport",
    "ContactMessage",
    "ContactOutcome",
    "ContactPerson",
    "ContactRequest",
    "ContactRequestStatus",
    "ContentState",
    "DigestFrequency",
    "ExperienceReport",
    "MailOptOut",
    "ImportKey",
    "Municipality",
    "MunicipalityKind",
    "Need",
    "NeedStatus",
    "NeedVisibility",
    "OutboxOp",
    "ProjectStatus",
    "Readiness",
    "ReportRole",
    "Reminder",
    "Reuse",
    "ReuseStatus",
    "ReviewEvent",
    "Role",
    "SearchOutbox",
    "SearchSetting",
    "ZeroResultQuery",
    "Solution",
    "SolutionKind",
    "SolutionLink",
    "Subscription",
    "SubscriptionDelivery",
    "SubscriptionKind",
    "Tag",
    "User",
]
