"""Spreadsheet import benchmark: `python benchmarks/table_import.py --rows N`.

Measures the dry run, the import and the idempotent second run of an N-row CSV as a curator on a
temporary SQLite catalogue (the municipalities loaded). Prints figures and, as the last line,
one JSON object. Must not be imported by the application; no assertions.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _csv(rows: int) -> bytes:
    from catalogue.exchange import spreadsheet

    headers = [c.header for c in spreadsheet.COLUMNS]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for n in range(1, rows + 1):
        values = {
            "ID": f"B-{n}",
            "Titel": f"Lösung {n}: digitale Akte",
            "Kurzbeschreibung": "Kurz.",
            "Beschreibung": f"Beschreibung {n}\nmit Zeilenumbruch.",
            "Kategorie": "buergerservice",
            "Art": "software",
            "Projektstand": "im Betrieb",
            "Nachnutzbarkeit": "nachnutzbar nach Absprache",
            "AGS federführende Kommune": "05774032",
            "Schlagworte": "Akte, Bürgerbüro",
        }
        writer.writerow([values.get(h, "") for h in headers])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()

    from catalogue import create_app
    from catalogue.db import unit_of_work
    from catalogue.models import Role, User
    from catalogue.services import seed, table_import

    root = Path(tempfile.mkdtemp(prefix="bench-import-"))
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite3'}",
            "SEARCH_INDEX_DIR": str(root / "index"),
            "UPLOAD_DIR": str(root / "uploads"),
            "SECRET_KEY": "benchmark",
            "RATELIMIT_ENABLED": False,
        }
    )
    content = _csv(args.rows)
    figures = {"rows": args.rows}
    with app.app_context():
        from catalogue.db import Base
        from catalogue.extensions import db

        Base.metadata.create_all(db.engine)
        seed.load_municipalities()
        with unit_of_work() as s:
            curator = User(email="k@bench.example", name="K", role=Role.CURATOR)
            s.add(curator)
        for label, dry_run in (("dry_run", True), ("import", False), ("second_run", False)):
            start = time.perf_counter()
            result = table_import.import_table(
                actor=curator, filename="b.csv", content=content, dry_run=dry_run
            )
            seconds = time.perf_counter() - start
            figures[f"{label}_s"] = round(seconds, 2)
            actions = {a: result.count(a) for a in table_import.ACTION_LABELS}
            print(
                f"{label}: {seconds:.2f} s ({args.rows / seconds:.0f} rows/s) {actions}", flush=True
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
