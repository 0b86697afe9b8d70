"""Shared test data and helpers: the municipalities tests use (by AGS), accounts, signing a test
client in, and solutions built through the contribution and workflow services (never raw SQL).

Accounts are rows of their municipality made directly (an invitation would add mails, tokens and
review events that tests count); everything with a workflow goes through the services.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g

from catalogue.db import db, unit_of_work
from catalogue.models import Role, Solution, User
from catalogue.services import contributions, workflow
from catalogue.services.contributions import SolutionInput

# Municipalities (AGS) of the official OWL data that tests refer to.
BIELEFELD = "05711000"
AUGUSTDORF = "05766004"
LAGE = "05766040"
LEMGO = "05766044"
KREIS_PADERBORN = "05774000"
DELBRUECK = "05774020"
PADERBORN = "05774032"


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


def make_user(
    role: Role, ags: str | None, email: str, *, share: bool = False, phone: str = ""
) -> User:
    """An active account of ``role`` in municipality ``ags``, named after its address."""
    with unit_of_work() as s:
        user = User(
            email=email,
            name=email.split("@")[0].title(),
            role=role,
            municipality_ags=ags,
            share_contact=share,
            phone=phone,
        )
        s.add(user)
    return user


def sign_in(client, user: User) -> None:
    """Sign ``client`` in as ``user`` (a fresh session, as after the sign-in form)."""
    # The test's app context outlives requests and Flask-Login caches the user in ``g``.
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def publish_solution(author: User, curator: User, **fields) -> Solution:
    """A solution of ``author``'s municipality, submitted by the author and approved by
    ``curator``; ``fields`` override `solution_input`."""
    solution = contributions.create_solution(actor=author, data=solution_input(**fields))
    for actor, action in ((author, "submit"), (curator, "approve")):
        workflow.apply_action(
            actor=actor, entity_type="solution", entry_id=solution.id, action=action
        )
    return db.session.get(Solution, solution.id)


def demo_solution(slug_part: str) -> Solution:
    """The demo solution whose slug contains ``slug_part``."""
    return db.session.scalar(sa.select(Solution).where(Solution.slug.contains(slug_part)))


def inline_scripts(html: str) -> list[str]:
    """Script elements that are not an empty tag loading a same-origin file under /static/
    (the CSP allows no inline code, and pages load only the scripts their parts ask for)."""
    return [
        tag
        for tag in re.findall(r"<script\b[^>]*>.*?</script>", html, flags=re.S)
        if not re.fullmatch(r'<script src="/static/[\w.-]+\.js" defer></script>', tag)
    ]
