"""The catalogue's Whoosh index: schema, on-disk layout, writes, rebuilds and reader management.

Owns `CatalogueIndex` (the one entry point the application uses), the schema, the conversion of
`IndexDocument`s into index fields, the `root/current -> root/index-<timestamp>-<rand>/` layout
with atomic rebuild-and-swap, and the per-thread searchers with their cached per-document
arrays (`SearchContext`). Query logic lives in `search_index.query`, need matching in
`search_index.matching`.

Must not: import Flask or SQLAlchemy, decide visibility (the caller re-filters ids against the
database), or call `Searcher.refresh()` (broken in whoosh-reloaded 2.7.5: stale and duplicated
documents). A stale searcher is closed and reopened instead.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import columns, fields, index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.searching import Searcher

from search_index.analysis import fast_index_terms, german_analyzer, spelling_analyzer
from search_index.bulk import BulkMpWriter, BulkSegmentWriter
from search_index.documents import IndexDocument
from search_index.thesaurus import Thesaurus

if TYPE_CHECKING:
    from search_index.matching import Match
    from search_index.query import SearchRequest, SearchResults

FACET_FIELDS = ("kind", "category", "kreis", "municipality", "solution_kind", "status", "readiness")
NUMBER_FIELDS = ("solution_id", "version", "published", "reuse_count", "population")
CURRENT = "current"
DIR_PREFIX = "index-"
WRITER_TIMEOUT = 60
REBUILD_PROCS_MIN_DOCS = 3000  # below this a single process is faster than MpWriter's overhead


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
        tags=fields.TEXT(analyzer=text, phrase=False),
        # No positions: they cost ~30 % of build time; phrases are verified on stored text.
        content=fields.TEXT(analyzer=text, phrase=False),
        reports=fields.TEXT(analyzer=text, phrase=False),
        body=fields.STORED(),
        spell=fields.TEXT(analyzer=spell, phrase=False),
        **facet_columns,
        **number_columns,
    )


def fast_analyzers(schema: fields.Schema) -> dict[str, Callable[[str], list[str]]]:
    """Fields whose analyzer is `german_analyzer()`, mapped to its fast equivalent (rebuilds)."""
    german = german_analyzer()
    return {
        name: fast_index_terms
        for name, field in schema.items()
        if getattr(field, "analyzer", None) == german
    }


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


def document_fields(doc: IndexDocument) -> dict[str, Any]:
    """Map an `IndexDocument` onto the schema's fields."""
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
        "body": body,
        # Spelling vocabulary from the short fields only (the body would double build time).
        "spell": "\n".join(p for p in (doc.title, doc.summary, tags) if p),
        "solution_id": int(doc.solution_id),
        "version": int(doc.version),
        "published": _timestamp(doc.published),
        "reuse_count": int(doc.reuse_count),
        "population": int(doc.population or 0),
    }
    for name in FACET_FIELDS:
        values[name] = str(getattr(doc, name) or "").encode("utf-8")
    return values


def _raw_matcher(m: Any) -> Any | None:
    """The whoosh3 on-disk leaf matcher behind `m` (deletion filter unwrapped), or None.

    Reading its blocks directly is 5-20x faster than one Python call per posting. This uses
    private attributes of Whoosh-Reloaded 2.7.5 (pinned); other matchers take the slow path.
    Callers must filter deleted documents themselves.
    """
    raw = getattr(m, "child", m)
    if all(hasattr(raw, a) for a in ("_read_ids", "_read_weights", "_next_block", "_atend")):
        if hasattr(raw, "_maxid") and hasattr(raw, "_ids"):
            return raw
    return None


