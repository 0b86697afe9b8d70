"""Atom feed of newly published solutions (explicit serializer, built with feedgen).

Owns the mapping of published `Solution` rows to Atom entries. Links are absolute and built from
`BASE_URL` (the public address, also used in e-mails), so feed readers get the same links
whatever host or proxy served the request. Must not query the database: the view passes the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from catalogue.categories import category_label
from catalogue.models import Solution


def _aware(value: datetime | None) -> datetime:
    value = value or datetime(1970, 1, 1)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def solutions_feed(
    solutions: Sequence[Solution],
    *,
    title: str,
    base_url: str,
    self_path: str,
    html_path: str,
    operator: str,
    solution_path: Callable[[Solution], str],
) -> bytes:
    """Atom XML for `solutions` (newest first). `solution_path(solution)` → site-relative URL."""
    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(base + self_path)
    fg.title(title)
    fg.author({"name": operator})
    fg.link(href=base + html_path, rel="alternate", type="text/html")
    fg.link(href=base + self_path, rel="self", type="application/atom+xml")
    fg.language("de")
    fg.generator("Lösungskatalog")
    newest = max((_aware(s.published_at) for s in solutions), default=None)
    fg.updated(newest or datetime(1970, 1, 1, tzinfo=UTC))
    # feedgen prepends entries; add the oldest first so the feed lists the newest first.
    for solution in reversed(solutions):
        url = base + solution_path(solution)
        entry = fg.add_entry()
        entry.id(url)
        entry.title(solution.title)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(_aware(solution.published_at))
        entry.updated(_aware(solution.published_at))
        entry.author({"name": solution.lead_municipality.name})
        entry.summary(solution.summary or solution.title)
        entry.category(term=solution.category, label=category_label(solution.category))
        for tag in solution.tags:
            entry.category(term=tag.name)
    return fg.atom_str(pretty=True)
