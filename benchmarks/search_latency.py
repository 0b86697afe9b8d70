"""Search latency benchmark: `python benchmarks/search_latency.py --docs N`.

Owns the measurement of the production search path on a synthetic German catalogue: rebuild
throughput, then, in a fresh serving process (as a gunicorn worker would be), 1,000 varied
keyword queries (one in ten with a typo) with all facet counts and highlighted top 10: p50,
p95, max, the share of documents the median query matches, the memory of the serving process
after all queries; plus filtered queries, browsing, and the time from approving a document
(apply) to the first query that finds it. Prints figures and, as the last line, one JSON
object. Must not be imported by the application; no assertions.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus  # noqa: E402
from benchmarks.serving import (  # noqa: E402
    cache_sizes,
    latency_summary,
    machine_load,
    memory_summary,
    parse_args,
    peak_rss_mb,
    percentile,
    prepare_index,
    rss_mb,
    serve_in_fresh_process,
    timed,
)
from search_index import CatalogueIndex, SearchRequest  # noqa: E402
from search_index.query import FILTER_FIELDS  # noqa: E402


def with_typos(queries: list[str], seed: int, every: int = 10) -> list[str]:
    """Every `every`-th query gets one doubled letter in its longest word (a typo)."""
    rng = random.Random(seed)
    out = []
    for i, q in enumerate(queries):
        if i % every == every - 1:
            words = q.split()
            k = max(range(len(words)), key=lambda j: len(words[j]))
            w = words[k]
            pos = rng.randrange(1, len(w)) if len(w) > 1 else 0
            words[k] = w[:pos] + w[pos - 1] + w[pos:] if pos else w
            q = " ".join(words)
        out.append(q)
    return out


def serve(args: argparse.Namespace) -> None:
    """The serving side, in its own process: queries, memory, approve→searchable."""
    ix = CatalogueIndex(args.index_dir)
    docs = ix.stats()["doc_count"]
    rss_open = rss_mb()
    load_start = machine_load()
    facets = tuple(FILTER_FIELDS)
    queries = with_typos(Corpus(seed=7).queries(args.queries), seed=3)
    for q in Corpus(seed=99).queries(10):  # warm-up: open the searcher, load the columns
        ix.search(SearchRequest(text=q, facet_fields=facets))
    times, cpu, totals = [], [], []
    for q in queries:
        res, wall, cpu_ms = timed(
            ix.search, SearchRequest(text=q, facet_fields=facets, per_page=10)
        )
        times.append(wall)
        cpu.append(cpu_ms)
        totals.append(res.total)
    load_end = machine_load()
    rss_after = rss_mb()
    caches = cache_sizes(ix)
    filtered = []
    for q in queries[:20]:
        start = time.perf_counter()
        ix.search(
            SearchRequest(
                text=q, facet_fields=facets, filters={"category": ["mobilitaet", "umwelt"]}
            )
        )
        filtered.append((time.perf_counter() - start) * 1000)
    browse = []
    for sort in ("relevance", "newest", "most_reused"):
        start = time.perf_counter()
        ix.search(SearchRequest(text="", facet_fields=facets, sort=sort))
        browse.append((time.perf_counter() - start) * 1000)
    approve = []
    corpus = Corpus(seed=42)
    for i in range(5):
        doc = next(corpus.documents(1))
        word = f"Freigabetest{i}wort"
        doc = type(doc)(
            **{
                **{f: getattr(doc, f) for f in doc.__dataclass_fields__},
                "doc_id": f"solution:{10**8 + i}",
                "title": f"{doc.title} {word}",
            }
        )
        start = time.perf_counter()
        ix.apply([doc], [])
        found = ix.search(SearchRequest(text=word)).total
        approve.append((time.perf_counter() - start) * 1000)
        assert found == 1, "approved document not found"
    ix.apply([], [f"solution:{10**8 + i}" for i in range(5)])  # leave the index as it was
    ix.close()
    median_hits = statistics.median(totals)
    print(
        json.dumps(
            {
                "queries": len(queries),
                **latency_summary("search", times, cpu),
                "load_start": load_start,
                "load_end": load_end,
                "median_hits": median_hits,
                "median_share_matched": round(median_hits / max(1, docs), 4),
                "filtered_p95_ms": round(percentile(filtered, 95), 1),
                "browse_max_ms": round(max(browse), 1),
                "approve_to_searchable_ms": round(max(approve), 1),
                **memory_summary(rss_open, rss_after, "queries"),
                "caches": caches,
            }
        )
    )


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], "queries", "keyword queries to time")
    if args.serve:
        serve(args)
        return
    root, stats = prepare_index(args, "bench-search-")
    print(
        f"index: {stats['doc_count']} docs, {stats['segment_count']} segments, "
        f"{stats['size_bytes'] / 1e6:.1f} MB",
        flush=True,
    )
    build_rss = peak_rss_mb()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    served = serve_in_fresh_process(__file__, root, "queries", args.queries)
    print(
        f"search, {served['queries']} queries (facets on {len(FILTER_FIELDS)} fields + "
        f"highlights top 10): p50 {served['search_p50_ms']} ms, p95 {served['search_p95_ms']} "
        f"ms, max {served['search_max_ms']} ms (CPU time p50 {served['search_cpu_p50_ms']}, p95 "
        f"{served['search_cpu_p95_ms']}, max {served['search_cpu_max_ms']} ms); median query "
        f"matches {served['median_hits']:.0f} docs ({100 * served['median_share_matched']:.1f} %)"
    )
    print(
        f"machine load (1/5/15 min) while querying: {served['load_start']} → {served['load_end']}"
    )
    print(
        f"search with 2-value category filter: p95 {served['filtered_p95_ms']} ms; "
        f"browse all: max {served['browse_max_ms']} ms"
    )
    print(f"approve→searchable (apply + first query): max {served['approve_to_searchable_ms']} ms")
    print(
        f"serving process RSS: {served['serving_rss_open_mb']} MB after opening, "
        f"{served['serving_rss_after_queries_mb']} MB after {served['queries']} queries "
        f"(peak {served['serving_peak_rss_mb']} MB); caches {served['caches']}"
    )
    print(f"build process peak RSS {build_rss:.0f} MB (largest rebuild worker: {children:.0f} MB)")
    print(
        json.dumps(
            {
                "docs": stats["doc_count"],
                **{k: v for k, v in served.items() if k != "caches"},
                "rebuild_docs_per_s": stats["rebuild_docs_per_s"],
                "build_peak_rss_mb": round(build_rss, 1),
                "segments": stats["segment_count"],
                "index_mb": round(stats["size_bytes"] / 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
