import json

import sqlalchemy as sa

from catalogue.db import db
from catalogue.models import (
    ContentState,
    ExperienceReport,
    Municipality,
    MunicipalityKind,
    ReviewEvent,
    SearchOutbox,
    Solution,
)
from catalogue.services import seed


def test_municipalities_load_all_70_and_6_kreise(app):
    first = seed.load_municipalities()
    assert first.created == 76
    again = seed.load_municipalities()
    assert again.created == 0 and again.existing == 76
    kinds = dict(
        db.session.execute(
            sa.select(Municipality.kind, sa.func.count()).group_by(Municipality.kind)
        ).all()
    )
    assert kinds[MunicipalityKind.KREIS] == 6
    assert sum(n for k, n in kinds.items() if k != MunicipalityKind.KREIS) == 70
    bielefeld = db.session.get(Municipality, "05711000")
    assert bielefeld.kind == MunicipalityKind.KREISFREIE_STADT and bielefeld.kreis_ags is None
    guetersloh = db.session.get(Municipality, "05754008")
    assert guetersloh.kreis.name == "Kreis Gütersloh"
    assert guetersloh.population == 100479


def test_demo_content_is_published_audited_and_queued(demo):
    solutions = db.session.scalars(sa.select(Solution)).all()
    assert len(solutions) == 122
    assert all(s.state == ContentState.PUBLISHED for s in solutions)
    assert sum(s.is_demo for s in solutions) == 110
    real = [s for s in solutions if not s.is_demo]
    assert all(s.links for s in real), "model-region projects must name their sources"
    assert db.session.scalar(sa.select(sa.func.count(ExperienceReport.id))) >= 110
    events = db.session.scalar(sa.select(sa.func.count(ReviewEvent.id)))
    outbox = db.session.scalar(sa.select(sa.func.count(SearchOutbox.id)))
    reports = db.session.scalar(sa.select(sa.func.count(ExperienceReport.id)))
    assert events == outbox == 122 + reports


def test_every_demo_cost_says_what_it_covers(demo, client):
    """A bare "6.000 €" leaves open whether it is paid once or every year: each demo
    solution with a cost carries a note, and the page shows it in brackets after the cost."""
    demo_solutions = db.session.scalars(sa.select(Solution).where(Solution.is_demo)).all()
    with_cost = [s for s in demo_solutions if s.cost_eur is not None]
    assert with_cost
    assert [s.title for s in with_cost if not s.cost_note.strip()] == []
    booking = next(s for s in with_cost if s.title == "Online-Terminvergabe im Bürgerbüro")
    html = client.get(f"/loesungen/{booking.slug}").get_data(as_text=True)
    assert "6.000 € (Lizenz pro Jahr)" in html


def test_loading_demo_twice_creates_nothing_new(demo):
    result = seed.load_demo()
    assert result.created == 0 and result.existing == 110


def _model_region(session):
    return session.scalars(
        sa.select(Solution).where(Solution.is_demo.is_(False)).order_by(Solution.title)
    ).all()


def test_model_region_has_twelve_projects_with_sources_and_programme_tag(municipalities):
    result = seed.load_modellregion()
    assert result.created == 12
    projects = _model_region(db.session)
    assert len(projects) == 12
    for project in projects:
        assert project.links and project.source_note, project.title
        assert "Digitale Modellregion OWL" in {t.name for t in project.tags}
    by_title = {p.title: p for p in projects}
    mlb = by_title["Automatisierter Maschinenbaulernbetrieb (MLB 4.0)"]
    assert mlb.lead_municipality.name == "Kreis Paderborn"
    assert "467.150" in mlb.funding and "90.803" in mlb.funding
    schloss = by_title["Pilotprojekt Schlosskreuzung – intelligente Verkehrsflussregelung"]
    assert {link.url for link in schloss.links} >= {
        "https://dmr.kdn.de/dmr-umsetzungsprojekte/details/pilotprojekt-schlosskreuzung",
        "https://www.westfalen-blatt.de/owl/kreis-paderborn/paderborn/intelligente-ampelsteuerung-in-paderborn-hat-macken-2611755",
    }
    assert "Dauerbetrieb" in schloss.description


def test_model_region_reseed_updates_changed_entries_once(municipalities, tmp_path):
    seed.load_modellregion()
    lines = seed.MODELLREGION_FILE.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[0])
    entry["funding"] += " (aktualisiert)"
    entry["links"].append({"title": "Neue Quelle", "url": "https://example.org/quelle"})
    changed = tmp_path / "modellregion.jsonl"
    changed.write_text("\n".join([json.dumps(entry, ensure_ascii=False), *lines[1:]]) + "\n")
    events_before = db.session.scalar(sa.select(sa.func.count(ReviewEvent.id)))
    outbox_before = db.session.scalar(sa.select(sa.func.count(SearchOutbox.id)))

    result = seed.load_content(changed, is_demo=False, update_existing=True)

    assert (result.created, result.updated, result.existing) == (0, 1, 11)
    solution = db.session.scalar(sa.select(Solution).where(Solution.title == entry["title"]))
    assert solution.funding.endswith("(aktualisiert)")
    assert solution.links[-1].url == "https://example.org/quelle"
    assert db.session.scalar(sa.select(sa.func.count(ReviewEvent.id))) == events_before + 1
    assert db.session.scalar(sa.select(sa.func.count(SearchOutbox.id))) == outbox_before + 1
    again = seed.load_content(changed, is_demo=False, update_existing=True)
    assert (again.created, again.updated) == (0, 0)


def test_demo_seed_never_overwrites_existing_entries(demo, tmp_path):
    lines = seed.DEMO_FILE.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[0])
    entry["summary"] = "Überschrieben?"
    changed = tmp_path / "demo.jsonl"
    changed.write_text(json.dumps(entry, ensure_ascii=False) + "\n")
    result = seed.load_content(changed, is_demo=True)
    assert (result.created, result.updated, result.existing) == (0, 0, 1)
    solution = db.session.scalar(sa.select(Solution).where(Solution.title == entry["title"]))
    assert solution.summary != "Überschrieben?"
