"""E-mail digests for subscriptions (``catalogue alerts send-digests``, run by a timer).

Each subscription is evaluated at most once per period (a day, or an ISO week) and a solution
is sent at most once per subscription: both are recorded in the same transaction that queues the
mail, and the unique (subscription, solution) pair makes a second host's concurrent run fail
instead of sending twice. Candidates are solutions first published since the previous
evaluation, re-scanning an overlap window because ``published_at`` is stamped before the
approving transaction commits (the outbox trap); already delivered ones are skipped.

Searches, categories and Kreise run through the search service (all words must match; an
any-word fallback delivers nothing); "open needs" runs the matcher over the subscriber's own
municipality's open needs, here and never in a request. Only published solutions are loaded,
only the subscriber's own needs are read, and a municipality's own solutions are left out.
Must not send mail itself: digests are queued rows, delivered by ``services.mail``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from catalogue.clock import local_date, utcnow
from catalogue.db import db, unit_of_work
from catalogue.models import (
    DigestFrequency,
    Need,
    NeedStatus,
    Notification,
    Solution,
    Subscription,
    SubscriptionDelivery,
    SubscriptionKind,
    User,
)
from catalogue.permissions import Actor
from catalogue.services import alerts
from catalogue.services.mail import queue_mail
from search_index.schema import SORT_NEWEST

log = logging.getLogger(__name__)

OVERLAP = timedelta(hours=6)  # re-scanned before the previous evaluation (late commits)
PAGE_SIZE = 100
MAX_PAGES = 5  # at most 500 newest hits are looked at per subscription and run
MAX_ITEMS = 20  # per subscription and digest; the mail links the full search for the rest
NEED_BANDS = ("strong", "possible")  # "passt gut" and "könnte passen"; not "entfernt verwandt"


def period_key(frequency: DigestFrequency, now: datetime) -> str:
    """``2026-12-03`` for daily, ``2026-W49`` for weekly digests, in Berlin days (``now`` is UTC)."""
    day = local_date(now)
    if frequency == DigestFrequency.DAILY:
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class DigestItem:
    solution: Solution
    reasons: list[str] = field(default_factory=list)
    need_id: int | None = None  # the own need it fits: its link preselects it in the contact form


@dataclass
class DigestSection:
    subscription_id: int
    label: str
    items: list[DigestItem]
    more: int
    search_path: str
    unsubscribe_path: str


@dataclass
class DigestRun:
    subscriptions: int = 0  # evaluated this run
    mails: int = 0
    items: int = 0
    skipped_concurrent: int = 0


def _since(subscription: Subscription) -> datetime:
    if subscription.last_run_at is None:
        return subscription.created_at
    return max(subscription.created_at, subscription.last_run_at - OVERLAP)


def newest_matching(
    *,
    actor: Actor,
    text: str,
    filters: dict[str, list[str]],
    since: datetime | None = None,
    limit: int = MAX_PAGES * PAGE_SIZE,
) -> list[Solution]:
    """Published solutions a search finds, newest first, published after ``since``. Every word
    must match: an any-word fallback returns nothing (also used by the search's Atom feed)."""
    from catalogue.services.search import search_catalogue

    found: list[Solution] = []
    for page in range(1, MAX_PAGES + 1):
        outcome = search_catalogue(
            actor=actor,
            text=text,
            filters={**filters, "kind": ["solution"]},
            sort=SORT_NEWEST,
            page=page,
            per_page=min(PAGE_SIZE, limit),
        )
        if outcome.relaxed:
            return []  # only some of the words occur: not what was asked for
        for item in outcome.items:
            published = item.solution.published_at
            if since is not None and (published is None or published <= since):
                return found
            found.append(item.solution)
            if len(found) >= limit:
                return found
        if page >= outcome.pages:
            break
    return found


def _search_candidates(subscription: Subscription, user: User, since: datetime) -> list[DigestItem]:
    solutions = newest_matching(
        actor=user,
        text=subscription.query,
        filters=alerts.subscription_filters(subscription),
        since=since,
    )
    return [DigestItem(solution) for solution in solutions]


def _need_candidates(
    user: User, since: datetime, cache: dict[int, Any] | None = None
) -> list[DigestItem]:
    from catalogue.services.matching import reverse_match_link
    from catalogue.services.needs import BAND_LABELS, is_own_solution, need_matches

    cache = {} if cache is None else cache  # need id → matches, shared by one run

    ags = user.municipality_ags
    if ags is None:
        return []
    needs = db.session.scalars(
        sa.select(Need)
        .where(Need.municipality_ags == ags, Need.status == NeedStatus.OPEN)
        .order_by(Need.id)
    ).all()
    # what reverse matching already told this person in the app (and by mail) is marked
    told = set(
        db.session.scalars(
            sa.select(Notification.link).where(
                Notification.user_id == user.id, Notification.link.like("/loesungen/%?bedarf=%")
            )
        )
    )
    found: dict[int, DigestItem] = {}
    for need in needs:
        if need.id not in cache:
            cache[need.id] = need_matches(need, limit=10).matches
        for match in cache[need.id]:
            solution = match.solution
            if match.band not in NEED_BANDS or is_own_solution(solution, ags):
                continue
            if solution.published_at is None or solution.published_at <= since:
                continue
            item = found.setdefault(solution.id, DigestItem(solution, need_id=need.id))
            reason = f"{BAND_LABELS[match.band]} zu Ihrem Bedarf „{need.title}“"
            if reverse_match_link(solution.slug, need.id) in told:
                reason += " (Ihnen schon gemeldet)"
            item.reasons.append(reason)
    return sorted(found.values(), key=lambda i: i.solution.published_at or since, reverse=True)


def candidates(
    subscription: Subscription, user: User, need_cache: dict[int, Any] | None = None
) -> list[DigestItem]:
    """Solutions published since the subscription was last evaluated that it covers, newest
    first, not yet sent to it. ``need_cache`` shares need matches between subscribers of one
    municipality within a run."""
    since = _since(subscription)
    if subscription.kind == SubscriptionKind.OPEN_NEEDS:
        found = _need_candidates(user, since, need_cache)
    else:
        found = _search_candidates(subscription, user, since)
    sent = set(
        db.session.scalars(
            sa.select(SubscriptionDelivery.solution_id).where(
                SubscriptionDelivery.subscription_id == subscription.id
            )
        )
    )
    return [item for item in found if item.solution.id not in sent]


def _due(now: datetime) -> dict[int, list[Subscription]]:
    rows = db.session.scalars(
        sa.select(Subscription)
        .join(User, User.id == Subscription.user_id)
        .where(User.is_active)
        .order_by(Subscription.user_id, Subscription.id)
    )
    due: dict[int, list[Subscription]] = {}
    for row in rows:
        if row.last_period != period_key(row.frequency, now):
            due.setdefault(row.user_id, []).append(row)
    return due


def _sections(
    user: User, subscriptions: list[Subscription], need_cache: dict[int, Any]
) -> list[DigestSection]:
    from catalogue.services.search import facet_labels

    labels = facet_labels()
    sections = []
    for sub in subscriptions:
        found = candidates(sub, user, need_cache)
        search_path = "/suche?" + urlencode(alerts.search_params(sub), True)
        if sub.kind == SubscriptionKind.OPEN_NEEDS:
            search_path = "/bedarfe?status=open"
        sections.append(
            DigestSection(
                subscription_id=sub.id,
                label=alerts.describe(sub, labels),
                items=found[:MAX_ITEMS],
                more=max(0, len(found) - MAX_ITEMS),
                search_path=search_path,
                unsubscribe_path=f"/abo/abbestellen/{alerts.unsubscribe_token(sub)}",
            )
        )
    return sections


def render_digest(user: User, sections: list[DigestSection], base_url: str) -> tuple[str, str]:
    """Subject and plain-text body of one person's digest."""
    # a solution two abos found is one new solution (listed under both, described once)
    count = len({item.solution.id for s in sections for item in s.items})
    operator = current_app.config["OPERATOR_NAME"]
    noun = "neue Lösung" if count == 1 else "neue Lösungen"
    lines = [
        f"Guten Tag {user.name},",
        "",
        f"im Lösungskatalog des {operator} gibt es {count} {noun} zu Ihren Abos.",
    ]
    shown: set[int] = set()
    for section in sections:
        if not section.items:
            continue
        lines += ["", f"== {section.label} =="]
        for item in section.items:
            s = item.solution
            lines += ["", f"* {s.title} – {s.lead_organisation or s.lead_municipality.name}"]
            lines += [f"  {reason}" for reason in item.reasons]
            if s.id in shown and not item.need_id:
                lines.append("  (oben schon beschrieben)")  # found by two abos: told once
                continue
            shown.add(s.id)
            if s.summary:
                summary = " ".join(s.summary.split())
                lines.append("  " + (summary[:237] + "…" if len(summary) > 240 else summary))
            need = f"?bedarf={item.need_id}" if item.need_id else ""
            lines.append(f"  {base_url}/loesungen/{s.slug}{need}")
        if section.more:
            lines += ["", f"… und {section.more} weitere: {base_url}{section.search_path}"]
        lines += [
            "",
            f"Dieses Abo abbestellen (ohne Anmeldung): {base_url}{section.unsubscribe_path}",
        ]
    lines += [
        "",
        "--",
        f"Ihre Abos verwalten: {base_url}/konto/abos",
        f"Sie erhalten diese E-Mail, weil Sie im Lösungskatalog des {operator} Abos angelegt haben.",
    ]
    return f"Lösungskatalog: {count} {noun} zu Ihren Abos", "\n".join(lines)


def _commit_digest(user: User, sections: list[DigestSection], now: datetime) -> int:
    """Record deliveries and periods and queue the mail in one transaction; returns the
    number of distinct solutions sent."""
    base_url = current_app.config["BASE_URL"].rstrip("/")
    sent: list[DigestSection] = []
    with unit_of_work() as s:
        for section in sections:
            sub = s.get(
                Subscription, section.subscription_id, with_for_update=True, populate_existing=True
            )
            period = period_key(sub.frequency, now) if sub is not None else ""
            if sub is None or sub.last_period == period:
                continue  # cancelled meanwhile, or another run evaluated it
            for item in section.items:
                s.add(
                    SubscriptionDelivery(
                        subscription_id=sub.id, solution_id=item.solution.id, period=period
                    )
                )
            sub.last_period = period
            sub.last_run_at = now
            sent.append(section)
        if any(section.items for section in sent):
            subject, body = render_digest(user, sent, base_url)
            # mail programs' "Abbestellen" stops this mail: the abos it reports on, no sign-in
            with_news = [section.subscription_id for section in sent if section.items]
            token = alerts.unsubscribe_token_for(with_news, user.id)
            unsubscribe = f"/abo/abbestellen/{token}"
            queue_mail(
                s,
                to=user.email,
                subject=subject,
                body=body,
                unsubscribe_url=f"{base_url}{unsubscribe}",
            )
    # the solutions the mail is about (one found by two abos is one)
    return len({item.solution.id for section in sent for item in section.items})


def preview_digests(now: datetime | None = None) -> list[tuple[str, str]]:
    """What a run now would send, without sending or recording anything: (address, subject)
    per person with news (``alerts send-digests --dry-run``)."""
    from catalogue.services.search import ensure_index_current

    now = now or utcnow()
    ensure_index_current()
    base_url = current_app.config["BASE_URL"].rstrip("/")
    need_cache: dict[int, Any] = {}
    found = []
    for user_id, subscriptions in _due(now).items():
        user = db.session.get(User, user_id)
        if user is None:
            continue
        sections = _sections(user, subscriptions, need_cache)
        if any(section.items for section in sections):
            found.append((user.email, render_digest(user, sections, base_url)[0]))
    return found


def send_digests(now: datetime | None = None) -> DigestRun:
    """Evaluate every due subscription of active accounts and queue one digest mail per person
    with everything new (nothing is queued for a period without news). Idempotent per period."""
    from catalogue.services.search import ensure_index_current

    now = now or utcnow()
    ensure_index_current()
    run = DigestRun()
    need_cache: dict[int, Any] = {}
    for user_id, subscriptions in _due(now).items():
        user = db.session.get(User, user_id)
        if user is None:
            continue
        sections = _sections(user, subscriptions, need_cache)
        try:
            items = _commit_digest(user, sections, now)
        except sa.exc.IntegrityError:
            log.warning("digest for user %s was sent by a concurrent run; skipped", user_id)
            run.skipped_concurrent += 1
            continue
        run.subscriptions += len(subscriptions)
        run.items += items
        run.mails += bool(items)
    return run
