"""Writer process for test_concurrency: adds, deletes and merges segments, then exits.

Run as `python -m tests.search_index._churn ROOT ROUNDS`; prints "done <commits>" at the end.
"""

from __future__ import annotations

import sys

from search_index import CatalogueIndex
from tests.search_index.conftest import make_doc

WORDS = ["Terminvergabe", "Sperrmüll", "Kita", "Wohngeld", "Bürgeramt", "Abfallkalender"]


def main(root: str, rounds: int) -> None:
    ix = CatalogueIndex(root)
    commits = 0
    for r in range(rounds):
        docs = [
            make_doc(
                1000 + r * 3 + k,
                f"{WORDS[(r + k) % len(WORDS)]} Lösung {r}-{k}",
                f"Zusammenfassung {WORDS[k % len(WORDS)]} Runde {r}",
                f"Beschreibung mit {WORDS[(r * k) % len(WORDS)]} und mehr Text " * 5,
            )
            for k in range(3)
        ]
        deletes = [f"solution:{1000 + (r - 2) * 3}"] if r >= 2 else []
        ix.apply(docs, deletes)
        commits += 1
        if r % 4 == 3:
            ix.optimize()  # merge everything: the old segment files are deleted
            commits += 1
    ix.close()
    print(f"done {commits}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
