"""Search engine layer of the Lösungskatalog (Whoosh, German analysis, need matching).

Owns everything about the full-text index: analysis, schema, index files, queries, facets,
highlights, suggestions and need matching. It takes `IndexDocument`s and returns ids, scores
and explanations.

Must not: import Flask or SQLAlchemy, read the database, or decide visibility; the application
loads rows by the returned ids and re-filters them.
"""

from search_index.documents import IndexDocument
from search_index.index import CatalogueIndex
from search_index.matching import Match
from search_index.query import Hit, SearchRequest, SearchResults
from search_index.thesaurus import Thesaurus

__all__ = [
    "CatalogueIndex",
    "Hit",
    "IndexDocument",
    "Match",
    "SearchRequest",
    "SearchResults",
    "Thesaurus",
]
