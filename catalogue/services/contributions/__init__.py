"""Writing content: solution drafts and revisions, experience reports, attachments, and the
contributor's overview ("Meine Beiträge").

One module per seam: ``solutions`` (input, validation, drafts, revisions), ``reports``
(experience reports), ``attachments`` (upload checks and storage) and ``overview``. This package
re-exports their public functions so that callers keep writing ``contributions.create_solution``.
"""

from catalogue.services.contributions.attachments import (
    ALLOWED_ATTACHMENTS,
    MAX_ATTACHMENT_BYTES,
    add_attachment,
    get_attachment,
    remove_attachment,
)
from catalogue.services.contributions.overview import ContributionRow, my_contributions
from catalogue.services.contributions.reports import (
    REPORT_CONTENT_FIELDS,
    REPORT_TEXT_FIELDS,
    ReportInput,
    create_report,
    get_report_for_edit,
    start_report_revision,
    update_report,
    validate_report,
)
from catalogue.services.contributions.solutions import (
    EMAIL_RE,
    SOLUTION_ENUM_FIELDS,
    SOLUTION_PLAIN_FIELDS,
    URL_RE,
    ContactInput,
    LinkInput,
    SolutionInput,
    create_solution,
    get_solution_for_edit,
    start_revision,
    update_solution,
    validate_solution,
)

__all__ = [
    "ALLOWED_ATTACHMENTS",
    "EMAIL_RE",
    "MAX_ATTACHMENT_BYTES",
    "REPORT_CONTENT_FIELDS",
    "REPORT_TEXT_FIELDS",
    "SOLUTION_ENUM_FIELDS",
    "SOLUTION_PLAIN_FIELDS",
    "URL_RE",
    "ContactInput",
    "ContributionRow",
    "LinkInput",
    "ReportInput",
    "SolutionInput",
    "add_attachment",
    "create_report",
    "create_solution",
    "get_attachment",
    "get_report_for_edit",
    "get_solution_for_edit",
    "my_contributions",
    "remove_attachment",
    "start_report_revision",
    "start_revision",
    "update_report",
    "update_solution",
    "validate_report",
    "validate_solution",
]
