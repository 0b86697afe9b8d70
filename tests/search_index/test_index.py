"""CatalogueIndex: writes visible to new searchers, rebuild swap, versions, stats."""

from __future__ import annotations

import os
import threading

from search_index import CatalogueIndex, SearchRequest
from search_index.index import ANALYSIS_FILE, ANALYSIS_VERSION
from tests.search_index.conftest import CATALOGUE, make_doc


def ids(ix: CatalogueIndex, text: str, **kw) -> list[str]:
    return [h.doc_id for h in ix.search(SearchRequest(text=text, per_page=50, **kw)).hits]


def test_layout_created_on_first_use(tmp_path):
    ix = CatalogueIndex(tmp_path / "idx")
    link = tmp_path / "idx" / "current"
    assert link.is_symlink()
    assert os.readlink(link).startswith("index-")
    assert ix.check_readable()
    assert ix.versions() == {}
    assert ix.search(SearchRequest()).total == 0


def test_an_index_records_the_analysis_it_was_built_with(tmp_path):
    ix = CatalogueIndex(tmp_path)
    assert ix.analysis_version() == ANALYSIS_VERSION and ix.analysis_current()
    (ix.current_path() / ANALYSIS_FILE).unlink()  # built before the version was recorded
    assert ix.analysis_version() == 1 and not ix.analysis_current()
    ix.rebuild([make_doc(1, "Kundinnen und Kunden im Bürgerbüro")])
    assert ix.analysis_current()
    # the feminine plural stems like the base: old indexes held "kundinn"
    assert ids(ix, "Kunden") == ["solution:1"]
    # so does an update, which goes through Whoosh's analyzer chain, not the bulk writer's
    ix.apply([make_doc(2, "Sprechstunde für Ärztinnen", "Die Patientinnen buchen online.")], [])
    assert ids(ix, "Ärzte") == ["solution:2"] and ids(ix, "Patienten") == ["solution:2"]


def test_apply_update_delete_visible_to_new_searcher(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.apply([make_doc(1, "Sperrmüll online anmelden")], [])
    assert ids(ix, "Sperrmüll") == ["solution:1"]
    # update: same doc_id, new text and version
    ix.apply([make_doc(1, "Hundesteuer online", version=2)], [])
    assert ids(ix, "Sperrmüll") == []
    assert ids(ix, "Hundesteuer") == ["solution:1"]
    assert ix.versions() == {"solution:1": 2}
    # the same batch again is harmless (idempotent)
    ix.apply([make_doc(1, "Hundesteuer online", version=2)], [])
    assert ix.versions() == {"solution:1": 2}
    # a second reader (other thread) sees the same state through its own searcher
    seen = []
    t = threading.Thread(target=lambda: seen.append(ids(ix, "Hundesteuer")))
    t.start()
    t.join()
    assert seen == [["solution:1"]]
    ix.apply([], ["solution:1", "solution:999"])
    assert ids(ix, "Hundesteuer") == []
    assert ix.versions() == {}


def test_apply_then_fresh_index_object_sees_change(tmp_path):
    CatalogueIndex(tmp_path).apply([make_doc(3, "Friedhofsverwaltung digital")], [])
    assert ids(CatalogueIndex(tmp_path), "Friedhofsverwaltung") == ["solution:3"]


def test_rebuild_swaps_while_reader_open(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.apply([make_doc(1, "Altes Dokument zur Wahlhelfergewinnung")], [])
    old_ctx = ix.context()
    old_target = old_ctx.target
    progress = []
    count = ix.rebuild(
        CATALOGUE, total=len(CATALOGUE), progress=lambda n, t: progress.append((n, t))
    )
    assert count == len(CATALOGUE)
    assert progress[-1] == (len(CATALOGUE), len(CATALOGUE))
    # the old searcher still answers although its directory is gone
    assert old_ctx.searcher.doc_count() == 1
    assert not (tmp_path / old_target).exists()
    # the next query notices the swap
    assert ids(ix, "Wahlhelfergewinnung") == []
    assert "solution:3" in ids(ix, "Kita")
    assert ix.context().target != old_target
    assert len(list(tmp_path.glob("index-*"))) == 1
    assert set(ix.versions()) == {d.doc_id for d in CATALOGUE}


def test_stats(catalogue):
    stats = catalogue.stats()
    assert stats["doc_count"] == len(CATALOGUE)
    assert stats["segment_count"] >= 1
    assert stats["size_bytes"] > 0
    assert stats["path"].endswith(
        os.readlink(os.path.join(os.path.dirname(stats["path"]), "current"))
    )
    assert stats["last_modified"] is not None


def test_versions_track_updates(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.rebuild(CATALOGUE)
    ix.apply([make_doc(2, "Onlineterminvergabe", version=5)], ["report:4"])
    versions = ix.versions()
    assert versions["solution:2"] == 5
    assert "report:4" not in versions
    assert len(versions) == len(CATALOGUE) - 1


def test_package_imports_neither_flask_nor_sqlalchemy():
    import subprocess
    import sys

    code = (
        "import sys, search_index, search_index.index, search_index.query, "
        "search_index.matching, search_index.evaluate;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_block_readers_agree_with_whoosh_postings(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.rebuild(
        [make_doc(i, f"Termin Nummer {i}", "Kita" if i % 3 else "Abfall") for i in range(1, 400)]
    )
    ix.apply(
        [make_doc(i, "Abfall", version=2) for i in range(5, 300, 7)], ["solution:10", "solution:11"]
    )
    ctx = ix.context()
    assert ctx.reader.has_deletions()
    for term in ("termin", "kita", "abfall"):
        m = ctx.reader.postings("content", term)
        ref = {}
        while m.is_active():
            ref[m.id()] = m.weight()
            m.next()
        assert ctx.term_docs("content", term) == frozenset(ref)
        assert ctx.term_weights("content", term) == ref
        wanted = sorted(ctx.live_docs())[::3]
        assert ctx.weights_for("content", term, wanted) == {d: ref[d] for d in wanted if d in ref}
