"""Needs, matching in the app, brokering, reuse records and reverse matching."""

import pytest
import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, PermissionDenied, ValidationFailed
from catalogue.models import (
    ContactRequestStatus,
    ContentState,
    Municipality,
    Need,
    NeedStatus,
    Notification,
    OutgoingMail,
    Reuse,
    ReuseStatus,
    ReviewEvent,
    Role,
)
from catalogue.services import brokering, contributions, needs, reuse, workflow
from catalogue.services.contributions import SolutionInput
from tests.factories import BIELEFELD, LAGE, demo_solution, make_user, sign_in


@pytest.fixture
def staff(demo):
    return {
        "member": make_user(Role.MEMBER, BIELEFELD, "bedarf@bielefeld.example", share=True),
        "other_member": make_user(Role.MEMBER, LAGE, "mitglied@lemgo.example"),
        "curator": make_user(Role.CURATOR, None, "kuratierung@example.org"),
    }


def test_describe_need_finds_the_appointment_solution_with_reasons(staff):
    outcome = needs.match_text("Online-Termin im Bürgeramt buchen, damit niemand mehr lange wartet")
    titles = [m.solution.title for m in outcome.matches[:5]]
    assert any("Terminvergabe" in t for t in titles), titles
    assert all(m.band in {"strong", "possible", "weak"} for m in outcome.matches)
    assert outcome.matches[0].reasons and all(
        isinstance(r, str) for r in outcome.matches[0].reasons
    )


def test_a_municipalitys_own_solution_is_marked_and_not_of_similar_size(client, staff):
    # A walk-through saw Paderborn's own solution suggested to Paderborn "Kommune ähnlicher
    # Größe (156.378 Einwohner)" - itself.
    solution = demo_solution("online-terminvergabe")
    text = "Online-Termin im Bürgeramt buchen, damit niemand mehr lange wartet"
    own = make_user(Role.MEMBER, solution.lead_municipality_ags, "team@eigene.example")
    outcome = needs.match_text(text, municipality_ags=own.municipality_ags)
    view = next(m for m in outcome.matches if m.solution.id == solution.id)
    assert view.own and not any(r.startswith("Kommune ähnlicher Größe") for r in view.reasons)
    others = [
        m for m in outcome.matches if m.solution.lead_municipality_ags != own.municipality_ags
    ]
    assert others and not any(m.own for m in others)
    sign_in(client, own)
    page = client.get("/bedarfe/beschreiben", query_string={"text": text}).get_data(as_text=True)
    assert page.count("Eigene Lösung der Kommune") == sum(m.own for m in outcome.matches) > 0


def test_a_need_whose_best_match_is_the_own_solution_says_to_ask_in_house(client, staff):
    solution = demo_solution("online-terminvergabe")
    own = make_user(Role.MEMBER, solution.lead_municipality_ags, "haus@eigene.example")
    text = "Online-Termin im Bürgeramt buchen, damit niemand mehr lange wartet"
    need = needs.create_need(actor=own, title="Termine", text=text)
    other = needs.create_need(actor=staff["member"], title="Termine", text=text)
    hint = "Der erste Vorschlag ist eine Lösung Ihrer eigenen Kommune"
    sign_in(client, own)
    page = client.get(f"/bedarfe/{need.id}").get_data(as_text=True)
    assert "Eigene Lösung der Kommune" in page and hint in page
    sign_in(client, staff["member"])  # another municipality: broker the contact, as before
    page = client.get(f"/bedarfe/{other.id}").get_data(as_text=True)
    assert "Nächster Schritt" in page and hint not in page


def test_describe_page_without_login_and_empty_input(client, staff):
    html = client.get("/bedarfe/beschreiben?text=Kita+Platz+online+anmelden").get_data(as_text=True)
    assert "Vorschläge" in html and "Warum dieser Vorschlag?" in html
    assert "Anmeldung" in html  # invites to sign in to save
    # the form lands on the suggestions (on a phone they start below the form)
    assert 'action="/bedarfe/beschreiben#matches-title"' in html and 'id="matches-title"' in html
    response = client.get("/bedarfe/beschreiben?text=")
    assert response.status_code == 400 and "Bitte beschreiben Sie" in response.get_data(
        as_text=True
    )


