"""Need-matching latency benchmark: `python benchmarks/matching_latency.py --docs N`.

Owns the measurement of `CatalogueIndex.match` on a synthetic German catalogue with need texts
of 20-80 words, in a fresh serving process: p50, p95, max, the share of documents the median
need's chosen concepts reach (the coordination pool), and the memory of the serving process
after all needs. Prints figures and, as the last line, one JSON object. Must not be imported by
the application; no assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus  # noqa: E402
from benchmarks.search_latency import build, cache_sizes, peak_rss_mb, percentile, rss_mb  # noqa: E402
from search_index import CatalogueIndex  # noqa: E402


def pool_size(ix: CatalogueIndex, text: str) -> int | None:
    """Documents carrying any of the need's chosen concepts (None if matching changed shape)."""
    try:
        from search_index import matching

        ctx = ix.context()
        n_docs = max(1, len(ctx.live_docs()))
        concepts, _missing = matching._need_concepts(ctx, text, n_docs)
    except (AttributeError, TypeError, ValueError):
        return None
    pool: set[int] = set()
    for sc in concepts:
        pool |= sc.docs
    return len(pool)


def serve(args: argparse.Namespace) -> None:
    ix = CatalogueIndex(args.index_dir)
    docs = ix.stats()["doc_count"]
    rss_open = rss_mb()
    needs = Corpus(seed=11).needs(args.needs)
    for text in Corpus(seed=98).needs(5):
        ix.match(text)
    times, cpu = [], []
    for text in needs:
        start, start_cpu = time.perf_counter(), time.process_time()
        ix.match(text, limit=10)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    rss_after = rss_mb()
    caches = cache_sizes(ix)
    pools = [p for p in (pool_size(ix, t) for t in needs[:200]) if p is not None]
    ix.close()
    median_pool = statistics.median(pools) if pools else None
    print(
        json.dumps(
            {
                "needs": len(needs),
                "match_p50_ms": round(statistics.median(times), 1),
                "match_p95_ms": round(percentile(times, 95), 1),
                "match_max_ms": round(max(times), 1),
                "match_cpu_p50_ms": round(statistics.median(cpu), 1),
                "match_cpu_p95_ms": round(percentile(cpu, 95), 1),
                "match_cpu_max_ms": round(max(cpu), 1),
                "median_pool": median_pool,
                "median_share_matched": (
                    round(median_pool / max(1, docs), 4) if median_pool is not None else None
                ),
                "serving_rss_open_mb": round(rss_open, 1),
                "serving_rss_after_needs_mb": round(rss_after, 1),
                "serving_peak_rss_mb": round(peak_rss_mb(), 1),
                "caches": caches,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--needs", type=int, default=1000)
    parser.add_argument("--index-dir", type=Path, help="reuse/keep the index here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return

    corpus = Corpus(seed=42)
    root = args.index_dir or Path(tempfile.mkdtemp(prefix="bench-match-"))
    ix, rate = build(corpus, args.docs, root)
    if rate is not None:
        print(f"rebuild: {args.docs} docs at {rate:.0f} docs/s", flush=True)
    doc_count = ix.stats()["doc_count"]
    ix.close()
    cmd = [sys.executable, __file__, "--serve", "--index-dir", str(root)]
    cmd += ["--needs", str(args.needs)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    served = json.loads(out.strip().splitlines()[-1])
    share = served["median_share_matched"]
    print(
        f"match ({served['needs']} needs of 20-80 words): p50 {served['match_p50_ms']} ms, "
        f"p95 {served['match_p95_ms']} ms, max {served['match_max_ms']} ms (CPU time p50 "
        f"{served['match_cpu_p50_ms']}, p95 {served['match_cpu_p95_ms']} ms); median need reaches "
        f"{served['median_pool']} docs ({100 * share:.1f} %)"
        if share is not None
        else f"match: p50 {served['match_p50_ms']} ms, p95 {served['match_p95_ms']} ms"
    )
    print(f"machine load (1/5/15 min) at the end: {open('/proc/loadavg').read().strip()}")
    print(
        f"serving process RSS: {served['serving_rss_open_mb']} MB after opening, "
        f"{served['serving_rss_after_needs_mb']} MB after {served['needs']} needs "
        f"(peak {served['serving_peak_rss_mb']} MB); caches {served['caches']}"
    )
    print(
        json.dumps(
            {
                "docs": doc_count,
                **{k: v for k, v in served.items() if k != "caches"},
                "rebuild_docs_per_s": round(rate, 1) if rate is not None else None,
            }
        )
    )


if __name__ == "__main__":
    main()
