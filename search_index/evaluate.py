"""Matching benchmark harness: `python -m search_index.evaluate SET_DIR [SET_DIR ...]`.

Owns reading a benchmark set (solutions.jsonl, needs.jsonl, qrels.tsv, optional styles.tsv),
indexing its solutions with the production code into a temporary index, running every need
through `CatalogueIndex.match` and computing the metrics defined in
benchmarks/matching/README.md, overall, per writing style and per length bucket. The last line
printed is one JSON object with the metrics (one set: its metrics; several: a mapping set name →
metrics, with "all N sets": every need of every set pooled, overall and per writing style).

Styles: a need may carry a `style` field in needs.jsonl; a set may instead list `need_id<TAB>style`
in `styles.tsv`, or give one style for all its needs with `--style`. Needs without a style are
grouped as "unlabelled". Length buckets (by word count) are always reported: "short" (≤ 6 words),
"medium" (7–59) and "long" (≥ 60, e-mail-style descriptions).

Solution ids are strings and stay strings: they are mapped to index numbers by their position in
the file, so ids such as `S006` and `T-S006` never collide.

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
from typing import Any

from search_index.documents import IndexDocument
from search_index.index import CatalogueIndex

SHORT_MAX_WORDS = 6
LONG_MIN_WORDS = 60
UNLABELLED = "unlabelled"


def category_key(name: str) -> str:
    """'Umwelt, Klima & Energie' -> 'umwelt-klima-energie' (a stable key for display names)."""
    text = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def solutions_to_documents(
    rows: Iterable[dict[str, Any]],
) -> tuple[list[IndexDocument], dict[int, str]]:
    """Index documents for a set's solutions, and index number → the set's (string) id.

    Numbers are positions in the file (1, 2, …): ids are never parsed, so `S006` and `T-S006`
    are two solutions. A repeated id is an error in the set.
    """
    docs = []
    id_by_number: dict[int, str] = {}
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        sid = str(row["id"])
        if sid in seen:
            raise ValueError(f"solution id {sid!r} occurs twice")
        seen.add(sid)
        id_by_number[n] = sid
        body = "\n\n".join(p for p in (row.get("problem", ""), row.get("description", "")) if p)
        docs.append(
            IndexDocument(
                doc_id=f"solution:{n}",
                kind="solution",
                solution_id=n,
                version=1,
                title=row.get("title", ""),
                summary=row.get("summary", ""),
                body=body,
                lessons=row.get("lessons", ""),
                tags=tuple(row.get("tags", ())),
                category=category_key(row.get("category", "")),
                municipality=row.get("municipality", ""),
                status=row.get("status", ""),
                published=datetime(2024, 1, 1),
            )
        )
    return docs, id_by_number


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    if not path.exists():
        return qrels
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 3:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def load_styles(
    set_dir: Path, needs: list[dict[str, Any]], default: str | None = None
) -> dict[str, str]:
    """need id → writing style (needs.jsonl `style`, then styles.tsv, then `default`)."""
    styles: dict[str, str] = {}
    path = set_dir / "styles.tsv"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.strip().split("\t")
            if len(parts) >= 2 and parts[1]:
                styles[parts[0]] = parts[1]
    out = {}
    for need in needs:
        nid = str(need["id"])
        out[nid] = need.get("style") or styles.get(nid) or default or UNLABELLED
    return out


def length_bucket(text: str) -> str:
    words = len(text.split())
    if words <= SHORT_MAX_WORDS:
        return "short"
    return "long" if words >= LONG_MIN_WORDS else "medium"


def metrics(
    rankings: dict[str, list[dict[str, Any]]], qrels: dict[str, dict[str, int]], need_ids: list[str]
) -> dict[str, float]:
    ndcgs, recalls, mrrs = [], [], []
    strong_total = strong_relevant = 0
    no_match = no_match_ok = 0
    with_grade2 = grade2_strong = 0
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
        if any(g >= 2 for g in judged.values()):
            with_grade2 += 1
            grade2_strong += any(
                r["band"] == "strong" and judged.get(r["id"], 0) >= 2 for r in results
            )
        dcg = sum(judged.get(r["id"], 0) / math.log2(i + 2) for i, r in enumerate(results))
        ideal = sorted(judged.values(), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcgs.append(dcg / idcg if idcg else 0.0)
        relevant = {s for s, g in judged.items() if g >= 1}
        top5 = {r["id"] for r in results[:5]}
        recalls.append(len(relevant & top5) / len(relevant) if relevant else 0.0)
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
        "strong_recall": round(grade2_strong / with_grade2, 4) if with_grade2 else 1.0,
        "no_match_accuracy": round(no_match_ok / no_match, 4) if no_match else 1.0,
        "needs": len(need_ids),
        "judged_needs": len(ndcgs),
        "no_match_needs": no_match,
        "strong_labels": strong_total,
    }


def grouped_metrics(
    rankings: dict[str, list[dict[str, Any]]],
    qrels: dict[str, dict[str, int]],
    groups: dict[str, str],
) -> dict[str, dict[str, float]]:
    """Metrics per group (need id → group name) over the ranked needs."""
    members: dict[str, list[str]] = {}
    for nid in rankings:
        members.setdefault(groups.get(nid, UNLABELLED), []).append(nid)
    return {name: metrics(rankings, qrels, ids) for name, ids in sorted(members.items())}


def pool_needs(
    sets: dict[
        str, tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, int]], dict[str, str]]
    ],
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, int]], dict[str, str]]:
    """Several sets' rankings, judgments and styles as one set: every need and solution id is
    prefixed with its set's name ("heldout_a/N01"), so equal ids of two sets stay apart."""
    rankings: dict[str, list[dict[str, Any]]] = {}
    qrels: dict[str, dict[str, int]] = {}
    styles: dict[str, str] = {}
    for name, (ranked, judged, set_styles) in sets.items():
        for nid, results in ranked.items():
            key = f"{name}/{nid}"
            rankings[key] = [{**r, "id": f"{name}/{r['id']}"} for r in results]
            qrels[key] = {f"{name}/{s}": g for s, g in judged.get(nid, {}).items()}
            styles[key] = set_styles.get(nid, UNLABELLED)
    return rankings, qrels, styles


