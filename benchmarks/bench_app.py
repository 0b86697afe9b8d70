"""The Flask app the benchmarks that go through the web layer use: `bench_app(prefix)`.

A temporary folder for the SQLite database, index and uploads (or the database named by
``CATALOGUE_DATABASE_URL``), rate limits off. Must not be imported by the application.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask

from catalogue import create_app


def bench_app(prefix: str, **config: Any) -> Flask:
    root = Path(tempfile.mkdtemp(prefix=prefix))
    return create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench",
            "DATABASE_URL": os.environ.get("CATALOGUE_DATABASE_URL")
            or f"sqlite:///{root / 'bench.sqlite3'}",
            "SEARCH_INDEX_DIR": str(root / "index"),
            "UPLOAD_DIR": str(root / "uploads"),
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )
