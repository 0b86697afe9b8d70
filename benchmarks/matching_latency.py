"""Need-matching latency benchmark: `python benchmarks/matching_latency.py --docs N`.

Owns the measurement of `CatalogueIndex.match` on a synthetic German catalogue with need texts
of 20-80 words, in a fresh serving process: p50, p95, max (and apart, for a fifth as many needs
typed in lower case throughout), the share of documents the median
need's chosen concepts reach (the coordination pool), and the memory of the serving process
after all needs. Prints figures and, as the last line, one JSON object. Must not be imported by
the application; no assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus  # noqa: E402
from benchmarks.serving import (  # noqa: E402
    cache_sizes,
    latency_summary,
    machine_load,
    memory_summary,
    parse_args,
    prepare_index,
    rss_mb,
    serve_in_fresh_process,
    timed,
)
from search_index import CatalogueIndex  # noqa: E402


def pool_size(ix: CatalogueIndex, text: str) -> int | None:
    """Documents carrying any of the need's chosen concepts (None if matching changed shape)."""
    try:
        from search_index.need_concepts import need_concepts

        ctx = ix.context()
        n_docs = max(1, len(ctx.live_docs()))
        concepts, _missing = need_concepts(ctx, text, n_docs)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    pool: set[int] = set()
    for sc in concepts:
        pool |= sc.docs
    return len(pool)


def serve(args: argparse.Namespace) -> None:
    ix = CatalogueIndex(args.index_dir)
    docs = ix.stats()["doc_count"]
    rss_open = rss_mb()
    load_start = machine_load()
    needs = Corpus(seed=11).needs(args.needs)
    for text in Corpus(seed=98).needs(5):
        ix.match(text)
    times, cpu = [], []
    for text in needs:
        _, wall, cpu_ms = timed(ix.match, text, limit=10)
        times.append(wall)
        cpu.append(cpu_ms)
    # needs typed in lower case throughout, as in a chat: read with the catalogue's casing
    # (`match_things.catalogue_cased`, `lower_case_need_classes`), timed apart
    lower_times, lower_cpu = [], []
    for text in Corpus(seed=12).needs(max(1, args.needs // 5)):
        _, wall, cpu_ms = timed(ix.match, text.lower(), limit=10)
        lower_times.append(wall)
        lower_cpu.append(cpu_ms)
    load_end = machine_load()
    rss_after = rss_mb()
    caches = cache_sizes(ix)
    pools = [p for p in (pool_size(ix, t) for t in needs[:200]) if p is not None]
    ix.close()
    median_pool = statistics.median(pools) if pools else None
    print(
        json.dumps(
            {
                "needs": len(needs),
                **latency_summary("match", times, cpu),
                "lower_case_needs": len(lower_times),
                **latency_summary("lower_case", lower_times, lower_cpu),
                "load_start": load_start,
                "load_end": load_end,
                "median_pool": median_pool,
                "median_share_matched": (
                    round(median_pool / max(1, docs), 4) if median_pool is not None else None
                ),
                **memory_summary(rss_open, rss_after, "needs"),
                "caches": caches,
                # the three needs that took the most CPU time (ms, words, opening words)
                "slowest": [
                    (round(c, 1), len(t.split()), " ".join(t.split()[:8]))
                    for c, t in sorted(zip(cpu, needs, strict=True), reverse=True)[:3]
                ],
            }
        )
    )


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], "needs", "need texts to time")
    if args.serve:
        serve(args)
        return
    root, stats = prepare_index(args, "bench-match-")
    served = serve_in_fresh_process(__file__, root, "needs", args.needs)
    share = served["median_share_matched"]
    print(
        f"match ({served['needs']} needs of 20-80 words): p50 {served['match_p50_ms']} ms, "
        f"p95 {served['match_p95_ms']} ms, max {served['match_max_ms']} ms (CPU time p50 "
        f"{served['match_cpu_p50_ms']}, p95 {served['match_cpu_p95_ms']} ms); median need reaches "
        f"{served['median_pool']} docs ({100 * share:.1f} %)"
        if share is not None
        else f"match: p50 {served['match_p50_ms']} ms, p95 {served['match_p95_ms']} ms"
    )
    print(
        f"match ({served['lower_case_needs']} more needs typed in lower case): p50 "
        f"{served['lower_case_p50_ms']} ms, p95 {served['lower_case_p95_ms']} ms, max "
        f"{served['lower_case_max_ms']} ms"
    )
    print(
        f"machine load (1/5/15 min) while matching: {served['load_start']} → {served['load_end']}"
    )
    print(
        f"serving process RSS: {served['serving_rss_open_mb']} MB after opening, "
        f"{served['serving_rss_after_needs_mb']} MB after {served['needs']} needs "
        f"(peak {served['serving_peak_rss_mb']} MB); caches {served['caches']}"
    )
    print(f"slowest needs (CPU ms, words, opening): {served['slowest']}")
    print(
        json.dumps(
            {
                "docs": stats["doc_count"],
                **{k: v for k, v in served.items() if k not in ("caches", "slowest")},
                "rebuild_docs_per_s": stats["rebuild_docs_per_s"],
            }
        )
    )


if __name__ == "__main__":
    main()
