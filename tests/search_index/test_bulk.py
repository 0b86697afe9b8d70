"""The rebuild path (fast analysis + BulkSegmentWriter) must build what the stock Whoosh writer builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

import search_index.bulk as bulk_module
import search_index.index as index_module
from search_index import CatalogueIndex, SearchRequest, bulk_postings, compat
from search_index.analysis import (
    fast_index_terms,
    fast_spelling_terms,
    german_analyzer,
    spelling_analyzer,
)
from search_index.bulk import BulkSegmentWriter
from search_index.bulk_postings import TokenPostings
from search_index.index import build_schema, document_fields, fast_analyzers
from tests.search_index.conftest import make_doc

DEMO = Path(__file__).resolve().parents[2] / "catalogue" / "data" / "demo" / "solutions.jsonl"

TRICKY = [
    "Online-Termin-Buchung und E-Mail-Postfach der KFZ-Zulassungsstelle",
    "3-D-Druck, a-b, die-der-das, Bürger_innen, Straße, STRASSE, Strasse, Äpfel, ÖPNV",
    "Sperrmüllabholung Abfallkalender-App Kindertagesstätten‐Anmeldung x y 100 % 2024",
    "Die Verwaltung, die, der, das — und noch mehr!",
    "",
]


def demo_documents(copies: int = 1) -> list:
    """The demo catalogue's solutions (`copies` times, under new numbers and with other
    experience reports: frequent terms then fill several posting blocks of 128)."""
    docs = []
    with DEMO.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    for copy in range(copies):
        for n, row in enumerate(rows, start=1 + copy * len(rows)):
            docs.append(
                make_doc(
                    n,
                    row["title"],
                    row["summary"],
                    row.get("description", "") + "\n\n" + row.get("problem", ""),
                    tags=tuple(row.get("tags", ())),
                    category=row.get("category", ""),
                    reports_text=" ".join(TRICKY[: n % len(TRICKY)]),
                    reuse_count=n % 4,
                )
            )
    return docs


@pytest.mark.parametrize(
    ("fast", "analyzer"),
    [(fast_index_terms, german_analyzer), (fast_spelling_terms, spelling_analyzer)],
    ids=["german", "spelling"],
)
def test_fast_analyzers_equal_the_whoosh_pipeline(fast, analyzer):
    pipeline = analyzer()
    texts = TRICKY + [f"{d.title}\n{d.summary}\n{d.body}" for d in demo_documents()]
    for text in texts:
        expected = [t.text for t in pipeline(text, mode="index")]
        assert fast(text) == expected, text[:60]
    assert set(fast_analyzers(build_schema()).values()) == {fast_index_terms, fast_spelling_terms}


def _segment_files(directory: Path, reader) -> dict[str, bytes]:
    """The segment's files by name with the (random) segment id left out."""
    segment_id = reader.segment().segment_id()
    return {
        p.name.replace(segment_id, "<segment>"): p.read_bytes()
        for p in directory.iterdir()
        if segment_id in p.name
    }


def _postings(reader, fieldname, btext):
    m = reader.postings(fieldname, btext)
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value(), m.block_min_length(), m.block_max_length()))
        m.next()
    return out


