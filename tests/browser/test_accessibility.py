"""axe-core (WCAG 2.0/2.1 A and AA) on every public page, at 1280 px and at 320 px, plus
320 px reflow without horizontal scrolling (WCAG 1.4.10)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations, format_violations, public_paths

pytestmark = pytest.mark.browser

PAGES = {
    "start": "/",
    "solutions": "/loesungen",
    "municipalities": "/kommunen",
    "paderborn": "/kommunen/05774032",
    "kreis-paderborn": "/kommunen/05774000",
    "impressum": "/impressum",
    "datenschutz": "/datenschutz",
    "barrierefreiheit": "/barrierefreiheit",
    "leichte-sprache": "/leichte-sprache",
    "schnittstellen": "/schnittstellen",
    "search": "/suche?q=Terminvergabe",
    "search-empty": "/suche?q=xyzxyz",
    "not-found": "/gibt-es-nicht",
}


def _path(live_server, template: str) -> str:
    return template.format(
        source=f"/loesungen/{live_server.source_slug}",
        solution=f"/loesungen/{live_server.solution_slug}",
    )


def assert_axe_clean(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_axe_violations(live_server, axe_page, path):
    response = axe_page.goto(live_server.url + _path(live_server, path))
    expected = 404 if path == "/gibt-es-nicht" else 200
    assert response.status == expected
    assert_axe_clean(axe_page)


def test_filter_form_is_filled_and_clean(live_server, axe_page):
    axe_page.goto(live_server.url + "/loesungen?kategorie=buergerservice&kreis=05774000")
    assert axe_page.locator("#kategorie").input_value() == "buergerservice"
    assert axe_page.locator("#kreis").input_value() == "05774000"
    assert_axe_clean(axe_page)


def test_solution_reached_from_first_card_is_clean(live_server, axe_page):
    axe_page.goto(live_server.url + "/loesungen")
    axe_page.locator(".app-solution-card a").first.click()
    axe_page.wait_for_url(re.compile(r"/loesungen/[\w-]+$"))
    assert axe_page.locator("h1").count() == 1
    assert_axe_clean(axe_page)


def test_model_region_solution_with_sources_is_clean(live_server, axe_page):
    axe_page.goto(live_server.url + _path(live_server, "{source}"))
    assert axe_page.locator("#links-title").inner_text() == "Quellen und Links"
    assert axe_page.locator("section[aria-labelledby=links-title] a").count() > 0
    assert_axe_clean(axe_page)


def test_axe_harness_reports_violations(live_server, axe_page):
    """Guard against a silently broken harness: a planted defect must be reported."""
    axe_page.goto(live_server.url + "/impressum")
    axe_page.evaluate(
        """() => { const img = document.createElement('img');
                   img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
                   document.querySelector('main').append(img); }"""
    )
    assert "image-alt" in {v["id"] for v in axe_violations(axe_page)}


def test_barrier_form_error_state_is_clean(live_server, axe_page):
    axe_page.goto(live_server.url + "/barrierefreiheit")
    axe_page.get_by_role("button", name="Meldung absenden").click()
    summary = axe_page.locator(".app-error-summary")
    summary.wait_for()
    assert "Bitte korrigieren Sie" in summary.inner_text()
    assert axe_page.locator("#description").get_attribute("aria-invalid") == "true"
    assert_axe_clean(axe_page)


@pytest.mark.parametrize("path", ["/", "{source}"], ids=["start", "solution"])
def test_narrow_viewport_has_no_axe_violations(live_server, narrow_axe_page, path):
    narrow_axe_page.goto(live_server.url + _path(live_server, path))
    assert_axe_clean(narrow_axe_page)


def test_kreis_figures_fit_a_phone_and_stay_a_table_when_wide(
    live_server, narrow_axe_page, axe_page
):
    """A Kreis page lists its municipalities with three figures; at 320 px "Sucht" started
    off-screen in a table that scrolled sideways. Each row is now a block – name, then the
    named figures – and at 1280 px it is the table with its header row again."""
    url = live_server.url + "/kommunen/05774000"
    narrow_axe_page.goto(url)
    table = narrow_axe_page.locator("section[aria-labelledby=members-title] table")
    region = table.locator("xpath=..")
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth + 1"), "the table scrolls"
    width = narrow_axe_page.evaluate("document.documentElement.clientWidth")
    needs = table.locator('td[data-label="Sucht"]')
    rights = needs.evaluate_all("tds => tds.map(td => td.getBoundingClientRect().right)")
    assert len(rights) >= 10 and max(rights) <= width, (rights, width)
    assert needs.first.evaluate("td => getComputedStyle(td, '::before').content").startswith(
        '"Sucht'
    )
    assert table.locator("thead").evaluate("h => getComputedStyle(h).position") == "absolute"
    assert_axe_clean(narrow_axe_page)
    axe_page.goto(url)
    assert axe_page.locator("section[aria-labelledby=members-title] thead").is_visible()


def test_every_public_page_reflows_at_320px(live_server, narrow_axe_page):
    overflowing = []
    for path in public_paths(live_server):
        narrow_axe_page.goto(live_server.url + path)
        width = narrow_axe_page.evaluate("document.scrollingElement.scrollWidth")
        if width > 321:
            culprits = narrow_axe_page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 321)
                    .slice(0, 5)
                    .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))"""
            )
            overflowing.append(f"{path}: scrollWidth {width}px, e.g. {culprits}")
    assert not overflowing, "horizontal scrolling at 320 px:\n" + "\n".join(overflowing)