def test_a_need_nothing_fits_says_so(client, staff):
    outcome = needs.match_text(
        "Wartung der Orgel in der Stadthalle und Stimmung der Kirchenglocken"
    )
    assert not outcome.has_strong
    html = client.get(
        "/bedarfe/beschreiben?text=Wartung+der+Orgel+in+der+Stadthalle+und+Stimmung+der+Kirchenglocken"
    ).get_data(as_text=True)
    assert (
        "noch nichts, das gut passt" in html
        or "passt noch keine Lösung" in html
        or "Kein Vorschlag passt eindeutig" in html
    )


def test_the_page_never_says_nothing_fits_above_a_strong_match(client, staff):
    text = (
        "Eltern melden ihre Kinder bei mehreren Kitas gleichzeitig an, und im Jugendamt weiß "
        "niemand, wie viele Betreuungsplätze wirklich fehlen. Wir möchten, dass Eltern ihr Kind "
        "online für einen Betreuungsplatz vormerken."
    )
    outcome = needs.match_text(text)
    assert outcome.matches and outcome.matches[0].band == "strong"
    assert "Kita" in outcome.matches[0].solution.title
    html = client.get("/bedarfe/beschreiben", query_string={"text": text}).get_data(as_text=True)
    assert "passt gut" in html
    assert "noch nichts, das gut passt" not in html and "Kein Vorschlag passt" not in html


def test_matches_never_show_unpublished_solutions(staff):
    solution = demo_solution("online-terminvergabe")
    with unit_of_work():
        solution.state = ContentState.DRAFT  # no outbox row: the index is stale on purpose
    outcome = needs.match_text("Online-Terminvergabe im Bürgerbüro")
    assert solution.id not in [m.solution.id for m in outcome.matches]
    with unit_of_work():
        solution.state = ContentState.PUBLISHED


def test_need_lifecycle_and_visibility(staff, client):
    member = staff["member"]
    with pytest.raises(ValidationFailed) as error:
        needs.create_need(actor=member, title="", text="kurz")
    assert {"title", "text"} <= set(error.value.errors)
    need = needs.create_need(
        actor=member,
        title="Wartezeiten im Bürgerbüro",
        text="Montags stauen sich die Leute im Bürgerbüro.",
        visibility="curators",
    )
    assert need.municipality_ags == BIELEFELD and need.status == NeedStatus.OPEN
    assert client.get(f"/bedarfe/{need.id}").status_code == 404  # not public
    assert need not in needs.list_needs(actor=staff["other_member"])
    assert need in needs.list_needs(actor=staff["curator"])
    with pytest.raises(PermissionDenied):
        needs.set_need_status(actor=staff["other_member"], need_id=need.id, status="closed")
    needs.set_need_status(
        actor=member, need_id=need.id, status="closed", comment="Hat sich erledigt"
    )
    with pytest.raises(InvalidTransition):
        needs.set_need_status(actor=member, need_id=need.id, status="brokered")
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == staff["curator"].id
            )
        )
        == 1
    )


def test_brokering_notifies_both_sides_with_shared_contacts(staff):
    member, curator = staff["member"], staff["curator"]
    owner = make_user(
        Role.CONTRIBUTOR,
        demo_solution("online-terminvergabe").lead_municipality_ags,
        "team@owner.example",
        share=True,
    )
    need = needs.create_need(
        actor=member,
        title="Terminbuchung",
        text="Wir wollen Termine im Bürgerbüro online vergeben.",
    )
    solution = demo_solution("online-terminvergabe")
    with pytest.raises(PermissionDenied):
        brokering.broker(actor=member, solution_id=solution.id, need_id=need.id)
    request, plan = brokering.broker(
        actor=curator, solution_id=solution.id, need_id=need.id, message="Sprechen Sie miteinander!"
    )
    assert "1 Konto in" in plan.summary()
    assert request.status == ContactRequestStatus.BROKERED
    assert db.session.get(Need, need.id).status == NeedStatus.BROKERED
    to_requester = db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.recipient == member.email)
    ).all()
    assert any("team@owner.example" in m.body for m in to_requester)
    to_owner = db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.recipient == owner.email)
    ).all()
    assert any(member.email in m.body for m in to_owner)
    created = brokering.convert_to_reuse(actor=curator, request_id=request.id)
    assert created.municipality_ags == BIELEFELD and created.confirmed_at is not None
    assert db.session.get(Need, need.id).status == NeedStatus.SOLVED


