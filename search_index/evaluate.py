"""Matching benchmark harness: `python -m search_index.evaluate SET_DIR [--rankings FILE]`.

Owns reading a benchmark set (solutions.jsonl, needs.jsonl, qrels.tsv), indexing its solutions
with the production code into a temporary index, running every need through
`CatalogueIndex.match` and computing the metrics defined in bench/matching/README.md. The last
line printed is one JSON object with the metrics.

Must not: import Flask or SQLAlchemy, or use needs or judgments to influence matching (they are
only read to score the results).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from search_index.documents import IndexDocument
from search_index.index import CatalogueIndex


def category_key(name: str) -> str:
    """'Umwelt, Klima & Energie' -> 'umwelt-klima-energie' (a stable key for display names)."""
    text = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def solution_number(sid: str) -> int:
    digits = re.sub(r"\D", "", sid)
    return int(digits) if digits else abs(hash(sid)) % 10**9


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def solutions_to_documents(rows: Iterable[dict]) -> list[IndexDocument]:
    docs = []
    for row in rows:
        n = solution_number(row["id"])
        docs.append(
            IndexDocument(
                doc_id=f"solution:{n}",
                kind="solution",
                solution_id=n,
                version=1,
                title=row.get("title", ""),
                summary=row.get("summary", ""),
                body=row.get("description", ""),
                lessons=row.get("lessons", ""),
                tags=tuple(row.get("tags", ())),
                category=category_key(row.get("category", "")),
                municipality=row.get("municipality", ""),
                status=row.get("status", ""),
                published=datetime(2024, 1, 1),
            )
        )
    return docs


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    if not path.exists():
        return qrels
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 3:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def metrics(
    rankings: dict[str, list[dict]], qrels: dict[str, dict[str, int]], need_ids: list[str]
) -> dict[str, float]:
    ndcgs, recalls, mrrs = [], [], []
    strong_total = strong_relevant = 0
    no_match = no_match_ok = 0
    for nid in need_ids:
        results = rankings.get(nid, [])[:10]
        judged = qrels.get(nid, {})
        for r in results:
            if r["band"] == "strong":
                strong_total += 1
                strong_relevant += judged.get(r["id"], 0) >= 1
        if not judged:
            no_match += 1
            no_match_ok += not any(r["band"] == "strong" for r in results)
            continue
        dcg = sum(judged.get(r["id"], 0) / math.log2(i + 2) for i, r in enumerate(results))
        ideal = sorted(judged.values(), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcgs.append(dcg / idcg if idcg else 0.0)
        relevant = {s for s, g in judged.items() if g >= 1}
        top5 = {r["id"] for r in results[:5]}
        recalls.append(len(relevant & top5) / len(relevant))
        rr = 0.0
        for i, r in enumerate(results):
            if judged.get(r["id"], 0) >= 1:
                rr = 1.0 / (i + 1)
                break
        mrrs.append(rr)

    def mean(xs: list[float]) -> float:
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    return {
        "ndcg@10": mean(ndcgs),
        "recall@5": mean(recalls),
        "mrr@10": mean(mrrs),
        "strong_precision": round(strong_relevant / strong_total, 4) if strong_total else 1.0,
        "no_match_accuracy": round(no_match_ok / no_match, 4) if no_match else 1.0,
        "needs": len(need_ids),
        "judged_needs": len(ndcgs),
        "no_match_needs": no_match,
        "strong_labels": strong_total,
    }


def run(set_dir: Path, need_filter: set[str] | None = None) -> tuple[dict, dict[str, list[dict]]]:
    solutions = load_jsonl(set_dir / "solutions.jsonl")
    needs = load_jsonl(set_dir / "needs.jsonl")
    qrels = load_qrels(set_dir / "qrels.tsv")
    id_by_number = {solution_number(r["id"]): r["id"] for r in solutions}
    rankings: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="match-eval-") as tmp:
        index = CatalogueIndex(Path(tmp))
        try:
            index.rebuild(solutions_to_documents(solutions), total=len(solutions))
            for need in needs:
                if need_filter is not None and need["id"] not in need_filter:
                    continue
                matches = index.match(need["text"], limit=10)
                rankings[need["id"]] = [
                    {"id": id_by_number[m.solution_id], "score": round(m.score, 4), "band": m.band}
                    for m in matches
                ]
        finally:
            index.close()
    return metrics(rankings, qrels, list(rankings)), rankings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_dir", type=Path)
    parser.add_argument("--rankings", type=Path, help="write one JSON line per need")
    parser.add_argument(
        "--half",
        choices=("odd", "even"),
        help="only needs with odd/even number (hold-out check)",
    )
    args = parser.parse_args(argv)
    need_filter = None
    if args.half:
        needs = load_jsonl(args.set_dir / "needs.jsonl")
        parity = 1 if args.half == "odd" else 0
        need_filter = {n["id"] for n in needs if solution_number(n["id"]) % 2 == parity}
    result, rankings = run(args.set_dir, need_filter)
    if args.rankings:
        with args.rankings.open("w", encoding="utf-8") as fh:
            for nid, results in rankings.items():
                fh.write(
                    json.dumps({"need_id": nid, "results": results}, ensure_ascii=False) + "\n"
                )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
