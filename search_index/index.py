"""The catalogue's Whoosh index: on-disk layout, writes, rebuilds and reader management.

Owns `CatalogueIndex` (the one entry point the application uses, a thin facade): the
`root/current -> root/index-<timestamp>-<rand>/` layout with atomic rebuild-and-swap, writes,
and one `SearchContext` per thread. The modules form an import DAG (no circle):
documents, analysis, thesaurus, compat, embedding → schema → embedding_store, segment_arrays →
context → spelling → concepts → scoring → docsets, highlight → query, matching → bulk → index.
Schema and field names live in `search_index.schema`, searcher state and caches in
`search_index.context`, query logic in `search_index.query`, need matching in
`search_index.matching`.

Must not: import Flask or SQLAlchemy, decide visibility (the caller re-filters ids against the
database), or call `Searcher.refresh()` (broken in whoosh-reloaded 2.7.5: stale and duplicated
documents). A stale searcher is closed and reopened instead.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.query import Every

from search_index.bulk import BulkMpWriter, BulkSegmentWriter
from search_index.context import SearchContext, open_searcher
from search_index.documents import IndexDocument
from search_index.embedding_store import FILE as EMBEDDINGS_FILE
from search_index.embedding_store import EmbeddingStore
from search_index.german import ANALYSIS_VERSION  # noqa: F401 - re-exported for the app
from search_index.matching import Match, run_match
from search_index.query import SearchRequest, SearchResults, run_search
from search_index.schema import (
    FACET_FIELDS,
    NUMBER_FIELDS,
    build_schema,
    document_fields,
    fast_analyzers,
    markdown_to_text,
)
from search_index.segment_arrays import SegmentArrays
from search_index.thesaurus import Thesaurus

__all__ = [
    "FACET_FIELDS",
    "NUMBER_FIELDS",
    "CatalogueIndex",
    "SearchContext",
    "build_schema",
    "document_fields",
    "fast_analyzers",
    "markdown_to_text",
]

CURRENT = "current"
ANALYSIS_FILE = "ANALYSIS_VERSION"  # in each index directory: the analysis it was built with
DIR_PREFIX = "index-"
WRITER_TIMEOUT = 60
REBUILD_PROCS_MIN_DOCS = 3000  # below this a single process is faster than MpWriter's overhead
EMBED_BATCH = 256  # documents whose sentence embeddings a rebuild looks up or computes together


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
        self._segment_arrays = SegmentArrays()
        self._embeddings = EmbeddingStore(self.root / EMBEDDINGS_FILE)  # kept across rebuilds
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
            _record_analysis(new_dir)
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
    def _write_lock(self) -> Iterator[None]:
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
        # before the lock: encoding takes a while, writing does not
        mapped = self._embeddings.document_fields(docs)
        with self._write_lock():
            ix = self._open()
            writer = ix.writer(timeout=WRITER_TIMEOUT, compound=False)
            try:
                for fields in mapped:
                    writer.update_document(**fields)
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
        _record_analysis(new_dir)
        fast = fast_analyzers(ix.schema)
        # zlib level 1: as small as the default level 3 for these postings, 15 % faster to build.
        options = {"limitmb": 256, "compound": False, "codec": W3Codec(compression=1)}
        procs = min(2, os.cpu_count() or 1)
        if procs > 1 and (total is None or total >= REBUILD_PROCS_MIN_DOCS):
            writer = BulkMpWriter(ix, procs=procs, fast_analyzers=fast, batchsize=200, **options)
        else:
            writer = BulkSegmentWriter(ix, fast_analyzers=fast, **options)
        count = 0
        used: set[str] = set()  # the embedding store's keys this index uses
        try:
            for batch in _batches(docs, EMBED_BATCH):
                for fields in self._embeddings.document_fields(batch, used):
                    writer.add_document(**fields)
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
        self._embeddings.retain(used)
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
                        state.thesaurus = self.thesaurus  # curators may have replaced it
                        return state
                    searcher = open_searcher(state.ix)
                    ix = state.ix
                else:
                    ix = index.open_dir(str(self.root / target))
                    searcher = open_searcher(ix)
                if state is not None:
                    state.close()
                state = SearchContext(target, ix, searcher, self.thesaurus, self._segment_arrays)
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

    def analysis_version(self) -> int:
        """The analysis version the current index was built with (1: before it was recorded)."""
        try:
            return int((self.current_path() / ANALYSIS_FILE).read_text(encoding="ascii"))
        except (FileNotFoundError, ValueError):
            return 1

    def analysis_current(self) -> bool:
        """False if the index was built with an older analysis than this code's: it holds other
        terms than the queries ask for until it is rebuilt."""
        return self.analysis_version() >= ANALYSIS_VERSION

    def check_readable(self) -> bool:
        """True if the current index opens and answers a query."""
        try:
            ctx = self.context()
            ctx.reader.doc_count()
            ctx.searcher.search(Every(), limit=1)
            return True
        except Exception:  # noqa: BLE001 - any failure means "not readable"
            return False

    # -- queries ------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
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
        matches = run_match(
            self.context(),
            f"{title} {summary}",
            limit=limit,
            exclude_solution_ids=exclude_solution_ids,
        )
        return [m for m in matches if m.band != "weak"]


def _batches(docs: Iterable[IndexDocument], size: int) -> Iterator[list[IndexDocument]]:
    batch: list[IndexDocument] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _record_analysis(index_dir: Path) -> None:
    (index_dir / ANALYSIS_FILE).write_text(str(ANALYSIS_VERSION), encoding="ascii")