def test_contact_request_can_be_closed_with_reason(staff):
    solution = demo_solution("online-terminvergabe")
    request = brokering.request_contact(
        actor=staff["member"],
        solution_id=solution.id,
        message="Wie lange hat die Einführung gedauert?",
    )
    with pytest.raises(ValidationFailed):
        brokering.close_contact_request(actor=staff["curator"], request_id=request.id, reason="")
    brokering.close_contact_request(
        actor=staff["curator"], request_id=request.id, reason="Frage per Telefon beantwortet"
    )
    with pytest.raises(InvalidTransition):
        brokering.close_contact_request(
            actor=staff["curator"], request_id=request.id, reason="nochmal"
        )


def test_reuse_declaration_lifecycle(staff, client):
    solution = demo_solution("online-terminvergabe")
    member = staff["other_member"]
    record = reuse.declare_reuse(actor=member, solution_id=solution.id, status="interested")
    assert (
        reuse.declare_reuse(actor=member, solution_id=solution.id, status="pilot").id == record.id
    )
    with pytest.raises(ValidationFailed):
        reuse.update_reuse(actor=member, reuse_id=record.id, status="ended")
    reuse.update_reuse(
        actor=member, reuse_id=record.id, status="ended", ended_reason="Zu teuer für uns"
    )
    assert db.session.get(Reuse, record.id).status == ReuseStatus.ENDED
    with pytest.raises(PermissionDenied):
        reuse.confirm_reuse(actor=member, reuse_id=record.id)
    reuse.confirm_reuse(actor=staff["curator"], reuse_id=record.id)
    events = db.session.scalars(
        sa.select(ReviewEvent.to_state)
        .where(ReviewEvent.entity_type == "reuse", ReviewEvent.entity_id == record.id)
        .order_by(ReviewEvent.id)  # SQL without ORDER BY has no defined order
    ).all()
    assert events == ["interested", "pilot", "ended", "ended"]
    lead = make_user(Role.MEMBER, solution.lead_municipality_ags, "lead@example.org")
    with pytest.raises(ValidationFailed):
        reuse.declare_reuse(actor=lead, solution_id=solution.id, status="interested")
    html = client.get(f"/kommunen/{LAGE}").get_data(as_text=True)
    assert solution.title in html


def test_reverse_matching_flags_open_needs_when_a_solution_is_published(staff):
    member, curator = staff["member"], staff["curator"]
    need = needs.create_need(
        actor=member,
        title="Schiedsamt digital",
        text="Bürgerinnen sollen Schlichtungsanträge beim Schiedsamt bei Nachbarschaftsstreit online einreichen können.",
    )
    author = make_user(Role.CONTRIBUTOR, LAGE, "beitrag@lemgo.example")
    solution = contributions.create_solution(
        actor=author,
        data=SolutionInput(
            title="Schiedsamt online: Schlichtungsanträge digital einreichen",
            summary="Bei Nachbarschaftsstreit reichen Bürgerinnen und Bürger Schlichtungsanträge beim Schiedsamt online ein.",
            description="Ein Online-Formular nimmt Schlichtungsanträge für das Schiedsamt entgegen; die Schiedsperson lädt digital zum Termin.",
            category="sicherheit-ordnung",
            kind="software",
            project_status="in_operation",
            readiness="documented",
            tags=["Schiedsamt", "Schlichtung", "Online-Antrag"],
        ),
    )
    before = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == member.id)
    )
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=solution.id, action="submit"
    )
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=solution.id, action="approve"
    )
    texts = db.session.scalars(
        sa.select(Notification.text).where(Notification.user_id == member.id)
    ).all()
    assert len(texts) == before + 1 and "Schiedsamt" in texts[-1]
    # the municipality reads about its own need, who built the solution and what to do next
    assert f"passt gut zu Ihrem Bedarf „{need.title}“" in texts[-1]
    assert f"({solution.lead_municipality.name})" in texts[-1]
    assert "Kontakt vermitteln lassen" in texts[-1]
    # the link carries the need, so the contact form preselects it
    link = db.session.scalars(
        sa.select(Notification.link).where(Notification.user_id == member.id)
    ).all()[-1]
    assert link == f"/loesungen/{solution.slug}?bedarf={need.id}"
    assert any(
        "passt gut zum Bedarf" in t
        for t in db.session.scalars(
            sa.select(Notification.text).where(Notification.user_id == curator.id)
        )
    )
    assert need.id


def test_duplicate_hint_lists_similar_solutions(staff):
    similar = needs.similar_solutions(
        "Online-Terminvergabe für das Bürgerbüro", "Termine online buchen"
    )
    assert any("Terminvergabe" in m.solution.title for m in similar)


