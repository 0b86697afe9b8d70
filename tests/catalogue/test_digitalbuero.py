"""The DigitalBüro's start page: region map geometry, figures per municipality, reuse network,
work queues with their lists, trends, the CSV download and who may see it."""

import csv
import io
import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from catalogue.clock import local_date, utcnow
from catalogue.db import db, unit_of_work
from catalogue.models import ContactRequest, Need, Reuse, Role, Solution
from catalogue.permissions import can_view_dashboard
from catalogue.services import brokering, dashboard, matching, needs, region, reuse, work_queues
from catalogue.services import catalogue as catalogue_service
from tests.factories import BIELEFELD, LAGE, inline_scripts, make_user, sign_in


@pytest.fixture
def staff(demo):
    return {
        "member": make_user(Role.MEMBER, BIELEFELD, "bedarf@bielefeld.example"),
        "lage": make_user(Role.MEMBER, LAGE, "mitglied@lage.example"),
        "curator": make_user(Role.CURATOR, None, "kuratierung@example.org"),
        "admin": make_user(Role.ADMIN, None, "admin@example.org"),
    }


def _solution_of(ags: str) -> Solution:
    return db.session.scalar(
        sa.select(Solution)
        .where(Solution.lead_municipality_ags == ags, Solution.revision_of_id.is_(None))
        .order_by(Solution.id)
        .limit(1)
    )


# Region geometry ------------------------------------------------------------------------------


def test_shipped_boundaries_project_to_70_municipalities_and_7_kreise():
    m = region.region_map()
    assert len(m.municipalities) == 70 and len(m.kreise) == 7
    assert all(a.ags.isdigit() and len(a.ags) == 8 for a in m.municipalities + m.kreise)
    for area in m.municipalities:
        numbers = [float(n) for n in re.findall(r"-?\d+\.\d", area.path)]
        assert area.path.startswith("M") and area.path.endswith("Z")
        assert all(-0.1 <= n <= max(m.width, m.height) + 0.1 for n in numbers)
        assert 0 <= area.cx <= m.width and 0 <= area.cy <= m.height
    paderborn = next(a for a in m.kreise if a.ags == "05774000")
    assert m.anchor("05774000") == (paderborn.cx, paderborn.cy)
    assert region.region_map() is m  # projected once, then cached


