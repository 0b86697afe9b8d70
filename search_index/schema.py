"""The index schema and the mapping of `IndexDocument`s onto its fields.

Owns the field names (facet, number and text fields, sorts; the one definition the rest of the
application imports), `build_schema`, `document_fields` and the Markdown-to-text conversion used
for analysis and snippets. The schema is pickled into every index TOC: analyzer classes must
keep their dotted paths.

Must not: import Flask or SQLAlchemy, or open an index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from whoosh import columns, fields

from search_index.analysis import (
    fast_index_terms,
    fast_spelling_terms,
    german_analyzer,
    spelling_analyzer,
)
from search_index.documents import IndexDocument

FACET_FIELDS = ("kind", "category", "kreis", "municipality", "solution_kind", "status", "readiness")
FILTER_FIELDS = FACET_FIELDS  # every facet field is filterable
NUMBER_FIELDS = ("solution_id", "version", "published", "reuse_count", "population")
SCORED_FIELDS = ("title", "summary", "tags", "content", "reports", "spell")
# The sort orders of a search, by their names in URLs, the API and stored alerts.
SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_MOST_REUSED = "most_reused"
SORTS = (SORT_RELEVANCE, SORT_NEWEST, SORT_MOST_REUSED)
# A document's sentence embedding (`search_index.embedding`), read by need matching.
EMBEDDING_FIELD = "embedding"
COLUMN_FIELDS = ("doc_id", *FACET_FIELDS, *NUMBER_FIELDS, EMBEDDING_FIELD)


def build_schema() -> fields.Schema:
    """The index schema. Field boosts are applied at query time, never baked into postings."""
    text = german_analyzer()
    spell = spelling_analyzer()
    facet_columns = {name: fields.COLUMN(columns.RefBytesColumn()) for name in FACET_FIELDS}
    number_columns = {name: fields.COLUMN(columns.NumericColumn("q")) for name in NUMBER_FIELDS}
    return fields.Schema(
        doc_id=fields.ID(unique=True, stored=True, sortable=True),
        title=fields.TEXT(analyzer=text, stored=True, phrase=False),
        summary=fields.TEXT(analyzer=text, stored=True, phrase=False),
        # Stored for need matching's feedback: the best result's tags name its subject in the
        # catalogue's own words (a sibling shares them).
        tags=fields.TEXT(analyzer=text, phrase=False, stored=True),
        # No positions: they cost ~30 % of build time; phrases are verified on stored text.
        content=fields.TEXT(analyzer=text, phrase=False),
        reports=fields.TEXT(analyzer=text, phrase=False),
        body=fields.STORED(),
        spell=fields.TEXT(analyzer=spell, phrase=False),
        embedding=fields.COLUMN(columns.VarBytesColumn()),
        **facet_columns,
        **number_columns,
    )


def fast_analyzers(schema: fields.Schema) -> dict[str, Callable[[str], list[str]]]:
    """Fields whose analyzer has a fast equivalent (rebuilds), mapped to it."""
    fast = ((german_analyzer(), fast_index_terms), (spelling_analyzer(), fast_spelling_terms))
    out: dict[str, Callable[[str], list[str]]] = {}
    for name, field in schema.items():
        analyzer = getattr(field, "analyzer", None)
        for slow, quick in fast:
            if analyzer == slow:
                out[name] = quick
    return out


_MD_PATTERNS = [
    (re.compile(r"```.*?```", re.S), " "),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]{1,200}>"), " "),
    (re.compile(r"^\s{0,3}(#{1,6}|>+|[-*+]|\d+[.)])\s+", re.M), ""),
    (re.compile(r"(\*\*|__|\*|`|~~)"), ""),
]


def markdown_to_text(markdown: str) -> str:
    """Rough plain text of Markdown source, for analysis and snippets (not for display as HTML)."""
    text = markdown
    for pattern, repl in _MD_PATTERNS:
        text = pattern.sub(repl, text)
    return text


def _timestamp(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def embedding_text(fields: Mapping[str, Any]) -> str:
    """What a document's sentence embedding is computed from, out of its `document_fields`:
    title, summary and the stored text (description and lessons; a report: its text)."""
    return "\n".join(p for p in (fields["title"], fields["summary"], fields["body"]) if p)


def document_fields(doc: IndexDocument) -> dict[str, Any]:
    """Map an `IndexDocument` onto the schema's fields (the embedding is left empty: the index
    sets it, `search_index.embedding_store`)."""
    body = markdown_to_text(doc.body)
    lessons = markdown_to_text(doc.lessons)
    reports = markdown_to_text(doc.reports_text)
    tags = " , ".join(doc.tags)
    content = "\n".join(p for p in (doc.title, doc.summary, body, lessons, reports, tags) if p)
    values: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "summary": doc.summary,
        "tags": tags,
        "content": content,
        "reports": reports,
        # Stored for what reads the text: highlights, phrase checks, noun casing (match bands).
        "body": "\n\n".join(p for p in (body, lessons) if p),
        # Spelling vocabulary from the short fields only (the body would double build time).
        "spell": "\n".join(p for p in (doc.title, doc.summary, tags) if p),
        "solution_id": int(doc.solution_id),
        "version": int(doc.version),
        "published": _timestamp(doc.published),
        "reuse_count": int(doc.reuse_count),
        "population": int(doc.population or 0),
        EMBEDDING_FIELD: b"",
    }
    for name in FACET_FIELDS:
        values[name] = str(getattr(doc, name) or "").encode("utf-8")
    return values
