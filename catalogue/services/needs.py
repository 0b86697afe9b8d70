"""Needs (Bedarfe) and matching them to solutions.

Matching runs in ``search_index`` (Flask-free); this module turns its ranked solution ids into
rows loaded from the database — re-filtered so that only published solutions are ever shown —
and owns the need lifecycle: offen → vermittelt → gelöst / geschlossen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.categories import CATEGORIES
from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, NotFound, ValidationFailed
from catalogue.models import Municipality, Need, NeedStatus, NeedVisibility, Solution
from catalogue.permissions import (
    Actor,
    can_manage_need,
    can_record_need,
    can_view_need,
    is_curator,
    is_staff,
    require,
    signed_in_id,
)
from catalogue.services.audit import record_event
from catalogue.services.catalogue import published_solutions_by_id
from catalogue.services.notifications import notify_curators
from search_index.match_explain import SIMILAR_SIZE
from search_index.matching import Match

log = logging.getLogger(__name__)

BAND_LABELS = {"strong": "passt gut", "possible": "könnte passen", "weak": "entfernt verwandt"}

NEED_TRANSITIONS: dict[NeedStatus, set[NeedStatus]] = {
    NeedStatus.OPEN: {NeedStatus.BROKERED, NeedStatus.SOLVED, NeedStatus.CLOSED},
    NeedStatus.BROKERED: {NeedStatus.SOLVED, NeedStatus.CLOSED, NeedStatus.OPEN},
    NeedStatus.SOLVED: {NeedStatus.OPEN},
    NeedStatus.CLOSED: {NeedStatus.OPEN},
}


@dataclass
class MatchView:
    solution: Solution
    score: float
    band: str
    reasons: list[str]
    own: bool = False  # the solution of the need's (or the reader's) own municipality

    @property
    def band_label(self) -> str:
        return BAND_LABELS.get(self.band, self.band)


@dataclass
class MatchOutcome:
    matches: list[MatchView]

    @property
    def has_strong(self) -> bool:
        return any(m.band == "strong" for m in self.matches)

    @property
    def best_band(self) -> str | None:
        return self.matches[0].band if self.matches else None

    @property
    def best_is_own(self) -> bool:
        """The best suggestion fits at least partly and is the municipality's own solution:
        ask in house, no brokering needed."""
        return bool(self.matches) and self.matches[0].own and self.matches[0].band != "weak"


def _visible_matches(raw: Sequence[Match]) -> list[MatchView]:
    solutions = published_solutions_by_id([m.solution_id for m in raw])
    return [
        MatchView(solutions[m.solution_id], m.score, m.band, list(m.reasons))
        for m in raw
        if m.solution_id in solutions
    ]


def match_text(
    text: str,
    *,
    category: str | None = None,
    tags: list[str] | None = None,
    municipality_ags: str | None = None,
    limit: int = 10,
) -> MatchOutcome:
    """Match a need text (saved or not) to published solutions."""
    from catalogue.services.search import ensure_index_current, get_index

    text = text.strip()
    if not text:
        return MatchOutcome([])
    ensure_index_current()
    population = None
    if municipality_ags:
        municipality = db.session.get(Municipality, municipality_ags)
        population = municipality.population if municipality else None
    raw = get_index().match(
        text[:5000],
        limit=limit,
        category=category if category in CATEGORIES else None,
        tags=tags or (),
        municipality_population=population,
    )
    views = _visible_matches(raw)
    if municipality_ags:
        for view in views:
            # a municipality's own solution: said so, and never "of similar size" (itself)
            if is_own_solution(view.solution, municipality_ags):
                view.own = True
                view.reasons = [r for r in view.reasons if not r.startswith(SIMILAR_SIZE)]
    return MatchOutcome(_trim_weak(views))


def _trim_weak(matches: list[MatchView]) -> list[MatchView]:
    """Distant relatives are shown sparingly: at most five when nothing fits better, at most
    three below better matches — a long list of weak hits only hides the signal."""
    better = [m for m in matches if m.band != "weak"]
    weak = [m for m in matches if m.band == "weak"]
    return better + weak[: 3 if better else 5]


def validate_need(title: str, text: str, category: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Bitte geben Sie Ihrem Bedarf einen kurzen Titel."
    elif len(title) > 200:
        errors["title"] = "Der Titel darf höchstens 200 Zeichen lang sein."
    if len(text.strip()) < 10:
        errors["text"] = "Bitte beschreiben Sie Ihren Bedarf in mindestens einem Satz."
    elif len(text) > 5000:
        errors["text"] = "Bitte fassen Sie sich kürzer (höchstens 5000 Zeichen)."
    if category and category not in CATEGORIES:
        errors["category"] = "Bitte wählen Sie eine Kategorie aus der Liste."
    return errors


def create_need(
    *,
    actor: Actor,
    title: str,
    text: str,
    category: str | None = None,
    tags: str = "",
    visibility: str = NeedVisibility.PUBLIC.value,
    municipality_ags: str | None = None,
) -> Need:
    """Staff of a municipality record a need of their own municipality (the DigitalBüro for any
    municipality); the DigitalBüro is notified."""
    require(
        can_record_need(actor), "Bedarfe können angemeldete Mitarbeitende einer Kommune erfassen."
    )
    errors = validate_need(title, text, category)
    if visibility not in {v.value for v in NeedVisibility}:
        errors["visibility"] = "Bitte wählen Sie, wer den Bedarf sehen darf."
    ags = municipality_ags if is_curator(actor) and municipality_ags else actor.municipality_ags
    if ags is None:
        errors["municipality_ags"] = "Bitte wählen Sie die Kommune, für die der Bedarf gilt."
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        need = Need(
            municipality_ags=ags,
            author_id=signed_in_id(actor),
            title=title.strip(),
            text=text.strip(),
            category=category or None,
            tags=tags.strip(),
            visibility=NeedVisibility(visibility),
        )
        s.add(need)
        s.flush()
        record_event(
            s,
            actor=actor,
            entity_type="need",
            entity_id=need.id,
            from_state=None,
            to_state=NeedStatus.OPEN.value,
        )
        notify_curators(
            s,
            text=f"Neuer Bedarf aus {need.municipality.name}: „{need.title}“",
            link=f"/bedarfe/{need.id}",
        )
    return need


def need_reference(need: Need | None, recipient: Any) -> str:
    """The one visibility rule for anything a need appears in that someone receives —
    notifications, e-mails (and therefore the data export), thread pages, previews: the title
    only for a recipient who may view the need (``can_view_need``). Everyone else — staff of
    other municipalities, contact persons without an account (``recipient=None``) — learns
    only that there is a need. The need's text never leaves its pages."""
    if need is None:
        return "auf Anfrage"
    if can_view_need(recipient, need):
        return f"zum Bedarf „{need.title}“"
    return "zu einem vertraulichen Bedarf, dessen Titel nur das DigitalBüro und die Kommune sehen"


