"""Subscriptions (Abos): signed-in staff subscribe to a search, a category, a Kreis, or new
solutions for their municipality's open needs, and choose a daily or weekly e-mail digest.

Owns creating, listing, changing and deleting subscriptions, their human-readable labels and the
signed unsubscribe tokens (valid without signing in; the token is the authority). What a digest
contains and when it is sent is ``services.digests``. Must not send mail itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import orm

from catalogue.categories import CATEGORIES, category_label
from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, ValidationFailed
from catalogue.models import (
    DigestFrequency,
    Municipality,
    MunicipalityKind,
    Subscription,
    SubscriptionDelivery,
    SubscriptionKind,
)
from catalogue.permissions import Actor, is_staff, require, signed_in_id
from search_index.schema import SORT_NEWEST

MAX_PER_USER = 50
# Facets a search subscription may keep; entries are always solutions ("typ" is fixed).
SUBSCRIBABLE_FILTERS = ("category", "kreis", "municipality", "solution_kind", "status", "readiness")
TOKEN_SALT = "alerts-unsubscribe"
SIGN_IN_MESSAGE = "Abos können angemeldete Mitarbeitende von Kommunen und des DigitalBüros anlegen."


def can_subscribe(actor: Actor) -> bool:
    """Any signed-in person; "open needs" additionally needs a municipality."""
    return is_staff(actor)


def _clean_filters(filters: dict[str, list[str]] | None) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for name in SUBSCRIBABLE_FILTERS:
        values = sorted({str(v)[:40] for v in (filters or {}).get(name, []) if v})[:20]
        if values:
            cleaned[name] = values
    return cleaned


def _kreis_keys() -> dict[str, str]:
    """Kreis facet key (first five digits of the AGS) → display name."""
    rows = db.session.scalars(
        sa.select(Municipality).where(
            Municipality.kind.in_([MunicipalityKind.KREIS, MunicipalityKind.KREISFREIE_STADT])
        )
    )
    return {m.ags[:5]: m.display_name for m in rows}


def _validate(
    actor: Actor,
    kind: str,
    frequency: str,
    query: str,
    filters: dict[str, list[str]],
    category: str | None,
    kreis: str | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if frequency not in {f.value for f in DigestFrequency}:
        errors["frequency"] = "Bitte wählen Sie, wie oft Sie eine E-Mail bekommen möchten."
    if kind == SubscriptionKind.SEARCH:
        if not query and not filters:
            errors["query"] = (
                "Bitte geben Sie Suchbegriffe ein oder wählen Sie Filter, bevor Sie die Suche "
                "abonnieren."
            )
        elif len(query) > 200:
            errors["query"] = "Die Suche darf höchstens 200 Zeichen lang sein."
    elif kind == SubscriptionKind.CATEGORY:
        if category not in CATEGORIES:
            errors["category"] = "Bitte wählen Sie eine Kategorie aus der Liste."
    elif kind == SubscriptionKind.KREIS:
        if kreis not in _kreis_keys():
            errors["kreis"] = "Bitte wählen Sie einen Kreis aus der Liste."
    elif kind == SubscriptionKind.OPEN_NEEDS:
        if not actor.municipality_ags:
            errors["kind"] = (
                "Neue Lösungen für offene Bedarfe gibt es nur für Konten, die zu einer Kommune "
                "gehören."
            )
    else:
        errors["kind"] = "Bitte wählen Sie, was Sie abonnieren möchten."
    return errors


def create_subscription(
    *,
    actor: Actor,
    kind: str,
    frequency: str = DigestFrequency.WEEKLY.value,
    query: str = "",
    filters: dict[str, list[str]] | None = None,
    category: str | None = None,
    kreis: str | None = None,
) -> Subscription:
    """Subscribe the signed-in actor to a search, category, Kreis or their open needs. An
    identical subscription is not created twice: its frequency is updated instead."""
    require(can_subscribe(actor), SIGN_IN_MESSAGE)
    query = " ".join((query or "").split())
    cleaned = _clean_filters(filters) if kind == SubscriptionKind.SEARCH else {}
    errors = _validate(actor, kind, frequency, query, cleaned, category, kreis)
    if errors:
        raise ValidationFailed(errors)
    kind_ = SubscriptionKind(kind)
    fields = {
        "kind": kind_,
        "query": query if kind_ == SubscriptionKind.SEARCH else "",
        "filters": json.dumps(cleaned, sort_keys=True),
        "category": category if kind_ == SubscriptionKind.CATEGORY else None,
        "kreis": kreis if kind_ == SubscriptionKind.KREIS else None,
    }
    user_id = signed_in_id(actor)
    with unit_of_work() as s:
        existing = s.scalar(
            sa.select(Subscription).where(
                Subscription.user_id == user_id,
                *(getattr(Subscription, name) == value for name, value in fields.items()),
            )
        )
        if existing is not None:
            existing.frequency = DigestFrequency(frequency)
            return existing
        count = s.scalar(
            sa.select(sa.func.count(Subscription.id)).where(Subscription.user_id == user_id)
        )
        if (count or 0) >= MAX_PER_USER:
            raise ValidationFailed(
                {"kind": f"Sie haben bereits {MAX_PER_USER} Abos. Bitte löschen Sie zuerst eines."}
            )
        subscription = Subscription(user_id=user_id, frequency=DigestFrequency(frequency), **fields)
        s.add(subscription)
    return subscription


def list_subscriptions(*, actor: Actor) -> list[Subscription]:
    require(can_subscribe(actor), SIGN_IN_MESSAGE)
    return list(
        db.session.scalars(
            sa.select(Subscription)
            .where(Subscription.user_id == actor.id)
            .order_by(Subscription.created_at, Subscription.id)
        )
    )


def _own(session: orm.Session, actor: Actor, subscription_id: int) -> Subscription:
    require(can_subscribe(actor), SIGN_IN_MESSAGE)
    row = session.get(Subscription, subscription_id)
    if row is None or row.user_id != actor.id:
        raise NotFound("Dieses Abo gibt es nicht (mehr).")
    return row


def set_frequency(*, actor: Actor, subscription_id: int, frequency: str) -> Subscription:
    """Change how often the actor's own subscription sends a digest."""
    if frequency not in {f.value for f in DigestFrequency}:
        raise ValidationFailed({"frequency": "Bitte wählen Sie täglich oder wöchentlich."})
    with unit_of_work() as s:
        row = _own(s, actor, subscription_id)
        row.frequency = DigestFrequency(frequency)
    return row


