"""Pure permission predicates ``can_*(actor, obj) -> bool``.

Services enforce them with ``require()``; templates use them (registered as globals) to show or
hide controls. No database access and no Flask request state here: everything needed is on the
arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from catalogue.errors import PermissionDenied
from catalogue.models.enums import ContentState, Role
from catalogue.workflow import CURATOR_ACTIONS, Action, target_state

if TYPE_CHECKING:
    from catalogue.models.municipality import Municipality


class Actor(Protocol):
    """Who acts: a signed-in ``User`` or the anonymous visitor (``AnonymousActor``). Predicates
    read these attributes; services that record who acted or for which municipality take them
    through ``signed_in_id()`` and ``own_municipality_ags()``, which refuse the anonymous visitor."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def id(self) -> int | None: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> Role | None: ...

    @property
    def municipality_ags(self) -> str | None: ...

    @property
    def municipality(self) -> Municipality | None: ...


class AnonymousActor:
    """The visitor who is not signed in (Flask-Login's anonymous user, with the actor shape)."""

    is_authenticated = False
    is_active = False
    is_anonymous = True
    id = None
    role = None
    municipality_ags = None
    municipality = None
    name = ""

    def get_id(self) -> None:
        return None


def _role(actor: Actor | None) -> Role | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.role


def is_staff(actor: Actor) -> bool:
    """Signed in with any role (municipal staff or DigitalBüro)."""
    return _role(actor) is not None


def is_curator(actor: Actor) -> bool:
    return _role(actor) in {Role.CURATOR, Role.ADMIN}


def _owns(actor: Actor, ags: str | None) -> bool:
    """A contributor acting for the municipality that owns an entry."""
    return _role(actor) == Role.CONTRIBUTOR and actor.municipality_ags == ags


EDITABLE_STATES = frozenset({ContentState.DRAFT, ContentState.CHANGES_REQUESTED})


def owner_ags(entry: Any) -> str:
    """The municipality that owns an entry (solution: lead; report: reporting municipality)."""
    ags: str = getattr(entry, "lead_municipality_ags", None) or entry.municipality_ags
    return ags


def can_apply_action(actor: Actor, entry: Any, action: Action) -> bool:
    """Role and ownership check for a workflow action (the state check is ``target_state``):
    curators review, the owning municipality's contributors submit and withdraw."""
    if action in CURATOR_ACTIONS:
        return is_curator(actor)
    return is_curator(actor) or _owns(actor, owner_ags(entry))


def available_actions(actor: Actor, entry: Any) -> list[Action]:
    """Workflow actions the actor can take on the entry in its current state (for buttons)."""
    return [
        action
        for action in Action
        if target_state(entry.state, action) is not None and can_apply_action(actor, entry, action)
    ]


def is_public(entry: Any) -> bool:
    """Visible to every visitor: published or archived, and not a pending revision."""
    return entry.revision_of_id is None and entry.state in {
        ContentState.PUBLISHED,
        ContentState.ARCHIVED,
    }


def can_view_solution(actor: Actor, solution: Any) -> bool:
    if is_curator(actor):
        return True
    if solution.revision_of_id is not None:  # a pending revision is never public
        return _owns(actor, solution.lead_municipality_ags)
    if solution.state in {ContentState.PUBLISHED, ContentState.ARCHIVED}:
        return True
    return _owns(actor, solution.lead_municipality_ags)


def can_view_report(actor: Actor, report: Any) -> bool:
    if is_curator(actor):
        return True
    if report.revision_of_id is not None:
        return _owns(actor, report.municipality_ags)
    if report.state in {ContentState.PUBLISHED, ContentState.ARCHIVED}:
        return True
    return _owns(actor, report.municipality_ags)


def can_create_solution(actor: Actor) -> bool:
    return is_curator(actor) or (
        _role(actor) == Role.CONTRIBUTOR and actor.municipality_ags is not None
    )


def can_edit_solution(actor: Actor, solution: Any) -> bool:
    """Edit the content of a draft (or a draft revision) in place."""
    if solution.state not in EDITABLE_STATES:
        return False
    return is_curator(actor) or _owns(actor, solution.lead_municipality_ags)


def can_revise_solution(actor: Actor, solution: Any) -> bool:
    """Start a revision of a published solution (reviewed while the old version stays public)."""
    if solution.state != ContentState.PUBLISHED or solution.revision_of_id is not None:
        return False
    return is_curator(actor) or _owns(actor, solution.lead_municipality_ags)


