"""axe-core (WCAG 2.0/2.1 A and AA) on the signed-in pages and every form, each form in its
normal state and in its error state (submitted empty), plus 320 px reflow of the two longest
forms. The error state also checks the error pattern itself: title prefix, an error summary
whose links lead to existing fields, and ``aria-invalid`` fields whose ``aria-describedby``
points at elements that exist.

Signed-in pages are shared per role and width within this module (signing in costs an argon2
check); all data the pages need is created once through the services."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.browser.conftest import (
    LiveServer,
    axe_violations,
    format_violations,
    sign_in,
)
from tests.browser.test_journey import TINY_PDF

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Content:
    submitted_id: int  # a new solution waiting for review, with an attachment
    revision_id: int  # a submitted revision of a published solution (the review page diff)
    changes_requested_id: int  # sent back with a comment (Meine Beiträge, notifications)
    report_solution_id: int  # a published solution to write an experience report about
    need_id: int  # a public need of the member's municipality


def _solution_input(title: str):
    from catalogue.services.contributions import SolutionInput

    return SolutionInput(
        title=title,
        summary=f"{title}: eine kurze Zusammenfassung für die Prüfung.",
        description="Wie es funktioniert:\n\n- Schritt eins\n- Schritt zwei",
        category="buergerservice",
        kind="software",
        project_status="in_operation",
        readiness="documented",
    )


@pytest.fixture(scope="module")
def content(live_server: LiveServer, accounts) -> Content:
    from catalogue.models import ContentState, Solution, User
    from catalogue.services import brokering, contributions, needs
    from catalogue.services import workflow as wf

    def create() -> Content:
        from catalogue.extensions import db

        def user(role: str) -> User:
            return db.session.scalar(sa.select(User).where(User.email == accounts[role].email))

        author, curator, member = user("contributor"), user("curator"), user("member")

        def submitted(title: str, attachment: str | None = None) -> int:
            solution = contributions.create_solution(actor=author, data=_solution_input(title))
            if attachment:
                contributions.add_attachment(
                    actor=author,
                    solution_id=solution.id,
                    filename=attachment,
                    stream=io.BytesIO(TINY_PDF),
                )
            wf.apply_action(
                actor=author, entity_type="solution", entry_id=solution.id, action="submit"
            )
            return solution.id

        submitted_id = submitted("Mängelmelder für Straßenschäden", attachment="handbuch.pdf")
        changes_id = submitted("Digitale Ratsarbeit ohne Papier")
        wf.apply_action(
            actor=curator,
            entity_type="solution",
            entry_id=changes_id,
            action="request_changes",
            comment="Bitte nennen Sie die Kosten pro Jahr.",
        )
        published_id = submitted("Online-Antrag für Anwohnerparkausweise")
        wf.apply_action(
            actor=curator, entity_type="solution", entry_id=published_id, action="approve"
        )
        revision = contributions.start_revision(actor=author, solution_id=published_id)
        data = _solution_input("Anwohnerparken digital beantragen")
        contributions.update_solution(actor=author, solution_id=revision.id, data=data)
        wf.apply_action(actor=author, entity_type="solution", entry_id=revision.id, action="submit")
        need = needs.create_need(
            actor=member,
            title="Terminvergabe im Bürgerbüro",
            text="Im Bürgerbüro warten die Leute montags lange; wir suchen eine Online-Terminvergabe.",
        )
        report_solution_id = db.session.scalar(
            sa.select(Solution.id).where(Solution.slug == live_server.solution_slug)
        )
        # a solution of another municipality: nobody asks for contact to their own
        contact_solution_id = db.session.scalar(
            sa.select(Solution.id)
            .where(
                Solution.state == ContentState.PUBLISHED,
                Solution.revision_of_id.is_(None),
                Solution.lead_municipality_ags != member.municipality_ags,
            )
            .order_by(Solution.id)
            .limit(1)
        )
        brokering.request_contact(
            actor=member,
            solution_id=contact_solution_id,
            need_id=need.id,
            message="Wir möchten wissen, wie die Einführung bei Ihnen gelaufen ist.",
        )
        return Content(submitted_id, revision.id, changes_id, report_solution_id, need.id)

    return live_server.call(create)


@pytest.fixture(scope="module")
def pages(browser, live_server: LiveServer, accounts) -> Iterator[Callable[..., object]]:
    """``pages(role, width=1280)``: one signed-in page per role for the whole module, resized
    to ``width`` (``visitor`` is not signed in). CSP is bypassed so that axe can be injected."""
    cache: dict[str, object] = {}
    contexts = []

    def get(role: str, width: int = 1280):
        if role not in cache:
            ctx = browser.new_context(
                viewport={"width": width, "height": 900}, locale="de-DE", bypass_csp=True
            )
            ctx.set_default_timeout(10_000)
            contexts.append(ctx)
            page = ctx.new_page()
            if role != "visitor":
                sign_in(page, live_server, accounts[role])
            cache[role] = page
        page = cache[role]
        if page.viewport_size["width"] != width:
            page.set_viewport_size({"width": width, "height": 900})
        return page

    yield get
    for ctx in contexts:
        ctx.close()


def _url(live_server: LiveServer, content: Content, path: str) -> str:
    return live_server.url + path.format(**vars(content))


def assert_axe_clean(page, state: str) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(f"{page.url} ({state})", violations)


def assert_error_pattern(page) -> None:
    """The page shows a form's error state the way every form must (see _macros.html): a summary
    that has the focus (keyboard and screen-reader users start there) and links to each field."""
    page.locator(".app-error-summary").first.wait_for()
    assert page.title().startswith("Fehler:"), page.title()
    # the browser moves the focus there once the page is rendered (autofocus)
    page.wait_for_function(
        "document.activeElement && document.activeElement.classList.contains('app-error-summary')",
        timeout=5000,
    )
    problems = page.evaluate(
        """() => {
            const problems = [];
            const exists = id => document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length === 1;
            const links = [...document.querySelectorAll('.app-error-summary a')];
            if (!links.length) problems.push('the error summary lists no field');
            for (const a of links) {
                const target = a.hash.slice(1);
                if (!exists(target)) problems.push(`summary links to missing #${target}`);
            }
            const invalid = [...document.querySelectorAll('[aria-invalid=true]')];
            if (!invalid.length) problems.push('no field is marked aria-invalid');
            for (const field of invalid) {
                const refs = (field.getAttribute('aria-describedby') || '').split(/\\s+/)
                    .filter(Boolean);
                if (!refs.length) problems.push(`#${field.id} is invalid without aria-describedby`);
                for (const ref of refs) {
                    if (!exists(ref)) problems.push(`#${field.id}: aria-describedby → missing #${ref}`);
                }
            }
            return problems;
        }"""
    )
    assert not problems, f"{page.url}: " + "; ".join(problems)


def assert_no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    culprits = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 321)
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                      + '.' + [...e.classList].join('.'))"""
    )
    assert width <= 321, f"{page.url}: scrollWidth {width}px at 320 px, e.g. {culprits}"


