"""In-app steps of the operations drill, run as ``python -m benchmarks.ops_drill_steps STEP``
with the drill's ``CATALOGUE_*`` environment: create accounts and submitted solutions, add many
open needs, and verify the result. Prints one JSON object."""

from __future__ import annotations

import json
import sys

import sqlalchemy as sa

PASSWORD = "drill-passwort-123"
# Members of other municipalities than the author's (Lemgo): a municipality is never told about
# its own solution, so a designed need there would expect no notification.
MEMBERS = [("05711000", "mitglied.bielefeld"), ("05766020", "mitglied.detmold")]
# (solution title, summary, description, tags) with a need written by a member that fits it.
PAIRS = [
    (
        "Schiedsamt online: Schlichtungsanträge digital einreichen",
        "Bei Nachbarschaftsstreit reichen Bürgerinnen und Bürger Schlichtungsanträge beim "
        "Schiedsamt online ein.",
        "Ein Online-Formular nimmt Schlichtungsanträge für das Schiedsamt entgegen.",
        ["Schiedsamt", "Schlichtung"],
        "Schiedsamt digital",
        "Bürgerinnen sollen Schlichtungsanträge beim Schiedsamt bei Nachbarschaftsstreit "
        "online einreichen können.",
    ),
    (
        "Hundesteuer online anmelden und abmelden",
        "Hundehalterinnen melden ihren Hund online zur Hundesteuer an oder ab.",
        "Das Steueramt erhält die Anmeldung zur Hundesteuer digital mit Nachweisen.",
        ["Hundesteuer", "Steueramt"],
        "Hundesteuer digital",
        "Hundehalter sollen die Hundesteuer online anmelden und abmelden können, ohne ins "
        "Steueramt zu kommen.",
    ),
    (
        "Grabstellen digital verwalten: Friedhofsverwaltung",
        "Die Friedhofsverwaltung führt Grabstellen, Nutzungsrechte und Ruhefristen digital.",
        "Ein Friedhofskataster zeigt Grabstellen, Ruhefristen und Nutzungsrechte auf der Karte.",
        ["Friedhof", "Grabstellen"],
        "Friedhofsverwaltung Grabstellen",
        "Unsere Friedhofsverwaltung sucht eine digitale Verwaltung der Grabstellen mit "
        "Ruhefristen und Nutzungsrechten.",
    ),
]


def _app():
    from catalogue import create_app

    return create_app()


def _user(s, role, ags, email, name):
    from catalogue.models import User
    from catalogue.services.accounts import hash_password

    user = s.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role, municipality_ags=ags)
        s.add(user)
    user.password_hash = hash_password(PASSWORD)
    return user


def prepare() -> dict:
    """Accounts, submitted solutions (PAIRS first, then ``count`` plain ones), designed needs."""
    from catalogue.db import unit_of_work
    from catalogue.models import Role
    from catalogue.services import contributions, needs, workflow
    from catalogue.services.contributions import SolutionInput

    count = int(sys.argv[2])
    prefix = sys.argv[3]
    with unit_of_work() as s:
        author = _user(s, Role.CONTRIBUTOR, "05766040", "beitrag.lemgo@drill.example", "Autorin")
        curator = _user(s, Role.CURATOR, None, "kuratierung@drill.example", "Kuratorin")
        members = [
            _user(s, Role.MEMBER, ags, f"{name}@drill.example", name) for ags, name in MEMBERS
        ]
    submitted = []
    pairs = PAIRS if prefix == "main" else []
    specs = [(t, su, d, tags) for t, su, d, tags, _, _ in pairs] + [
        (
            f"Drill {prefix} {n}: Fachverfahren Zählerstand {n}",
            f"Lösung {prefix}-{n} für die Ablesung von Zählerständen im Bauhof.",
            "Zählerstände werden mobil erfasst.",
            ["Drill"],
        )
        for n in range(count)
    ]
    for title, summary, description, tags in specs:
        solution = contributions.create_solution(
            actor=author,
            data=SolutionInput(
                title=title,
                summary=summary,
                description=description,
                category="buergerservice",
                kind="software",
                project_status="in_operation",
                readiness="documented",
                tags=tags,
            ),
        )
        workflow.apply_action(
            actor=author, entity_type="solution", entry_id=solution.id, action="submit"
        )
        submitted.append({"id": solution.id, "slug": solution.slug, "title": title})
    designed = []
    for n, (*_, need_title, need_text) in enumerate(pairs):
        need = needs.create_need(actor=members[n % 2], title=need_title, text=need_text)
        designed.append({"need_id": need.id, "solution_title": pairs[n][0]})
    return {
        "submitted": submitted,
        "designed": designed,
        "curator": curator.email,
        "members": [m.email for m in members],
        "password": PASSWORD,
    }


