"""The engine's fast paths are really taken, its caches stay within budget, the compiled
spelling search equals Whoosh's, and the result flags say what the search did."""

from __future__ import annotations

import ast
import heapq
import random
from pathlib import Path

import numpy as np
import pytest
from whoosh.reading import IndexReader

import search_index.context as context_module
from search_index import CatalogueIndex, SearchRequest, compat
from search_index.concepts import build_concepts, concept_docs
from search_index.docsets import coordination_pool
from search_index.spelling import best_spelling, close_terms
from tests.search_index.conftest import CATALOGUE, make_doc

PACKAGE = Path(__file__).resolve().parents[2] / "search_index"


def test_compat_finds_every_internal_it_needs():
    assert compat.missing_internals() == []


def test_compat_names_a_missing_internal(monkeypatch):
    from whoosh.codec import whoosh3

    monkeypatch.setitem(compat._REQUIRED, whoosh3.W3LeafMatcher, ("_read_ids", "_no_such"))
    assert compat.missing_internals() == ["W3LeafMatcher._no_such"]


def test_only_compat_reads_private_whoosh_attributes():
    """Private attributes of Whoosh objects are read in compat.py only (bulk.py subclasses
    Whoosh writers and overrides their hooks, which compat checks at import)."""
    offenders = []
    for path in PACKAGE.glob("*.py"):
        if path.name in ("compat.py", "bulk.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in ("raw", "leaf", "perdoc", "pw", "fw", "m", "reader")
            ):
                offenders.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
    assert offenders == []


def _delta(before):
    return compat.STATS - before


def test_search_and_matching_take_the_block_wise_fast_paths(catalogue):
    before = compat.STATS.copy()
    catalogue.search(SearchRequest(text="Termin Bürgeramt", facet_fields=("category",)))
    catalogue.match("Wir wollen die Terminvergabe im Bürgeramt digitalisieren", limit=5)
    taken = _delta(before)
    assert taken["arrays_fast"] > 0 and not taken["arrays_slow"]


def test_has_term_answers_as_the_document_frequency_does(catalogue):
    """The prefix vocabularies behind `has_term` know exactly the terms Whoosh knows, the
    short ones included, and are read once per prefix."""
    ctx = catalogue.context()
    terms = [t if isinstance(t, str) else t.decode() for t in ctx.reader.lexicon("content")]
    assert terms
    made_up = [t + "zentrum" for t in terms[:50]] + [t[:-1] for t in terms[:50]] + ["abc", "x"]
    for term in terms + made_up:
        assert ctx.has_term("content", term) == bool(ctx.doc_frequency("content", term)), term
    prefixes = {t[: context_module.KNOWN_PREFIX] for t in terms + made_up if len(t) > 4}
    assert prefixes <= {prefix for _field, prefix in ctx._term_sets._items}
    assert ctx.cache_sizes()["term_set_terms"] >= len([t for t in terms if len(t) > 4])


def test_a_prefix_with_too_many_terms_is_answered_term_by_term(catalogue, monkeypatch):
    monkeypatch.setattr(context_module, "TERM_SET_CACHE_TERMS", 1)
    ctx = catalogue.context()
    ctx._term_sets._items.clear()
    terms = [t if isinstance(t, str) else t.decode() for t in ctx.reader.lexicon("content")]
    long_terms = [t for t in terms if len(t) > context_module.KNOWN_PREFIX][:20]
    for term in long_terms + [t + "zentrum" for t in long_terms]:
        assert ctx.has_term("content", term) == bool(ctx.doc_frequency("content", term))
    assert ctx._crowded_prefixes and not ctx._term_sets._items


def test_opening_a_context_pins_every_segment_and_reads_columns_from_pinned_files(tmp_path):
    ix = CatalogueIndex(tmp_path / "ix")
    ix.rebuild(CATALOGUE, total=len(CATALOGUE))
    ix.apply([make_doc(99, "Sperrmüll im Quartier")], [])
    before = compat.STATS.copy()
    ctx = ix.context()
    ctx.array("category")
    taken = _delta(before)
    assert taken["pin_fast"] == len(ctx.reader.leaf_readers()) == 2
    assert taken["column_fast"] == 2 and not taken["column_slow"] and not taken["pin_slow"]


def test_term_cache_stays_within_its_budget(catalogue, monkeypatch):
    monkeypatch.setattr(context_module, "TERM_CACHE_DOCS", 6)
    monkeypatch.setattr(context_module, "MAX_CACHED_SHARE", 0.5)
    catalogue.close()
    ctx = catalogue.context()
    for term in ("termin", "online", "kita", "sperrmull", "app", "bürgeramt", "abfall"):
        ctx.term_docs("content", term)
        assert ctx.cache_sizes()["term_docnums"] <= 6
    assert sum(len(v) for v in ctx._term_cache.values()) == ctx.cache_sizes()["term_docnums"]
    # an evicted or never cached term is read again with the same result
    assert ctx.term_docs("content", "termin") == catalogue.context().term_docs("content", "termin")
    catalogue.close()


