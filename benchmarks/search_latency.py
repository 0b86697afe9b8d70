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
import subprocess
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


def rss_mb(field: str = "VmRSS:") -> float:
    """Current (or with "VmHWM:" peak) resident set size of this process in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak RSS of this process since it started (VmHWM: ru_maxrss survives exec on Linux)."""
    return rss_mb("VmHWM:")


def build(corpus: Corpus, n: int, root: Path) -> tuple[CatalogueIndex, float | None]:
    ix = CatalogueIndex(root)
    if ix.stats()["doc_count"] >= n:
        return ix, None  # reuse a prebuilt index (--index-dir)
    docs = list(corpus.documents(n))
    start = time.perf_counter()
    ix.rebuild(docs, total=n)
    return ix, n / (time.perf_counter() - start)


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


def cache_sizes(ix: CatalogueIndex) -> dict[str, int] | None:
    sizes = getattr(ix.context(), "cache_sizes", None)
    return sizes() if sizes else None


def serve(args: argparse.Namespace) -> None:
    """The serving side, in its own process: queries, memory, approve→searchable."""
    ix = CatalogueIndex(args.index_dir)
    docs = ix.stats()["doc_count"]
    rss_open = rss_mb()
    facets = tuple(FILTER_FIELDS)
    queries = with_typos(Corpus(seed=7).queries(args.queries), seed=3)
    for q in Corpus(seed=99).queries(10):  # warm-up: open the searcher, load the columns
        ix.search(SearchRequest(text=q, facet_fields=facets))
    times, cpu, totals = [], [], []
    for q in queries:
        start, start_cpu = time.perf_counter(), time.process_time()
        res = ix.search(SearchRequest(text=q, facet_fields=facets, per_page=10))
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        totals.append(res.total)
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
                "search_p50_ms": round(statistics.median(times), 1),
                "search_p95_ms": round(percentile(times, 95), 1),
                "search_max_ms": round(max(times), 1),
                # CPU time of this process per query: less distorted on a shared, loaded machine
                "search_cpu_p50_ms": round(statistics.median(cpu), 1),
                "search_cpu_p95_ms": round(percentile(cpu, 95), 1),
                "search_cpu_max_ms": round(max(cpu), 1),
                "median_hits": median_hits,
                "median_share_matched": round(median_hits / max(1, docs), 4),
                "filtered_p95_ms": round(percentile(filtered, 95), 1),
                "browse_max_ms": round(max(browse), 1),
                "approve_to_searchable_ms": round(max(approve), 1),
                "serving_rss_open_mb": round(rss_open, 1),
                "serving_rss_after_queries_mb": round(rss_after, 1),
                "serving_peak_rss_mb": round(peak_rss_mb(), 1),
                "caches": caches,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--index-dir", type=Path, help="reuse/keep the index here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return

    corpus = Corpus(seed=42)
    root = args.index_dir or Path(tempfile.mkdtemp(prefix="bench-search-"))
    ix, rate = build(corpus, args.docs, root)
    if rate is not None:
        print(f"rebuild: {args.docs} docs at {rate:.0f} docs/s", flush=True)
    stats = ix.stats()
    ix.close()
    print(
        f"index: {stats['doc_count']} docs, {stats['segment_count']} segments, "
        f"{stats['size_bytes'] / 1e6:.1f} MB",
        flush=True,
    )
    build_rss = peak_rss_mb()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    cmd = [sys.executable, __file__, "--serve", "--index-dir", str(root)]
    cmd += ["--queries", str(args.queries)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    served = json.loads(out.strip().splitlines()[-1])
    print(
        f"search, {served['queries']} queries (facets on {len(FILTER_FIELDS)} fields + "
        f"highlights top 10): p50 {served['search_p50_ms']} ms, p95 {served['search_p95_ms']} "
        f"ms, max {served['search_max_ms']} ms (CPU time p50 {served['search_cpu_p50_ms']}, p95 "
        f"{served['search_cpu_p95_ms']}, max {served['search_cpu_max_ms']} ms); median query "
        f"matches {served['median_hits']:.0f} docs ({100 * served['median_share_matched']:.1f} %)"
    )
    print(f"machine load (1/5/15 min) at the end: {open('/proc/loadavg').read().strip()}")
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
                "rebuild_docs_per_s": round(rate, 1) if rate is not None else None,
                "build_peak_rss_mb": round(build_rss, 1),
                "segments": stats["segment_count"],
                "index_mb": round(stats["size_bytes"] / 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