def delete_subscription(*, actor: Actor, subscription_id: int) -> None:
    """Delete one of the actor's own subscriptions (and its delivery records)."""
    with unit_of_work() as s:
        s.delete(_own(s, actor, subscription_id))


def delete_all_subscriptions(session: orm.Session, user_id: int) -> None:
    """For account deletion (called inside the caller's unit of work)."""
    session.execute(sa.delete(Subscription).where(Subscription.user_id == user_id))


# Unsubscribing without signing in ----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def unsubscribe_token(subscription: Subscription) -> str:
    return unsubscribe_token_for([subscription.id], subscription.user_id)


def unsubscribe_token_for(subscription_ids: Sequence[int], user_id: int) -> str:
    """A signed link that stops one abo (``[id, user]``) or all the abos one digest covered
    (``[[ids], user]``): what "Abbestellen" in a mail program means for that mail."""
    ids = list(subscription_ids)
    return str(_serializer().dumps([ids[0] if len(ids) == 1 else ids, user_id]))


def _token_ids(token: str) -> tuple[list[int], int]:
    try:
        ids, user_id = _serializer().loads(token)
        return [int(i) for i in (ids if isinstance(ids, list) else [ids])], int(user_id)
    except (BadSignature, TypeError, ValueError):
        raise NotFound(
            "Dieser Abmelde-Link ist ungültig. Bitte kopieren Sie ihn vollständig aus der E-Mail "
            "oder verwalten Sie Ihre Abos nach der Anmeldung unter „Mein Konto“."
        ) from None


def _named_by(token: str) -> sa.Select[tuple[Subscription]]:
    """The still active subscriptions a valid token names (of the person it was made for)."""
    ids, user_id = _token_ids(token)
    return (
        sa.select(Subscription)
        .where(Subscription.id.in_(ids), Subscription.user_id == user_id)
        .order_by(Subscription.id)
    )


def subscriptions_for_token(token: str) -> list[Subscription]:
    """The subscriptions a valid token names that are still active (none: already cancelled)."""
    return list(db.session.scalars(_named_by(token)))


def unsubscribe(token: str) -> int:
    """Cancel the subscriptions named by a signed token; how many were still active."""
    query = _named_by(token)
    with unit_of_work() as s:
        rows = s.scalars(query).all()
        for row in rows:
            s.delete(row)
    return len(rows)


