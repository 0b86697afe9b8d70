"""API contract details from issue 11: timestamps are RFC 3339 with an offset, and a 429 keeps
the rate limiter's headers next to the error envelope."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import make_app, release_app

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_timestamps_carry_an_offset(client, demo):
    body = client.get("/api/v1/solutions?per_page=3").get_json()
    slug = body["items"][0]["slug"]
    detail = client.get(f"/api/v1/solutions/{slug}").get_json()
    stamps = [item["published_at"] for item in body["items"]] + [detail["updated_at"]]
    assert stamps and all(RFC3339.match(stamp) for stamp in stamps), stamps


def test_a_429_keeps_retry_after(tmp_path: Path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    try:
        from catalogue.extensions import limiter

        limiter.reset()
        client = app.test_client()
        responses = [client.get("/api/v1/municipalities") for _ in range(121)]
        limited = responses[-1]
        assert limited.status_code == 429
        assert limited.get_json()["error"]["status"] == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.headers["X-RateLimit-Remaining"] == "0"
    finally:
        release_app(app)
