"""The one-pass posting decoder and the compact posting cache give exactly what the block-wise
decoder and the plain int32/float32 cache gave: per term (docnums, weights, masks, membership)
and per search and need match (hits, scores, totals, facets) on a random corpus."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

import search_index.context as context_module
import search_index.postings as postings_module
from search_index import CatalogueIndex, SearchRequest, compat
from search_index.postings import CompactPostings, compact_postings
from search_index.query import FILTER_FIELDS
from tests.search_index.conftest import make_doc

WORDS = (
    "Termin Bürgeramt Kita Anmeldung Portal Sperrmüll Zulassung Schule Radweg Haltestelle "
    "Gewerbe Meldung Dashboard Wohngeld Parkausweis Hund Steuer Friedhof Bibliothek Baustelle "
    "Onlineterminvergabe Kitaplatzvergabe Schulwegsdashboard Terminbuchung Abfallkalender"
).split()


def _old_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine as before: block-wise decoding, every list cached as int32 + float32."""

    def blockwise(m):
        raw = compat.raw_matcher(m)
        assert raw is not None
        return compat.blockwise_arrays(raw)

    def plain(ids, weights, size):
        return CompactPostings(ids, weights, False, int(ids.nbytes + weights.nbytes))

    monkeypatch.setattr(compat, "posting_arrays", blockwise)
    monkeypatch.setattr(context_module, "compact_postings", plain)


def _text(rng: random.Random, n: int) -> str:
    # Zipf-like: the first words are in most documents, the last ones in few
    return " ".join(WORDS[min(int(rng.expovariate(0.25)), len(WORDS) - 1)] for _ in range(n))


@pytest.fixture(scope="module")
def random_index(tmp_path_factory):
    rng = random.Random(15)
    docs = [
        make_doc(
            n,
            _text(rng, rng.randint(1, 4)),
            _text(rng, rng.randint(0, 8)),
            _text(rng, rng.randint(0, 60)),
            category=rng.choice(["buergerservice", "familie", "mobilitaet"]),
            municipality=rng.choice(["05754008", "05766020", "05754028"]),
        )
        for n in range(1, 3001)
    ]
    docs.append(make_doc(4000, "Steuer", body="Termin " * 300))  # a weight above 255
    path = tmp_path_factory.mktemp("random")
    ix = CatalogueIndex(path)
    ix.rebuild(docs, total=len(docs))
    # a second segment and deletions in the first
    ix.apply(
        [make_doc(5000 + n, _text(rng, 3), body=_text(rng, 20)) for n in range(200)],
        [f"solution:{n}" for n in range(5, 3000, 37)],
    )
    ix.close()
    return path


def _term_views(path):
    ix = CatalogueIndex(path)
    ctx = ix.context()
    size = ctx.reader.doc_count_all()
    probe = np.arange(-2, size + 3, dtype=np.int64)
    views = {}
    for fieldname, btext in ctx.reader.all_terms():
        if fieldname not in ("content", "title", "tags", "summary"):
            continue
        text = btext.decode("utf-8")
        ids, weights = ctx.postings(fieldname, text)
        views[(fieldname, text)] = (
            ids.tolist(),
            weights.tolist(),
            (ids.dtype.name, weights.dtype.name),
            np.flatnonzero(ctx.term_mask(fieldname, text)).tolist(),
            ctx.carrying(fieldname, text, probe).tolist(),
            [ctx.has_doc(fieldname, text, d) for d in range(-2, size + 3, 7)],
        )
    ix.close()
    return views


def test_terms_are_identical_on_the_old_and_new_path(random_index, monkeypatch):
    before = compat.STATS.copy()
    new = _term_views(random_index)
    taken = compat.STATS - before
    assert taken["arrays_fast"] and not taken["arrays_blockwise"] and not taken["arrays_slow"]
    with monkeypatch.context() as m:
        _old_path(m)
        old = _term_views(random_index)
    assert new == old
    size = max(max(v[0], default=0) for v in new.values())
    frequent = [k for k, v in new.items() if len(v[0]) > postings_module.PACKED_SHARE * size]
    assert len(frequent) >= 5 and len(new) > 50  # both forms are exercised
    assert max(max(v[1], default=0) for v in new.values()) >= 300


