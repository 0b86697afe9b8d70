"""Search latency benchmark: `python benchmarks/search_latency.py --docs N`.

Owns the measurement of the production search path on a synthetic German catalogue: rebuild
throughput, keyword queries with all facet counts and highlighted top 10 (p50/p95), the time from
approving a document (apply) to the first query that finds it, and peak RSS. Prints figures and,
as the last line, one JSON object. Must not be imported by the application; no assertions.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus  # noqa: E402
from search_index import CatalogueIndex, SearchRequest  # noqa: E402
from search_index.query import FILTER_FIELDS  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def build(corpus: Corpus, n: int, root: Path) -> tuple[CatalogueIndex, float | None]:
    ix = CatalogueIndex(root)
    if ix.stats()["doc_count"] >= n:
        return ix, None  # reuse a prebuilt index (--index-dir)
    docs = list(corpus.documents(n))
    start = time.perf_counter()
    ix.rebuild(docs, total=n)
    return ix, n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--index-dir", type=Path, help="reuse/keep the index here")
    args = parser.parse_args()

    corpus = Corpus(seed=42)
    root = args.index_dir or Path(tempfile.mkdtemp(prefix="bench-search-"))
    ix, rate = build(corpus, args.docs, root)
    if rate is not None:
        print(f"rebuild: {args.docs} docs at {rate:.0f} docs/s", flush=True)
    stats = ix.stats()
    print(
        f"index: {stats['doc_count']} docs, {stats['segment_count']} segments, "
        f"{stats['size_bytes'] / 1e6:.1f} MB",
        flush=True,
    )

    queries = Corpus(seed=7).queries(args.queries)
    facets = tuple(FILTER_FIELDS)
    for q in queries[:10]:  # warm-up: open the searcher and load the column arrays
        ix.search(SearchRequest(text=q, facet_fields=facets))
    times, totals = [], []
    for q in queries:
        start = time.perf_counter()
        res = ix.search(SearchRequest(text=q, facet_fields=facets, per_page=10))
        times.append((time.perf_counter() - start) * 1000)
        totals.append(res.total)
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
    print(
        f"search (facets on {len(facets)} fields + highlights top 10): "
        f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
        f"max {max(times):.1f} ms, median hits {statistics.median(totals):.0f}"
    )
    print(
        f"search with 2-value category filter: p50 {statistics.median(filtered):.1f} ms, "
        f"p95 {percentile(filtered, 95):.1f} ms; browse all: max {max(browse):.1f} ms"
    )

    approve = []
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
    print(
        f"approve→searchable (apply + first query, new searcher): "
        f"median {statistics.median(approve):.0f} ms, max {max(approve):.0f} ms"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB (largest rebuild worker process: {children:.0f} MB)")
    ix.close()
    print(
        json.dumps(
            {
                "docs": args.docs,
                "search_p50_ms": round(statistics.median(times), 1),
                "search_p95_ms": round(percentile(times, 95), 1),
                "filtered_p95_ms": round(percentile(filtered, 95), 1),
                "rebuild_docs_per_s": round(rate, 1) if rate is not None else None,
                "approve_to_searchable_ms": round(max(approve), 1),
                "peak_rss_mb": round(rss, 1),
                "peak_rss_rebuild_worker_mb": round(children, 1),
                "segments": stats["segment_count"],
                "index_mb": round(stats["size_bytes"] / 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