class SearchContext:
    """One thread's open searcher plus per-document arrays and a term → docnums cache.

    Arrays are indexed by the searcher's global docnums and built from columns, per segment
    (segments are immutable, so the per-segment part is shared between contexts and threads).
    Never keep docnums beyond the life of the context: merges renumber documents.
    """

    TERM_CACHE_SIZE = 512
    WEIGHT_CACHE_SIZE = 64

    def __init__(self, owner: CatalogueIndex, target: str, ix: index.Index, searcher: Searcher):
        self.owner = owner
        self.target = target
        self.ix = ix
        self.searcher = searcher
        self.reader = searcher.reader()
        self.thesaurus = owner.thesaurus
        self._leaves = self.reader.leaf_readers()
        self._arrays: dict[str, list[Any]] = {}
        self._live: frozenset[int] | None = None
        self._term_cache: OrderedDict[tuple[str, str], frozenset[int]] = OrderedDict()
        self._df_cache: dict[tuple[str, str], int] = {}
        self._weight_cache: OrderedDict[tuple[str, str], dict[int, float]] = OrderedDict()
        self._docnum_by_id: dict[str, int] | None = None

    # -- arrays -------------------------------------------------------------------------------

    def array(self, name: str) -> list[Any]:
        """Global docnum → value of a column field (facet fields as str, numbers as int)."""
        arr = self._arrays.get(name)
        if arr is None:
            arr = []
            for leaf, _offset in self._leaves:
                arr.extend(self.owner._segment_array(self.target, leaf, name))
            self._arrays[name] = arr
        return arr

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

    def docnum_for(self, doc_id: str) -> int | None:
        if self._docnum_by_id is None:
            ids = self.array("doc_id")
            self._docnum_by_id = {v: i for i, v in enumerate(ids) if i in self.live_docs()}
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
            if len(self._df_cache) > 50_000:
                self._df_cache.clear()
            self._df_cache[key] = df
        return df

    def term_docs(self, field: str, text: str) -> frozenset[int]:
        """Live global docnums containing the term (unscored, cached per searcher)."""
        key = (field, text)
        cache = self._term_cache
        docs = cache.get(key)
        if docs is not None:
            cache.move_to_end(key)
            return docs
        if self.doc_frequency(field, text) == 0:
            docs = frozenset()
        else:
            out: list[int] = []
            for leaf, offset in self._leaves:
                if not leaf.doc_frequency(field, text):
                    continue
                m = leaf.postings(field, text)
                raw = _raw_matcher(m)
                if raw is None:
                    ids = list(m.all_ids())
                else:
                    ids = []
                    while not raw._atend:
                        raw._read_ids()
                        ids.extend(raw._ids)
                        raw._next_block()
                    if leaf.has_deletions():
                        deleted = leaf.deleted_docs_set
                        ids = [d for d in ids if d not in deleted]
                if offset:
                    out.extend([offset + d for d in ids])
                else:
                    out.extend(ids)
            docs = frozenset(out)
        cache[key] = docs
        if len(cache) > self.TERM_CACHE_SIZE:
            cache.popitem(last=False)
        return docs

    def term_weights(self, field: str, text: str) -> dict[int, float]:
        """Live global docnum → term frequency (weight) for one term (cached per searcher)."""
        key = (field, text)
        cache = self._weight_cache
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
        found = {}
        if self.doc_frequency(field, text):
            for leaf, offset in self._leaves:
                if not leaf.doc_frequency(field, text):
                    continue
                deleted = leaf.deleted_docs_set if leaf.has_deletions() else ()
                m = leaf.postings(field, text)
                raw = _raw_matcher(m)
                if raw is not None:
                    # whoosh3 leaf matcher: read whole blocks instead of one posting per call
                    while not raw._atend:
                        raw._read_ids()
                        raw._read_weights()
                        for d, w in zip(raw._ids, raw._weights, strict=False):
                            if d not in deleted:
                                found[offset + d] = w
                        raw._next_block()
                else:
                    while m.is_active():
                        found[offset + m.id()] = m.weight()
                        m.next()
        cache[key] = found
        if len(cache) > self.WEIGHT_CACHE_SIZE:
            cache.popitem(last=False)
        return found

    def weights_for(self, field: str, text: str, docs: list[int]) -> dict[int, float]:
        """Term frequency of the term in each of `docs` (sorted global docnums) that has it.

        Reads only the posting blocks that can contain one of the documents.
        """
        found: dict[int, float] = {}
        if not docs or not self.doc_frequency(field, text):
            return found
        i, n = 0, len(docs)
        for leaf, offset in self._leaves:
            end = offset + leaf.doc_count_all()
            if i >= n:
                break
            if docs[i] >= end or not leaf.doc_frequency(field, text):
                while i < n and docs[i] < end:
                    i += 1
                continue
            m = leaf.postings(field, text)
            raw = _raw_matcher(m)
            if raw is None:
                local = {}
                while m.is_active():
                    local[m.id()] = m.weight()
                    m.next()
                while i < n and docs[i] < end:
                    w = local.get(docs[i] - offset)
                    if w is not None:
                        found[docs[i]] = w
                    i += 1
                continue
            while i < n and docs[i] < end and not raw._atend:
                target = docs[i] - offset
                if target > raw._maxid:
                    raw._next_block()
                    continue
                raw._read_ids()
                raw._read_weights()
                position = {d: k for k, d in enumerate(raw._ids)}
                weights = raw._weights
                maxid = raw._maxid
                while i < n and docs[i] - offset <= maxid:
                    k = position.get(docs[i] - offset)
                    if k is not None:
                        found[docs[i]] = weights[k]
                    i += 1
                raw._next_block()
            while i < n and docs[i] < end:
                i += 1
        return found

    def stored(self, docnum: int) -> dict[str, Any]:
        return self.searcher.stored_fields(docnum)

    def close(self) -> None:
        try:
            self.searcher.close()
        except Exception:  # noqa: BLE001 - closing a searcher on a removed directory
            pass


