"""Pure permission predicates ``can_*(actor, obj) -> bool``.

Services enforce them with ``require()``; templates use them (registered as globals) to show or
hide controls. No database access and no Flask request state here: everything needed is on the
arguments.
"""

from __future__ import annotations

from typing import Any

from catalogue.errors import PermissionDenied
from catalogue.models.enums import ContentState, Role


def _role(actor: Any) -> Role | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.role


def is_staff(actor: Any) -> bool:
    """Signed in with any role (municipal staff or DigitalBüro)."""
    return _role(actor) is not None


def is_curator(actor: Any) -> bool:
    return _role(actor) in {Role.CURATOR, Role.ADMIN}


def can_view_solution(actor: Any, solution: Any) -> bool:
    if solution.state in {ContentState.PUBLISHED, ContentState.ARCHIVED}:
        return True
    if is_curator(actor):
        return True
    return (
        _role(actor) == Role.CONTRIBUTOR
        and actor.municipality_ags == solution.lead_municipality_ags
    )


def can_view_report(actor: Any, report: Any) -> bool:
    if report.state in {ContentState.PUBLISHED, ContentState.ARCHIVED}:
        return True
    if is_curator(actor):
        return True
    return _role(actor) == Role.CONTRIBUTOR and actor.municipality_ags == report.municipality_ags


def can_view_contacts(actor: Any) -> bool:
    """Contact persons are personal data: only signed-in staff see them."""
    return is_staff(actor)


def can_view_barrier_reports(actor: Any) -> bool:
    return is_curator(actor)


def is_admin(actor: Any) -> bool:
    return _role(actor) == Role.ADMIN


def can_manage_users(actor: Any) -> bool:
    """Change roles, deactivate accounts, see the mail log."""
    return is_admin(actor)


def can_invite_user(actor: Any, role: Role) -> bool:
    """Admins invite anyone; curators invite municipal staff (members and contributors)."""
    if is_admin(actor):
        return True
    return is_curator(actor) and role in {Role.MEMBER, Role.CONTRIBUTOR}


def can_manage_municipalities(actor: Any) -> bool:
    return is_admin(actor)


def can_view_audit_log(actor: Any) -> bool:
    return is_curator(actor)


def require(allowed: bool, message: str = "Dafür fehlt Ihnen die Berechtigung.") -> None:
    if not allowed:
        raise PermissionDenied(message)


TEMPLATE_PREDICATES = {
    "can_view_contacts": can_view_contacts,
    "can_view_solution": can_view_solution,
    "can_view_report": can_view_report,
    "can_view_barrier_reports": can_view_barrier_reports,
    "is_curator": is_curator,
    "is_admin": is_admin,
    "can_manage_users": can_manage_users,
    "can_invite_user": can_invite_user,
    "can_manage_municipalities": can_manage_municipalities,
    "can_view_audit_log": can_view_audit_log,
    "is_staff": is_staff,
}