def _submit(label: str, *, clear: tuple[str, ...] = ()) -> Callable[[object], None]:
    def run(page) -> None:
        for selector in clear:
            page.locator(selector).fill("")
        page.get_by_role("button", name=label, exact=True).click()

    return run


def _request_changes_without_comment(page) -> None:
    """The comment is optional for WTForms but required by the service for this decision:
    the service's error must come back on the field, and nothing may be decided."""
    page.get_by_role("button", name="Überarbeitung erbitten", exact=True).click()
    page.locator("#comment-error").wait_for()
    assert "Bitte begründen Sie die Entscheidung" in page.locator("#comment-error").inner_text()
    described = page.locator("#comment").get_attribute("aria-describedby")
    assert described == "comment-hint comment-error comment-count"
    assert "In Prüfung" in page.locator(".kern-preline").inner_text()


# id: (role, path, how to reach the error state)
FORMS = {
    "login": ("visitor", "/anmelden", _submit("Anmelden")),
    "password-forgotten": ("visitor", "/konto/passwort-vergessen", _submit("Link anfordern")),
    "profile": ("member", "/konto", _submit("Angaben speichern", clear=("#profil-name",))),
    "profile-password": ("member", "/konto", _submit("Passwort ändern")),
    "new-solution": ("contributor", "/mitwirken/loesungen/neu", _submit("Entwurf speichern")),
    "new-report": (
        "contributor",
        "/mitwirken/loesungen/{report_solution_id}/bericht/neu",
        _submit("Entwurf speichern"),
    ),
    "new-need": ("member", "/bedarfe/neu", _submit("Bedarf speichern")),
    "describe-need": ("visitor", "/bedarfe/beschreiben", _submit("Passende Lösungen finden")),
    "review": ("curator", "/pruefung/loesungen/{submitted_id}", _request_changes_without_comment),
    "review-revision": ("curator", "/pruefung/loesungen/{revision_id}", _submit("Ablehnen")),
    "admin-invite": ("admin", "/verwaltung/konten/einladen", _submit("Einladung verschicken")),
}


