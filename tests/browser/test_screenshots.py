"""Full-page screenshots for visual review at 1280 px and 320 px, taken only on request:
``CATALOGUE_SCREENSHOT_DIR=/tmp/screenshots pytest tests/browser -k screenshots``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.environ.get("CATALOGUE_SCREENSHOT_DIR"),
        reason="screenshots only on request (set CATALOGUE_SCREENSHOT_DIR)",
    ),
]

SHOTS = {"start": "/", "solution": "{source}", "paderborn": "/kommunen/05774032"}


@pytest.mark.parametrize("width", [1280, 320])
def test_screenshots(live_server, browser, width):
    target = Path(os.environ["CATALOGUE_SCREENSHOT_DIR"])
    target.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE")
    try:
        page = ctx.new_page()
        for name, path in SHOTS.items():
            page.goto(live_server.url + path.format(source=f"/loesungen/{live_server.source_slug}"))
            shot = target / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 0
    finally:
        ctx.close()