def pooled(
    per_set: dict[str, tuple[dict[str, list[dict[str, Any]]], Path]], style: str | None = None
) -> dict[str, Any]:
    """Metrics over the needs of all sets together (each need counts once, whatever its set's
    size), overall and per writing style; need and solution ids are taken per set."""
    rankings, qrels, styles = pool_needs(
        {
            name: (
                ranked,
                load_qrels(set_dir / "qrels.tsv"),
                load_styles(set_dir, load_jsonl(set_dir / "needs.jsonl"), style),
            )
            for name, (ranked, set_dir) in per_set.items()
        }
    )
    result: dict[str, Any] = dict(metrics(rankings, qrels, list(rankings)))
    result["by_style"] = grouped_metrics(rankings, qrels, styles)
    return result


def run(
    set_dir: Path, need_filter: set[str] | None = None, style: str | None = None
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    solutions = load_jsonl(set_dir / "solutions.jsonl")
    needs = load_jsonl(set_dir / "needs.jsonl")
    qrels = load_qrels(set_dir / "qrels.tsv")
    styles = load_styles(set_dir, needs, style)
    docs, id_by_number = solutions_to_documents(solutions)
    rankings: dict[str, list[dict[str, Any]]] = {}
    lengths: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="match-eval-") as tmp:
        index = CatalogueIndex(Path(tmp))
        try:
            index.rebuild(docs, total=len(docs))
            for need in needs:
                nid = str(need["id"])
                if need_filter is not None and nid not in need_filter:
                    continue
                lengths[nid] = length_bucket(need["text"])
                matches = index.match(need["text"], limit=10)
                rankings[nid] = [
                    {"id": id_by_number[m.solution_id], "score": round(m.score, 4), "band": m.band}
                    for m in matches
                ]
        finally:
            index.close()
    result: dict[str, Any] = dict(metrics(rankings, qrels, list(rankings)))
    by_style = grouped_metrics(rankings, qrels, styles)
    if set(by_style) != {UNLABELLED}:
        result["by_style"] = by_style
    result["by_length"] = grouped_metrics(rankings, qrels, lengths)
    return result, rankings


def _need_number(nid: str) -> int:
    digits = re.sub(r"\D", "", nid)
    return int(digits) if digits else 0


COLUMNS = ("ndcg@10", "recall@5", "strong_precision", "strong_recall", "no_match_accuracy")


def table(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: one row per set, then per style (or per length bucket)."""
    head = "| set / group | needs | " + " | ".join(COLUMNS) + " |"
    lines = [head, "| " + " | ".join(["---"] * (len(COLUMNS) + 2)) + " |"]

    def row(name: str, m: dict[str, Any]) -> str:
        values = " | ".join(f"{m[c]:.3f}" for c in COLUMNS)
        return f"| {name} | {m['needs']} | {values} |"

    for set_name, m in results.items():
        lines.append(row(f"**{set_name}**", m))
        # styles where the set names them, else length buckets (both are in the JSON)
        for name, gm in m.get("by_style", m.get("by_length", {})).items():
            lines.append(row(f"{set_name} · {name}", gm))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_dirs", type=Path, nargs="+", metavar="set_dir")
    parser.add_argument("--rankings", type=Path, help="write one JSON line per need (one set)")
    parser.add_argument("--style", help="writing style of needs that name none")
    parser.add_argument("--table", action="store_true", help="print a Markdown table first")
    parser.add_argument(
        "--half",
        choices=("odd", "even"),
        help="only needs with odd/even number (hold-out check)",
    )
    args = parser.parse_args(argv)
    for set_dir in args.set_dirs:
        missing = [f for f in ("solutions.jsonl", "needs.jsonl") if not (set_dir / f).exists()]
        if missing:
            parser.error(f"{set_dir} is no benchmark set (missing {', '.join(missing)})")
    results: dict[str, dict[str, Any]] = {}
    per_set: dict[str, tuple[dict[str, list[dict[str, Any]]], Path]] = {}
    for set_dir in args.set_dirs:
        need_filter = None
        if args.half:
            needs = load_jsonl(set_dir / "needs.jsonl")
            parity = 1 if args.half == "odd" else 0
            need_filter = {str(n["id"]) for n in needs if _need_number(str(n["id"])) % 2 == parity}
        result, rankings = run(set_dir, need_filter, args.style)
        results[set_dir.name] = result
        per_set[set_dir.name] = (rankings, set_dir)
        if args.rankings and len(args.set_dirs) == 1:
            with args.rankings.open("w", encoding="utf-8") as fh:
                for nid, ranked in rankings.items():
                    fh.write(
                        json.dumps({"need_id": nid, "results": ranked}, ensure_ascii=False) + "\n"
                    )
    if len(per_set) > 1:  # all needs of all sets, by writing style
        results[f"all {len(per_set)} sets"] = pooled(per_set, args.style)
    if args.table:
        print(table(results))
    if len(results) == 1:
        print(json.dumps(next(iter(results.values()))))
    else:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