@pytest.mark.parametrize("name", FORMS.keys())
def test_form_is_axe_clean_normal_and_with_errors(live_server, content, pages, name):
    role, path, make_errors = FORMS[name]
    page = pages(role)
    response = page.goto(_url(live_server, content, path))
    assert response.status == 200
    assert page.locator(".app-error-summary").count() == 0
    assert_axe_clean(page, "normal")
    make_errors(page)
    assert_error_pattern(page)
    assert_axe_clean(page, "error")


# id: (role, path, a locator that proves the page shows what it should)
PAGES = {
    "describe-need-results": (
        "visitor",
        "/bedarfe/beschreiben?text=Termine+im+B%C3%BCrgerb%C3%BCro+online+vergeben",
        ".app-match",
    ),
    "describe-need-no-results": (
        "visitor",
        "/bedarfe/beschreiben?text=Quantenverschr%C3%A4nkte+Zebrastreifen",
        "text=Zu dieser Beschreibung passt noch keine Lösung im Katalog.",
    ),
    "need-detail": ("member", "/bedarfe/{need_id}", "text=Status ändern"),
    "need-detail-curator": ("curator", "/bedarfe/{need_id}", "h1"),
    "brokering": ("curator", "/vermittlung", "td >> text=Terminvergabe im Bürgerbüro"),
    "review-queue": ("curator", "/pruefung/", "text=Anwohnerparken digital beantragen"),
    "my-contributions": (
        "contributor",
        "/mitwirken/",
        "text=Bitte nennen Sie die Kosten pro Jahr.",
    ),
    "solution-status": (
        "contributor",
        "/mitwirken/loesungen/{changes_requested_id}",
        ".app-events__comment",
    ),
    "notifications": ("contributor", "/konto/benachrichtigungen", ".app-result"),
    "admin-users": ("admin", "/verwaltung/konten", "text=Browser Beitragende"),
    "admin-users-filtered": (
        "admin",
        "/verwaltung/konten?rolle=contributor&kommune=05774032",
        "text=Browser Beitragende",
    ),
    # filtered to accounts: other browser modules add newer events to the shared log
    "audit-log": ("admin", "/verwaltung/protokoll?typ=user", "text=Einladung angenommen"),
}


@pytest.mark.parametrize("name", PAGES.keys())
def test_signed_in_page_is_axe_clean(live_server, content, pages, name):
    role, path, proof = PAGES[name]
    page = pages(role)
    response = page.goto(_url(live_server, content, path))
    assert response.status == 200
    assert page.locator(proof).count() >= 1, f"{path}: {proof} not found"
    assert_axe_clean(page, "normal")


@pytest.mark.parametrize(
    "role, path, errors",
    [
        ("contributor", "/mitwirken/loesungen/neu", _submit("Entwurf speichern")),
        ("curator", "/pruefung/loesungen/{revision_id}", _request_changes_without_comment),
    ],
    ids=["new-solution", "review"],
)
def test_long_forms_reflow_at_320px(live_server, content, pages, role, path, errors):
    """No horizontal scrolling at 320 px, before and after an invalid submission (axe runs on
    the error state only: it contains everything the normal state shows)."""
    page = pages(role, width=320)
    page.goto(_url(live_server, content, path))
    assert_no_horizontal_scroll(page)
    errors(page)
    assert_error_pattern(page)
    assert_no_horizontal_scroll(page)
    assert_axe_clean(page, "error, 320 px")


def test_solution_form_controls_show_their_content(live_server, pages):
    """The Markdown description must be taller than the two-sentence summary (KERN fixes inputs
    at 48px); the 76 partner municipalities are checkboxes folded by Kreis, opened and ticked
    with the keyboard alone."""
    page = pages("contributor")
    page.goto(live_server.url + "/mitwirken/loesungen/neu")
    heights = page.evaluate(
        """() => Object.fromEntries(['summary', 'description']
            .map(id => [id, document.getElementById(id).getBoundingClientRect().height]))"""
    )
    assert heights["description"] > 1.5 * heights["summary"], heights
    lippe = page.locator(".app-choice-groups__summary", has_text="Kreis Lippe")
    first = page.locator(".app-choice-groups__group", has=lippe).locator("input").first
    assert not first.is_visible()
    lippe.focus()
    page.keyboard.press("Enter")
    first.focus()
    page.keyboard.press("Space")
    assert first.is_checked()
    # the summary's count and the hint follow the tick (choices.js)
    assert "(1 von 16 ausgewählt)" in lippe.inner_text()
    chosen = page.locator("#partner_ags-hint-chosen").inner_text()
    assert chosen.startswith("Ausgewählt: ") and "Noch keine" not in chosen


