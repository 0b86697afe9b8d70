"""The Verwaltung area: who may enter, invitations by role, role changes and deactivation with
review events, municipality edits, the audit log and the mail log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalogue.db import db
from catalogue.errors import InvalidTransition, PermissionDenied, ValidationFailed
from catalogue.models import Municipality, ReviewEvent, Role, SearchOutbox, Solution, User
from catalogue.services import accounts
from catalogue.services import admin as admin_service
from catalogue.services import audit as audit_service
from catalogue.services import mail as mail_service
from tests.factories import PADERBORN, sign_in

PASSWORD = "ein-sehr-sicheres-passwort"


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def people(app, municipalities) -> dict[str, User]:
    """One account per role, created through the services."""
    admin = accounts.create_admin(email="admin@example.org", name="Ada Admin", password=PASSWORD)

    def invite(email: str, role: Role, ags: str | None) -> User:
        _, token = accounts.invite_user(
            actor=admin,
            email=email,
            name=email.split("@")[0].title(),
            role=role,
            municipality_ags=ags,
        )
        return accounts.accept_invitation(token, PASSWORD)

    return {
        "admin": admin,
        "curator": invite("kuratorin@example.org", Role.CURATOR, None),
        "contributor": invite("beitrag@example.org", Role.CONTRIBUTOR, PADERBORN),
        "member": invite("mitglied@example.org", Role.MEMBER, PADERBORN),
    }


CONFIRM = {"bestaetigt": "ja"}


def login(client, user: User) -> None:
    response = client.post("/anmelden", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def user_events(user_id: int) -> list[ReviewEvent]:
    return list(
        db.session.scalars(
            sa.select(ReviewEvent)
            .where(ReviewEvent.entity_type == "user", ReviewEvent.entity_id == user_id)
            .order_by(ReviewEvent.id)
        )
    )


ADMIN_PAGES = [
    "/verwaltung/",
    "/verwaltung/konten",
    "/verwaltung/konten/einladen",
    "/verwaltung/kommunen",
    f"/verwaltung/kommunen/{PADERBORN}",
    "/verwaltung/protokoll",
    "/verwaltung/e-mails",
]


# Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ADMIN_PAGES + ["/verwaltung/konten/1"])
def test_anonymous_is_sent_to_login(client, municipalities, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden?next=")


@pytest.mark.parametrize("role", ["member", "contributor"])
def test_municipal_staff_cannot_see_verwaltung(client, people, role):
    login(client, people[role])
    for url in ADMIN_PAGES + [f"/verwaltung/konten/{people['admin'].id}"]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            "/verwaltung/konten/einladen",
            data={
                "email": "x@example.org",
                "name": "X",
                "role": "member",
                "municipality_ags": PADERBORN,
            },
        ).status_code
        == 403
    )
    assert client.post(f"/verwaltung/konten/{people['member'].id}/deaktivieren").status_code == 403


def test_curator_sees_users_and_audit_log_but_not_admin_pages(client, people):
    login(client, people["curator"])
    for url in (
        "/verwaltung/",
        "/verwaltung/konten",
        "/verwaltung/konten/einladen",
        "/verwaltung/protokoll",
    ):
        assert client.get(url).status_code == 200, url
    for url in ("/verwaltung/kommunen", f"/verwaltung/kommunen/{PADERBORN}", "/verwaltung/e-mails"):
        assert client.get(url).status_code == 403, url
    member = people["member"]
    html = client.get(f"/verwaltung/konten/{member.id}").get_data(as_text=True)
    assert "Konto deaktivieren" not in html and "Rolle und Kommune ändern" not in html
    assert (
        client.post(
            f"/verwaltung/konten/{member.id}", data={"role": "admin", "municipality_ags": ""}
        ).status_code
        == 403
    )
    assert client.post(f"/verwaltung/konten/{member.id}/deaktivieren").status_code == 403
    assert db.session.get(User, member.id).role == Role.MEMBER


def test_admin_sees_every_page(client, people):
    login(client, people["admin"])
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url


# Invitations --------------------------------------------------------------------------------


def test_curator_cannot_invite_admins_or_curators(client, people):
    curator = people["curator"]
    for role in (Role.ADMIN, Role.CURATOR):
        with pytest.raises(PermissionDenied):
            accounts.invite_user(
                actor=curator,
                email=f"{role}@example.org",
                name="X",
                role=role,
                municipality_ags=None,
            )
    login(client, curator)
    html = client.get("/verwaltung/konten/einladen").get_data(as_text=True)
    assert 'value="member"' in html and 'value="contributor"' in html
    assert 'value="admin"' not in html and 'value="curator"' not in html
    response = client.post(
        "/verwaltung/konten/einladen",
        data={"email": "boss@example.org", "name": "Boss", "role": "admin", "municipality_ags": ""},
    )
    assert response.status_code == 400  # not a choice this curator is offered
    assert db.session.scalar(sa.select(User).where(User.email == "boss@example.org")) is None
    ok = client.post(
        "/verwaltung/konten/einladen",
        data={
            "email": "neu@example.org",
            "name": "Neu",
            "role": "member",
            "municipality_ags": PADERBORN,
        },
    )
    assert ok.status_code == 302
    invited = db.session.scalar(sa.select(User).where(User.email == "neu@example.org"))
    assert user_events(invited.id)[0].actor_id == curator.id
    # without a mail server the confirmation does not claim the mail goes out
    with client.session_transaction() as session:
        (flashed,) = [text for _category, text in session.get("_flashes", [])]
    assert "nicht verschickt" in flashed and "E-Mail-Protokoll" in flashed


def test_invite_form_errors_keep_input(client, people):
    login(client, people["admin"])
    response = client.post(
        "/verwaltung/konten/einladen",
        data={
            "email": "mitglied@example.org",
            "name": "Zweite Person",
            "role": "member",
            "municipality_ags": "",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Fehler: Person einladen" in html
    assert "bereits ein Konto" in html and "Bitte wählen Sie die Kommune" in html
    assert 'value="Zweite Person"' in html and 'value="mitglied@example.org"' in html
    assert 'href="#municipality_ags"' in html


# Role changes and deactivation ---------------------------------------------------------------


def test_role_change_writes_review_event(client, people):
    admin, member = people["admin"], people["member"]
    login(client, admin)
    bad = client.post(
        f"/verwaltung/konten/{member.id}", data={"role": "curator", "municipality_ags": PADERBORN}
    )
    assert bad.status_code == 400 and "keine Kommune" in bad.get_data(as_text=True)
    response = client.post(
        f"/verwaltung/konten/{member.id}",
        data={"role": "contributor", "municipality_ags": PADERBORN},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).role == Role.CONTRIBUTOR
    event = user_events(member.id)[-1]
    assert (event.from_state, event.to_state, event.actor_id) == ("member", "contributor", admin.id)
    assert "Kommunale Mitarbeitende" in event.comment and "Beitragende" in event.comment
    # unchanged: no new event
    accounts.set_role(
        actor=admin, user_id=member.id, role="contributor", municipality_ags=PADERBORN
    )
    assert user_events(member.id)[-1].id == event.id


def test_admin_cannot_change_own_role_or_deactivate_self(client, people):
    admin = people["admin"]
    with pytest.raises(ValidationFailed):
        accounts.set_role(
            actor=admin, user_id=admin.id, role=Role.MEMBER, municipality_ags=PADERBORN
        )
    login(client, admin)
    response = client.post(f"/verwaltung/konten/{admin.id}/deaktivieren", data=CONFIRM)
    assert response.status_code == 400
    assert "eigenes Konto nicht deaktivieren" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).is_active


def test_deactivation_and_reactivation_write_review_events(client, people):
    admin, member = people["admin"], people["member"]
    login(client, admin)
    assert (
        client.post(f"/verwaltung/konten/{member.id}/deaktivieren", data=CONFIRM).status_code == 302
    )
    db.session.expire_all()
    assert not db.session.get(User, member.id).is_active
    with pytest.raises(InvalidTransition):
        accounts.deactivate_user(actor=admin, user_id=member.id)
    html = client.get("/verwaltung/konten").get_data(as_text=True)
    assert "deaktiviert" in html
    with pytest.raises(ValidationFailed):
        accounts.authenticate(member.email, PASSWORD)
    assert client.post(f"/verwaltung/konten/{member.id}/reaktivieren").status_code == 302
    assert [e.to_state for e in user_events(member.id)][-2:] == ["inactive", "active"]
    assert all(e.actor_id == admin.id for e in user_events(member.id)[-2:])
    assert accounts.authenticate(member.email, PASSWORD).id == member.id
    assert client.post("/verwaltung/konten/99999/deaktivieren", data=CONFIRM).status_code == 404


def test_deactivation_revokes_open_invitation(app, people):
    admin = people["admin"]
    user, token = accounts.invite_user(
        actor=admin,
        email="offen@example.org",
        name="Offen",
        role=Role.MEMBER,
        municipality_ags=PADERBORN,
    )
    accounts.deactivate_user(actor=admin, user_id=user.id)
    accounts.reactivate_user(actor=admin, user_id=user.id)
    from catalogue.errors import NotFound

    with pytest.raises(NotFound):
        accounts.accept_invitation(token, PASSWORD)


def test_user_list_filters_and_shows_status(client, people):
    admin = people["admin"]
    accounts.invite_user(
        actor=admin,
        email="offen@example.org",
        name="Offen",
        role=Role.MEMBER,
        municipality_ags=PADERBORN,
    )
    login(client, admin)
    html = client.get("/verwaltung/konten").get_data(as_text=True)
    assert "5 Konten" in html and "Einladung offen" in html and "noch nie" in html
    members = client.get("/verwaltung/konten?rolle=member").get_data(as_text=True)
    assert "mitglied@example.org" in members and "kuratorin@example.org" not in members
    paderborn = client.get(f"/verwaltung/konten?kommune={PADERBORN}").get_data(as_text=True)
    assert "beitrag@example.org" in paderborn and "admin@example.org" not in paderborn
    page = admin_service.list_users(actor=admin, role=Role.ADMIN)
    assert [u.email for u in page.items] == ["admin@example.org"]
    assert client.get("/verwaltung/konten?rolle=kaiser").status_code == 200  # ignored filter


# Municipalities -----------------------------------------------------------------------------


def test_admin_edits_municipality_with_audit(client, people):
    admin = people["admin"]
    login(client, admin)
    form = client.get(f"/verwaltung/kommunen/{PADERBORN}").get_data(as_text=True)
    assert 'name="ags"' not in form and PADERBORN in form
    bad = client.post(
        f"/verwaltung/kommunen/{PADERBORN}",
        data={"name": "", "population": "viele", "type_label": "Stadt"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "<title>Fehler:" in html and 'value="viele"' in html
    ok = client.post(
        f"/verwaltung/kommunen/{PADERBORN}",
        data={"name": "Paderborn", "population": "160000", "type_label": "Große Stadt"},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    m = db.session.get(Municipality, PADERBORN)
    assert (m.population, m.type_label, m.ags) == (160000, "Große Stadt", PADERBORN)
    event = db.session.scalar(
        sa.select(ReviewEvent).where(ReviewEvent.entity_type == "municipality")
    )
    assert event.entity_id == int(PADERBORN) and event.actor_id == admin.id
    assert "Einwohnerzahl" in event.comment and "160000" in event.comment
    with pytest.raises(ValidationFailed):
        admin_service.update_municipality(
            actor=admin, ags=PADERBORN, name="P", population=-1, type_label=""
        )
    with pytest.raises(PermissionDenied):
        admin_service.update_municipality(
            actor=people["curator"], ags=PADERBORN, name="X", population=None, type_label=""
        )


def test_municipality_edit_reindexes_its_entries(app, demo):
    admin = accounts.create_admin(email="admin@example.org", name="Ada", password=PASSWORD)
    led = db.session.scalar(
        sa.select(sa.func.count(Solution.id)).where(Solution.lead_municipality_ags == PADERBORN)
    )
    before = db.session.scalar(sa.select(sa.func.max(SearchOutbox.id))) or 0
    m = db.session.get(Municipality, PADERBORN)
    admin_service.update_municipality(
        actor=admin,
        ags=PADERBORN,
        name="Paderborn",
        population=(m.population or 0) + 1,
        type_label=m.type_label,
    )
    queued = db.session.scalars(sa.select(SearchOutbox.doc_id).where(SearchOutbox.id > before))
    assert len([d for d in queued if d.startswith("solution:")]) >= min(led, 1)
    # the conftest teardown checks that the index still matches the database


# Logs ---------------------------------------------------------------------------------------


def test_audit_log_newest_first_filtered_and_paginated(app, client, people):
    app.config["PER_PAGE"] = 3
    login(client, people["curator"])
    html = client.get("/verwaltung/protokoll").get_data(as_text=True)
    total = db.session.scalar(sa.select(sa.func.count(ReviewEvent.id)))
    assert f"{total} Einträge" in html and 'rel="next"' in html
    newest = audit_service.list_events(actor=people["curator"], per_page=3)
    ids = [e.id for e in newest.items]
    assert ids == sorted(ids, reverse=True)
    assert newest.items[0].id == db.session.scalar(sa.select(sa.func.max(ReviewEvent.id)))
    page_two = client.get("/verwaltung/protokoll?page=2")
    assert page_two.status_code == 200
    assert (
        'aria-current="page"><span class="app-visually-hidden">Seite </span>2'
        in page_two.get_data(as_text=True)
    )
    none = client.get("/verwaltung/protokoll?typ=solution").get_data(as_text=True)
    assert "0 Einträge" in none
    users_only = audit_service.list_events(actor=people["curator"], entity_type="user")
    assert users_only.total == total
    with pytest.raises(PermissionDenied):
        audit_service.list_events(actor=people["contributor"])


def test_mail_log_shows_logged_invitations(client, people):
    login(client, people["admin"])
    html = client.get("/verwaltung/e-mails").get_data(as_text=True)
    assert "kuratorin@example.org" in html
    assert "Einladung zum Lösungskatalog" in html
    assert "protokolliert, nicht versendet" in html
    assert "/konto/einladung/" in html
    with pytest.raises(PermissionDenied):
        mail_service.list_mails(actor=people["curator"])


def test_mail_log_finds_a_recipients_mails_by_address_and_state_and_pages(app, client, people):
    # "Did the contact person get the mail?" — the log showed the newest mails only, unfiltered.
    from datetime import timedelta

    from catalogue.clock import utcnow
    from catalogue.db import unit_of_work
    from catalogue.models import OutgoingMail

    with unit_of_work() as s:
        for n in range(60):
            s.add(
                OutgoingMail(recipient=f"team{n}@bielefeld.example", subject=f"Nr. {n}", body="x")
            )
        done = OutgoingMail(recipient="Amt@Detmold.example", subject="Gesendet", body="x")
        broken = OutgoingMail(recipient="amt@detmold.example", subject="Kaputt", body="x")
        retry = OutgoingMail(recipient="amt@detmold.example", subject="Nochmal", body="x")
        s.add_all([done, broken, retry])
        s.flush()  # (next_attempt_at's default fills in a None given on creation)
        done.sent_at, done.next_attempt_at = utcnow(), None
        broken.error, broken.next_attempt_at = "ungültig: Adresse", None
        retry.error, retry.next_attempt_at = "Connection refused", utcnow() + timedelta(minutes=5)
    admin = people["admin"]
    found = mail_service.list_mails(actor=admin, recipient="DETMOLD")
    assert [m.subject for m in found.items] == ["Nochmal", "Kaputt", "Gesendet"]
    assert [
        m.subject
        for m in mail_service.list_mails(actor=admin, recipient="detmold", state="fehler").items
    ] == ["Kaputt"]
    assert [
        m.subject
        for m in mail_service.list_mails(actor=admin, recipient="detmold", state="wiederholt").items
    ] == ["Nochmal"]
    assert [m.subject for m in mail_service.list_mails(actor=admin, state="versendet").items] == [
        "Gesendet"
    ]
    assert mail_service.list_mails(actor=admin, recipient="100%_").total == 0
    login(client, admin)
    html = client.get("/verwaltung/e-mails?an=team1&status=").get_data(as_text=True)
    assert "11 E-Mails" in html and "team12@bielefeld.example" in html
    assert "amt@detmold.example" not in html.lower()
    everything = client.get("/verwaltung/e-mails").get_data(as_text=True)
    pages = -(-mail_service.list_mails(actor=admin).total // app.config["PER_PAGE"])
    assert pages > 1 and f"Seite 1 von {pages}" in everything and 'rel="next"' in everything
    last = client.get(f"/verwaltung/e-mails?page={pages}").get_data(as_text=True)
    assert "Nr. 0<" not in everything and "Nr. 0<" in last
    none = client.get("/verwaltung/e-mails?an=niemand").get_data(as_text=True)
    assert "Keine E-Mail passt zu diesem Filter" in none


def _curator_and_member() -> tuple[User, User]:
    from catalogue.db import unit_of_work

    with unit_of_work() as s:
        curator = User(email="kur@example.org", name="Kur", role=Role.CURATOR)
        member = User(
            email="mit@example.org", name="Mit", role=Role.MEMBER, municipality_ags="05774032"
        )
        s.add_all([curator, member])
    return curator, member


def _adopt_ticked(client, group: str) -> None:
    """Tick one offered shipped group on the thesaurus page and adopt it."""
    response = client.post(
        "/verwaltung/thesaurus",
        data={"adopt": "1", "choice": "1", "group": [group]},
        follow_redirects=True,
    )
    assert "übernommen: 1 Gruppe." in response.get_data(as_text=True)


def test_curator_edits_thesaurus_and_search_uses_it_at_once(app, demo, client):
    from catalogue.services import search, thesaurus

    curator, member = _curator_and_member()
    before = search.search_catalogue(actor=None, text="Zauberformular", filters={})
    assert before.total == 0
    with pytest.raises(PermissionDenied):
        thesaurus.update_thesaurus(actor=member, text="Zauberformular, Terminvergabe\n")
    with pytest.raises(ValidationFailed) as error:
        thesaurus.update_thesaurus(actor=curator, text="nur ein Begriff\n")
    assert "Zeile 1" in error.value.errors["text"]
    thesaurus.update_thesaurus(
        actor=curator, text=thesaurus.thesaurus_text() + "Zauberformular, Terminvergabe\n"
    )
    after = search.search_catalogue(actor=None, text="Zauberformular", filters={})
    assert any("Terminvergabe" in i.solution.title for i in after.items)
    thesaurus.reset_thesaurus(actor=curator)
    assert search.search_catalogue(actor=None, text="Zauberformular", filters={}).total == 0
    sign_in(client, curator)
    page = client.get("/verwaltung/thesaurus").get_data(as_text=True)
    assert "Bürgerbüro" in page and "in Ihrer Fassung fehl" not in page
    assert client.get("/verwaltung/suchen-ohne-treffer").status_code == 200
    assert client.get("/verwaltung/barrieren").status_code == 200


def test_groups_an_update_ships_reach_a_customised_thesaurus_on_request(app, demo, client):
    # Curators who edited the thesaurus keep their version; an update's new groups are offered,
    # listed, and appended on request (their own groups stay as they are).
    from catalogue.services import search, thesaurus
    from search_index.thesaurus import Thesaurus

    curator, member = _curator_and_member()
    shipped = [line for line in Thesaurus.default_text().splitlines() if line and line[0] != "#"]
    kfz = next(line for line in shipped if line.startswith("Kfz,"))
    # the curators' version: everything but the Kfz group, plus a group of their own
    own = "\n".join(line for line in shipped if line != kfz) + "\nZauberformular, Terminvergabe\n"
    thesaurus.update_thesaurus(actor=curator, text=own)
    assert thesaurus.missing_shipped_groups() == [kfz]
    with pytest.raises(PermissionDenied):
        thesaurus.adopt_shipped_groups(actor=member)
    sign_in(client, curator)
    page = client.get("/verwaltung/thesaurus").get_data(as_text=True)
    assert "1 Gruppe, die in Ihrer Fassung fehlt" in page and "Kraftfahrzeug" in page
    response = client.post("/verwaltung/thesaurus", data={"adopt": "1"}, follow_redirects=True)
    assert "übernommen: 1 Gruppe." in response.get_data(as_text=True)
    text = thesaurus.thesaurus_text()
    assert kfz in text and "Zauberformular, Terminvergabe" in text
    assert "# --- aus dem mitgelieferten Thesaurus übernommen am" in text
    assert thesaurus.missing_shipped_groups() == [] and thesaurus.is_customised()
    assert thesaurus.adopt_shipped_groups(actor=curator) == 0  # idempotent
    assert any(
        "Terminvergabe" in i.solution.title
        for i in search.search_catalogue(actor=None, text="Zauberformular", filters={}).items
    )
    page = client.get("/verwaltung/thesaurus").get_data(as_text=True)
    assert "in Ihrer Fassung fehl" not in page


def test_curators_choose_which_shipped_groups_to_adopt_and_turn_down_the_rest(app, demo, client):
    # A group removed on purpose is not offered again once turned down; the others can be
    # adopted one by one; a group that is not missing cannot be smuggled in through the form.
    from catalogue.services import thesaurus
    from search_index.thesaurus import Thesaurus

    curator, member = _curator_and_member()
    shipped = [line for line in Thesaurus.default_text().splitlines() if line and line[0] != "#"]
    kfz = next(line for line in shipped if line.startswith("Kfz,"))
    kita = next(line for line in shipped if line.startswith("Kita,"))
    rest = [line for line in shipped if line not in (kfz, kita)]
    thesaurus.update_thesaurus(actor=curator, text="\n".join(rest))
    assert sorted(thesaurus.missing_shipped_groups()) == sorted([kfz, kita])
    with pytest.raises(PermissionDenied):
        thesaurus.decline_shipped_groups(actor=member, groups=[kfz])
    sign_in(client, curator)
    page = client.get("/verwaltung/thesaurus").get_data(as_text=True)
    assert 'name="group"' in page and "Ausgewählte nicht übernehmen" in page
    response = client.post(
        "/verwaltung/thesaurus",
        data={"decline": "1", "choice": "1", "group": [kfz, "Zauberformular, Terminvergabe"]},
        follow_redirects=True,
    )
    assert "Nicht übernommen: 1 Gruppe." in response.get_data(as_text=True)
    text = thesaurus.thesaurus_text()
    assert f"# nicht übernommen: {kfz}" in text and "Zauberformular" not in text
    assert thesaurus.missing_shipped_groups() == [kita]
    assert not any("Kraftfahrzeug" in g for g in Thesaurus.from_text(text).groups)  # a comment
    # nothing ticked: said so, nothing changed
    response = client.post(
        "/verwaltung/thesaurus", data={"adopt": "1", "choice": "1"}, follow_redirects=True
    )
    assert "mindestens eine Gruppe" in response.get_data(as_text=True)
    assert thesaurus.thesaurus_text() == text
    _adopt_ticked(client, kita)
    assert thesaurus.missing_shipped_groups() == []
    # deleting the comment line offers the group again
    thesaurus.update_thesaurus(
        actor=curator, text=thesaurus.thesaurus_text().replace(f"# nicht übernommen: {kfz}", "")
    )
    assert thesaurus.missing_shipped_groups() == [kfz]


def test_words_an_update_adds_to_a_group_reach_a_customised_thesaurus(app, demo, client):
    # An update that adds words to a shipped group (this release's "Fundbüro, …, Verlustanzeige")
    # offers that group to curators whose version holds the group without the new word, names
    # the word they lack, and adopting it makes the new word a synonym of their whole group.
    from catalogue.services import search, thesaurus
    from search_index.analysis import analyze_query_words
    from search_index.thesaurus import Thesaurus

    def key(entry: str) -> str:
        return " ".join(w.stem for w in analyze_query_words(entry))

    curator, _member = _curator_and_member()
    shipped = [line for line in Thesaurus.default_text().splitlines() if line and line[0] != "#"]
    found = next(line for line in shipped if line.startswith("Fundbüro,"))
    assert found.endswith(", Verlustanzeige")
    older = found.removesuffix(", Verlustanzeige")  # their version: the group before the update
    thesaurus.update_thesaurus(
        actor=curator, text="\n".join(older if line == found else line for line in shipped)
    )
    assert thesaurus.missing_shipped_entries() == [(found, ["Verlustanzeige"])]
    sign_in(client, curator)
    page = client.get("/verwaltung/thesaurus").get_data(as_text=True)
    assert "(Ihnen fehlt: Verlustanzeige)" in page
    before = search.current_thesaurus()
    assert key("Verlustanzeige") not in dict(before.expand(key("Fundsachen")))
    _adopt_ticked(client, found)
    assert thesaurus.missing_shipped_groups() == []
    assert older in thesaurus.thesaurus_text()  # their own line stays as it was
    after = search.current_thesaurus()
    assert key("Verlustanzeige") in dict(after.expand(key("Fundsachen")))
    assert key("Fundsachen") in dict(after.expand(key("Verlustanzeige")))