def test_a_kita_registration_need_gets_passt_gut_for_the_kita_navigator(staff):
    # "Kita Anmeldung" is the thesaurus entry "Kita-Anmeldung", whose group holds the
    # Kita-Navigator: it comes first and is "passt gut", not the OGS or Sperrmüll registration.
    outcome = needs.match_text("Kita Anmeldung online")
    best = outcome.matches[0]
    assert best.solution.title.startswith("Kita-Navigator") and best.band == "strong"


def test_a_possible_best_match_is_not_introduced_as_merely_related(client, staff):
    outcome = needs.match_text("Kindertagesstätte Anmeldung online")
    assert outcome.best_band == "possible" and not outcome.has_strong
    html = client.get(
        "/bedarfe/beschreiben", query_string={"text": "Kindertagesstätte Anmeldung online"}
    ).get_data(as_text=True)
    assert "Kein Vorschlag passt eindeutig" in html
    assert "nur verwandt" not in html and "könnte passen" in html
    # what the three labels mean is one click away, above the list
    legend = html.split('<details class="app-band-legend">', 1)[1].split("</details>", 1)[0]
    assert all(f"<strong>{b}</strong>" in legend for b in ("passt gut", "könnte passen"))
    assert html.index("app-band-legend") < html.index('<ol class="app-matches">')
    # the bands compare the results with each other: a better new solution can move one down
    assert "kann ein Vorschlag eine Stufe tiefer rücken" in legend