def need_to_edit(*, actor: Actor, need_id: int) -> Need:
    """The need, for the form that changes it: only its municipality and the DigitalBüro."""
    need = get_need(actor=actor, need_id=need_id)
    require(can_manage_need(actor, need), "Einen Bedarf ändern seine Kommune und das DigitalBüro.")
    return need


def update_need(
    *,
    actor: Actor,
    need_id: int,
    title: str,
    text: str,
    category: str | None = None,
    tags: str = "",
    visibility: str = NeedVisibility.CURATORS.value,
) -> Need:
    """The need's municipality or the DigitalBüro correct a need or decide who may see it (a
    confidential need published later, a public one withdrawn). The worker recomputes its
    stored matches (the need changed); its municipality stays."""
    need_to_edit(actor=actor, need_id=need_id)
    errors = validate_need(title, text, category)
    if visibility not in {v.value for v in NeedVisibility}:
        errors["visibility"] = "Bitte wählen Sie, wer den Bedarf sehen darf."
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        need = s.get_one(Need, need_id)
        before = need.visibility
        need.title, need.text = title.strip(), text.strip()
        need.category, need.tags = category or None, tags.strip()
        need.visibility = NeedVisibility(visibility)
        record_event(
            s,
            actor=actor,
            entity_type="need",
            entity_id=need.id,
            from_state=need.status.value,
            to_state=need.status.value,
            comment="bearbeitet"
            + (f", sichtbar: {need.visibility.label}" if need.visibility != before else ""),
        )
    return need


