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
    assert len(solutions) == 120
    assert all(s.state == ContentState.PUBLISHED for s in solutions)
    assert sum(s.is_demo for s in solutions) == 110
    real = [s for s in solutions if not s.is_demo]
    assert all(s.links for s in real), "model-region projects must name their sources"
    assert db.session.scalar(sa.select(sa.func.count(ExperienceReport.id))) >= 110
    events = db.session.scalar(sa.select(sa.func.count(ReviewEvent.id)))
    outbox = db.session.scalar(sa.select(sa.func.count(SearchOutbox.id)))
    reports = db.session.scalar(sa.select(sa.func.count(ExperienceReport.id)))
    assert events == outbox == 120 + reports


def test_loading_demo_twice_creates_nothing_new(demo):
    result = seed.load_demo()
    assert result.created == 0 and result.existing == 110