@pytest.mark.parametrize(
    "field,word,maxdist,prefix",
    [
        ("content", "terminvergabx", 2, 2),
        ("content", "sperrmul", 1, 2),
        ("content", "kitta", 1, 2),
        ("spell", "ratsinformationsystem", 2, 2),
        ("spell", "bürgeramtt", 1, 1),
        ("spell", "termni", 1, 1),  # a transposition
        ("spell", "zz", 1, 2),
    ],
)
def test_close_terms_equal_whoosh_terms_within(catalogue, field, word, maxdist, prefix):
    ctx = catalogue.context()
    # IndexReader.terms_within: Whoosh's pure-Python Damerau-Levenshtein over the prefix terms
    expected = set(IndexReader.terms_within(ctx.reader, field, word, maxdist, prefix))
    assert set(close_terms(ctx, field, word, maxdist, prefix)) == expected


def _old_best_spelling(ctx, word):
    own = ctx.doc_frequency("spell", word)
    best = None
    for maxdist in (1, 2):
        if maxdist == 2 and (best is not None or len(word) < 7):
            break
        for cand in IndexReader.terms_within(ctx.reader, "spell", word, maxdist, 1):
            if cand == word:
                continue
            df = ctx.doc_frequency("spell", cand)
            if df <= own:
                continue
            key = (maxdist, -df, cand)
            if best is None or key < best:
                best = key
    return best[2] if best else None


@pytest.mark.parametrize(
    "word", ["terminvergabee", "sperrmüllabholungg", "kitta", "bürgerbüo", "app", "navigatr"]
)
def test_best_spelling_equals_the_pure_python_search(catalogue, word):
    ctx = catalogue.context()
    found = best_spelling(ctx, word)
    assert (found[0] if found else None) == _old_best_spelling(ctx, word)


def test_concept_documents_are_computed_once_per_variant_list(catalogue, monkeypatch):
    ctx = catalogue.context()
    (concept,) = build_concepts(ctx, "Terminvergabe")
    calls = []
    original = ctx.term_docs
    monkeypatch.setattr(ctx, "term_docs", lambda f, t: calls.append(t) or original(f, t))
    first = concept_docs(ctx, concept)
    n = len(calls)
    assert n and concept_docs(ctx, concept) is first and len(calls) == n
    concept.variants.append(concept.variants[0])  # a new variant invalidates the memo
    concept_docs(ctx, concept)
    assert len(calls) > n


def test_a_compound_part_alone_is_only_a_fallback(tmp_path):
    ix = CatalogueIndex(tmp_path / "ix")
    docs = [
        make_doc(1, "Terminvergabe im Bürgeramt"),
        make_doc(2, "Termin und Vergabe", "Vergabe von Terminen für Bauanträge"),
        make_doc(3, "Termin für die Müllabfuhr"),
        make_doc(4, "Onlineterminvergabe für die Zulassung"),
        make_doc(5, "Wohngeldrechner"),
    ]
    ix.rebuild(docs, total=len(docs))
    res = ix.search(SearchRequest(text="Terminvergabe"))
    # the compound, its synonym and all of its parts; a document with only "Termin" is not hit
    assert {h.doc_id for h in res.hits} == {"solution:1", "solution:2", "solution:4"}
    assert not res.broadened and not res.relaxed and not res.fuzzy
    assert res.hits[0].doc_id in ("solution:1", "solution:4")
    # nothing carries the whole compound or all of its parts: a single part stands in
    res = ix.search(SearchRequest(text="Wohngeldtermin"))
    assert res.broadened and {h.doc_id for h in res.hits} >= {"solution:5"}


