"""Domain errors raised by services; web and API translate them once each."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``message`` is German and safe to show to the user."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class ValidationFailed(DomainError):
    def __init__(
        self, errors: dict[str, str], message: str = "Bitte prüfen Sie Ihre Angaben."
    ) -> None:
        super().__init__(message)
        self.errors = errors


class InvalidTransition(DomainError):
    pass
