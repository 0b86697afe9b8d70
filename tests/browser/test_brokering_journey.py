"""The brokering journey end to end in Chromium: a member records a need, a curator brokers it —
after the preview of what is shared with whom — to a solution of a municipality without
accounts, the solution's contact person receives the mail, the member follows the request and
its messages in "Mein Bereich" and records "Nachnutzung gestartet", which creates the reuse
record. The new pages are checked with axe on the way."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser.test_accessibility import assert_axe_clean
from tests.browser.test_forms_a11y import assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

SOLUTION = "Handyparken: Parkgebühren per Smartphone bezahlen"
NEED = "Parkgebühren mit dem Handy zahlen"


def _flash(page, text: str) -> None:
    page.locator("[role=status]", has_text=text).first.wait_for()


def test_need_brokered_to_a_municipality_without_accounts(live_server, signed_in):
    from catalogue.models import ContactPerson, ContactRequest, OutgoingMail, Reuse, Solution

    contact_email = live_server.query(
        sa.select(ContactPerson.email)
        .join(Solution, Solution.id == ContactPerson.solution_id)
        .where(Solution.title == SOLUTION)
    )
    assert contact_email
    member = signed_in("member")
    curator = signed_in("curator")

    # 1. The member lands in "Mein Bereich" and records a need for Paderborn.
    assert member.url.endswith("/mein-bereich")
    assert_axe_clean(member)
    member.goto(live_server.url + "/bedarfe/neu")
    member.get_by_label("Kurzer Titel").fill(NEED)
    member.locator("#text").fill(
        "Autofahrerinnen sollen Parkgebühren an den Parkscheinautomaten per Smartphone, App "
        "oder SMS minutengenau bezahlen können (Handyparken)."
    )
    member.get_by_role("button", name="Bedarf speichern").click()
    member.wait_for_url(re.compile(r"/bedarfe/\d+$"))
    need_url = member.url

    # 2. The curator brokers it from the need's matches: preview first, then confirm.
    curator.goto(need_url)
    curator.get_by_role("button", name=re.compile(r"Vermitteln: „Handyparken")).click()
    curator.get_by_role("heading", name="Vermitteln: Das wird geteilt").wait_for()
    assert contact_email in curator.content()
    assert "E-Mail an die Ansprechperson" in curator.content()
    assert_axe_clean(curator)
    curator.locator("#message").fill("Bielefeld hat Handyparken seit Jahren im Betrieb.")
    curator.get_by_role("button", name="Jetzt vermitteln und benachrichtigen").click()
    curator.wait_for_url(re.compile(r"/vermittlung/\d+$"))
    _flash(curator, contact_email)
    assert "Beide Kommunen wurden" not in curator.content()
    assert_axe_clean(curator)

    # 3. The contact person of the solution received the mail, with the opt-out link.
    body = live_server.query(
        sa.select(OutgoingMail.body).where(OutgoingMail.recipient == contact_email)
    )
    assert body and "Bielefeld hat Handyparken" in body and "/mail-abbestellen/" in body
    opt_out = re.search(r"/mail-abbestellen/\S+", body).group(0)
    visitor = signed_in("admin")
    visitor.goto(live_server.url + opt_out)
    visitor.get_by_role("button", name=re.compile("Keine E-Mails mehr")).wait_for()
    assert_axe_clean(visitor)

    # 4. The member sees the request and its messages in "Mein Bereich" and answers.
    member.goto(live_server.url + "/mein-bereich")
    member.get_by_role("link", name=re.compile(re.escape(SOLUTION))).first.click()
    member.wait_for_url(re.compile(r"/vermittlung/\d+$"))
    assert "Bielefeld hat Handyparken seit Jahren im Betrieb." in member.content()
    member.locator("#body").fill("Danke, wir melden uns in Bielefeld.")
    member.get_by_role("button", name="Nachricht senden").click()
    _flash(member, "Ihre Nachricht ist gesendet")
    assert "Danke, wir melden uns in Bielefeld." in member.content()
    assert_axe_clean(member)

    # 5. The outcome "Nachnutzung gestartet" creates the reuse record.
    member.get_by_role("button", name="Nachnutzung gestartet").click()
    _flash(member, "Die Nachnutzung ist festgehalten.")
    request_id = int(member.url.rsplit("/", 1)[1])
    reuse_id = live_server.query(
        sa.select(ContactRequest.reuse_id).where(ContactRequest.id == request_id)
    )
    assert (
        reuse_id
        and live_server.query(sa.select(Reuse.municipality_ags).where(Reuse.id == reuse_id))
        == "05774032"
    )
    member.goto(live_server.url + "/mein-bereich")
    reuses = member.locator("section[aria-labelledby=reuse-title]")
    assert SOLUTION in reuses.inner_text()

    # 6. Mein Bereich and the thread reflow at 320 px and stay axe-clean.
    narrow = signed_in("member", width=320)
    for path in ("/mein-bereich", f"/vermittlung/{request_id}"):
        narrow.goto(live_server.url + path)
        assert_no_horizontal_scroll(narrow)
        assert_axe_clean(narrow)
