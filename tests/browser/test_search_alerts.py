"""Search without dead ends and the alerts pages in a real browser: axe-core at 1280 and 320 px,
results before the folded facets on a phone, sorting that applies without a button (and the
button without JavaScript), and the unsubscribe page without signing in. Screenshots of /suche
on request (``CATALOGUE_SCREENSHOT_DIR``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, format_violations

pytestmark = pytest.mark.browser

SEARCHES = {
    "results": "/suche?q=Terminvergabe",
    "zero": "/suche?q=xyzxyz",
    "fallback": "/suche?q=M%C3%A4ngelmelder+Kita",
    "filtered": "/suche?q=Terminvergabe&kreis=05774&sortierung=newest",
}


def _clean(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


def _unsubscribe_path(live_server, accounts) -> str:
    def create() -> str:
        import sqlalchemy as sa

        from catalogue.db import db
        from catalogue.models import User
        from catalogue.services import alerts

        user = db.session.scalar(sa.select(User).where(User.email == accounts["member"].email))
        row = alerts.create_subscription(
            actor=user, kind="search", query="Bürgerbüro", filters={"kreis": ["05774"]}
        )
        return f"/abo/abbestellen/{alerts.unsubscribe_token(row)}"

    return live_server.call(create)


def _unsubscribe_as_visitor(browser, width: int, url: str, button: str, done: str) -> str:
    """Open an unsubscribe link without signing in, confirm, wait for `done`; both pages
    axe-clean. Returns the text of the confirming page's main content."""
    anonymous = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        visitor = anonymous.new_page()
        visitor.goto(url)
        asked = visitor.locator("main").inner_text()
        _clean(visitor)
        visitor.get_by_role("button", name=button).click()
        visitor.get_by_text(done).wait_for()
        _clean(visitor)
        return asked
    finally:
        anonymous.close()


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("path", SEARCHES.values(), ids=SEARCHES.keys())
def test_search_pages_are_axe_clean(live_server, browser, path, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(live_server.url + path)
        _clean(page)
        if width == 320:
            assert page.evaluate("document.scrollingElement.scrollWidth") <= 321
    finally:
        ctx.close()


def test_phone_shows_results_first_and_folds_the_facets(live_server, narrow_axe_page):
    narrow_axe_page.goto(live_server.url + SEARCHES["results"])
    facets = narrow_axe_page.locator("details.app-facets")
    assert facets.get_attribute("open") is None
    assert not narrow_axe_page.locator("#facets-title").is_visible()
    first = narrow_axe_page.locator(".app-result").first.bounding_box()
    assert first["y"] < 900, f"first result starts at {first['y']} px"  # was ~2,900 px
    narrow_axe_page.locator("summary.app-facets__summary").click()
    assert narrow_axe_page.locator("#facets-title").is_visible()
    _clean(narrow_axe_page)


def test_wide_screen_shows_the_facets(live_server, page):
    page.goto(live_server.url + SEARCHES["results"])
    assert page.locator("#facets-title").is_visible()
    assert page.locator(".app-facet input[type=checkbox]").first.is_visible()
    assert not page.locator("summary.app-facets__summary").is_visible()


def test_sort_applies_on_choice_under_the_real_csp(live_server, page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + SEARCHES["results"])
    assert page.locator("#sortierung-hint").is_visible()
    assert not page.get_by_role("button", name="Sortierung anwenden").is_visible()
    with page.expect_navigation():
        page.locator("#sortierung").select_option("newest")
    assert "sortierung=newest" in page.url and "q=Terminvergabe" in page.url
    assert page.locator("#sortierung").input_value() == "newest"
    # Keyboard: arrowing through the options does not reload; Enter applies the choice.
    page.locator("#sortierung").focus()
    page.keyboard.press("ArrowDown")
    assert "sortierung=newest" in page.url
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sortierung=most_reused" in page.url
    assert not errors, errors


def test_sort_button_without_javascript(live_server, browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(live_server.url + SEARCHES["results"])
        assert not page.locator("#sortierung-hint").is_visible()
        page.locator("#sortierung").select_option("newest")
        assert "sortierung" not in page.url
        page.get_by_role("button", name="Sortierung anwenden").click()
        page.wait_for_url(re.compile(r"sortierung=newest"))
    finally:
        ctx.close()


def test_zero_results_lead_to_describing_the_need(live_server, page):
    page.goto(live_server.url + SEARCHES["zero"])
    page.get_by_role("link", name="Bedarf beschreiben").first.click()
    page.wait_for_url(re.compile(r"/bedarfe/beschreiben\?vorlage=xyzxyz"))
    assert page.locator("textarea").input_value() == "xyzxyz"


@pytest.mark.parametrize("width", [1280, 320])
def test_alerts_pages_are_axe_clean(live_server, accounts, signed_in, browser, width):
    unsubscribe = _unsubscribe_path(live_server, accounts)
    page = signed_in("member", width=width)
    page.goto(live_server.url + "/suche/abonnieren?q=Terminvergabe&kreis=05774")
    assert "Kreis: Kreis Paderborn" in page.locator("main").inner_text()
    _clean(page)
    page.get_by_role("button", name="Suche abonnieren").click()
    page.wait_for_url(re.compile(r"/konto/abos$"))
    assert "Die Suche ist abonniert" in page.locator("main").inner_text()
    _clean(page)
    # deleting asks once more: the confirming button shows only after "Abo löschen …"
    confirm = page.get_by_role("button", name=re.compile("^Ja, Abo löschen")).first
    assert not confirm.is_visible()
    page.locator(".app-confirm > summary").first.focus()
    page.keyboard.press("Enter")
    assert confirm.is_visible()
    _clean(page)
    page.get_by_role("button", name="Kategorie abonnieren").click()  # no category chosen
    page.locator(".app-error-summary").wait_for()
    _clean(page)

    visitor_text = _unsubscribe_as_visitor(
        browser, width, live_server.url + unsubscribe, "Abo abbestellen", "Das Abo ist abbestellt"
    )
    assert "Suche „Bürgerbüro“" in visitor_text


@pytest.mark.parametrize("width", [1280, 320])
def test_match_mail_setting_and_its_unsubscribe_page(
    live_server, accounts, signed_in, browser, width
):
    def off_path() -> str:
        import sqlalchemy as sa

        from catalogue.db import db
        from catalogue.models import User
        from catalogue.services.accounts import match_alerts_off_path

        user = db.session.scalar(sa.select(User).where(User.email == accounts["member"].email))
        return match_alerts_off_path(user.id)

    page = signed_in("member", width=width)
    page.goto(live_server.url + "/konto")
    setting = page.get_by_label("E-Mail, wenn eine neue Lösung gut zu einem offenen Bedarf")
    assert setting.is_checked()  # on by default
    _clean(page)
    url = live_server.url + live_server.call(off_path)
    _unsubscribe_as_visitor(browser, width, url, "Diese E-Mails abbestellen", "Abbestellt.")
    page.reload()
    assert not setting.is_checked()
    setting.check()  # and back on, from the account page
    page.get_by_role("button", name="Angaben speichern").click()
    page.get_by_text("Ihre Angaben sind gespeichert").wait_for()
    assert setting.is_checked()


@pytest.mark.skipif(
    not os.environ.get("CATALOGUE_SCREENSHOT_DIR"),
    reason="screenshots only on request (set CATALOGUE_SCREENSHOT_DIR)",
)
@pytest.mark.parametrize("width", [1280, 320])
def test_search_screenshots(live_server, browser, width):
    target = Path(os.environ["CATALOGUE_SCREENSHOT_DIR"])
    target.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE")
    try:
        page = ctx.new_page()
        for name, path in SEARCHES.items():
            page.goto(live_server.url + path)
            suffix = "" if name == "results" else f"-{name}"
            shot = target / f"search{suffix}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 0
            # What a phone shows first (one screen), easier to look at than the full page.
            page.screenshot(path=str(target / f"search{suffix}-{width}-first-screen.png"))
    finally:
        ctx.close()


@pytest.mark.skipif(
    not os.environ.get("CATALOGUE_SCREENSHOT_DIR"),
    reason="screenshots only on request (set CATALOGUE_SCREENSHOT_DIR)",
)
@pytest.mark.parametrize("width", [1280, 320])
def test_alerts_screenshots(live_server, accounts, signed_in, width):
    target = Path(os.environ["CATALOGUE_SCREENSHOT_DIR"])
    target.mkdir(parents=True, exist_ok=True)
    page = signed_in("member", width=width, bypass_csp=False)
    page.goto(live_server.url + "/suche/abonnieren?q=Kita&kreis=05774")
    page.get_by_role("button", name="Suche abonnieren").click()
    page.wait_for_url(re.compile(r"/konto/abos$"))
    shot = target / f"alerts-manage-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