def test_pasted_text_is_never_cut_and_the_limit_line_counts_along(live_server, pages):
    """Staff paste from Word or e-mails: the browser must not cut a long paste off without a
    word (no maxlength); the line under the field says how much is too much (count.js)."""
    page = pages("contributor")
    page.goto(live_server.url + "/mitwirken/loesungen/neu")
    assert page.locator("[maxlength]").count() == 0
    limit = page.locator("#summary-count")
    assert limit.inner_text() == "Höchstens 600 Zeichen."
    page.locator("#summary").fill("Kurzbeschreibung " * 40)  # 680 characters, as a paste
    assert len(page.locator("#summary").input_value()) == 680
    page.wait_for_function(
        "() => document.getElementById('summary-count').textContent.includes('zu viel')"
    )
    assert limit.inner_text() == "80 Zeichen zu viel: höchstens 600 Zeichen."
    page.locator("#summary").fill("Kurz")
    page.wait_for_function(
        "() => document.getElementById('summary-count').textContent.startsWith('Noch')"
    )
    assert limit.inner_text() == "Noch 596 von 600 Zeichen frei."


# Tables may scroll sideways inside their wrapper at 320 px (WCAG 1.4.10 allows that for data
# tables), but keyboard users must be able to scroll them: the wrapper takes focus and is named.
TABLE_PAGES = {
    "review-queue": ("curator", "/pruefung/"),
    "my-contributions": ("contributor", "/mitwirken/"),
    "brokering": ("curator", "/vermittlung"),
    "admin-users": ("admin", "/verwaltung/konten"),
    "audit-log": ("admin", "/verwaltung/protokoll"),
}


def test_wide_tables_scroll_in_focusable_regions_at_320px(live_server, content, pages):
    problems = []
    for name, (role, path) in TABLE_PAGES.items():
        page = pages(role, width=320)
        page.goto(_url(live_server, content, path))
        assert page.locator("table").count() >= 1, f"{name}: no table to check"
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 321:
            problems.append(f"{name}: the page scrolls sideways ({width}px)")
        problems += [
            f"{name}: {p}"
            for p in page.evaluate(
                """() => [...document.querySelectorAll('table')].map(t => {
                    const box = t.closest('.kern-table-responsive');
                    if (!box) return 'a table outside .kern-table-responsive';
                    if (box.scrollWidth <= box.clientWidth) return null;
                    if (box.tabIndex < 0) return 'a scrolling table wrapper cannot take focus';
                    const label = box.getAttribute('aria-labelledby');
                    if (box.getAttribute('role') !== 'region' || !label
                        || !document.getElementById(label)) return 'a scrolling table wrapper has no name';
                    return null;
                }).filter(Boolean)"""
            )
        ]
    assert not problems, "\n".join(problems)


def test_tables_whose_every_column_matters_stack_at_320px(live_server, content, pages):
    """ "Meine Beiträge": state and review comment must not wait off-screen on a phone; each
    row becomes a block whose cells name their column; at 1280 px it is a table again."""
    page = pages("contributor", width=320)
    page.goto(_url(live_server, content, "/mitwirken/"))
    table = page.locator(".app-table-stack")
    region = page.locator(".kern-table-responsive", has=table)
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth + 1")
    state = table.locator('td[data-label="Zustand"]').first
    assert state.evaluate("td => getComputedStyle(td, '::before').content").startswith('"Zustand')
    assert table.locator("thead").evaluate("h => getComputedStyle(h).position") == "absolute"
    wide = pages("contributor")
    wide.goto(_url(live_server, content, "/mitwirken/"))
    assert wide.locator(".app-table-stack thead").is_visible()