def test_another_region_ships_its_own_boundaries(tmp_path):
    square = {
        "type": "Feature",
        "properties": {"ags": "09162000", "name": "Quadrat", "level": "gemeinde"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[11.0, 48.0], [11.2, 48.0], [11.2, 48.1], [11.0, 48.1], [11.0, 48.0]]],
        },
    }
    kreis = dict(square, properties={"ags": "09162", "name": "K", "level": "kreis"})
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [square, kreis]}))
    m = region.region_map(path)
    assert [a.name for a in m.municipalities] == ["Quadrat"]
    assert m.kreise[0].ags == "09162000"
    # 0.2° of longitude at 48° N is about 1.34 × 0.1° of latitude: the map is wider than tall.
    assert m.width == region.MAP_WIDTH and 400 < m.height < 480
    with pytest.raises(region.RegionDataError):
        region.region_map(tmp_path / "missing.geojson")
    (tmp_path / "empty.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(region.RegionDataError):
        region.region_map(tmp_path / "empty.geojson")


@pytest.mark.parametrize(
    ("values", "breaks"),
    [
        ([0, 0, 0], []),
        ([0, 1, 2], [1, 2]),
        ([1, 2, 3, 4, 5, 6, 7, 8], [2, 4, 6, 8]),
        ([1, 1, 1, 1, 50], [1, 50]),
    ],
)
def test_class_breaks_give_zero_its_own_class(values, breaks):
    assert dashboard.class_breaks(values) == breaks
    assert dashboard.class_of(0, breaks) == 0
    assert all(1 <= dashboard.class_of(v, breaks) <= len(breaks) for v in values if v)


def test_legend_labels_ranges():
    assert dashboard.legend([1, 3, 7]) == [(0, "0"), (1, "1"), (2, "2–3"), (3, "4–7")]


def test_month_keys_and_labels():
    keys = dashboard.month_keys(datetime(2026, 2, 10), 3)
    assert keys == ["2025-12", "2026-01", "2026-02"]
    assert dashboard.month_label("2026-03") == "März 2026"


# Figures, network, trends ---------------------------------------------------------------------


def test_only_curators_and_admins_may_see_the_dashboard(staff):
    assert can_view_dashboard(staff["curator"]) and can_view_dashboard(staff["admin"])
    assert not can_view_dashboard(staff["member"])
    from catalogue.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        dashboard.municipality_figures(actor=staff["member"])
    with pytest.raises(PermissionDenied):
        work_queues.work_queues(actor=staff["member"])


def test_figures_count_offers_reuses_needs_and_activity(staff):
    curator = staff["curator"]
    before = {r.municipality.ags: r for r in dashboard.municipality_figures(actor=curator)}
    assert len(before) == 77 - 1  # 70 municipalities + 6 Kreise (Bielefeld is both)
    offered = db.session.scalar(
        sa.select(sa.func.count(Solution.id)).where(
            Solution.lead_municipality_ags == BIELEFELD,
            Solution.state == "published",
            Solution.revision_of_id.is_(None),
        )
    )
    assert before[BIELEFELD].offered == offered
    needs.create_need(
        actor=staff["lage"],
        title="Digitale Sitzungen",
        text="Wir suchen ein Ratsinformationssystem.",
    )
    solution = _solution_of(BIELEFELD)
    reuse.declare_reuse(actor=staff["lage"], solution_id=solution.id, status="pilot")
    after = {r.municipality.ags: r for r in dashboard.municipality_figures(actor=curator)}
    assert after[LAGE].open_needs == before[LAGE].open_needs + 1
    assert after[LAGE].reuses == before[LAGE].reuses + 1
    assert after[LAGE].activity == before[LAGE].activity + 2
    network = dashboard.reuse_network(actor=curator, figures=list(after.values()))
    flow = next(f for f in network.flows if (f.owner.ags, f.reuser.ags) == (BIELEFELD, LAGE))
    assert solution in flow.solutions
    assert network.total == sum(f.count for f in network.flows)
    assert all(not r.municipality.is_kreis for r in network.least_active)
    assert network.least_active == sorted(
        network.least_active, key=lambda r: (r.participation, r.municipality.name)
    )


def test_trends_count_per_month(staff):
    curator = staff["curator"]
    now = datetime(2026, 6, 15)
    need = needs.create_need(actor=staff["member"], title="Alt", text="Ein alter Bedarf.")
    with unit_of_work() as s:
        s.get(Need, need.id).created_at = datetime(2026, 4, 2)
    months, series = dashboard.trends(actor=curator, now=now)
    assert len(months) == 24 and months[-1] == "2026-06" and months[0] == "2024-07"
    by_key = {s.key: s for s in series}
    assert by_key["bedarfe"].counts[months.index("2026-04")] == 1
    assert by_key["bedarfe"].total == 1  # the others were created "now", after 2026-06


# Work queues ----------------------------------------------------------------------------------


def _queue(queues, key):
    return next(q for q in queues if q.key == key)


def test_queues_track_needs_requests_reuses_and_overdue_entries(staff):
    curator, member = staff["curator"], staff["member"]
    need = needs.create_need(
        actor=member, title="Terminbuchung", text="Termine im Bürgerbüro online vergeben."
    )
    queues = work_queues.work_queues(actor=curator)
    assert need.id in [i.entry.id for i in _queue(queues, "bedarfe").items]
    solution = _solution_of(LAGE)
    brokering.broker(actor=curator, solution_id=solution.id, need_id=need.id)
    queues = work_queues.work_queues(actor=curator)
    assert need.id not in [i.entry.id for i in _queue(queues, "bedarfe").items]

    # a new request waits in the queue from the day it arrives, its need with it
    other_need = needs.create_need(
        actor=member, title="Sperrmüll", text="Sperrmüll online anmelden, ohne Telefon."
    )
    request = brokering.request_contact(
        actor=member,
        solution_id=solution.id,
        message="Wie lange dauerte die Einführung?",
        need_id=other_need.id,
    )
    queues = work_queues.work_queues(actor=curator)
    assert request.id in [i.entry.id for i in _queue(queues, "anfragen").items]
    assert other_need.id not in [i.entry.id for i in _queue(queues, "bedarfe").items]
    with unit_of_work() as s:
        s.get(ContactRequest, request.id).created_at = utcnow() - timedelta(days=8)
    unanswered = _queue(work_queues.work_queues(actor=curator, answer_days=7), "anfragen")
    assert work_queues.age_in_days(unanswered.oldest_since) >= 8
    # the asker closes it unbrokered: the request leaves the queue, the need comes back
    brokering.record_outcome(
        actor=member, request_id=request.id, action="close", comment="Hat sich erledigt."
    )
    queues = work_queues.work_queues(actor=curator)
    assert request.id not in [i.entry.id for i in _queue(queues, "anfragen").items]
    assert other_need.id in [i.entry.id for i in _queue(queues, "bedarfe").items]

    # an interest is no reuse yet: nothing to confirm until it is under way
    declared = reuse.declare_reuse(
        actor=staff["lage"], solution_id=_solution_of(BIELEFELD).id, status="interested"
    )
    to_confirm = _queue(work_queues.work_queues(actor=curator), "nachnutzungen")
    assert declared.id not in [i.entry.id for i in to_confirm.items]
    declared = reuse.declare_reuse(
        actor=staff["lage"], solution_id=_solution_of(BIELEFELD).id, status="evaluating"
    )
    to_confirm = _queue(work_queues.work_queues(actor=curator), "nachnutzungen")
    assert declared.id in [i.entry.id for i in to_confirm.items]
    reuse.confirm_reuse(actor=curator, reuse_id=declared.id)
    to_confirm = _queue(work_queues.work_queues(actor=curator), "nachnutzungen")
    assert declared.id not in [i.entry.id for i in to_confirm.items]

    with unit_of_work() as s:
        s.get(Solution, solution.id).review_by = local_date() - timedelta(days=3)
    overdue = _queue(work_queues.work_queues(actor=curator), "ueberfaellig")
    assert [i.entry.id for i in overdue.items] == [solution.id]
    assert "fällig seit" in overdue.items[0].detail


def test_weak_match_queue_lists_needs_nothing_fits(staff):
    odd = needs.create_need(
        actor=staff["member"],
        title="Orgelwartung",
        text="Wartung der Orgel in der Stadthalle und Stimmung der Kirchenglocken",
    )
    good = needs.create_need(
        actor=staff["member"],
        title="Online-Terminvergabe",
        text="Online-Termin im Bürgeramt buchen, damit niemand mehr lange wartet",
    )
    queue = work_queues.work_queue(actor=staff["curator"], key="schwache-treffer")
    assert queue.items == []  # nothing listed before the worker has computed the match sets
    matching.refresh_stale_matches()  # what the worker does in its loop
    queue = work_queues.work_queue(actor=staff["curator"], key="schwache-treffer")
    ids = [i.entry.id for i in queue.items]
    assert odd.id in ids and good.id not in ids


def test_unknown_queue_is_not_found(staff):
    from catalogue.errors import NotFound

    with pytest.raises(NotFound):
        work_queues.work_queue(actor=staff["curator"], key="gibt-es-nicht")


# HTTP -----------------------------------------------------------------------------------------


def test_dashboard_access(app, client, staff):
    response = app.test_client().get("/digitalbuero/")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]
    sign_in(client, staff["member"])
    assert client.get("/digitalbuero/").status_code == 403
    assert client.get("/digitalbuero/kommunen.csv").status_code == 403
    assert client.get("/digitalbuero/aufgaben/bedarfe").status_code == 403


