import json
import re

import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.models import BarrierReport, ContentState, Solution
from catalogue.services import seed
from tests.factories import inline_scripts


def _write_seed(tmp_path, **overrides):
    entry = {
        "title": "Digitale Testlösung",
        "summary": "Kurzbeschreibung der Testlösung.",
        "problem": "Ein Problem.",
        "description": "Ein **fetter** Text.",
        "category": "buergerservice",
        "tags": ["Test"],
        "municipality": "Lemgo",
        "partners": ["Detmold"],
        "kind": "software",
        "status": "in_operation",
        "readiness": "documented",
        "contacts": [
            {"name": "Team Bürgerbüro", "role": "Fachbereich", "email": "team@example.org"}
        ],
        "reports": [],
    }
    entry.update(overrides)
    path = tmp_path / "seed.jsonl"
    path.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_start_page_shows_figures_newest_and_search(client, demo):
    html = client.get("/").get_data(as_text=True)
    assert "Der Katalog in Zahlen" in html
    assert "122" in html  # published solutions
    assert "40 von 70" in html
    assert 'action="/suche"' in html
    assert html.count('class="kern-card app-solution-card"') == 6


def test_start_page_empty_state_says_what_to_do(client, municipalities):
    html = client.get("/").get_data(as_text=True)
    assert "Noch keine Lösungen veröffentlicht" in html


def test_solution_list_filters_and_paginates(client, demo):
    html = client.get("/loesungen").get_data(as_text=True)
    assert "122 Lösungen" in html
    assert 'rel="next"' in html
    filtered = client.get("/loesungen?kategorie=bildung").get_data(as_text=True)
    count = int(re.search(r"(\d+) Lösung", filtered).group(1))
    assert 0 < count < 122
    by_kreis = client.get("/loesungen?kreis=05774000").get_data(as_text=True)
    assert "Paderborn" in by_kreis
    page_two = client.get("/loesungen?page=2")
    assert (
        page_two.status_code == 200
        and 'aria-current="page"><span class="app-visually-hidden">Seite </span>2'
        in page_two.get_data(as_text=True)
    )
    assert client.get("/loesungen?page=999").status_code == 200


def test_filtering_by_municipality_includes_partner_projects(client, municipalities, tmp_path):
    seed.load_content(_write_seed(tmp_path), is_demo=True)
    html = client.get("/loesungen?kommune=05766020").get_data(as_text=True)  # Detmold (partner)
    assert "Digitale Testlösung" in html


def test_invalid_filter_value_is_ignored_not_an_error(client, demo):
    response = client.get("/loesungen?kategorie=gibt-es-nicht")
    assert response.status_code == 200
    assert "122 Lösungen" in response.get_data(as_text=True)


def test_solution_detail_renders_markdown_safely(client, municipalities, tmp_path):
    description = (
        "Text <script>alert(1)</script> und [Link](javascript:alert(1)) und **fett**\n\n# Titel"
    )
    seed.load_content(_write_seed(tmp_path, description=description), is_demo=True)
    html = client.get("/loesungen/digitale-testloesung").get_data(as_text=True)
    assert "<strong>fett</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<h3>Titel</h3>" in html  # user headings never compete with the page's h1/h2


def test_contact_persons_are_hidden_from_visitors(client, municipalities, tmp_path):
    seed.load_content(_write_seed(tmp_path), is_demo=True)
    html = client.get("/loesungen/digitale-testloesung").get_data(as_text=True)
    assert "team@example.org" not in html
    assert "Ansprechpersonen sehen angemeldete Mitarbeitende" in html


def test_unpublished_solution_is_not_found(client, municipalities, tmp_path):
    seed.load_content(_write_seed(tmp_path), is_demo=True)
    with unit_of_work() as s:
        solution = s.scalar(sa.select(Solution))
        solution.state = ContentState.DRAFT
        from catalogue.services.outbox import enqueue
        from search_index.documents import solution_doc_id

        enqueue(s, solution_doc_id(solution.id))
    response = client.get("/loesungen/digitale-testloesung")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(
        as_text=True
    ) or "nicht öffentlich" in response.get_data(as_text=True)
    assert "Digitale Testlösung" not in client.get("/loesungen").get_data(as_text=True)


def test_archived_solution_stays_reachable_and_is_marked(client, municipalities, tmp_path):
    seed.load_content(_write_seed(tmp_path), is_demo=True)
    with unit_of_work() as s:
        solution = s.scalar(sa.select(Solution))
        solution.state = ContentState.ARCHIVED
        from catalogue.services.outbox import enqueue
        from search_index.documents import solution_doc_id

        enqueue(s, solution_doc_id(solution.id))
    html = client.get("/loesungen/digitale-testloesung").get_data(as_text=True)
    assert "archiviert" in html


def test_municipality_directory_groups_by_kreis(client, demo):
    html = client.get("/kommunen").get_data(as_text=True)
    for kreis in (
        "Kreis Gütersloh",
        "Kreis Herford",
        "Kreis Höxter",
        "Kreis Lippe",
        "Kreis Minden-Lübbecke",
        "Kreis Paderborn",
        "Bielefeld",
    ):
        assert kreis in html
    assert html.count('href="/kommunen/05') == 76


