"""Who brokering reaches, and with what: the two sides of a contact request (the asking
municipality and the solution's owner), the contact details each side agreed to share, and
the mail opt-out of contact persons who have no account.

The owner municipality is reached through its accounts and through the e-mail addresses of the
contact persons in the entry (the people who know the solution; often not the ones with an
account) — unless an address opted out through the link every such mail carries, or belongs to
one of the accounts, which hear of it anyway. What of a need appears in a text is decided by
``services.needs.need_reference`` alone. This module sends nothing itself: it hands
``Recipient`` lists to ``services.notifications`` / ``services.mail``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import orm

from catalogue.db import unit_of_work
from catalogue.errors import NotFound
from catalogue.models import ContactRequest, MailOptOut, Solution, User
from catalogue.permissions import Actor
from catalogue.services.mail import queue_mail
from catalogue.services.notifications import curators, municipality_staff, notify

OPT_OUT_SALT = "mail-opt-out"


@dataclass
class Recipient:
    """One person a brokering text goes to: an account (notification + mail) or a contact
    person of the entry (mail only, with the opt-out link)."""

    side: str  # "requester" | "owner" | "curators"
    name: str
    email: str
    user: User | None = None
    # a contact person whose municipality also has accounts (they hear of it too)
    beside_accounts: bool = False

    @property
    def channel(self) -> str:
        if self.user is not None:
            return "Benachrichtigung und E-Mail an das Konto"
        return "E-Mail an die Ansprechperson aus dem Eintrag"

    @property
    def viewer(self) -> User | None:
        """Who the visibility rule is asked about (None: someone without an account)."""
        return self.user


def _line(*parts: str) -> str:
    return " – ".join(p for p in parts if p)


def owner_contact_lines(session: orm.Session, solution: Solution) -> list[str]:
    """Contact details the owners agreed to share: the solution's contact persons and staff of
    the lead municipality who opted in (``share_contact``)."""
    lines = [_line(c.name, c.role, c.email, c.phone) for c in solution.contacts]
    for user in municipality_staff(session, solution.lead_municipality_ags):
        if user.share_contact:
            lines.append(_line(user.name, user.email, user.phone))
    return lines


def requester_contact_lines(
    session: orm.Session, ags: str | None, requester: User | None, *, asked: bool = False
) -> list[str]:
    """Contact details of the asking side: staff of the asking municipality who opted in
    (``share_contact``), and the requester if they ``asked`` for the contact on a solution's
    page (name and address, which the contact form says are passed on)."""
    lines = []
    if requester is not None and requester.share_contact:
        lines.append(_line(requester.name, requester.email, requester.phone))
    elif requester is not None and asked:
        lines.append(_line(requester.name, requester.email))
    if ags:
        for user in municipality_staff(session, ags):
            if user.share_contact and (requester is None or user.id != requester.id):
                lines.append(_line(user.name, user.email, user.phone))
    return lines


def opted_out(session: orm.Session, emails: list[str]) -> set[str]:
    if not emails:
        return set()
    lowered = [e.lower() for e in emails]
    return set(session.scalars(sa.select(MailOptOut.email).where(MailOptOut.email.in_(lowered))))


@dataclass
class OwnerReach:
    recipients: list[Recipient]
    withheld: list[str]  # contact persons not mailed because they opted out

    @property
    def through_contacts(self) -> bool:
        return any(r.user is None for r in self.recipients)


def owner_reach(session: orm.Session, solution: Solution) -> OwnerReach:
    """Accounts of the lead municipality and the contact persons' addresses (those that are no
    account's and did not opt out)."""
    staff = municipality_staff(session, solution.lead_municipality_ags)
    accounts = {u.email.lower() for u in staff}
    with_mail = [c for c in solution.contacts if c.email and c.email.lower() not in accounts]
    blocked = opted_out(session, [c.email for c in with_mail])
    return OwnerReach(
        [Recipient("owner", u.name, u.email, u) for u in staff]
        + [
            Recipient("owner", c.name, c.email, beside_accounts=bool(staff))
            for c in with_mail
            if c.email.lower() not in blocked
        ],
        [f"{c.name} ({c.email})" for c in with_mail if c.email.lower() in blocked],
    )


def requester_reach(session: orm.Session, request: ContactRequest) -> list[Recipient]:
    """Staff of the asking municipality; the asking person also when they have none."""
    if request.requester_municipality_ags:
        staff = municipality_staff(session, request.requester_municipality_ags)
        return [Recipient("requester", u.name, u.email, u) for u in staff]
    requester = session.get(User, request.requester_id) if request.requester_id else None
    if requester is not None and requester.is_active:
        return [Recipient("requester", requester.name, requester.email, requester)]
    return []


