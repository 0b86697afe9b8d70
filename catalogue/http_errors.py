"""The one table of HTTP errors the catalogue answers with: per status the German title and
default message of the HTML error page (``templates/errors/error.html``), the links offered as
the next step, and the code and message of the JSON API's error envelope.

Pure data: the web layer (``catalogue.web``) renders the pages, the API (``catalogue.api``)
builds the envelope; neither keeps texts of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

# (endpoint, label): where a visitor can go on from any error page.
NEXT_STEPS: tuple[tuple[str, str], ...] = (
    ("public.index", "Zur Startseite"),
    ("public.solutions", "Alle Lösungen ansehen"),
    ("search.search", "Im Katalog suchen"),
)


@dataclass(frozen=True)
class HttpError:
    title: str
    # The page's text when the error carries no message of its own; ``{operator}`` is the
    # configured operator's name (``OPERATOR_NAME``).
    message: str
    # The API envelope's ``code`` and default ``message``; None: the status has no API
    # meaning of its own (the envelope says "error" and "Fehler.").
    api_code: str | None = None
    api_message: str | None = None
    next_steps: tuple[tuple[str, str], ...] = NEXT_STEPS


HTTP_ERRORS: dict[int, HttpError] = {
    400: HttpError(
        "Die Anfrage ist ungültig",
        "Die Seite konnte mit diesen Angaben nichts anfangen. Bitte prüfen Sie die Adresse oder "
        "gehen Sie zurück und versuchen Sie es noch einmal.",
        "bad_request",
        "Die Anfrage ist ungültig.",
    ),
    403: HttpError(
        "Kein Zugriff",
        "Für diese Seite oder Aktion fehlt Ihnen die Berechtigung. Wenn Sie glauben, dass das "
        "ein Fehler ist, wenden Sie sich an das {operator}.",
    ),
    404: HttpError(
        "Seite nicht gefunden",
        "Diese Seite gibt es nicht (mehr). Vielleicht hat sich die Adresse geändert oder der "
        "Eintrag ist nicht öffentlich.",
        "not_found",
        "Diese Adresse gibt es in der API nicht.",
    ),
    405: HttpError(
        "Aktion nicht möglich",
        "Diese Aktion ist auf dieser Seite nicht möglich.",
        "method_not_allowed",
        "Diese Methode ist hier nicht erlaubt; die API ist nur lesend (GET).",
    ),
    409: HttpError(
        "Aktion nicht möglich",
        "Der Eintrag hat sich inzwischen verändert. Bitte laden Sie die Seite neu.",
    ),
    413: HttpError(
        "Datei zu groß",
        "Die gesendeten Daten sind zu groß. Bitte verkleinern Sie die Datei und versuchen Sie "
        "es erneut.",
    ),
    429: HttpError(
        "Zu viele Anfragen",
        "Sie haben in kurzer Zeit sehr viele Anfragen gestellt. Bitte warten Sie einen Moment "
        "und versuchen Sie es dann erneut.",
        "too_many_requests",
        "Zu viele Anfragen. Bitte warten Sie einen Moment.",
    ),
    500: HttpError(
        "Ein Fehler ist aufgetreten",
        "Auf unserer Seite ist ein unerwarteter Fehler aufgetreten. Wir kümmern uns darum. "
        "Bitte versuchen Sie es später noch einmal.",
        "internal_error",
        "Interner Fehler. Bitte versuchen Sie es später noch einmal.",
    ),
}


def api_code(status: int) -> str:
    entry = HTTP_ERRORS.get(status)
    return entry.api_code if entry and entry.api_code else "error"


def api_message(status: int) -> str | None:
    entry = HTTP_ERRORS.get(status)
    return entry.api_message if entry else None
