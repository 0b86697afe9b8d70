"""One-click "Abbestellen" (RFC 8058) with CSRF protection on, as in production.

A mail program POSTs ``List-Unsubscribe=One-Click`` to the address in the mail's
List-Unsubscribe header, without cookies and without the page's CSRF token. The three
unsubscribe pages accept that POST (the signed token in the address is the authority); any other
POST still needs the form's CSRF token, and GET only asks."""

from __future__ import annotations

import re

import sqlalchemy as sa

from catalogue.db import db
from catalogue.models import Role, Subscription, User
from catalogue.services import alerts, brokering_reach, seed
from catalogue.services.accounts.mail_settings import match_alerts_off_path
from tests.catalogue.test_accounts import separate_app
from tests.factories import BIELEFELD, make_user

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def _count_subscriptions() -> int:
    return db.session.scalar(sa.select(sa.func.count(Subscription.id)))


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', html
    )
    assert match, html
    return match.group(1)


def test_mail_programs_unsubscribe_with_one_click_and_a_plain_post_changes_nothing(tmp_path):
    with separate_app(tmp_path, WTF_CSRF_ENABLED=True) as app:
        seed.load_municipalities()
        member = make_user(Role.MEMBER, BIELEFELD, "mitglied@bielefeld.example")
        a = alerts.create_subscription(actor=member, kind="search", query="Schiedsamt")
        b = alerts.create_subscription(actor=member, kind="search", query="Kita")
        client = app.test_client()

        # a digest about both abos: its List-Unsubscribe address stops both
        path = f"/abo/abbestellen/{alerts.unsubscribe_token_for([a.id, b.id], member.id)}"
        page = client.get(path).get_data(as_text=True)
        assert "Suche „Schiedsamt“" in page and "Suche „Kita“" in page
        assert "Alle abbestellen" in page
        assert client.post(path).status_code == 200  # no CSRF token, not one-click
        assert client.post(path, data={"List-Unsubscribe": "Nein"}).status_code == 200
        assert _count_subscriptions() == 2
        done = client.post(path, data=ONE_CLICK)
        assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
        assert "Die 2 Abos sind abbestellt" in done.get_data(as_text=True)
        assert _count_subscriptions() == 0
        assert client.post(path, data=ONE_CLICK).status_code == 200  # twice is harmless

        # the page's own button still works, with the form's CSRF token
        c = alerts.create_subscription(actor=member, kind="search", query="Sperrmüll")
        path = f"/abo/abbestellen/{alerts.unsubscribe_token(c)}"
        token = _form_token(client.get(path).get_data(as_text=True))
        done = client.post(path, data={"csrf_token": token})
        assert "Das Abo ist abbestellt" in done.get_data(as_text=True)
        assert _count_subscriptions() == 0

        # reverse-match e-mails of one account
        path = match_alerts_off_path(member.id)
        client.post(path)
        assert db.session.get(User, member.id).mail_match_alerts
        assert client.post(path, data=ONE_CLICK).status_code == 200
        db.session.expire_all()
        assert not db.session.get(User, member.id).mail_match_alerts

        # brokering and reminder mails to a contact person without an account
        token = brokering_reach.opt_out_token("kontakt@lemgo.example")
        path = f"/mail-abbestellen/{token}"
        client.post(path)
        assert not brokering_reach.is_opted_out(token)
        assert "Keine E-Mails mehr an" in client.get(path).get_data(as_text=True)
        assert client.post(path, data=ONE_CLICK).status_code == 200
        assert brokering_reach.is_opted_out(token)

        # the exemption is these pages' alone: other forms still refuse a POST without token
        assert client.post("/abmelden").status_code == 400
