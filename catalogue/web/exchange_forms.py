"""Forms of the exchange pages (imports). Shape only; the services decide meaning."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Optional


class PubliccodeImportForm(FlaskForm):
    file = FileField("publiccode.yml hochladen", validators=[Optional()])
    text = TextAreaField("… oder Inhalt hier einfügen", validators=[Optional()])

    def content(self) -> str | None:
        """The uploaded file's text (UTF-8) or the pasted text; None with a form error."""
        upload = self.file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(600 * 1024)
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.file.errors = [
                    "Die Datei ist nicht in UTF-8 kodiert. Bitte speichern Sie sie als UTF-8."
                ]
                return None
        if (self.text.data or "").strip():
            return self.text.data
        self.text.errors = [
            "Bitte laden Sie eine publiccode.yml hoch oder fügen Sie ihren Inhalt ein."
        ]
        return None


class TableImportForm(FlaskForm):
    file = FileField("Tabelle (CSV oder XLSX)")
    publish = BooleanField("Direkt veröffentlichen (nur DigitalBüro)")
    check = SubmitField("Probelauf")
    run = SubmitField("Importieren")

    def upload(self) -> tuple[str, bytes] | None:
        upload = self.file.data
        if not upload or not getattr(upload, "filename", ""):
            self.file.errors = ["Bitte wählen Sie eine CSV- oder XLSX-Datei aus."]
            return None
        return upload.filename, upload.read(10 * 1024 * 1024 + 1)