# whole-blocks: the arrays written as W3 posting blocks (text fields and doc_id);
# public-add: a field writer other than 2.7.5's W3FieldWriter, one add() per posting;
# no-fast-analyzers: every field's postings collected per term and added one by one.
@pytest.mark.parametrize("path", ["whole-blocks", "public-add", "no-fast-analyzers"])
def test_bulk_writer_builds_the_same_segment_as_the_stock_writer(tmp_path, monkeypatch, path):
    if path == "public-add":
        monkeypatch.setattr(compat, "raw_term_table", lambda fw: None)
    # the token buffers are compacted several times and the chunks merged at commit
    monkeypatch.setattr(TokenPostings, "COMPACT_TOKENS", 20_000)
    monkeypatch.setattr(bulk_module, "_PIECE_CACHE_MAX", 500)  # the word caches are emptied
    monkeypatch.setattr(bulk_postings, "_LIST_WINDOW", 1000)  # postings listed window by window
    before = compat.STATS.copy()
    docs = [document_fields(d) for d in demo_documents(copies=3)]
    readers = []
    for name in ("stock", "bulk"):
        (tmp_path / name).mkdir()
        ix = index.create_in(str(tmp_path / name), build_schema())
        options = {"compound": False, "codec": W3Codec(compression=1)}
        if name == "stock":
            writer = SegmentWriter(ix, **options)
        else:
            fast = fast_analyzers(ix.schema) if path != "no-fast-analyzers" else {}
            writer = BulkSegmentWriter(ix, fast_analyzers=fast, **options)
        for fields in docs:
            writer.add_document(**fields)
        writer.commit()
        readers.append(index.open_dir(str(tmp_path / name)).reader())
    stock, bulk = readers
    # byte for byte: postings, term table, lengths, stored fields and columns
    stock_files = _segment_files(tmp_path / "stock", stock)
    assert len(stock_files) > 15
    assert _segment_files(tmp_path / "bulk", bulk) == stock_files
    # the path the test means to exercise was really taken, and only that one
    taken = compat.STATS - before
    written = {k: taken[k] for k in ("write_fast", "write_slow", "write_generic") if taken[k]}
    if path == "whole-blocks":
        assert set(written) == {"write_fast"} and written["write_fast"] > 1000
    elif path == "public-add":
        assert set(written) == {"write_slow"} and written["write_slow"] > 1000
    else:  # doc_id (Existence format) still as arrays, the text fields term by term
        assert written == {"write_fast": len(docs), "write_generic": written["write_generic"]}
        assert written["write_generic"] > 1000
    terms = list(stock.all_terms())
    assert terms == list(bulk.all_terms())
    assert len(terms) > 3000
    assert max(stock.doc_frequency(f, t) for f, t in terms) > 2 * 128  # multi-block terms
    for fieldname, btext in terms:
        assert _postings(stock, fieldname, btext) == _postings(bulk, fieldname, btext)
        assert vars(stock.term_info(fieldname, btext)) == vars(bulk.term_info(fieldname, btext))
    assert stock.doc_count_all() == bulk.doc_count_all() == len(docs)
    for fieldname in ("title", "summary", "tags", "content", "reports", "spell"):
        assert stock.field_length(fieldname) == bulk.field_length(fieldname)
        for docnum in range(len(docs)):
            assert stock.doc_field_length(docnum, fieldname) == bulk.doc_field_length(
                docnum, fieldname
            )
    for docnum in range(len(docs)):
        assert stock.stored_fields(docnum) == bulk.stored_fields(docnum)
    for column in ("doc_id", "category", "reuse_count", "published"):
        assert list(stock.column_reader(column)) == list(bulk.column_reader(column))
    stock.close()
    bulk.close()


def test_parallel_rebuild_writes_one_segment_per_process(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "REBUILD_PROCS_MIN_DOCS", 10)
    monkeypatch.setattr(index_module.os, "cpu_count", lambda: 2)
    docs = [
        make_doc(i, f"Termin Nummer {i}", "Kita" if i % 3 else "Abfallkalender")
        for i in range(1, 601)
    ]
    progress = []
    with CatalogueIndex(tmp_path) as ix:
        assert ix.rebuild(docs, total=len(docs), progress=lambda n, t: progress.append(n)) == 600
        stats = ix.stats()
        assert stats["doc_count"] == 600
        assert stats["segment_count"] == 2
        assert set(ix.versions()) == {d.doc_id for d in docs}
        assert ix.search(SearchRequest(text="Abfall Kalender")).total == 200
        assert ix.search(SearchRequest(text="Nummer 17")).hits[0].doc_id == "solution:17"
    assert progress[-1] == 600
