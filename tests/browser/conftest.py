"""Browser test harness: one seeded app served by a live Werkzeug server for the whole session,
and one headless Chromium (Debian's, driven through Playwright's sync API).

The live app always uses its own SQLite file, even when ``CATALOGUE_TEST_DATABASE_URL`` points
at PostgreSQL: the per-test fixtures reset that schema, which must not pull the data away from
under a server that lives for the whole session.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

import tests.conftest as base

CHROMIUM = os.environ.get("CATALOGUE_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_PATH = "/__browser-tests__/axe.min.js"  # answered by the test server, not by the app
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "browser-test-passwort-42"

T = TypeVar("T")


def _unavailable(reason: str) -> None:
    """CI must never silently skip the browser suite; locally a missing browser only skips."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class LiveServer:
    app: Flask
    url: str
    solution_slug: str  # a demo solution (first card on /loesungen)
    source_slug: str  # a real model-region solution with source links

    def query(self, statement) -> object:
        """Run a read-only query against the live app's database.

        It runs in a worker thread: Playwright's sync API keeps an asyncio loop running in the
        main thread, and Flask-SQLAlchemy-Lite's async teardown refuses to run next to it.
        """
        from catalogue.extensions import db

        def run() -> object:
            with self.app.app_context():
                try:
                    return db.session.scalar(statement)
                finally:
                    db.session.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(run).result(timeout=30)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` inside the live app's context in a worker thread (see ``query``); use it
        to create data through services while the browser is running."""
        from catalogue.extensions import db

        def run() -> T:
            with self.app.app_context():
                try:
                    return fn()
                finally:
                    db.session.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(run).result(timeout=60)


def _serve_axe(start_response):
    """axe-core for the tests, served beside the app (never by it) with a long cache lifetime:
    Chromium then keeps the compiled script, and injecting it costs milliseconds instead of
    parsing 500 kB on every page."""
    body = AXE_JS.read_bytes()
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/javascript; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "public, max-age=3600, immutable"),
        ],
    )
    return [body]


def _pooled(wsgi_app, pool: ThreadPoolExecutor):
    """Run every request in a fixed pool of worker threads and return the body fully read.

    - Like gunicorn's gthread workers, the app sees long-lived threads. Werkzeug's threaded
      server starts a thread per connection, and reused thread idents make the search index's
      per-thread searchers leak (see search_index/index.py, CatalogueIndex._register).
    - Werkzeug's development server skips ``close()`` on the response when the browser drops
      the connection mid-transfer (navigating away while fonts load), which leaks the open
      static file. Reading and closing the response here avoids that; responses are small.
    """

    def run(environ, start_response):
        iterable = wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    def app(environ, start_response):
        if environ.get("PATH_INFO") == AXE_PATH:
            return _serve_axe(start_response)
        return pool.submit(run, environ, start_response).result()

    return app


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("browser-app")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(base, "PG_URL", None)  # never reset the shared PostgreSQL schema from here
        app = base.make_app(tmp, DATABASE_URL=f"sqlite:///{tmp / 'browser.sqlite3'}")
    from catalogue.extensions import db
    from catalogue.models import Solution
    from catalogue.services import search, seed

    with app.app_context():
        seed.load_municipalities()
        seed.load_modellregion()
        seed.load_demo()
        search.rebuild()
        source_slug = db.session.scalar(
            sa.select(Solution.slug)
            .where(Solution.is_demo.is_(False), Solution.links.any())
            .order_by(Solution.id)
            .limit(1)
        )
        solution_slug = db.session.scalar(
            sa.select(Solution.slug)
            .where(Solution.is_demo.is_(True))
            .order_by(Solution.id)
            .limit(1)
        )
        db.session.close()
    assert source_slug and solution_slug

    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="live-app")
    server = make_server("127.0.0.1", 0, _pooled(app, pool), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", solution_slug, source_slug)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

        # in a worker thread, away from Playwright's event loop
        pool.submit(base.release_app, app).result(timeout=30)
        pool.shutdown(wait=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM}")
    if not AXE_JS.exists():
        _unavailable(f"axe-core not found at {AXE_JS} (run npm ci)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        _unavailable("Playwright is not installed (pip install -e .[dev])")
    pw = sync_playwright().start()
    try:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        except Exception as error:  # noqa: BLE001 - report any launch failure the same way
            _unavailable(f"Chromium does not start: {error}")
        yield browser
        browser.close()
    finally:
        pw.stop()


def _new_page(browser, *, width: int, bypass_csp: bool) -> Iterator[object]:
    ctx = browser.new_context(
        viewport={"width": width, "height": 900}, locale="de-DE", bypass_csp=bypass_csp
    )
    ctx.set_default_timeout(10_000)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A page under the app's real Content-Security-Policy (1280 px wide)."""
    yield from _new_page(browser, width=1280, bypass_csp=False)


@pytest.fixture
def axe_page(browser) -> Iterator[object]:
    """A page for axe-core checks (1280 px). axe is injected as an inline script, which the app's
    CSP rightly forbids, so this context bypasses CSP; CSP itself is tested with ``page``."""
    yield from _new_page(browser, width=1280, bypass_csp=True)


@pytest.fixture
def narrow_axe_page(browser) -> Iterator[object]:
    """Like ``axe_page`` at 320 CSS px, the WCAG 1.4.10 reflow width."""
    yield from _new_page(browser, width=320, bypass_csp=True)


def public_paths(live: LiveServer) -> list[str]:
    """Every public page the suite checks (GET-reachable; the 404 page included)."""
    return [
        "/",
        "/loesungen",
        "/loesungen?kategorie=buergerservice&kreis=05774000",
        f"/loesungen/{live.solution_slug}",
        f"/loesungen/{live.source_slug}",
        "/kommunen",
        "/kommunen/05774032",
        "/kommunen/05774000",
        "/impressum",
        "/datenschutz",
        "/barrierefreiheit",
        "/leichte-sprache",
        "/schnittstellen",
        "/suche?q=Terminvergabe",
        "/suche?q=xyzxyz",
        "/gibt-es-nicht",
    ]


def axe_violations(page) -> list[dict]:
    """Run axe-core (injected from node_modules, never served by the app) on the page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        page.add_script_tag(url=origin + AXE_PATH)
    return page.evaluate(
        """tags => axe
            .run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
            .then(r => r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            })))""",
        WCAG_TAGS,
    )


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"][:5]:
            summary = " / ".join(s.strip() for s in (n["summary"] or "").splitlines() if s.strip())
            lines.append(f"    {json.dumps(n['target'])}: {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


# Accounts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    role: str
    email: str
    name: str
    password: str = PASSWORD


ACCOUNTS = {
    # role: (e-mail, name, municipality); contributor and member work for Paderborn
    "admin": ("admin@browser.example", "Browser Administration", None),
    "curator": ("kuratierung@browser.example", "Browser Kuratierung", None),
    "contributor": ("beitrag@browser.example", "Browser Beitragende", "05774032"),
    "member": ("mitglied@browser.example", "Browser Mitglied", "05774032"),
}


@pytest.fixture(scope="session")
def accounts(live_server: LiveServer) -> dict[str, Account]:
    """One account per role in the live app, created the way production creates them: the
    first admin from the command line, everyone else by invitation and accepting it."""
    from catalogue.services import accounts as service

    def create() -> None:
        email, name, _ = ACCOUNTS["admin"]
        admin = service.create_admin(email=email, name=name, password=PASSWORD)
        for role in ("curator", "contributor", "member"):
            email, name, ags = ACCOUNTS[role]
            _, token = service.invite_user(
                actor=admin, email=email, name=name, role=role, municipality_ags=ags
            )
            service.accept_invitation(token, PASSWORD)

    live_server.call(create)
    return {role: Account(role, email, name) for role, (email, name, _) in ACCOUNTS.items()}


def sign_in(page, live: LiveServer, account: Account) -> None:
    """Sign in through the form, as a person would."""
    page.goto(live.url + "/anmelden")
    page.locator("#email").fill(account.email)
    page.locator("#password").fill(account.password)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.get_by_text(f"Willkommen, {account.name}!").wait_for()


@pytest.fixture
def signed_in(browser, live_server: LiveServer, accounts: dict[str, Account]):
    """Factory: a page in a fresh browser context, signed in as ``role``. Contexts bypass CSP
    (so axe can be injected) unless ``bypass_csp=False``; all are closed after the test."""
    contexts = []

    def open_page(role: str, *, width: int = 1280, bypass_csp: bool = True):
        ctx = browser.new_context(
            viewport={"width": width, "height": 900}, locale="de-DE", bypass_csp=bypass_csp
        )
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        sign_in(page, live_server, accounts[role])
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()
