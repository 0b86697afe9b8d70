"""One thread's open searcher with per-document arrays and bounded posting caches.

Owns `SearchContext` (what query, matching and scoring read from); the column values of each
immutable segment, shared by all contexts of a process, are kept by `search_index.segment_arrays`.

Memory budget per serving thread (measured after 1,000 varied queries, see README "Figures"):
decoded posting lists hold at most `POSTING_CACHE_BYTES` bytes of arrays, in a compact form
(`CompactPostings`: a list carried by more than 1/32 of the documents keeps its docnums as a
packed bitset over all docnums, shorter lists as int32; integral weights as uint8/uint16, others
as float32; about 1-2 bytes per posting for frequent terms instead of 8), so the long lists of
the frequent words a varied query load touches over and over stay decoded; plain int32/float32
copies of recently expanded compact lists at most `EXPANDED_CACHE_ENTRIES` postings; term →
docnums sets at most `TERM_CACHE_DOCS` docnums in total, term → weight maps at most
`WEIGHT_CACHE_DOCS` entries, document frequencies `DF_CACHE_SIZE` entries, spelling vocabulary
buckets `VOCAB_CACHE_SIZE` prefixes; `SegmentArrays` keeps the column arrays of at most
`SEGMENT_ARRAYS` (segment, field) pairs, the sentence embeddings among them as float16 rows (1 KiB
per document, shared by all threads; `embedding_rows`). An entry larger than its cache budget's
`MAX_CACHED_SHARE` is not cached at all.

Must not: import Flask or SQLAlchemy, keep docnums beyond the life of the context (merges
renumber documents), or read private Whoosh internals (that is `search_index.compat`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from search_index import compat, embedding
from search_index.postings import CompactPostings, SizedLRU, compact_postings, positions
from search_index.schema import COLUMN_FIELDS, EMBEDDING_FIELD, SCORED_FIELDS
from search_index.segment_arrays import SegmentArrays

POSTING_CACHE_BYTES = 40_000_000  # decoded posting lists, compact arrays (CompactPostings)
EXPANDED_CACHE_ENTRIES = 1_000_000  # int32 + float32 copies of the compact lists in use: ~8 MB
TERM_CACHE_DOCS = 400_000  # ~28 MB of frozensets (set operations in query and matching)
WEIGHT_CACHE_DOCS = 100_000  # ~10 MB of dicts (BM25 over short lists)
MAX_CACHED_SHARE = 0.25  # a single entry may use at most this share of its cache's budget
DF_CACHE_SIZE = 50_000
VOCAB_CACHE_SIZE = 256
# `has_term` answers from the vocabulary of the term's first letters, read once per prefix: the
# made-up compounds of `need_compounds.joined_compounds` (hundreds per need, nearly all unknown)
# cost a hash lookup instead of a term-table search in every segment.
KNOWN_PREFIX = 4
TERM_SET_CACHE_TERMS = 300_000


def open_searcher(ix: Any) -> Searcher:
    """A searcher on the latest generation of `ix`, its segment files opened (see compat)."""
    return compat.open_searcher(ix, SCORED_FIELDS, COLUMN_FIELDS)


class SearchContext:
    """One thread's open searcher plus per-document arrays and bounded term caches.

    The searcher must come from `open_searcher`, which opens every file of every segment it
    will read, so a concurrent merge cannot pull a file away mid-query.
    """

    def __init__(
        self,
        target: str,
        ix: Any,
        searcher: Searcher,
        thesaurus: Any,
        arrays: SegmentArrays,
        on_close: Callable[[], None] | None = None,
    ):
        self.target = target
        self.ix = ix
        self.searcher = searcher
        self.reader = searcher.reader()
        self.thesaurus = thesaurus
        self._segment_arrays = arrays
        self._leaves = self.reader.leaf_readers()
        self._arrays: dict[str, list[Any]] = {}
        self._live: frozenset[int] | None = None
        self._size = self.reader.doc_count_all()
        self._posting_cache: SizedLRU[tuple[str, str], CompactPostings] = SizedLRU(
            POSTING_CACHE_BYTES, lambda c: c.nbytes, MAX_CACHED_SHARE
        )
        self._expanded: SizedLRU[tuple[str, str], tuple[np.ndarray, np.ndarray]] = SizedLRU(
            EXPANDED_CACHE_ENTRIES, lambda pair: len(pair[0]), MAX_CACHED_SHARE
        )
        self._term_cache: SizedLRU[tuple[str, ...], frozenset[int]] = SizedLRU(
            TERM_CACHE_DOCS, len, MAX_CACHED_SHARE
        )
        self._df_cache: dict[tuple[str, str], int] = {}
        self._weight_cache: SizedLRU[tuple[str, str], dict[int, float]] = SizedLRU(
            WEIGHT_CACHE_DOCS, len, MAX_CACHED_SHARE
        )
        self._vocab: SizedLRU[tuple[str, str], list[str]] = SizedLRU(
            VOCAB_CACHE_SIZE, lambda _words: 1
        )
        self._term_sets: SizedLRU[tuple[str, str], frozenset[str]] = SizedLRU(
            TERM_SET_CACHE_TERMS, len, MAX_CACHED_SHARE
        )
        self._crowded_prefixes: set[tuple[str, str]] = set()
        self._docnum_by_id: dict[str, int] | None = None
        self._live_mask: np.ndarray | None = None
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._numbers: dict[str, np.ndarray] = {}

    # -- arrays -------------------------------------------------------------------------------

    def array(self, name: str) -> list[Any]:
        """Global docnum → value of a column field (facet fields as str, numbers as int)."""
        arr = self._arrays.get(name)
        if arr is None:
            arr = []
            for leaf, _offset in self._leaves:
                arr.extend(self._segment_arrays.get(self.target, leaf, name))
            self._arrays[name] = arr
        return arr

    def embedding_rows(self, docnums: Sequence[int]) -> np.ndarray:
        """The sentence embeddings of global docnums (float32 rows; zero where a document has
        none). Read per segment, never stacked: the segments' rows stay in their cache."""
        out = np.zeros((len(docnums), embedding.DIM), dtype=np.float32)
        if not len(docnums) or not self._leaves:
            return out
        wanted = np.asarray(docnums, dtype=np.int64)
        offsets = np.asarray([offset for _leaf, offset in self._leaves], dtype=np.int64)
        segment = np.searchsorted(offsets, wanted, side="right") - 1
        for s in np.unique(segment):
            leaf, offset = self._leaves[int(s)]
            rows = self._segment_arrays.matrix(self.target, leaf, EMBEDDING_FIELD)
            here = segment == s
            local = wanted[here] - offset
            valid = local < len(rows)
            picked = np.zeros((int(here.sum()), embedding.DIM), dtype=np.float32)
            picked[valid] = rows[local[valid]]
            out[here] = picked
        return out

    def live_docs(self) -> frozenset[int]:
        if self._live is None:
            live: list[int] = []
            for leaf, offset in self._leaves:
                n = leaf.doc_count_all()
                deleted = leaf.deleted_docs_set if leaf.has_deletions() else ()
                if deleted:
                    live.extend(offset + d for d in range(n) if d not in deleted)
                else:
                    live.extend(range(offset, offset + n))
            self._live = frozenset(live)
        return self._live

    def live_mask(self) -> np.ndarray:
        """Boolean mask over global docnums: True for documents that are not deleted."""
        if self._live_mask is None:
            mask = np.zeros(self.reader.doc_count_all(), dtype=bool)
            live = self.live_docs()
            if live:
                mask[np.fromiter(live, dtype=np.int64, count=len(live))] = True
            self._live_mask = mask
        return self._live_mask

    def codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """A facet field as (value code per global docnum, value of each code)."""
        found = self._codes.get(name)
        if found is None:
            index: dict[str, int] = {}
            codes = np.fromiter(
                (index.setdefault(v, len(index)) for v in self.array(name)),
                dtype=np.int32,
                count=self.reader.doc_count_all(),
            )
            found = self._codes[name] = (codes, list(index))
        return found

    def numbers(self, name: str) -> np.ndarray:
        """A number field as an int64 array over global docnums."""
        found = self._numbers.get(name)
        if found is None:
            found = self._numbers[name] = np.asarray(self.array(name), dtype=np.int64)
        return found

    def docnum_for(self, doc_id: str) -> int | None:
        if self._docnum_by_id is None:
            ids = self.array("doc_id")
            live = self.live_docs()
            self._docnum_by_id = {v: i for i, v in enumerate(ids) if i in live}
        return self._docnum_by_id.get(doc_id)

    # -- postings -----------------------------------------------------------------------------

    def doc_frequency(self, field: str, text: str) -> int:
        key = (field, text)
        df = self._df_cache.get(key)
        if df is None:
            try:
                df = self.reader.doc_frequency(field, text)
            except Exception:  # noqa: BLE001 - unknown field or unencodable term: no docs
                df = 0
            if len(self._df_cache) >= DF_CACHE_SIZE:
                self._df_cache.clear()
            self._df_cache[key] = df
        return df

    def _postings(self, field: str, text: str) -> Iterable[tuple[Any, int, Any]]:
        """(leaf, offset, matcher) of every segment holding the term."""
        for leaf, offset in self._leaves:
            if leaf.doc_frequency(field, text):
                yield leaf, offset, leaf.postings(field, text)

    def _compact(self, field: str, text: str) -> CompactPostings:
        """The term's posting list in its cached compact form, decoded once."""
        key = (field, text)
        found = self._posting_cache.get(key)
        if found is not None:
            return found
        id_parts, weight_parts = [], []
        if self.doc_frequency(field, text):
            for leaf, offset, m in self._postings(field, text):
                ids, weights = compat.posting_arrays(m)
                if leaf.has_deletions():
                    keep = ~np.isin(ids, np.fromiter(leaf.deleted_docs_set, dtype=np.int64))
                    ids, weights = ids[keep], weights[keep]
                id_parts.append(ids + offset)
                weight_parts.append(weights)
        if id_parts:
            ids = np.concatenate(id_parts).astype(np.int32)
            weights = np.concatenate(weight_parts)
        else:
            ids, weights = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        found = compact_postings(ids, weights, self._size)
        self._posting_cache.put(key, found)
        return found

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(sorted live global docnums as int32, their weights as float32) of one term, decoded
        once and cached (compactly; the expanded arrays of the lists in use are kept too, within
        `EXPANDED_CACHE_ENTRIES` postings). Callers must not modify them."""
        compact = self._compact(field, text)
        if not compact.packed and compact.weights.dtype == np.float32:
            return compact.ids, compact.weights  # already the plain form
        key = (field, text)
        found = self._expanded.get(key)
        if found is None:
            found = compact.expand(self._size)
            self._expanded.put(key, found)
        return found

    def term_mask(self, field: str, text: str) -> np.ndarray:
        """A new boolean mask over global docnums: True for the live documents with the term."""
        return self._compact(field, text).mask(self._size)

    def term_docs(self, field: str, text: str) -> frozenset[int]:
        """Live global docnums containing the term (unscored, cached within the budget)."""
        key = (field, text)
        docs = self._term_cache.get(key)
        if docs is not None:
            return docs
        if self.doc_frequency(field, text) == 0:
            return frozenset()
        docs = frozenset(self.postings(field, text)[0].tolist())
        self._term_cache.put(key, docs)
        return docs

    def cached_docs(
        self, key: tuple[str, ...], compute: Callable[[], frozenset[int]]
    ) -> frozenset[int]:
        """A derived document set (e.g. an intersection), cached in the term sets' budget."""
        docs = self._term_cache.get(key)
        if docs is None:
            docs = compute()
            self._term_cache.put(key, docs)
        return docs

    def term_weights(self, field: str, text: str) -> dict[int, float]:
        """Live global docnum → term frequency (weight) for one term (cached within budget)."""
        key = (field, text)
        found = self._weight_cache.get(key)
        if found is None:
            ids, weights = self.postings(field, text)
            found = dict(zip(ids.tolist(), weights.tolist(), strict=True))
            self._weight_cache.put(key, found)
        return found

    def weights_for(self, field: str, text: str, docs: list[int]) -> dict[int, float]:
        """Term frequency of the term in each of `docs` (sorted global docnums) that has it."""
        found: dict[int, float] = {}
        if not docs or not self.doc_frequency(field, text):
            return found
        ids, weights = self.postings(field, text)
        wanted = np.asarray(docs, dtype=np.int64)
        k, hit = positions(ids, wanted)
        return dict(zip(wanted[hit].tolist(), weights[k[hit]].tolist(), strict=True))

    def carrying(self, field: str, text: str, docs: np.ndarray) -> np.ndarray:
        """Which of `docs` (sorted global docnums, int64) carry the term, as a boolean mask: a
        binary search in the cached posting array instead of a set of the whole list."""
        if not len(docs) or not self.doc_frequency(field, text):
            return np.zeros(len(docs), dtype=bool)
        return self._compact(field, text).carrying(docs)

    def has_doc(self, field: str, text: str, docnum: int) -> bool:
        """Whether one live document carries the term."""
        if not self.doc_frequency(field, text):
            return False
        return self._compact(field, text).has(docnum)

    def vocabulary(self, field: str, prefix: str) -> list[str]:
        """Every term of `field` starting with `prefix` (cached per prefix)."""
        key = (field, prefix)
        words = self._vocab.get(key)
        if words is not None:
            return words
        words = self._expand(field, prefix)
        self._vocab.put(key, words)
        return words

    def _expand(self, field: str, prefix: str) -> list[str]:
        try:
            return [
                t if isinstance(t, str) else t.decode("utf-8")
                for t in self.reader.expand_prefix(field, prefix)
            ]
        except Exception:  # noqa: BLE001 - unknown field: no vocabulary
            return []

    def has_term(self, field: str, term: str) -> bool:
        """True if some document's `field` holds the term (as `doc_frequency` > 0 says)."""
        key = (field, term[:KNOWN_PREFIX])
        if len(term) <= KNOWN_PREFIX or key in self._crowded_prefixes:
            return bool(self.doc_frequency(field, term))
        terms = self._term_sets.get(key)
        if terms is None:
            terms = frozenset(self._expand(field, key[1]))
            if len(terms) > MAX_CACHED_SHARE * TERM_SET_CACHE_TERMS:  # too many to keep
                self._crowded_prefixes.add(key)
                return term in terms
            self._term_sets.put(key, terms)
        return term in terms

    def stored(self, docnum: int) -> dict[str, Any]:
        fields: dict[str, Any] = self.searcher.stored_fields(docnum)
        return fields

    def cache_sizes(self) -> dict[str, int]:
        """Entries held by each cache (for the memory benchmark and tests)."""
        return {
            "posting_bytes": self._posting_cache.total,
            "expanded_postings": self._expanded.total,
            "term_docnums": self._term_cache.total,
            "weight_entries": self._weight_cache.total,
            "df_entries": len(self._df_cache),
            "vocab_prefixes": len(self._vocab),
            "term_set_terms": self._term_sets.total,
        }

    def close(self) -> None:
        try:
            self.searcher.close()
        except Exception:  # noqa: BLE001 - closing a searcher on a removed directory
            pass
