"""Need-matching latency benchmark: `python benchmarks/matching_latency.py --docs N`.

Owns the measurement of `CatalogueIndex.match` on a synthetic German catalogue with need texts
of 20-80 words. Prints figures and, as the last line, one JSON object. Must not be imported by
the application; no assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus  # noqa: E402
from benchmarks.search_latency import build, percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--needs", type=int, default=50)
    parser.add_argument("--index-dir", type=Path, help="reuse/keep the index here")
    args = parser.parse_args()

    corpus = Corpus(seed=42)
    root = args.index_dir or Path(tempfile.mkdtemp(prefix="bench-match-"))
    ix, rate = build(corpus, args.docs, root)
    if rate is not None:
        print(f"rebuild: {args.docs} docs at {rate:.0f} docs/s", flush=True)
    needs = Corpus(seed=11).needs(args.needs)
    for text in needs[:5]:
        ix.match(text)
    times = []
    for text in needs:
        start = time.perf_counter()
        ix.match(text, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"match ({len(needs)} needs of 20-80 words): p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms"
    )
    ix.close()
    print(
        json.dumps(
            {
                "docs": args.docs,
                "match_p50_ms": round(statistics.median(times), 1),
                "match_p95_ms": round(percentile(times, 95), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
