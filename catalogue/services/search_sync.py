"""This host's index: opening it, applying the search outbox to it, rebuilding and checking it.

Outbox cursor (per host, stored next to the index): rows are applied idempotently — an upsert
reloads the row's *current* state, so order and repetition do not matter. The cursor only moves
over a contiguous run of seen ids. A gap (an id not visible yet, e.g. a transaction on
PostgreSQL that took its sequence value earlier but commits later) holds the cursor back until the
row shows up or the gap is older than ``GAP_TIMEOUT`` seconds (a rolled-back transaction leaves a
permanent gap). Rows above a gap are re-applied on the next run, which is harmless.

Index maintenance of one host is serialised by a file lock. Request paths only *try* that lock
(``wait=0``): when a rebuild or the worker holds it, the request is served from the slightly
older index and the cursor catches up later. This module never sends mail or notifications.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from catalogue.clock import utcnow
from catalogue.db import db
from catalogue.errors import NotFound
from catalogue.models import SearchOutbox, SearchSetting
from catalogue.services.search_documents import (
    BATCH,
    all_documents,
    count_documents,
    documents_for,
    expected_versions,
)
from search_index.index import ANALYSIS_VERSION, CURRENT, CatalogueIndex
from search_index.thesaurus import Thesaurus

log = logging.getLogger(__name__)

GAP_TIMEOUT = 120.0  # seconds; longer than any transaction that writes outbox rows
THESAURUS_KEY = "thesaurus"


class IndexLocked(TimeoutError):
    """Another process of this host maintains the index right now."""


def current_thesaurus() -> Thesaurus:
    row = db.session.get(SearchSetting, THESAURUS_KEY)
    return (
        Thesaurus.from_text(row.value)
        if row is not None and row.value.strip()
        else Thesaurus.default()
    )


def _thesaurus_stamp() -> datetime | None:
    return db.session.scalar(
        sa.select(SearchSetting.updated_at).where(SearchSetting.key == THESAURUS_KEY)
    )


def get_index() -> CatalogueIndex:
    """This process's index object; the curators' thesaurus is re-read when it changed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    index: CatalogueIndex | None = app.extensions.get("catalogue_index")
    stamp = _thesaurus_stamp()
    if index is None:
        index = CatalogueIndex(Path(app.config["SEARCH_INDEX_DIR"]), thesaurus=current_thesaurus())
        app.extensions["catalogue_index"] = index
        app.extensions["catalogue_thesaurus_stamp"] = stamp
    elif app.extensions.get("catalogue_thesaurus_stamp") != stamp:
        index.thesaurus = current_thesaurus()
        app.extensions["catalogue_thesaurus_stamp"] = stamp
    return index


def index_exists() -> bool:
    return (Path(current_app.config["SEARCH_INDEX_DIR"]) / CURRENT).is_symlink()


def require_existing_index() -> None:
    """Inspection commands must not create an empty index in a mistyped folder."""
    if not index_exists():
        raise NotFound(
            f"Im Ordner {current_app.config['SEARCH_INDEX_DIR']} gibt es keinen Suchindex. "
            "Prüfen Sie CATALOGUE_SEARCH_INDEX_DIR oder bauen Sie ihn mit "
            "`catalogue search rebuild` auf."
        )


def _root() -> Path:
    root = Path(current_app.config["SEARCH_INDEX_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def _sync_lock(timeout: float = 120.0) -> Iterator[None]:
    """Serialise index maintenance of this host across processes (flock, released on death).
    ``timeout=0`` tries once and raises ``IndexLocked`` at once when the lock is taken."""
    path = _root() / "sync.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked("search index is locked by another process") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class SyncState:
    cursor: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # id -> first seen missing (epoch)

    @classmethod
    def load(cls) -> SyncState:
        path = _root() / "sync-state.json"
        try:
            data = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return cls()
        return cls(cursor=int(data["cursor"]), gaps={int(k): v for k, v in data["gaps"].items()})

    def save(self) -> None:
        path = _root() / "sync-state.json"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"cursor": self.cursor, "gaps": self.gaps}))
        os.replace(tmp, path)

    def applied(self, outbox_id: int) -> bool:
        """True once the index of this host contains the change of outbox row ``outbox_id``."""
        return outbox_id <= self.cursor


def _advance(state: SyncState, seen_ids: list[int], now: float) -> None:
    seen = set(seen_ids)
    top = max(seen, default=state.cursor)
    cursor = state.cursor
    gaps: dict[int, float] = {}
    for candidate in range(state.cursor + 1, top + 1):
        if candidate in seen:
            if not gaps:
                cursor = candidate
            continue
        first_missing = state.gaps.get(candidate, now)
        if now - first_missing >= GAP_TIMEOUT and not gaps:
            cursor = candidate  # permanent gap (rolled back); step over it
            continue
        gaps[candidate] = first_missing
    state.cursor = cursor
    state.gaps = gaps


@dataclass(frozen=True)
class SyncResult:
    rows: int
    upserted: int
    deleted: int
    cursor: int
    waiting_gaps: int


