"""Subprocess entry point for the search consistency tests (several writer processes, a writer
killed with SIGKILL). Usage: python -m tests.catalogue._search_worker MODE DB_URL INDEX_DIR [ARG]"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from catalogue import create_app


def main() -> None:
    mode, db_url, index_dir = sys.argv[1:4]
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "test",
            "DATABASE_URL": db_url,
            "SEARCH_INDEX_DIR": index_dir,
        }
    )
    with app.app_context():
        if mode == "publish":
            worker, count = sys.argv[4], int(sys.argv[5])
            from catalogue.services import seed

            for n in range(count):
                entry = {
                    "title": f"Lösung {worker}-{n} Bürgerservice",
                    "summary": "Parallel veröffentlicht.",
                    "description": "Text",
                    "category": "buergerservice",
                    "municipality": "Lemgo",
                    "kind": "software",
                    "status": "in_operation",
                    "readiness": "documented",
                }
                path = Path(tempfile.mkstemp(suffix=".jsonl")[1])
                path.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
                seed.load_content(path, is_demo=True)
                path.unlink()
        elif mode == "sync":
            from catalogue.services import search

            print("syncing", flush=True)
            while True:  # keep writing until killed
                search.sync_outbox()
                state = search.SyncState.load()
                state.cursor = 0
                state.save()
        else:
            raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
