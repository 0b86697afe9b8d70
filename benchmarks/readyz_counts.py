"""/readyz with a long mail history: `python benchmarks/readyz_counts.py --mails N`.

Every probe of ``/readyz`` (load balancer, monitoring) also reports the ``attention`` figures,
among them the unsent mails by state. This fills the mail table with N sent mails and 60 unsent
ones in every state (SQLite in a temporary folder, or an empty database named by
``CATALOGUE_DATABASE_URL``), then times GET /readyz through the WSGI test client. Prints figures
and, as the last line, one JSON object. No assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_app import bench_app  # noqa: E402
from catalogue.clock import utcnow  # noqa: E402
from catalogue.db import Base  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=500_000, help="sent mails in the history")
    parser.add_argument("--probes", type=int, default=200)
    args = parser.parse_args()

    app = bench_app("bench-readyz-")
    import sqlalchemy as sa

    from catalogue.extensions import db
    from catalogue.models import OutgoingMail
    from catalogue.services import mail, search

    with app.app_context():
        Base.metadata.create_all(db.engine)
        search.ensure_index_current()
        now = utcnow()
        table = OutgoingMail.__table__
        started = time.perf_counter()
        batch = 20_000
        for start in range(0, args.mails, batch):
            rows = [
                {
                    "recipient": f"person{n}@example.org",
                    "subject": "Lösungskatalog: 2 neue Lösungen zu Ihren Abos",
                    "body": "Guten Tag, " + "eine neue Lösung passt zu Ihrem Abo. " * 20,
                    "unsubscribe_url": "",
                    "created_at": now - timedelta(seconds=n),
                    "sent_at": now - timedelta(seconds=n - 1),
                    "error": "",
                    "attempts": 1,
                    "next_attempt_at": None,
                }
                for n in range(start, min(start + batch, args.mails))
            ]
            db.session.execute(sa.insert(table), rows)
            db.session.commit()
        for n in range(60):  # waiting, retrying, failed, logged only
            db.session.execute(
                sa.insert(table).values(
                    recipient=f"wartend{n}@example.org",
                    subject="Erinnerung",
                    body="x",
                    unsubscribe_url="",
                    created_at=now,
                    sent_at=None,
                    error=["", "Verbindung abgelehnt", "550 unbekannt", mail.NOT_CONFIGURED][n % 4],
                    attempts=1,
                    next_attempt_at=None if n % 4 >= 2 else now,
                )
            )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    sa.text("ANALYZE outgoing_mail")
                )
        filled = time.perf_counter() - started

    client = app.test_client()
    for _ in range(10):
        client.get("/readyz")
    times = []
    for _ in range(args.probes):
        t = time.perf_counter()
        response = client.get("/readyz")
        times.append((time.perf_counter() - t) * 1000)
    body = response.get_json()
    times.sort()
    result = {
        "benchmark": "readyz_counts",
        "database": app.config["DATABASE_URL"].split(":", 1)[0],
        "mails": args.mails,
        "probes": args.probes,
        "attention": body.get("attention"),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "fill_seconds": round(filled, 1),
    }
    print(f"/readyz with {args.mails} mails: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
