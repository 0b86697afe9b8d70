"""Password-reset timing benchmark: `python benchmarks/reset_timing.py --requests N`.

Measures the response time of POST /konto/passwort-vergessen for addresses with and without an
account (interleaved, through the WSGI test client, SQLite in a temporary folder or
``CATALOGUE_DATABASE_URL``). The two medians should be close: both paths do the same work.
Prints figures and, as the last line, one JSON object. No assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_app import bench_app  # noqa: E402
from catalogue.db import Base  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=150, help="per path")
    args = parser.parse_args()

    app = bench_app("bench-reset-", WTF_CSRF_ENABLED=False)
    from catalogue.extensions import db
    from catalogue.services import accounts, seed

    accounts_count = args.requests // accounts.RESETS_PER_ADDRESS_AND_HOUR + 1
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed.load_municipalities()
        admin = accounts.create_admin(email="admin@example.org", name="Ada", password="x" * 16)
        for n in range(accounts_count):
            accounts.invite_user(
                actor=admin,
                email=f"person{n}@example.org",
                name=f"Person {n}",
                role="member",
                municipality_ags="05774032",
            )
    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(args.requests + 10):
        for kind in ("known", "unknown"):
            address = (
                f"person{n % accounts_count}@example.org"
                if kind == "known"
                else f"niemand{n}@example.org"
            )
            start = time.perf_counter()
            response = client.post("/konto/passwort-vergessen", data={"email": address})
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 302
            if n >= 10:  # warm-up
                times[kind].append(elapsed)
    known = statistics.median(times["known"])
    unknown = statistics.median(times["unknown"])
    print(
        f"reset request ({args.requests} each): "
        f"known p50 {known:.2f} ms, unknown p50 {unknown:.2f} ms, "
        f"difference {known - unknown:+.2f} ms"
    )
    print(
        json.dumps(
            {
                "requests_per_path": args.requests,
                "known_p50_ms": round(known, 2),
                "unknown_p50_ms": round(unknown, 2),
                "difference_ms": round(known - unknown, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
