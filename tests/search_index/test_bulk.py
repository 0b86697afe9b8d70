"""The rebuild path (fast analysis + BulkSegmentWriter) must build what the stock Whoosh writer builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

import search_index.index as index_module
from search_index import CatalogueIndex, SearchRequest, compat
from search_index.analysis import fast_index_terms, german_analyzer
from search_index.bulk import BulkSegmentWriter
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


def demo_documents() -> list:
    docs = []
    with DEMO.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            row = json.loads(line)
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


def test_fast_index_terms_equal_the_whoosh_pipeline():
    analyzer = german_analyzer()
    texts = TRICKY + [f"{d.title}\n{d.summary}\n{d.body}" for d in demo_documents()]
    for text in texts:
        expected = [t.text for t in analyzer(text, mode="index")]
        assert fast_index_terms(text) == expected, text[:60]


def _postings(reader, fieldname, btext):
    m = reader.postings(fieldname, btext)
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value(), m.block_min_length(), m.block_max_length()))
        m.next()
    return out


@pytest.mark.parametrize("block_path", [True, False], ids=["whole-blocks", "public-add"])
def test_bulk_writer_builds_the_same_segment_as_the_stock_writer(tmp_path, monkeypatch, block_path):
    if not block_path:  # a postings writer without the 2.7.5 block buffer: one add() per posting
        monkeypatch.setattr(compat, "postings_writer", lambda fw: None)
    before = compat.STATS.copy()
    docs = [document_fields(d) for d in demo_documents()]
    readers = []
    for name in ("stock", "bulk"):
        (tmp_path / name).mkdir()
        ix = index.create_in(str(tmp_path / name), build_schema())
        options = {"compound": False, "codec": W3Codec(compression=1)}
        if name == "stock":
            writer = SegmentWriter(ix, **options)
        else:
            writer = BulkSegmentWriter(ix, fast_analyzers=fast_analyzers(ix.schema), **options)
        for fields in docs:
            writer.add_document(**fields)
        writer.commit()
        readers.append(index.open_dir(str(tmp_path / name)).reader())
    stock, bulk = readers
    taken = compat.STATS - before
    # the path the test means to exercise was really taken, and only that one
    assert taken["write_fast" if block_path else "write_slow"] > 1000
    assert not taken["write_slow" if block_path else "write_fast"]
    terms = list(stock.all_terms())
    assert terms == list(bulk.all_terms())
    assert len(terms) > 3000
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