def curator_reach(session: orm.Session) -> list[Recipient]:
    return [Recipient("curators", u.name, u.email, u) for u in curators(session)]


def opt_out_token(email: str) -> str:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT)
    return serializer.dumps(email.lower())


def opt_out_email(token: str) -> str:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT)
    try:
        email = serializer.loads(token)
    except BadSignature:
        raise NotFound("Dieser Abmeldelink ist ungültig.") from None
    if not isinstance(email, str) or "@" not in email:
        raise NotFound("Dieser Abmeldelink ist ungültig.")
    return email


def opt_out(*, actor: Actor, token: str) -> str:
    """A contact person stops brokering and reminder mails (no sign-in: the signed link is the
    proof). Idempotent. ``actor`` is whoever follows the link, usually anonymous."""
    email = opt_out_email(token)
    with unit_of_work() as s:
        if not s.scalar(sa.select(MailOptOut.id).where(MailOptOut.email == email)):
            s.add(MailOptOut(email=email))
    return email


def list_opt_outs(*, actor: Actor) -> list[MailOptOut]:
    """The addresses that stopped brokering and reminder mails, newest first (DigitalBüro)."""
    from catalogue.db import db
    from catalogue.permissions import can_broker, require

    require(can_broker(actor), "Abmeldungen sieht das DigitalBüro.")
    return list(db.session.scalars(sa.select(MailOptOut).order_by(MailOptOut.id.desc())))


def revoke_opt_out(*, actor: Actor, opt_out_id: int) -> str:
    """The person asked to be written to again (usually by mail to the DigitalBüro): their
    address receives brokering and reminder mails again. Audited; returns the address."""
    from catalogue.permissions import can_broker, require
    from catalogue.services.audit import record_event

    require(can_broker(actor), "Abmeldungen nimmt das DigitalBüro zurück.")
    with unit_of_work() as s:
        row = s.get(MailOptOut, opt_out_id)
        if row is None:
            raise NotFound("Diese Abmeldung gibt es nicht mehr.")
        email = row.email
        s.delete(row)
        record_event(
            s,
            actor=actor,
            entity_type="mail_opt_out",
            entity_id=opt_out_id,
            from_state="opted_out",
            to_state="deleted",
            comment=f"Abmeldung von {email} zurückgenommen",
        )
    return email


def is_opted_out(token: str) -> bool:
    from catalogue.db import db

    email = opt_out_email(token)
    return bool(db.session.scalar(sa.select(MailOptOut.id).where(MailOptOut.email == email)))


def deliver(
    session: orm.Session, recipient: Recipient, *, text: str, link: str, subject: str
) -> None:
    """Send one text: accounts get a notification (+ mail); contact persons a mail with the
    reason they receive it and the opt-out link."""
    base_url = current_app.config["BASE_URL"]
    if recipient.user is not None:
        notify(
            session,
            user=recipient.user,
            text=text,
            link=link,
            mail_subject=subject,
            base_url=base_url,
        )
        return
    operator = current_app.config["OPERATOR_NAME"]
    accounts = (
        "; die Konten Ihrer Kommune im Lösungskatalog erhalten sie ebenfalls"
        if recipient.beside_accounts
        else " und Ihre Kommune dort noch kein Konto hat"
    )
    # no account to sign in with: the page the text is about, as a link they can open
    page = f"Zur Seite im Lösungskatalog: {base_url}{link}\n\n" if link else ""
    opt_out_url = f"{base_url}/mail-abbestellen/{opt_out_token(recipient.email)}"
    body = (
        f"Guten Tag {recipient.name},\n\n{text}\n\n{page}"
        f"Sie erhalten diese E-Mail, weil Sie im Lösungskatalog als Ansprechperson für eine "
        f"Lösung Ihrer Kommune eingetragen sind{accounts}. "
        # Whom to write to is the text's to say (the other municipality's contact persons, or
        # the operator who passes messages on); a fixed "answer to the operator" contradicted it.
        f"Fragen zu dieser E-Mail beantwortet das {operator} "
        f"({current_app.config['OPERATOR_EMAIL']}).\n\n"
        f"Keine solchen E-Mails mehr erhalten: {opt_out_url}"
    )
    queue_mail(session, to=recipient.email, subject=subject, body=body, unsubscribe_url=opt_out_url)
