"""Fit the calibrated lead of the bands: `python benchmarks/band_calibration.py [SET ...]`.

Owns how `search_index.calibrated_lead.CALIBRATED_WEIGHTS` came about, so the calibration can be
repeated when sets are added. For every need of every judged set (default: all folders of
`benchmarks/matching/`) it ranks the set's solutions with the production matcher
(`matching.rank_candidates`, as `run_match` does) and records the best result's features
(`calibrated_lead.lead_features`), whether it is relevant (grade 1 or 2), whether the other band rules
already make it "passt gut", and whether it meets the conditions of every "passt gut" (two matched words, a
matched word names a thing, enough known words). It fits an L2-regularised
logistic model of "relevant" on those features (Newton's method, numpy), predicts every set with a
model fitted on the other sets (leave-one-set-out) and prints, per probability threshold, what
the calibrated lead would add: right and wrong "passt gut" labels, and how many of the wrong ones
belong to no-match needs; per veto threshold, the other rules' "passt gut" labels of best
results it would withhold. Then the weights fitted on all sets. The last line is one JSON object.

Must not be imported by the application; no assertions. Needs and judgments are read to fit the
weights only; they never reach shipped data.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_index import everyday  # noqa: E402
from search_index.calibrated_lead import lead_features  # noqa: E402
from search_index.evaluate import load_jsonl, load_qrels, solutions_to_documents  # noqa: E402
from search_index.index import CatalogueIndex  # noqa: E402
from search_index.match_bands import bands, calibration_eligible, confirms  # noqa: E402
from search_index.matching import rank_candidates, thing_test  # noqa: E402
from search_index.need_concepts import ScoredConcept  # noqa: E402

SETS_DIR = Path(__file__).resolve().parent / "matching"
THRESHOLDS = (0.8, 0.85, 0.88, 0.9, 0.92, 0.95)
VETOES = (0.2, 0.3, 0.4, 0.5)
L2 = 0.1


def best_results(set_dir: Path) -> list[dict[str, Any]]:
    """Per need of the set: the best result's features and what is known about it."""
    solutions = load_jsonl(set_dir / "solutions.jsonl")
    needs = load_jsonl(set_dir / "needs.jsonl")
    qrels = load_qrels(set_dir / "qrels.tsv")
    docs, id_by_number = solutions_to_documents(solutions)
    rows = []
    with tempfile.TemporaryDirectory(prefix="band-calibration-") as tmp:
        index = CatalogueIndex(Path(tmp))
        try:
            index.rebuild(docs, total=len(docs))
            ctx = index.context()
            for need in needs:
                text = need["text"]
                concepts: list[ScoredConcept] = []
                unknown: list[str] = []
                ranked, n_concepts = rank_candidates(
                    ctx,
                    text,
                    limit=10 + everyday.HINT_DEPTH,
                    concepts_out=concepts,
                    unknown_out=unknown,
                )
                if not ranked:
                    continue
                names_thing = thing_test(ctx, text, ranked[:10], concepts, unknown)
                best = ranked[0]
                label = bands(ranked, n_concepts, names_thing, confirm=confirms(text, n_concepts))[
                    0
                ]
                judged = qrels.get(str(need["id"]), {})
                rows.append(
                    {
                        "set": set_dir.name,
                        "features": lead_features(ranked, n_concepts, len(text.split())),
                        "relevant": judged.get(id_by_number[best.solution_id], 0) >= 1,
                        "no_match": not judged,
                        "strong": label == "strong",
                        # the conditions of every "passt gut" (`match_bands._calibrated_lead`)
                        "eligible": calibration_eligible(best) and names_thing(best),
                    }
                )
        finally:
            index.close()
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method."""
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + l2 * w
        hess = (x.T * (p * (1.0 - p))) @ x + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def tally(labels: list[dict[str, Any]]) -> dict[str, int]:
    """Right and wrong "passt gut" labels among best results, and the wrong ones of no-match needs."""
    right = sum(r["relevant"] for r in labels)
    return {
        "right": right,
        "wrong": len(labels) - right,
        "wrong_no_match": sum(r["no_match"] for r in labels),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path)
    args = parser.parse_args(argv)
    set_dirs = args.sets or sorted(p for p in SETS_DIR.iterdir() if (p / "needs.jsonl").exists())
    rows = [row for d in set_dirs for row in best_results(d)]
    x = np.array([r["features"] for r in rows])
    y = np.array([1.0 if r["relevant"] else 0.0 for r in rows])
    names = np.array([r["set"] for r in rows])
    held_out = np.zeros(len(rows))
    for name in np.unique(names):
        mask = names == name
        w = fit(x[~mask], y[~mask])
        held_out[mask] = 1.0 / (1.0 + np.exp(-np.clip(x[mask] @ w, -30, 30)))
    scored = list(zip(rows, held_out, strict=True))
    added: dict[str, dict[str, int]] = {}
    for t in THRESHOLDS:
        new = [r for r, p in scored if p >= t and r["eligible"] and not r["strong"]]
        added[str(t)] = tally(new)
        print(
            f"p ≥ {t}: the calibrated lead adds {added[str(t)]['right']} right and "
            f"{added[str(t)]['wrong']} wrong 'passt gut' ({added[str(t)]['wrong_no_match']} of "
            "them for no-match needs)"
        )
    withheld: dict[str, dict[str, int]] = {}
    for v in VETOES:
        withheld[str(v)] = tally([r for r, p in scored if p < v and r["strong"]])
        print(
            f"p < {v}: the veto withholds {withheld[str(v)]['right']} right and "
            f"{withheld[str(v)]['wrong']} wrong 'passt gut' of the other rules "
            f"({withheld[str(v)]['wrong_no_match']} of the wrong ones for no-match needs)"
        )
    weights = [round(float(v), 3) for v in fit(x, y)]
    print(f"{len(rows)} needs of {len(set_dirs)} sets; weights fitted on all: {tuple(weights)}")
    print(
        json.dumps(
            {
                "needs": len(rows),
                "sets": len(set_dirs),
                "added": added,
                "withheld": withheld,
                "weights": weights,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