def test_flags_for_corrected_relaxed_and_suggested_results(tmp_path):
    ix = CatalogueIndex(tmp_path / "ix")
    docs = [make_doc(n, f"Terminvergabe Navigator {n}", "Termine online buchen") for n in range(8)]
    docs += [
        make_doc(20, "Navigatr mit Tippfehler im Titel"),
        make_doc(21, "Sperrmüll online anmelden"),
    ]
    ix.rebuild(docs, total=len(docs))

    # an unknown word: found through a close spelling, flagged, and the fix is suggested
    res = ix.search(SearchRequest(text="Navigatorr"))
    assert res.fuzzy and res.corrected and res.total == 9  # "navigator" and "navigatr"
    assert res.corrections == {"Navigatorr": "navigator"}  # the most frequent spelling
    assert res.suggestion == "Navigator" and res.suggestion_total == 8

    # an unknown compound found through its parts: "Meinten Sie Terminvergabe?"
    res = ix.search(SearchRequest(text="Terminvergabee"))
    assert not res.fuzzy and res.total == 8
    assert res.suggestion == "Terminvergabe" and res.suggestion_total == 8

    # a rare spelling that exists: results as typed, the clearly better spelling offered
    res = ix.search(SearchRequest(text="Navigatr"))
    assert not res.fuzzy and res.total == 1
    assert res.suggestion == "Navigator" and res.suggestion_total == 8

    res = ix.search(SearchRequest(text="Sperrmüll Navigator Wohngeld"))
    assert res.relaxed and not res.fuzzy and res.total == 9
    assert {h.coverage for h in res.hits} == {round(1 / 3, 3)}  # one of the three words each

    res = ix.search(SearchRequest(text="Terminvergabe Navigator"))
    assert not (res.fuzzy or res.relaxed or res.broadened) and res.suggestion is None
    assert res.corrections == {} and all(h.coverage == 1.0 for h in res.hits)


def test_block_wise_reads_equal_the_public_matcher_api(tmp_path):
    ix = CatalogueIndex(tmp_path / "ix")
    # enough documents for posting lists of several blocks (128 postings each)
    docs = [
        make_doc(n, f"Termin {n % 7} Bürgeramt", "Sperrmüll " * (n % 3 + 1), "Kita " * (n % 5))
        for n in range(1, 700)
    ]
    ix.rebuild(docs, total=len(docs))
    ix.apply([make_doc(2000, "Termin im Rathaus")], ["solution:5", "solution:300"])
    ctx = ix.context()
    before = compat.STATS.copy()
    public: dict[int, float] = {}
    for leaf, offset in ctx.reader.leaf_readers():
        for fieldname, btext in leaf.all_terms():
            if fieldname not in ("content", "title"):
                continue
            m = leaf.postings(fieldname, btext)
            ids, weights = [], []
            while m.is_active():
                ids.append(m.id())
                weights.append(m.weight())
                m.next()
            if (fieldname, btext) == ("content", b"termin"):
                public.update({offset + d: w for d, w in zip(ids, weights, strict=True)})
            deleted = leaf.deleted_docs_set if leaf.has_deletions() else set()
            fast_ids, fast_weights = compat.posting_arrays(leaf.postings(fieldname, btext))
            pairs = [
                (d, w)
                for d, w in zip(fast_ids.tolist(), fast_weights.tolist(), strict=True)
                if d not in deleted
            ]
            assert pairs == list(zip(ids, weights, strict=True))
    taken = compat.STATS - before
    assert taken["arrays_fast"] and not taken["arrays_slow"]
    # the context's decoded, cached views of one term agree with the public API
    ids, weights = ctx.postings("content", "termin")
    assert dict(zip(ids.tolist(), weights.tolist(), strict=True)) == public
    assert len(public) > 600
    assert ids.tolist() == sorted(ctx.term_docs("content", "termin"))
    assert ctx.term_weights("content", "termin") == public
    some = [*sorted(public)[::5], 10_000]
    assert ctx.weights_for("content", "termin", some) == {d: public[d] for d in some if d in public}
    # membership of a few documents, looked up in the posting array (no set of the whole list)
    probe = np.arange(0, max(public) + 3, dtype=np.int64)  # deleted documents and beyond
    expected = [d in public for d in probe.tolist()]
    assert any(expected) and not all(expected)
    assert ctx.carrying("content", "termin", probe).tolist() == expected
    assert [ctx.has_doc("content", "termin", d) for d in probe.tolist()] == expected
    assert not ctx.carrying("content", "zzqxnotaterm", probe).any()
    assert not ctx.has_doc("content", "zzqxnotaterm", int(probe[0]))
    assert ctx.carrying("content", "termin", probe[:0]).tolist() == []


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from benchmarks.corpus import Corpus

    ix = CatalogueIndex(tmp_path_factory.mktemp("synthetic"))
    ix.rebuild(Corpus(seed=42).documents(1500), total=1500)
    ix.apply([], ["solution:3", "solution:40"])  # deletions must be honoured too
    yield ix
    ix.close()


def _queries():
    from benchmarks.corpus import Corpus

    return Corpus(seed=7).queries(60)


