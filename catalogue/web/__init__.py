"""Web layer: blueprints (thin views: parse, call one service, render or redirect) and the one
place that translates domain errors into HTTP responses."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from catalogue.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from catalogue.http_errors import HTTP_ERRORS
from catalogue.web.input_guard import UnsafeInput


def register_blueprints(app: Flask) -> None:
    from catalogue.web import (
        contribute,
        digitalbuero,
        input_guard,
        needs,
        needs_brokering,
        pages,
        public,
        review,
        search,
    )

    input_guard.init_app(app)  # the bounded ``int`` converter must exist before any route

    app.register_blueprint(public.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)

    from catalogue.web import accounts, admin, admin_search

    app.register_blueprint(accounts.bp)
    app.register_blueprint(admin.bp)  # with the search pages of admin_search
    assert admin_search.bp is admin.bp
    app.register_blueprint(contribute.bp)
    app.register_blueprint(contribute.attachments_bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(needs.bp)  # with the /vermittlung views of needs_brokering
    assert needs_brokering.bp is needs.bp

    from catalogue.web import my_area

    app.register_blueprint(my_area.bp)
    app.register_blueprint(digitalbuero.bp)

    from catalogue.web import health

    app.register_blueprint(health.bp)

    from catalogue.web import alerts

    app.register_blueprint(alerts.bp)

    from catalogue.web import exchange, findability

    app.register_blueprint(exchange.bp)
    app.register_blueprint(findability.bp)


def register_error_handlers(app: Flask) -> None:
    """HTML error pages; under /api/ HTTP errors get the API's JSON envelope instead."""
    from catalogue import api

    def render_error(status: int, message: str | None = None):
        # A failed statement leaves the transaction aborted (PostgreSQL); the header's
        # notification count must be able to query again, so roll back before rendering.
        _rollback()
        return render_error_page(status, message), status

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound):
        return render_error(404, error.message)

    @app.errorhandler(PermissionDenied)
    def _forbidden(error: PermissionDenied):
        return render_error(403, error.message)

    @app.errorhandler(ValidationFailed)
    def _invalid(error: ValidationFailed):
        # A view that did not expect this service error: still a clear 400 with the reasons.
        if api.is_api_request():
            _rollback()
            return api.error_response(400, error.message, error.errors)
        reasons = " ".join(dict.fromkeys(error.errors.values()))
        return render_error(400, f"{error.message} {reasons}".strip())

    @app.errorhandler(InvalidTransition)
    def _conflict(error: InvalidTransition):
        return render_error(409, error.message)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):  # noqa: ARG001
        return render_error(
            400,
            "Das Formular ist abgelaufen oder wurde aus einer anderen Sitzung gesendet. Bitte "
            "gehen Sie zurück, laden Sie die Seite neu und senden Sie das Formular erneut – "
            "Ihre Eingaben stehen meist noch im Browser.",
        )

    @app.errorhandler(UnsafeInput)
    def _unsafe(error: UnsafeInput):
        if api.is_api_request():
            _rollback()
            return api.error_response(400, error.description)
        return render_error(400, error.description)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if api.is_api_request():
            _rollback()
            return api.http_error(error)
        status = error.code or 500
        if isinstance(error, RateLimitExceeded) and error.limit.error_message:
            return render_error(429, error.description)  # a limit that says why, in German
        if status in HTTP_ERRORS:
            return render_error(status)
        return error

    @app.errorhandler(500)
    def _server_error(error):  # noqa: ARG001
        if api.is_api_request():
            _rollback()
            return api.error_response(500)
        return render_error(500)


def render_error_page(status: int, message: str | None = None) -> str:
    """The error page of ``status`` (a key of ``HTTP_ERRORS``) with ``message``, or the
    table's default text for the status."""
    error = HTTP_ERRORS[status]
    text = message or error.message.format(operator=current_app.config["OPERATOR_NAME"])
    return render_template("errors/error.html", status=status, error=error, message=text)


def _rollback() -> None:
    from catalogue.services.transactions import discard_failed_transaction

    discard_failed_transaction()
