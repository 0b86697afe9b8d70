"""axe-core and 320 px reflow on the exchange pages: publiccode.yml import (empty, error,
report) and the spreadsheet import (form, dry-run report with problems)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, format_violations

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parent.parent / "data" / "publiccode"


def _clean(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


def _reflows(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 321, page.url


def test_publiccode_import_states_are_clean(live_server, signed_in):
    page = signed_in("contributor")
    page.goto(live_server.url + "/mitwirken/import/publiccode")
    _clean(page)
    page.locator("#text").fill((DATA / "de-aitema-terminvergabe-0.4-invalid.yml").read_text())
    page.get_by_role("button", name="Prüfen und Entwurf anlegen").click()
    page.get_by_text("Die Datei kann nicht übernommen werden").wait_for()
    _clean(page)
    page.locator("#text").fill((DATA / "nl-amsterdam-signalen-0.2.yml").read_text())
    page.get_by_role("button", name="Prüfen und Entwurf anlegen").click()
    page.get_by_text("Entwurf angelegt").first.wait_for()
    _clean(page)


def test_table_import_form_and_error_report_are_clean(live_server, signed_in, tmp_path):
    page = signed_in("curator")
    page.goto(live_server.url + "/mitwirken/import/tabelle")
    _clean(page)
    broken = tmp_path / "liste.csv"
    broken.write_text("ID;Titel\nA;\n", encoding="utf-8")
    page.locator("#file").set_input_files(str(broken))
    page.get_by_role("button", name="Probelauf").click()
    page.get_by_text("es wurde nichts importiert").wait_for()
    _clean(page)
    narrow = signed_in("contributor", width=320)
    for path in ("/mitwirken/import/tabelle", "/mitwirken/import/publiccode"):
        narrow.goto(live_server.url + path)
        _reflows(narrow)
        _clean(narrow)
