"""Small builders for test data that several test modules need."""

from __future__ import annotations

from catalogue.db import unit_of_work
from catalogue.models import Role, User
from catalogue.services.contributions import SolutionInput


def solution_input(**overrides) -> SolutionInput:
    """A complete, valid solution form input; override any field."""
    data = {
        "title": "Digitale Akte im Bauamt",
        "summary": "Bauanträge werden vollständig digital bearbeitet.",
        "description": "Die **Bauaufsicht** arbeitet mit einer E-Akte.",
        "category": "bauen-wohnen",
        "kind": "software",
        "project_status": "in_operation",
        "readiness": "documented",
        "tags": ["Bauantrag", "E-Akte"],
    }
    data.update(overrides)
    return SolutionInput(**data)


def make_user(role: Role, ags: str | None, email: str) -> User:
    with unit_of_work() as s:
        user = User(email=email, name=email.split("@")[0], role=role, municipality_ags=ags)
        s.add(user)
    return user
