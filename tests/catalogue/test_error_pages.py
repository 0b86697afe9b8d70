"""Every status of the one error table (``catalogue.http_errors``) renders its page through the
app's error handlers, and under /api/ its JSON envelope."""

from __future__ import annotations

import pytest
from flask import abort

from catalogue.http_errors import HTTP_ERRORS, NEXT_STEPS


@pytest.fixture
def failing_app(app):
    """The test app with a route that answers with any status (added before the first
    request, as Flask requires)."""

    def fail(status: int):
        abort(status)

    app.add_url_rule("/test-fehler/<int:status>", "test_fail", fail)
    app.add_url_rule("/api/v1/test-fehler/<int:status>", "test_api_fail", fail)
    return app


@pytest.mark.parametrize("status", sorted(HTTP_ERRORS))
def test_every_status_renders_its_page(failing_app, status):
    error = HTTP_ERRORS[status]
    response = failing_app.test_client().get(f"/test-fehler/{status}")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"<title>{error.title}" in html
    assert f'<p class="kern-preline">Fehler {status}</p>' in html
    assert f'<h1 class="kern-heading-large">{error.title}</h1>' in html
    operator = failing_app.config["OPERATOR_NAME"]
    assert error.message.format(operator=operator) in html
    assert "{operator}" not in html
    for _endpoint, label in NEXT_STEPS:
        assert f">{label}</a>" in html


def test_the_403_page_names_the_operator(failing_app):
    html = failing_app.test_client().get("/test-fehler/403").get_data(as_text=True)
    assert f"wenden Sie sich an das {failing_app.config['OPERATOR_NAME']}." in html


@pytest.mark.parametrize("status", sorted(HTTP_ERRORS))
def test_every_status_has_the_api_envelope(failing_app, status):
    error = HTTP_ERRORS[status]
    response = failing_app.test_client().get(f"/api/v1/test-fehler/{status}")
    assert response.status_code == status
    assert response.get_json() == {
        "error": {
            "status": status,
            "code": error.api_code or "error",
            "message": error.api_message or "Fehler.",
            "details": {},
        }
    }