def _results(path):
    ix = CatalogueIndex(path)
    rng = random.Random(3)
    facets = tuple(FILTER_FIELDS)
    out = []
    queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(60)]
    queries += ["Schulwegsdashboard Haltestelle Melde-Terminbuchung", "Kita Anmeldung online"]
    for q in queries:
        res = ix.search(SearchRequest(text=q, facet_fields=facets, per_page=20))
        out.append(dataclasses.asdict(res))
        res = ix.search(SearchRequest(text=q, filters={"category": ["familie"]}, sort="newest"))
        out.append(dataclasses.asdict(res))
    for _ in range(15):
        need = _text(rng, 30)
        out.append([dataclasses.asdict(m) for m in ix.match(need, limit=10)])
    sizes = ix.context().cache_sizes()
    ix.close()
    return out, sizes


def test_searches_and_matches_are_identical_on_the_old_and_new_path(random_index, monkeypatch):
    new, sizes = _results(random_index)
    with monkeypatch.context() as m:
        _old_path(m)
        old, _ = _results(random_index)
    assert new == old
    assert sum(bool(r["total"]) for r in new if isinstance(r, dict)) > 50
    assert 0 < sizes["posting_bytes"] <= context_module.POSTING_CACHE_BYTES


def test_the_posting_caches_stay_within_their_budgets(random_index, monkeypatch):
    monkeypatch.setattr(context_module, "POSTING_CACHE_BYTES", 4_000)
    monkeypatch.setattr(context_module, "EXPANDED_CACHE_ENTRIES", 3_000)
    ix = CatalogueIndex(random_index)
    ctx = ix.context()
    for word in WORDS:
        ctx.postings("content", word.lower())
        assert ctx.cache_sizes()["posting_bytes"] <= 4_000
        assert ctx.cache_sizes()["expanded_postings"] <= 3_000
    assert sum(e.nbytes for e in ctx._posting_cache.values()) == ctx.cache_sizes()["posting_bytes"]
    assert ctx.cache_sizes()["expanded_postings"] == sum(
        len(ids) for ids, _ in ctx._expanded.values()
    )
    assert ctx._expanded  # something was expanded and kept
    ix.close()


@pytest.mark.parametrize(
    ("weights", "dtype"),
    [
        ([1.0, 2.0, 255.0], "uint8"),
        ([1.0, 256.0], "uint16"),
        ([1.5, 2.0], "float32"),
        ([70000.0, 1.0], "float32"),
    ],
)
def test_compact_weights_are_exact(weights, dtype):
    w = np.asarray(weights, dtype=np.float32)
    ids = np.arange(len(w), dtype=np.int32) * 3
    for size in (len(w) * 3, 10_000):  # packed and not
        c = compact_postings(ids, w, size)
        assert c.weights.dtype.name == dtype
        got_ids, got_w = c.expand(size)
        assert got_ids.dtype == np.int32 and got_w.dtype == np.float32
        assert got_ids.tolist() == ids.tolist() and got_w.tolist() == w.tolist()
        assert [c.has(d) for d in range(-9, size + 9)] == [
            d in set(ids.tolist()) for d in range(-9, size + 9)
        ]
        assert c.carrying(np.arange(-1, size + 9)).tolist() == [
            d in set(ids.tolist()) for d in range(-1, size + 9)
        ]


def test_sized_lru_keeps_the_budget_and_evicts_the_least_recently_used():
    from search_index.postings import SizedLRU

    cache: SizedLRU[str, list[int]] = SizedLRU(10, len, max_share=0.5)
    cache.put("a", [1, 2, 3])
    cache.put("b", [1, 2, 3])
    assert cache.get("a") == [1, 2, 3]  # "a" is now the most recently used
    cache.put("c", [1, 2, 3, 4])  # 10 in total: still within the budget
    assert cache.total == 10 and len(cache) == 3
    cache.put("d", [1])  # over budget: the least recently used ("b") goes
    assert cache.get("b") is None and cache.get("a") is not None
    assert cache.total == 8
    cache.put("e", list(range(6)))  # more than half the budget: not kept at all
    assert cache.get("e") is None and cache.total == 8
    cache.put("a", [9])  # replacing a value counts its new size only
    assert cache.total == 6 and cache.get("a") == [9]
