"""Searching while another process writes: segment files merged away under an open searcher
must never fail a query (the /suche race: `TypeError: 'NoneType' object is not subscriptable`
in `stored_fields`)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from search_index import CatalogueIndex, SearchRequest, compat
from tests.search_index.conftest import CATALOGUE, make_doc

ROOT = Path(__file__).resolve().parents[2]


def _segmented(path: Path, commits: int = 4) -> CatalogueIndex:
    ix = CatalogueIndex(path)
    ix.rebuild(CATALOGUE, total=len(CATALOGUE))
    for i in range(commits):
        ix.apply([make_doc(500 + i, f"Sperrmüll Abholung {i}", "Termin online", "Text " * 20)], [])
    return ix


def test_an_open_context_survives_a_merge_that_deletes_its_segment_files(tmp_path):
    ix = _segmented(tmp_path / "ix")
    before = compat.STATS["pin_fast"]
    ctx = ix.context()
    assert len(ctx.reader.leaf_readers()) > 1
    assert compat.STATS["pin_fast"] - before == len(ctx.reader.leaf_readers())
    files = set((ix.current_path()).iterdir())
    ix.optimize()  # merges all segments and deletes their files
    assert files - set(ix.current_path().iterdir()), "the merge removed no file"
    # The old context was opened before the merge and never read stored fields or lengths.
    for docnum in sorted(ctx.live_docs()):
        assert ctx.stored(docnum)["title"]
        assert ctx.reader.doc_field_length(docnum, "content") > 0
    assert ctx.array("doc_id")[0]


def test_searches_never_fail_while_another_process_adds_deletes_and_merges(tmp_path):
    ix = _segmented(tmp_path / "ix", commits=2)
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.search_index._churn", str(tmp_path / "ix"), "40"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    queries = ["Sperrmüll", "Terminvergabe Lösung", "Kita Runde", "Wohngeld", "Abfallkalendr"]
    searches, errors = 0, []
    deadline = time.monotonic() + 240
    try:
        while writer.poll() is None and time.monotonic() < deadline:
            for q in queries:
                try:
                    res = ix.search(SearchRequest(text=q, facet_fields=("category",)))
                    for hit in res.hits:
                        assert hit.doc_id
                except Exception as exc:  # noqa: BLE001 - every failure is collected
                    errors.append(repr(exc))
                searches += 1
        # and once more on the final state
        assert ix.search(SearchRequest(text="Sperrmüll")).total > 0
    finally:
        if writer.poll() is None:
            writer.kill()
        out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    assert out.strip().startswith("done "), out
    assert searches > 20
    assert errors == []


def test_a_merge_that_leaves_an_empty_segment_still_opens(tmp_path):
    # Deleting every document of the small segments merges them into a segment without
    # documents and without column files; opening a context must not take that for a race.
    # One incremental commit, not a rebuild: how a parallel rebuild splits the documents over its
    # two workers depends on the machine's load (under load one worker may take them all and
    # leave an empty segment of its own), and the merges below would then take another path.
    ix = CatalogueIndex(tmp_path / "ix")
    ix.apply([make_doc(i, f"Dokument {i} Sperrmüll", "Text") for i in range(1, 400)], [])
    for i in range(5):
        ix.apply([make_doc(1000 + i, "Freigabe")], [])
    ix.apply([], [f"solution:{1000 + i}" for i in range(5)])
    ctx = ix.context()
    assert 0 in [leaf.doc_count_all() for leaf, _ in ctx.reader.leaf_readers()]
    assert ix.search(SearchRequest(text="Sperrmüll")).total == 399
    assert len(ctx.array("doc_id")) == ctx.reader.doc_count_all() == 399