def test_rejected_reuse_forms_show_the_reason_and_keep_what_was_typed(staff, client):
    """Ending a reuse without a reason: the page again (400) with the message beside the field
    and the other input kept — not a redirect that drops it."""
    solution = demo_solution("online-terminvergabe")
    member = staff["other_member"]
    sign_in(client, member)
    response = client.post(
        f"/loesungen/{solution.id}/nachnutzung", data={"status": "pilot", "slug": solution.slug}
    )
    assert response.status_code == 302
    record = reuse.own_reuse(member, solution.id)
    assert record is not None and record.status == ReuseStatus.PILOT

    response = client.post(
        f"/nachnutzung/{record.id}",
        data={"status": "ended", "ended_reason": "   ", "slug": solution.slug},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte nennen Sie den Grund, warum die Nachnutzung endet" in html
    assert '<option selected value="ended">' in html
    assert db.session.get(Reuse, record.id).status == ReuseStatus.PILOT

    too_long = "x" * 501
    response = client.post(
        f"/nachnutzung/{record.id}",
        data={"status": "ended", "ended_reason": too_long, "slug": solution.slug},
    )
    assert response.status_code == 400
    assert f'value="{too_long}"' in response.get_data(as_text=True)

    taken = set(
        db.session.scalars(
            sa.select(Reuse.municipality_ags).where(Reuse.solution_id == solution.id)
        )
    )
    taken.add(solution.lead_municipality_ags)
    free_ags = db.session.scalar(
        sa.select(Municipality.ags).where(Municipality.ags.not_in(taken)).limit(1)
    )
    newcomer = make_user(Role.MEMBER, free_ags, "neu@kommune.example")
    sign_in(client, newcomer)
    response = client.post(
        f"/loesungen/{solution.id}/nachnutzung", data={"status": "kaputt", "slug": solution.slug}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html and 'id="status-error"' in html
    assert reuse.own_reuse(newcomer, solution.id) is None


def test_vermittelt_is_the_digitalbueros_to_set(staff, client):
    # set by hand, "vermittelt" would hide a need nobody brokered from the DigitalBüro's queue
    member = staff["member"]
    need = needs.create_need(
        actor=member, title="Sperrmüll online", text="Wir wollen Sperrmüll online anmelden."
    )
    with pytest.raises(ValidationFailed) as error:
        needs.set_need_status(actor=member, need_id=need.id, status="brokered")
    assert "DigitalBüro" in error.value.errors["status"]
    sign_in(client, member)
    page = client.get(f"/bedarfe/{need.id}").get_data(as_text=True)
    assert 'value="brokered"' not in page and 'value="solved"' in page
    # a new need says what to do next, above the matches; its status comes after them
    headings = page.index('id="matches-title"')
    assert headings < page.index("Nächster Schritt:") < page.index('<ol class="app-matches">')
    assert page.index('<ol class="app-matches">') < page.index('id="status-title"')
    response = client.post(f"/bedarfe/{need.id}/status", data={"status": "brokered"})
    assert response.status_code == 400 and "Kontakt vermitteln lassen" in response.text
    db.session.expire_all()
    assert db.session.get(Need, need.id).status == NeedStatus.OPEN
    # the DigitalBüro may, and the need's staff then see the status they cannot choose
    needs.set_need_status(actor=staff["curator"], need_id=need.id, status="brokered")
    page = client.get(f"/bedarfe/{need.id}").get_data(as_text=True)
    assert '<option selected value="brokered">' in page


def test_the_need_page_shows_its_tags(staff, client):
    need = needs.create_need(
        actor=staff["member"],
        title="Sperrmüll online",
        text="Wir wollen Sperrmüll online anmelden.",
        tags="Abfall, Sperrmüll",
    )
    sign_in(client, staff["member"])
    assert "Schlagworte: Abfall, Sperrmüll" in client.get(f"/bedarfe/{need.id}").text


def test_describing_says_to_save_the_need_before_asking_for_contact(client, staff):
    # A walk-through asked for contact from the first "passt gut" and found a contact form that
    # offered only older needs: the save link stood below all matches.
    sign_in(client, staff["member"])
    text = "Online-Termin im Bürgeramt buchen, damit niemand mehr lange wartet"
    page = client.get("/bedarfe/beschreiben", query_string={"text": text}).get_data(as_text=True)
    hint = page.index("Speichern Sie zuerst den Bedarf")
    assert hint < page.index('<ol class="app-matches">')
    assert "/bedarfe/neu?text=" in page[hint : page.index('<ol class="app-matches">')]
    listing = client.get("/bedarfe").get_data(as_text=True)
    assert "„Bedarf beschreiben“ zeigt sofort passende Lösungen und speichert nichts." in listing
    assert "„Bedarf erfassen“ speichert den Bedarf Ihrer Kommune" in listing
    needs.create_need(actor=staff["member"], title="Termine", text="Termine online vergeben.")
    area = client.get("/mein-bereich").get_data(as_text=True)
    assert ">Neuen Bedarf beschreiben</a>" in area


def test_a_saved_need_can_be_corrected_and_published_later(client, staff):
    # A walk-through found no way to fix a need's text or to publish a confidential need later.
    from catalogue.models import Need, NeedVisibility, ReviewEvent
    from catalogue.services import matching

    member = staff["member"]
    need = needs.create_need(
        actor=member, title="Termine", text="Termine im Bürgerbüro online.", visibility="curators"
    )
    sign_in(client, staff["other_member"])
    assert client.get(f"/bedarfe/{need.id}/bearbeiten").status_code == 404  # confidential
    client.post("/abmelden")
    sign_in(client, member)
    detail = client.get(f"/bedarfe/{need.id}").get_data(as_text=True)
    assert f'href="/bedarfe/{need.id}/bearbeiten"' in detail
    form = client.get(f"/bedarfe/{need.id}/bearbeiten").get_data(as_text=True)
    assert "Termine im Bürgerbüro online." in form and '<option selected value="curators">' in form
    # a mistake: shown again with the reason, nothing typed lost
    bad = client.post(
        f"/bedarfe/{need.id}/bearbeiten",
        data={
            "title": "",
            "text": "Lange Wartezeiten am Schalter, bitte helfen",
            "visibility": "public",
        },
    )
    assert bad.status_code == 400
    assert "Lange Wartezeiten am Schalter, bitte helfen" in bad.get_data(as_text=True)
    matching.refresh_stale_matches()  # a stored match set, older than the change below
    done = client.post(
        f"/bedarfe/{need.id}/bearbeiten",
        data={
            "title": "Wartezeiten im Bürgerbüro",
            "text": "Lange Wartezeiten am Schalter, Termine sollen online buchbar sein.",
            "category": "",
            "tags": "Termine",
            "visibility": "public",
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/bedarfe/{need.id}")
    changed = db.session.get(Need, need.id)
    assert changed.title == "Wartezeiten im Bürgerbüro"
    assert changed.visibility == NeedVisibility.PUBLIC and changed.tags == "Termine"
    assert changed.municipality_ags == member.municipality_ags
    event = db.session.scalars(
        sa.select(ReviewEvent).where(ReviewEvent.entity_type == "need").order_by(ReviewEvent.id)
    ).all()[-1]
    assert event.entity_id == need.id and "sichtbar: öffentlich" in event.comment
    assert need.id in matching.stale_need_ids(100, 10**9)  # its matches are recomputed
    client.post("/abmelden")
    sign_in(client, staff["other_member"])  # now public: readable, still not editable
    assert client.get(f"/bedarfe/{need.id}").status_code == 200
    assert client.get(f"/bedarfe/{need.id}/bearbeiten").status_code == 403
