"""Plumbing shared by the latency benchmarks (`search_latency.py`, `matching_latency.py`).

Owns the command line (`--docs`, a count, `--index-dir`, the hidden `--serve`), building or
reusing the benchmark index, running the serving side in a fresh process (as a gunicorn worker
would be) and reading its JSON line back, percentiles, wall/CPU latency summaries, memory of the
serving process and the machine load. Must not be imported by the application; no assertions.
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
from typing import Any

from benchmarks.corpus import Corpus
from search_index import CatalogueIndex


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


def machine_load() -> str:
    """The 1/5/15-minute load averages (2 vCPUs: above 2 the figures are inflated)."""
    with open("/proc/loadavg", encoding="ascii") as fh:
        return " ".join(fh.read().split()[:3])


def build(corpus: Corpus, n: int, root: Path) -> tuple[CatalogueIndex, float | None]:
    ix = CatalogueIndex(root)
    if ix.stats()["doc_count"] >= n:
        return ix, None  # reuse a prebuilt index (--index-dir)
    docs = list(corpus.documents(n))
    start = time.perf_counter()
    ix.rebuild(docs, total=n)
    return ix, n / (time.perf_counter() - start)


def cache_sizes(ix: CatalogueIndex) -> dict[str, int] | None:
    sizes = getattr(ix.context(), "cache_sizes", None)
    return sizes() if sizes else None


def parse_args(description: str, count: str, help_count: str) -> argparse.Namespace:
    """`--docs N`, `--<count> N` (queries or needs), `--index-dir DIR`, hidden `--serve`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument(f"--{count}", type=int, default=1000, help=help_count)
    parser.add_argument("--index-dir", type=Path, help="reuse/keep the index here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def prepare_index(args: argparse.Namespace, prefix: str) -> tuple[Path, dict[str, Any]]:
    """Build (or reuse) the benchmark index; print the rebuild rate; return root and stats."""
    root = args.index_dir or Path(tempfile.mkdtemp(prefix=prefix))
    load = machine_load()
    ix, rate = build(Corpus(seed=42), args.docs, root)
    if rate is not None:
        print(f"rebuild: {args.docs} docs at {rate:.0f} docs/s (load before: {load})", flush=True)
    stats = {**ix.stats(), "rebuild_docs_per_s": round(rate, 1) if rate is not None else None}
    ix.close()
    return root, stats


def serve_in_fresh_process(script: str, root: Path, count: str, n: int) -> dict[str, Any]:
    """Run `script --serve` on the index in a new process; return its last line (JSON)."""
    cmd = [sys.executable, script, "--serve", "--index-dir", str(root), f"--{count}", str(n)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    served: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return served


def latency_summary(prefix: str, times: list[float], cpu: list[float]) -> dict[str, float]:
    """p50/p95/max of wall-clock and CPU milliseconds (CPU: less distorted by machine load)."""
    return {
        f"{prefix}_p50_ms": round(statistics.median(times), 1),
        f"{prefix}_p95_ms": round(percentile(times, 95), 1),
        f"{prefix}_max_ms": round(max(times), 1),
        f"{prefix}_cpu_p50_ms": round(statistics.median(cpu), 1),
        f"{prefix}_cpu_p95_ms": round(percentile(cpu, 95), 1),
        f"{prefix}_cpu_max_ms": round(max(cpu), 1),
    }


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """fn(*args, **kwargs) with its wall-clock and CPU time of this process in ms."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return (
        result,
        (time.perf_counter() - start) * 1000,
        (time.process_time() - start_cpu) * 1000,
    )


def memory_summary(rss_open: float, rss_after: float, after: str) -> dict[str, float]:
    return {
        "serving_rss_open_mb": round(rss_open, 1),
        f"serving_rss_after_{after}_mb": round(rss_after, 1),
        "serving_peak_rss_mb": round(peak_rss_mb(), 1),
    }