def can_write_report(actor: Actor, solution: Any) -> bool:
    if solution.state != ContentState.PUBLISHED or solution.revision_of_id is not None:
        return False
    return is_curator(actor) or (
        _role(actor) == Role.CONTRIBUTOR and actor.municipality_ags is not None
    )


def can_edit_report(actor: Actor, report: Any) -> bool:
    if report.state not in EDITABLE_STATES:
        return False
    return is_curator(actor) or _owns(actor, report.municipality_ags)


def can_revise_report(actor: Actor, report: Any) -> bool:
    if report.state != ContentState.PUBLISHED or report.revision_of_id is not None:
        return False
    return is_curator(actor) or _owns(actor, report.municipality_ags)


def can_view_history(actor: Actor, entry: Any) -> bool:
    owner = getattr(entry, "lead_municipality_ags", None) or entry.municipality_ags
    return is_curator(actor) or _owns(actor, owner)


def can_review(actor: Actor) -> bool:
    return is_curator(actor)


def can_view_own_contributions(actor: Actor) -> bool:
    return is_curator(actor) or (
        _role(actor) == Role.CONTRIBUTOR and actor.municipality_ags is not None
    )


def can_view_contacts(actor: Actor) -> bool:
    """Contact persons are personal data: only signed-in staff see them."""
    return is_staff(actor)


def can_view_barrier_reports(actor: Actor) -> bool:
    return is_curator(actor)


def is_admin(actor: Actor) -> bool:
    return _role(actor) == Role.ADMIN


def can_manage_users(actor: Actor) -> bool:
    """Change roles, deactivate accounts, see the mail log."""
    return is_admin(actor)


def can_invite_user(actor: Actor, role: Role) -> bool:
    """Admins invite anyone; curators invite municipal staff (members and contributors)."""
    if is_admin(actor):
        return True
    return is_curator(actor) and role in {Role.MEMBER, Role.CONTRIBUTOR}


def can_manage_municipalities(actor: Actor) -> bool:
    return is_admin(actor)


def can_view_audit_log(actor: Actor) -> bool:
    return is_curator(actor)


def can_access_admin(actor: Actor) -> bool:
    """Enter the Verwaltung area (overview, account list, invitations, audit log)."""
    return is_curator(actor)


def can_view_dashboard(actor: Actor) -> bool:
    """The DigitalBüro's start page: region map, reuse network, work queues, trends."""
    return is_curator(actor)


def can_view_users(actor: Actor) -> bool:
    """See the account list: DigitalBüro staff broker contacts and invite municipal staff."""
    return is_curator(actor)


def can_manage_account(actor: Actor) -> bool:
    """Edit one's own profile, password, notifications; export or delete one's own data."""
    return is_staff(actor)


def can_record_need(actor: Actor) -> bool:
    """Municipal staff record needs for their own municipality; curators for any."""
    return is_curator(actor) or (is_staff(actor) and actor.municipality_ags is not None)


def can_view_need(actor: Actor, need: Any) -> bool:
    from catalogue.models.enums import NeedVisibility

    if need.visibility == NeedVisibility.PUBLIC:
        return True
    return is_curator(actor) or (
        is_staff(actor) and actor.municipality_ags == need.municipality_ags
    )


def can_manage_need(actor: Actor, need: Any) -> bool:
    """Change status or text: the need's municipality or curators."""
    return is_curator(actor) or (
        is_staff(actor) and actor.municipality_ags == need.municipality_ags
    )


def can_broker(actor: Actor) -> bool:
    return is_curator(actor)


def can_declare_reuse(actor: Actor) -> bool:
    return is_staff(actor) and actor.municipality_ags is not None


def can_update_reuse(actor: Actor, reuse: Any) -> bool:
    return is_curator(actor) or (
        is_staff(actor) and actor.municipality_ags == reuse.municipality_ags
    )


def can_request_contact(actor: Actor) -> bool:
    return is_staff(actor)


def offers_contact_form(actor: Actor, solution: Any) -> bool:
    """A solution page offers "Kontakt vermitteln lassen" to staff of other municipalities; its
    own municipality reaches its contact persons directly, and curators broker themselves."""
    return (
        can_request_contact(actor)
        and not is_curator(actor)
        and is_public(solution)
        and actor.municipality_ags != solution.lead_municipality_ags
    )