def bulk_needs() -> dict:
    """Insert open needs directly (fast) until ``count`` needs are open."""
    from catalogue.db import db, unit_of_work
    from catalogue.models import Need, NeedStatus

    count = int(sys.argv[2])
    open_now = db.session.scalar(
        sa.select(sa.func.count(Need.id)).where(Need.status == NeedStatus.OPEN)
    )
    words = ["Parkraum", "Kita-Platz", "Sitzungsdienst", "Wahlhelfer", "Straßenreinigung"]
    with unit_of_work() as s:
        for n in range(max(count - open_now, 0)):
            s.add(
                Need(
                    municipality_ags="05711000",
                    title=f"Massenbedarf {n} {words[n % len(words)]}",
                    text=f"Wir suchen eine Lösung für {words[n % len(words)]} Nummer {n}.",
                    tags="",
                )
            )
    return {"open_needs": max(count, open_now)}


def verify() -> dict:
    """Ledger check (needs and approvals), reverse-match notifications expected and sent."""
    from catalogue.db import db
    from catalogue.models import ContentState, Need, Notification, Solution, User
    from catalogue.services import needs

    ledger = json.loads(sys.stdin.read())
    titles = set(db.session.scalars(sa.select(Need.title).where(Need.title.in_(ledger["needs"]))))
    lost_needs = [t for t in ledger["needs"] if t not in titles]
    published = set(
        db.session.scalars(
            sa.select(Solution.id).where(
                Solution.id.in_(ledger["approved"]), Solution.state == ContentState.PUBLISHED
            )
        )
    )
    lost_approvals = [i for i in ledger["approved"] if i not in published]
    expected = sent = duplicates = 0
    for pair in ledger["designed"]:
        need = db.session.get(Need, pair["need_id"])
        solution = db.session.scalar(
            sa.select(Solution).where(Solution.title == pair["solution_title"])
        )
        if solution is None or solution.id not in published:
            continue
        outcome = needs.need_matches(need, limit=10)
        fits = any(m.solution.id == solution.id and m.band == "strong" for m in outcome.matches)
        if fits and not needs.is_own_solution(solution, need.municipality_ags):
            expected += 1
        staff = db.session.scalars(
            sa.select(User.id).where(User.municipality_ags == need.municipality_ags)
        ).all()
        counts = [
            db.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.user_id == uid,
                    Notification.text.contains(f"„{solution.title}“"),
                    Notification.text.contains(f"passt gut zu Ihrem Bedarf „{need.title}“"),
                )
            )
            for uid in staff
        ]
        sent += 1 if counts and min(counts) >= 1 else 0
        duplicates += sum(max(c - 1, 0) for c in counts)
    return {
        "lost_needs": lost_needs,
        "lost_approvals": lost_approvals,
        "reverse_match_notifications_expected": expected,
        "reverse_match_notifications_sent": sent,
        "reverse_match_duplicates": duplicates,
    }


def findable() -> dict:
    """Approved solutions (ids on stdin) that a search for their title does not find here."""
    from catalogue.db import db
    from catalogue.models import Solution
    from catalogue.services import search

    missing = []
    for solution_id in json.loads(sys.stdin.read()):
        title = db.session.get(Solution, solution_id).title
        outcome = search.search_catalogue(actor=None, text=title, filters={}, per_page=50)
        if solution_id not in {item.solution.id for item in outcome.items}:
            missing.append(solution_id)
    return {"missing": missing}


def main() -> None:
    step = sys.argv[1]
    app = _app()
    with app.app_context():
        steps = {
            "prepare": prepare,
            "bulk_needs": bulk_needs,
            "verify": verify,
            "findable": findable,
        }
        result = steps[step]()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
