"""Health endpoints for load balancers and monitoring: ``/healthz`` (the process answers) and
``/readyz`` (database, index, outbox lag, worker heartbeat; beside them what needs an
operator: failed mails, failing jobs, stale workers). JSON, no personal data, no session,
exempt from rate limits."""

from __future__ import annotations

from flask import Blueprint, jsonify

from catalogue.extensions import limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
@limiter.exempt
def readyz():
    from catalogue.services import health

    ready, checks = health.readiness()
    response = jsonify(
        status="ready" if ready else "not_ready", checks=checks, attention=health.attention()
    )
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