def test_brokering_requests_stack_at_320px_and_every_region_is_named(live_server, content, pages):
    """ "Vermittlung": at 320 px the requests table scrolled sideways with "Bedarf", "Status"
    and "Letzte Aktivität" off-screen. Each row is now a block whose cells name their column;
    at 1280 px it is the table with its header row. Every focusable scroll region is named."""
    page = pages("curator", width=320)
    page.goto(live_server.url + "/vermittlung")
    table = page.locator("section[aria-labelledby=requests-title] table.app-table-stack")
    region = table.locator("xpath=..")
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth + 1"), "the table scrolls"
    assert_no_horizontal_scroll(page)
    width = page.evaluate("document.documentElement.clientWidth")
    for label in ("Bedarf", "Status", "Letzte Aktivität"):
        cell = table.locator(f'td[data-label="{label}"]').first
        assert cell.evaluate("td => getComputedStyle(td, '::before').content").startswith(
            f'"{label}'
        )
        assert cell.evaluate("td => td.getBoundingClientRect().right") <= width, label
    assert table.locator("thead").evaluate("h => getComputedStyle(h).position") == "absolute"
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('[role=region], [tabindex="0"]')]
            .filter(r => !(r.getAttribute('aria-label') || '').trim()
                && !(r.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
                    .map(id => document.getElementById(id))
                    .some(e => e && e.textContent.trim()))
            .map(r => r.outerHTML.slice(0, 120))"""
    )
    assert not unnamed, unnamed
    assert_axe_clean(page, "320 px")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert table.locator("thead").is_visible()


def _contact_solution_slug(live_server: LiveServer) -> str:
    """A published solution of another municipality than the member's (Paderborn), not the
    one the module's content already asked about."""
    from catalogue.models import ContentState, Solution

    return live_server.query(
        sa.select(Solution.slug)
        .where(
            Solution.state == ContentState.PUBLISHED,
            Solution.revision_of_id.is_(None),
            Solution.lead_municipality_ags != "05774032",
        )
        .order_by(Solution.id.desc())
        .limit(1)
    )


def _focused_summary(page) -> None:
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'fehler'"
        " && document.activeElement.classList.contains('app-error-summary')",
        timeout=5000,
    )


@pytest.mark.parametrize("width", [1280, 320])
def test_the_solution_pages_forms_focus_their_error_summary(live_server, content, pages, width):
    """The contact and reuse forms post to an address with a fragment, and with a fragment the
    browser ignores `autofocus`: the focus stayed on <body> after an error. The fragment is now
    the error summary's id, so the browser focuses the summary itself."""
    page = pages("member", width=width)
    page.goto(f"{live_server.url}/loesungen/{_contact_solution_slug(live_server)}")
    page.get_by_role("button", name="Kontakt vermitteln lassen", exact=True).click()
    page.wait_for_url("**/kontakt#fehler")
    assert_error_pattern(page)
    _focused_summary(page)
    assert "Bitte schreiben Sie kurz" in page.locator("#fehler").inner_text()
    # the reuse form: report one, then end it without a reason
    if page.get_by_role("button", name="Nachnutzung melden").count():  # first run only
        page.locator("#nachnutzung select").select_option("interested")
        page.get_by_role("button", name="Nachnutzung melden").click()
        page.wait_for_url("**#nachnutzung")
    page.locator("#nachnutzung select").first.select_option("ended")
    page.get_by_role("button", name="Stand aktualisieren").click()
    page.wait_for_url("**/nachnutzung/*#fehler")
    assert_error_pattern(page)
    _focused_summary(page)
    assert "Grund für das Ende" in page.locator("#fehler").inner_text()


@pytest.mark.parametrize("width", [1280, 320])
def test_the_contact_form_is_reached_from_the_top_by_keyboard(live_server, content, pages, width):
    """The page's main call to action ended the sidebar, about 2,900 px down at 1280 px and over
    5,000 px on a phone. A button below the title leads there; the "Kontakt" box takes the
    focus with its heading in view, and Tab continues into it."""
    page = pages("member", width=width)
    page.goto(f"{live_server.url}/loesungen/{_contact_solution_slug(live_server)}")
    jump = page.locator(".app-solution__header").get_by_role(
        "link", name="Kontakt vermitteln lassen"
    )
    assert jump.evaluate("a => a.getBoundingClientRect().top + scrollY") < 1200
    jump.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'kontakt'")
    # smooth scrolling (KERN): wait until the heading has arrived
    page.wait_for_function(
        """() => { const r = document.getElementById('contact-title').getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= innerHeight; }"""
    )
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "message":
            break
    assert page.evaluate("document.activeElement.closest('#kontakt-anfragen') !== null")
    assert_axe_clean(page, f"member, {width} px")