class CatalogueIndex:
    """The search index of the catalogue, stored under `root`.

    Layout: `root/current` is a relative symlink to `root/index-<timestamp>-<rand>/`; it is
    created (empty index) on first use. Writes (`apply`, `rebuild`) serialise on an flock of
    `root/.write.lock`, so an `apply` waits for a running `rebuild` and then writes into the new
    index. Readers: one searcher per thread, kept across calls and reopened when the symlink
    target changed or the searcher is no longer up to date.

    `thesaurus` (default: `Thesaurus.default()`) is applied at query time; assign a new one to
    `.thesaurus` whenever curators change it.
    """

    def __init__(self, root: Path | str, thesaurus: Thesaurus | None = None):
        self.root = Path(root)
        self.thesaurus = thesaurus if thesaurus is not None else Thesaurus.default()
        self._local = threading.local()
        # Every open context by thread id, so close() can release all file handles and
        # contexts of finished threads can be reaped.
        self._contexts: dict[int, SearchContext] = {}
        self._contexts_lock = threading.Lock()
        self._seg_lock = threading.Lock()
        self._seg_arrays: OrderedDict[tuple[str, str, str], list[Any]] = OrderedDict()
        self._ensure()

    # -- layout -------------------------------------------------------------------------------

    @property
    def current_link(self) -> Path:
        return self.root / CURRENT

    def current_path(self) -> Path:
        """Absolute path of the index directory `current` points to."""
        return self.root / os.readlink(self.current_link)

    def _ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.current_link.is_symlink() and self.current_path().is_dir():
            return
        with self._write_lock():
            if self.current_link.is_symlink() and self.current_path().is_dir():
                return
            new_dir = self._new_dir()
            index.create_in(str(new_dir), build_schema())
            self._swap(new_dir)

    def _new_dir(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.root / f"{DIR_PREFIX}{stamp}-{secrets.token_hex(4)}"
        path.mkdir()
        return path

    def _swap(self, new_dir: Path) -> Path | None:
        """Point `current` at new_dir atomically; return the previous target (if any)."""
        old = self.current_path() if self.current_link.is_symlink() else None
        tmp = self.root / f".current-{secrets.token_hex(6)}"
        os.symlink(new_dir.name, tmp)
        os.replace(tmp, self.current_link)
        return old

    @contextmanager
    def _write_lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".write.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _open(self) -> index.FileIndex:
        return index.open_dir(str(self.current_path()))

    # -- writes -------------------------------------------------------------------------------

    def apply(self, upserts: Iterable[IndexDocument], deletes: Iterable[str]) -> None:
        """Upsert and delete documents in one commit (idempotent; deletes win over upserts)."""
        deletes = list(dict.fromkeys(deletes))
        deleted = set(deletes)
        docs = [d for d in upserts if d.doc_id not in deleted]
        if not docs and not deletes:
            return
        with self._write_lock():
            ix = self._open()
            writer = ix.writer(timeout=WRITER_TIMEOUT, compound=False)
            try:
                for doc in docs:
                    writer.update_document(**document_fields(doc))
                for doc_id in deletes:
                    writer.delete_by_term("doc_id", doc_id)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def rebuild(
        self,
        docs: Iterable[IndexDocument],
        total: int | None = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> int:
        """Build a complete new index from `docs`, swap it in atomically, return the count.

        Readers that are open on the old index keep working until they notice the swap.
        """
        with self._write_lock():
            new_dir = self._new_dir()
            try:
                count = self._build(new_dir, docs, total, progress)
            except BaseException:
                shutil.rmtree(new_dir, ignore_errors=True)
                raise
            old = self._swap(new_dir)
            self._remove_stale(keep=new_dir, previous=old)
        return count

    def _build(
        self,
        new_dir: Path,
        docs: Iterable[IndexDocument],
        total: int | None,
        progress: Callable[[int, int | None], None] | None,
    ) -> int:
        ix = index.create_in(str(new_dir), build_schema())
        fast = fast_analyzers(ix.schema)
        # zlib level 1: as small as the default level 3 for these postings, 15 % faster to build.
        options = {"limitmb": 256, "compound": False, "codec": W3Codec(compression=1)}
        procs = min(2, os.cpu_count() or 1)
        if procs > 1 and (total is None or total >= REBUILD_PROCS_MIN_DOCS):
            writer = BulkMpWriter(ix, procs=procs, fast_analyzers=fast, batchsize=200, **options)
        else:
            writer = BulkSegmentWriter(ix, fast_analyzers=fast, **options)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**document_fields(doc))
                count += 1
                if progress is not None and count % 500 == 0:
                    progress(count, total)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        built = index.open_dir(str(new_dir)).doc_count_all()
        if built != count:  # e.g. a worker process died: never swap in an incomplete index
            raise RuntimeError(f"rebuild wrote {built} of {count} documents")
        if progress is not None:
            progress(count, total)
        return count

    def _remove_stale(self, keep: Path, previous: Path | None) -> None:
        for path in self.root.glob(f"{DIR_PREFIX}*"):
            if path.is_dir() and path.resolve() != keep.resolve():
                # Open readers keep their file handles (POSIX unlink semantics).
                shutil.rmtree(path, ignore_errors=True)

    def optimize(self) -> None:
        """Merge all segments into one (e.g. nightly)."""
        with self._write_lock():
            ix = self._open()
            writer = ix.writer(timeout=WRITER_TIMEOUT, compound=False)
            writer.commit(optimize=True)

    # -- readers ------------------------------------------------------------------------------

    def context(self) -> SearchContext:
        """This thread's up-to-date search context (opened or reopened as needed)."""
        state: SearchContext | None = getattr(self._local, "ctx", None)
        for attempt in range(3):
            try:
                target = os.readlink(self.current_link)
                if state is not None and state.target == target:
                    if state.searcher.up_to_date():
                        return state
                    searcher = state.ix.searcher()
                    ix = state.ix
                else:
                    ix = index.open_dir(str(self.root / target))
                    searcher = ix.searcher()
                if state is not None:
                    state.close()
                state = SearchContext(self, target, ix, searcher)
                self._local.ctx = state
                self._register(state)
                return state
            except (FileNotFoundError, index.EmptyIndexError, OSError):
                # A rebuild swapped and removed the directory between readlink and open.
                if state is not None:
                    state.close()
                state = None
                self._local.ctx = None
                if attempt == 2:
                    raise
                time.sleep(0.05)
        raise RuntimeError("unreachable")

    def _register(self, state: SearchContext) -> None:
        alive = {t.ident for t in threading.enumerate()}
        with self._contexts_lock:
            for ident in [i for i in self._contexts if i not in alive]:
                self._contexts.pop(ident).close()
            self._contexts[threading.get_ident()] = state

    def close(self) -> None:
        """Close the searchers of all threads (a later query simply reopens one)."""
        with self._contexts_lock:
            contexts = list(self._contexts.values())
            self._contexts.clear()
        for state in contexts:
            state.close()
        self._local = threading.local()

    def __enter__(self) -> CatalogueIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _segment_array(self, target: str, leaf: Any, name: str) -> list[Any]:
        if leaf.segment() is None:  # EmptyReader of a fresh index: no documents, no columns
            return []
        key = (target, leaf.segment().segment_id(), name)
        with self._seg_lock:
            arr = self._seg_arrays.get(key)
            if arr is not None:
                self._seg_arrays.move_to_end(key)
                return arr
        if name == "doc_id":
            arr = [
                (v.decode("utf-8") if isinstance(v, bytes) else v)
                for v in leaf.column_reader("doc_id")
            ]
        elif name in FACET_FIELDS:
            decoded: dict[bytes, str] = {}
            arr = []
            for v in leaf.column_reader(name):
                s = decoded.get(v)
                if s is None:
                    s = decoded[v] = v.decode("utf-8")
                arr.append(s)
        else:
            arr = list(leaf.column_reader(name))
        with self._seg_lock:
            self._seg_arrays[key] = arr
            while len(self._seg_arrays) > 256:
                self._seg_arrays.popitem(last=False)
        return arr

    # -- inspection ---------------------------------------------------------------------------

    def versions(self) -> dict[str, int]:
        """doc_id → version of every document in the index."""
        ctx = self.context()
        ids = ctx.array("doc_id")
        versions = ctx.array("version")
        return {ids[d]: int(versions[d]) for d in ctx.live_docs()}

    def stats(self) -> dict[str, Any]:
        ctx = self.context()
        path = self.current_path()
        size = 0
        last = 0.0
        for entry in path.iterdir():
            st = entry.stat()
            size += st.st_size
            last = max(last, st.st_mtime)
        return {
            "doc_count": ctx.reader.doc_count(),
            "segment_count": len(ctx._leaves),
            "path": str(path),
            "size_bytes": size,
            "last_modified": datetime.fromtimestamp(last, UTC) if last else None,
        }

    def check_readable(self) -> bool:
        """True if the current index opens and answers a query."""
        try:
            ctx = self.context()
            ctx.reader.doc_count()
            from whoosh.query import Every

            ctx.searcher.search(Every(), limit=1)
            return True
        except Exception:  # noqa: BLE001 - any failure means "not readable"
            return False

    # -- queries ------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        from search_index.query import run_search

        return run_search(self.context(), request)

    def match(
        self,
        text: str,
        *,
        limit: int = 10,
        category: str | None = None,
        tags: Sequence[str] = (),
        municipality_population: int | None = None,
        exclude_solution_ids: Iterable[int] = (),
    ) -> list[Match]:
        from search_index.matching import run_match

        return run_match(
            self.context(),
            text,
            limit=limit,
            category=category,
            tags=tags,
            municipality_population=municipality_population,
            exclude_solution_ids=exclude_solution_ids,
        )

    def similar(
        self, title: str, summary: str, limit: int = 5, *, exclude_solution_ids: Iterable[int] = ()
    ) -> list[Match]:
        """Existing solutions that look like one being written (duplicate hint; no weak ones)."""
        from search_index.matching import run_similar

        return run_similar(
            self.context(), title, summary, limit=limit, exclude_solution_ids=exclude_solution_ids
        )