def test_municipality_page_shows_offers_reuses_and_reports(client, demo):
    html = client.get("/kommunen/05774032").get_data(as_text=True)  # Paderborn
    assert "Bietet an" in html and "Nutzt nach" in html and "Erfahrungsberichte" in html
    assert "Mein DigiPort" in html
    kreis = client.get("/kommunen/05774000").get_data(as_text=True)
    assert "Städte und Gemeinden im Kreis Paderborn" in kreis
    assert client.get("/kommunen/99999999").status_code == 404


def _main_menu(html: str) -> tuple[str, str]:
    """The summary and the folded content of the header's "Menü" disclosure."""
    nav = re.search(r'<nav class="app-nav" aria-label="Hauptnavigation">(.*?)</nav>', html, re.S)
    assert nav, "no main navigation"
    menu = re.search(
        r'<details class="app-menu">\s*<summary class="app-menu__toggle">(.*?)</summary>'
        r"(.*?)</details>",
        nav.group(1),
        re.S,
    )
    assert menu, "the navigation links must sit in the closed disclosure 'Menü'"
    return menu.group(1), menu.group(2)


def test_header_navigation_folds_into_a_menu_without_script(client, municipalities):
    """On a phone the links fold into "Menü" (closed at first; app.css shows them as a bar on
    wide screens); the current page keeps its marker inside."""
    summary, links = _main_menu(client.get("/kommunen").get_data(as_text=True))
    assert re.sub(r"<[^>]+>", "", summary).strip() == "Menü"
    assert 'href="/kommunen" aria-current="page">Kommunen</a>' in links
    assert links.count("aria-current") == 1
    assert 'href="/anmelden"' in links


def test_legal_pages_use_operator_configuration(tmp_path):
    from tests.conftest import make_app

    app = make_app(
        tmp_path, OPERATOR_NAME="DigitalBüro Testregion", OPERATOR_EMAIL="info@test.example"
    )
    client = app.test_client()
    for url in ("/impressum", "/datenschutz", "/barrierefreiheit", "/leichte-sprache"):
        html = client.get(url).get_data(as_text=True)
        assert "DigitalBüro Testregion" in html, url
    assert "info@test.example" in client.get("/impressum").get_data(as_text=True)
    with app.app_context():
        from catalogue.extensions import db

        db.engine.dispose()


def test_barrier_report_is_stored(client, municipalities):
    response = client.post(
        "/barrierefreiheit",
        data={
            "description": "Das Suchfeld hat keine sichtbare Beschriftung.",
            "page_url": "/suche",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(BarrierReport.id))) == 1
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vielen Dank" in follow


def test_invalid_barrier_report_keeps_input_and_explains(client, municipalities):
    response = client.post(
        "/barrierefreiheit",
        data={"description": "Kontrast zu schwach im Footer", "contact_email": "kein-mail"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "gültige E-Mail-Adresse" in html
    assert "Kontrast zu schwach im Footer" in html
    assert 'aria-invalid="true"' in html and 'href="#contact_email"' in html
    assert db.session.scalar(sa.select(sa.func.count(BarrierReport.id))) == 0


def test_security_headers_and_no_inline_code(client, demo):
    for url in ("/", "/loesungen", "/kommunen", "/barrierefreiheit", "/gibt-es-nicht"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        html = response.get_data(as_text=True)
        assert not inline_scripts(html)
        assert " style=" not in html and "<style" not in html
        assert "http://" not in html.replace("http://www.w3.org", "")


def test_not_found_page_is_friendly(client, municipalities):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Seite nicht gefunden" in html and "Zur Startseite" in html


def test_demo_banner_only_in_demo_mode(app, tmp_path, client, municipalities):
    assert "Demo-Modus" not in client.get("/").get_data(as_text=True)
    from catalogue import create_app

    # A second app on the same database (no schema reset: the first app is still connected).
    demo_app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "t",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
            "DEMO_MODE": True,
        }
    )
    assert "Demo-Modus" in demo_app.test_client().get("/").get_data(as_text=True)
    with demo_app.app_context():
        from catalogue.extensions import db

        db.engine.dispose()


def test_start_page_says_how_many_model_projects_are_documented(client, demo):
    html = client.get("/").get_data(as_text=True)
    assert "12 von 16" in html
    assert "Zu den übrigen 4 Projekten" in html
    assert "Digitale-Modellregion-OWL-ueberzeugen-NRW-weit.php" in html


def test_start_page_hides_programme_without_documented_projects(client, municipalities):
    assert "von 16" not in client.get("/").get_data(as_text=True)


def test_moments_are_shown_in_german_time(app):
    # stored times are UTC; people in OWL read Central European time (summer time included)
    from datetime import datetime

    with app.test_request_context():
        render = app.jinja_env.filters["time_de"]
        assert render(datetime(2026, 12, 5, 3, 12)) == "05.12.2026 04:12"
        assert render(datetime(2026, 7, 1, 22, 30), "HH:mm") == "00:30"
        assert render(None) == ""