def test_dashboard_page_shows_map_network_queues_trends(client, staff):
    reuse.declare_reuse(actor=staff["lage"], solution_id=_solution_of(BIELEFELD).id, status="pilot")
    sign_in(client, staff["curator"])
    response = client.get("/digitalbuero/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="app-map__link"') == 70
    assert html.count("<title>") >= 70 + 24 * 4
    assert "© GeoBasis-DE / BKG (2021), " in html and "Daten verändert" in html
    assert ' style="' not in html and not inline_scripts(html)
    assert 'aria-current="true">Angebotene Lösungen<' in html
    assert "Bielefeld → " in html
    assert "Was heute wartet" in html and "Entwicklung der letzten 24 Monate" in html
    hrefs = set(re.findall(r'class="app-queue__link" href="([^"]+)"', html))
    assert len(hrefs) == 8
    for href in hrefs:
        assert client.get(href).status_code == 200, href
    html = client.get("/digitalbuero/?karte=bedarfe").get_data(as_text=True)
    assert 'aria-current="true">Offene Bedarfe<' in html
    assert client.get("/digitalbuero/?karte=unsinn").status_code == 200  # falls back


def test_header_link_for_curators_only(app, client, staff):
    sign_in(client, staff["curator"])
    html = client.get("/").get_data(as_text=True)
    assert 'href="/digitalbuero/"' in html
    other = app.test_client()
    sign_in(other, staff["member"])
    assert 'href="/digitalbuero/"' not in other.get("/").get_data(as_text=True)


def test_figures_csv(client, staff):
    sign_in(client, staff["admin"])
    response = client.get("/digitalbuero/kommunen.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][:2] == ["AGS", "Kommune"] and len(rows) == 1 + 76
    lage = next(r for r in rows if r[0] == LAGE)
    assert lage[1] == "Lage" and lage[3] == "Kreis Lippe"


def test_queue_list_pages(client, staff):
    declared = reuse.declare_reuse(
        actor=staff["lage"], solution_id=_solution_of(BIELEFELD).id, status="pilot"
    )
    sign_in(client, staff["curator"])
    html = client.get("/digitalbuero/aufgaben/nachnutzungen").get_data(as_text=True)
    assert f"/nachnutzung/{declared.id}/bestaetigen" in html
    queue = "/digitalbuero/aufgaben/nachnutzungen"
    assert f'name="next" value="{queue}"' in html
    response = client.post(f"/nachnutzung/{declared.id}/bestaetigen", data={"next": queue})
    # back to the queue, one round trip per item
    assert response.status_code == 302 and response.headers["Location"] == queue
    assert db.session.get(Reuse, declared.id).confirmed_at is not None
    # a foreign target is refused: the solution page instead
    again = client.post(
        f"/nachnutzung/{declared.id}/bestaetigen", data={"next": "https://example.org/"}
    )
    assert "#nachnutzung" in again.headers["Location"]
    html = client.get("/digitalbuero/aufgaben/bedarfe").get_data(as_text=True)
    assert "Hier ist nichts offen" in html and "app-task" not in html
    needs.create_need(actor=staff["lage"], title="Digitale Sitzungen", text="Ein Ratssystem.")
    html = client.get("/digitalbuero/aufgaben/bedarfe").get_data(as_text=True)
    assert "app-task" in html and "Digitale Sitzungen" in html
    assert "Hier ist nichts offen" not in html
    assert client.get("/digitalbuero/aufgaben/gibt-es-nicht").status_code == 404


def test_unreadable_boundaries_leave_the_figures_and_say_so(app, client, staff, tmp_path):
    app.config["REGION_BOUNDARIES"] = str(tmp_path / "missing.geojson")
    sign_in(client, staff["curator"])
    response = client.get("/digitalbuero/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Die Karte fehlt" in html and "app-map__link" not in html
    assert "Kennzahlen je Kommune" in html and "Was heute wartet" in html


def test_another_region_is_drawn_from_its_own_file(app, client, staff, tmp_path):
    feature = {
        "type": "Feature",
        "properties": {"ags": LAGE, "name": "Lage", "level": "gemeinde"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[8.7, 51.9], [8.9, 51.9], [8.9, 52.0], [8.7, 51.9]]],
        },
    }
    path = tmp_path / "region.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    app.config["REGION_BOUNDARIES"] = str(path)
    app.config["REGION_BOUNDARIES_ATTRIBUTION"] = "© Beispiel-Vermessung"
    sign_in(client, staff["curator"])
    html = client.get("/digitalbuero/").get_data(as_text=True)
    assert html.count('class="app-map__link"') == 1
    assert f'href="/kommunen/{LAGE}"' in html and "© Beispiel-Vermessung" in html


def test_public_figures_say_which_reuses_the_digitalbuero_confirmed(client, staff):
    # a reuse is the municipality's own report until the DigitalBüro confirms it; the public
    # figures and the solution page must not pass reports off as confirmed
    solution = _solution_of(BIELEFELD)
    before = catalogue_service.key_figures()
    reported = reuse.declare_reuse(actor=staff["lage"], solution_id=solution.id, status="pilot")
    figures = catalogue_service.key_figures()
    assert figures.reuses == before.reuses + 1
    assert figures.reuses_confirmed == before.reuses_confirmed
    page = client.get(f"/loesungen/{solution.slug}").text
    assert 'Lage</a> – Pilot <span class="kern-hint">(gemeldet, noch nicht bestätigt)' in page
    reuse.confirm_reuse(actor=staff["curator"], reuse_id=reported.id)
    figures = catalogue_service.key_figures()
    assert figures.reuses_confirmed == before.reuses_confirmed + 1
    start = client.get("/").text
    assert f"gemeldet, davon {figures.reuses_confirmed} vom DigitalBüro bestätigt" in start
    assert "(vom DigitalBüro bestätigt)" in client.get(f"/loesungen/{solution.slug}").text


def test_an_interest_is_no_reuse_in_any_figure(client, staff):
    # A walk-through saw one click on "interessiert" raise the start page's reuses, the
    # dashboard's "laufende Nachnutzungen", the municipality's "Nutzt nach" and the confirm
    # queue. An interest is counted apart and listed as such; once under way it is a reuse.
    solution = _solution_of(BIELEFELD)
    before = catalogue_service.key_figures()
    counts_before = catalogue_service.reuse_counts([solution.id])
    lage_before = {
        f.municipality.ags: f.reuses for f in dashboard.municipality_figures(actor=staff["curator"])
    }
    interest = reuse.declare_reuse(
        actor=staff["lage"], solution_id=solution.id, status="interested"
    )
    figures = catalogue_service.key_figures()
    assert figures.reuses == before.reuses and figures.interested == before.interested + 1
    assert catalogue_service.reuse_counts([solution.id]) == counts_before
    rows = {
        f.municipality.ags: f.reuses for f in dashboard.municipality_figures(actor=staff["curator"])
    }
    assert rows[LAGE] == lage_before[LAGE]
    queue = _queue(work_queues.work_queues(actor=staff["curator"]), "nachnutzungen")
    assert interest.id not in [i.entry.id for i in queue.items]
    start = client.get("/").text
    assert f"dazu {figures.interested}-mal Interesse gemeldet" in start
    page = client.get(f"/kommunen/{LAGE}").text
    assert "Interessiert an (1)" in page and solution.title in page

    reuse.declare_reuse(actor=staff["lage"], solution_id=solution.id, status="evaluating")
    assert catalogue_service.key_figures().reuses == before.reuses + 1
    rows = {
        f.municipality.ags: f.reuses for f in dashboard.municipality_figures(actor=staff["curator"])
    }
    assert rows[LAGE] == lage_before[LAGE] + 1
    assert "Interessiert an" not in client.get(f"/kommunen/{LAGE}").text


def test_the_reusing_municipality_is_told_once_when_its_reuse_is_confirmed(staff):
    from catalogue.models import Notification, OutgoingMail

    solution = _solution_of(BIELEFELD)
    declared = reuse.declare_reuse(actor=staff["lage"], solution_id=solution.id, status="pilot")

    def told() -> tuple[int, int]:
        notes = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == staff["lage"].id,
                Notification.text.contains(f"Nachnutzung von „{solution.title}“"),
            )
        )
        mails = db.session.scalar(
            sa.select(sa.func.count(OutgoingMail.id)).where(
                OutgoingMail.recipient == staff["lage"].email,
                OutgoingMail.subject == f"Nachnutzung bestätigt: {solution.title}",
            )
        )
        return notes, mails

    assert told() == (0, 0)
    reuse.confirm_reuse(actor=staff["curator"], reuse_id=declared.id)
    assert told() == (1, 1)
    reuse.confirm_reuse(actor=staff["curator"], reuse_id=declared.id)  # again: no second notice
    assert told() == (1, 1)
