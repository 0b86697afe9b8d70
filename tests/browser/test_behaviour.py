"""Keyboard access, privacy (no third-party requests), CSP, and the "Barriere melden" form."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import public_paths

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/barrierefreiheit"])
def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(live_server, page, path):
    page.goto(live_server.url + path)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]"
    )
    assert focused == ["Zum Inhalt springen", "#inhalt"]
    box = page.locator(".app-skiplink").bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 0, "focused skip link must be visible"
    page.keyboard.press("Enter")
    assert page.evaluate("!!document.activeElement.closest('main#inhalt')")
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main#inhalt')")


def test_phone_header_folds_navigation_into_menu(live_server, signed_in):
    """At 320 px the DigitalBüro's twelve links took about 380 px above the content. They fold
    into "Menü", a disclosure reached and opened with the keyboard, with visible focus and the
    current page marked; at 1280 px the bar shows them as before, without the toggle."""
    page = signed_in("curator", width=320, bypass_csp=False)
    page.goto(live_server.url + "/kommunen")
    nav = page.locator("nav.app-nav").bounding_box()
    assert nav and nav["height"] <= 50, f"the folded navigation takes {nav} at 320 px"
    current = page.locator(".app-nav__link[aria-current=page]")
    assert current.text_content() == "Kommunen" and not current.is_visible()
    page.locator(".app-skiplink").focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('summary.app-menu__toggle')"):
            break
    toggle = page.locator("summary.app-menu__toggle")
    assert toggle.evaluate("t => t === document.activeElement"), "Tab does not reach 'Menü'"
    assert toggle.evaluate("t => getComputedStyle(t).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert current.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Start"

    wide = signed_in("curator", bypass_csp=False)
    wide.goto(live_server.url + "/kommunen")
    assert not wide.locator("summary.app-menu__toggle").is_visible()
    assert wide.locator(".app-nav__link[aria-current=page]").is_visible()
    assert wide.get_by_role("button", name="Abmelden").is_visible()


def test_pages_stay_on_origin_without_csp_violations(live_server, page):
    """No request leaves the app's origin (no CDNs, fonts or trackers), and the strict CSP
    (no inline code) produces no violation reports in the console on any public page."""
    origin = live_server.url + "/"
    foreign: list[str] = []
    console: list[str] = []

    def record(request):
        if not (request.url.startswith(origin) or request.url.startswith("data:")):
            foreign.append(f"{page.url} → {request.url}")

    page.on("request", record)
    page.on("console", lambda m: m.type == "error" and console.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"{page.url}: {e}"))
    for path in public_paths(live_server):
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    assert not foreign, "requests to other origins:\n" + "\n".join(foreign)
    csp = [e for e in console if "Content Security Policy" in e or "Content-Security-Policy" in e]
    assert not csp, "CSP violations:\n" + "\n".join(csp)


def _barrier_reports(live_server) -> int:
    from catalogue.models import BarrierReport

    return live_server.query(sa.select(sa.func.count()).select_from(BarrierReport))


def test_barrier_form_stores_a_report(live_server, page):
    before = _barrier_reports(live_server)
    page.goto(live_server.url + "/barrierefreiheit")
    description = "Der Filter auf /loesungen lässt sich nicht bedienen."
    page.get_by_label("Beschreibung der Barriere").fill(description)
    page.get_by_label("Auf welcher Seite?").fill("/loesungen")
    page.get_by_role("button", name="Meldung absenden").click()
    status = page.locator("[role=status]", has_text="Vielen Dank")
    status.wait_for()
    assert page.locator(".app-error-summary").count() == 0
    assert _barrier_reports(live_server) == before + 1


def test_barrier_form_rejects_invalid_email_and_keeps_input(live_server, page):
    before = _barrier_reports(live_server)
    text = "Die Tabelle hat keine Spaltenüberschriften."
    page.goto(live_server.url + "/barrierefreiheit")
    page.get_by_label("Beschreibung der Barriere").fill(text)
    page.get_by_label("Ihre E-Mail-Adresse für Rückfragen").fill("keine-adresse")
    page.get_by_role("button", name="Meldung absenden").click()
    page.locator(".app-error-summary").wait_for()
    message = "Bitte geben Sie eine gültige E-Mail-Adresse an oder lassen Sie das Feld leer."
    assert page.locator("#contact_email-error").inner_text().strip() == message
    assert page.locator("#contact_email").get_attribute("aria-invalid") == "true"
    assert page.locator(".app-error-summary a[href='#contact_email']").count() == 1
    assert page.get_by_label("Beschreibung der Barriere").input_value() == text
    assert page.title().startswith("Fehler:")
    assert _barrier_reports(live_server) == before