# Labels and links -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionView:
    subscription: Subscription
    label: str
    search_path: str | None  # the matching search on /suche (site-relative); None for needs
    sent: int = 0  # solutions its digests have reported so far
    last_sent_at: datetime | None = None


def search_params(subscription: Subscription) -> dict[str, Any]:
    """The /suche query-string parameters that show what a subscription covers."""
    from catalogue.services.search import FILTER_PARAMS

    params: dict[str, Any] = {"typ": "solution", "sortierung": SORT_NEWEST}
    if subscription.query:
        params["q"] = subscription.query
    for name, values in subscription_filters(subscription).items():
        if name != "kind":
            params[FILTER_PARAMS[name]] = values
    return params


def subscription_filters(subscription: Subscription) -> dict[str, list[str]]:
    """Facet filters of the search a subscription stands for (entries are solutions)."""
    filters = json.loads(subscription.filters or "{}")
    if subscription.category:
        filters = {"category": [subscription.category]}
    if subscription.kreis:
        filters = {"kreis": [subscription.kreis]}
    return {**filters, "kind": ["solution"]}


def describe(subscription: Subscription, labels: dict[str, dict[str, str]]) -> str:
    """German one-line description, e.g. „Suche „Terminvergabe“ · Kreis: Kreis Paderborn“."""
    from catalogue.services.search import FACET_TITLES

    if subscription.kind == SubscriptionKind.OPEN_NEEDS:
        return "Neue Lösungen, die zu offenen Bedarfen Ihrer Kommune passen"
    if subscription.kind == SubscriptionKind.CATEGORY:
        return f"Neue Lösungen in der Kategorie „{category_label(subscription.category)}“"
    if subscription.kind == SubscriptionKind.KREIS:
        name = labels.get("kreis", {}).get(subscription.kreis or "", subscription.kreis)
        return f"Neue Lösungen aus {name}"
    parts = [f"Suche „{subscription.query}“" if subscription.query else "Alle neuen Lösungen"]
    for name, values in json.loads(subscription.filters or "{}").items():
        names = ", ".join(labels.get(name, {}).get(v, v) for v in values)
        parts.append(f"{FACET_TITLES.get(name, name)}: {names}")
    return " · ".join(parts)


def describe_one(subscription: Subscription) -> str:
    from catalogue.services.search import facet_labels

    return describe(subscription, facet_labels())


def describe_search(query: str, filters: dict[str, list[str]]) -> str:
    """Label of a search before it is subscribed to (for the confirmation page)."""
    transient = Subscription(
        kind=SubscriptionKind.SEARCH,
        query=" ".join(query.split()),
        filters=json.dumps(_clean_filters(filters), sort_keys=True),
    )
    return describe_one(transient)


def subscription_views(*, actor: Actor) -> list[SubscriptionView]:
    """The actor's subscriptions with labels and the search each one stands for."""
    from catalogue.services.search import facet_labels

    rows = list_subscriptions(actor=actor)
    labels = facet_labels() if rows else {}
    # what each one has sent: the person can tell what reached them, and when
    sent = {
        sub_id: (count, last)
        for sub_id, count, last in db.session.execute(
            sa.select(
                SubscriptionDelivery.subscription_id,
                sa.func.count(SubscriptionDelivery.id),
                sa.func.max(SubscriptionDelivery.sent_at),
            )
            .where(SubscriptionDelivery.subscription_id.in_([r.id for r in rows]))
            .group_by(SubscriptionDelivery.subscription_id)
        )
    }
    return [
        SubscriptionView(
            row,
            describe(row, labels),
            None
            if row.kind == SubscriptionKind.OPEN_NEEDS
            else "/suche?" + urlencode(search_params(row), True),
            *sent.get(row.id, (0, None)),
        )
        for row in rows
    ]


def subscription_choices() -> dict[str, list[tuple[str, str]]]:
    """Options for the management page: categories and Kreise."""
    return {
        "category": list(CATEGORIES.items()),
        "kreis": sorted(_kreis_keys().items(), key=lambda item: item[1]),
    }


def export_subscriptions(user_id: int) -> list[dict[str, Any]]:
    """The person's subscriptions for the GDPR data export."""
    rows = db.session.scalars(
        sa.select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.id)
    )
    return [
        {
            "kind": r.kind.value,
            "query": r.query,
            "filters": json.loads(r.filters or "{}"),
            "category": r.category,
            "kreis": r.kreis,
            "frequency": r.frequency.value,
            "created_at": r.created_at.isoformat(timespec="seconds"),
        }
        for r in rows
    ]
