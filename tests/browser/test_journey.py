"""The contribution journey end to end in Chromium: a contributor writes a solution with an
attachment and submits it, a curator asks for changes, the contributor revises and resubmits,
the curator approves; later a revision goes through review while the published version stays
visible. Every step runs in the browser, each person in their own browser context, under the
app's real Content-Security-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

# A minimal but well-formed one-page PDF (header, catalog, pages, page, xref, trailer).
TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)

TITLE = "Digitale Sperrmüllanmeldung mit Terminwahl"
NEW_TITLE = "Sperrmüll online anmelden – mit freier Terminwahl"
COMMENT = "Bitte ergänzen Sie, wie die Abfuhrtermine mit dem Entsorger abgestimmt werden."


def _flash(page, text: str) -> None:
    page.locator("[role=status]", has_text=text).first.wait_for()


def _open_review(page, live_server, title: str) -> None:
    """Curator: from the queue to the review page of the entry called ``title``."""
    page.goto(live_server.url + "/pruefung/")
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(r"/pruefung/loesungen/\d+$"))
    assert page.locator("h1").inner_text() == title


def test_contribution_review_publication_and_revision(live_server, browser, signed_in, tmp_path):
    pdf = tmp_path / "sperrmuell-konzept.pdf"
    pdf.write_bytes(TINY_PDF)
    author = signed_in("contributor", bypass_csp=False)
    curator = signed_in("curator", bypass_csp=False)
    visitor_ctx = browser.new_context(locale="de-DE", accept_downloads=True)
    visitor_ctx.set_default_timeout(10_000)
    visitor = visitor_ctx.new_page()
    try:
        # 1. The contributor writes a new solution (all required fields and a PDF attachment).
        author.goto(live_server.url + "/mitwirken/")
        author.get_by_role("link", name="Neue Lösung beschreiben").click()
        author.wait_for_url("**/mitwirken/loesungen/neu")
        author.get_by_label("Titel", exact=True).fill(TITLE)
        author.locator("#summary").fill(
            "Bürgerinnen und Bürger melden Sperrmüll online an und wählen selbst den Termin."
        )
        author.locator("#description").fill(
            "Ein Online-Formular ersetzt die telefonische Anmeldung.\n\n- Terminwahl\n- Bestätigung per E-Mail"
        )
        author.locator("#category").select_option(index=1)
        author.locator("#kind").select_option("service")
        author.locator("#project_status").select_option("in_operation")
        author.locator("#readiness").select_option(index=1)
        author.locator("#attachment").set_input_files(str(pdf))
        # ... saves the draft: the status page shows it with its attachment.
        author.get_by_role("button", name="Entwurf speichern").click()
        author.wait_for_url(re.compile(r"/mitwirken/loesungen/\d+$"))
        status_url = author.url
        _flash(author, "Der Entwurf ist gespeichert")
        assert author.locator("h1").inner_text() == TITLE
        assert "Entwurf" in author.locator("main").inner_text()
        assert author.get_by_role("link", name="sperrmuell-konzept.pdf").count() == 1

        # 2. ... and submits it for review.
        author.get_by_role("button", name="Zur Prüfung einreichen").click()
        _flash(author, "Neuer Zustand: In Prüfung")

        # 3. The curator opens the queue and asks for changes, with a comment.
        _open_review(curator, live_server, TITLE)
        assert curator.get_by_role("link", name="sperrmuell-konzept.pdf").count() == 1
        curator.get_by_label("Kommentar für die Autorin oder den Autor").fill(COMMENT)
        curator.get_by_role("button", name="Überarbeitung erbitten").click()
        curator.wait_for_url(re.compile(r"/pruefung/$"))
        _flash(curator, "Entscheidung gespeichert: Überarbeitung erbeten")
        assert curator.get_by_role("link", name=TITLE, exact=True).count() == 0

        # 4. The contributor sees the comment: Meine Beiträge, notifications, status page.
        author.goto(live_server.url + "/mitwirken/")
        row = author.locator("tr", has=author.get_by_role("link", name=TITLE, exact=True))
        assert "Überarbeitung erbeten" in row.inner_text()
        assert COMMENT in row.inner_text()
        author.get_by_role("link", name=re.compile(r"^Benachrichtigungen")).click()
        note = author.locator(".app-result", has_text=COMMENT)
        assert note.count() == 1 and "neu" in note.inner_text()
        note.get_by_role("link").click()
        author.wait_for_url(status_url)
        assert author.locator(".app-events__comment", has_text=COMMENT).count() == 1

        # 5. ... edits the solution and resubmits it.
        author.get_by_role("link", name="Bearbeiten").click()
        author.locator("#description").fill(
            "Ein Online-Formular ersetzt die telefonische Anmeldung. Die freien Termine "
            "kommen jede Nacht aus dem Tourenplan des Entsorgers."
        )
        author.get_by_role("button", name="Entwurf speichern").click()
        author.wait_for_url(status_url)
        _flash(author, "Ihre Änderungen sind gespeichert")
        author.get_by_role("button", name="Zur Prüfung einreichen").click()
        _flash(author, "Neuer Zustand: In Prüfung")

        # 6. The curator approves.
        _open_review(curator, live_server, TITLE)
        assert "Tourenplan des Entsorgers" in curator.locator("main").inner_text()
        curator.get_by_role("button", name="Freigeben").click()
        _flash(curator, "Entscheidung gespeichert: Veröffentlicht")

        # 7. The solution is public: in the list, on its page, with a downloadable attachment.
        visitor.goto(live_server.url + "/loesungen")
        visitor.get_by_role("link", name=TITLE, exact=True).click()
        visitor.wait_for_url(re.compile(r"/loesungen/[\w-]+$"))
        public_url = visitor.url
        assert visitor.locator("h1").inner_text() == TITLE
        with visitor.expect_download() as download_info:
            visitor.get_by_role("link", name="sperrmuell-konzept.pdf").click()
        download = download_info.value
        assert download.suggested_filename == "sperrmuell-konzept.pdf"
        assert Path(download.path()).read_bytes() == TINY_PDF

        # 8. The contributor proposes a revision from the public page and changes the title.
        author.goto(public_url)
        author.get_by_role("button", name="Überarbeitung vorschlagen").click()
        author.wait_for_url(re.compile(r"/mitwirken/loesungen/\d+/bearbeiten$"))
        assert author.locator("#title").input_value() == TITLE
        author.locator("#title").fill(NEW_TITLE)
        author.get_by_role("button", name="Entwurf speichern").click()
        author.wait_for_url(re.compile(r"/mitwirken/loesungen/\d+$"))
        assert author.url != status_url, "a revision is a separate entry"
        assert "Überarbeitung einer veröffentlichten Lösung" in author.locator("main").inner_text()
        author.get_by_role("button", name="Zur Prüfung einreichen").click()
        _flash(author, "Neuer Zustand: In Prüfung")

        # 9. While the revision is under review, the old title stays public.
        visitor.goto(public_url)
        assert visitor.locator("h1").inner_text() == TITLE
        visitor.goto(live_server.url + "/loesungen")
        assert visitor.get_by_role("link", name=TITLE, exact=True).count() == 1
        assert visitor.get_by_role("link", name=NEW_TITLE, exact=True).count() == 0

        # 10. The curator sees the field diff on the review page and approves.
        _open_review(curator, live_server, NEW_TITLE)
        assert "Überarbeitung" in curator.locator(".kern-preline").inner_text()
        title_change = curator.locator(
            ".app-diff__item", has=curator.locator("dt", has_text="Titel")
        )
        assert title_change.count() == 1
        assert "Sperrmüllanmeldung" in title_change.locator("del").all_inner_texts()[0]
        assert any("online anmelden" in t for t in title_change.locator("ins").all_inner_texts())
        curator.get_by_role("button", name="Freigeben").click()
        # The flash names the revision's own new state ("Archiviert": it was merged into the
        # published entry), so only its start is checked here.
        _flash(curator, "Entscheidung gespeichert")

        # 11. The new title is public, at the same address, and the old one is gone.
        visitor.goto(public_url)
        assert visitor.locator("h1").inner_text() == NEW_TITLE
        assert visitor.get_by_role("link", name="sperrmuell-konzept.pdf").count() == 1
        visitor.goto(live_server.url + "/loesungen")
        assert visitor.get_by_role("link", name=NEW_TITLE, exact=True).count() == 1
        assert visitor.get_by_role("link", name=TITLE, exact=True).count() == 0
    finally:
        visitor_ctx.close()
