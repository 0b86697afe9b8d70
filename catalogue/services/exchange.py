"""Open data exchange, the database side: which published content may leave the catalogue as
publiccode.yml, and with which facts (users, shareable contacts).

The mapping itself lives in ``catalogue.exchange`` (pure, no database); this module loads what the
viewer may see and hands it over. Imports create drafts only through the contribution services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from catalogue.db import db
from catalogue.errors import NotFound
from catalogue.exchange import publiccode, publiccode_import
from catalogue.models import Reuse, Solution, SolutionKind, User
from catalogue.permissions import Actor, can_create_solution, require
from catalogue.services import catalogue as catalogue_service
from catalogue.services import contributions


@dataclass(frozen=True)
class PubliccodeExport:
    slug: str
    text: str
    document: dict[str, Any]
    notes: list[str]


def _shareable_contacts(solution: Solution) -> list[publiccode.ExportContact]:
    """The author, if they agreed in their profile to share their contact details.

    The solution's own contact persons are only shown to signed-in municipal staff, so they
    never go into a public file.
    """
    author = db.session.get(User, solution.created_by_id) if solution.created_by_id else None
    if author is None or not author.share_contact or not author.is_active:
        return []
    affiliation = author.municipality.name if author.municipality else ""
    return [
        publiccode.ExportContact(
            name=author.name, email=author.email, phone=author.phone, affiliation=affiliation
        )
    ]


def publiccode_export(*, actor: Actor, slug: str, page_url: str) -> PubliccodeExport:
    """publiccode.yml for a published software solution the actor may see."""
    solution = catalogue_service.get_solution(slug, actor)
    if solution.kind != SolutionKind.SOFTWARE or solution.revision_of_id is not None:
        raise NotFound("Für diese Lösung gibt es keine publiccode.yml: sie ist keine Software.")
    reuses = db.session.scalars(sa.select(Reuse).where(Reuse.solution_id == solution.id)).all()
    users = [solution.lead_municipality.name]
    for reuse in sorted(reuses, key=lambda r: r.municipality.name):
        name = reuse.municipality.name
        if reuse.status.value in publiccode.RUNNING_REUSE and name not in users:
            users.append(name)
    facts = publiccode.ExportFacts(
        page_url=page_url,
        lead_name=solution.lead_municipality.name,
        users=users,
        contacts=_shareable_contacts(solution),
    )
    operator = current_app.config["OPERATOR_NAME"]
    doc = publiccode.build_publiccode(solution, facts, operator=operator)
    notes = publiccode.export_notes(doc, solution)
    return PubliccodeExport(
        slug=solution.slug,
        text=publiccode.dump_publiccode(doc, notes=notes),
        document=doc,
        notes=notes,
    )


@dataclass(frozen=True)
class PubliccodeImport:
    plan: publiccode_import.ImportPlan
    solution: Solution | None


def import_publiccode(*, actor: Actor, text: str) -> PubliccodeImport:
    """Create a solution draft from a publiccode.yml; an invalid file creates nothing.

    The draft goes through ``contributions.create_solution`` (permission, validation, review
    event) like one typed into the form. Links and e-mail addresses that the catalogue would
    reject are left out and reported instead of failing the whole import.
    """
    require(can_create_solution(actor), "Sie dürfen keine Lösungen anlegen.")
    plan = publiccode_import.plan_import(text)
    if not plan.ok:
        return PubliccodeImport(plan=plan, solution=None)
    values = dict(plan.fields)
    links = []
    for link in values.pop("links"):
        if contributions.URL_RE.match(link["url"]):
            links.append(contributions.LinkInput(link["title"], link["url"]))
        else:
            plan.dropped.append((link["title"], f"»{link['url']}« ist keine Web-Adresse."))
    contacts = []
    for contact in values.pop("contacts"):
        if contact["email"] and not contributions.EMAIL_RE.match(contact["email"]):
            plan.dropped.append(
                (f"E-Mail von {contact['name']}", f"»{contact['email']}« ist keine E-Mail-Adresse.")
            )
            contact["email"] = ""
        if contact["name"]:
            contacts.append(contributions.ContactInput(**contact))
    data = contributions.SolutionInput(**values, links=links, contacts=contacts)
    solution = contributions.create_solution(actor=actor, data=data)
    return PubliccodeImport(plan=plan, solution=solution)