def get_need(*, actor: Actor, need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None or not can_view_need(actor, need):
        raise NotFound("Diesen Bedarf gibt es nicht oder er ist nicht öffentlich.")
    return need


class MatchableNeed(Protocol):
    """What matching reads of a need: a ``Need`` row or a detached snapshot of one."""

    @property
    def title(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def category(self) -> str | None: ...

    @property
    def tags(self) -> str: ...

    @property
    def municipality_ags(self) -> str: ...


def need_matches(need: MatchableNeed, limit: int = 10) -> MatchOutcome:
    return match_text(
        f"{need.title}. {need.text}",
        category=need.category,
        tags=[t.strip() for t in need.tags.split(",") if t.strip()],
        municipality_ags=need.municipality_ags,
        limit=limit,
    )


def list_needs(*, actor: Actor, status: str | None = None, own_only: bool = False) -> list[Need]:
    query = sa.select(Need).options(orm.selectinload(Need.municipality))
    if not is_curator(actor):
        visible = Need.visibility == NeedVisibility.PUBLIC
        if is_staff(actor) and actor.municipality_ags:
            visible = sa.or_(visible, Need.municipality_ags == actor.municipality_ags)
        query = query.where(visible)
    if own_only and is_staff(actor) and actor.municipality_ags:
        query = query.where(Need.municipality_ags == actor.municipality_ags)
    if status in {s.value for s in NeedStatus}:
        query = query.where(Need.status == NeedStatus(status))
    return list(db.session.scalars(query.order_by(Need.created_at.desc(), Need.id.desc())))


def needs_to_link(*, actor: Actor) -> list[Need]:
    """The needs of the actor's municipality that a contact request can belong to (open or
    brokered), newest first; none for anyone outside a municipality."""
    if not is_staff(actor) or not actor.municipality_ags:
        return []
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(
                Need.municipality_ags == actor.municipality_ags,
                Need.status.in_([NeedStatus.OPEN, NeedStatus.BROKERED]),
            )
            .order_by(Need.created_at.desc(), Need.id.desc())
        )
    )


def set_need_status(*, actor: Actor, need_id: int, status: str, comment: str = "") -> Need:
    """Staff of the need's municipality or the DigitalBüro move a need along its lifecycle."""
    with unit_of_work() as s:
        need = s.get(Need, need_id)
        if need is None:
            raise NotFound("Diesen Bedarf gibt es nicht.")
        require(can_manage_need(actor, need))
        try:
            new = NeedStatus(status)
        except ValueError:
            raise InvalidTransition("Unbekannter Status.") from None
        allowed = new in NEED_TRANSITIONS[need.status]
        if new == NeedStatus.BROKERED and allowed and not is_curator(actor):
            # "vermittelt" says the DigitalBüro put the need in contact with a solution; set by
            # hand it would hide the need from the DigitalBüro's "open needs without brokering".
            raise ValidationFailed(
                {
                    "status": "„vermittelt“ setzt das DigitalBüro, wenn es den Kontakt zu einer "
                    "Lösung vermittelt. Bitten Sie über „Kontakt vermitteln lassen“ bei einer "
                    "passenden Lösung darum."
                }
            )
        transition_need(s, actor=actor, need=need, new=new, comment=comment)
    return need


def transition_need(
    session: orm.Session, *, actor: Actor, need: Need, new: NeedStatus, comment: str = ""
) -> None:
    """Move a need along its lifecycle and write the review event (no permission check: the
    caller — the need's owner, or brokering by the DigitalBüro — has done it)."""
    if new not in NEED_TRANSITIONS[need.status]:
        raise InvalidTransition(f"Von „{need.status.label}“ nach „{new.label}“ ist nicht möglich.")
    record_event(
        session,
        actor=actor,
        entity_type="need",
        entity_id=need.id,
        from_state=need.status.value,
        to_state=new.value,
        comment=comment.strip(),
    )
    need.status = new


def is_own_solution(solution: Solution, ags: str | None) -> bool:
    """True if the municipality ``ags`` leads the solution or is one of its partners: it is
    never notified about (or sent) its own solution as a match for its needs."""
    if ags is None:
        return False
    return solution.lead_municipality_ags == ags or any(p.ags == ags for p in solution.partners)


def similar_solutions(
    title: str, summary: str, *, exclude_id: int | None = None, limit: int = 5
) -> list[MatchView]:
    """Duplicate hint while a solution is written."""
    from catalogue.services.search import ensure_index_current, get_index

    if len((title + summary).strip()) < 5:
        return []
    ensure_index_current()
    raw = [
        m
        for m in get_index().similar(title, summary, limit=limit + 1)
        if m.solution_id != exclude_id
    ]
    return _visible_matches(raw[:limit])
