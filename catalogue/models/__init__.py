"""All mapped classes, importable from one place (Alembic autogenerate reads Base.metadata)."""

from catalogue.models.audit import (
    BarrierReport,
    ReviewEvent,
    SearchOutbox,
    SearchSetting,
    ZeroResultQuery,
)
from catalogue.models.enums import (
    ContactRequestStatus,
    ContentState,
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
from catalogue.models.exchange import ContactRequest, Need, Reuse
from catalogue.models.import_key import ImportKey
from catalogue.models.municipality import Municipality
from catalogue.models.report import ExperienceReport
from catalogue.models.solution import Attachment, ContactPerson, Solution, SolutionLink, Tag
from catalogue.models.user import AccountToken, Notification, OutgoingMail, User

__all__ = [
    "AccountToken",
    "Notification",
    "OutgoingMail",
    "Attachment",
    "BarrierReport",
    "ContactPerson",
    "ContactRequest",
    "ContactRequestStatus",
    "ContentState",
    "ExperienceReport",
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
    "Tag",
    "User",
]
