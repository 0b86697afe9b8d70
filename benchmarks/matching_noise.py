"""How much of "a set below target" is sampling noise: `python benchmarks/matching_noise.py [SET ...]`.

Owns one question about the matching figures: the targets are set per evaluation set, and a set
holds 50-64 needs, 8-18 of them no-match needs. A set of 15 no-match needs misses the
no-match target (0.90) with two wrong "passt gut" labels, so a set can miss by chance even where
the matcher's quality, measured over all needs, is above the target.

It scores every set with the production matcher (`search_index.evaluate.run`), pools all needs,
and draws, for every set, many sets of the same size and the same number of no-match needs from
the pooled needs ("what this set would score if it were an ordinary sample"). It prints, per
metric, how many sets are below target and how many would be expected to be below target by
sampling alone; a 90 % interval of each pooled figure per writing style (bootstrap over needs);
and the accuracy on no-match needs every set would need for all of them to reach 0.90 with a
probability of 90 %. The last line is one JSON object. Must not be imported by the application;
no assertions.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_index.evaluate import (  # noqa: E402
    load_jsonl,
    load_qrels,
    load_styles,
    metrics,
    pool_needs,
    run,
)

TARGETS = {
    "ndcg@10": 0.85,
    "recall@5": 0.88,
    "strong_precision": 0.90,
    "strong_recall": 0.60,
    "no_match_accuracy": 0.90,
}
SETS_DIR = Path(__file__).resolve().parent / "matching"

Rankings = dict[str, list[dict[str, Any]]]
Qrels = dict[str, dict[str, int]]


def below(m: dict[str, Any]) -> dict[str, bool]:
    return {c: m[c] < t - 1e-9 for c, t in TARGETS.items()}


def expected_below(
    sets: dict[str, tuple[Rankings, Qrels]], reps: int, rng: random.Random
) -> dict[str, float]:
    """Per metric, the number of sets expected below target if each set were drawn (same size,
    same number of no-match needs) from all needs pooled."""
    rankings, qrels, _ = pool_needs({name: (r, q, {}) for name, (r, q) in sets.items()})
    no_match = [k for k in rankings if not qrels[k]]
    judged_needs = [k for k in rankings if qrels[k]]
    expected = dict.fromkeys(TARGETS, 0.0)
    for ranked, judged in sets.values():
        n_no_match = sum(1 for nid in ranked if not judged.get(nid))
        misses = dict.fromkeys(TARGETS, 0)
        for _ in range(reps):
            sample = rng.choices(no_match, k=n_no_match) + rng.choices(
                judged_needs, k=len(ranked) - n_no_match
            )
            r = {str(i): rankings[k] for i, k in enumerate(sample)}
            q = {str(i): qrels[k] for i, k in enumerate(sample)}
            for c, miss in below(metrics(r, q, list(r))).items():
                misses[c] += miss
        for c in TARGETS:
            expected[c] += misses[c] / reps
    return expected


def interval(
    rankings: Rankings, qrels: Qrels, ids: list[str], reps: int, rng: random.Random
) -> dict[str, tuple[float, float]]:
    """A 90 % bootstrap interval (over needs) of each metric."""
    draws: dict[str, list[float]] = {c: [] for c in TARGETS}
    for _ in range(reps):
        sample = rng.choices(ids, k=len(ids))
        r = {str(i): rankings[k] for i, k in enumerate(sample)}
        q = {str(i): qrels[k] for i, k in enumerate(sample)}
        m = metrics(r, q, list(r))
        for c in TARGETS:
            draws[c].append(m[c])
    out = {}
    for c, xs in draws.items():
        xs.sort()
        out[c] = (xs[int(0.05 * (len(xs) - 1))], xs[int(0.95 * (len(xs) - 1))])
    return out


def accuracy_for_all_sets(n_sets: int, needs_per_set: int, target: float = 0.90) -> float:
    """The smallest true accuracy (to 0.001) at which every one of `n_sets` sets of
    `needs_per_set` no-match needs reaches `target` with a probability of 90 %."""
    allowed = math.floor(needs_per_set * (1 - target) + 1e-9)  # wrong labels a set may have
    for milli in range(900, 1001):
        p_wrong = 1 - milli / 1000
        p_set = sum(
            math.comb(needs_per_set, k) * p_wrong**k * (1 - p_wrong) ** (needs_per_set - k)
            for k in range(allowed + 1)
        )
        if p_set**n_sets >= 0.9:
            return milli / 1000
    return 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_dirs", type=Path, nargs="*")
    parser.add_argument("--reps", type=int, default=400, help="draws per set (default 400)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    set_dirs = args.set_dirs or sorted(
        p for p in SETS_DIR.iterdir() if (p / "needs.jsonl").exists()
    )
    rng = random.Random(args.seed)

    sets: dict[str, tuple[Rankings, Qrels]] = {}
    set_styles: dict[str, dict[str, str]] = {}
    observed = dict.fromkeys(TARGETS, 0)
    for set_dir in set_dirs:
        result, rankings = run(set_dir)
        sets[set_dir.name] = (rankings, load_qrels(set_dir / "qrels.tsv"))
        set_styles[set_dir.name] = load_styles(set_dir, load_jsonl(set_dir / "needs.jsonl"), None)
        for c, miss in below(result).items():
            observed[c] += miss
    pooled_r, pooled_q, styles = pool_needs(
        {name: (r, q, set_styles[name]) for name, (r, q) in sets.items()}
    )

    expected = expected_below(sets, args.reps, rng)
    print(f"{len(sets)} sets, {len(pooled_r)} needs; {args.reps} draws per set")
    print("| metric | target | sets below target | expected below target by sampling alone |")
    print("| --- | --- | --- | --- |")
    for c, t in TARGETS.items():
        print(f"| {c} | {t:.2f} | {observed[c]} | {expected[c]:.1f} |")

    groups: dict[str, list[str]] = {"all needs": list(pooled_r)}
    for key, style in styles.items():
        groups.setdefault(style, []).append(key)
    intervals: dict[str, dict[str, Any]] = {}
    print()
    print("| needs | n | " + " | ".join(TARGETS) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in TARGETS) + " |")
    for name, ids in groups.items():
        m = metrics(pooled_r, pooled_q, ids)
        ci = interval(pooled_r, pooled_q, ids, args.reps, rng)
        intervals[name] = {"needs": len(ids), **{c: [m[c], *ci[c]] for c in TARGETS}}
        cells = " | ".join(f"{m[c]:.3f} ({ci[c][0]:.3f}–{ci[c][1]:.3f})" for c in TARGETS)
        print(f"| {name} | {len(ids)} | {cells} |")

    per_set = [sum(1 for nid in r if not q.get(nid)) for r, q in sets.values()]
    typical = sorted(per_set)[len(per_set) // 2]
    needed = accuracy_for_all_sets(len(sets), typical)
    print()
    print(
        f"For all {len(sets)} sets of {typical} no-match needs each to reach 0.90 with a "
        f"probability of 90 %, the true no-match accuracy would have to be {needed:.3f}."
    )
    print(
        json.dumps(
            {
                "sets": len(sets),
                "needs": len(pooled_r),
                "observed_below": observed,
                "expected_below": {c: round(v, 2) for c, v in expected.items()},
                "intervals": intervals,
                "no_match_accuracy_needed_for_all_sets": needed,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
