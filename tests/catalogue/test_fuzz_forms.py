"""Form fuzzer: every HTML form a role can reach gets boundary input, field by field, posted as
that role — empty, huge, NUL, other control characters, bidi overrides, wrong types, huge and
negative numbers, impossible dates — plus the form with every field missing and with extra
fields. No response may be a server error, and a form shown again because of an error must
still hold what was typed. Runs on SQLite and, with CATALOGUE_TEST_DATABASE_URL, on PostgreSQL.

Forms are found, not listed: a small crawler follows same-site links from the start page as each
role and collects the POST forms it sees, so a form added later is fuzzed too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from catalogue.models import Role, User
from tests.factories import PADERBORN, make_user, sign_in

# Boundary values: (label, value, whether a re-shown form must contain it verbatim).
BOUNDARY_VALUES: list[tuple[str, str, bool]] = [
    ("empty", "", False),
    ("blank", "   ", False),
    ("huge", "Überlang " * 3000, True),
    ("nul", "Text\x00mit Null-Byte", False),
    ("control", "Text\x1b[31m\x07", False),
    ("bidi", "Rechnung\u202egdp.exe", True),
    ("wrong-type", "abc", True),
    ("huge-number", "9223372036854775808", True),
    ("negative", "-1", True),
    ("decimal", "1.5", True),
    ("bad-date", "2024-13-45", True),
]
# Actions that end the fuzzing session itself: signing out, ending sessions, deleting the account.
SKIPPED_ACTIONS = re.compile(r"^/(abmelden|konto/loeschen|konto/andere-sitzungen-beenden)$")
# Pages not worth crawling: downloads, feeds, static files, the API, one of many similar pages.
SKIPPED_LINKS = re.compile(r"^/(static|api|anhaenge)/|\.atom$|daten-export|/abmelden$")
MAX_PAGES_PER_ROLE = 60


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name -> text|textarea|select|hidden|…


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(action=a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                self._form.kinds.setdefault(a["name"], kind)
                return
            self._form.fields.setdefault(a["name"], []).append(a.get("value", ""))
            self._form.kinds[a["name"]] = kind
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields[a["name"]] = [""]
            self._form.kinds[a["name"]] = "textarea"
        elif tag == "select":
            self._select = a["name"]
            self._form.kinds[a["name"]] = "select"
            self._form.fields.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self._form.fields[self._select].append(a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            # HTML drops one newline right after <textarea> (WTForms writes one).
            value = self._form.fields[self._textarea][0]
            self._form.fields[self._textarea][0] = re.sub(r"^\r?\n", "", value)
            self._textarea = None
        elif tag == "select":
            self._select = None


def _parse(page: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(page)
    return parser


def _shape(path: str) -> str:
    """Pages that differ only in an id or slug count once."""
    path = re.sub(r"/\d+", "/{n}", path)
    return re.sub(r"^/(loesungen|kommunen)/[^/{]+", r"/\1/{slug}", path)


def _crawl(client) -> dict[tuple[str, tuple[str, ...]], Form]:
    forms: dict[tuple[str, tuple[str, ...]], Form] = {}
    queue, seen_shapes, visited = ["/"], set(), 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        shape = _shape(path)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = client.get(path)
        visited += 1
        assert response.status_code < 500, path
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parsed = _parse(response.text)
        for form in parsed.forms:
            action = urlsplit(urljoin(path, form.action or path)).path
            if SKIPPED_ACTIONS.match(action):
                continue
            form.action = action
            forms.setdefault((_shape(action), tuple(sorted(form.fields))), form)
        for href in parsed.links:
            parts = urlsplit(urljoin(path, href))
            if parts.netloc or SKIPPED_LINKS.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if _shape(parts.path) not in seen_shapes:
                queue.append(target)
    return forms


def _signed_in(app, user: User | None):
    client = app.test_client()
    if user is not None:
        sign_in(client, user)
    return client


def _kept(response_text: str, action: str, name: str, value: str) -> bool | None:
    """None if the form is not shown again, else whether it holds ``value``."""
    parsed = _parse(response_text)
    again = [f for f in parsed.forms if urlsplit(f.action).path in ("", action)]
    if not again:
        return None
    return any(value in f.fields.get(name, []) for f in again)


def _fuzz(app, user: User | None, forms) -> tuple[int, int, list[str]]:
    problems: list[str] = []
    requests = checked = 0
    for form in forms.values():
        baseline = {name: values[:1] or [""] for name, values in form.fields.items()}
        cases: list[tuple[str, dict[str, list[str]], str | None, str, bool]] = [
            ("all fields missing", {}, None, "", False),
            ("extra fields", {**baseline, "unerwartet": ["x"], "id": ["1"]}, None, "", False),
        ]
        for name, kind in form.kinds.items():
            if name == "csrf_token" or kind in {"file"}:
                continue
            for label, value, must_keep in BOUNDARY_VALUES:
                keep = must_keep and kind in {"text", "textarea", "email", "search", "number"}
                cases.append((label, {**baseline, name: [value]}, name, value, keep))
        for label, data, name, value, keep in cases:
            client = _signed_in(app, user)  # fresh each time: a form may change the session
            response = client.post(form.action, data=data)
            requests += 1
            where = f"{form.action} {name or ''} [{label}]"
            if response.status_code >= 500:
                problems.append(f"{response.status_code} at {where}")
            elif keep and response.status_code == 400 and value.strip():
                kept = _kept(response.text, form.action, name, value)
                checked += kept is not None
                if kept is False:
                    problems.append(f"input not kept at {where}")
    return requests, checked, problems


@pytest.mark.slow
def test_every_form_survives_boundary_input_and_keeps_it(app, demo, fast_hashing):
    people = {
        "visitor": None,
        "member": make_user(Role.MEMBER, PADERBORN, "mitglied@fuzz.example"),
        "contributor": make_user(Role.CONTRIBUTOR, PADERBORN, "beitrag@fuzz.example"),
        "curator": make_user(Role.CURATOR, None, "kuratierung@fuzz.example"),
        "admin": make_user(Role.ADMIN, None, "admin@fuzz.example"),
    }
    total_forms = total_requests = total_checked = 0
    problems: list[str] = []
    for role, user in people.items():
        forms = _crawl(_signed_in(app, user))
        requests, checked, found = _fuzz(app, user, forms)
        total_forms += len(forms)
        total_requests += requests
        total_checked += checked
        problems += [f"{role}: {p}" for p in found]
    print(
        f"form fuzzer: {total_forms} forms, {total_requests} requests, "
        f"{total_checked} re-shown forms checked for the typed input"
    )
    assert total_forms >= 30
    assert total_checked >= 100
    assert not problems, "\n".join(problems[:40])
