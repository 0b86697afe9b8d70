"""Rebuild speed with and without known embeddings: `python benchmarks/rebuild_speed.py --docs N`.

Owns the measurement of `CatalogueIndex.rebuild` on the synthetic catalogue of
`benchmarks/corpus.py`, twice into the same fresh root: first with an empty embedding store
(every document's sentence embedding is computed: a first build, or a new encoder), then again
(every vector comes from the store: a rebuild of an unchanged catalogue, e.g. a new analysis
version). Prints both rates and, as the last line, one JSON object. Must not be imported by the
application; no assertions.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus  # noqa: E402
from benchmarks.serving import machine_load  # noqa: E402
from search_index import CatalogueIndex  # noqa: E402


def timed_rebuild(ix: CatalogueIndex, docs: list, n: int) -> float:
    start = time.perf_counter()
    ix.rebuild(docs, total=n)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10000)
    args = parser.parse_args()
    docs = list(Corpus(seed=42).documents(args.docs))
    with tempfile.TemporaryDirectory(prefix="bench-rebuild-") as tmp:
        ix = CatalogueIndex(Path(tmp))
        load = machine_load()
        cold = timed_rebuild(ix, docs, args.docs)
        warm = timed_rebuild(ix, docs, args.docs)
        ix.close()
    print(f"rebuild of {args.docs} docs, every embedding computed: {cold:.0f} docs/s")
    print(f"rebuild of {args.docs} docs, every embedding from the store: {warm:.0f} docs/s")
    print(f"machine load before (1/5/15 min): {load}")
    print(
        json.dumps(
            {
                "docs": args.docs,
                "rebuild_cold_docs_per_s": round(cold, 1),
                "rebuild_warm_docs_per_s": round(warm, 1),
                "load_before": load,
            }
        )
    )


if __name__ == "__main__":
    main()