def can_confirm_freshness(actor: Actor, solution: Any) -> bool:
    """ "Angaben sind aktuell": contributors of the lead municipality and the DigitalBüro."""
    return is_curator(actor) or _owns(actor, solution.lead_municipality_ags)


def can_view_contact_request(actor: Actor, request: Any) -> bool:
    """A contact thread: the DigitalBüro, the asking person and their municipality, and — once
    brokered — the staff of the solution's municipality."""
    if is_curator(actor):
        return True
    if not is_staff(actor):
        return False
    if request.requester_id == actor.id:
        return True
    ags = actor.municipality_ags
    if ags is None:
        return False
    if ags == request.requester_municipality_ags:
        return True
    # the owner side joins the thread when the DigitalBüro brokers it (a request its asker
    # closed or answered before that was never put to them)
    return request.brokered_at is not None and request.solution.lead_municipality_ags == ags


def can_see_requester(actor: Actor, request: Any) -> bool:
    """Who asked for a contact, by name: the DigitalBüro and the asking municipality always;
    the solution's municipality only if the asker agreed to be named (sent the contact form,
    which says so) or shares their contact details. Otherwise the owners read the
    municipality only and answer through the thread."""
    if is_curator(actor) or not request.requester_id:
        return True
    if request.requester_id == actor.id:
        return True
    if actor.is_authenticated and actor.municipality_ags == request.requester_municipality_ags:
        return True
    return requester_named(request)


def requester_named(request: Any) -> bool:
    """The asker agreed to be named to the solution's municipality: by sending the contact
    form (which says so) or by sharing their contact details in general."""
    requester = request.requester
    return request.requester_agreed_at is not None or bool(requester and requester.share_contact)


def signed_in_id(actor: Actor) -> int:
    """The id of the signed-in actor, for services that record who acted; the anonymous visitor
    gets ``PermissionDenied`` (callers have usually required a ``can_*`` predicate already)."""
    if not actor.is_authenticated or actor.id is None:
        raise PermissionDenied("Bitte melden Sie sich an.")
    return actor.id


def own_municipality_ags(actor: Actor, message: str = "Dafür fehlt Ihnen die Berechtigung.") -> str:
    """The municipality the signed-in actor works for; ``PermissionDenied`` for the anonymous
    visitor and for DigitalBüro staff without a municipality."""
    ags = actor.municipality_ags if actor.is_authenticated else None
    if ags is None:
        raise PermissionDenied(message)
    return ags


def require(allowed: bool, message: str = "Dafür fehlt Ihnen die Berechtigung.") -> None:
    if not allowed:
        raise PermissionDenied(message)


TEMPLATE_PREDICATES = {
    "is_public": is_public,
    "can_view_contacts": can_view_contacts,
    "can_view_solution": can_view_solution,
    "can_view_report": can_view_report,
    "can_create_solution": can_create_solution,
    "can_edit_solution": can_edit_solution,
    "can_revise_solution": can_revise_solution,
    "can_write_report": can_write_report,
    "can_edit_report": can_edit_report,
    "can_revise_report": can_revise_report,
    "can_view_history": can_view_history,
    "can_review": can_review,
    "can_view_own_contributions": can_view_own_contributions,
    "can_record_need": can_record_need,
    "can_view_need": can_view_need,
    "can_manage_need": can_manage_need,
    "can_broker": can_broker,
    "can_declare_reuse": can_declare_reuse,
    "can_update_reuse": can_update_reuse,
    "can_request_contact": can_request_contact,
    "offers_contact_form": offers_contact_form,
    "can_view_contact_request": can_view_contact_request,
    "can_see_requester": can_see_requester,
    "can_confirm_freshness": can_confirm_freshness,
    "can_view_barrier_reports": can_view_barrier_reports,
    "is_curator": is_curator,
    "is_admin": is_admin,
    "can_manage_users": can_manage_users,
    "can_invite_user": can_invite_user,
    "can_manage_municipalities": can_manage_municipalities,
    "can_view_audit_log": can_view_audit_log,
    "can_access_admin": can_access_admin,
    "can_view_users": can_view_users,
    "can_view_dashboard": can_view_dashboard,
    "can_manage_account": can_manage_account,
    "is_staff": is_staff,
}
