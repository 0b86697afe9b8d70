"""Attachments of solution drafts: type and content checks, storage outside the web root,
removal and download lookup (visibility as for the solution)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO

from flask import current_app

from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, ValidationFailed
from catalogue.models import (
    Attachment,
    Solution,
)
from catalogue.permissions import (
    Actor,
    can_edit_solution,
    can_view_solution,
    require,
)
from catalogue.services import upload_checks

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# extension -> (content type, accepted leading bytes)
ALLOWED_ATTACHMENTS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "odp": ("application/vnd.oasis.opendocument.presentation", (b"PK\x03\x04",)),
}


def add_attachment(
    *, actor: Actor, solution_id: int, filename: str, stream: IO[bytes]
) -> Attachment:
    """Attach a checked file (type, content, size) to a draft the actor may edit; stored outside the web root."""
    filename = upload_checks.safe_filename(filename)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = ALLOWED_ATTACHMENTS.get(extension)
    if allowed is None:
        raise ValidationFailed(
            {
                "attachment": "Dieser Dateityp ist nicht erlaubt. Erlaubt sind PDF, PNG, JPEG und Office-Dokumente (docx, xlsx, pptx, odt, ods, odp)."
            }
        )
    content = stream.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed({"attachment": "Die Datei ist größer als 10 MB."})
    if not content:
        raise ValidationFailed({"attachment": "Die Datei ist leer."})
    content_type, signatures = allowed
    if not any(content.startswith(sig) for sig in signatures):
        raise ValidationFailed({"attachment": "Der Inhalt der Datei passt nicht zu ihrer Endung."})
    if problem := upload_checks.office_problem(extension, content):
        raise ValidationFailed({"attachment": problem})
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    with unit_of_work() as s:
        solution = s.get(Solution, solution_id)
        if solution is None:
            raise NotFound("Diese Lösung gibt es nicht.")
        require(
            can_edit_solution(actor, solution), "Anhänge können nur an Entwürfen geändert werden."
        )
        attachment = Attachment(
            solution_id=solution.id,
            filename=filename,
            stored_name=stored_name,
            content_type=content_type,
            size=len(content),
            uploaded_by_id=actor.id,
        )
        s.add(attachment)
        (upload_dir / stored_name).write_bytes(content)
    return attachment


def remove_attachment(*, actor: Actor, attachment_id: int) -> None:
    """Delete an attachment of a draft the actor may edit, with its stored file."""
    with unit_of_work() as s:
        attachment = s.get(Attachment, attachment_id)
        if attachment is None:
            raise NotFound("Diesen Anhang gibt es nicht.")
        solution = s.get(Solution, attachment.solution_id)
        require(
            can_edit_solution(actor, solution), "Anhänge können nur an Entwürfen geändert werden."
        )
        s.delete(attachment)
    path = Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name
    path.unlink(missing_ok=True)


def get_attachment(*, actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("Diesen Anhang gibt es nicht.")
    solution = db.session.get(Solution, attachment.solution_id)
    if not can_view_solution(actor, solution):
        raise NotFound("Diesen Anhang gibt es nicht.")
    path = Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name
    if not path.is_file():
        raise NotFound("Die Datei ist nicht mehr vorhanden.")
    return attachment, path
