"""The DigitalBüro's pages in a real browser: axe-clean at 1280 and 320 px, reflow at 320 px,
no request leaving the origin, no CSP violation, the map reachable by keyboard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, format_violations

pytestmark = pytest.mark.browser

CURATOR_PAGES = {
    "dashboard": "/digitalbuero/",
    "dashboard-needs": "/digitalbuero/?karte=bedarfe",
    "queue-needs": "/digitalbuero/aufgaben/bedarfe",
    "queue-reuses": "/digitalbuero/aufgaben/nachnutzungen",
    "queue-weak": "/digitalbuero/aufgaben/schwache-treffer",
    "audit-log": "/verwaltung/protokoll",
    "audit-log-filtered": "/verwaltung/protokoll?typ=reuse&von=2020-01-01",
    "audit-log-error": "/verwaltung/protokoll?von=2026-05-02&bis=2026-05-01",
    "kreis": "/kommunen/05774000",
}


def _assert_clean(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


@pytest.mark.parametrize("width", [1280, 320])
def test_curator_pages_are_axe_clean_and_reflow(live_server, signed_in, width):
    page = signed_in("curator", width=width)
    problems = []
    for name, path in CURATOR_PAGES.items():
        response = page.goto(live_server.url + path)
        expected = 400 if name == "audit-log-error" else 200  # an invalid date range
        assert response.status == expected, (name, response.status)
        violations = axe_violations(page)
        if violations:
            problems.append(format_violations(page.url, violations))
        if width == 320:
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            if scroll > 321:
                problems.append(f"{path}: horizontal scrolling ({scroll}px) at 320 px")
    assert not problems, "\n".join(problems)


def test_region_figures_fit_a_phone(live_server, signed_in):
    """The figures per municipality beside the map stack like a Kreis page's table at 320 px:
    no sideways scrolling, every figure named, the map's measure still marked."""
    page = signed_in("curator", width=320)
    page.goto(live_server.url + "/digitalbuero/")
    table = page.locator(".app-dash__table table")
    region = table.locator("xpath=..")
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth + 1"), "the table scrolls"
    active = table.locator("tbody td.app-col--active").first
    assert active.get_attribute("data-label") == "Lösungen"
    assert active.evaluate("td => getComputedStyle(td, '::before').content").startswith('"Lösungen')


def test_deactivation_confirmation_is_axe_clean(live_server, signed_in, accounts):
    import sqlalchemy as sa

    from catalogue.models import User

    member_id = live_server.query(sa.select(User.id).where(User.email == accounts["member"].email))
    page = signed_in("admin")
    page.goto(f"{live_server.url}/verwaltung/konten/{member_id}")
    page.get_by_role("link", name="Konto deaktivieren …").click()
    page.get_by_role("button", name="Ja, Konto deaktivieren").wait_for()
    _assert_clean(page)
    page.get_by_role("link", name="Abbrechen und zurück zum Konto").click()
    assert page.url.endswith(f"/verwaltung/konten/{member_id}")


def test_dashboard_stays_on_origin_and_map_is_keyboard_reachable(live_server, signed_in):
    page = signed_in("curator", bypass_csp=False)
    origin = live_server.url + "/"
    foreign: list[str] = []
    console: list[str] = []
    page.on(
        "request",
        lambda r: r.url.startswith((origin, "data:")) or foreign.append(r.url),
    )
    page.on("console", lambda m: m.type == "error" and console.append(m.text))
    page.goto(live_server.url + "/anmelden")  # signed in: leads to the DigitalBüro page
    page.wait_for_url("**/digitalbuero/")
    assert page.locator("svg .app-map__link").count() == 70
    assert not foreign, foreign
    assert not console, console
    # Tab from the last switch link into the map: the first area takes focus.
    page.locator(".app-switch__link").last.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('class')")
    assert focused == "app-map__link"
    page.keyboard.press("Enter")
    page.wait_for_url("**/kommunen/*")
    assert page.locator("h1").count() == 1


