"""The index never drifts from the database and never leaks unpublished content: outbox
cursor with gaps, several processes and hosts, out-of-order commits on PostgreSQL, a writer
killed with SIGKILL, rebuild while serving."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.models import ContentState, OutboxOp, SearchOutbox, Solution
from catalogue.services import search, seed
from catalogue.services.outbox import enqueue
from search_index.documents import solution_doc_id
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]


def _seed_one(tmp_path, title="Online-Terminvergabe im Bürgerbüro", **extra):
    entry = {
        "title": title,
        "summary": "Termine online buchen.",
        "description": "Bürgerinnen buchen Termine im Bürgerbüro online.",
        "category": "buergerservice",
        "municipality": "Lemgo",
        "kind": "software",
        "status": "in_operation",
        "readiness": "documented",
        **extra,
    }
    path = tmp_path / f"{abs(hash(title))}.jsonl"
    path.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    seed.load_content(path, is_demo=True)
    return db.session.scalar(sa.select(Solution).where(Solution.title == title))


# -- the cursor ------------------------------------------------------------------------------


def test_cursor_waits_at_a_gap_and_steps_over_it_only_after_the_timeout():
    state = search.SyncState(cursor=10)
    search._advance(state, [11, 12, 14, 15], now=1000.0)
    assert state.cursor == 12 and state.gaps == {13: 1000.0}
    search._advance(state, [14, 15], now=1000.0 + search.GAP_TIMEOUT - 1)
    assert state.cursor == 12  # still waiting for 13
    search._advance(state, [13, 14, 15], now=1001.0)
    assert state.cursor == 15 and state.gaps == {}
    state = search.SyncState(cursor=10)
    search._advance(state, [12], now=0.0)
    search._advance(state, [12], now=search.GAP_TIMEOUT + 1)
    assert state.cursor == 12  # 11 was rolled back: a permanent gap


def test_publish_is_searchable_after_commit_and_unpublish_disappears(app, municipalities, tmp_path):
    solution = _seed_one(tmp_path)
    outcome = search.search_catalogue(actor=None, text="Terminvergabe", filters={})
    assert [i.solution.id for i in outcome.items] == [solution.id]
    with unit_of_work() as s:
        s.get(Solution, solution.id).state = ContentState.ARCHIVED
        enqueue(s, solution_doc_id(solution.id))
    assert search.search_catalogue(actor=None, text="Terminvergabe", filters={}).items == []
    assert search.check().clean


def test_optimize_merges_segments_and_keeps_every_document(app, municipalities, tmp_path):
    solutions = [_seed_one(tmp_path, title=f"Onlinedienst Nummer {n}") for n in range(4)]
    assert search.get_index().stats()["segment_count"] > 1  # one commit per seeded entry
    result = app.test_cli_runner().invoke(args=["search", "optimize"])
    assert result.exit_code == 0, result.output
    assert "→ 1 Segmente" in result.output
    assert search.get_index().stats()["segment_count"] == 1
    found = search.search_catalogue(actor=None, text="Onlinedienst", filters={})
    assert {i.solution.id for i in found.items} == {s.id for s in solutions}
    assert search.check().clean


@pytest.mark.allow_drift
def test_stale_index_never_shows_unpublished_content(app, municipalities, tmp_path):
    solution = _seed_one(tmp_path, title="Geheimprojekt Quantenverwaltung")
    with unit_of_work() as s:  # unpublish WITHOUT an outbox row: the index is now stale
        s.get(Solution, solution.id).state = ContentState.DRAFT
    assert "solution:1" in search.get_index().versions()
    outcome = search.search_catalogue(actor=None, text="Quantenverwaltung", filters={})
    assert outcome.items == []
    typo = search.search_catalogue(actor=None, text="Quantenverwaltunk", filters={})
    assert typo.items == [] and typo.suggestion is None  # no suggestion that leads to hidden text
    drift = search.check()
    assert drift.orphaned == ["solution:1"]


def test_stale_snippet_of_an_older_version_is_not_shown(app, municipalities, tmp_path):
    solution = _seed_one(tmp_path, description="Alter Text über Terminvergabe")
    with unit_of_work() as s:  # the text changes without an outbox row
        row = s.get(Solution, solution.id)
        row.description = "Neuer Text über Terminvergabe"
        row.version += 1
    outcome = search.search_catalogue(actor=None, text="Terminvergabe", filters={})
    assert all("Alter Text" not in "".join(i.highlights.values()) for i in outcome.items)
    with unit_of_work() as s:
        enqueue(s, solution_doc_id(solution.id))


def test_rebuild_swaps_while_a_reader_is_open(app, municipalities, tmp_path):
    solution = _seed_one(tmp_path)
    index = search.get_index()
    before = index.versions()
    count = search.rebuild()
    assert count == 1 and index.versions() == before
    assert [
        i.solution.id
        for i in search.search_catalogue(actor=None, text="Terminvergabe", filters={}).items
    ] == [solution.id]


def test_two_hosts_with_their_own_index_converge(app, municipalities, tmp_path):
    _seed_one(tmp_path)  # host A (this app) applied it inline
    from catalogue import create_app

    b = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "t",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX_DIR": str(tmp_path / "host-b-index"),
            "SEARCH_SYNC": "worker",
        }
    )
    with b.app_context():
        assert search.status()["pending_outbox_rows"] > 0
        result = search.sync_outbox()
        assert result.upserted >= 1
        assert search.check().clean
        b.extensions["catalogue_index"].close()
        db.session.close()
        db.engine.dispose()


def _worker(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.catalogue._search_worker", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_concurrent_writers_from_several_processes_converge(app, municipalities):
    db_url = app.config["DATABASE_URL"]
    index_dir = app.config["SEARCH_INDEX_DIR"]
    db.session.close()
    workers = [_worker("publish", db_url, index_dir, str(n), "6") for n in range(4)]
    for w in workers:
        _, err = w.communicate(timeout=240)
        assert w.returncode == 0, err[-2000:]
    search.sync_outbox()
    assert db.session.scalar(sa.select(sa.func.count(Solution.id))) == 24
    assert len(search.get_index().versions()) == 24
    assert search.check().clean


@pytest.mark.slow
def test_index_survives_a_writer_killed_with_sigkill(app, demo):
    db_url = app.config["DATABASE_URL"]
    index_dir = app.config["SEARCH_INDEX_DIR"]
    search.get_index().close()
    db.session.close()
    for delay in (0.4, 0.9, 1.6):
        writer = _worker("sync", db_url, index_dir)
        assert writer.stdout.readline().strip() == "syncing"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        writer.stdout.close()
        writer.stderr.close()
        assert search.get_index().check_readable()
        search.get_index().apply([], ["solution:999999"])  # the write lock is free again
    # catch up from the database: re-apply everything, then verify
    state = search.SyncState.load()
    state.cursor = 0
    state.save()
    search.sync_outbox()
    assert search.check().clean


@pytest.mark.skipif(not PG_URL, reason="out-of-order commits need concurrent writers (PostgreSQL)")
def test_out_of_order_commit_on_postgres_is_not_skipped(app, municipalities, tmp_path):
    first = _seed_one(tmp_path, title="Erste Lösung")
    engine = sa.create_engine(PG_URL)
    slow = engine.connect()
    slow_tx = slow.begin()
    # The slow transaction takes its sequence value first ...
    slow.execute(
        sa.text(
            "UPDATE solution SET title = 'Spät sichtbare Lösung', version = version + 1 WHERE id = :id"
        ),
        {"id": first.id},
    )
    slow_id = slow.execute(
        sa.insert(SearchOutbox)
        .values(doc_id=solution_doc_id(first.id), op=OutboxOp.UPSERT.value)
        .returning(SearchOutbox.id)
    ).scalar_one()
    # ... a later one commits first and is applied (inline sync after commit).
    second = _seed_one(tmp_path, title="Zweite Lösung")
    state = search.SyncState.load()
    assert state.cursor < slow_id, "the cursor must not pass an uncommitted row"
    assert f"solution:{second.id}" in search.get_index().versions()
    slow_tx.commit()
    slow.close()
    engine.dispose()
    search.sync_outbox()
    assert search.SyncState.load().cursor >= slow_id
    outcome = search.search_catalogue(actor=None, text="Spät sichtbare", filters={})
    assert [i.solution.id for i in outcome.items] == [first.id]
    assert search.check().clean