def test_numpy_prerank_picks_the_candidates_of_the_set_based_prerank(synthetic):
    import heapq

    from search_index.docsets import DocSets
    from search_index.scoring import prerank

    ctx = synthetic.context()
    checked = 0
    for q in _queries():
        concepts = build_concepts(ctx, q)
        sets = DocSets(ctx)
        pool = sets.any_of(concepts)
        docs = {int(d) for d in pool.nonzero()[0]}
        if len(docs) <= 60:
            continue
        want = 60
        fast = sets.prerank(concepts, pool, want)
        slow = prerank(ctx, concepts, docs, want)
        # the same candidates, except among exactly tied (score, date) at the cut-off
        published = ctx.array("published")
        keys = _prerank_keys(ctx, concepts, docs)
        assert sorted(keys[d] for d in fast) == sorted(keys[d] for d in slow), q
        assert fast == sorted(fast, key=lambda d: (-keys[d][0], -keys[d][1], d))
        assert heapq.nlargest(1, docs, key=keys.__getitem__)[0] in (fast[0], slow[0])
        assert all(published[d] == keys[d][1] for d in fast)
        checked += 1
    assert checked >= 20


def _prerank_keys(ctx, concepts, docs):
    """(score, published) of every doc, by the formula of scoring.prerank (reference)."""
    from search_index.scoring import PRERANK_BONUS, idf

    scores = dict.fromkeys(docs, 0.0)
    for concept in concepts:
        variants = sorted(
            (
                (v.weight * idf(ctx, "content", v.terms[0]), v.terms[0])
                for v in concept.variants
                if len(v.terms) == 1
            ),
            reverse=True,
        )
        if not variants:
            continue
        best = {}
        for base, term in variants:
            for d in ctx.term_docs("content", term) & docs:
                best.setdefault(d, base)
        for fieldname, bonus in PRERANK_BONUS.items():
            for d in ctx.term_docs(fieldname, variants[0][1]) & docs:
                best[d] = best.get(d, 0.0) + bonus * variants[0][0]
        for d, s in best.items():
            scores[d] += s
    published = ctx.array("published")
    return {d: (scores[d], published[d]) for d in docs}


def test_numpy_document_sets_equal_the_concept_sets(synthetic):
    from search_index.docsets import DocSets

    ctx = synthetic.context()
    for q in _queries()[:30]:
        concepts = build_concepts(ctx, q)
        sets = DocSets(ctx)
        for c in concepts:
            assert set(sets.concept(c).nonzero()[0].tolist()) == set(concept_docs(ctx, c))
        expected = set(ctx.live_docs())
        for c in concepts:
            expected &= set(concept_docs(ctx, c))
        if all(c.variants for c in concepts):
            assert set(sets.all_of(concepts).nonzero()[0].tolist()) == expected


def test_browse_orders_equal_the_python_orders(synthetic):
    import heapq

    from search_index.docsets import DocSets

    ctx = synthetic.context()
    sets = DocSets(ctx)
    live = ctx.live_docs()
    published, reuse = ctx.array("published"), ctx.array("reuse_count")
    assert sets.newest(sets.live(), 50) == heapq.nlargest(
        50, live, key=lambda d: (published[d], -d)
    )
    assert sets.newest(sets.live(), 50, by_reuse=True) == heapq.nlargest(
        50, live, key=lambda d: (reuse[d], published[d], -d)
    )


def _dictionary_pool(doc_sets, weights, limit, excluded):
    """need matching's former stage 1: a dictionary filled set by set, then heapq.nlargest."""
    acc: dict[int, float] = {}
    for docs, weight in zip(doc_sets, weights, strict=True):
        for d in docs:
            acc[d] = acc.get(d, 0.0) + weight
    acc = {d: s for d, s in acc.items() if d not in excluded}
    return heapq.nlargest(limit, acc, key=acc.__getitem__), set(acc)


@pytest.mark.parametrize("seed", range(12))
def test_coordination_pool_equals_the_dictionary_version(seed):
    rng = random.Random(seed)
    size = rng.choice([50, 400, 3000])
    # few distinct weights and large sets: many documents share a sum, also at the cut-off
    weights = [rng.choice([0.5, 1.25, 2.0, 3.1]) for _ in range(rng.randint(1, 12))]
    doc_sets = [{rng.randrange(size) for _ in range(rng.randint(0, size // 2))} for _ in weights]
    excluded = {rng.randrange(size) for _ in range(rng.choice([0, 5, size // 4]))}
    mask = np.zeros(size, dtype=bool)
    mask[list(excluded)] = True
    for limit in (1, 10, 100):
        pool, carried = coordination_pool(
            doc_sets, weights, size, limit, mask if excluded else None
        )
        expected, kept = _dictionary_pool(doc_sets, weights, limit, excluded)
        assert pool == expected
        assert set(np.flatnonzero(carried)) - excluded == kept