def test_map_and_network_follow_a_new_reuse(live_server, signed_in):
    """A member reports a reuse on a solution page; the curator's map (measure "Nachnutzungen")
    and the reuse network show it after a reload."""
    import sqlalchemy as sa

    from catalogue.db import db
    from catalogue.models import Reuse, Solution

    paderborn = "05774032"  # the member's municipality
    bielefeld = "05711000"

    def a_bielefeld_solution_paderborn_does_not_reuse() -> str:
        reused = sa.select(Reuse.solution_id).where(Reuse.municipality_ags == paderborn)
        return db.session.scalar(
            sa.select(Solution.slug)
            .where(
                Solution.state == "published",
                Solution.revision_of_id.is_(None),
                Solution.lead_municipality_ags == bielefeld,
                Solution.id.not_in(reused),
            )
            .order_by(Solution.id)
            .limit(1)
        )

    slug = live_server.call(a_bielefeld_solution_paderborn_does_not_reuse)
    assert slug
    curator = signed_in("curator")
    area = curator.locator(f'a.app-map__link[href="/kommunen/{paderborn}"] title')

    def reuses_on_map() -> int:
        curator.goto(live_server.url + "/digitalbuero/?karte=nachnutzungen")
        text = area.text_content()
        assert text.startswith("Paderborn: ") and "Nachnutzungen" in text
        return int(text.split(": ")[1].split(" ")[0])

    before = reuses_on_map()
    member = signed_in("member")
    member.goto(f"{live_server.url}/loesungen/{slug}")
    member.locator("#nachnutzung select").select_option("pilot")
    member.get_by_role("button", name="Nachnutzung melden").click()
    member.wait_for_load_state()
    assert reuses_on_map() == before + 1
    flows = curator.locator(".app-flow-list li").all_inner_texts()
    assert any(t.startswith("Bielefeld → Paderborn:") for t in flows), flows


@pytest.mark.skipif(
    not os.environ.get("CATALOGUE_SCREENSHOT_DIR"),
    reason="screenshots only on request (set CATALOGUE_SCREENSHOT_DIR)",
)
@pytest.mark.parametrize("width", [1280, 320])
def test_dashboard_screenshots(live_server, signed_in, width):
    """``CATALOGUE_SCREENSHOT_DIR=/tmp/shots pytest tests/browser -k screenshots``."""
    target = Path(os.environ["CATALOGUE_SCREENSHOT_DIR"])
    target.mkdir(parents=True, exist_ok=True)
    page = signed_in("curator", width=width, bypass_csp=False)
    page.goto(live_server.url + "/digitalbuero/")
    shot = target / f"digitalbuero-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


@pytest.mark.parametrize("width", [1280, 320])
def test_thesaurus_offers_missing_shipped_groups_to_tick(live_server, signed_in, width):
    """A customised thesaurus lacking shipped groups: the ticked list is axe-clean and fits a
    phone; turning one group down takes it off the list, the other stays offered."""
    page = signed_in("curator", width=width)
    page.goto(live_server.url + "/verwaltung/thesaurus")
    restore = page.get_by_role("button", name="Mitgelieferten Thesaurus wiederherstellen")
    if restore.count():  # the server's database outlives a test: start from the shipped one
        restore.click()
    lines = page.locator("#text").input_value().splitlines()
    dropped = [line for line in lines if line.startswith(("Kfz,", "Kita,"))]
    assert len(dropped) == 2
    page.locator("#text").fill("\n".join(line for line in lines if line not in dropped))
    page.get_by_role("button", name="Thesaurus speichern").click()
    page.get_by_text("Fehlende Gruppen ansehen und auswählen").click()
    _assert_clean(page)
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll <= width + 1, f"horizontal scrolling ({scroll}px)"
    kita = page.get_by_label(next(d for d in dropped if d.startswith("Kita,")))
    kita.uncheck()
    page.get_by_role("button", name="Ausgewählte nicht übernehmen").click()
    assert "Nicht übernommen: 1 Gruppe." in page.locator("main").inner_text()
    page.get_by_text("Fehlende Gruppen ansehen und auswählen").click()
    assert page.get_by_label(next(d for d in dropped if d.startswith("Kita,"))).is_checked()
    assert page.locator(".app-thesaurus-missing li").count() == 1
    page.get_by_role("button", name="Ausgewählte übernehmen").click()
    assert "übernommen: 1 Gruppe." in page.locator("main").inner_text()
    assert page.locator(".app-thesaurus-missing").count() == 0