def sync_outbox(now: float | None = None, *, wait: float = 120.0) -> SyncResult:
    """Apply outbox rows newer than this host's cursor to its index."""
    with _sync_lock(wait):
        state = SyncState.load()
        rows = db.session.execute(
            sa.select(SearchOutbox.id, SearchOutbox.doc_id, SearchOutbox.op)
            .where(SearchOutbox.id > state.cursor)
            .order_by(SearchOutbox.id)
        ).all()
        upserted = deleted = 0
        if rows:
            doc_ids = sorted({r.doc_id for r in rows})
            for start in range(0, len(doc_ids), BATCH):
                chunk = doc_ids[start : start + BATCH]
                upserts, deletes = documents_for(chunk)
                get_index().apply(upserts, deletes)
                upserted += len(upserts)
                deleted += len(deletes)
        _advance(state, [r.id for r in rows], time.time() if now is None else now)
        state.save()
        return SyncResult(len(rows), upserted, deleted, state.cursor, len(state.gaps))


def has_pending() -> bool:
    state = SyncState.load()
    newest = db.session.scalar(sa.select(sa.func.max(SearchOutbox.id)))
    return bool(state.gaps) or (newest or 0) > state.cursor


def try_sync() -> bool:
    """Apply pending rows if nobody else maintains the index right now (never waits)."""
    if not has_pending():
        return True
    try:
        sync_outbox(wait=0)
    except IndexLocked:
        return False
    return True


def ensure_index_current() -> None:
    """In inline mode, apply pending outbox rows before reading (never waits for the lock: a
    running rebuild or sync means the request reads the slightly older index)."""
    if current_app.config["SEARCH_SYNC"] != "inline":
        return
    try:
        try_sync()
    except Exception:  # noqa: BLE001 - serve from the slightly stale index
        log.exception("search index sync before reading failed")


def rebuild(progress: Callable[[int, int | None], None] | None = None) -> int:
    """Rebuild the index from the database into a new directory and swap it in."""
    with _sync_lock(timeout=600):
        # Rows newer than this are re-applied afterwards (idempotent), so nothing committed
        # during the build is lost.
        horizon = db.session.scalar(
            sa.select(sa.func.max(SearchOutbox.id)).where(
                SearchOutbox.created_at < sa.literal(utcnow() - timedelta(seconds=GAP_TIMEOUT))
            )
        )
        state = SyncState.load()
        total = count_documents()
        count = get_index().rebuild(all_documents(), total=total, progress=progress)
        state.cursor = min(state.cursor, horizon or 0) if state.cursor else (horizon or 0)
        state.gaps = {}
        state.save()
    sync_outbox()
    return count


@dataclass(frozen=True)
class Drift:
    missing: list[str]  # published in the DB, absent from the index
    stale: list[str]  # in both, but the index has an older/other version
    orphaned: list[str]  # in the index, but not published in the DB

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def check() -> Drift:
    expected = expected_versions()
    actual = get_index().versions()
    return Drift(
        missing=sorted(set(expected) - set(actual)),
        stale=sorted(d for d in set(expected) & set(actual) if expected[d] != actual[d]),
        orphaned=sorted(set(actual) - set(expected)),
    )


def optimize() -> tuple[int, int]:
    """Merge this host's index into one segment (e.g. nightly); return segments before/after.

    Incremental updates add small segments; searches read every segment, so fewer are faster.
    Readers keep working; writers wait for the merge (same lock as rebuild).
    """
    index = get_index()
    before = index.stats()["segment_count"]
    index.optimize()
    return before, index.stats()["segment_count"]


def lag() -> dict[str, Any]:
    """How far this host's index is behind the outbox: rows and age of the oldest one."""
    state = SyncState.load()
    pending, oldest = db.session.execute(
        sa.select(sa.func.count(SearchOutbox.id), sa.func.min(SearchOutbox.created_at)).where(
            SearchOutbox.id > state.cursor
        )
    ).one()
    seconds = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return {
        "cursor": state.cursor,
        "pending_outbox_rows": pending or 0,
        "oldest_pending_seconds": round(max(seconds, 0.0), 1),
        "waiting_gaps": len(state.gaps),
    }


def status() -> dict[str, Any]:
    index = get_index()
    return {
        **index.stats(),
        "analysis_version": index.analysis_version(),
        "analysis_current": index.analysis_current(),
        **lag(),
        "sync_mode": current_app.config["SEARCH_SYNC"],
    }


def index_outdated() -> bool:
    """True if this host's index was built with an older analysis than the code's (an upgrade
    changed stemming or decompounding: old terms no longer meet the queries)."""
    return index_exists() and not get_index().analysis_current()


def rebuild_if_outdated(progress: Callable[[int, int | None], None] | None = None) -> int | None:
    """Rebuild this host's index if it is outdated (`index_outdated`); the count, or None if
    the index is current. The old index serves until the swap."""
    if not index_outdated():
        return None
    log.warning(
        "search index built with analysis version %s, the code has %s: rebuilding",
        get_index().analysis_version(),
        ANALYSIS_VERSION,
    )
    return rebuild(progress)
